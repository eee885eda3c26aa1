// Wires the watches to the queue and the queue to the reconciler. Only changes a person makes wake a pool:
// its generation (spec), deletion, finalizers and annotations. Status writes — our own — do not. A change
// to a BatchAccount wakes the pools that use it; a change to a pool wakes the pools that share its image
// (their limits depend on it). Every (re)list enqueues everything: that is the resync.

import type { SecretReader } from '../kube/secrets.ts';
import {
  BATCHACCOUNT_PLURAL,
  BATCHPOOL_PLURAL,
  GROUP,
  VERSION,
  type BatchAccount,
  type BatchPool,
  type BatchPoolStatus,
} from '../api/types.ts';
import type { Azure } from '../azure/ports.ts';
import { AccountObservers } from './account-observers.ts';
import { CachedPools } from '../kube/cached-pools.ts';
import type { Clock } from '../clock.ts';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.ts';
import { ResilientInformer, stripUnread } from '../kube/informer.ts';
import type { EventRecorder } from '../kube/ports.ts';
import { describe, failureOf } from '../errors.ts';
import type { Logger } from '../log.ts';
import { keyOf, splitKey } from '../kube/object-key.ts';
import type { ReconcileResult } from '../observability/metrics.ts';
import { poolIdOf, type Action, type Decision, type PlanSettings } from './plan/index.ts';
import { WorkQueue, type HandlerResult, type QueueObserver } from './queue.ts';
import { reconcile } from './reconciler.ts';

/** How a reconcile ended, in controller-runtime's `controller_runtime_reconcile_total` result values: an
 * error first, then a delayed requeue. (Its rate-limited `requeue` never happens here: a handler that wants
 * to be retried throws.) */
export function reconcileOutcome(ended: { result: HandlerResult } | { error: unknown }): ReconcileResult {
  if (!('result' in ended)) return 'error';
  return (ended.result.requeueAfterMs ?? 0) > 0 ? 'requeue_after' : 'success';
}

/** Where metrics plug in; every hook is optional. */
export interface ControllerHooks {
  reconciled?(key: string, outcome: ReconcileResult, durationMs: number): void;
  poolStatus?(obj: BatchPool, status: BatchPoolStatus): void;
  poolDeleted?(obj: BatchPool): void;
  /** An Azure write (or finalizer removal) succeeded; `reason` is the plan's, e.g. ReissueAllocationFailed. */
  actionTaken?(obj: BatchPool, action: Action, reason: Decision): void;
  /** Queue metrics. */
  queue?: QueueObserver;
}

export interface ControllerOptions {
  kc: KubeConfig;
  kube: KubeClient;
  azure: Azure;
  events: EventRecorder;
  /** Reads the Secret keys BatchPools reference (kube/secrets.ts). */
  secrets?: SecretReader;
  clock: Clock;
  log: Logger;
  settings: PlanSettings;
  concurrency: number;
  random?: () => number;
  hooks?: ControllerHooks;
  /** Told every BatchAccount the watch adds, changes, relists or deletes (the account credential check). */
  onAccount?: { seen(account: BatchAccount): void; forget(name: string): void };
}

/** The parts of an object whose change is worth a reconcile. */
export function wakeSignature(o: BatchPool): string {
  return JSON.stringify([
    o.metadata.generation,
    o.metadata.deletionTimestamp ?? null,
    o.metadata.finalizers ?? [],
    o.metadata.annotations ?? {},
  ]);
}

/** Whether an observer tick of this account that saw these pool IDs change concerns the BatchPool. */
export function touchedBy(p: BatchPool, accountName: string, poolIds: ReadonlySet<string>): boolean {
  if (p.spec.accountRef.name !== accountName) return false;
  const bg = p.status?.update?.blueGreen;
  const ids = [poolIdOf(p), p.spec.poolId, bg?.from.poolId, bg?.to.poolId];
  return ids.some((id) => id !== undefined && poolIds.has(id));
}

export class Controller {
  private readonly o: ControllerOptions;
  readonly queue: WorkQueue;
  private readonly pools: ResilientInformer<BatchPool>;
  private readonly accounts: ResilientInformer<BatchAccount>;
  private readonly seen = new Map<string, string>();
  // key → image (lower case), and its reverse: which pools share an image, without scanning them all.
  private readonly images = new Map<string, string>();
  private readonly byImage = new Map<string, Set<string>>();
  private readonly observers: AccountObservers;
  // Reconciles start from the informer's cache, with our own writes laid over it until the watch has them.
  private readonly cached: CachedPools;

  constructor(o: ControllerOptions) {
    this.o = o;
    this.queue = new WorkQueue({
      clock: o.clock,
      concurrency: o.concurrency,
      random: o.random ?? Math.random,
      ...(o.hooks?.queue && { observer: o.hooks.queue }),
      handler: (key) => this.handle(key),
      onError: (key, err, retryInMs) => {
        o.log.warn({ key, error: describe(err), kind: failureOf(err).kind, retryInMs }, 'reconcile failed');
      },
    });
    this.observers = new AccountObservers({
      clock: o.clock,
      settings: o.settings,
      log: o.log,
      onChange: (account, poolIds) => this.wakePoolsIn(account, poolIds),
    });
    this.pools = this.watchPools();
    this.accounts = this.watchAccounts();
    this.cached = new CachedPools(o.kube, (namespace, name) => this.pools.get(name, namespace));
  }

  private async handle(key: string): Promise<HandlerResult> {
    const { o } = this;
    const start = o.clock.now();
    try {
      const r = await reconcile(key, {
        kube: this.cached,
        events: o.events,
        azure: o.azure,
        clock: o.clock,
        random: o.random ?? Math.random,
        settings: o.settings,
        log: o.log,
        account: (name) => this.accounts.get(name),
        ...(o.secrets && { secrets: o.secrets }),
        pools: (imageId) => this.poolsOnImage(imageId),
        observer: (account, batch) => this.observers.of(account, batch),
        ...(o.hooks?.poolStatus && { onStatus: (obj, st) => o.hooks?.poolStatus?.(obj, st) }),
        ...(o.hooks?.actionTaken && { onAction: (obj, a, why) => o.hooks?.actionTaken?.(obj, a, why) }),
      });
      o.hooks?.reconciled?.(key, reconcileOutcome({ result: r }), o.clock.now() - start);
      return r;
    } catch (err) {
      o.hooks?.reconciled?.(key, reconcileOutcome({ error: err }), o.clock.now() - start);
      throw err;
    }
  }

  /** Reconciles the account's BatchPools whose pool (or BlueGreen pair pool) the observer saw change. */
  private wakePoolsIn(accountName: string, poolIds: ReadonlySet<string>) {
    for (const p of this.pools.list()) if (touchedBy(p, accountName, poolIds)) this.queue.add(keyOf(p));
  }

  private watchPools(): ResilientInformer<BatchPool> {
    const { o } = this;
    const path = `/apis/${GROUP}/${VERSION}/${BATCHPOOL_PLURAL}`;
    return new ResilientInformer<BatchPool>(o.kc, path, () => o.kube.listPools(), o.clock, {
      transform: stripUnread,
      onAdd: (p) => {
        this.cached.seen(p);
        this.poolChanged(p, true);
      },
      onUpdate: (p) => {
        this.cached.seen(p);
        this.poolChanged(p, false);
      },
      onDelete: (p) => {
        this.cached.gone(p);
        o.hooks?.poolDeleted?.(p);
        this.seen.delete(keyOf(p));
        this.setImage(keyOf(p), undefined);
        this.wakeImageSharers(p.spec.image.id, keyOf(p));
      },
      onResync: (items) => {
        this.cached.relisted();
        for (const p of items) {
          this.seen.set(keyOf(p), wakeSignature(p));
          this.setImage(keyOf(p), p.spec.image.id);
          this.queue.add(keyOf(p));
        }
      },
      onError: (err, ms) =>
        o.log.warn({ watch: 'batchpools', error: describe(err), restartInMs: ms }, 'watch failed'),
    });
  }

  /** A change to a BatchAccount wakes the pools that use it. */
  private watchAccounts(): ResilientInformer<BatchAccount> {
    const { o } = this;
    const path = `/apis/${GROUP}/${VERSION}/${BATCHACCOUNT_PLURAL}`;
    // Our own status writes (the credential check) change no generation and wake no pool.
    const generations = new Map<string, number | undefined>();
    const changed = (a: BatchAccount) => {
      o.onAccount?.seen(a);
      const name = a.metadata.name;
      if (generations.has(name) && generations.get(name) === a.metadata.generation) return;
      generations.set(name, a.metadata.generation);
      this.wakePoolsOf(name);
    };
    return new ResilientInformer<BatchAccount>(o.kc, path, () => o.kube.listAccounts(), o.clock, {
      transform: stripUnread,
      onAdd: changed,
      onUpdate: changed,
      onDelete: (a) => {
        generations.delete(a.metadata.name);
        this.observers.forget(a.metadata.name);
        o.onAccount?.forget(a.metadata.name);
        this.wakePoolsOf(a.metadata.name);
      },
      onResync: (items) => {
        for (const a of items) o.onAccount?.seen(a);
      },
      onError: (err, ms) =>
        o.log.warn({ watch: 'batchaccounts', error: describe(err), restartInMs: ms }, 'watch failed'),
    });
  }

  /** Reconciles every pool of this account soon (its spec changed, or its credential works again). */
  wakePoolsOf(accountName: string): void {
    for (const p of this.pools.list()) if (p.spec.accountRef.name === accountName) this.queue.add(keyOf(p));
  }

  private poolChanged(p: BatchPool, added: boolean) {
    const key = keyOf(p);
    const sig = wakeSignature(p);
    if (!added && this.seen.get(key) === sig) return; // a status write (ours) or a no-op update
    this.seen.set(key, sig);
    this.queue.add(key);
    const image = p.spec.image.id.toLowerCase();
    const before = this.images.get(key);
    this.setImage(key, image);
    if (!added) this.wakeImageSharers(image, key);
    if (before && before !== image) this.wakeImageSharers(before, key);
  }

  private setImage(key: string, imageId: string | undefined) {
    const before = this.images.get(key);
    const image = imageId?.toLowerCase();
    if (before === image) return;
    if (before !== undefined) {
      const keys = this.byImage.get(before);
      keys?.delete(key);
      if (keys?.size === 0) this.byImage.delete(before);
    }
    if (image === undefined) {
      this.images.delete(key);
      return;
    }
    this.images.set(key, image);
    let keys = this.byImage.get(image);
    if (!keys) this.byImage.set(image, (keys = new Set()));
    keys.add(key);
  }

  private poolsOnImage(imageId: string): BatchPool[] {
    const out: BatchPool[] = [];
    for (const key of this.byImage.get(imageId.toLowerCase()) ?? []) {
      const { namespace, name } = splitKey(key);
      const p = this.pools.get(name, namespace);
      if (p) out.push(p);
    }
    return out;
  }

  private wakeImageSharers(imageId: string, except: string) {
    for (const key of this.byImage.get(imageId.toLowerCase()) ?? []) if (key !== except) this.queue.add(key);
  }

  async start(): Promise<void> {
    await this.accounts.start();
    await this.accounts.waitForSync();
    await this.pools.start();
    await this.pools.waitForSync();
    this.queue.start();
    this.o.log.info(
      { concurrency: this.o.concurrency, pools: this.pools.list().length },
      'controller started',
    );
  }

  /** Stops watching and taking work, and gives in-flight reconciles up to `drainMs`. */
  async stop(drainMs: number): Promise<boolean> {
    await Promise.allSettled([this.pools.stop(), this.accounts.stop()]);
    this.observers.stopAll();
    const drained = await this.queue.shutdown(drainMs);
    this.o.log.info({ drained }, 'controller stopped');
    return drained;
  }
}

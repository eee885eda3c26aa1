// Leader election on a coordination.k8s.io/v1 Lease, so that of several operator replicas exactly
// one writes to Azure. @kubernetes/client-node has no elector of its own; this follows client-go's
// algorithm: read the Lease, create it on 404, otherwise replace it with the resourceVersion we read
// (a 409 means another replica won the race). Expiry is judged by the time *we* last saw the
// record change, not by the renewTime written in it, so clock skew between nodes cannot make a
// standby take a Lease that is still being renewed.
import { realClock, type Clock } from '../clock.ts';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ApiException, CoordinationV1Api, V1MicroTime } from '@kubernetes/client-node';
import type { KubeConfig, V1Lease } from '@kubernetes/client-node';

/** The three CoordinationV1Api calls the elector makes; CoordinationV1Api itself satisfies it. */
export interface LeaseClient {
  readNamespacedLease(req: { name: string; namespace: string }): Promise<V1Lease>;
  createNamespacedLease(req: { namespace: string; body: V1Lease }): Promise<V1Lease>;
  replaceNamespacedLease(req: { name: string; namespace: string; body: V1Lease }): Promise<V1Lease>;
}

/** Wall-clock time and timers: the operator's Clock. */
export type ElectionClock = Clock;

export interface ElectionLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface ElectionDurations {
  /** How long a standby waits, after the record last changed, before it may take the Lease. */
  leaseDurationMs: number;
  /** How long the leader keeps trying to renew before it gives up leadership. Must be < leaseDuration. */
  renewDeadlineMs: number;
  /** Pause between attempts, both to acquire and to renew. */
  retryPeriodMs: number;
}

/** The Lease the shipped Role lets the operator get and update (deploy/base/rbac/leader_election_role.yaml). */
export const DEFAULT_LEASE_NAME = 'batchpool-operator-leader';

/** controller-runtime's defaults (15 s / 10 s / 2 s). */
export const DEFAULT_DURATIONS: ElectionDurations = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

export type StopReason = 'lost' | 'released' | 'stopped';

export interface LeaderElectorOptions {
  /** Used to build the Lease client unless `client` is given. */
  kubeConfig?: KubeConfig;
  client?: LeaseClient;
  namespace: string;
  name: string;
  /** Unique per process; default defaultIdentity(). */
  identity?: string;
  durations?: Partial<ElectionDurations>;
  clock?: ElectionClock;
  log?: ElectionLog;
  /** Called with every change of leadership, e.g. to set leader_election_master_status. */
  onLeadershipChange?: (leading: boolean) => void;
  /** Source of the retry jitter, in [0, 1); default Math.random. Tests fix it to stay deterministic. */
  random?: () => number;
}

const silentLog: ElectionLog = { info: () => undefined, warn: () => undefined };

/** POD_NAME (downward API) or the hostname, plus a random suffix so a restarted container is a new holder. */
export function defaultIdentity(env: NodeJS.ProcessEnv = process.env): string {
  return `${env.POD_NAME || hostname()}_${randomBytes(4).toString('hex')}`;
}

export function validateDurations(d: ElectionDurations): void {
  if (!(d.retryPeriodMs > 0)) throw new Error('leader election: retry period must be positive');
  if (!(d.renewDeadlineMs > d.retryPeriodMs))
    throw new Error('leader election: renew deadline must be longer than the retry period');
  if (!(d.leaseDurationMs > d.renewDeadlineMs))
    throw new Error('leader election: lease duration must be longer than the renew deadline');
  if (d.leaseDurationMs % 1000 !== 0)
    throw new Error('leader election: lease duration must be whole seconds (Lease.spec is in seconds)');
}

class DeadlineExceeded extends Error {}

/**
 * One candidate for one Lease. `run()` campaigns until it leads, calls `onStartedLeading` with a
 * signal that aborts when leadership ends, renews until it is lost or `release()`/`stop()` is called,
 * then calls `onStoppedLeading` and resolves with the reason. A lost Lease ends the run for good:
 * the caller should exit (non-zero) so the process restarts clean, as controller-runtime does.
 */
export class LeaderElector {
  readonly identity: string;
  readonly namespace: string;
  readonly name: string;
  readonly durations: ElectionDurations;
  #client: LeaseClient;
  #clock: ElectionClock;
  #log: ElectionLog;
  #onChange: (leading: boolean) => void;
  #random: () => number;

  #leading = false;
  #stopping: StopReason | undefined;
  #wake: (() => void) | undefined;
  #sleepTimer: unknown;
  // The last record we saw, and when (our clock) it last changed: the basis of expiry.
  #observed: V1Lease | undefined;
  #observedAt = 0;
  #running: Promise<StopReason> | undefined;
  #ended: StopReason | undefined;

  constructor(opts: LeaderElectorOptions) {
    const client = opts.client ?? opts.kubeConfig?.makeApiClient(CoordinationV1Api);
    if (!client) throw new Error('LeaderElector needs a kubeConfig or a client');
    this.#client = client;
    this.namespace = opts.namespace;
    this.name = opts.name;
    this.identity = opts.identity ?? defaultIdentity();
    this.durations = { ...DEFAULT_DURATIONS, ...opts.durations };
    validateDurations(this.durations);
    this.#clock = opts.clock ?? realClock;
    this.#log = opts.log ?? silentLog;
    this.#onChange = opts.onLeadershipChange ?? (() => undefined);
    this.#random = opts.random ?? Math.random;
  }

  isLeader(): boolean {
    return this.#leading;
  }

  /** For /readyz: a replica that lost its Lease stays "lost" (not ready) until it exits. */
  leadership(): 'leader' | 'standby' | 'lost' {
    if (this.#leading) return 'leader';
    return this.#ended === 'lost' ? 'lost' : 'standby';
  }

  run(
    onStartedLeading: (signal: AbortSignal) => void | Promise<void>,
    onStoppedLeading: (reason: StopReason) => void = () => undefined,
  ): Promise<StopReason> {
    if (this.#running) throw new Error('LeaderElector.run() was already called');
    // A candidate reports "not leading" from the start, so a standby's metrics show 0, not nothing.
    this.#onChange(false);
    this.#running = this.#campaign(onStartedLeading, onStoppedLeading);
    return this.#running;
  }

  /**
   * Graceful shutdown: stop renewing and hand the Lease back (empty holder, 1 s duration) so a
   * standby takes over at its next retry instead of waiting out the lease. Call it after the
   * in-flight reconciles have finished. Resolves when run() has ended.
   */
  async release(): Promise<void> {
    await this.#end('released');
  }

  /** Stops campaigning or renewing without touching the Lease (it expires on its own). */
  async stop(): Promise<void> {
    await this.#end('stopped');
  }

  async #end(reason: StopReason): Promise<void> {
    this.#stopping ??= reason;
    this.#wake?.();
    if (this.#running) await this.#running;
  }

  async #campaign(
    onStartedLeading: (signal: AbortSignal) => void | Promise<void>,
    onStoppedLeading: (reason: StopReason) => void,
  ): Promise<StopReason> {
    const { retryPeriodMs } = this.durations;
    // Acquire: retry with jitter so standbys do not stampede the apiserver in step.
    while (!this.#stopping) {
      if (await this.#tryAcquireOrRenew()) break;
      await this.#sleep(retryPeriodMs * (1 + this.#random() * 1.2));
    }
    if (this.#stopping) return this.#stopping;

    const leadership = new AbortController();
    this.#setLeading(true);
    this.#log.info({ lease: `${this.namespace}/${this.name}`, identity: this.identity }, 'became leader');
    // The leader's work runs beside the renew loop; its errors are the caller's, not the elector's.
    void Promise.resolve()
      .then(() => onStartedLeading(leadership.signal))
      .catch((err: unknown) => this.#log.warn({ err: describe(err) }, 'onStartedLeading failed'));

    const reason = await this.#renewLoop();
    leadership.abort(new Error(`leadership ended: ${reason}`));
    this.#setLeading(false);
    if (reason === 'released') await this.#releaseLease();
    this.#log[reason === 'lost' ? 'warn' : 'info'](
      { lease: `${this.namespace}/${this.name}`, identity: this.identity, reason },
      'stopped leading',
    );
    this.#ended = reason;
    onStoppedLeading(reason);
    return reason;
  }

  async #renewLoop(): Promise<StopReason> {
    const { renewDeadlineMs, retryPeriodMs } = this.durations;
    let lastRenew = this.#clock.now();
    for (;;) {
      await this.#sleep(retryPeriodMs);
      if (this.#stopping) return this.#stopping;
      const left = lastRenew + renewDeadlineMs - this.#clock.now();
      let renewed = false;
      if (left > 0) {
        try {
          renewed = await this.#withDeadline(this.#tryAcquireOrRenew(), left);
        } catch (err) {
          if (!(err instanceof DeadlineExceeded)) throw err;
        }
      }
      if (this.#stopping) return this.#stopping;
      if (renewed) lastRenew = this.#clock.now();
      else if (this.#clock.now() - lastRenew >= renewDeadlineMs) return 'lost';
    }
  }

  /** One attempt; true when we hold the Lease afterwards. Never throws: failures are "not now". */
  async #tryAcquireOrRenew(): Promise<boolean> {
    const now = this.#clock.now();
    let current: V1Lease | undefined;
    try {
      current = await this.#client.readNamespacedLease({ name: this.name, namespace: this.namespace });
    } catch (err) {
      if (statusOf(err) !== 404) return this.#failed(err, 'read');
    }

    if (!current) {
      try {
        const created = await this.#client.createNamespacedLease({
          namespace: this.namespace,
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.name, namespace: this.namespace },
            spec: this.#spec(now, now, 0),
          },
        });
        this.#observe(created, now);
        return true;
      } catch (err) {
        return this.#failed(err, 'create');
      }
    }

    this.#observe(current, now);
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const ours = holder === this.identity;
    // The holder's own leaseDurationSeconds counts (it may be the 1 s of a released Lease).
    const leaseMs = (spec.leaseDurationSeconds ?? this.durations.leaseDurationMs / 1000) * 1000;
    if (holder !== '' && !ours && this.#observedAt + leaseMs > now) return false;

    const transitions = spec.leaseTransitions ?? 0;
    try {
      const replaced = await this.#client.replaceNamespacedLease({
        name: this.name,
        namespace: this.namespace,
        body: {
          ...current,
          spec: ours
            ? this.#spec(spec.acquireTime ? new Date(spec.acquireTime).getTime() : now, now, transitions)
            : this.#spec(now, now, transitions + 1),
        },
      });
      this.#observe(replaced, now);
      return true;
    } catch (err) {
      return this.#failed(err, ours ? 'renew' : 'acquire');
    }
  }

  async #releaseLease(): Promise<void> {
    const last = this.#observed;
    if (!last || last.spec?.holderIdentity !== this.identity) return;
    const now = this.#clock.now();
    try {
      await this.#client.replaceNamespacedLease({
        name: this.name,
        namespace: this.namespace,
        body: {
          ...last,
          spec: {
            holderIdentity: '',
            leaseDurationSeconds: 1,
            acquireTime: new V1MicroTime(now),
            renewTime: new V1MicroTime(now),
            leaseTransitions: last.spec.leaseTransitions ?? 0,
          },
        },
      });
    } catch (err) {
      // Someone else already took it, or the apiserver is gone: the Lease expires on its own.
      this.#log.warn({ err: describe(err) }, 'could not release the leader Lease');
    }
  }

  #spec(acquiredAt: number, renewedAt: number, transitions: number): V1Lease['spec'] {
    // MicroTime must be V1MicroTime: a plain Date serialises with 3 fractional digits and the
    // apiserver answers 400.
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: this.durations.leaseDurationMs / 1000,
      acquireTime: new V1MicroTime(acquiredAt),
      renewTime: new V1MicroTime(renewedAt),
      leaseTransitions: transitions,
    };
  }

  #observe(lease: V1Lease, now: number): void {
    if (!this.#observed || !sameRecord(this.#observed, lease)) this.#observedAt = now;
    this.#observed = lease;
  }

  #failed(err: unknown, step: string): false {
    // 409 is the normal outcome of losing a race; anything else is worth a line.
    if (statusOf(err) !== 409)
      this.#log.warn(
        { err: describe(err), step, lease: `${this.namespace}/${this.name}` },
        'leader election',
      );
    return false;
  }

  #setLeading(leading: boolean): void {
    this.#leading = leading;
    this.#onChange(leading);
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.#clock.clearTimeout(this.#sleepTimer);
        this.#wake = undefined;
        resolve();
      };
      this.#wake = done;
      this.#sleepTimer = this.#clock.setTimeout(done, ms);
    });
  }

  #withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => reject(new DeadlineExceeded()), ms);
      p.then(
        (v) => {
          this.#clock.clearTimeout(timer);
          resolve(v);
        },
        (e: unknown) => {
          this.#clock.clearTimeout(timer);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }
}

function sameRecord(a: V1Lease, b: V1Lease): boolean {
  const x = a.spec ?? {};
  const y = b.spec ?? {};
  return (
    x.holderIdentity === y.holderIdentity &&
    String(x.renewTime) === String(y.renewTime) &&
    x.leaseTransitions === y.leaseTransitions &&
    x.leaseDurationSeconds === y.leaseDurationSeconds
  );
}

function statusOf(err: unknown): number | undefined {
  return err instanceof ApiException ? (err as ApiException<unknown>).code : undefined;
}

function describe(err: unknown): string {
  if (err instanceof ApiException) return `HTTP ${(err as ApiException<unknown>).code}`;
  return err instanceof Error ? err.message : String(err);
}

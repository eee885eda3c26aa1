// One look per account, not one per pool: the paged pool list ($select of what a decision reads) and
// /nodecounts, once per tick, shared by every reconcile of that account's pools. The tick is short while any
// pool is being created, resized, stopped or deleted (or the operator just wrote to one), long when all are
// steady; and one comes just after a running resize's deadline, when Azure will have ended it. A tick that
// sees a pool change, appear or disappear tells the controller which pool IDs, so exactly those BatchPools
// are reconciled. Settings (start task, network, …) are not in the list: they are read by a GET once per pool
// ETag, since Batch changes the ETag on writes only.

import type { Clock, TimerHandle } from '../clock.ts';
import type { PoolNodeCounts, PoolSettings, PoolSnapshot } from './ports.ts';

/** What an observer reads: two paged lists of the account. */
export interface ObservationSource {
  /** Every pool of the account, without settings, with its eTag. */
  listObserved(): Promise<PoolSnapshot[]>;
  /** Every pool's node counts. */
  listNodeCounts(): Promise<Map<string, PoolNodeCounts>>;
}

export interface AccountView {
  /** When the tick that made this view began: nothing in it is older. */
  startedAt: number;
  pools: ReadonlyMap<string, PoolSnapshot>;
  nodeCounts: ReadonlyMap<string, PoolNodeCounts>;
}

export interface ObserverOptions {
  clock: Clock;
  /** Tick interval while a pool of the account is busy (creating, resizing, stopping, deleting). */
  busyMs: number;
  /** Tick interval when every pool is steady. */
  steadyMs: number;
  /** The pool IDs whose observation changed at a tick (including pools that appeared or disappeared). */
  onChange: (poolIds: string[]) => void;
  /** A tick failed; the next one is tried after busyMs. */
  onError?: (err: unknown) => void;
  /** No reconcile asked for a view for this long: the timer stops until one does (default 3 × steadyMs). */
  idleMs?: number;
}

export class AccountObserver {
  readonly #source: ObservationSource;
  readonly #o: ObserverOptions;
  #view: AccountView | undefined;
  #inflight: Promise<AccountView> | undefined;
  #timer: { handle: TimerHandle; at: number } | undefined;
  #lastAsked = 0;
  #stopped = false;
  /** Pool ID → when the operator last wrote to it; dropped once a tick that began later has seen it. */
  readonly #written = new Map<string, number>();
  /** Times by which Azure will have changed a pool (a running resize's deadline): a tick comes at each. */
  readonly #deadlines = new Set<number>();
  /** Pool ID → the settings read at an ETag. */
  readonly #settings = new Map<string, { eTag: string; settings: PoolSettings }>();

  constructor(source: ObservationSource, options: ObserverOptions) {
    this.#source = source;
    this.#o = options;
  }

  /** The latest view, if there is one and it began at or after `notBefore`; otherwise a tick made now. */
  async view(notBefore: number): Promise<AccountView> {
    this.#lastAsked = this.#o.clock.now();
    const v = this.#view;
    if (v && v.startedAt >= notBefore) {
      if (!this.#timer) this.#schedule(this.#cadence(v));
      return v;
    }
    return this.#tick();
  }

  /** The latest view, however old. */
  latest(): AccountView | undefined {
    return this.#view;
  }

  /**
   * True when the operator wrote to the pool after the view began: the view cannot show the write's effect,
   * and a decision needs a GET.
   */
  writtenSince(poolId: string, view: AccountView): boolean {
    const at = this.#written.get(poolId);
    return at !== undefined && at >= view.startedAt;
  }

  /** A write to the pool went out: the next tick comes within busyMs, and this pool is read fresh until then. */
  wrote(poolId: string): void {
    const now = this.#o.clock.now();
    this.#written.set(poolId, now);
    if (!this.#stopped && (!this.#timer || this.#timer.at > now + this.#o.busyMs)) {
      this.#schedule(this.#o.busyMs);
    }
  }

  /**
   * Azure will have changed a pool by `at` (its resize's deadline): a tick comes just after it, not up to
   * busyMs later, unless one begins at or after it anyway. It adds a look and takes none away, so a deadline
   * Azure keeps late costs one tick and nothing else.
   */
  lookAt(at: number): void {
    const now = this.#o.clock.now();
    if (this.#stopped || at + DEADLINE_MARGIN_MS <= now || this.#deadlines.has(at)) return;
    this.#deadlines.add(at);
    const due = at + DEADLINE_MARGIN_MS;
    if (!this.#timer || this.#timer.at > due) this.#schedule(due - now);
  }

  /** The settings read at this ETag, if the pool was read at it. */
  settings(poolId: string, eTag: string | undefined): PoolSettings | undefined {
    const s = this.#settings.get(poolId);
    return eTag !== undefined && s?.eTag === eTag ? s.settings : undefined;
  }

  /** Remembers a full read of a pool, for the views that show it at the same ETag. */
  remember(pool: PoolSnapshot): void {
    if (pool.eTag !== undefined && pool.settings) {
      this.#settings.set(pool.id, { eTag: pool.eTag, settings: pool.settings });
    }
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) this.#o.clock.clearTimeout(this.#timer.handle);
    this.#timer = undefined;
  }

  #tick(): Promise<AccountView> {
    this.#inflight ??= this.#read().finally(() => (this.#inflight = undefined));
    return this.#inflight;
  }

  async #read(): Promise<AccountView> {
    const startedAt = this.#o.clock.now();
    for (const at of this.#deadlines) if (at <= startedAt) this.#deadlines.delete(at);
    let next: AccountView;
    try {
      const [list, nodeCounts] = await Promise.all([
        this.#source.listObserved(),
        this.#source.listNodeCounts(),
      ]);
      next = { startedAt, pools: new Map(list.map((p) => [p.id, p])), nodeCounts };
    } catch (err) {
      this.#o.onError?.(err);
      this.#schedule(this.#o.busyMs);
      throw err;
    }
    const before = this.#view;
    this.#view = next;
    for (const [id, at] of this.#written) if (at < startedAt) this.#written.delete(id);
    for (const id of this.#settings.keys()) if (!next.pools.has(id)) this.#settings.delete(id);
    this.#schedule(this.#cadence(next));
    if (before) {
      const changed = changedPools(before, next);
      if (changed.length > 0) this.#o.onChange(changed);
    }
    return next;
  }

  #cadence(v: AccountView): number {
    if (this.#written.size > 0) return this.#o.busyMs;
    for (const p of v.pools.values()) if (isBusy(p)) return this.#o.busyMs;
    return this.#o.steadyMs;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    const { clock } = this.#o;
    if (this.#timer) clock.clearTimeout(this.#timer.handle);
    const idleMs = this.#o.idleMs ?? 3 * this.#o.steadyMs;
    if (clock.now() - this.#lastAsked > idleMs) {
      this.#timer = undefined;
      return;
    }
    let at = clock.now() + ms;
    for (const d of this.#deadlines) at = Math.min(at, d + DEADLINE_MARGIN_MS);
    const handle = clock.setTimeout(() => {
      this.#timer = undefined;
      // A failed tick has told onError and scheduled its retry.
      this.#tick().catch(() => {});
    }, at - clock.now());
    this.#timer = { handle, at };
  }
}

/**
 * Azure measures a resize's timeout from when it took the resize, a moment after the operator sent it: a look
 * this long after the operator's deadline finds the resize settled rather than a few milliseconds short.
 */
const DEADLINE_MARGIN_MS = 1000;

function isBusy(p: PoolSnapshot): boolean {
  return p.state === 'deleting' || p.allocationState !== 'steady';
}

/** What a decision reads of a pool, so that a difference is worth a reconcile. */
function signature(p: PoolSnapshot | undefined, counts: PoolNodeCounts | undefined): string {
  if (!p) return '';
  return JSON.stringify([
    p.eTag,
    p.state,
    p.allocationState,
    p.allocationStateTransitionTime,
    p.currentDedicatedNodes,
    p.currentLowPriorityNodes,
    p.targetDedicatedNodes,
    p.targetLowPriorityNodes,
    p.resizeErrors.map((e) => e.code),
    counts ?? null,
  ]);
}

export function changedPools(before: AccountView, after: AccountView): string[] {
  const out: string[] = [];
  const ids = new Set([...before.pools.keys(), ...after.pools.keys()]);
  for (const id of ids) {
    const a = signature(before.pools.get(id), before.nodeCounts.get(id));
    const b = signature(after.pools.get(id), after.nodeCounts.get(id));
    if (a !== b) out.push(id);
  }
  return out;
}

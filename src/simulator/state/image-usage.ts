// What the pools are committed to, summed per key: nodes per custom image (for the per-image node
// limits) and vCPUs per account (for the core quotas). Kept up to date on every pool change so a limit
// check never scans all pools. A pool's commitment is what it holds or is about to get: the larger of
// its counts before and after its running resize, until it is gone.
import type { AllocationPlan, NodeCounts } from './allocation.ts';

const ZERO: NodeCounts = Object.freeze({ dedicated: 0, lowPriority: 0 });

/** The part of a pool record this accounting reads. */
export interface ImageUser {
  imageKey: string | undefined;
  current: NodeCounts;
  plan: AllocationPlan | undefined;
  goneAt: number | undefined;
}

export class CommitmentLedger<P extends Omit<ImageUser, 'imageKey'>> {
  readonly #sums = new Map<string, NodeCounts>();
  #committed = new WeakMap<P, { key: string; counts: NodeCounts }>();
  /** Pools per key whose commitment changes with time (a running plan, or deleting). */
  readonly #moving = new Map<string, Set<P>>();
  readonly #keyOf: (pool: P) => string | undefined;
  readonly #weightOf: (pool: P) => number;

  constructor(keyOf: (pool: P) => string | undefined, weightOf: (pool: P) => number = () => 1) {
    this.#keyOf = keyOf;
    this.#weightOf = weightOf;
  }

  /** Re-reads one pool's commitment after it changed (or was removed). */
  update(pool: P, removed = false): void {
    const previous = this.#committed.get(pool);
    const key = this.#keyOf(pool);
    if (key === undefined && previous === undefined) return;
    if (previous) this.#add(previous.key, previous.counts, -1);
    let after = ZERO;
    if (!removed && key !== undefined) {
      const from = pool.plan?.kind === 'resize' ? pool.plan.from : pool.current;
      const to = pool.plan ? pool.plan.final : pool.current;
      const w = this.#weightOf(pool);
      after = {
        dedicated: Math.max(from.dedicated, to.dedicated) * w,
        lowPriority: Math.max(from.lowPriority, to.lowPriority) * w,
      };
    }
    if (key === undefined) {
      this.#committed.delete(pool);
    } else {
      this.#add(key, after, 1);
      this.#committed.set(pool, { key, counts: after });
    }
    if (previous && previous.key !== key) this.#moving.get(previous.key)?.delete(pool);
    if (key === undefined) return;
    let moving = this.#moving.get(key);
    if (!removed && (pool.plan !== undefined || pool.goneAt !== undefined)) {
      if (!moving) this.#moving.set(key, (moving = new Set()));
      moving.add(pool);
    } else {
      moving?.delete(pool);
    }
  }

  /**
   * What the other pools under this pool's key hold or are about to get. `settle` brings a pool up to date
   * with the clock first (it calls `update` when something changed), so finished shrinks and deletions are
   * counted as such. `within` skips the settling when the unsettled sum already leaves that much room (the
   * sum can only fall by settling), which keeps the check O(1) while far from a limit.
   */
  usedByOthers(pool: P, settle: (other: P) => void, within?: NodeCounts): NodeCounts {
    const key = this.#keyOf(pool);
    if (key === undefined) return ZERO;
    const quick = this.#others(pool, key);
    if (within && quick.dedicated <= within.dedicated && quick.lowPriority <= within.lowPriority)
      return quick;
    for (const other of [...(this.#moving.get(key) ?? [])]) settle(other);
    return this.#others(pool, key);
  }

  /** Forgets every commitment (pools then count from nothing when they are updated next). */
  clear(): void {
    this.#sums.clear();
    this.#moving.clear();
    this.#committed = new WeakMap();
  }

  #others(pool: P, key: string): NodeCounts {
    const all = this.#sums.get(key) ?? ZERO;
    const own = this.#committed.get(pool);
    const mine = own?.key === key ? own.counts : ZERO;
    return { dedicated: all.dedicated - mine.dedicated, lowPriority: all.lowPriority - mine.lowPriority };
  }

  #add(key: string, counts: NodeCounts, sign: 1 | -1): void {
    const sum = this.#sums.get(key) ?? { ...ZERO };
    sum.dedicated += sign * counts.dedicated;
    sum.lowPriority += sign * counts.lowPriority;
    this.#sums.set(key, sum);
  }
}

/** Nodes committed per custom image (the pool's lower-cased virtualMachineImageId). */
export class ImageUsage<P extends ImageUser> extends CommitmentLedger<P> {
  constructor() {
    super((pool) => pool.imageKey);
  }
}

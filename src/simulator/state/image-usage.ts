// How many nodes each custom image is committed to, summed over the pools built from it, for the
// per-image node limits. Kept up to date on every pool change so a limit check never scans all
// pools. A pool's commitment is what it holds or is about to get: the larger of its counts before
// and after its running resize, until it is gone.
import type { AllocationPlan, NodeCounts } from './allocation.ts';

const ZERO: NodeCounts = Object.freeze({ dedicated: 0, lowPriority: 0 });

/** The part of a pool record this accounting reads. */
export interface ImageUser {
  imageKey: string | undefined;
  current: NodeCounts;
  plan: AllocationPlan | undefined;
  goneAt: number | undefined;
}

export class ImageUsage<P extends ImageUser> {
  readonly #sums = new Map<string, NodeCounts>();
  readonly #committed = new WeakMap<P, NodeCounts>();
  /** Pools per image whose commitment changes with time (a running plan, or deleting). */
  readonly #moving = new Map<string, Set<P>>();

  /** Re-reads one pool's commitment after it changed (or was removed). */
  update(pool: P, removed = false): void {
    const key = pool.imageKey;
    if (key === undefined) return;
    const before = this.#committed.get(pool) ?? ZERO;
    let after = ZERO;
    if (!removed) {
      const from = pool.plan?.kind === 'resize' ? pool.plan.from : pool.current;
      const to = pool.plan ? pool.plan.final : pool.current;
      after = {
        dedicated: Math.max(from.dedicated, to.dedicated),
        lowPriority: Math.max(from.lowPriority, to.lowPriority),
      };
    }
    const sum = this.#sums.get(key) ?? { ...ZERO };
    sum.dedicated += after.dedicated - before.dedicated;
    sum.lowPriority += after.lowPriority - before.lowPriority;
    this.#sums.set(key, sum);
    this.#committed.set(pool, after);
    let moving = this.#moving.get(key);
    if (!removed && (pool.plan !== undefined || pool.goneAt !== undefined)) {
      if (!moving) this.#moving.set(key, (moving = new Set()));
      moving.add(pool);
    } else {
      moving?.delete(pool);
    }
  }

  /**
   * Nodes the other pools on this pool's image hold or are about to get. `settle` brings a pool up
   * to date with the clock first (it calls `update` when something changed), so finished shrinks
   * and deletions are counted as such.
   */
  usedByOthers(pool: P, settle: (other: P) => void): NodeCounts {
    const key = pool.imageKey;
    if (key === undefined) return ZERO;
    for (const other of [...(this.#moving.get(key) ?? [])]) settle(other);
    const all = this.#sums.get(key) ?? ZERO;
    const own = this.#committed.get(pool) ?? ZERO;
    return { dedicated: all.dedicated - own.dedicated, lowPriority: all.lowPriority - own.lowPriority };
  }

  clear(): void {
    this.#sums.clear();
    this.#moving.clear();
  }
}

// Whose pool it is. A pool whose metadata names this object is ours. A pool that names no BatchPool may be
// taken over (spec.adoption: Adopt) once it matches the spec in what Azure changes only on an empty pool, or
// only watched (Observe). A pool that names another BatchPool is never taken, only watched if asked.
//
// Adopting writes nothing by itself: a pool imported with `batchpool-operator import` and applied as printed
// stays exactly as it was. The owner entries go into the pool's metadata before the first write the operator
// makes to it anyway (as the finalizer goes on before the first Azure write), so Azure knows the owner from
// the moment the operator changes anything.

import type { PoolSnapshot } from '../../azure/ports.ts';
import { Reason } from '../conditions.ts';
import { NONE, type Planner } from './context.ts';
import { stalled, updateSay } from './messages.ts';
import { isOwnedBy } from './ownership.ts';
import { desiredSettings, differences } from './settings.ts';
import { poolCurrent, poolTargets, sameTargets } from './targets.ts';
import type { PlanResult } from './types.ts';

export type Ownership =
  { kind: 'ours'; unclaimed: boolean } | { kind: 'observe' } | { kind: 'stop'; result: PlanResult };

function namesSomeone(pool: PoolSnapshot): boolean {
  return pool.owner.namespace !== undefined || pool.owner.name !== undefined;
}

export function ownershipOf(p: Planner, pool: PoolSnapshot): Ownership {
  const mode = p.object.spec.adoption;
  if (mode === 'Observe') return { kind: 'observe' };
  if (isOwnedBy(pool, p.object)) return { kind: 'ours', unclaimed: false };
  const notOwned = () => ({
    kind: 'stop' as const,
    result: p.stalled(Reason.PoolNotOwned, stalled.poolNotOwned(p.poolId, p.in.account.name, pool.owner)),
  });
  if (mode !== 'Adopt' || namesSomeone(pool)) return notOwned();
  if (p.prev.adoptedAt) return { kind: 'ours', unclaimed: true };
  // The comparison needs the image's facts (its published version, its security type) and the settings.
  if (!pool.settings || p.image?.exists !== true) {
    return {
      kind: 'stop',
      result: p.working(
        'Pending',
        Reason.WaitingForImageCheck,
        updateSay.adoptWaiting(p.poolId),
        NONE,
        p.poll(),
      ),
    };
  }
  const d = differences(desiredSettings(p.object, p.image), pool.settings);
  if (d.empty.length > 0) {
    return {
      kind: 'stop',
      result: p.stalled(
        Reason.AdoptionMismatch,
        updateSay.adoptionMismatch(p.poolId, updateSay.differences(d.empty)),
      ),
    };
  }
  p.adoptedAt = p.nowIso;
  p.event('Normal', 'PoolAdopted', updateSay.adopted(p.poolId));
  return { kind: 'ours', unclaimed: true };
}

/** spec.adoption Observe: status mirrors the pool; nothing is ever written to it. */
export function planObserve(p: Planner, pool: PoolSnapshot | undefined): PlanResult {
  if (!pool) {
    return p.working('Pending', Reason.Observing, updateSay.observedMissing(p.poolId), NONE, p.resync());
  }
  const message = updateSay.observing(p.poolId, poolCurrent(pool), poolTargets(pool), pool.allocationState);
  if (p.prev.phase === undefined) p.event('Normal', 'PoolObserved', `${message}.`);
  return p.result(
    NONE,
    pool.allocationState === 'steady'
      ? { phase: 'Ready', reason: Reason.Observing, message }
      : { phase: 'Resizing', reason: Reason.Observing, message },
    Reason.Observing,
    pool.allocationState === 'steady' ? p.resync() : p.poll(),
  );
}

/**
 * An adopted pool without our owner entries gets them before any other write, in a pass of their own. A
 * change in place carries them anyway (the metadata it writes includes them), and a pool that needs nothing
 * is not written to at all.
 */
export function planClaim(p: Planner, pool: PoolSnapshot): PlanResult | undefined {
  if (!pool.settings || p.image?.exists !== true) return undefined;
  const want = desiredSettings(p.object, p.image);
  const d = differences(want, pool.settings);
  if (d.live.length > 0) return undefined;
  const atSpec =
    d.empty.length === 0 &&
    pool.allocationState === 'steady' &&
    sameTargets(poolTargets(pool), p.desired) &&
    sameTargets(poolCurrent(pool), p.desired);
  if (atSpec) return undefined;
  if (p.paused) return p.pausedHold(updateSay.claiming(p.poolId));
  p.event('Normal', 'PoolAdopted', updateSay.claimed(p.poolId), 'Update');
  // updateproperties replaces all three: the claim keeps the pool's start task and application packages.
  const { startTask, applicationPackageReferences } = pool.settings;
  return p.working(
    'Updating',
    Reason.Updating,
    updateSay.claiming(p.poolId),
    {
      kind: 'updateLive',
      poolId: p.poolId,
      settings: {
        ...(startTask && { startTask }),
        ...(applicationPackageReferences && { applicationPackageReferences }),
        metadata: want.metadata,
      },
      fields: ['metadata (owner entries)'],
    },
    1000,
  );
}

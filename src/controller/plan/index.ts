// Every decision the controller makes, as pure functions: given the object, what Azure looks like and the
// time, say what to do, what the status should become, which events to record and when to look again — and,
// when a call fails, what that means (planFailure). No I/O, no clock, no randomness of its own: the
// reconciler observes, this decides, the reconciler acts. The steps below read in the order of the decision
// table in docs/controller.md.

import { Reason } from '../conditions.ts';
import { NONE, Planner } from './context.ts';
import { planCreate } from './create.ts';
import { planDeletion } from './deletion.ts';
import { ownershipOf, planClaim, planObserve } from './adoption.ts';
import { guardAccount, guardImage, guardImageLimits } from './guards.ts';
import { note, phrase } from './messages.ts';
import { planResizing, planSteady } from './resize.ts';
import { planUpdate } from './update.ts';
import { planAutoScaled } from './autoscale.ts';
import type { PlanInput, PlanResult } from './types.ts';

export function plan(input: PlanInput): PlanResult {
  const p = new Planner(input);
  return input.object.metadata.deletionTimestamp ? planDeletion(p) : planLiving(p);
}

function planLiving(p: Planner): PlanResult {
  const blocked = guardAccount(p) ?? holdRejected(p);
  if (blocked) return blocked;
  noteSharedImage(p);
  const observed = p.in.observed;
  if (!observed) return p.working('Pending', Reason.Creating, phrase.waitingToObserve, NONE, p.poll());
  const pool = observed.pool;
  let unclaimed = false;
  if (pool) {
    const own = ownershipOf(p, pool);
    if (own.kind === 'stop') return own.result;
    if (own.kind === 'observe') return planObserve(p, pool);
    unclaimed = own.unclaimed;
  } else if (p.object.spec.adoption === 'Observe') {
    return planObserve(p, undefined);
  }
  const guarded = guardImageLimits(p, pool) ?? guardImage(p, pool);
  if (guarded) return guarded;
  if (!pool) return planCreate(p);
  if (pool.state === 'deleting') {
    return p.working('Pending', Reason.Creating, phrase.deletedOutOfBand(p.poolId), NONE, p.poll());
  }
  if (pool.allocationState === 'stopping') {
    return p.working('Resizing', Reason.StoppingResize, phrase.stopping(p.poolId), NONE, p.poll());
  }
  const settled = (unclaimed ? planClaim(p, pool) : undefined) ?? planUpdate(p, pool);
  if (settled) return settled;
  if (p.object.spec.autoScale) return planAutoScaled(p, pool);
  return pool.allocationState === 'resizing' ? planResizing(p, pool) : planSteady(p, pool);
}

/**
 * Azure refused a write of this very spec in a way only a person can fix: nothing is sent again until its
 * retry is due (planFailure sets it), or the spec changes.
 */
function holdRejected(p: Planner): PlanResult | undefined {
  const r = p.prev.rejected;
  if (!r || r.generation !== p.object.metadata.generation) return undefined;
  const due = Date.parse(r.nextAttemptAt);
  if (!(p.in.now < due)) return undefined;
  p.rejected = r;
  return p.stalled(Reason.AzureRejected, phrase.rejectedHeld(r), due - p.in.now);
}

/** Pools that share an image share its limits: say so whenever a new spec is first seen. */
function noteSharedImage(p: Planner): void {
  const { sharedWith } = p.in.usage;
  if (sharedWith.length === 0 || p.prev.observedGeneration === p.object.metadata.generation) return;
  p.event('Warning', 'ImageShared', note.imageShared(p.object.spec.image.id, sharedWith));
}

export { backoffMs } from './backoff.ts';
export { planFailure, type FailureInput, type FailurePlan } from './failure.ts';
export { imageUsage } from './image-usage.ts';
export { IMAGE_ADVICE, sentence } from './messages.ts';
export { needsBadNodes, needsImageCheck, resizeDeadline, shouldObserve } from './observe.ts';
export { isOwnedBy, ownerMetadata } from './ownership.ts';
export { desiredTargets, isPaused, nextStep, poolIdOf } from './targets.ts';
export * from './types.ts';

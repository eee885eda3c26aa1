// The BatchPool is being deleted: delete the Azure pool (or keep it, as deletionPolicy says) and let the
// object go. A pool that is not ours, or an account we may not use, is left alone and said so.

import { DEFAULTS } from '../../api/types.ts';
import { Reason } from '../conditions.ts';
import { NONE, type Planner } from './context.ts';
import { accountProblem } from './guards.ts';
import { note, pausedBecause, phrase, updateSay } from './messages.ts';
import { isOwnedBy } from './ownership.ts';
import type { Decision, EventAction, EventReason, PlannedEvent, PlanResult } from './types.ts';

/** The object may go: the finalizer comes off, with one event saying what became of the pool. */
function release(
  p: Planner,
  reason: Decision & EventReason,
  type: PlannedEvent['type'],
  message: string,
  action: EventAction = 'Delete',
): PlanResult {
  p.event(type, reason, message, action);
  return p.result(
    { kind: 'removeFinalizer' },
    { phase: 'Deleting', reason: Reason.Deleting, message },
    reason,
    undefined,
  );
}

export function planDeletion(p: Planner): PlanResult {
  const { object, in: input } = p;
  if (p.paused) return p.pausedHold(pausedBecause.deletion);
  if (input.account.kind !== 'ok') {
    p.event(
      'Warning',
      'PoolLeftInAzure',
      note.poolLeftInAzure(p.poolId, accountProblem(object, input.account).message),
      'Delete',
    );
    return p.result(
      { kind: 'removeFinalizer' },
      { phase: 'Deleting', reason: Reason.Deleting, message: phrase.removingFinalizer },
      'AccountUnusable',
      undefined,
    );
  }
  if (object.spec.adoption === 'Observe') {
    return release(p, 'PoolRetained', 'Normal', updateSay.observeReleased(p.poolId), 'Observe');
  }
  if ((object.spec.deletionPolicy ?? DEFAULTS.deletionPolicy) === 'Retain') {
    return release(p, 'PoolRetained', 'Normal', note.poolRetained(p.poolId));
  }
  // The other pool of a BlueGreen rollout under way goes first, so it is never left behind.
  const other = input.observed?.other;
  if (other?.pool && isOwnedBy(other.pool, object)) {
    if (other.pool.state === 'deleting') {
      return p.working('Deleting', Reason.Deleting, phrase.waitingForDelete(other.poolId), NONE, p.poll());
    }
    p.event('Normal', 'PoolDeleting', note.poolDeleting(other.poolId), 'Delete');
    return p.working(
      'Deleting',
      Reason.Deleting,
      phrase.deleting(other.poolId),
      { kind: 'delete', poolId: other.poolId },
      p.poll(),
    );
  }
  const pool = input.observed?.pool;
  if (!pool) return release(p, 'PoolDeleted', 'Normal', note.poolDeleted(p.poolId));
  const adopted = p.prev.adoptedAt !== undefined && !pool.owner.namespace && !pool.owner.name;
  if (!isOwnedBy(pool, object) && !adopted) {
    // What was found, not what was done: the event stays even if removing the finalizer fails.
    const message = note.poolNotOwnedOnDelete(p.poolId, pool.owner);
    return release(p, Reason.PoolNotOwned, 'Warning', message, 'Observe');
  }
  if (pool.state === 'deleting') {
    return p.working('Deleting', Reason.Deleting, phrase.waitingForDelete(p.poolId), NONE, p.poll());
  }
  p.event('Normal', 'PoolDeleting', note.poolDeleting(p.poolId), 'Delete');
  return p.working(
    'Deleting',
    Reason.Deleting,
    phrase.deleting(p.poolId),
    { kind: 'delete', poolId: p.poolId },
    p.poll(),
  );
}

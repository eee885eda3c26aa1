// spec.updateStrategy BlueGreen: a change Azure makes only on an empty pool reaches a pool with nodes through a
// second pool. The new pool (the other ID of the pair, see bluePoolPair) is created with the new settings and
// grown to the targets while the old one keeps serving; then status.poolId moves to it, and the old pool is
// shrunk to 0 (with nodeDeallocationOption) and deleted.
//
// Every step is read from Azure and from status.update.blueGreen, which is written before the new pool is
// created: a restart at any point finds the same two pool IDs, and the pool a step would create or delete is
// looked at first, so no pool is lost or made twice. A spec that stops asking for the new pool (reverted, or
// changed again) deletes it first and starts over from the serving pool.

import { DEFAULTS, type BlueGreenStatus, type UpdateStatus } from '../../api/types.ts';
import type { CreatePoolParams, PoolSnapshot } from '../../azure/ports.ts';
import { Reason } from '../conditions.ts';
import { NONE, type Planner } from './context.ts';
import { blueGreenSay, note } from './messages.ts';
import { isOwnedBy } from './ownership.ts';
import { desiredSettings, differences } from './settings.ts';
import { nextStep, poolCurrent, poolTargets, sameTargets } from './targets.ts';
import type { PlanResult, Targets } from './types.ts';

/** After a step that the next one depends on, look again soon. */
const SOON_MS = 1000;
const ZERO: Targets = { dedicated: 0, lowPriority: 0 };

type Side = BlueGreenStatus['from'];

function side(poolId: string, pool: PoolSnapshot | undefined): Side {
  if (!pool) return { poolId, exists: false };
  return {
    poolId,
    exists: true,
    currentDedicatedNodes: pool.currentDedicatedNodes,
    currentLowPriorityNodes: pool.currentLowPriorityNodes,
    targetDedicatedNodes: pool.targetDedicatedNodes,
    targetLowPriorityNodes: pool.targetLowPriorityNodes,
  };
}

function record(p: Planner, fields: string[], state: UpdateStatus['state'], from: Side, to: Side): void {
  const prev = p.prev.update;
  const same = prev?.strategy === 'BlueGreen' && prev.blueGreen?.to.poolId === to.poolId;
  p.update = {
    fields,
    strategy: 'BlueGreen',
    state,
    since: same ? prev.since : p.nowIso,
    blueGreen: { from, to },
  };
}

/** The first step: name both pools in the status before anything is created. */
export function startBlueGreen(
  p: Planner,
  serving: PoolSnapshot,
  fields: string[],
  newPoolId: string,
): PlanResult {
  record(p, fields, 'Creating', side(p.poolId, serving), side(newPoolId, undefined));
  p.event('Normal', 'BlueGreenStarted', blueGreenSay.started(p.poolId, newPoolId, fields), 'Update');
  return p.working(
    'Updating',
    Reason.Updating,
    blueGreenSay.creating(p.poolId, newPoolId, fields),
    NONE,
    SOON_MS,
  );
}

/** A rollout under way (status.update.blueGreen): the next step, or undefined once it is over. */
export function continueBlueGreen(p: Planner, serving: PoolSnapshot): PlanResult | undefined {
  const bg = p.prev.update?.blueGreen;
  if (!bg) return undefined;
  const other = p.in.observed?.other;
  const retiring = bg.to.poolId === p.poolId;
  const otherId = retiring ? bg.from.poolId : bg.to.poolId;
  if (!other || other.poolId !== otherId) {
    // The reconciler reads the other pool whenever status.update.blueGreen is set; without it, wait.
    return p.working('Updating', Reason.Updating, `Looking at pool ${otherId}`, NONE, SOON_MS);
  }
  return retiring ? retire(p, serving, bg.from.poolId, other.pool) : grow(p, serving, otherId, other.pool);
}

function grow(
  p: Planner,
  serving: PoolSnapshot,
  newId: string,
  fresh: PoolSnapshot | undefined,
): PlanResult | undefined {
  const fields = p.prev.update?.fields ?? [];
  // Another strategy chosen before the new pool is ours to finish (not made yet, or its ID held by a pool we
  // did not make): the rollout is dropped and that strategy decides. A new pool already made is finished.
  if (p.object.spec.updateStrategy !== 'BlueGreen' && (!fresh || !isOwnedBy(fresh, p.object))) {
    p.update = undefined;
    return undefined;
  }
  // Whether the spec still asks for a new pool: it differs from the serving one in empty-pool settings.
  if (p.image?.exists !== true || !serving.settings) {
    record(p, fields, fresh ? 'Growing' : 'Creating', side(p.poolId, serving), side(newId, fresh));
    return p.working(
      'Updating',
      Reason.Updating,
      blueGreenSay.creating(p.poolId, newId, fields),
      NONE,
      p.poll(),
    );
  }
  const want = desiredSettings(p.object, p.image);
  const wanted = differences(want, serving.settings).empty;
  const from = side(p.poolId, serving);
  if (!fresh) {
    if (wanted.length === 0) {
      p.update = undefined;
      return undefined;
    }
    const now = wanted.map((w) => w.field);
    record(p, now, 'Creating', from, side(newId, undefined));
    // The new pool is a create: every Secret it names must be at hand.
    const blocked = p.secretsBlock('create');
    if (blocked) return blocked;
    if (p.paused) return p.pausedHold(blueGreenSay.creating(p.poolId, newId, now));
    const first = nextStep(ZERO, p.desired, p.maxStep);
    const params: CreatePoolParams = {
      ...want,
      id: newId,
      targetDedicatedNodes: first.dedicated,
      targetLowPriorityNodes: first.lowPriority,
      resizeTimeout: p.object.spec.resizeTimeout ?? DEFAULTS.resizeTimeout,
    };
    p.event('Normal', 'PoolCreating', note.poolCreating(newId, want.imageId, first), 'Create');
    return p.working(
      'Updating',
      Reason.Updating,
      blueGreenSay.creating(p.poolId, newId, now),
      { kind: 'create', params },
      p.poll(),
    );
  }
  const to = side(newId, fresh);
  if (!isOwnedBy(fresh, p.object)) {
    record(p, fields, 'Creating', from, to);
    return p.stalled(Reason.PoolNotOwned, blueGreenSay.pairTaken(newId, fresh.owner));
  }
  if (fresh.state === 'deleting') {
    record(p, fields, 'Aborting', from, to);
    return p.working('Updating', Reason.Updating, blueGreenSay.aborting(newId), NONE, p.poll());
  }
  const mismatch = fresh.settings ? differences(want, fresh.settings) : undefined;
  if (wanted.length === 0 || (mismatch && mismatch.empty.length > 0)) {
    record(p, fields, 'Aborting', from, to);
    if (p.paused) return p.pausedHold(blueGreenSay.aborting(newId));
    p.event('Normal', 'BlueGreenAborted', blueGreenSay.aborted(newId), 'Delete');
    return p.working(
      'Updating',
      Reason.Updating,
      blueGreenSay.aborting(newId),
      { kind: 'delete', poolId: newId },
      p.poll(),
    );
  }
  record(p, fields, 'Growing', from, to);
  const current = poolCurrent(fresh);
  const growing = blueGreenSay.growing(p.poolId, newId, current, p.desired);
  if (fresh.allocationState !== 'steady') {
    return p.working('Updating', Reason.Updating, growing, NONE, p.poll());
  }
  if (current.dedicated >= p.desired.dedicated && current.lowPriority >= p.desired.lowPriority) {
    // The new pool takes over: from this pass on, status.poolId names it.
    record(p, fields, 'Retiring', from, to);
    p.event('Normal', 'BlueGreenSwitched', blueGreenSay.switched(p.poolId, newId, current), 'Update');
    const message = blueGreenSay.retiring(p.poolId, newId, poolCurrent(serving));
    p.poolId = newId;
    p.shown = fresh;
    return p.working('Updating', Reason.Updating, message, NONE, SOON_MS);
  }
  if (p.paused) return p.pausedHold(growing);
  // Steady short of the targets: the create's resize ended early (a timeout, AllocationFailed) or the targets
  // grew since. Ask again, in steps when the spec grows in steps.
  const step = nextStep(current, p.desired, p.maxStep);
  const why = fresh.resizeErrors[0];
  const issued = sameTargets(step, poolTargets(fresh)) && why ? ` after ${why.code}` : '';
  p.event(
    'Normal',
    'ResizeIssued',
    note.resizeIssued(newId, step, '', 1, `growing the new pool of a blue-green rollout${issued}`),
    'Resize',
  );
  return p.working(
    'Updating',
    Reason.Updating,
    growing,
    { kind: 'resize', poolId: newId, params: p.resizeParams(step) },
    p.poll(),
  );
}

function retire(
  p: Planner,
  serving: PoolSnapshot,
  oldId: string,
  old: PoolSnapshot | undefined,
): PlanResult | undefined {
  const fields = p.prev.update?.fields ?? [];
  if (!old || !isOwnedBy(old, p.object)) {
    p.update = undefined;
    p.event('Normal', 'BlueGreenCompleted', blueGreenSay.completed(oldId, p.poolId), 'Delete');
    return undefined;
  }
  record(p, fields, 'Retiring', side(oldId, old), side(p.poolId, serving));
  const current = poolCurrent(old);
  const message = blueGreenSay.retiring(oldId, p.poolId, current);
  if (old.state === 'deleting' || old.allocationState === 'stopping') {
    return p.working('Updating', Reason.Updating, message, NONE, p.poll());
  }
  const towardEmpty = sameTargets(poolTargets(old), ZERO);
  if (old.allocationState === 'resizing' && towardEmpty) {
    return p.working('Updating', Reason.Updating, message, NONE, p.poll());
  }
  if (p.paused) return p.pausedHold(message);
  if (old.allocationState === 'resizing') {
    p.event('Normal', 'ResizeStopping', note.resizeStopping(oldId, ZERO, poolTargets(old)), 'StopResize');
    return p.working('Updating', Reason.Updating, message, { kind: 'stopResize', poolId: oldId }, p.poll());
  }
  if (current.dedicated + current.lowPriority > 0) {
    p.event(
      'Normal',
      'ResizeIssued',
      note.resizeIssued(oldId, ZERO, '', 1, 'retiring the old pool'),
      'Resize',
    );
    return p.working(
      'Updating',
      Reason.Updating,
      message,
      { kind: 'resize', poolId: oldId, params: p.resizeParams(ZERO) },
      p.poll(),
    );
  }
  p.event('Normal', 'PoolDeleting', blueGreenSay.deletingOld(oldId), 'Delete');
  return p.working('Updating', Reason.Updating, message, { kind: 'delete', poolId: oldId }, p.poll());
}

// spec.autoScale: Azure sizes the pool with a formula, and the operator never resizes it. It turns autoscaling
// on (or gives it a new formula or interval) with enableautoscale, off with disableautoscale when autoScale is
// removed (the targets then apply again), and otherwise only guards the image and the settings: an autoscaled
// pool is Ready whatever size the formula gives it.

import type { PoolSnapshot } from '../../azure/ports.ts';
import { Reason } from '../conditions.ts';
import { NONE, type Planner } from './context.ts';
import type { PlanResult } from './types.ts';

/** After enabling or disabling, look again soon: the resize steps (or the formula) follow. */
const AFTER_AUTOSCALE_MS = 1000;

/** The pool's autoscaling differs from the spec: turn it on, change it, or turn it off. */
export function planAutoScaleChange(p: Planner, pool: PoolSnapshot): PlanResult {
  const want = p.object.spec.autoScale;
  const have = pool.settings?.autoScale;
  if (!want) {
    if (p.paused) return p.pausedHold(`autoscaling of pool ${p.poolId} is to be turned off`);
    p.event(
      'Normal',
      'AutoScaleDisabled',
      `Turning autoscaling of pool ${p.poolId} off; the targets of the spec apply again`,
      'AutoScale',
    );
    return p.working(
      'Updating',
      Reason.Updating,
      `Turning autoscaling of pool ${p.poolId} off`,
      { kind: 'disableAutoScale', poolId: p.poolId },
      AFTER_AUTOSCALE_MS,
    );
  }
  const what = have ? 'Setting a new autoscale formula or interval on' : 'Turning autoscaling on for';
  // Azure refuses enableautoscale while a resize runs: the operator's own resize is stopped first; one the
  // formula started is waited out.
  if (pool.allocationState !== 'steady') {
    if (have || pool.allocationState === 'stopping') {
      return p.working(
        'Updating',
        Reason.Updating,
        `${what} pool ${p.poolId} once it is steady`,
        NONE,
        p.poll(),
      );
    }
    if (p.paused) return p.pausedHold(`autoscaling of pool ${p.poolId} is to be turned on`);
    p.event(
      'Normal',
      'ResizeStopping',
      `Stopping the resize of pool ${p.poolId} to turn autoscaling on`,
      'StopResize',
    );
    return p.working(
      'Updating',
      Reason.Updating,
      `Stopping the resize of pool ${p.poolId} to turn autoscaling on`,
      { kind: 'stopResize', poolId: p.poolId },
      p.poll(),
    );
  }
  if (p.paused) return p.pausedHold(`${what.toLowerCase()} pool ${p.poolId} is due`);
  p.event('Normal', 'AutoScaleEnabled', `${what} pool ${p.poolId}`, 'AutoScale');
  return p.working(
    'Updating',
    Reason.Updating,
    `${what} pool ${p.poolId}`,
    { kind: 'enableAutoScale', poolId: p.poolId, autoScale: want },
    AFTER_AUTOSCALE_MS,
  );
}

/** An autoscaled pool with the spec's settings: nothing to do but look again. */
export function planAutoScaled(p: Planner, pool: PoolSnapshot): PlanResult {
  const size = `${pool.currentDedicatedNodes} dedicated and ${pool.currentLowPriorityNodes} Spot nodes`;
  const moving = pool.allocationState !== 'steady';
  const message = moving
    ? `Pool ${p.poolId} autoscales; Azure is resizing it by the formula (now ${size}, towards ${pool.targetDedicatedNodes} dedicated and ${pool.targetLowPriorityNodes} Spot)`
    : `Pool ${p.poolId} autoscales; the formula holds it at ${size}`;
  return p.result(
    NONE,
    { phase: 'Ready', reason: Reason.TargetReached, message },
    Reason.TargetReached,
    moving ? p.poll() : p.resync(),
  );
}

// Target arithmetic the decisions share: what the spec asks for, what the pool has, the next step.

import { DEFAULTS, PAUSED_ANNOTATION, type BatchPool } from '../../api/types.ts';
import type { PoolSnapshot } from '../../azure/ports.ts';
import type { Targets } from './types.ts';

/** The Azure pool this object manages now: a BlueGreen rollout moves it between basePoolId and its pair. */
export function poolIdOf(object: BatchPool): string {
  return object.status?.poolId ?? basePoolId(object);
}

export function basePoolId(object: BatchPool): string {
  return object.spec.poolId ?? object.metadata.name;
}

/** The other pool ID of a BlueGreen rollout: the base ID and the base ID with "-bg", in turn (64 at most). */
export function bluePoolPair(object: BatchPool, current: string): string {
  const base = basePoolId(object);
  return current.toLowerCase() === base.toLowerCase() ? `${base.slice(0, 61)}-bg` : base;
}

export function desiredTargets(object: BatchPool): Targets {
  return {
    dedicated: object.spec.targetDedicatedNodes ?? 0,
    lowPriority: object.spec.targetLowPriorityNodes ?? DEFAULTS.targetLowPriorityNodes,
  };
}

export function isPaused(object: BatchPool): boolean {
  return object.metadata.annotations?.[PAUSED_ANNOTATION]?.toLowerCase() === 'true';
}

export function sameTargets(a: Targets | undefined, b: Targets | undefined): boolean {
  return !!a && !!b && a.dedicated === b.dedicated && a.lowPriority === b.lowPriority;
}

export function poolTargets(p: PoolSnapshot): Targets {
  return { dedicated: p.targetDedicatedNodes, lowPriority: p.targetLowPriorityNodes };
}

export function poolCurrent(p: PoolSnapshot): Targets {
  return { dedicated: p.currentDedicatedNodes, lowPriority: p.currentLowPriorityNodes };
}

/** The next target to ask for: the whole way, or at most `maxStep` more nodes per kind when growing. */
export function nextStep(current: Targets, desired: Targets, maxStep: number): Targets {
  const one = (cur: number, want: number) =>
    maxStep > 0 && want > cur ? Math.min(want, cur + maxStep) : want;
  return {
    dedicated: one(current.dedicated, desired.dedicated),
    lowPriority: one(current.lowPriority, desired.lowPriority),
  };
}

/** Whether a resize to `issued` is on the way to `desired` (equal, or a growth step below it). */
export function towardDesired(issued: Targets | undefined, desired: Targets, maxStep: number): boolean {
  if (!issued) return false;
  if (sameTargets(issued, desired)) return true;
  return maxStep > 0 && issued.dedicated <= desired.dedicated && issued.lowPriority <= desired.lowPriority;
}

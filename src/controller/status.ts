// Builds the status a BatchPool should show from what plan decided: counts from the observed pool, the resize
// memory, the image check, the phase, and the four kstatus conditions with reasons a person understands.

import type { BatchPoolStatus, ImageStatus, Phase, ResizeStatus } from '../api/types.ts';
import type { PoolSnapshot } from '../azure/ports.ts';
import { Reason, setCondition, type StalledReason } from './conditions.ts';

export interface Verdict {
  phase: Phase;
  /** Reason for Ready=False / Reconciling=True (or TargetReached when Ready). */
  reason: Reason;
  message: string;
  /** Set when phase is Stalled. */
  stalledReason?: StalledReason;
}

export interface StatusInput {
  previous: BatchPoolStatus;
  generation: number | undefined;
  poolId: string;
  /** undefined = Azure says no pool; absent key handled by caller passing previous counts. */
  pool: PoolSnapshot | undefined;
  resize: ResizeStatus | undefined;
  image: ImageStatus | undefined;
  verdict: Verdict;
  paused: boolean;
  nowIso: string;
}

const WORKING: ReadonlySet<Phase> = new Set(['Pending', 'Creating', 'Resizing', 'Backoff', 'Deleting']);

export function buildStatus(s: StatusInput): BatchPoolStatus {
  const { verdict: v, generation: g, nowIso } = s;
  const next: BatchPoolStatus = {
    ...s.previous,
    observedGeneration: g,
    poolId: s.poolId,
    phase: v.phase,
  };
  if (s.pool) {
    next.allocationState = s.pool.allocationState;
    next.currentDedicatedNodes = s.pool.currentDedicatedNodes;
    next.currentLowPriorityNodes = s.pool.currentLowPriorityNodes;
  }
  if (s.resize) next.resize = s.resize;
  else delete next.resize;
  if (s.image) next.image = s.image;

  let c = s.previous.conditions;
  const ready = v.phase === 'Ready';
  c = setCondition(
    c,
    ready
      ? { type: 'Ready', status: 'True', reason: Reason.TargetReached, message: v.message }
      : { type: 'Ready', status: 'False', reason: v.stalledReason ?? v.reason, message: v.message },
    g,
    nowIso,
  );
  const working = WORKING.has(v.phase) && !s.paused;
  c = setCondition(
    c,
    working
      ? { type: 'Reconciling', status: 'True', reason: v.reason, message: v.message }
      : {
          type: 'Reconciling',
          status: 'False',
          reason: s.paused && !ready ? Reason.Paused : (v.stalledReason ?? Reason.Idle),
          message:
            s.paused && !ready ? v.message : ready ? 'Nothing to do' : 'Waiting for a person (see Stalled)',
        },
    g,
    nowIso,
  );
  c = setCondition(
    c,
    v.phase === 'Stalled'
      ? { type: 'Stalled', status: 'True', reason: v.stalledReason ?? v.reason, message: v.message }
      : { type: 'Stalled', status: 'False', reason: Reason.NotStalled, message: 'Nothing needs a person' },
    g,
    nowIso,
  );
  const img = s.image;
  c = setCondition(
    c,
    !img
      ? {
          type: 'ImageAvailable',
          status: 'Unknown',
          reason: Reason.NotChecked,
          message: 'The image has not been checked yet',
        }
      : img.exists
        ? {
            type: 'ImageAvailable',
            status: 'True',
            reason: Reason.ImageFound,
            message: `Image ${img.id} exists (checked ${img.checkedAt})`,
          }
        : {
            type: 'ImageAvailable',
            status: 'False',
            reason: Reason.ImageNotFound,
            message: `Image ${img.id} was not found (checked ${img.checkedAt})`,
          },
    g,
    nowIso,
  );
  next.conditions = c;
  return next;
}

/** The status to write when the planned Azure call failed: keep the old resize memory, say what went wrong. */
export function statusAfterFailedAction(
  previous: BatchPoolStatus,
  planned: BatchPoolStatus,
  message: string,
  generation: number | undefined,
  nowIso: string,
): BatchPoolStatus {
  const next: BatchPoolStatus = { ...planned };
  if (previous.resize) next.resize = previous.resize;
  else delete next.resize;
  next.conditions = setCondition(
    next.conditions,
    { type: 'Reconciling', status: 'True', reason: Reason.AzureError, message },
    generation,
    nowIso,
  );
  next.conditions = setCondition(
    next.conditions,
    { type: 'Ready', status: 'False', reason: Reason.AzureError, message },
    generation,
    nowIso,
  );
  return next;
}

/** Says on the conditions that Azure could not be used; `stalled` when only a person can fix it. */
export function withAzureProblem(
  status: BatchPoolStatus,
  generation: number | undefined,
  stalled: boolean,
  message: string,
  nowIso: string,
): BatchPoolStatus {
  let c = setCondition(
    status.conditions,
    { type: 'Ready', status: 'False', reason: Reason.AzureError, message },
    generation,
    nowIso,
  );
  c = setCondition(
    c,
    { type: 'Reconciling', status: stalled ? 'False' : 'True', reason: Reason.AzureError, message },
    generation,
    nowIso,
  );
  if (stalled) {
    c = setCondition(
      c,
      { type: 'Stalled', status: 'True', reason: Reason.AzureRejected, message },
      generation,
      nowIso,
    );
  }
  return { ...status, ...(stalled && { phase: 'Stalled' as const }), conditions: c };
}

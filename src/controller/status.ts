// Builds the status a BatchPool should show from what plan decided: counts from the observed pool, the resize
// memory, the image check, the phase, and the four kstatus conditions with reasons a person understands.

import type {
  BatchPoolStatus,
  ImageStatus,
  NodeAgentStatus,
  Phase,
  RejectedStatus,
  ResizeStatus,
  UpdateStatus,
} from '../api/types.ts';
import type { PoolSnapshot } from '../azure/ports.ts';
import { Reason, setCondition, type ConditionInput, type StalledReason } from './conditions.ts';
import type { ImageVerdict } from './plan/image.ts';

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
  update?: UpdateStatus | undefined;
  adoptedAt?: string | undefined;
  rejected?: RejectedStatus | undefined;
  image: ImageStatus | undefined;
  /** What the image allows (ImageAvailable); undefined = as the image status alone says. */
  imageVerdict?: ImageVerdict;
  nodeAgent: NodeAgentStatus | undefined;
  /** The node counts of this observation; undefined keeps the previous ones. */
  nodes?: BatchPoolStatus['nodes'];
  /** Node recovery's memory; undefined drops it. */
  nodeRecovery?: BatchPoolStatus['nodeRecovery'];
  verdict: Verdict;
  paused: boolean;
  nowIso: string;
}

const WORKING: ReadonlySet<Phase> = new Set([
  'Pending',
  'Creating',
  'Resizing',
  'Backoff',
  'Updating',
  'Starting',
  'Recovering',
  'Deleting',
]);

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
  if (s.update) next.update = s.update;
  else delete next.update;
  if (s.adoptedAt) next.adoptedAt = s.adoptedAt;
  if (s.rejected) next.rejected = s.rejected;
  else delete next.rejected;
  if (s.image) next.image = s.image;
  if (s.nodeAgent) next.nodeAgent = s.nodeAgent;
  if (s.nodes) next.nodes = s.nodes;
  if (s.nodeRecovery) next.nodeRecovery = s.nodeRecovery;
  else delete next.nodeRecovery;

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
  c = setCondition(c, imageAvailable(s.image, s.imageVerdict), g, nowIso);
  next.conditions = c;
  return next;
}

/** ImageAvailable: whether a pool can be built (or grown) from the image now, and if not, why. */
function imageAvailable(img: ImageStatus | undefined, verdict: ImageVerdict | undefined): ConditionInput {
  if (!img) {
    return {
      type: 'ImageAvailable',
      status: 'Unknown',
      reason: Reason.NotChecked,
      message: 'The image has not been checked yet',
    };
  }
  if (!img.exists) {
    return {
      type: 'ImageAvailable',
      status: 'False',
      reason: Reason.ImageNotFound,
      message: `Image ${img.id} was not found (checked ${img.checkedAt})`,
    };
  }
  switch (verdict?.kind) {
    case 'stalled':
      return { type: 'ImageAvailable', status: 'False', reason: verdict.reason, message: verdict.message };
    case 'wait':
      return {
        type: 'ImageAvailable',
        status: 'False',
        reason: Reason.ImageNotReady,
        message: verdict.message,
      };
    case 'publish':
      return {
        type: 'ImageAvailable',
        status: 'False',
        reason: Reason.ImagePublishing,
        message: `Image ${img.id} is a managed image; it is to be published as a gallery image version first`,
      };
    default: {
      const note = verdict?.kind === 'ok' && verdict.note ? `; ${verdict.note}` : '';
      const version = img.versionId && img.versionId !== img.id ? ` (version ${img.versionId})` : '';
      return {
        type: 'ImageAvailable',
        status: 'True',
        reason: Reason.ImageFound,
        message: `Image ${img.id}${version} exists (checked ${img.checkedAt})${note}`,
      };
    }
  }
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
  // A reboot or removal that did not go out is neither remembered nor charged to the budget.
  if (previous.nodeRecovery) next.nodeRecovery = previous.nodeRecovery;
  else delete next.nodeRecovery;
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

/**
 * Says on the conditions that Azure could not be used; `stalled` (true: AzureRejected, or the reason) when
 * only a person can fix it.
 */
export function withAzureProblem(
  status: BatchPoolStatus,
  generation: number | undefined,
  stalled: boolean | StalledReason,
  message: string,
  nowIso: string,
): BatchPoolStatus {
  const stalledReason = stalled === true ? Reason.AzureRejected : stalled || undefined;
  // One reason on every condition, as buildStatus does for a Stalled pool.
  let c = setCondition(
    status.conditions,
    { type: 'Ready', status: 'False', reason: stalledReason ?? Reason.AzureError, message },
    generation,
    nowIso,
  );
  c = setCondition(
    c,
    stalledReason
      ? {
          type: 'Reconciling',
          status: 'False',
          reason: stalledReason,
          message: 'Waiting for a person (see Stalled)',
        }
      : { type: 'Reconciling', status: 'True', reason: Reason.AzureError, message },
    generation,
    nowIso,
  );
  if (stalledReason) {
    c = setCondition(
      c,
      { type: 'Stalled', status: 'True', reason: stalledReason, message },
      generation,
      nowIso,
    );
  }
  return { ...status, ...(stalledReason && { phase: 'Stalled' as const }), conditions: c };
}

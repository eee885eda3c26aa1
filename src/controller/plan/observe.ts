// What the reconciler should look at in Azure before the plan decides: the pool, and the image only when
// its answer could change a decision — not on every pass.

import { DEFAULTS } from '../../api/constants.ts';
import type { BatchPool, BatchPoolStatus } from '../../api/types.ts';
import type { PoolNodeCounts, PoolSnapshot } from '../../azure/ports.ts';
import { isoDurationMs } from '../duration.ts';
import { badCountOf } from './nodes.ts';
import { imageVerdict } from './image.ts';
import { isRecordedError } from './resize.ts';
import { isPaused } from './targets.ts';
import type { AccountState, PlanSettings } from './types.ts';

/**
 * Whether to read the pool from Azure at all: never for an account we may not use, and not for a deleted
 * object whose pool is kept (Retain) or whose deletion is paused — there is nothing to decide about it.
 */
export function shouldObserve(object: BatchPool, account: AccountState): boolean {
  if (account.kind !== 'ok') return false;
  if (!object.metadata.deletionTimestamp) return true;
  return (object.spec.deletionPolicy ?? 'Delete') !== 'Retain' && !isPaused(object);
}

/**
 * Whether to ask ARM about the image (and Batch about the node agent SKUs) in this pass: before a create,
 * after a resize error not yet recorded, while the image is missing or not usable, and every
 * `imageCheckIntervalMs` otherwise. Never for a deleted object.
 */
export function needsImageCheck(
  object: BatchPool,
  pool: PoolSnapshot | undefined,
  now: number,
  s: PlanSettings,
): boolean {
  if (object.metadata.deletionTimestamp) return false;
  const img = object.status?.image;
  if (!img || img.id !== object.spec.image.id || !img.exists || !img.source) return true;
  if (!pool) return true;
  if (object.status?.nodeAgent?.skuId !== object.spec.nodeAgentSkuId) return true;
  if (imageVerdict(object, img, true, now).kind !== 'ok') return true;
  const short =
    pool.currentDedicatedNodes < pool.targetDedicatedNodes ||
    pool.currentLowPriorityNodes < pool.targetLowPriorityNodes;
  if (pool.allocationState === 'steady' && pool.resizeErrors.length > 0 && short) {
    const r = object.status?.resize;
    if (!r || !isRecordedError(r)) return true;
  }
  return now - Date.parse(img.checkedAt) >= s.imageCheckIntervalMs;
}

/**
 * Whether to list the pool's bad nodes (their IDs and errors): only when the counts show unusable or
 * start-task-failed nodes, so a healthy pool costs no call. The list names the errors in the conditions and
 * the nodes that recovery acts on.
 */
export function needsBadNodes(object: BatchPool, counts: PoolNodeCounts | undefined): boolean {
  return !object.metadata.deletionTimestamp && counts !== undefined && badCountOf(counts) > 0;
}

/**
 * When Azure will have ended the resize (or the create's allocation) last issued, while the pool is being
 * created or resized: Batch stops a resize at its resizeTimeout (AllocationTimedout) if it has not finished or
 * failed before. Worth a look then, so a timed-out resize is issued again at once, not up to a poll later.
 */
export function resizeDeadline(object: BatchPool, status: BatchPoolStatus): number | undefined {
  if (status.phase !== 'Creating' && status.phase !== 'Resizing') return undefined;
  const issued = Date.parse(status.resize?.lastIssuedAt ?? '');
  const timeout = isoDurationMs(object.spec.resizeTimeout ?? DEFAULTS.resizeTimeout);
  if (!Number.isFinite(issued) || timeout === undefined) return undefined;
  return issued + timeout;
}

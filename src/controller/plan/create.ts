// The pool does not exist in Azure: create it — after the image check, and with the first step only when
// the spec grows in steps. A pool that existed before was deleted out of band and is re-created.

import { DEFAULTS } from '../../api/types.ts';
import type { CreatePoolParams } from '../../azure/ports.ts';
import { Reason } from '../conditions.ts';
import { NONE, type Planner } from './context.ts';
import { note, pausedBecause, phrase } from './messages.ts';
import { ownerMetadata } from './ownership.ts';
import { nextStep } from './targets.ts';
import type { PlanResult } from './types.ts';

export function planCreate(p: Planner): PlanResult {
  const s = p.object.spec;
  if (p.image?.exists !== true) {
    return p.working(
      'Pending',
      Reason.WaitingForImageCheck,
      phrase.waitingForImageBeforeCreate(s.image.id),
      NONE,
      p.poll(),
    );
  }
  if (p.paused) return p.pausedHold(pausedBecause.createDue(p.poolId));
  const recreate = p.prev.resize?.lastIssuedAt !== undefined;
  const first = nextStep({ dedicated: 0, lowPriority: 0 }, p.desired, p.maxStep);
  const params: CreatePoolParams = {
    id: p.poolId,
    vmSize: s.vmSize,
    imageId: s.image.id,
    nodeAgentSkuId: s.nodeAgentSkuId,
    targetDedicatedNodes: first.dedicated,
    targetLowPriorityNodes: first.lowPriority,
    resizeTimeout: s.resizeTimeout ?? DEFAULTS.resizeTimeout,
    metadata: [...(s.metadata ?? []), ...ownerMetadata(p.object)],
    ...(s.taskSlotsPerNode !== undefined && { taskSlotsPerNode: s.taskSlotsPerNode }),
    ...(s.startTask && { startTask: s.startTask }),
    ...(s.networkConfiguration && { networkConfiguration: s.networkConfiguration }),
  };
  p.resize = { attempts: 1, lastIssuedAt: p.nowIso, lastTarget: first };
  if (recreate) p.event('Warning', 'PoolRecreated', note.poolRecreated(p.poolId, first), 'Create');
  p.event('Normal', 'PoolCreating', note.poolCreating(p.poolId, s.image.id, first), 'Create');
  return p.working(
    'Creating',
    Reason.Creating,
    phrase.creating(p.poolId, first),
    { kind: 'create', params },
    p.poll(),
  );
}

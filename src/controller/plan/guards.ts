// What must hold before the operator touches Azure for a pool at all, in the order checked: the account lets
// this namespace in, the pool with this ID is ours, the image's node limits leave room, the image exists.
// Each guard either stops the pass (Stalled, with the reason and what to do) or lets it through.

import { IMAGE_LIMITS, type BatchPool } from '../../api/types.ts';
import type { PoolSnapshot } from '../../azure/ports.ts';
import { Reason, type StalledReason } from '../conditions.ts';
import type { Planner } from './context.ts';
import { stalled } from './messages.ts';
import { isOwnedBy } from './ownership.ts';
import type { AccountState, PlanResult } from './types.ts';

export function accountProblem(
  object: BatchPool,
  account: Exclude<AccountState, { kind: 'ok' }>,
): { reason: StalledReason; message: string } {
  if (account.kind === 'missing') {
    return { reason: Reason.AccountNotFound, message: stalled.accountMissing(account.name) };
  }
  return {
    reason: Reason.NamespaceNotAllowed,
    message: stalled.namespaceNotAllowed(
      account.name,
      object.metadata.namespace ?? '',
      account.allowedNamespaces,
    ),
  };
}

export function guardAccount(p: Planner): PlanResult | undefined {
  const account = p.in.account;
  if (account.kind === 'ok') return undefined;
  const { reason, message } = accountProblem(p.object, account);
  return p.stalled(reason, message);
}

export function guardOwnership(p: Planner, pool: PoolSnapshot | undefined): PlanResult | undefined {
  if (!pool || isOwnedBy(pool, p.object)) return undefined;
  return p.stalled(Reason.PoolNotOwned, stalled.poolNotOwned(p.poolId, p.in.account.name, pool.owner));
}

/** The limits gate growth only: a pool that needs nothing more from Azure is not refused anything. */
export function guardImageLimits(p: Planner, pool: PoolSnapshot | undefined): PlanResult | undefined {
  const { desired } = p;
  const usage = p.in.usage;
  const grows =
    !pool ||
    desired.dedicated > Math.min(pool.targetDedicatedNodes, pool.currentDedicatedNodes) ||
    desired.lowPriority > Math.min(pool.targetLowPriorityNodes, pool.currentLowPriorityNodes);
  const want = {
    dedicated: usage.dedicated + desired.dedicated,
    lowPriority: usage.lowPriority + desired.lowPriority,
  };
  if (!grows || (want.dedicated <= IMAGE_LIMITS.dedicated && want.lowPriority <= IMAGE_LIMITS.lowPriority)) {
    return undefined;
  }
  return p.stalled(
    Reason.ImageLimitExceeded,
    stalled.imageLimit(p.object.spec.image.id, want, desired, { ...usage, count: usage.sharedWith.length }),
  );
}

export function guardImage(p: Planner): PlanResult | undefined {
  if (p.image?.exists !== false) return undefined;
  return p.stalled(
    Reason.ImageNotFound,
    stalled.imageMissing(p.object.spec.image.id),
    p.in.settings.imageRecheckMs,
  );
}

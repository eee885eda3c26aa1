// What must hold before the operator touches Azure for a pool at all, in the order checked: the account lets
// this namespace in (whose pool it is, is adoption.ts), the image's node limits leave room, the image exists.
// Each guard either stops the pass (Stalled, with the reason and what to do) or lets it through.

import { IMAGE_LIMITS, type BatchPool, type PublishTo } from '../../api/types.ts';
import type { PoolSnapshot } from '../../azure/ports.ts';
import { Reason, type StalledReason } from '../conditions.ts';
import { NONE, type Planner } from './context.ts';
import { publishedVersionId } from './image.ts';
import { imageSay, pausedBecause, stalled } from './messages.ts';
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
  if (account.kind === 'ok') return guardIdentity(p, account);
  const { reason, message } = accountProblem(p.object, account);
  return p.stalled(reason, message);
}

/**
 * Pool identities come only through the management plane, and the nodes can use only the pool's own: both are
 * spec mistakes the schema cannot see (they need the account, or a walk of every identityReference). Without
 * spec.identity the references are not checked: the pool's identities were then given to it outside the
 * operator (as before spec.identity existed), and Azure judges them.
 */
function guardIdentity(p: Planner, account: Extract<AccountState, { kind: 'ok' }>): PlanResult | undefined {
  const identity = p.object.spec.identity;
  if (!identity) return undefined;
  if (account.api !== 'ResourceManager')
    return p.stalled(Reason.IdentityNeedsResourceManager, stalled.identityNeedsResourceManager(account.name));
  const own = new Set(identity.userAssignedIdentities.map((id) => id.toLowerCase()));
  for (const { field, id } of identityReferences(p.object.spec)) {
    if (!own.has(id.toLowerCase()))
      return p.stalled(Reason.IdentityNotOnPool, stalled.identityNotOnPool(field, id));
  }
  return undefined;
}

/** Every identityReference.resourceId in the spec, with the field that holds it. */
export function identityReferences(spec: BatchPool['spec']): { field: string; id: string }[] {
  const out: { field: string; id: string }[] = [];
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) return v.forEach((item, i) => walk(item, `${path}[${i}]`));
    if (typeof v !== 'object' || v === null) return;
    for (const [k, child] of Object.entries(v)) {
      const here = `${path}.${k}`;
      if (k === 'identityReference' && typeof child === 'object' && child !== null) {
        const id = (child as { resourceId?: unknown }).resourceId;
        if (typeof id === 'string') out.push({ field: `${here}.resourceId`, id });
      } else walk(child, here);
    }
  };
  walk(spec, 'spec');
  return out;
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

/**
 * What the image allows (image.ts): no pool is created or grown from an image that is gone, retired, failed
 * or past its end of life; a create waits while Azure finishes a version; a managed image with publishTo is
 * published first.
 */
export function guardImage(p: Planner, pool: PoolSnapshot | undefined): PlanResult | undefined {
  const v = p.imageVerdict(pool !== undefined);
  switch (v.kind) {
    case 'stalled':
      return p.stalled(v.reason, v.message, p.in.settings.imageRecheckMs);
    case 'wait':
      return p.working('Pending', Reason.ImageNotReady, v.message, NONE, p.poll());
    case 'publish':
      return planPublish(p, v.publishTo);
    default:
      return undefined;
  }
}

function planPublish(p: Planner, publishTo: PublishTo): PlanResult {
  const versionId = publishedVersionId(publishTo);
  if (p.paused) return p.pausedHold(pausedBecause.publishDue(versionId));
  const region = p.in.account.kind === 'ok' ? p.in.account.region : undefined;
  const sourceImageId = p.object.spec.image.id;
  p.event('Normal', 'ImagePublishing', imageSay.publishStarted(sourceImageId, versionId, region), 'Publish');
  return p.result(
    { kind: 'publishImage', request: { sourceImageId, versionId, region } },
    { phase: 'Pending', reason: Reason.ImagePublishing, message: imageSay.publishing(versionId) },
    'PublishImage',
    p.poll(),
  );
}

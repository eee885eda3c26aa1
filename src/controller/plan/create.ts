// The pool does not exist in Azure: create it — after the image check, with a node agent the account offers,
// the security profile the image calls for, from the published version when a managed image was published,
// and with the first step only when the spec grows in steps. A pool that existed before was deleted out of
// band and is re-created.

import { DEFAULTS } from '../../api/types.ts';
import type { CreatePoolParams } from '../../azure/ports.ts';
import { Reason } from '../conditions.ts';
import { NONE, type Planner } from './context.ts';
import { nodeAgentVerdict, publishing, securityProfileFor, validSkusFor } from './image.ts';
import { imageSay, note, pausedBecause, phrase } from './messages.ts';
import { desiredSettings } from './settings.ts';
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
  const image = p.image;
  const osType = image.osType;
  const agent = nodeAgentVerdict(p.nodeAgent, s.nodeAgentSkuId, false, p.in.now, osType, () =>
    validSkusFor(osType, p.in.nodeAgents ?? [], p.in.now),
  );
  if (agent.kind === 'stalled') return p.stalled(agent.reason, agent.message, p.in.settings.imageRecheckMs);
  // A published managed image: the pool is built from the version (guardImage made sure it is usable).
  const imageId = (publishing(p.object) && image.versionId) || s.image.id;
  const security = securityProfileFor(s.securityProfile, image.securityType, imageId);
  if ('refused' in security) return p.stalled(Reason.SecurityTypeMismatch, security.refused);
  const secrets = p.secretsBlock('create');
  if (secrets) return secrets;
  if (p.paused) return p.pausedHold(pausedBecause.createDue(p.poolId));
  const recreate = p.prev.resize?.lastIssuedAt !== undefined;
  const first = nextStep({ dedicated: 0, lowPriority: 0 }, p.desired, p.maxStep);
  // Every setting of the spec (desiredSettings: the published version, the image's security profile).
  const { securityProfile: _spec, ...settings } = desiredSettings(p.object, image);
  const params: CreatePoolParams = {
    ...settings,
    id: p.poolId,
    imageId,
    targetDedicatedNodes: first.dedicated,
    targetLowPriorityNodes: first.lowPriority,
    resizeTimeout: s.resizeTimeout ?? DEFAULTS.resizeTimeout,
    ...(security.profile && { securityProfile: security.profile }),
  };
  p.resize = {
    attempts: 1,
    lastIssuedAt: p.nowIso,
    lastIssuedFrom: { dedicated: 0, lowPriority: 0 },
    lastTarget: first,
  };
  if (recreate) p.event('Warning', 'PoolRecreated', note.poolRecreated(p.poolId, first), 'Create');
  if (security.profile && !s.securityProfile?.securityType && image.securityType) {
    const what = `securityType ${security.profile.securityType}${security.profile.uefiSettings ? ' with secure boot and vTPM' : ''}`;
    p.event(
      'Normal',
      'SecurityProfileFromImage',
      imageSay.securityFromImage(imageId, image.securityType, what),
      'Create',
    );
  }
  p.event('Normal', 'PoolCreating', note.poolCreating(p.poolId, imageId, first), 'Create');
  return p.working(
    'Creating',
    Reason.Creating,
    phrase.creating(p.poolId, first),
    { kind: 'create', params },
    p.poll(),
  );
}

// What the image allows, decided from what was last seen of it (status.image, refreshed by each image check):
// whether a pool can be created or grown from it now, must wait for Azure (a version still provisioning or
// replicating, a managed image being published), or needs a person (gone, retired, failed, past its end of
// life, no usable version). Also which security profile the image calls for, and what the node agent SKU is
// worth on this account. Pure: the facts come in, a verdict goes out.

import type { BatchPool, ImageStatus, NodeAgentStatus, PublishTo, SecurityProfile } from '../../api/types.ts';
import type { ImageFacts, NodeAgentSku } from '../../azure/ports.ts';
import { Reason, type StalledReason } from '../conditions.ts';
import { imageSay, stalled } from './messages.ts';

const DAY_MS = 86_400_000;
/** How far ahead an image version's end of life is announced. */
export const IMAGE_EOL_WARNING_MS = 30 * DAY_MS;
/** How far ahead a node agent SKU's end of support is announced. */
export const NODE_AGENT_EOL_WARNING_MS = 90 * DAY_MS;

/** Azure retired pools from managed images (and VHDs) on this day (Learn: batch-custom-image-pools-to-azure-compute-gallery-migration-guide). */
export const MANAGED_IMAGE_RETIREMENT = '31 March 2026';

export type ImageVerdict =
  | { kind: 'ok'; note?: string }
  | { kind: 'unchecked' }
  | { kind: 'wait'; message: string }
  | { kind: 'publish'; publishTo: PublishTo }
  | { kind: 'stalled'; reason: StalledReason; message: string };

export function isManagedImageId(id: string): boolean {
  return /\/providers\/Microsoft\.Compute\/images\/[^/]+$/i.test(id);
}

export function publishedVersionId(publishTo: PublishTo): string {
  return `${publishTo.gallery.replace(/\/+$/, '')}/images/${publishTo.definition}/versions/${publishTo.version}`;
}

/** The managed image is to be published, and the pool built from the published version. */
export function publishing(object: BatchPool): PublishTo | undefined {
  const p = object.spec.image.publishTo;
  return p && isManagedImageId(object.spec.image.id) ? p : undefined;
}

/**
 * The recorded image status from a fresh check: the facts of spec.image.id and, when it is published, of
 * the published version (which is then the one the pool is built from).
 */
export function imageStatusOf(
  object: BatchPool,
  check: { image: ImageFacts; published?: ImageFacts },
  region: string | undefined,
  nowIso: string,
): ImageStatus {
  const id = object.spec.image.id;
  const base: ImageStatus = {
    id,
    exists: check.image.kind !== 'missing',
    checkedAt: nowIso,
    ...(region && { region }),
  };
  const built = publishing(object) && check.published ? check.published : check.image;
  if (check.image.kind === 'managed') {
    base.source = 'Managed';
    if (check.image.osType) base.osType = check.image.osType;
  } else if (check.image.kind !== 'missing') {
    base.source = 'Gallery';
  }
  if (built.kind === 'galleryVersion' || built.kind === 'galleryImage') {
    const v = built.kind === 'galleryVersion' ? built.version : (built.latest ?? built.newest);
    if (built.definition.osType) base.osType = built.definition.osType;
    if (built.definition.securityType) base.securityType = built.definition.securityType;
    if (v) {
      base.versionId = v.id;
      base.provisioningState = v.provisioningState;
      base.replication = v.replication;
      if (v.endOfLifeDate) base.endOfLifeDate = v.endOfLifeDate;
    }
  }
  return base;
}

/** Whether a pool of this BatchPool already exists in Azure or is to be created. */
export function imageVerdict(
  object: BatchPool,
  image: ImageStatus | undefined,
  poolExists: boolean,
  now: number,
): ImageVerdict {
  if (!image || image.id !== object.spec.image.id) return { kind: 'unchecked' };
  if (!image.exists)
    return { kind: 'stalled', reason: Reason.ImageNotFound, message: stalled.imageMissing(image.id) };
  // A status written before the image details were recorded: it existed, which is all that was known.
  if (!image.source) return { kind: 'ok' };
  if (image.source === 'Managed' && !publishing(object)) {
    return poolExists
      ? { kind: 'ok', note: imageSay.managedStillRunning(image.id) }
      : { kind: 'stalled', reason: Reason.ManagedImageRetired, message: imageSay.managedRetired(image.id) };
  }
  const publishTo = publishing(object);
  if (publishTo && !image.versionId) {
    return poolExists
      ? { kind: 'ok', note: imageSay.managedStillRunning(image.id) }
      : { kind: 'publish', publishTo };
  }
  if (poolExists && publishTo) return { kind: 'ok' };
  return galleryVerdict(image, poolExists, now);
}

function galleryVerdict(image: ImageStatus, poolExists: boolean, now: number): ImageVerdict {
  const version = image.versionId;
  if (!version) {
    return {
      kind: 'stalled',
      reason: Reason.ImageNoUsableVersion,
      message: imageSay.noUsableVersion(image.id),
    };
  }
  const eol = image.endOfLifeDate ? Date.parse(image.endOfLifeDate) : undefined;
  const pastEol = eol !== undefined && eol <= now;
  // An existing pool keeps its nodes whatever happens to the version's replicas; only its end of life stops
  // growth, as the operator's rule (Azure treats the date as informational).
  if (poolExists) {
    return pastEol
      ? {
          kind: 'stalled',
          reason: Reason.ImageEndOfLife,
          message: imageSay.endOfLife(version, image.endOfLifeDate!),
        }
      : {
          kind: 'ok',
          ...(eol !== undefined &&
            eol - now <= IMAGE_EOL_WARNING_MS && {
              note: imageSay.endOfLifeSoon(version, image.endOfLifeDate!),
            }),
        };
  }
  const state = image.provisioningState ?? 'Unknown';
  if (state === 'Failed') {
    return {
      kind: 'stalled',
      reason: Reason.ImageProvisioningFailed,
      message: imageSay.provisioningFailed(version),
    };
  }
  if (state !== 'Succeeded') return { kind: 'wait', message: imageSay.provisioning(version, state) };
  const region = image.region;
  switch (image.replication) {
    case 'NotTargeted':
      return {
        kind: 'stalled',
        reason: Reason.ImageNotReplicated,
        message: imageSay.notTargeted(version, region),
      };
    case 'Failed':
      return {
        kind: 'stalled',
        reason: Reason.ImageNotReplicated,
        message: imageSay.replicationFailed(version, region),
      };
    case 'Completed':
      break;
    default:
      return { kind: 'wait', message: imageSay.replicating(version, region) };
  }
  if (pastEol) {
    return {
      kind: 'stalled',
      reason: Reason.ImageEndOfLife,
      message: imageSay.endOfLife(version, image.endOfLifeDate!),
    };
  }
  return eol !== undefined && eol - now <= IMAGE_EOL_WARNING_MS
    ? { kind: 'ok', note: imageSay.endOfLifeSoon(version, image.endOfLifeDate!) }
    : { kind: 'ok' };
}

// ------------------------------------------------------------------------------------------ security type

/** What a definition's features SecurityType admits, and what it calls for when the spec says nothing. */
const SECURITY_TYPES: Record<
  string,
  { allows: readonly NonNullable<SecurityType>[] | 'any'; standard: boolean; default?: SecurityProfile }
> = {
  standard: { allows: [], standard: true },
  trustedlaunch: {
    allows: ['trustedLaunch'],
    standard: false,
    default: { securityType: 'trustedLaunch', uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } },
  },
  confidentialvm: {
    allows: ['confidentialvm'],
    standard: false,
    default: { securityType: 'confidentialvm', uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } },
  },
  trustedlaunchsupported: { allows: ['trustedLaunch'], standard: true },
  confidentialvmsupported: { allows: ['confidentialvm'], standard: true },
  trustedlaunchandconfidentialvmsupported: { allows: 'any', standard: true },
};

type SecurityType = SecurityProfile['securityType'];

/**
 * The security profile the create carries: the spec's when it fits the image, else the image's own; a spec
 * the image cannot boot with is refused, naming both.
 */
export function securityProfileFor(
  spec: SecurityProfile | undefined,
  imageSecurityType: string | undefined,
  imageId: string,
): { profile?: SecurityProfile } | { refused: string } {
  const declared = imageSecurityType ?? 'Standard';
  const rule = SECURITY_TYPES[declared.toLowerCase()];
  if (!rule) return spec ? { profile: spec } : {};
  const wanted = spec?.securityType;
  if (wanted === undefined) {
    if (rule.standard) return spec ? { profile: spec } : {};
    // The image needs a security type: take it from the image, with whatever else the spec set.
    return { profile: { ...rule.default!, ...spec } };
  }
  const fits = rule.allows === 'any' || rule.allows.includes(wanted);
  return fits ? { profile: spec! } : { refused: imageSay.securityMismatch(imageId, declared, wanted) };
}

// ------------------------------------------------------------------------------------------ node agent

/** The recorded node agent check from the account's supported images. */
export function nodeAgentStatusOf(
  skuId: string,
  osType: string | undefined,
  skus: readonly NodeAgentSku[],
  nowIso: string,
): NodeAgentStatus {
  const os = osType?.toLowerCase();
  const match = skus.find((s) => s.id.toLowerCase() === skuId.toLowerCase() && (!os || s.osType === os));
  return {
    skuId,
    supported: match !== undefined,
    ...(match?.endOfLife && { endOfLife: match.endOfLife }),
    checkedAt: nowIso,
  };
}

/** The SKUs Batch offers for the image's OS, to name in a refusal. */
export function validSkusFor(
  osType: string | undefined,
  skus: readonly NodeAgentSku[],
  now: number,
): string[] {
  const os = osType?.toLowerCase();
  const ids = skus
    .filter((s) => (!os || s.osType === os) && !(s.endOfLife && Date.parse(s.endOfLife) <= now))
    .map((s) => s.id);
  return [...new Set(ids)].sort();
}

export type NodeAgentVerdict =
  { kind: 'ok'; note?: string } | { kind: 'stalled'; reason: StalledReason; message: string };

/** Before a create: an unknown SKU or one past its end of support is refused; near it, a note. */
export function nodeAgentVerdict(
  agent: NodeAgentStatus | undefined,
  skuId: string,
  poolExists: boolean,
  now: number,
  osType: string | undefined,
  valid: () => string[],
): NodeAgentVerdict {
  if (!agent || agent.skuId !== skuId) return { kind: 'ok' };
  if (!agent.supported) {
    return poolExists
      ? { kind: 'ok' }
      : {
          kind: 'stalled',
          reason: Reason.NodeAgentSkuUnsupported,
          message: imageSay.skuUnsupported(skuId, osType, valid()),
        };
  }
  const eol = agent.endOfLife ? Date.parse(agent.endOfLife) : undefined;
  if (eol === undefined) return { kind: 'ok' };
  if (eol <= now) {
    return poolExists
      ? { kind: 'ok', note: imageSay.skuRetiredRunning(skuId, agent.endOfLife!) }
      : {
          kind: 'stalled',
          reason: Reason.NodeAgentSkuRetired,
          message: imageSay.skuRetired(skuId, agent.endOfLife!, valid()),
        };
  }
  return eol - now <= NODE_AGENT_EOL_WARNING_MS
    ? { kind: 'ok', note: imageSay.skuEndOfLifeSoon(skuId, agent.endOfLife!) }
    : { kind: 'ok' };
}

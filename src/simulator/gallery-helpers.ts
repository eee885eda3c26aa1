// Test helpers behind sim.images.createGalleryImageVersion and the control API's equivalents: a gallery
// image version (and its definition) in a chosen state, as Azure would show it.
import { regionDisplayName, regionKey } from './state/account.ts';
import type {
  GalleryProvisioningState,
  ImageStore,
  RegionReplication,
  VersionSimState,
} from './state/images.ts';
import { parentId, PROVISIONING_STATES, REPLICATION_STATES } from './state/images.ts';

export interface GalleryDefinitionOptions {
  /** The definition's features SecurityType (e.g. TrustedLaunch, TrustedLaunchSupported, ConfidentialVM). */
  securityType?: string;
  osType?: 'Linux' | 'Windows';
  hyperVGeneration?: 'V1' | 'V2';
  /** The definition's identifier (publisher/offer/sku). */
  identifier?: { publisher: string; offer: string; sku: string };
}

export interface GalleryVersionOptions extends GalleryDefinitionOptions {
  resourceGroup?: string;
  /** The version's (and, when they are new, its gallery's and definition's) region. */
  location?: string;
  /** Fixed provisioningState (default Succeeded). */
  provisioningState?: GalleryProvisioningState;
  /**
   * Target regions and their replication, e.g. {westeurope: 'Completed', eastus: 'Replicating'} or
   * {eastus: {state: 'Replicating', progress: 40}}. Default: the version's region, replicated as the
   * provisioningState implies (Completed when Succeeded).
   */
  regions?: Record<string, RegionReplication>;
  /** publishingProfile.excludeFromLatest */
  excludeFromLatest?: boolean;
  /** publishingProfile.endOfLifeDate (ISO 8601) */
  endOfLifeDate?: string;
  /** storageProfile.source.id (default: a placeholder managed image ID) */
  source?: string;
}

function checkState(state: unknown): GalleryProvisioningState | undefined {
  if (state === undefined) return undefined;
  if (!PROVISIONING_STATES.includes(state as GalleryProvisioningState))
    throw new TypeError(`provisioningState must be one of ${PROVISIONING_STATES.join(', ')}`);
  return state as GalleryProvisioningState;
}

function checkRegions(regions: unknown): Record<string, RegionReplication> | undefined {
  if (regions === undefined) return undefined;
  if (typeof regions !== 'object' || regions === null || Array.isArray(regions))
    throw new TypeError('regions must be an object of region → state');
  const out: Record<string, RegionReplication> = {};
  for (const [region, v] of Object.entries(regions)) {
    const state = typeof v === 'string' ? v : (v as { state?: unknown } | null)?.state;
    if (!REPLICATION_STATES.includes(state as never))
      throw new TypeError(
        `the replication state of ${region} must be one of ${REPLICATION_STATES.join(', ')}`,
      );
    out[regionKey(region)] = v as RegionReplication;
  }
  return out;
}

/** Creates the definition if needed and applies the definition options; returns the definition ID. */
export function putGalleryDefinition(
  images: ImageStore,
  definitionId: string,
  options: GalleryDefinitionOptions & { location?: string } = {},
): string {
  const existing = images.get(definitionId);
  const properties: Record<string, unknown> = { ...existing?.properties };
  if (options.osType) properties.osType = options.osType;
  if (options.hyperVGeneration) properties.hyperVGeneration = options.hyperVGeneration;
  if (options.identifier) properties.identifier = options.identifier;
  if (options.securityType !== undefined) {
    const others = Array.isArray(properties.features)
      ? (properties.features as { name?: string }[]).filter((f) => f?.name?.toLowerCase() !== 'securitytype')
      : [];
    properties.features = [...others, { name: 'SecurityType', value: options.securityType }];
  }
  delete properties.provisioningState;
  images.put(
    definitionId,
    {
      ...((options.location ?? existing?.location)
        ? { location: options.location ?? existing?.location }
        : {}),
      properties,
    },
    { createParents: true },
  );
  return definitionId;
}

/** Creates (or replaces) a gallery image version in the given state; returns its ID. */
export function putGalleryVersion(
  images: ImageStore,
  versionId: string,
  options: GalleryVersionOptions = {},
): string {
  const provisioningState = checkState(options.provisioningState);
  const regions = checkRegions(options.regions);
  const definitionId = parentId(versionId) ?? versionId;
  if (
    !images.has(definitionId) ||
    options.securityType ||
    options.osType ||
    options.hyperVGeneration ||
    options.identifier
  )
    putGalleryDefinition(images, definitionId, options);
  const publishingProfile: Record<string, unknown> = {};
  if (regions)
    publishingProfile.targetRegions = Object.keys(regions).map((r) => ({ name: regionDisplayName(r) }));
  if (options.excludeFromLatest !== undefined)
    publishingProfile.excludeFromLatest = options.excludeFromLatest;
  if (options.endOfLifeDate !== undefined) publishingProfile.endOfLifeDate = options.endOfLifeDate;
  const properties: Record<string, unknown> = { publishingProfile };
  if (options.source)
    properties.storageProfile = {
      source: { id: options.source },
      osDiskImage: { sizeInGB: 30, hostCaching: 'ReadOnly' },
    };
  const sim: VersionSimState | undefined =
    provisioningState || regions
      ? { ...(provisioningState ? { provisioningState } : {}), ...(regions ? { regions } : {}) }
      : undefined;
  images.put(
    versionId,
    { ...(options.location ? { location: options.location } : {}), properties },
    { createParents: true, ...(sim ? { sim } : {}) },
  );
  return versionId;
}

/** Changes the fixed provisioning and replication states of an existing version (ends a publishing run). */
export function setVersionState(
  images: ImageStore,
  versionId: string,
  change: { provisioningState?: GalleryProvisioningState; regions?: Record<string, RegionReplication> },
): boolean {
  const resource = images.get(versionId);
  if (!resource || !resource.type.endsWith('/versions')) return false;
  const provisioningState = checkState(change.provisioningState);
  const regions = checkRegions(change.regions);
  const current = images.versionStatus(resource);
  const fixed: Record<string, RegionReplication> = {};
  for (const r of current.regions)
    fixed[r.key] = { state: r.state, progress: r.progress, ...(r.details ? { details: r.details } : {}) };
  Object.assign(fixed, regions);
  const profile = (resource.properties.publishingProfile ?? {}) as Record<string, unknown>;
  const known = new Set(current.regions.map((r) => r.key));
  const added = Object.keys(regions ?? {}).filter((r) => !known.has(r));
  if (added.length > 0)
    resource.properties.publishingProfile = {
      ...profile,
      targetRegions: [
        ...(Array.isArray(profile.targetRegions) ? (profile.targetRegions as unknown[]) : []),
        ...added.map((r) => ({
          name: regionDisplayName(r),
          regionalReplicaCount: 1,
          storageAccountType: 'Standard_LRS',
          excludeFromLatest: false,
        })),
      ],
    };
  resource.sim = { provisioningState: provisioningState ?? current.provisioningState, regions: fixed };
  return true;
}

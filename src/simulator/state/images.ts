// The ARM compute resources the simulator keeps: managed images, galleries, gallery image
// definitions and gallery image versions. Keys are resource IDs lower-cased, because ARM treats
// resource IDs case-insensitively and so does Batch when it counts pools sharing an image.
//
// A gallery image version has a provisioning state and a replication state per target region. Both are
// either fixed (set by a test helper: "this version is Creating", "eastus is still Replicating") or follow a
// publishing run that started with an ARM PUT whose source is a managed image: the copy into the gallery
// takes `provisioningSeconds`, the replication to every other target region `replicationSeconds` more, and
// the version is `Creating` (the long-running operation is InProgress) until all regions are done, as the
// Compute gallery does (a PUT's operation ends when replication has finished, Azure/azure-cli#15539 and
// #16632). State is computed from the clock when it is read; nothing runs in the background.
import type { SimClock } from '../clock.ts';
import { regionDisplayName, regionKey } from './account.ts';

export type ImageKind = 'image' | 'gallery' | 'galleryImage' | 'galleryImageVersion';

export interface ParsedResourceId {
  kind: ImageKind;
  subscriptionId: string;
  resourceGroup: string;
  /** image name, or gallery name for the gallery kinds */
  name: string;
  galleryImage?: string;
  version?: string;
}

const PREFIX = '^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.Compute/';
const PATTERNS: [ImageKind, RegExp][] = [
  ['image', new RegExp(`${PREFIX}images/([^/]+)$`, 'i')],
  ['gallery', new RegExp(`${PREFIX}galleries/([^/]+)$`, 'i')],
  ['galleryImage', new RegExp(`${PREFIX}galleries/([^/]+)/images/([^/]+)$`, 'i')],
  ['galleryImageVersion', new RegExp(`${PREFIX}galleries/([^/]+)/images/([^/]+)/versions/([^/]+)$`, 'i')],
];

export const ARM_TYPES: Record<ImageKind, string> = {
  image: 'Microsoft.Compute/images',
  gallery: 'Microsoft.Compute/galleries',
  galleryImage: 'Microsoft.Compute/galleries/images',
  galleryImageVersion: 'Microsoft.Compute/galleries/images/versions',
};

export function parseResourceId(id: string): ParsedResourceId | undefined {
  for (const [kind, re] of PATTERNS) {
    const m = re.exec(id);
    if (!m) continue;
    const [, subscriptionId = '', resourceGroup = '', name = '', galleryImage, version] = m;
    return { kind, subscriptionId, resourceGroup, name, galleryImage, version };
  }
  return undefined;
}

/** The resource ID that must exist before this one can be created (a gallery for a gallery image, ...). */
export function parentId(id: string): string | undefined {
  const p = parseResourceId(id);
  if (!p || p.kind === 'image' || p.kind === 'gallery') return undefined;
  return id.replace(/\/(images|versions)\/[^/]+$/i, '');
}

export type GalleryProvisioningState =
  'Creating' | 'Updating' | 'Failed' | 'Succeeded' | 'Deleting' | 'Migrating';
export type ReplicationState = 'Unknown' | 'Replicating' | 'Completed' | 'Failed';

export const PROVISIONING_STATES: readonly GalleryProvisioningState[] = [
  'Creating',
  'Updating',
  'Failed',
  'Succeeded',
  'Deleting',
  'Migrating',
];
export const REPLICATION_STATES: readonly ReplicationState[] = [
  'Unknown',
  'Replicating',
  'Completed',
  'Failed',
];

/** A region's replication as a test fixes it: a state, or a state with progress and details. */
export type RegionReplication =
  ReplicationState | { state: ReplicationState; progress?: number; details?: string };

/** A publishing run (from an ARM PUT whose source is a managed image). Times are simulated epoch ms. */
export interface PublishRun {
  operationId: string;
  kind: 'Creating' | 'Updating';
  startedAt: number;
  /** The copy into the gallery is done: the version's own region is replicated. */
  provisionedAt: number;
  /** Every target region is done; the operation ends. */
  replicatedAt: number;
  /** Regions (keys) whose replication fails. */
  failRegions: string[];
  /** Regions (keys) that were already replicated before this run (an update adding regions). */
  done: string[];
  homeRegion: string;
}

/** Simulator-only state of a gallery image version; never on the wire. */
export interface VersionSimState {
  provisioningState?: GalleryProvisioningState;
  regions?: Record<string, RegionReplication>;
  run?: PublishRun;
}

export interface ArmResource {
  id: string;
  name: string;
  type: string;
  location: string;
  tags?: Record<string, string>;
  properties: Record<string, unknown>;
  /** Simulator-only (gallery image versions): how provisioning and replication unfold. */
  sim?: VersionSimState;
}

export interface RegionStatus {
  /** As ARM writes it ("West Europe"). */
  region: string;
  key: string;
  state: ReplicationState;
  progress: number;
  details: string;
}

export interface VersionStatus {
  provisioningState: GalleryProvisioningState;
  regions: RegionStatus[];
  aggregatedState: 'Unknown' | 'InProgress' | 'Completed' | 'Failed';
}

export interface GallerySettings {
  /** Simulated seconds from a publishing PUT until the copy into the gallery is done (home region replicated). */
  provisioningSeconds: number;
  /** Simulated seconds more until every other target region is replicated. */
  replicationSeconds: number;
  /** Retry-After (wall seconds) on the long-running operation's answers. */
  retryAfterSeconds: number;
  /** Regions whose replication fails in the next publishing runs (keys or display names). */
  failRegions: string[];
}

export const DEFAULT_GALLERY: Readonly<GallerySettings> = Object.freeze({
  provisioningSeconds: 60,
  replicationSeconds: 300,
  retryAfterSeconds: 1,
  failRegions: [],
});

/** Why Batch cannot use an image for a new pool in a region. */
export type BatchImageProblem =
  | { kind: 'missing' }
  | { kind: 'notProvisioned'; provisioningState: GalleryProvisioningState }
  | { kind: 'notReplicated'; state: ReplicationState | 'NotTargeted' }
  | { kind: 'noUsableVersion' };

/** A version under a definition, compared the way the gallery picks "latest" (Major.Minor.Patch, numerically). */
function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number(x));
  const pb = b.split('.').map((x) => Number(x));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0 && !Number.isNaN(d)) return d;
  }
  return a.localeCompare(b);
}

interface TargetRegion {
  name: string;
  excludeFromLatest?: boolean;
}

function targetRegions(resource: ArmResource): TargetRegion[] {
  const profile = resource.properties.publishingProfile as { targetRegions?: unknown } | undefined;
  const list = Array.isArray(profile?.targetRegions) ? (profile.targetRegions as TargetRegion[]) : [];
  const named = list.filter((r) => typeof r?.name === 'string');
  return named.length > 0 ? named : [{ name: regionDisplayName(resource.location) }];
}

export class ImageStore {
  readonly #resources = new Map<string, ArmResource>();
  /** Version keys per definition key, so "latest" never scans every resource. */
  readonly #versions = new Map<string, Set<string>>();
  readonly #operations = new Map<string, string>();
  readonly #location: string;
  readonly #clock: SimClock | undefined;
  #operationCounter = 0;
  gallery: GallerySettings = { ...DEFAULT_GALLERY, failRegions: [] };

  constructor(location = 'westeurope', clock?: SimClock) {
    this.#location = location;
    this.#clock = clock;
  }

  get location(): string {
    return this.#location;
  }

  #now(): number {
    return this.#clock?.now() ?? Date.now();
  }

  get(id: string): ArmResource | undefined {
    return this.#resources.get(id.toLowerCase());
  }

  has(id: string): boolean {
    return this.#resources.has(id.toLowerCase());
  }

  list(): ArmResource[] {
    return [...this.#resources.values()];
  }

  setGallery(settings: Partial<GallerySettings>): GallerySettings {
    for (const [k, v] of Object.entries(settings)) {
      if (!(k in DEFAULT_GALLERY)) throw new TypeError(`unknown gallery setting "${k}"`);
      if (k === 'failRegions') {
        if (!Array.isArray(v) || v.some((r) => typeof r !== 'string'))
          throw new TypeError('failRegions must be a list of region names');
      } else if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
        throw new TypeError(`${k} must be a number >= 0`);
    }
    Object.assign(this.gallery, settings);
    this.gallery.failRegions = this.gallery.failRegions.map(regionKey);
    return { ...this.gallery };
  }

  /**
   * Creates or replaces a resource. Missing parents are an error for ARM callers, but the
   * programmatic helpers pass `createParents` so a test can make a gallery image version in one call.
   * `sim` fixes a version's provisioning and replication states (helpers only).
   */
  put(
    id: string,
    body: { location?: string; tags?: Record<string, string>; properties?: Record<string, unknown> } = {},
    options: { createParents?: boolean; sim?: VersionSimState } = {},
  ): { created: boolean; resource: ArmResource } | { missingParent: string } {
    const parsed = parseResourceId(id);
    if (!parsed) throw new Error(`not a compute image resource ID: ${id}`);
    const parent = parentId(id);
    if (parent !== undefined && !this.has(parent)) {
      if (!options.createParents) return { missingParent: parent };
      this.put(parent, { ...(body.location ? { location: body.location } : {}) }, { createParents: true });
    }
    const previous = this.get(id);
    const location = body.location ?? previous?.location ?? this.#location;
    const resource: ArmResource = {
      id: previous?.id ?? id,
      name: id.slice(id.lastIndexOf('/') + 1),
      type: ARM_TYPES[parsed.kind],
      location,
      ...(body.tags ? { tags: body.tags } : {}),
      properties: defaultProperties(parsed, id, location, body.properties ?? {}, this.#now()),
      ...(options.sim ? { sim: options.sim } : {}),
    };
    this.#set(resource);
    return { created: previous === undefined, resource };
  }

  /**
   * An ARM PUT of a gallery image version. A managed image as `storageProfile.source.id` starts a publishing
   * run (a long-running operation); any other source (or none) is taken as already published, as before.
   */
  publishVersion(
    id: string,
    body: { location: string; tags?: Record<string, string>; properties: Record<string, unknown> },
  ):
    | { created: boolean; resource: ArmResource; operationId?: string }
    | { missingParent: string }
    | { missingSource: string } {
    const source = (body.properties.storageProfile as { source?: { id?: unknown } } | undefined)?.source?.id;
    const managed = typeof source === 'string' && parseResourceId(source)?.kind === 'image';
    if (managed && !this.has(source)) return { missingSource: source };
    const previous = this.get(id);
    const result = this.put(id, body);
    if ('missingParent' in result || !managed) return result;
    const now = this.#now();
    const resource = result.resource;
    const regions = targetRegions(resource).map((r) => regionKey(r.name));
    const home = regionKey(resource.location);
    const before = previous ? this.versionStatus(previous) : undefined;
    const done = before ? before.regions.filter((r) => r.state === 'Completed').map((r) => r.key) : [];
    const pending = regions.filter((r) => !done.includes(r));
    const operationId = `${(++this.#operationCounter).toString(16).padStart(8, '0')}-sim0-4000-8000-${now.toString(16).padStart(12, '0').slice(-12)}`;
    const provisionMs = previous && done.includes(home) ? 0 : this.gallery.provisioningSeconds * 1000;
    const others = pending.some((r) => r !== home);
    const provisionedAt = now + provisionMs;
    const run: PublishRun = {
      operationId,
      kind: previous ? 'Updating' : 'Creating',
      startedAt: now,
      provisionedAt,
      replicatedAt: provisionedAt + (others ? this.gallery.replicationSeconds * 1000 : 0),
      failRegions: this.gallery.failRegions.filter((r) => pending.includes(r)),
      done,
      homeRegion: home,
    };
    resource.sim = { run };
    this.#operations.set(operationId, id.toLowerCase());
    return { ...result, operationId };
  }

  /** The resource a long-running operation belongs to (undefined once it is gone). */
  operation(operationId: string): ArmResource | undefined {
    const key = this.#operations.get(operationId);
    return key === undefined ? undefined : this.#resources.get(key);
  }

  /** Deletes a resource and everything under it; false when it did not exist. */
  delete(id: string): boolean {
    const key = id.toLowerCase();
    const resource = this.#resources.get(key);
    if (!resource) return false;
    this.#unset(key);
    for (const k of [...this.#resources.keys()]) if (k.startsWith(`${key}/`)) this.#unset(k);
    return true;
  }

  clear(): void {
    this.#resources.clear();
    this.#versions.clear();
    this.#operations.clear();
    this.gallery = { ...DEFAULT_GALLERY, failRegions: [] };
  }

  /** Provisioning and per-region replication of a gallery image version, as of now. */
  versionStatus(resource: ArmResource, now = this.#now()): VersionStatus {
    const targets = targetRegions(resource);
    const sim = resource.sim;
    let provisioningState: GalleryProvisioningState;
    let regions: RegionStatus[];
    const run = sim?.run;
    if (run) {
      regions = targets.map((t) => {
        const key = regionKey(t.name);
        const end = key === run.homeRegion ? run.provisionedAt : run.replicatedAt;
        if (run.done.includes(key)) return status(t.name, key, 'Completed', 100);
        if (now >= end)
          return run.failRegions.includes(key)
            ? status(t.name, key, 'Failed', 99, 'Failed with internal server error.')
            : status(t.name, key, 'Completed', 100);
        const span = Math.max(1, end - run.startedAt);
        return status(
          t.name,
          key,
          'Replicating',
          Math.min(99, Math.floor(((now - run.startedAt) * 100) / span)),
        );
      });
      if (now < run.replicatedAt) provisioningState = run.kind;
      else provisioningState = regions.some((r) => r.state === 'Failed') ? 'Failed' : 'Succeeded';
    } else {
      provisioningState = sim?.provisioningState ?? 'Succeeded';
      const fallback: ReplicationState =
        provisioningState === 'Succeeded'
          ? 'Completed'
          : provisioningState === 'Failed'
            ? 'Failed'
            : 'Replicating';
      regions = targets.map((t) => {
        const key = regionKey(t.name);
        const fixed = sim?.regions?.[key];
        const state = typeof fixed === 'string' ? fixed : (fixed?.state ?? fallback);
        const progress =
          typeof fixed === 'object' && fixed.progress !== undefined
            ? fixed.progress
            : state === 'Completed'
              ? 100
              : 0;
        const details =
          typeof fixed === 'object' && fixed.details !== undefined
            ? fixed.details
            : state === 'Failed'
              ? 'Failed with internal server error.'
              : '';
        return status(t.name, key, state, progress, details);
      });
    }
    const aggregatedState = regions.some((r) => r.state === 'Failed')
      ? 'Failed'
      : regions.every((r) => r.state === 'Completed')
        ? 'Completed'
        : regions.some((r) => r.state === 'Unknown') && !regions.some((r) => r.state === 'Replicating')
          ? 'Unknown'
          : 'InProgress';
    return { provisioningState, regions, aggregatedState };
  }

  /**
   * Whether Batch can build nodes from this virtualMachineImageId in `region` now, and which version it would
   * use. A managed image must exist. A version must exist, be provisioned (Succeeded) and be replicated
   * (Completed) to the region. A definition means "latest": the highest version (Major.Minor.Patch) that is not
   * excluded from latest (for the version, or for that region) among the usable ones (Learn
   * virtual-machines/shared-image-galleries, "Image versions"). End-of-life dates are informational there
   * ("users will still be able to create VMs from versions past the end-of-life date"), so they do not count.
   */
  resolveForBatch(
    imageId: string,
    region: string = this.#location,
  ): { ok: true; resource: ArmResource } | { ok: false; problem: BatchImageProblem } {
    const parsed = parseResourceId(imageId);
    const resource = this.get(imageId);
    if (!parsed || !resource) return { ok: false, problem: { kind: 'missing' } };
    const key = regionKey(region);
    if (parsed.kind === 'image') return { ok: true, resource };
    if (parsed.kind === 'galleryImageVersion') {
      const problem = this.#versionProblem(resource, key);
      return problem ? { ok: false, problem } : { ok: true, resource };
    }
    if (parsed.kind === 'galleryImage') {
      const candidates = [...(this.#versions.get(imageId.toLowerCase()) ?? [])]
        .map((k) => this.#resources.get(k))
        .filter((r): r is ArmResource => r !== undefined && !excludedFromLatest(r, key))
        .sort((a, b) => compareVersions(b.name, a.name));
      const best = candidates.find((r) => this.#versionProblem(r, key) === undefined);
      return best ? { ok: true, resource: best } : { ok: false, problem: { kind: 'noUsableVersion' } };
    }
    return { ok: false, problem: { kind: 'missing' } };
  }

  /** Whether Batch can allocate nodes from this virtualMachineImageId (see resolveForBatch). */
  usableForBatch(imageId: string, region: string = this.#location): boolean {
    return this.resolveForBatch(imageId, region).ok;
  }

  /** The gallery image definition behind a definition or version ID (undefined for managed images). */
  definitionOf(imageId: string): ArmResource | undefined {
    const parsed = parseResourceId(imageId);
    if (parsed?.kind === 'galleryImage') return this.get(imageId);
    if (parsed?.kind === 'galleryImageVersion') return this.get(parentId(imageId) ?? '');
    return undefined;
  }

  #versionProblem(resource: ArmResource, region: string): BatchImageProblem | undefined {
    const s = this.versionStatus(resource);
    if (s.provisioningState !== 'Succeeded')
      return { kind: 'notProvisioned', provisioningState: s.provisioningState };
    const r = s.regions.find((x) => x.key === region);
    if (!r) return { kind: 'notReplicated', state: 'NotTargeted' };
    if (r.state !== 'Completed') return { kind: 'notReplicated', state: r.state };
    return undefined;
  }

  #set(resource: ArmResource): void {
    const key = resource.id.toLowerCase();
    this.#resources.set(key, resource);
    if (resource.type === ARM_TYPES.galleryImageVersion) {
      const def = key.replace(/\/versions\/[^/]+$/, '');
      let set = this.#versions.get(def);
      if (!set) this.#versions.set(def, (set = new Set()));
      set.add(key);
    }
    if (resource.sim?.run) this.#operations.set(resource.sim.run.operationId, key);
  }

  #unset(key: string): void {
    const resource = this.#resources.get(key);
    this.#resources.delete(key);
    if (resource?.type === ARM_TYPES.galleryImageVersion)
      this.#versions.get(key.replace(/\/versions\/[^/]+$/, ''))?.delete(key);
    if (resource?.type === ARM_TYPES.galleryImage) this.#versions.delete(key);
  }

  snapshot(): ArmResource[] {
    return this.list();
  }

  restore(resources: ArmResource[]): void {
    this.#resources.clear();
    this.#versions.clear();
    this.#operations.clear();
    for (const r of resources) this.#set(r);
  }
}

function status(
  region: string,
  key: string,
  state: ReplicationState,
  progress: number,
  details = '',
): RegionStatus {
  return { region, key, state, progress, details };
}

function excludedFromLatest(resource: ArmResource, region: string): boolean {
  const profile = resource.properties.publishingProfile as { excludeFromLatest?: unknown } | undefined;
  if (profile?.excludeFromLatest === true) return true;
  return targetRegions(resource).some((t) => regionKey(t.name) === region && t.excludeFromLatest === true);
}

// Fills in what Azure fills in, so GET answers look like the examples in the REST API specs.
function defaultProperties(
  p: ParsedResourceId,
  id: string,
  location: string,
  given: Record<string, unknown>,
  now: number,
): Record<string, unknown> {
  const base: Record<string, unknown> = { ...given };
  switch (p.kind) {
    case 'image':
      base.storageProfile ??= {
        osDisk: {
          osType: 'Linux',
          osState: 'Generalized',
          storageAccountType: 'Standard_LRS',
          diskSizeGB: 30,
        },
        dataDisks: [],
        zoneResilient: false,
      };
      break;
    case 'gallery':
      base.identifier ??= { uniqueName: `${p.subscriptionId}-${p.name.toUpperCase()}` };
      break;
    case 'galleryImage':
      base.osType ??= 'Linux';
      base.osState ??= 'Generalized';
      base.hyperVGeneration ??= 'V2';
      base.identifier ??= { publisher: 'simulator', offer: p.name, sku: p.galleryImage ?? 'default' };
      break;
    case 'galleryImageVersion': {
      const given = (base.publishingProfile ?? {}) as Record<string, unknown>;
      const regions = Array.isArray(given.targetRegions)
        ? (given.targetRegions as Record<string, unknown>[])
        : [{ name: regionDisplayName(location) }];
      base.publishingProfile = {
        ...given,
        targetRegions: regions.map((r) => ({
          ...r,
          regionalReplicaCount: r.regionalReplicaCount ?? 1,
          storageAccountType: r.storageAccountType ?? 'Standard_LRS',
          excludeFromLatest: r.excludeFromLatest ?? false,
        })),
        replicaCount: given.replicaCount ?? 1,
        excludeFromLatest: given.excludeFromLatest ?? false,
        publishedDate: given.publishedDate ?? new Date(now).toISOString(),
        storageAccountType: given.storageAccountType ?? 'Standard_LRS',
      };
      base.storageProfile ??= {
        source: { id: id.replace(/\/galleries\/.*$/i, '/images/source-image') },
        osDiskImage: { sizeInGB: 30, hostCaching: 'ReadOnly' },
      };
      const storage = base.storageProfile as Record<string, unknown>;
      storage.osDiskImage ??= { sizeInGB: 30, hostCaching: 'ReadOnly' };
      base.safetyProfile ??= {
        allowDeletionOfReplicatedLocations: false,
        reportedForPolicyViolation: false,
        blockDeletionBeforeEndOfLife: false,
      };
      break;
    }
  }
  base.provisioningState = 'Succeeded';
  return base;
}

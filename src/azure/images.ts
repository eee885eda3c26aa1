// Images through @azure/arm-compute, as Batch will judge them: a managed image (retired for new pools, but
// still behind existing ones), a gallery image version (provisioned? replicated to the account's region? end
// of life?), or a gallery image definition, which means its latest usable version. The definition's features
// give the security type a pool must match. Publishing a managed image as a gallery version is an ARM PUT
// whose long-running operation is not awaited here: the reconciler looks at the version on later passes.
// One client per subscription and identity; 404 means missing.

import { ComputeManagementClient } from '@azure/arm-compute';
import type { TokenCredential } from '@azure/identity';
import { realClock, type Clock } from '../clock.ts';
import { failureOf } from '../errors.ts';
import type {
  GalleryVersionFacts,
  ImageChecker,
  ImageDefinitionFacts,
  ImageFacts,
  PublishRequest,
  Replication,
} from './ports.ts';
import { withRetry, type RetryOptions } from './retry.ts';

export type ImageRef =
  | { kind: 'managed'; subscriptionId: string; resourceGroup: string; name: string }
  | {
      kind: 'galleryVersion';
      subscriptionId: string;
      resourceGroup: string;
      gallery: string;
      image: string;
      version: string;
    }
  | { kind: 'galleryImage'; subscriptionId: string; resourceGroup: string; gallery: string; image: string };

const SEG = '([^/]+)';
const BASE = `^/subscriptions/${SEG}/resourceGroups/${SEG}/providers/Microsoft\\.Compute`;
const MANAGED = new RegExp(`${BASE}/images/${SEG}/?$`, 'i');
const VERSION = new RegExp(`${BASE}/galleries/${SEG}/images/${SEG}/versions/${SEG}/?$`, 'i');
const GALLERY_IMAGE = new RegExp(`${BASE}/galleries/${SEG}/images/${SEG}/?$`, 'i');

/** Parses a managed image, gallery image version or gallery image resource ID; undefined otherwise. */
export function parseImageId(id: string): ImageRef | undefined {
  let m = VERSION.exec(id);
  if (m)
    return {
      kind: 'galleryVersion',
      subscriptionId: m[1]!,
      resourceGroup: m[2]!,
      gallery: m[3]!,
      image: m[4]!,
      version: m[5]!,
    };
  m = GALLERY_IMAGE.exec(id);
  if (m)
    return {
      kind: 'galleryImage',
      subscriptionId: m[1]!,
      resourceGroup: m[2]!,
      gallery: m[3]!,
      image: m[4]!,
    };
  m = MANAGED.exec(id);
  if (m) return { kind: 'managed', subscriptionId: m[1]!, resourceGroup: m[2]!, name: m[3]! };
  return undefined;
}

/** ARM writes regions both as names (westeurope) and display names (West Europe). */
export function regionKey(region: string): string {
  return region.replace(/\s+/g, '').toLowerCase();
}

/** Major.Minor.Patch, compared numerically, as the gallery picks "latest". */
function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0 && !Number.isNaN(d)) return d;
  }
  return a.localeCompare(b);
}

interface VersionLike {
  id?: string;
  name?: string;
  provisioningState?: string;
  publishingProfile?: {
    excludeFromLatest?: boolean;
    endOfLifeDate?: Date;
    targetRegions?: { name?: string; excludeFromLatest?: boolean }[];
  };
  replicationStatus?: {
    aggregatedState?: string;
    summary?: { region?: string; state?: string; progress?: number }[];
  };
}

function excludedFromLatest(v: VersionLike, region: string | undefined): boolean {
  if (v.publishingProfile?.excludeFromLatest) return true;
  if (!region) return false;
  const target = v.publishingProfile?.targetRegions?.find((t) => regionKey(t.name ?? '') === region);
  return target?.excludeFromLatest === true;
}

const REPLICATION: ReadonlySet<string> = new Set(['Completed', 'Replicating', 'Failed', 'Unknown']);

function replicationOf(
  v: VersionLike,
  region: string | undefined,
): Pick<GalleryVersionFacts, 'replication' | 'progress'> {
  const status = v.replicationStatus;
  const known = (s: string | undefined): Replication =>
    s && REPLICATION.has(s) ? (s as Replication) : 'Unknown';
  if (!region) {
    const agg = status?.aggregatedState;
    return { replication: agg === 'InProgress' ? 'Replicating' : known(agg) };
  }
  const targeted = v.publishingProfile?.targetRegions?.some((t) => regionKey(t.name ?? '') === region);
  const entry = status?.summary?.find((r) => regionKey(r.region ?? '') === region);
  if (!entry) return { replication: targeted === false ? 'NotTargeted' : 'Unknown' };
  return {
    replication: known(entry.state),
    ...(entry.state === 'Replicating' && entry.progress !== undefined && { progress: entry.progress }),
  };
}

function versionFacts(v: VersionLike, region: string | undefined): GalleryVersionFacts {
  const eol = v.publishingProfile?.endOfLifeDate;
  return {
    id: v.id ?? '',
    provisioningState: v.provisioningState ?? 'Unknown',
    ...replicationOf(v, region),
    ...(eol instanceof Date && !Number.isNaN(eol.getTime()) && { endOfLifeDate: eol.toISOString() }),
  };
}

/** Usable for a new pool: provisioned and replicated to the region. End of life is informational to Azure. */
export function isUsable(v: GalleryVersionFacts): boolean {
  return v.provisioningState === 'Succeeded' && v.replication === 'Completed';
}

export interface ImagesOptions {
  armEndpoint: string;
  ca?: string;
  retry?: RetryOptions;
  onCall?: (operation: string) => void;
  /** How long an image definition's facts (OS, security type) are reused (default 1 h). */
  definitionTtlMs?: number;
  clock?: Clock;
}

/** A definition's OS type and security features change rarely, if ever: one read an hour is plenty. */
const DEFINITION_TTL_MS = 3_600_000;

export class ImagesAdapter implements ImageChecker {
  private readonly cred: TokenCredential;
  private readonly o: ImagesOptions;
  private readonly clients = new Map<string, ComputeManagementClient>();
  private readonly definitions = new Map<string, { at: number; facts: ImageDefinitionFacts | undefined }>();
  private readonly clock: Clock;

  constructor(cred: TokenCredential, options: ImagesOptions) {
    this.cred = cred;
    this.o = options;
    this.clock = options.clock ?? options.retry?.clock ?? realClock;
  }

  private client(subscriptionId: string): ComputeManagementClient {
    const key = subscriptionId.toLowerCase();
    let c = this.clients.get(key);
    if (!c) {
      c = new ComputeManagementClient(this.cred, subscriptionId, {
        endpoint: this.o.armEndpoint,
        retryOptions: { maxRetries: 0 },
        ...(this.o.ca && { tlsOptions: { ca: this.o.ca } }),
      });
      this.clients.set(key, c);
    }
    return c;
  }

  private call<T>(operation: string, fn: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    return withRetry(
      operation,
      (abortSignal) => {
        this.o.onCall?.(operation);
        return fn(abortSignal);
      },
      this.o.retry,
    );
  }

  /** The resource, or undefined on 404. */
  private async get<T>(
    operation: string,
    fn: (abortSignal: AbortSignal) => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await this.call(operation, fn);
    } catch (err) {
      if (failureOf(err).kind === 'not-found') return undefined;
      throw err;
    }
  }

  async inspect(imageId: string, region: string | undefined): Promise<ImageFacts> {
    const ref = parseImageId(imageId);
    if (!ref) return { kind: 'missing' };
    const c = this.client(ref.subscriptionId);
    const key = region ? regionKey(region) : undefined;
    if (ref.kind === 'managed') {
      const image = await this.get('images.get', (abortSignal) =>
        c.images.get(ref.resourceGroup, ref.name, { abortSignal }),
      );
      if (!image) return { kind: 'missing' };
      const osType = image.storageProfile?.osDisk?.osType;
      return { kind: 'managed', ...(osType && { osType }) };
    }
    const definition = await this.definition(c, ref);
    if (!definition) return { kind: 'missing' };
    if (ref.kind === 'galleryVersion') {
      const v = await this.version(c, ref, ref.version);
      return v ? { kind: 'galleryVersion', definition, version: versionFacts(v, key) } : { kind: 'missing' };
    }
    return { kind: 'galleryImage', definition, ...(await this.latest(c, ref, key)) };
  }

  private async definition(
    c: ComputeManagementClient,
    ref: Exclude<ImageRef, { kind: 'managed' }>,
  ): Promise<ImageDefinitionFacts | undefined> {
    const key = `${ref.subscriptionId}/${ref.resourceGroup}/${ref.gallery}/${ref.image}`.toLowerCase();
    const now = this.clock.now();
    const cached = this.definitions.get(key);
    // A definition found missing is asked again every time: it may be created any moment.
    if (cached?.facts && now - cached.at < (this.o.definitionTtlMs ?? DEFINITION_TTL_MS)) return cached.facts;
    const facts = await this.readDefinition(c, ref);
    this.definitions.set(key, { at: now, facts });
    return facts;
  }

  private async readDefinition(
    c: ComputeManagementClient,
    ref: Exclude<ImageRef, { kind: 'managed' }>,
  ): Promise<ImageDefinitionFacts | undefined> {
    const d = await this.get('galleryImages.get', (abortSignal) =>
      c.galleryImages.get(ref.resourceGroup, ref.gallery, ref.image, { abortSignal }),
    );
    if (!d) return undefined;
    const securityType = d.features?.find((f) => f.name?.toLowerCase() === 'securitytype')?.value;
    return {
      ...(d.osType && { osType: d.osType }),
      ...(securityType && { securityType }),
      ...(d.hyperVGeneration && { hyperVGeneration: d.hyperVGeneration }),
    };
  }

  private version(
    c: ComputeManagementClient,
    ref: Exclude<ImageRef, { kind: 'managed' }>,
    version: string,
  ): Promise<VersionLike | undefined> {
    return this.get('galleryImageVersions.get', (abortSignal) =>
      c.galleryImageVersions.get(ref.resourceGroup, ref.gallery, ref.image, version, {
        expand: 'ReplicationStatus',
        abortSignal,
      }),
    );
  }

  /**
   * "Latest" as the gallery means it: the highest Major.Minor.Patch not excluded from latest (for the version,
   * or for the region). The list carries no replication status, so candidates are read one by one, highest
   * first, until one is usable — usually the first.
   */
  private async latest(
    c: ComputeManagementClient,
    ref: Extract<ImageRef, { kind: 'galleryImage' }>,
    region: string | undefined,
  ): Promise<{ latest?: GalleryVersionFacts; newest?: GalleryVersionFacts }> {
    const listed = await this.call('galleryImageVersions.listByGalleryImage', async (abortSignal) => {
      const out: VersionLike[] = [];
      for await (const v of c.galleryImageVersions.listByGalleryImage(
        ref.resourceGroup,
        ref.gallery,
        ref.image,
        {
          abortSignal,
        },
      ))
        out.push(v);
      return out;
    });
    const candidates = listed
      .filter((v) => v.name && !excludedFromLatest(v, region))
      .sort((a, b) => compareVersions(b.name!, a.name!));
    let newest: GalleryVersionFacts | undefined;
    for (const candidate of candidates) {
      const full = await this.version(c, ref, candidate.name!);
      if (!full) continue;
      const facts = versionFacts(full, region);
      newest ??= facts;
      if (isUsable(facts)) return { latest: facts, newest };
    }
    return newest ? { newest } : {};
  }

  async publish(r: PublishRequest): Promise<void> {
    const ref = parseImageId(r.versionId);
    if (ref?.kind !== 'galleryVersion') throw new Error(`not a gallery image version ID: ${r.versionId}`);
    const c = this.client(ref.subscriptionId);
    // A version lives in its gallery's region and is replicated from there; Batch needs a replica in its own.
    const gallery = await this.call('galleries.get', (abortSignal) =>
      c.galleries.get(ref.resourceGroup, ref.gallery, { abortSignal }),
    );
    const home = gallery.location;
    const regions = [...new Set([home, r.region].filter((x): x is string => !!x).map(regionKey))];
    await this.call('galleryImageVersions.createOrUpdate', async (abortSignal) => {
      // The PUT's first answer is all we wait for; its long-running operation is watched by later reconciles.
      await c.galleryImageVersions.beginCreateOrUpdate(
        ref.resourceGroup,
        ref.gallery,
        ref.image,
        ref.version,
        {
          location: home,
          publishingProfile: { targetRegions: regions.map((name) => ({ name })) },
          storageProfile: { source: { id: r.sourceImageId } },
        },
        { abortSignal },
      );
    });
  }
}

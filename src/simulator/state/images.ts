// The ARM compute resources the simulator keeps: managed images, galleries, gallery image
// definitions and gallery image versions. Keys are resource IDs lower-cased, because ARM treats
// resource IDs case-insensitively and so does Batch when it counts pools sharing an image.

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

export interface ArmResource {
  id: string;
  name: string;
  type: string;
  location: string;
  tags?: Record<string, string>;
  properties: Record<string, unknown>;
}

export class ImageStore {
  readonly #resources = new Map<string, ArmResource>();
  readonly #location: string;

  constructor(location = 'westeurope') {
    this.#location = location;
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

  /**
   * Creates or replaces a resource. Missing parents are an error for ARM callers, but the
   * programmatic helpers pass `createParents` so a test can make a gallery image version in one call.
   */
  put(
    id: string,
    body: { location?: string; tags?: Record<string, string>; properties?: Record<string, unknown> } = {},
    options: { createParents?: boolean } = {},
  ): { created: boolean; resource: ArmResource } | { missingParent: string } {
    const parsed = parseResourceId(id);
    if (!parsed) throw new Error(`not a compute image resource ID: ${id}`);
    const parent = parentId(id);
    if (parent !== undefined && !this.has(parent)) {
      if (!options.createParents) return { missingParent: parent };
      this.put(parent, { location: body.location }, options);
    }
    const previous = this.get(id);
    const resource: ArmResource = {
      id: previous?.id ?? id,
      name: id.slice(id.lastIndexOf('/') + 1),
      type: ARM_TYPES[parsed.kind],
      location: body.location ?? previous?.location ?? this.#location,
      ...(body.tags ? { tags: body.tags } : {}),
      properties: defaultProperties(parsed, id, body.properties ?? {}),
    };
    this.#resources.set(id.toLowerCase(), resource);
    return { created: previous === undefined, resource };
  }

  /** Deletes a resource and everything under it; false when it did not exist. */
  delete(id: string): boolean {
    const key = id.toLowerCase();
    if (!this.#resources.delete(key)) return false;
    for (const k of [...this.#resources.keys()]) if (k.startsWith(`${key}/`)) this.#resources.delete(k);
    return true;
  }

  clear(): void {
    this.#resources.clear();
  }

  /**
   * Whether Batch can allocate nodes from this virtualMachineImageId: a managed image or gallery
   * image version must exist; a gallery image definition (meaning "latest") needs at least one version.
   */
  usableForBatch(imageId: string): boolean {
    const parsed = parseResourceId(imageId);
    if (!parsed) return false;
    if (parsed.kind === 'galleryImage') {
      const prefix = `${imageId.toLowerCase()}/versions/`;
      return this.has(imageId) && [...this.#resources.keys()].some((k) => k.startsWith(prefix));
    }
    return (parsed.kind === 'image' || parsed.kind === 'galleryImageVersion') && this.has(imageId);
  }

  snapshot(): ArmResource[] {
    return this.list();
  }

  restore(resources: ArmResource[]): void {
    this.#resources.clear();
    for (const r of resources) this.#resources.set(r.id.toLowerCase(), r);
  }
}

// Fills in what Azure fills in, so GET answers look like the examples in the REST API specs.
function defaultProperties(
  p: ParsedResourceId,
  id: string,
  given: Record<string, unknown>,
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
    case 'galleryImageVersion':
      base.publishingProfile ??= {
        targetRegions: [
          {
            name: 'West Europe',
            regionalReplicaCount: 1,
            storageAccountType: 'Standard_LRS',
            excludeFromLatest: false,
          },
        ],
        replicaCount: 1,
        publishedDate: new Date().toISOString(),
        storageAccountType: 'Standard_LRS',
      };
      base.storageProfile ??= {
        source: { id: id.replace(/\/galleries\/.*$/i, '/images/source-image') },
        osDiskImage: { sizeInGB: 30, hostCaching: 'ReadOnly' },
      };
      base.safetyProfile ??= { allowDeletionOfReplicatedLocations: false, reportedForPolicyViolation: false };
      break;
  }
  base.provisioningState = 'Succeeded';
  return base;
}

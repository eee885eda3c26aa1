// The one Batch account the simulator serves: its region, its quotas, the VM sizes Batch offers in each
// region, and the images and node agent SKUs it supports (GET /supportedimages). Everything here is
// configurable; the defaults are documented, with their sources, in docs/simulator.md.

/** A VM size Batch offers, and where. */
export interface VmSize {
  /** Azure's name, e.g. Standard_D4s_v5 (matched case-insensitively, as Batch does). */
  name: string;
  /** The quota family, as the management plane names it (e.g. standardDSv5Family). */
  family: string;
  vCPUs: number;
  /** Regions (lower-case, no spaces) where Batch offers it; undefined = every region. */
  regions?: string[];
}

/** BatchSupportedImage of the 2025-06-01 data plane (wire names). */
export interface SupportedImage {
  nodeAgentSKUId: string;
  imageReference: { publisher: string; offer: string; sku: string; version: string };
  osType: 'linux' | 'windows';
  capabilities?: string[];
  /** ISO 8601; "The time when the Azure Batch service will stop accepting create Pool requests for the Image." */
  batchSupportEndOfLife?: string;
  verificationType: 'verified' | 'unverified';
}

export interface Quotas {
  /** Pools per account (Learn batch-quota-limit: default 0–100, maximum 500). */
  pools: number;
  /** Dedicated vCPUs per account (Learn: default 0–900). */
  dedicatedCores: number;
  /** Spot/low-priority vCPUs per account (Learn: default 0–100). */
  lowPriorityCores: number;
}

/** The top of Learn's default ranges (batch-quota-limit, "Resource quotas"). */
export const DEFAULT_QUOTAS: Readonly<Quotas> = Object.freeze({
  pools: 100,
  dedicatedCores: 900,
  lowPriorityCores: 100,
});

const sizes = (family: string, pattern: string, cores: number[], regions?: string[]): VmSize[] =>
  cores.map((n) => ({
    name: pattern.replace('#', String(n)),
    family,
    vCPUs: n,
    ...(regions ? { regions } : {}),
  }));

/**
 * An illustrative catalogue of sizes Batch offers today: general-purpose, memory and compute families of the
 * v3/v5/v6 generations everywhere; a few GPU and HPC sizes only in some regions. Basic and Standard_A sizes
 * are gone (retired for Batch, Azure/Batch#140, 2024-04-02). Regional availability is a plausible sample, not
 * a copy of Azure's: configure `vmSizes` when a test needs particular sizes.
 */
export const DEFAULT_VM_SIZES: readonly VmSize[] = Object.freeze([
  ...sizes('standardDSv3Family', 'Standard_D#s_v3', [2, 4, 8, 16, 32, 48, 64]),
  ...sizes('standardDv3Family', 'Standard_D#_v3', [2, 4, 8, 16, 32, 48, 64]),
  ...sizes('standardDSv5Family', 'Standard_D#s_v5', [2, 4, 8, 16, 32, 48, 64, 96]),
  ...sizes('standardDv5Family', 'Standard_D#_v5', [2, 4, 8, 16, 32, 48, 64, 96]),
  ...sizes('standardDDSv5Family', 'Standard_D#ds_v5', [2, 4, 8, 16, 32, 48, 64, 96]),
  ...sizes('standardDASv5Family', 'Standard_D#as_v5', [2, 4, 8, 16, 32, 48, 64, 96]),
  ...sizes('standardESv5Family', 'Standard_E#s_v5', [2, 4, 8, 16, 20, 32, 48, 64, 96, 104]),
  ...sizes('standardEv5Family', 'Standard_E#_v5', [2, 4, 8, 16, 20, 32, 48, 64, 96, 104]),
  ...sizes('standardFSv2Family', 'Standard_F#s_v2', [2, 4, 8, 16, 32, 48, 64, 72]),
  ...sizes(
    'standardDSv6Family',
    'Standard_D#s_v6',
    [2, 4, 8, 16, 32, 48, 64, 96, 128],
    ['westeurope', 'northeurope', 'eastus', 'eastus2', 'westus2', 'swedencentral'],
  ),
  ...sizes(
    'standardNCADSA100v4Family',
    'Standard_NC#ads_A100_v4',
    [24, 48, 96],
    ['eastus', 'eastus2', 'southcentralus', 'westus2'],
  ),
  ...sizes(
    'standardNCASv3_T4Family',
    'Standard_NC#as_T4_v3',
    [4, 8, 16, 64],
    ['westeurope', 'northeurope', 'eastus', 'westus2', 'southcentralus', 'uksouth'],
  ),
  ...sizes('standardHBv4Family', 'Standard_HB#rs_v4', [176], ['eastus', 'southcentralus', 'westus3']),
]);

const jammy = { publisher: 'canonical', offer: '0001-com-ubuntu-server-jammy' };
const UBUNTU_2204_EOL = '2027-06-30T00:00:00.0000000Z'; // Azure/Batch#200
const UBUNTU_2004_EOL = '2025-04-23T00:00:00.0000000Z'; // Azure/Batch#174

/**
 * What List Supported Images answers by default: Ubuntu 24.04 and 22.04 (with 22.04's end of life), the retired
 * 20.04 (its end of life is in the past: pools can no longer be created), Windows Server, and the DSVM HPC images.
 */
export const DEFAULT_SUPPORTED_IMAGES: readonly SupportedImage[] = Object.freeze([
  {
    nodeAgentSKUId: 'batch.node.ubuntu 24.04',
    imageReference: { publisher: 'canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' },
    osType: 'linux',
    capabilities: ['DockerCompatible'],
    verificationType: 'verified',
  },
  {
    nodeAgentSKUId: 'batch.node.ubuntu 24.04',
    imageReference: { publisher: 'microsoft-dsvm', offer: 'ubuntu-hpc', sku: '2404', version: 'latest' },
    osType: 'linux',
    capabilities: ['DockerCompatible', 'NvidiaTeslaDriverInstalled', 'SupportsRDMAOnly'],
    verificationType: 'verified',
  },
  {
    nodeAgentSKUId: 'batch.node.ubuntu 22.04',
    imageReference: { ...jammy, sku: '22_04-lts', version: 'latest' },
    osType: 'linux',
    batchSupportEndOfLife: UBUNTU_2204_EOL,
    verificationType: 'verified',
  },
  {
    nodeAgentSKUId: 'batch.node.ubuntu 22.04',
    imageReference: { ...jammy, sku: '22_04-lts-gen2', version: 'latest' },
    osType: 'linux',
    batchSupportEndOfLife: UBUNTU_2204_EOL,
    verificationType: 'verified',
  },
  {
    nodeAgentSKUId: 'batch.node.ubuntu 22.04',
    imageReference: { publisher: 'microsoft-dsvm', offer: 'ubuntu-hpc', sku: '2204', version: 'latest' },
    osType: 'linux',
    capabilities: ['DockerCompatible', 'NvidiaTeslaDriverInstalled', 'SupportsRDMAOnly'],
    batchSupportEndOfLife: UBUNTU_2204_EOL,
    verificationType: 'verified',
  },
  {
    nodeAgentSKUId: 'batch.node.ubuntu 20.04',
    imageReference: {
      publisher: 'canonical',
      offer: '0001-com-ubuntu-server-focal',
      sku: '20_04-lts',
      version: 'latest',
    },
    osType: 'linux',
    batchSupportEndOfLife: UBUNTU_2004_EOL,
    verificationType: 'verified',
  },
  {
    nodeAgentSKUId: 'batch.node.windows amd64',
    imageReference: {
      publisher: 'microsoftwindowsserver',
      offer: 'windowsserver',
      sku: '2022-datacenter',
      version: 'latest',
    },
    osType: 'windows',
    capabilities: ['DockerCompatible'],
    verificationType: 'verified',
  },
  {
    nodeAgentSKUId: 'batch.node.windows amd64',
    imageReference: {
      publisher: 'microsoftwindowsserver',
      offer: 'windowsserver',
      sku: '2019-datacenter',
      version: 'latest',
    },
    osType: 'windows',
    verificationType: 'verified',
  },
  {
    nodeAgentSKUId: 'batch.node.windows amd64',
    imageReference: {
      publisher: 'microsoftwindowsserver',
      offer: 'windowsserver',
      sku: '2016-datacenter',
      version: 'latest',
    },
    osType: 'windows',
    // Our choice: the publisher's end of extended support (Batch announced the retirement, Azure/Batch#140).
    batchSupportEndOfLife: '2027-01-12T00:00:00.0000000Z',
    verificationType: 'verified',
  },
]);

/** westeurope, "West Europe", "WestEurope" → westeurope (how ARM compares region names). */
export function regionKey(name: string): string {
  return name.replace(/\s+/g, '').toLowerCase();
}

const DISPLAY_NAMES: Record<string, string> = {
  westeurope: 'West Europe',
  northeurope: 'North Europe',
  eastus: 'East US',
  eastus2: 'East US 2',
  westus: 'West US',
  westus2: 'West US 2',
  westus3: 'West US 3',
  southcentralus: 'South Central US',
  uksouth: 'UK South',
  swedencentral: 'Sweden Central',
};

/** The display name ARM writes in targetRegions and replication summaries ("West Europe"). */
export function regionDisplayName(name: string): string {
  return DISPLAY_NAMES[regionKey(name)] ?? name;
}

export interface AccountOptions {
  name?: string;
  resourceGroup?: string;
  location?: string;
  quotas?: Partial<Quotas>;
  vmSizes?: readonly VmSize[];
  supportedImages?: readonly SupportedImage[];
}

/** What a node agent SKU looks like to a pool create at one instant. */
export type SkuStatus = { kind: 'unknown' } | { kind: 'retired'; endOfLife: string } | { kind: 'supported' };

export class BatchAccount {
  readonly name: string;
  readonly resourceGroup: string;
  readonly location: string;
  quotas: Quotas;
  #vmSizes = new Map<string, VmSize>();
  #supportedImages: SupportedImage[] = [];
  readonly #initial: {
    quotas: Quotas;
    vmSizes: readonly VmSize[];
    supportedImages: readonly SupportedImage[];
  };

  constructor(options: AccountOptions = {}) {
    this.name = options.name ?? 'simbatch';
    this.resourceGroup = options.resourceGroup ?? 'batch-rg';
    this.location = regionKey(options.location ?? 'westeurope');
    this.quotas = { ...DEFAULT_QUOTAS, ...options.quotas };
    this.#initial = {
      quotas: { ...this.quotas },
      vmSizes: options.vmSizes ?? DEFAULT_VM_SIZES,
      supportedImages: options.supportedImages ?? DEFAULT_SUPPORTED_IMAGES,
    };
    this.setVmSizes(this.#initial.vmSizes);
    this.setSupportedImages(this.#initial.supportedImages);
  }

  /** Back to the sizes, images and quotas the account started with. */
  reset(): void {
    this.quotas = { ...this.#initial.quotas };
    this.setVmSizes(this.#initial.vmSizes);
    this.setSupportedImages(this.#initial.supportedImages);
  }

  setQuotas(q: Partial<Quotas>): Quotas {
    for (const [k, v] of Object.entries(q)) {
      if (!(k in DEFAULT_QUOTAS))
        throw new TypeError(`unknown quota "${k}" (known: pools, dedicatedCores, lowPriorityCores)`);
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
        throw new TypeError(`quota ${k} must be an integer >= 0`);
    }
    Object.assign(this.quotas, q);
    return { ...this.quotas };
  }

  setVmSizes(list: readonly VmSize[]): void {
    const next = new Map<string, VmSize>();
    for (const s of list) {
      if (typeof s?.name !== 'string' || !Number.isInteger(s.vCPUs) || s.vCPUs < 1)
        throw new TypeError('each VM size needs a name and an integer vCPUs >= 1');
      next.set(s.name.toLowerCase(), {
        name: s.name,
        family: typeof s.family === 'string' ? s.family : 'unknownFamily',
        vCPUs: s.vCPUs,
        ...(Array.isArray(s.regions) ? { regions: s.regions.map(regionKey) } : {}),
      });
    }
    this.#vmSizes = next;
  }

  vmSizes(): VmSize[] {
    return [...this.#vmSizes.values()];
  }

  /** The size as Batch offers it in this account's region, or why not. */
  vmSize(name: string): { size: VmSize } | { missing: 'unknown' | 'region' } {
    const size = this.#vmSizes.get(name.toLowerCase());
    if (!size) return { missing: 'unknown' };
    if (size.regions && !size.regions.includes(this.location)) return { missing: 'region' };
    return { size };
  }

  /** vCPUs of a size, for core quotas (1 for a size the catalogue does not know). */
  coresOf(name: string): number {
    return this.#vmSizes.get(name.toLowerCase())?.vCPUs ?? 1;
  }

  setSupportedImages(list: readonly SupportedImage[]): void {
    for (const i of list)
      if (typeof i?.nodeAgentSKUId !== 'string' || typeof i.imageReference !== 'object')
        throw new TypeError('each supported image needs a nodeAgentSKUId and an imageReference');
    this.#supportedImages = list.map((i) => structuredClone(i));
  }

  supportedImages(): SupportedImage[] {
    return this.#supportedImages;
  }

  /**
   * A node agent SKU at `now`: unknown when no supported image names it; retired when every image that names
   * it is past its batchSupportEndOfLife (Azure/Batch#200: after the date "Azure Batch will remove support for
   * the batch.node.ubuntu 22.04 compute node agent"; the model's doc: "will stop accepting create Pool
   * requests for the Image").
   */
  nodeAgentSku(id: string, now: number): SkuStatus {
    const lower = id.toLowerCase();
    const images = this.#supportedImages.filter((i) => i.nodeAgentSKUId.toLowerCase() === lower);
    if (images.length === 0) return { kind: 'unknown' };
    const ends = images.map((i) =>
      i.batchSupportEndOfLife ? Date.parse(i.batchSupportEndOfLife) : Infinity,
    );
    const last = Math.max(...ends);
    if (last <= now) {
      const img = images[ends.indexOf(last)];
      return { kind: 'retired', endOfLife: img?.batchSupportEndOfLife ?? '' };
    }
    return { kind: 'supported' };
  }

  /** The supported-image entry for a marketplace reference, if the list has one. */
  marketplaceImage(ref: { publisher?: unknown; offer?: unknown; sku?: unknown }): SupportedImage | undefined {
    const eq = (a: unknown, b: string) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase();
    return this.#supportedImages.find(
      (i) =>
        eq(ref.publisher, i.imageReference.publisher) &&
        eq(ref.offer, i.imageReference.offer) &&
        eq(ref.sku, i.imageReference.sku),
    );
  }

  /** The management-plane resource ID of the account. */
  resourceId(subscriptionId: string): string {
    return `/subscriptions/${subscriptionId}/resourceGroups/${this.resourceGroup}/providers/Microsoft.Batch/batchAccounts/${this.name}`;
  }

  snapshot(): { quotas: Quotas; vmSizes: VmSize[]; supportedImages: SupportedImage[] } {
    return { quotas: { ...this.quotas }, vmSizes: this.vmSizes(), supportedImages: this.supportedImages() };
  }

  restore(s: { quotas?: Quotas; vmSizes?: VmSize[]; supportedImages?: SupportedImage[] } | undefined): void {
    if (!s) return;
    if (s.quotas) this.quotas = { ...DEFAULT_QUOTAS, ...s.quotas };
    if (s.vmSizes) this.setVmSizes(s.vmSizes);
    if (s.supportedImages) this.setSupportedImages(s.supportedImages);
  }
}

// Everything the simulator knows, in one place: clock, the Batch account (region, quotas, VM sizes,
// supported images), images, pools, faults, access rules, compatibility switches, token issuer and request
// log. The HTTP APIs, the control API and the in-process helpers all act on it.
import type { SimClock } from './clock.ts';
import { AccessControl } from './auth.ts';
import type { CompatOptions } from './compat.ts';
import { DEFAULT_COMPAT, readCompat } from './compat.ts';
import type { AllocationSettings } from './faults.ts';
import type { NodeSettings } from './state/nodes.ts';
import { Faults } from './faults.ts';
import { azureTime } from './http-util.ts';
import { RequestLog } from './request-log.ts';
import type { AccountOptions, Quotas, SupportedImage, VmSize } from './state/account.ts';
import { BatchAccount } from './state/account.ts';
import { DEFAULT_API_VERSIONS } from './state/api-versions.ts';
import type { ArmResource, GallerySettings } from './state/images.ts';
import { ImageStore } from './state/images.ts';
import { IdentityStore } from './state/identities.ts';
import type { SecurityMismatchMode } from './state/security.ts';
import { poolSecurityType } from './state/security.ts';
import type { PoolRecord, PoolView } from './state/pools.ts';
import { PoolModel } from './state/pools.ts';
import { TokenIssuer } from './tokens.ts';

/** What the inspection helpers and GET /_sim/pools show: the wire fields plus the plan behind them. */
export interface SimPoolView {
  id: string;
  state: PoolView['state'];
  allocationState: PoolView['allocationState'];
  currentDedicatedNodes: number;
  currentLowPriorityNodes: number;
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
  resizeErrors: PoolView['resizeErrors'];
  resizeTimeout: string;
  eTag: string;
  /** As the pool stores it (lower-cased). */
  vmSize: string;
  imageId: string | undefined;
  /** The image resource the pool was created from: for a gallery definition, the version "latest" resolved to. */
  resolvedImageId: string | undefined;
  /** virtualMachineConfiguration.securityProfile.securityType, or standard without one. */
  securityType: 'standard' | 'trustedlaunch' | 'confidentialvm';
  /**
   * Set when every node of the pool comes up unusable: its security type does not match the image's (Batch
   * accepts the pool; the counts grow as usual and each node's errors say why). The text says why.
   */
  nodesUnusableReason: string | undefined;
  /** When the running resize/stop will settle (simulated time), if one is running. */
  allocationEndsAt: string | undefined;
  /** When a deleting pool will be gone (simulated time). */
  goneAt: string | undefined;
  metadata: unknown;
}

export interface Snapshot {
  version: 1;
  simTime: number;
  pools: PoolRecord[];
  images: ArmResource[];
  /** Quotas, VM sizes and supported images (absent in snapshots from before they were modelled). */
  account?: { quotas: Quotas; vmSizes: VmSize[]; supportedImages: SupportedImage[] };
}

export class SimulatorCore {
  readonly clock: SimClock;
  readonly images: ImageStore;
  /** User-assigned identities a management-plane pool may carry. */
  readonly identities = new IdentityStore();
  readonly faults: Faults;
  readonly pools: PoolModel;
  readonly log: RequestLog;
  readonly issuer: TokenIssuer;
  readonly access: AccessControl;
  readonly account: BatchAccount;
  /** The compatibility switches now (the control API and the helpers may change them). */
  compat: CompatOptions;
  /** The data-plane api-versions served. */
  apiVersions: readonly string[];
  securityMismatch: SecurityMismatchMode;
  readonly #initial: {
    compat: CompatOptions;
    securityMismatch: SecurityMismatchMode;
    gallery: Partial<GallerySettings>;
  };

  constructor(options: {
    clock: SimClock;
    seed: string | number;
    allocation?: Partial<AllocationSettings>;
    nodes?: Partial<NodeSettings>;
    profile?: string;
    resizeConflictCode?: string;
    /** The Batch account's region, also the default region of images (default westeurope). */
    location?: string;
    requestLogCapacity?: number;
    account?: Omit<AccountOptions, 'location'>;
    compat?: Partial<CompatOptions>;
    apiVersions?: readonly string[];
    securityMismatch?: SecurityMismatchMode;
    gallery?: Partial<GallerySettings>;
    /** Another account's token issuer, for a second account of one tenant (default: its own). */
    issuer?: TokenIssuer;
  }) {
    this.clock = options.clock;
    this.issuer = options.issuer ?? new TokenIssuer();
    this.account = new BatchAccount({ ...options.account, location: options.location ?? 'westeurope' });
    this.images = new ImageStore(this.account.location, this.clock);
    this.compat = readCompat(options.compat, DEFAULT_COMPAT);
    this.apiVersions = options.apiVersions ?? DEFAULT_API_VERSIONS;
    this.securityMismatch = options.securityMismatch ?? 'unusableNodes';
    this.#initial = {
      compat: { ...this.compat },
      securityMismatch: this.securityMismatch,
      gallery: options.gallery ?? {},
    };
    if (options.gallery) this.images.setGallery(options.gallery);
    this.faults = new Faults(options.seed, options.allocation, Date.now, options.nodes);
    if (options.profile) this.faults.useProfile(options.profile);
    this.pools = new PoolModel({
      clock: this.clock,
      images: this.images,
      faults: this.faults,
      account: this.account,
      compat: () => this.compat,
      securityMismatch: () => this.securityMismatch,
      ...(options.resizeConflictCode ? { resizeConflictCode: options.resizeConflictCode } : {}),
    });
    this.log = new RequestLog(options.requestLogCapacity);
    this.access = new AccessControl(this.issuer);
  }

  poolView(id: string): SimPoolView | undefined {
    const pool = this.pools.get(id);
    return pool && this.#view(pool);
  }

  poolViews(): SimPoolView[] {
    return this.pools.list().map((p) => this.#view(p));
  }

  /**
   * Forgets pools, images, faults, access rules and the request log, and returns the compatibility switches,
   * quotas, VM sizes, supported images and gallery settings to their start-up values (the clock keeps running).
   */
  reset(): void {
    this.pools.clear();
    this.images.clear();
    this.identities.clear();
    this.images.setGallery(this.#initial.gallery);
    this.faults.clear();
    this.access.denied.clear();
    this.log.clear();
    this.account.reset();
    this.compat = { ...this.#initial.compat };
    this.securityMismatch = this.#initial.securityMismatch;
  }

  /** Changes some compatibility switches; returns all of them. */
  setCompat(changes: Partial<CompatOptions>): CompatOptions {
    this.compat = readCompat(changes, this.compat);
    return { ...this.compat };
  }

  snapshot(): Snapshot {
    return {
      version: 1,
      simTime: this.clock.now(),
      pools: this.pools.snapshot(),
      images: this.images.snapshot(),
      account: this.account.snapshot(),
    };
  }

  restore(snapshot: Snapshot): void {
    if (snapshot.version !== 1) throw new Error(`unknown snapshot version ${String(snapshot.version)}`);
    const ahead = snapshot.simTime - this.clock.now();
    if (ahead > 0) this.clock.advance(ahead);
    this.images.restore(snapshot.images);
    this.account.restore(snapshot.account);
    this.pools.restore(snapshot.pools);
  }

  #view(pool: PoolView): SimPoolView {
    const counts = this.pools.currentCounts(pool);
    const vmc = pool.spec.virtualMachineConfiguration as
      { imageReference?: { virtualMachineImageId?: string }; securityProfile?: unknown } | undefined;
    return {
      id: pool.id,
      state: pool.state,
      allocationState: pool.allocationState,
      currentDedicatedNodes: counts.dedicated,
      currentLowPriorityNodes: counts.lowPriority,
      targetDedicatedNodes: pool.target.dedicated,
      targetLowPriorityNodes: pool.target.lowPriority,
      resizeErrors: pool.allocationState === 'steady' ? pool.resizeErrors : [],
      resizeTimeout: pool.resizeTimeout,
      eTag: pool.eTag,
      vmSize: typeof pool.spec.vmSize === 'string' ? pool.spec.vmSize : '',
      imageId: vmc?.imageReference?.virtualMachineImageId,
      resolvedImageId: pool.resolvedImageId,
      securityType: poolSecurityType(vmc?.securityProfile),
      nodesUnusableReason: pool.nodesUnusableReason,
      allocationEndsAt: pool.plan ? azureTime(pool.plan.endAt) : undefined,
      goneAt: pool.goneAt === undefined ? undefined : azureTime(pool.goneAt),
      metadata: pool.spec.metadata,
    };
  }
}

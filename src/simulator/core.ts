// Everything the simulator knows, in one place: clock, images, pools, faults, access rules, token
// issuer and request log. The HTTP APIs, the control API and the in-process helpers all act on it.
import type { SimClock } from './clock.ts';
import { AccessControl } from './auth.ts';
import type { AllocationSettings } from './faults.ts';
import { Faults } from './faults.ts';
import { azureTime } from './http-util.ts';
import { RequestLog } from './request-log.ts';
import type { ArmResource } from './state/images.ts';
import { ImageStore } from './state/images.ts';
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
  imageId: string | undefined;
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
}

export class SimulatorCore {
  readonly clock: SimClock;
  readonly images: ImageStore;
  readonly faults: Faults;
  readonly pools: PoolModel;
  readonly log: RequestLog;
  readonly issuer = new TokenIssuer();
  readonly access: AccessControl;

  constructor(options: {
    clock: SimClock;
    seed: string | number;
    allocation?: Partial<AllocationSettings>;
    profile?: string;
    resizeConflictCode?: string;
    location?: string;
    requestLogCapacity?: number;
  }) {
    this.clock = options.clock;
    this.images = new ImageStore(options.location);
    this.faults = new Faults(options.seed, options.allocation);
    if (options.profile) this.faults.useProfile(options.profile);
    this.pools = new PoolModel({
      clock: this.clock,
      images: this.images,
      faults: this.faults,
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

  /** Forgets pools, images, faults, access rules and the request log (the clock keeps running). */
  reset(): void {
    this.pools.clear();
    this.images.clear();
    this.faults.clear();
    this.access.denied.clear();
    this.log.clear();
  }

  snapshot(): Snapshot {
    return {
      version: 1,
      simTime: this.clock.now(),
      pools: this.pools.snapshot(),
      images: this.images.snapshot(),
    };
  }

  restore(snapshot: Snapshot): void {
    if (snapshot.version !== 1) throw new Error(`unknown snapshot version ${String(snapshot.version)}`);
    const ahead = snapshot.simTime - this.clock.now();
    if (ahead > 0) this.clock.advance(ahead);
    this.images.restore(snapshot.images);
    this.pools.restore(snapshot.pools);
  }

  #view(pool: PoolView): SimPoolView {
    const counts = this.pools.currentCounts(pool);
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
      imageId: (
        pool.spec.virtualMachineConfiguration as
          { imageReference?: { virtualMachineImageId?: string } } | undefined
      )?.imageReference?.virtualMachineImageId,
      allocationEndsAt: pool.plan ? azureTime(pool.plan.endAt) : undefined,
      goneAt: pool.goneAt === undefined ? undefined : azureTime(pool.goneAt),
      metadata: pool.spec.metadata,
    };
  }
}

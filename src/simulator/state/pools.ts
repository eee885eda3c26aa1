// The Batch pool model: what the service stores for each pool and how it answers the pool
// operations. State advances lazily: every read settles the pool against the clock, so 5,000 pools
// cost nothing while nobody looks at them.
import type { SimClock } from '../clock.ts';
import type { Faults, PoolFault } from '../faults.ts';
import type { AllocationPlan, NodeCounts, ResizeError } from './allocation.ts';
import { countsAt, planResize, planStop, resizeErrors } from './allocation.ts';
import { DEFAULT_RESIZE_TIMEOUT, MIN_RESIZE_TIMEOUT_MS, parseIsoDuration } from './duration.ts';
import { batchErrors } from './errors.ts';
import type { ImageStore } from './images.ts';
import { parseResourceId } from './images.ts';

export type PoolState = 'active' | 'deleting';
export type AllocationState = 'steady' | 'resizing' | 'stopping';

export interface PoolRecord {
  id: string;
  /** The add body minus what the service owns (ids, counts, state); patch/updateproperties edit it. */
  spec: Record<string, unknown>;
  /** Lower-cased custom image ID, when the pool uses one (for limits and image checks). */
  imageKey: string | undefined;
  creationTime: number;
  lastModified: number;
  eTag: string;
  state: PoolState;
  stateTransitionTime: number;
  allocationState: AllocationState;
  allocationStateTransitionTime: number;
  current: NodeCounts;
  target: NodeCounts;
  resizeTimeout: string;
  resizeErrors: ResizeError[];
  plan: AllocationPlan | undefined;
  goneAt: number | undefined;
}

/** A settled, read-only view of a pool at one instant. */
export type PoolView = Readonly<PoolRecord>;

const ZERO: NodeCounts = Object.freeze({ dedicated: 0, lowPriority: 0 });
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const SERVICE_OWNED = new Set([
  'id',
  'url',
  'eTag',
  'lastModified',
  'creationTime',
  'state',
  'stateTransitionTime',
  'allocationState',
  'allocationStateTransitionTime',
  'resizeErrors',
  'currentDedicatedNodes',
  'currentLowPriorityNodes',
  'targetDedicatedNodes',
  'targetLowPriorityNodes',
  'resizeTimeout',
  'stats',
  'autoScaleRun',
  'currentNodeCommunicationMode',
]);

const IMAGE_ID_REASON =
  'The specified resource id must be of the format /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/images/{imageName}, /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/galleries/{galleryName}/images/{galleryImageName}/versions/{galleryImageVersionName}, or /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/galleries/{galleryName}/images/{galleryImageName}';

export interface PoolModelOptions {
  clock: SimClock;
  images: ImageStore;
  faults: Faults;
  /** Code of the 409 for a resize while the pool is resizing or stopping (unconfirmed in any source). */
  resizeConflictCode?: string;
}

export class PoolModel {
  readonly #pools = new Map<string, PoolRecord>();
  /**
   * Nodes each custom image is committed to, summed over its pools, kept up to date on every
   * change so a limit check never scans the pools (a pool's commitment is what it holds or is
   * about to get: the larger of its counts before and after the running resize).
   */
  readonly #imageUse = new Map<string, NodeCounts>();
  readonly #committed = new WeakMap<PoolRecord, NodeCounts>();
  /** Pools per image whose commitment will change with time (running plan, or deleting). */
  readonly #pending = new Map<string, Set<PoolRecord>>();
  #sortedIds: string[] | undefined;
  #etagCounter = 0;
  readonly #clock: SimClock;
  readonly #images: ImageStore;
  readonly #faults: Faults;
  readonly #conflictCode: string;

  constructor(options: PoolModelOptions) {
    this.#clock = options.clock;
    this.#images = options.images;
    this.#faults = options.faults;
    this.#conflictCode = options.resizeConflictCode ?? 'OperationInvalidForCurrentState';
  }

  get size(): number {
    return this.#pools.size;
  }

  // ------------------------------------------------------------------ reads

  /** The pool as it is now, or undefined when it does not exist (or has finished deleting). */
  get(id: string): PoolView | undefined {
    const pool = this.#pools.get(id);
    return pool && this.#settle(pool, this.#clock.now());
  }

  /** All live pools, sorted by id (the order list pages are cut in). */
  list(): PoolView[] {
    const now = this.#clock.now();
    this.#sortedIds ??= [...this.#pools.keys()].sort();
    const out: PoolView[] = [];
    for (const id of this.#sortedIds) {
      const pool = this.#pools.get(id);
      const live = pool && this.#settle(pool, now);
      if (live) out.push(live);
    }
    return out;
  }

  /** Node counts as of now, including nodes that arrived since the last settle. */
  currentCounts(pool: PoolView): NodeCounts {
    return pool.plan ? countsAt(pool.plan, this.#clock.now()) : pool.current;
  }

  // ------------------------------------------------------------------ writes

  add(body: Record<string, unknown>): PoolView {
    const id = requireString(body, 'id');
    if (!ID_PATTERN.test(id)) throw batchErrors.invalidProperty('id', id);
    requireString(body, 'vmSize');
    const vmc = body.virtualMachineConfiguration as Record<string, unknown> | undefined;
    if (vmc === undefined && body.cloudServiceConfiguration === undefined)
      throw batchErrors.missingProperty('virtualMachineConfiguration');
    const autoScale = body.enableAutoScale === true;
    if (!autoScale && body.targetDedicatedNodes === undefined && body.targetLowPriorityNodes === undefined)
      throw batchErrors.missingProperty('targetDedicatedNodes and/or targetLowPriorityNodes');
    const target = readTargets(body, { dedicated: 0, lowPriority: 0 });
    const resizeTimeout = readResizeTimeout(body.resizeTimeout);
    let imageKey: string | undefined;
    if (vmc !== undefined) {
      if (typeof vmc !== 'object' || vmc === null)
        throw batchErrors.invalidProperty('virtualMachineConfiguration', String(vmc));
      if (typeof vmc.nodeAgentSKUId !== 'string') throw batchErrors.missingProperty('nodeAgentSKUId');
      const ref = vmc.imageReference as Record<string, unknown> | undefined;
      if (typeof ref !== 'object' || ref === null) throw batchErrors.missingProperty('imageReference');
      if (ref.virtualMachineImageId !== undefined) {
        const imageId =
          typeof ref.virtualMachineImageId === 'string'
            ? ref.virtualMachineImageId
            : JSON.stringify(ref.virtualMachineImageId);
        const parsed = parseResourceId(imageId);
        if (!parsed || parsed.kind === 'gallery')
          throw batchErrors.invalidProperty('virtualMachineImageId', imageId, IMAGE_ID_REASON);
        if (!this.#images.usableForBatch(imageId))
          throw batchErrors.invalidProperty(
            'virtualMachineImageId',
            imageId,
            'The specified image does not exist or the Batch service cannot access it.',
          );
        imageKey = imageId.toLowerCase();
      } else if (ref.publisher === undefined || ref.offer === undefined || ref.sku === undefined) {
        throw batchErrors.missingProperty(
          'imageReference.publisher, offer and sku, or virtualMachineImageId',
        );
      }
    }
    const existing = this.get(id);
    if (existing)
      throw existing.state === 'deleting' ? batchErrors.poolBeingDeleted() : batchErrors.poolExists();

    const now = this.#clock.now();
    const spec: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) if (!SERVICE_OWNED.has(k)) spec[k] = v;
    if (typeof spec.vmSize === 'string') spec.vmSize = spec.vmSize.toLowerCase();
    spec.enableAutoScale = autoScale;
    spec.enableInterNodeCommunication ??= false;
    spec.taskSlotsPerNode ??= 1;
    spec.taskSchedulingPolicy ??= { nodeFillType: 'Spread' };
    withServiceDefaults(spec);

    const pool: PoolRecord = {
      id,
      spec,
      imageKey,
      creationTime: now,
      lastModified: now,
      eTag: this.#newEtag(now),
      state: 'active',
      stateTransitionTime: now,
      allocationState: 'resizing',
      allocationStateTransitionTime: now,
      current: { dedicated: 0, lowPriority: 0 },
      target,
      resizeTimeout: resizeTimeout.text,
      resizeErrors: [],
      plan: undefined,
      goneAt: undefined,
    };
    this.#pools.set(id, pool);
    this.#sortedIds = undefined;
    // The initial sizing is a resize like any other (Azure shows `resizing` right after add).
    pool.plan = this.#startResize(pool, now, resizeTimeout.ms);
    this.#recount(pool);
    return pool;
  }

  resize(id: string, body: Record<string, unknown>): PoolView {
    if (body.targetDedicatedNodes === undefined && body.targetLowPriorityNodes === undefined)
      throw batchErrors.missingProperty('targetDedicatedNodes and/or targetLowPriorityNodes');
    const pool = this.#live(id);
    const target = readTargets(body, pool.target);
    const timeout = readResizeTimeout(body.resizeTimeout);
    if (pool.state === 'deleting') throw batchErrors.poolBeingDeleted();
    if (pool.spec.enableAutoScale === true) throw batchErrors.autoScaleEnabled();
    if (pool.allocationState !== 'steady') throw batchErrors.ongoingResize(this.#conflictCode);
    const now = this.#clock.now();
    pool.target = target;
    pool.resizeTimeout = timeout.text;
    pool.resizeErrors = []; // Azure keeps the last resize error until the next resize.
    pool.allocationState = 'resizing';
    pool.allocationStateTransitionTime = now;
    this.#touch(pool, now);
    pool.plan = this.#startResize(pool, now, timeout.ms);
    this.#recount(pool);
    return pool;
  }

  stopResize(id: string): PoolView {
    const pool = this.#live(id);
    if (pool.state === 'deleting') throw batchErrors.poolBeingDeleted();
    if (pool.allocationState !== 'resizing') return pool; // nothing to stop (unconfirmed: Azure may answer 409)
    const now = this.#clock.now();
    pool.plan = planStop(
      pool.plan,
      pool.current,
      pool.target,
      now,
      this.#faults.allocation.stopDelaySeconds * 1000,
    );
    pool.current = pool.plan.final;
    pool.allocationState = 'stopping';
    pool.allocationStateTransitionTime = now;
    this.#recount(pool);
    return pool;
  }

  delete(id: string): PoolView {
    const pool = this.#live(id);
    if (pool.state === 'deleting') throw batchErrors.poolBeingDeleted();
    const now = this.#clock.now();
    if (pool.plan) pool.current = countsAt(pool.plan, now);
    pool.plan = undefined;
    pool.state = 'deleting';
    pool.stateTransitionTime = now;
    pool.allocationState = 'resizing'; // the service resizes a deleted pool to zero before it goes
    pool.allocationStateTransitionTime = now;
    pool.goneAt = now + this.#faults.allocation.deleteDelaySeconds * 1000;
    this.#recount(pool);
    return pool;
  }

  patch(id: string, body: Record<string, unknown>): PoolView {
    const pool = this.#live(id);
    if (pool.state === 'deleting') throw batchErrors.poolBeingDeleted();
    for (const k of [
      'startTask',
      'certificateReferences',
      'applicationPackageReferences',
      'metadata',
      'targetNodeCommunicationMode',
    ]) {
      if (body[k] !== undefined) pool.spec[k] = body[k];
    }
    withServiceDefaults(pool.spec);
    this.#touch(pool, this.#clock.now());
    return pool;
  }

  updateProperties(id: string, body: Record<string, unknown>): PoolView {
    for (const k of ['certificateReferences', 'applicationPackageReferences', 'metadata'])
      if (!Array.isArray(body[k])) throw batchErrors.missingProperty(k);
    const pool = this.#live(id);
    if (pool.state === 'deleting') throw batchErrors.poolBeingDeleted();
    // "This fully replaces all the updatable properties of the Pool."
    for (const k of [
      'startTask',
      'certificateReferences',
      'applicationPackageReferences',
      'metadata',
      'targetNodeCommunicationMode',
    ]) {
      if (body[k] === undefined) delete pool.spec[k];
      else pool.spec[k] = body[k];
    }
    withServiceDefaults(pool.spec);
    this.#touch(pool, this.#clock.now());
    return pool;
  }

  clear(): void {
    this.#pools.clear();
    this.#imageUse.clear();
    this.#pending.clear();
    this.#sortedIds = undefined;
  }

  snapshot(): PoolRecord[] {
    const now = this.#clock.now();
    return [...this.#pools.values()].flatMap((p) => this.#settle(p, now) ?? []);
  }

  restore(records: PoolRecord[]): void {
    this.clear();
    for (const r of records) {
      this.#pools.set(r.id, r);
      this.#recount(r);
    }
  }

  // ------------------------------------------------------------------ internals

  #live(id: string): PoolRecord {
    const pool = this.#pools.get(id);
    const live = pool && this.#settle(pool, this.#clock.now());
    if (!live) throw batchErrors.poolNotFound();
    return live;
  }

  #settle(pool: PoolRecord, now: number): PoolRecord | undefined {
    if (pool.goneAt !== undefined && now >= pool.goneAt) {
      this.#pools.delete(pool.id);
      this.#sortedIds = undefined;
      this.#recount(pool, true);
      return undefined;
    }
    const plan = pool.plan;
    if (plan && now >= plan.endAt) {
      pool.current = plan.final;
      pool.resizeErrors = plan.errors;
      pool.allocationState = 'steady';
      pool.allocationStateTransitionTime = plan.endAt;
      pool.plan = undefined;
      this.#recount(pool);
    }
    return pool;
  }

  #touch(pool: PoolRecord, now: number): void {
    pool.lastModified = now;
    pool.eTag = this.#newEtag(now);
  }

  #newEtag(now: number): string {
    // Azure's ETags look like 0x8D9D663DC816B3F: .NET ticks (100 ns since year 1) in hex.
    const ticks =
      BigInt(Math.floor(now)) * 10_000n + 621_355_968_000_000_000n + BigInt(this.#etagCounter++ % 10_000);
    return `0x${ticks.toString(16).toUpperCase()}`;
  }

  #startResize(pool: PoolRecord, now: number, timeoutMs: number): AllocationPlan {
    const settings = this.#faults.allocation;
    const from = pool.current;
    const target = pool.target;
    const reach: NodeCounts = { ...target };
    let failure: ResizeError | undefined;
    const grows = target.dedicated > from.dedicated || target.lowPriority > from.lowPriority;
    const fail = (error: ResizeError, allowed: NodeCounts): void => {
      reach.dedicated = Math.min(reach.dedicated, Math.max(from.dedicated, allowed.dedicated));
      reach.lowPriority = Math.min(reach.lowPriority, Math.max(from.lowPriority, allowed.lowPriority));
      failure ??= error;
    };
    const partial = (fraction: number): NodeCounts => ({
      dedicated: from.dedicated + Math.floor(Math.max(0, target.dedicated - from.dedicated) * fraction),
      lowPriority:
        from.lowPriority + Math.floor(Math.max(0, target.lowPriority - from.lowPriority) * fraction),
    });

    if (grows) {
      if (pool.imageKey !== undefined) {
        if (!this.#images.usableForBatch(pool.imageKey)) {
          fail(resizeErrors.allocationFailed(), from);
        } else {
          const used = this.#usedByOthers(pool);
          const allowed = {
            dedicated: settings.customImageDedicatedLimit - used.dedicated,
            lowPriority: settings.customImageLowPriorityLimit - used.lowPriority,
          };
          if (allowed.dedicated < target.dedicated || allowed.lowPriority < target.lowPriority)
            fail(
              resizeErrors.allocationFailed(
                `The node limit for pools sharing one custom image was reached (${settings.customImageDedicatedLimit} dedicated, ${settings.customImageLowPriorityLimit} low-priority)`,
              ),
              allowed,
            );
        }
      }
      const injected: PoolFault | undefined = this.#faults.takePoolFault(pool.id);
      if (injected) fail(injectedError(injected), partial(injected.fraction));
      if (settings.failureProbability > 0 && this.#faults.prng.next() < settings.failureProbability)
        fail(resizeErrors.allocationFailed(), partial(this.#faults.prng.next()));
      if (settings.maxNodesPerResize > 0) {
        reach.dedicated = Math.min(reach.dedicated, from.dedicated + settings.maxNodesPerResize);
        reach.lowPriority = Math.min(reach.lowPriority, from.lowPriority + settings.maxNodesPerResize);
      }
    }
    return planResize({
      startedAt: now,
      from,
      target,
      reach,
      failure,
      timeoutMs,
      timing: {
        bootDelayMs: settings.bootDelaySeconds * 1000,
        nodesPerMinute: settings.nodesPerMinute,
        shrinkDelayMs: settings.shrinkDelaySeconds * 1000,
      },
    });
  }

  /** Nodes that other pools on the same image hold or are about to get. */
  #usedByOthers(pool: PoolRecord): NodeCounts {
    // Settle the pools whose numbers move with time first, so finished shrinks and deletions count.
    const now = this.#clock.now();
    for (const other of [...(this.#pending.get(pool.imageKey ?? '') ?? [])]) this.#settle(other, now);
    const all = (pool.imageKey !== undefined && this.#imageUse.get(pool.imageKey)) || ZERO;
    const own = this.#committed.get(pool) ?? ZERO;
    return { dedicated: all.dedicated - own.dedicated, lowPriority: all.lowPriority - own.lowPriority };
  }

  #recount(pool: PoolRecord, removed = false): void {
    if (pool.imageKey === undefined) return;
    const before = this.#committed.get(pool) ?? ZERO;
    let after = ZERO;
    if (!removed) {
      const from = pool.plan?.kind === 'resize' ? pool.plan.from : pool.current;
      const to = pool.plan ? pool.plan.final : pool.current;
      after = {
        dedicated: Math.max(from.dedicated, to.dedicated),
        lowPriority: Math.max(from.lowPriority, to.lowPriority),
      };
    }
    const sum = this.#imageUse.get(pool.imageKey) ?? { ...ZERO };
    sum.dedicated += after.dedicated - before.dedicated;
    sum.lowPriority += after.lowPriority - before.lowPriority;
    this.#imageUse.set(pool.imageKey, sum);
    this.#committed.set(pool, after);
    let pending = this.#pending.get(pool.imageKey);
    if (!removed && (pool.plan !== undefined || pool.goneAt !== undefined)) {
      if (!pending) this.#pending.set(pool.imageKey, (pending = new Set()));
      pending.add(pool);
    } else {
      pending?.delete(pool);
    }
  }
}

/** Fills in what the service fills in on a GET (as in the PoolGet example of the REST API specs). */
function withServiceDefaults(spec: Record<string, unknown>): void {
  const startTask = spec.startTask as Record<string, unknown> | undefined;
  if (startTask && typeof startTask === 'object') {
    spec.startTask = {
      ...startTask,
      userIdentity: startTask.userIdentity ?? { autoUser: { scope: 'pool', elevationLevel: 'nonadmin' } },
      maxTaskRetryCount: startTask.maxTaskRetryCount ?? 0,
      waitForSuccess: startTask.waitForSuccess ?? true,
    };
  }
  const vmc = spec.virtualMachineConfiguration as { imageReference?: Record<string, unknown> } | undefined;
  const ref = vmc?.imageReference;
  if (ref && ref.virtualMachineImageId === undefined && ref.version === undefined) ref.version = 'latest';
}

function injectedError(f: PoolFault): ResizeError {
  if (f.code === 'AllocationFailed' && f.message === undefined) return resizeErrors.allocationFailed();
  return { code: f.code, message: f.message ?? `Desired number of nodes could not be allocated (${f.code})` };
}

function requireString(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  if (v === undefined || v === null || v === '') throw batchErrors.missingProperty(name);
  if (typeof v !== 'string') throw batchErrors.invalidProperty(name, JSON.stringify(v));
  return v;
}

function readTargets(body: Record<string, unknown>, fallback: NodeCounts): NodeCounts {
  const read = (name: string, dflt: number): number => {
    const v = body[name];
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      throw batchErrors.invalidProperty(name, JSON.stringify(v));
    return v;
  };
  return {
    dedicated: read('targetDedicatedNodes', fallback.dedicated),
    lowPriority: read('targetLowPriorityNodes', fallback.lowPriority),
  };
}

function readResizeTimeout(value: unknown): { text: string; ms: number } {
  if (value === undefined) return { text: DEFAULT_RESIZE_TIMEOUT, ms: 15 * 60_000 };
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const ms = typeof value === 'string' ? parseIsoDuration(value) : undefined;
  if (ms === undefined) throw batchErrors.invalidProperty('resizeTimeout', text);
  if (ms < MIN_RESIZE_TIMEOUT_MS)
    throw batchErrors.invalidProperty(
      'resizeTimeout',
      text,
      'The resize timeout must be at least 5 minutes.',
    );
  return { text, ms };
}

// The Batch pool model: what the service stores for each pool and how it answers the pool
// operations. State advances lazily: every read settles the pool against the clock, so 5,000 pools
// cost nothing while nobody looks at them.
import type { SimClock } from '../clock.ts';
import type { CompatOptions } from '../compat.ts';
import { DEFAULT_COMPAT } from '../compat.ts';
import type { Faults, PoolFault } from '../faults.ts';
import { BatchAccount } from './account.ts';
import type { AllocationPlan, NodeCounts, ResizeError } from './allocation.ts';
import { countsAt, planResize, planStop, resizeErrors } from './allocation.ts';
import { batchErrors } from './errors.ts';
import { CommitmentLedger, ImageUsage } from './image-usage.ts';
import type { ImageStore } from './images.ts';
import {
  readAddBody,
  readAutoScale,
  readResizeTimeout,
  readTargets,
  withServiceDefaults,
} from './pool-input.ts';
import { checkPoolRules } from './pool-rules.ts';
import { evaluateFormula } from './autoscale.ts';
import { parseIsoDuration } from './duration.ts';
import type { SecurityMismatchMode } from './security.ts';
import type { NodeContext, NodeRecord, NodeStatus } from './nodes.ts';
import { beginBoot, COUNT_FIELD, emptyCounts, markShrink, nodeStatus, syncNodes } from './nodes.ts';
import { BatchError } from './errors.ts';

/** BatchPoolUpdateOptions (2025-06-01) fields with no "only when the pool is empty" in their docs. */
const ALWAYS_UPDATES = ['startTask', 'applicationPackageReferences', 'metadata'] as const;
/** BatchPoolUpdateOptions (2025-06-01) fields whose docs say "can be updated only when the pool is empty". */
const EMPTY_ONLY_UPDATES = [
  'displayName',
  'vmSize',
  'enableInterNodeCommunication',
  'virtualMachineConfiguration',
  'taskSlotsPerNode',
  'taskSchedulingPolicy',
  'networkConfiguration',
  'userAccounts',
  'mountConfiguration',
  'upgradePolicy',
] as const;

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
  /** Resizes started so far (the initial allocation is the first); names each resize's random stream. */
  resizeCount: number;
  /** vCPUs per node of the pool's VM size, for the core quotas (snapshots from before lack it: 1). */
  coresPerNode?: number;
  /**
   * Why every node of the pool comes up unusable (its securityProfile does not match the image's security
   * type). The counts grow as usual (Azure counts unusable nodes); the nodes say why in `errors`.
   */
  nodesUnusableReason?: string;
  /** The pool's node records (see nodes.ts); absent until someone looks at the nodes or the plan changes. */
  nodes?: NodeRecord[];
  /** Ordinal of the next node record. */
  nodeSeq?: number;
  /** The last finished resize plan, kept for the arrival times of nodes not yet recorded. */
  lastPlan?: AllocationPlan;
  /** The image resource the pool was created from (for a gallery definition: the version it resolved to). */
  resolvedImageId?: string;
  /** The last evaluation of the autoscale formula (autoscale pools only). */
  autoScaleRun?: AutoScaleRunRecord;
  /** When the formula is evaluated next (autoscale pools only). */
  nextAutoScaleAt?: number;
  /** When enableautoscale last succeeded: Azure takes it at most once every 30 seconds per pool. */
  enabledAutoScaleAt?: number;
  /** When the current or last resize started, and its nodeDeallocationOption (ARM's resizeOperationStatus). */
  lastResize?: { startTime: number; nodeDeallocationOption?: string };
  /** User-assigned identities on the pool (set through the management plane only). */
  identities?: PoolIdentity[];
}

/** An identity as both planes show it on a pool. */
export interface PoolIdentity {
  resourceId: string;
  clientId: string;
  principalId: string;
}

export interface AutoScaleRunRecord {
  timestamp: number;
  results: string;
  error?: { code: string; message: string; values?: { name: string; value: string }[] };
}

/** A settled, read-only view of a pool at one instant. */
export type PoolView = Readonly<PoolRecord>;

export interface PoolModelOptions {
  clock: SimClock;
  images: ImageStore;
  faults: Faults;
  /** Code of the 409 for a resize while the pool is resizing or stopping (unconfirmed in any source). */
  resizeConflictCode?: string;
  /** Region, VM sizes, supported images and quotas (default: a westeurope account with the default catalogue). */
  account?: BatchAccount;
  /** The compatibility switches, read on every call so they can change at run time. */
  compat?: () => Readonly<CompatOptions>;
  /** What a security-type mismatch does (default: the nodes would be unusable). */
  securityMismatch?: () => SecurityMismatchMode;
}

const ACCOUNT_KEY = 'account';

export class PoolModel {
  readonly #pools = new Map<string, PoolRecord>();
  readonly #imageUsage = new ImageUsage<PoolRecord>();
  /**
   * vCPUs committed account-wide (dedicated / low-priority), for the core quotas. Kept only while the quotas
   * are enforced (so 5,000 pools under the compat default cost nothing for it); rebuilt when they start to be.
   */
  #coreLedgerOn = false;
  readonly #coreUsage = new CommitmentLedger<PoolRecord>(
    () => ACCOUNT_KEY,
    (p) => p.coresPerNode ?? 1,
  );
  /** Pools being deleted: they count against the pool quota until they are gone. */
  readonly #deleting = new Set<PoolRecord>();
  #sortedIds: string[] | undefined;
  #etagCounter = 0;
  readonly #clock: SimClock;
  readonly #images: ImageStore;
  readonly #faults: Faults;
  readonly #conflictCode: string;
  readonly account: BatchAccount;
  readonly #compat: () => Readonly<CompatOptions>;
  readonly #securityMismatch: () => SecurityMismatchMode;

  constructor(options: PoolModelOptions) {
    this.#clock = options.clock;
    this.#images = options.images;
    this.#faults = options.faults;
    this.#conflictCode = options.resizeConflictCode ?? 'OperationInvalidForCurrentState';
    this.account = options.account ?? new BatchAccount({ location: options.images.location });
    this.#compat = options.compat ?? (() => DEFAULT_COMPAT);
    this.#securityMismatch = options.securityMismatch ?? (() => 'unusableNodes');
  }

  /** Pools that exist now (deleting ones included until they are gone): what the pool quota counts. */
  liveCount(): number {
    const now = this.#clock.now();
    for (const p of [...this.#deleting]) this.#settle(p, now);
    return this.#pools.size;
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
    const compat = this.#compat();
    const now = this.#clock.now();
    const { id, target, resizeTimeout, imageKey, spec, coresPerNode, nodesUnusableReason, resolvedImageId } =
      readAddBody(body, {
        images: this.#images,
        account: this.account,
        compat,
        securityMismatch: this.#securityMismatch(),
        now,
      });
    const existing = this.get(id);
    if (existing)
      throw existing.state === 'deleting' ? batchErrors.poolBeingDeleted() : batchErrors.poolExists();
    if (!compat.ignoreAccountQuotas && this.liveCount() >= this.account.quotas.pools)
      throw batchErrors.poolQuotaReached(this.account.quotas.pools);

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
      resizeCount: 0,
      coresPerNode,
      ...(nodesUnusableReason === undefined ? {} : { nodesUnusableReason }),
      ...(resolvedImageId === undefined ? {} : { resolvedImageId }),
    };
    if (spec.enableAutoScale === true) this.#evaluateAutoScale(pool, now);
    this.#pools.set(id, pool);
    this.#sortedIds = undefined;
    // The initial sizing is a resize like any other (Azure shows `resizing` right after add).
    pool.plan = this.#startResize(pool, now, resizeTimeout.ms);
    this.#usageChanged(pool);
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
    this.#syncNodes(pool, now);
    pool.target = target;
    pool.resizeTimeout = timeout.text;
    pool.resizeErrors = []; // Azure keeps the last resize error until the next resize.
    pool.allocationState = 'resizing';
    pool.allocationStateTransitionTime = now;
    this.#touch(pool, now);
    pool.plan = this.#startResize(pool, now, timeout.ms);
    pool.lastResize = {
      startTime: now,
      ...(typeof body.nodeDeallocationOption === 'string'
        ? { nodeDeallocationOption: body.nodeDeallocationOption }
        : {}),
    };
    this.#usageChanged(pool);
    return pool;
  }

  /**
   * Puts these identities on the pool, or takes them all off (undefined). Azure gives the new identities only
   * to nodes created after the change ("only the new vms which are created after the pool shrinks to 0",
   * BatchPoolIdentity docs); the simulator's nodes carry none, so only the pool records them.
   */
  setIdentities(id: string, identities: PoolIdentity[] | undefined): PoolView {
    const pool = this.#live(id);
    if (pool.state === 'deleting') throw batchErrors.poolBeingDeleted();
    if (identities === undefined || identities.length === 0) delete pool.identities;
    else pool.identities = identities;
    this.#touch(pool, this.#clock.now());
    return pool;
  }

  stopResize(id: string): PoolView {
    const pool = this.#live(id);
    if (pool.state === 'deleting') throw batchErrors.poolBeingDeleted();
    if (pool.allocationState !== 'resizing') return pool; // nothing to stop (unconfirmed: Azure may answer 409)
    const now = this.#clock.now();
    this.#syncNodes(pool, now);
    pool.plan = planStop(
      pool.plan,
      pool.current,
      pool.target,
      now,
      this.#faults.allocation.stopDelaySeconds * 1000,
    );
    pool.current = pool.plan.final;
    // Nodes a shrink was removing stay when the stop comes before they have gone (the counts keep them).
    for (const n of pool.nodes ?? []) {
      if (n.goneAt !== undefined && n.goneAt > now) {
        delete n.leavingAt;
        delete n.goneAt;
      }
    }
    pool.allocationState = 'stopping';
    pool.allocationStateTransitionTime = now;
    this.#usageChanged(pool);
    return pool;
  }

  delete(id: string): PoolView {
    const pool = this.#live(id);
    if (pool.state === 'deleting') throw batchErrors.poolBeingDeleted();
    const now = this.#clock.now();
    this.#syncNodes(pool, now);
    if (pool.plan) pool.current = countsAt(pool.plan, now);
    pool.plan = undefined;
    pool.state = 'deleting';
    pool.stateTransitionTime = now;
    pool.allocationState = 'resizing'; // the service resizes a deleted pool to zero before it goes
    pool.allocationStateTransitionTime = now;
    pool.goneAt = now + this.#faults.allocation.deleteDelaySeconds * 1000;
    // Every node leaves the pool while it is deleted (they go with it).
    for (const n of pool.nodes ?? []) {
      n.leavingAt = Math.min(n.leavingAt ?? now, now);
      n.goneAt = Math.min(n.goneAt ?? pool.goneAt, pool.goneAt);
    }
    this.#deleting.add(pool);
    this.#usageChanged(pool);
    return pool;
  }

  patch(id: string, body: Record<string, unknown>): PoolView {
    const pool = this.#live(id);
    if (pool.state === 'deleting') throw batchErrors.poolBeingDeleted();
    // BatchPoolUpdateOptions (2025-06-01): a property present replaces the pool's, one absent is left as it
    // is. Older clients' certificateReferences and targetNodeCommunicationMode no longer exist and are ignored.
    const emptyOnly = EMPTY_ONLY_UPDATES.filter((k) => body[k] !== undefined);
    if (emptyOnly.length > 0) {
      // "Empty" read as: no nodes and no resize under way (a resize could be adding nodes). Our reading.
      const empty =
        pool.allocationState === 'steady' && pool.current.dedicated === 0 && pool.current.lowPriority === 0;
      if (!empty) throw batchErrors.propertyCannotBeUpdated(emptyOnly[0]!);
      // The changed pool must be one Batch would create: the image, node agent SKU, VM size and security
      // checks of an add run on the merged pool.
      const merged: Record<string, unknown> = {
        ...pool.spec,
        ...Object.fromEntries(
          [...emptyOnly, ...ALWAYS_UPDATES].flatMap((k) => (body[k] === undefined ? [] : [[k, body[k]]])),
        ),
        id: pool.id,
        ...(pool.spec.enableAutoScale === true
          ? {}
          : { targetDedicatedNodes: pool.target.dedicated, targetLowPriorityNodes: pool.target.lowPriority }),
        resizeTimeout: pool.resizeTimeout,
      };
      const input = readAddBody(merged, {
        images: this.#images,
        account: this.account,
        compat: this.#compat(),
        securityMismatch: this.#securityMismatch(),
        now: this.#clock.now(),
      });
      pool.spec = input.spec;
      pool.imageKey = input.imageKey;
      pool.coresPerNode = input.coresPerNode;
      if (input.nodesUnusableReason === undefined) delete pool.nodesUnusableReason;
      else pool.nodesUnusableReason = input.nodesUnusableReason;
      if (input.resolvedImageId === undefined) delete pool.resolvedImageId;
      else pool.resolvedImageId = input.resolvedImageId;
    } else {
      // The pool as it would be after the change must pass the create checks on these properties (a start
      // task's user must be one of the pool's user accounts, and so on).
      this.#checkRules(
        pool,
        Object.fromEntries(ALWAYS_UPDATES.flatMap((k) => (body[k] === undefined ? [] : [[k, body[k]]]))),
      );
    }
    for (const k of ALWAYS_UPDATES) if (body[k] !== undefined) pool.spec[k] = body[k];
    withServiceDefaults(pool.spec);
    this.#touch(pool, this.#clock.now());
    this.#usageChanged(pool);
    return pool;
  }

  updateProperties(id: string, body: Record<string, unknown>): PoolView {
    // BatchPoolReplaceOptions (2025-06-01): applicationPackageReferences and metadata are required.
    for (const k of ['applicationPackageReferences', 'metadata'])
      if (!Array.isArray(body[k])) throw batchErrors.missingProperty(k);
    const pool = this.#live(id);
    if (pool.state === 'deleting') throw batchErrors.poolBeingDeleted();
    // "This fully replaces all the updatable properties of the Pool": a start task left out is removed.
    this.#checkRules(pool, {
      startTask: body.startTask,
      applicationPackageReferences: body.applicationPackageReferences,
      metadata: body.metadata,
    });
    for (const k of ['startTask', 'applicationPackageReferences', 'metadata']) {
      if (body[k] === undefined) delete pool.spec[k];
      else pool.spec[k] = body[k];
    }
    withServiceDefaults(pool.spec);
    this.#touch(pool, this.#clock.now());
    return pool;
  }

  /**
   * Pool - Enable Auto Scale (2025-06-01): refused while a resize is in progress; a pool that does not scale
   * automatically needs a formula, one that does may change the formula, the interval or both; at most once
   * every 30 seconds per pool (the operation's REST description). The formula is evaluated at once and the
   * evaluation schedule starts again from now (our reading of "a new schedule is started").
   */
  enableAutoScale(id: string, body: Record<string, unknown>): PoolView {
    const pool = this.#live(id);
    if (pool.state === 'deleting') throw batchErrors.poolBeingDeleted();
    if (pool.allocationState !== 'steady') throw batchErrors.ongoingResize(this.#conflictCode);
    const now = this.#clock.now();
    if (pool.enabledAutoScaleAt !== undefined && now - pool.enabledAutoScaleAt < 30_000)
      throw batchErrors.tooManyEnableAutoScaleRequests();
    const enabled = pool.spec.enableAutoScale === true;
    const settings = readAutoScale(
      {
        autoScaleFormula: body.autoScaleFormula ?? (enabled ? pool.spec.autoScaleFormula : undefined),
        autoScaleEvaluationInterval:
          body.autoScaleEvaluationInterval ?? (enabled ? pool.spec.autoScaleEvaluationInterval : undefined),
      },
      true,
    )!;
    this.#syncNodes(pool, now);
    pool.spec.enableAutoScale = true;
    pool.spec.autoScaleFormula = settings.formula;
    pool.spec.autoScaleEvaluationInterval = settings.interval;
    pool.enabledAutoScaleAt = now;
    this.#touch(pool, now);
    const before = pool.target;
    this.#evaluateAutoScale(pool, now);
    if (pool.target.dedicated !== before.dedicated || pool.target.lowPriority !== before.lowPriority)
      this.#resizeForFormula(pool, now);
    return pool;
  }

  /**
   * Pool - Disable Auto Scale: the pool keeps the targets the formula last gave and is resized by hand from
   * then on; the formula and interval are no longer set ("set only if the Pool automatically scales").
   */
  disableAutoScale(id: string): PoolView {
    const pool = this.#live(id);
    if (pool.state === 'deleting') throw batchErrors.poolBeingDeleted();
    const now = this.#clock.now();
    pool.spec.enableAutoScale = false;
    delete pool.spec.autoScaleFormula;
    delete pool.spec.autoScaleEvaluationInterval;
    delete pool.nextAutoScaleAt;
    this.#touch(pool, now);
    return pool;
  }

  clear(): void {
    this.#pools.clear();
    this.#imageUsage.clear();
    this.#coreUsage.clear();
    this.#deleting.clear();
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
      if (r.goneAt !== undefined) this.#deleting.add(r);
      this.#usageChanged(r);
    }
  }

  // ------------------------------------------------------------------ internals

  #checkRules(pool: PoolRecord, changes: Record<string, unknown>): void {
    const merged: Record<string, unknown> = { ...pool.spec };
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined || v === null) delete merged[k];
      else merged[k] = v;
    }
    checkPoolRules(merged, { cores: pool.coresPerNode ?? 256 });
  }

  /**
   * Evaluates an autoscale pool's formula at `at` and takes its targets (our model of Learn
   * batch/batch-automatic-scaling: evaluated when the pool is created, then every autoScaleEvaluationInterval).
   * Returns whether the targets changed.
   */
  #evaluateAutoScale(pool: PoolRecord, at: number): boolean {
    const counts = pool.plan ? countsAt(pool.plan, at) : pool.current;
    const outcome = evaluateFormula(String(pool.spec.autoScaleFormula), {
      targetDedicated: pool.target.dedicated,
      targetLowPriority: pool.target.lowPriority,
      currentDedicated: counts.dedicated,
      currentLowPriority: counts.lowPriority,
    });
    pool.autoScaleRun = {
      timestamp: at,
      results: outcome.results,
      ...(outcome.error === undefined ? {} : { error: outcome.error }),
    };
    pool.nextAutoScaleAt = at + this.#evaluationIntervalMs(pool);
    const changed =
      outcome.dedicated !== pool.target.dedicated || outcome.lowPriority !== pool.target.lowPriority;
    pool.target = { dedicated: outcome.dedicated, lowPriority: outcome.lowPriority };
    return changed;
  }

  #evaluationIntervalMs(pool: PoolRecord): number {
    const text = pool.spec.autoScaleEvaluationInterval;
    const ms = typeof text === 'string' ? parseIsoDuration(text) : undefined;
    return ms === undefined || ms <= 0 ? 15 * 60_000 : ms;
  }

  /** Due formula evaluations of an autoscale pool (only the latest due one runs: our choice). */
  #autoScaleTick(pool: PoolRecord, now: number): void {
    if (pool.spec.enableAutoScale !== true || pool.state !== 'active') return;
    const next = pool.nextAutoScaleAt;
    if (next === undefined || now < next) return;
    const interval = this.#evaluationIntervalMs(pool);
    const at = next + Math.floor((now - next) / interval) * interval;
    const before = pool.target;
    // A resize still running keeps its targets; the next evaluation tries again (our choice).
    if (pool.allocationState !== 'steady') {
      pool.nextAutoScaleAt = at + interval;
      return;
    }
    this.#syncNodes(pool, at);
    if (!this.#evaluateAutoScale(pool, at)) return;
    if (pool.target.dedicated === before.dedicated && pool.target.lowPriority === before.lowPriority) return;
    this.#resizeForFormula(pool, at);
    // The resize may already be over by now.
    this.#settle(pool, now);
  }

  /** The resize an autoscale evaluation's new targets start at `at`, with the pool's resize timeout. */
  #resizeForFormula(pool: PoolRecord, at: number): void {
    pool.resizeErrors = [];
    pool.allocationState = 'resizing';
    pool.allocationStateTransitionTime = at;
    pool.plan = this.#startResize(pool, at, parseIsoDuration(pool.resizeTimeout) ?? 15 * 60_000);
    this.#usageChanged(pool);
  }

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
      this.#deleting.delete(pool);
      this.#imageUsage.update(pool, true);
      if (this.#coreLedgerOn) this.#coreUsage.update(pool, true);
      return undefined;
    }
    const plan = pool.plan;
    if (plan && now >= plan.endAt) {
      pool.current = plan.final;
      pool.resizeErrors = plan.errors;
      pool.allocationState = 'steady';
      pool.allocationStateTransitionTime = plan.endAt;
      pool.plan = undefined;
      if (plan.kind === 'resize') pool.lastPlan = plan;
      this.#usageChanged(pool);
    }
    this.#autoScaleTick(pool, now);
    return pool;
  }

  /** Whether core quotas are enforced now; turning them on rebuilds the ledger from every pool. */
  #coreLedger(): boolean {
    const on = !this.#compat().ignoreAccountQuotas;
    if (on && !this.#coreLedgerOn) {
      this.#coreLedgerOn = true;
      this.#coreUsage.clear();
      for (const p of this.#pools.values()) this.#coreUsage.update(p);
    } else if (!on && this.#coreLedgerOn) {
      this.#coreLedgerOn = false;
      this.#coreUsage.clear();
    }
    return on;
  }

  #usageChanged(pool: PoolRecord): void {
    this.#imageUsage.update(pool);
    if (this.#coreLedger()) this.#coreUsage.update(pool);
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
    pool.resizeCount = (pool.resizeCount ?? 0) + 1; // snapshots from before the counter lack it
    pool.lastResize = { startTime: now }; // an explicit resize adds its nodeDeallocationOption
    const settings = this.#faults.allocation;
    const from = pool.current;
    const target = pool.target;
    const reach: NodeCounts = { ...target };
    let failure: ResizeError | undefined;
    const failures: ResizeError[] = [];
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
          const used = this.#imageUsage.usedByOthers(pool, (other) => this.#settle(other, now));
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
      if (this.#coreLedger()) {
        // The account's vCPU quotas (AccountCoreQuotaReached / AccountLowPriorityCoreQuotaReached).
        const cores = pool.coresPerNode ?? 1;
        const quota = this.account.quotas;
        const need = { dedicated: target.dedicated * cores, lowPriority: target.lowPriority * cores };
        const used = this.#coreUsage.usedByOthers(pool, (other) => this.#settle(other, now), {
          dedicated: quota.dedicatedCores - need.dedicated,
          lowPriority: quota.lowPriorityCores - need.lowPriority,
        });
        const allowed = {
          dedicated: Math.max(0, Math.floor((quota.dedicatedCores - used.dedicated) / cores)),
          lowPriority: Math.max(0, Math.floor((quota.lowPriorityCores - used.lowPriority) / cores)),
        };
        const quotaErrors: ResizeError[] = [];
        if (allowed.dedicated < target.dedicated && target.dedicated > from.dedicated)
          quotaErrors.push(resizeErrors.coreQuota());
        if (allowed.lowPriority < target.lowPriority && target.lowPriority > from.lowPriority)
          quotaErrors.push(resizeErrors.lowPriorityCoreQuota());
        if (quotaErrors[0]) {
          fail(quotaErrors[0], allowed);
          if (failure === quotaErrors[0]) failures.push(...quotaErrors);
        }
      }
      const injected: PoolFault | undefined = this.#faults.takePoolFault(pool.id);
      if (injected) fail(injectedError(injected), partial(injected.fraction));
      const random = this.#faults.resizeRandom(pool.id, pool.resizeCount);
      if (settings.failureProbability > 0 && random.next() < settings.failureProbability)
        fail(resizeErrors.allocationFailed(), partial(random.next()));
      if (settings.maxNodesPerResize > 0) {
        reach.dedicated = Math.min(reach.dedicated, from.dedicated + settings.maxNodesPerResize);
        reach.lowPriority = Math.min(reach.lowPriority, from.lowPriority + settings.maxNodesPerResize);
      }
    }
    const plan = planResize({
      startedAt: now,
      from,
      target,
      reach,
      failure,
      ...(failures.length > 1 ? { failures } : {}),
      timeoutMs,
      timing: {
        bootDelayMs: settings.bootDelaySeconds * 1000,
        nodesPerMinute: settings.nodesPerMinute,
        shrinkDelayMs: settings.shrinkDelaySeconds * 1000,
      },
    });
    const shrink = {
      dedicated: Math.max(0, from.dedicated - reach.dedicated),
      lowPriority: Math.max(0, from.lowPriority - reach.lowPriority),
    };
    if (pool.nodes && (shrink.dedicated > 0 || shrink.lowPriority > 0))
      markShrink(pool.nodes, shrink, now, now + plan.timing.shrinkDelayMs, this.#nodeContext(pool));
    return plan;
  }

  // ------------------------------------------------------------------ nodes

  /** The pool's nodes as of now (records brought in line with its counts); throws PoolNotFound. */
  nodes(id: string): { pool: PoolView; nodes: readonly NodeRecord[]; ctx: NodeContext } {
    const pool = this.#live(id);
    const nodes = this.#syncNodes(pool, this.#clock.now());
    return { pool, nodes, ctx: this.#nodeContext(pool) };
  }

  /** A node's state now. */
  nodeStatus(pool: PoolView, node: NodeRecord): NodeStatus {
    return nodeStatus(node, this.#clock.now(), this.#nodeContext(pool));
  }

  /** What the pool's node states depend on, as of now (`now` included), for serialising many nodes. */
  nodeContext(pool: PoolView): NodeContext & { now: number } {
    return { ...this.#nodeContext(pool), now: this.#clock.now() };
  }

  /** BatchPoolNodeCounts of a pool now (dedicated and Spot/low-priority, every state field). */
  nodeCounts(pool: PoolView): { dedicated: Record<string, number>; lowPriority: Record<string, number> } {
    const { nodes, ctx } = this.nodes(pool.id);
    const now = this.#clock.now();
    const out = { dedicated: emptyCounts(), lowPriority: emptyCounts() };
    for (const node of nodes) {
      const c = node.dedicated ? out.dedicated : out.lowPriority;
      const field = COUNT_FIELD[nodeStatus(node, now, ctx).state] ?? 'unknown';
      c[field] = (c[field] ?? 0) + 1;
      c.total = (c.total ?? 0) + 1;
    }
    return out;
  }

  /**
   * Remove nodes (2025-06-01 BatchNodeRemoveOptions): only on a steady pool; the listed nodes leave, the
   * pool resizes (allocationState resizing) and its target goes down by the nodes removed of each type.
   */
  removeNodes(id: string, body: Record<string, unknown>): PoolView {
    const list = body.nodeList;
    if (list === undefined) throw batchErrors.missingProperty('nodeList');
    if (!Array.isArray(list) || list.some((x) => typeof x !== 'string'))
      throw batchErrors.invalidProperty('nodeList', JSON.stringify(list));
    if (list.length === 0 || list.length > 100)
      throw batchErrors.invalidProperty(
        'nodeList',
        String(list.length),
        'A maximum of 100 nodes may be removed per request.',
      );
    readDeallocationOption(body.nodeDeallocationOption);
    const timeout = readResizeTimeout(body.resizeTimeout);
    const pool = this.#live(id);
    if (pool.state === 'deleting') throw batchErrors.poolBeingDeleted();
    if (pool.allocationState !== 'steady') throw batchErrors.ongoingResize(this.#conflictCode);
    const now = this.#clock.now();
    const nodes = this.#syncNodes(pool, now);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const chosen = new Set<NodeRecord>();
    for (const nodeIdText of list as string[]) {
      const node = byId.get(nodeIdText);
      if (!node || node.leavingAt !== undefined) throw nodeNotFound(nodeIdText);
      chosen.add(node);
    }
    const removed = { dedicated: 0, lowPriority: 0 };
    for (const n of chosen) removed[n.dedicated ? 'dedicated' : 'lowPriority'] += 1;
    const from = { ...pool.current };
    const reach = {
      dedicated: from.dedicated - removed.dedicated,
      lowPriority: from.lowPriority - removed.lowPriority,
    };
    pool.target = {
      dedicated: Math.max(0, pool.target.dedicated - removed.dedicated),
      lowPriority: Math.max(0, pool.target.lowPriority - removed.lowPriority),
    };
    pool.resizeTimeout = timeout.text;
    pool.resizeErrors = [];
    pool.allocationState = 'resizing';
    pool.allocationStateTransitionTime = now;
    this.#touch(pool, now);
    const settings = this.#faults.allocation;
    pool.plan = planResize({
      startedAt: now,
      from,
      target: reach,
      reach,
      timeoutMs: timeout.ms,
      timing: {
        bootDelayMs: settings.bootDelaySeconds * 1000,
        nodesPerMinute: settings.nodesPerMinute,
        shrinkDelayMs: settings.shrinkDelaySeconds * 1000,
      },
    });
    for (const n of chosen) {
      n.leavingAt = now;
      n.goneAt = now + pool.plan.timing.shrinkDelayMs;
    }
    this.#usageChanged(pool);
    return pool;
  }

  /** Reboot (rebooting, then starting; the start task runs again) or reimage (reimaging, then the same). */
  restartNode(
    id: string,
    nodeIdText: string,
    kind: 'reboot' | 'reimage',
    body: Record<string, unknown>,
  ): void {
    readDeallocationOption(body[kind === 'reboot' ? 'nodeRebootOption' : 'nodeReimageOption'], kind);
    const pool = this.#live(id);
    const now = this.#clock.now();
    const nodes = this.#syncNodes(pool, now);
    const node = nodes.find((n) => n.id === nodeIdText);
    if (!node) throw nodeNotFound(nodeIdText);
    const ctx = this.#nodeContext(pool);
    const refusal = NODE_STATE_CONFLICTS[nodeStatus(node, now, ctx).state];
    if (refusal) throw new BatchError(409, refusal[0], refusal[1]);
    beginBoot(node, now, kind, ctx);
  }

  #nodeContext(pool: PoolRecord): NodeContext {
    const vmc = pool.spec.virtualMachineConfiguration as
      { imageReference?: Record<string, unknown> } | undefined;
    const ref = vmc?.imageReference;
    const marketplace =
      ref && typeof ref.publisher === 'string'
        ? `${String(ref.publisher)}:${String(ref.offer)}:${String(ref.sku)}`
        : undefined;
    const resolvedDefinition = pool.resolvedImageId?.replace(/\/versions\/[^/]+$/i, '');
    const startTask = pool.spec.startTask;
    return {
      seed: this.#faults.seed,
      poolId: pool.id,
      settings: this.#faults.nodes,
      rates: this.#faults.nodeRates(pool.id, [
        pool.resolvedImageId,
        pool.imageKey,
        resolvedDefinition,
        marketplace,
      ]),
      startTask:
        startTask && typeof startTask === 'object' ? (startTask as Record<string, unknown>) : undefined,
      unusableReason: pool.nodesUnusableReason,
    };
  }

  #syncNodes(pool: PoolRecord, at: number): NodeRecord[] {
    const nodes = syncNodes(pool, at, this.#nodeContext(pool));
    if (!pool.plan) delete pool.lastPlan;
    return nodes;
  }
}

/**
 * Node operations refused in a state: the codes of Azure/azure-sdk-for-net BatchErrorCodeStrings.cs
 * (NodeBeingCreated, NodeBeingStarted, NodeBeingRebooted, NodeBeingReimaged, NodeStateUnusable); the messages,
 * and OperationInvalidForCurrentState for leaving and preempted nodes, are our choice.
 */
const NODE_STATE_CONFLICTS: Record<string, [string, string]> = {
  creating: ['NodeBeingCreated', 'The specified node is being created.'],
  starting: ['NodeBeingStarted', 'The specified node is being started.'],
  waitingforstarttask: ['NodeBeingStarted', 'The specified node is being started.'],
  rebooting: ['NodeBeingRebooted', 'The specified node is being rebooted.'],
  reimaging: ['NodeBeingReimaged', 'The specified node is being reimaged.'],
  unusable: ['NodeStateUnusable', 'The specified node is unusable.'],
  leavingpool: [
    'OperationInvalidForCurrentState',
    'The specified operation is not valid for the current state of the resource.',
  ],
  preempted: [
    'OperationInvalidForCurrentState',
    'The specified operation is not valid for the current state of the resource.',
  ],
};

function nodeNotFound(id: string): BatchError {
  return new BatchError(404, 'NodeNotFound', 'The specified node does not exist.', [
    { key: 'NodeId', value: id },
  ]);
}

const DEALLOCATION_OPTIONS = ['requeue', 'terminate', 'taskcompletion', 'retaineddata'];

/** nodeDeallocationOption / nodeRebootOption / nodeReimageOption: the 2025-06-01 enum, any case. */
function readDeallocationOption(value: unknown, kind?: 'reboot' | 'reimage'): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !DEALLOCATION_OPTIONS.includes(value.toLowerCase()))
    throw batchErrors.invalidProperty(
      kind === undefined
        ? 'nodeDeallocationOption'
        : kind === 'reboot'
          ? 'nodeRebootOption'
          : 'nodeReimageOption',
      typeof value === 'string' ? value : JSON.stringify(value),
    );
}

function injectedError(f: PoolFault): ResizeError {
  const values = f.values && f.values.length > 0 ? { values: f.values } : {};
  if (f.code === 'AllocationFailed' && f.message === undefined)
    return { ...resizeErrors.allocationFailed(), ...values };
  return {
    code: f.code,
    message: f.message ?? `Desired number of nodes could not be allocated (${f.code})`,
    ...values,
  };
}

// Every decision the controller makes, as one pure function: given the object, what Azure looks like and the
// time, say what to do, what the status should become, which events to record and when to look again.
// No I/O, no clock, no randomness of its own: the reconciler observes, this decides, the reconciler acts.

import {
  DEFAULTS,
  IMAGE_LIMITS,
  PAUSED_ANNOTATION,
  type BatchPool,
  type BatchPoolStatus,
  type ImageStatus,
  type Phase,
  type ResizeStatus,
} from '../api/types.ts';
import {
  OWNER_METADATA,
  type CreatePoolParams,
  type PoolSnapshot,
  type ResizeParams,
} from '../azure/ports.ts';
import { findCondition, Reason } from './conditions.ts';
import { formatDuration, parseDuration } from './duration.ts';
import { buildStatus, type Verdict } from './status.ts';

export interface PlanSettings {
  /** How often to look at a pool that is resizing, being created, or being deleted. */
  resizingPollMs: number;
  /** How often to look at a pool that needs nothing (plus up to 25 % jitter, never less). */
  steadyResyncMs: number;
  /** How often to re-check an image that was found missing. */
  imageRecheckMs: number;
  /** How often to re-check an image that exists, for a pool that lives. */
  imageCheckIntervalMs: number;
}

export const DEFAULT_SETTINGS: PlanSettings = {
  resizingPollMs: 30_000,
  steadyResyncMs: 300_000,
  imageRecheckMs: 60_000,
  imageCheckIntervalMs: 600_000,
};

export type AccountState =
  | { kind: 'ok'; name: string }
  | { kind: 'missing'; name: string }
  | { kind: 'not-allowed'; name: string; allowedNamespaces: string[] };

/**
 * Nodes the other BatchPools on the same image claim: the targets of those that come before this one
 * (older first), and the nodes the later ones already hold (they exist, whatever the order says).
 */
export interface ImageUsage {
  dedicated: number;
  lowPriority: number;
  /** namespace/name of every other BatchPool that uses the same image. */
  sharedWith: string[];
}

export interface PlanInput {
  object: BatchPool;
  account: AccountState;
  /** The pool as Azure reports it; `pool: undefined` = it does not exist. Absent when Azure was not asked. */
  observed?: { pool: PoolSnapshot | undefined };
  /** A fresh image check made during this pass, if one was made. */
  imageCheck?: { exists: boolean };
  usage: ImageUsage;
  now: number;
  /** A number in [0, 1); the only source of jitter. */
  random: () => number;
  settings: PlanSettings;
}

export type Action =
  | { kind: 'none' }
  | { kind: 'create'; params: CreatePoolParams }
  | { kind: 'resize'; poolId: string; params: ResizeParams }
  | { kind: 'stopResize'; poolId: string }
  | { kind: 'delete'; poolId: string }
  | { kind: 'removeFinalizer' };

export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface PlanResult {
  action: Action;
  status: BatchPoolStatus;
  events: PlannedEvent[];
  /** Why, in one PascalCase word, for the decision log. */
  reason: string;
  /** When to look again; undefined = only when something changes. */
  requeueAfterMs: number | undefined;
}

interface Targets {
  dedicated: number;
  lowPriority: number;
}

const NONE: Action = { kind: 'none' };

/** How soon a resize that ended with AllocationTimedout is issued again. */
const TIMEOUT_REISSUE_MS = 1_000;

/** Clock skew we tolerate between the operator and Azure when judging whether an error is stale. */
const STALE_SKEW_MS = 120_000;

export const IMAGE_ADVICE =
  'A custom image must exist for the whole life of a pool built from it; if it (or the resource it was made ' +
  'from) is deleted, the pool cannot be scaled. Restore the image, or create a new BatchPool from an image that exists.';

// ------------------------------------------------------------------------------------------------ helpers

/** Azure's text as one sentence: its own final period kept, one added only when it has none. */
export function sentence(text: string): string {
  const t = text.trim();
  return t === '' || /[.!?…]$/.test(t) ? t : `${t}.`;
}

export function poolIdOf(object: BatchPool): string {
  return object.spec.poolId ?? object.metadata.name;
}

export function desiredTargets(object: BatchPool): Targets {
  return {
    dedicated: object.spec.targetDedicatedNodes ?? 0,
    lowPriority: object.spec.targetLowPriorityNodes ?? DEFAULTS.targetLowPriorityNodes,
  };
}

export function isPaused(object: BatchPool): boolean {
  return object.metadata.annotations?.[PAUSED_ANNOTATION]?.toLowerCase() === 'true';
}

function sameTargets(a: Targets | undefined, b: Targets | undefined): boolean {
  return !!a && !!b && a.dedicated === b.dedicated && a.lowPriority === b.lowPriority;
}

function fmt(t: Targets): string {
  return t.lowPriority
    ? `${t.dedicated} dedicated + ${t.lowPriority} low-priority`
    : `${t.dedicated} dedicated`;
}

function poolTargets(p: PoolSnapshot): Targets {
  return { dedicated: p.targetDedicatedNodes, lowPriority: p.targetLowPriorityNodes };
}

function poolCurrent(p: PoolSnapshot): Targets {
  return { dedicated: p.currentDedicatedNodes, lowPriority: p.currentLowPriorityNodes };
}

/** The next target to ask for: the whole way, or at most `maxStep` more nodes per kind when growing. */
export function nextStep(current: Targets, desired: Targets, maxStep: number): Targets {
  const one = (cur: number, want: number) =>
    maxStep > 0 && want > cur ? Math.min(want, cur + maxStep) : want;
  return {
    dedicated: one(current.dedicated, desired.dedicated),
    lowPriority: one(current.lowPriority, desired.lowPriority),
  };
}

/** Whether a resize to `issued` is on the way to `desired` (equal, or a growth step below it). */
function towardDesired(issued: Targets | undefined, desired: Targets, maxStep: number): boolean {
  if (!issued) return false;
  if (sameTargets(issued, desired)) return true;
  return maxStep > 0 && issued.dedicated <= desired.dedicated && issued.lowPriority <= desired.lowPriority;
}

/** The pool's metadata names this object (namespace and name; the uid changes when the object is re-created). */
export function isOwnedBy(pool: PoolSnapshot, object: BatchPool): boolean {
  return pool.owner.namespace === object.metadata.namespace && pool.owner.name === object.metadata.name;
}

function ownerText(pool: PoolSnapshot): string {
  const o = pool.owner;
  return o.namespace || o.name ? `BatchPool ${o.namespace ?? '?'}/${o.name ?? '?'}` : 'no BatchPool';
}

export function ownerMetadata(object: BatchPool): { name: string; value: string }[] {
  return [
    { name: OWNER_METADATA.namespace, value: object.metadata.namespace ?? '' },
    { name: OWNER_METADATA.name, value: object.metadata.name },
    { name: OWNER_METADATA.uid, value: object.metadata.uid ?? '' },
  ];
}

const ALLOCATION_CODES = new Set(['allocationfailed', 'allocationtimedout']);

function pickError(errors: PoolSnapshot['resizeErrors']) {
  return errors.find((e) => ALLOCATION_CODES.has(e.code.toLowerCase())) ?? errors[0];
}

/** Backoff before re-issuing after the n-th consecutive failed resize (n ≥ 1), with ±20 % jitter. */
export function backoffMs(object: BatchPool, attempts: number, random: () => number, slow = false): number {
  const initial =
    parseDuration(object.spec.resizeStrategy?.backoff?.initial) ?? parseDuration(DEFAULTS.backoffInitial)!;
  const max = Math.max(
    initial,
    parseDuration(object.spec.resizeStrategy?.backoff?.max) ?? parseDuration(DEFAULTS.backoffMax)!,
  );
  const base = slow ? max : Math.min(max, initial * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * Sums the other BatchPools on the same image (case-insensitive): the targets of the older ones, which come
 * first, and what the newer ones already hold — so a newer pool can never stall an older one, and an older
 * pool does not grow into nodes a newer one has.
 */
export function imageUsage(self: BatchPool, all: readonly BatchPool[]): ImageUsage {
  const imageId = self.spec.image.id.toLowerCase();
  const key = (p: BatchPool) => `${p.metadata.namespace ?? ''}/${p.metadata.name}`;
  const order = (p: BatchPool) => `${p.metadata.creationTimestamp ?? '9999'}\u0000${key(p)}`;
  const selfKey = key(self);
  const usage: ImageUsage = { dedicated: 0, lowPriority: 0, sharedWith: [] };
  for (const p of all) {
    if (key(p) === selfKey || p.spec.image.id.toLowerCase() !== imageId) continue;
    usage.sharedWith.push(key(p));
    if (order(p) < order(self)) {
      const t = desiredTargets(p);
      usage.dedicated += t.dedicated;
      usage.lowPriority += t.lowPriority;
    } else {
      usage.dedicated += p.status?.currentDedicatedNodes ?? 0;
      usage.lowPriority += p.status?.currentLowPriorityNodes ?? 0;
    }
  }
  usage.sharedWith.sort();
  return usage;
}

/**
 * Whether the reconciler should ask ARM about the image in this pass: before a create, after a resize error,
 * while it is known missing, and every `imageCheckIntervalMs` otherwise — not on every reconcile.
 */
export function needsImageCheck(
  object: BatchPool,
  pool: PoolSnapshot | undefined,
  now: number,
  s: PlanSettings,
): boolean {
  const img = object.status?.image;
  if (!img || img.id !== object.spec.image.id || !img.exists) return true;
  if (!pool) return true;
  const r = object.status?.resize;
  const short =
    pool.currentDedicatedNodes < pool.targetDedicatedNodes ||
    pool.currentLowPriorityNodes < pool.targetLowPriorityNodes;
  if (pool.allocationState === 'steady' && pool.resizeErrors.length > 0 && short) {
    const recorded = r?.lastError && r.lastIssuedAt && r.lastError.observedAt >= r.lastIssuedAt;
    if (!recorded) return true;
  }
  return now - Date.parse(img.checkedAt) >= s.imageCheckIntervalMs;
}

// ------------------------------------------------------------------------------------------------ plan

class Planner {
  readonly in: PlanInput;
  readonly object: BatchPool;
  readonly prev: BatchPoolStatus;
  readonly nowIso: string;
  readonly poolId: string;
  readonly desired: Targets;
  readonly maxStep: number;
  readonly paused: boolean;
  readonly events: PlannedEvent[] = [];
  resize: ResizeStatus | undefined;
  image: ImageStatus | undefined;

  constructor(input: PlanInput) {
    this.in = input;
    this.object = input.object;
    this.prev = input.object.status ?? {};
    this.nowIso = new Date(input.now).toISOString();
    this.poolId = poolIdOf(input.object);
    this.desired = desiredTargets(input.object);
    this.maxStep = input.object.spec.resizeStrategy?.maxNodesPerResize ?? 0;
    this.paused = isPaused(input.object);
    this.resize = this.prev.resize ? { ...this.prev.resize } : undefined;
    this.image = this.observeImage();
  }

  private observeImage(): ImageStatus | undefined {
    const id = this.object.spec.image.id;
    const before = this.prev.image?.id === id ? this.prev.image : undefined;
    const check = this.in.imageCheck;
    if (!check) return before;
    if (!check.exists && before?.exists !== false) {
      this.event(
        'Warning',
        Reason.ImageNotFound,
        `Image ${id} does not exist: no resize will be issued. ${IMAGE_ADVICE}`,
      );
    } else if (check.exists && before?.exists === false) {
      this.event('Normal', 'ImageRestored', `Image ${id} exists again; resizing resumes.`);
    }
    return { id, exists: check.exists, checkedAt: this.nowIso };
  }

  event(type: PlannedEvent['type'], reason: string, message: string) {
    this.events.push({ type, reason, message });
  }

  result(action: Action, verdict: Verdict, reason: string, requeueAfterMs: number | undefined): PlanResult {
    const pool = this.in.observed?.pool;
    const status = buildStatus({
      previous: this.prev,
      generation: this.object.metadata.generation,
      poolId: this.poolId,
      pool,
      resize: this.resize,
      image: this.image,
      verdict,
      paused: this.paused,
      nowIso: this.nowIso,
    });
    if (verdict.phase === 'Stalled' && verdict.stalledReason) {
      const before = findCondition(this.prev.conditions, 'Stalled');
      const isNew = before?.status !== 'True' || before.reason !== verdict.stalledReason;
      if (isNew && !this.events.some((e) => e.reason === verdict.stalledReason)) {
        this.event('Warning', verdict.stalledReason, verdict.message);
      }
    }
    return { action, status, events: this.events, reason, requeueAfterMs };
  }

  poll(): number {
    return Math.round(this.in.settings.resizingPollMs * (0.9 + 0.2 * this.in.random()));
  }

  resync(): number {
    // Never below the configured period: steady pools cost at most one GET per period.
    return Math.round(this.in.settings.steadyResyncMs * (1 + 0.25 * this.in.random()));
  }

  stalled(reason: string, message: string, requeue = this.resync()): PlanResult {
    return this.result(NONE, { phase: 'Stalled', stalledReason: reason, reason, message }, reason, requeue);
  }

  working(phase: Phase, reason: string, message: string, action: Action, requeue: number): PlanResult {
    return this.result(action, { phase, reason, message }, reason, requeue);
  }

  pausedHold(message: string, requeue = this.resync()): PlanResult {
    const pool = this.in.observed?.pool;
    const phase: Phase = this.object.metadata.deletionTimestamp
      ? 'Deleting'
      : pool && pool.allocationState !== 'steady'
        ? 'Resizing'
        : 'Pending';
    return this.result(
      NONE,
      { phase, reason: Reason.Paused, message: `Paused by annotation ${PAUSED_ANNOTATION}: ${message}` },
      Reason.Paused,
      requeue,
    );
  }

  issueResize(to: Targets, attempts: number, why: string, message: string): PlanResult {
    const params: ResizeParams = {
      targetDedicatedNodes: to.dedicated,
      targetLowPriorityNodes: to.lowPriority,
      resizeTimeout: this.object.spec.resizeTimeout ?? DEFAULTS.resizeTimeout,
      nodeDeallocationOption: this.object.spec.nodeDeallocationOption ?? DEFAULTS.nodeDeallocationOption,
    };
    const keepError = attempts > 1 ? this.resize?.lastError : undefined;
    this.resize = {
      attempts,
      lastIssuedAt: this.nowIso,
      lastTarget: to,
      ...(keepError && { lastError: keepError }),
    };
    const stepNote = sameTargets(to, this.desired) ? '' : ` (a step towards ${fmt(this.desired)})`;
    this.event(
      'Normal',
      'ResizeIssued',
      `Resizing pool ${this.poolId} to ${fmt(to)}${stepNote}, attempt ${attempts}: ${message}`,
    );
    return this.result(
      { kind: 'resize', poolId: this.poolId, params },
      {
        phase: 'Resizing',
        reason: Reason.Resizing,
        message: `Resizing to ${fmt(to)}${stepNote}, attempt ${attempts}`,
      },
      why,
      this.poll(),
    );
  }
}

export function plan(input: PlanInput): PlanResult {
  const p = new Planner(input);
  if (input.object.metadata.deletionTimestamp) return planDeletion(p);
  return planLiving(p);
}

function planDeletion(p: Planner): PlanResult {
  const { object, in: input } = p;
  const policy = object.spec.deletionPolicy ?? DEFAULTS.deletionPolicy;
  if (p.paused) return p.pausedHold('deletion waits until the annotation is removed');
  if (input.account.kind !== 'ok') {
    p.event(
      'Warning',
      'PoolLeftInAzure',
      `Pool ${p.poolId} was not deleted: ${accountProblem(object, input.account).message}`,
    );
    return p.result(
      { kind: 'removeFinalizer' },
      { phase: 'Deleting', reason: Reason.Deleting, message: 'Removing the finalizer' },
      'AccountUnusable',
      undefined,
    );
  }
  const done = (reason: string, type: PlannedEvent['type'], message: string): PlanResult => {
    p.event(type, reason, message);
    return p.result(
      { kind: 'removeFinalizer' },
      { phase: 'Deleting', reason: Reason.Deleting, message },
      reason,
      undefined,
    );
  };
  if (policy === 'Retain')
    return done('PoolRetained', 'Normal', `Pool ${p.poolId} kept in Azure (deletionPolicy: Retain).`);
  const pool = input.observed?.pool;
  if (!pool) return done('PoolDeleted', 'Normal', `Pool ${p.poolId} is gone from Azure.`);
  if (!isOwnedBy(pool, object)) {
    return done(
      'PoolNotOwned',
      'Warning',
      `Pool ${p.poolId} was not created by this BatchPool (its metadata names ${ownerText(pool)}); left in Azure.`,
    );
  }
  if (pool.state === 'deleting') {
    return p.working(
      'Deleting',
      Reason.Deleting,
      `Waiting for Azure to delete pool ${p.poolId}`,
      NONE,
      p.poll(),
    );
  }
  p.event('Normal', 'PoolDeleting', `Deleting pool ${p.poolId} (deletionPolicy: Delete).`);
  return p.working(
    'Deleting',
    Reason.Deleting,
    `Deleting pool ${p.poolId}`,
    { kind: 'delete', poolId: p.poolId },
    p.poll(),
  );
}

function accountProblem(object: BatchPool, account: AccountState): { reason: string; message: string } {
  if (account.kind === 'missing') {
    return {
      reason: Reason.AccountNotFound,
      message: `BatchAccount ${account.name} does not exist; nothing is done in Azure until it does.`,
    };
  }
  const allowed = account.kind === 'not-allowed' ? account.allowedNamespaces : [];
  return {
    reason: Reason.NamespaceNotAllowed,
    message:
      `BatchAccount ${account.name} does not allow namespace ${object.metadata.namespace ?? ''} ` +
      `(allowedNamespaces: [${allowed.join(', ')}]); ask a cluster admin to add it.`,
  };
}

function planLiving(p: Planner): PlanResult {
  const { object, in: input, desired } = p;
  const generationChanged = p.prev.observedGeneration !== object.metadata.generation;

  if (input.account.kind !== 'ok') {
    const { reason, message } = accountProblem(object, input.account);
    return p.stalled(reason, message);
  }

  if (input.usage.sharedWith.length > 0 && generationChanged) {
    p.event(
      'Warning',
      'ImageShared',
      `Image ${object.spec.image.id} is also used by ${input.usage.sharedWith.join(', ')}: pools that share an image share ` +
        `its node limits (${IMAGE_LIMITS.dedicated} dedicated / ${IMAGE_LIMITS.lowPriority} low-priority); use one image per pool.`,
    );
  }

  const observed = input.observed;
  if (!observed) return p.working('Pending', Reason.Creating, 'Waiting to observe Azure', NONE, p.poll());
  const pool = observed.pool;

  if (pool && !isOwnedBy(pool, object)) {
    return p.stalled(
      Reason.PoolNotOwned,
      `An Azure Batch pool with ID ${p.poolId} already exists in account ${input.account.name} and was not created by ` +
        `this BatchPool (its metadata names ${ownerText(pool)}); it is left untouched. Choose another spec.poolId, or delete that pool.`,
    );
  }

  // The limits gate growth only: a pool that needs nothing more from Azure is not refused anything.
  const grows =
    !pool ||
    desired.dedicated > Math.min(pool.targetDedicatedNodes, pool.currentDedicatedNodes) ||
    desired.lowPriority > Math.min(pool.targetLowPriorityNodes, pool.currentLowPriorityNodes);
  const wantD = input.usage.dedicated + desired.dedicated;
  const wantL = input.usage.lowPriority + desired.lowPriority;
  if (grows && (wantD > IMAGE_LIMITS.dedicated || wantL > IMAGE_LIMITS.lowPriority)) {
    const others = input.usage.sharedWith.length;
    return p.stalled(
      Reason.ImageLimitExceeded,
      `Image ${object.spec.image.id} would carry ${wantD} dedicated and ${wantL} low-priority nodes ` +
        `(this pool ${fmt(desired)}${others ? `, ${input.usage.dedicated} dedicated + ${input.usage.lowPriority} low-priority claimed by other BatchPools on the same image` : ''}); ` +
        `the custom-image limit is ${IMAGE_LIMITS.dedicated} dedicated and ${IMAGE_LIMITS.lowPriority} low-priority nodes per image. ` +
        `Lower the targets or use a distinct image. Nothing was sent to Azure.`,
    );
  }

  if (p.image?.exists === false) {
    return p.stalled(
      Reason.ImageNotFound,
      `Image ${object.spec.image.id} does not exist, so no resize is issued. ${IMAGE_ADVICE}`,
      input.settings.imageRecheckMs,
    );
  }

  if (!pool) return planCreate(p);

  if (pool.state === 'deleting') {
    return p.working(
      'Pending',
      Reason.Creating,
      `Pool ${p.poolId} is being deleted outside the operator; it will be re-created once gone`,
      NONE,
      p.poll(),
    );
  }

  if (pool.allocationState === 'stopping') {
    return p.working(
      'Resizing',
      Reason.StoppingResize,
      `Waiting for the stopped resize of pool ${p.poolId} to settle`,
      NONE,
      p.poll(),
    );
  }

  const maxStep = p.maxStep;
  if (pool.allocationState === 'resizing') {
    const running = poolTargets(pool);
    const creating = p.prev.phase === 'Creating';
    if (towardDesired(running, desired, maxStep)) {
      const a = p.resize?.attempts ?? 1;
      return p.working(
        creating ? 'Creating' : 'Resizing',
        creating ? Reason.Creating : Reason.Resizing,
        `${creating ? 'Creating' : 'Resizing'}: ${fmt(poolCurrent(pool))} of ${fmt(running)}, attempt ${a}`,
        NONE,
        p.poll(),
      );
    }
    if (p.paused)
      return p.pausedHold(`the running resize to ${fmt(running)} no longer matches the spec`, p.poll());
    if (p.resize?.lastTarget && !sameTargets(running, p.resize.lastTarget)) {
      p.event(
        'Warning',
        'Drift',
        `Pool ${p.poolId} is being resized outside the operator to ${fmt(running)}; restoring ${fmt(desired)}.`,
      );
    }
    p.event(
      'Normal',
      'ResizeStopping',
      `The spec asks for ${fmt(desired)} while pool ${p.poolId} is resizing to ${fmt(running)}: stopping that resize first.`,
    );
    return p.working(
      'Resizing',
      Reason.StoppingResize,
      `Stopping the resize to ${fmt(running)} to issue ${fmt(desired)}`,
      { kind: 'stopResize', poolId: p.poolId },
      p.poll(),
    );
  }

  // steady
  const current = poolCurrent(pool);
  if (sameTargets(current, desired) && sameTargets(poolTargets(pool), desired)) {
    if (p.resize) {
      delete p.resize.lastError;
      delete p.resize.nextAttemptAt;
    }
    if (p.prev.phase !== 'Ready') {
      const n = p.resize?.attempts;
      p.event(
        'Normal',
        'TargetReached',
        `Pool ${p.poolId} reached ${fmt(desired)} nodes${n ? ` (attempt ${n})` : ''}.`,
      );
    }
    return p.result(
      NONE,
      {
        phase: 'Ready',
        reason: Reason.TargetReached,
        message: `Pool ${p.poolId} has ${fmt(desired)} nodes, as asked`,
      },
      Reason.TargetReached,
      p.resync(),
    );
  }

  if (p.image?.exists !== true) {
    return p.working(
      'Pending',
      Reason.WaitingForImageCheck,
      `Waiting to confirm image ${object.spec.image.id}`,
      NONE,
      p.poll(),
    );
  }

  const issued = p.resize?.lastTarget;
  const err = pickError(pool.resizeErrors);
  const lastIssuedAt = p.resize?.lastIssuedAt ? Date.parse(p.resize.lastIssuedAt) : undefined;
  // Errors from a pool that settled well before our last resize belong to an earlier one. The margin keeps
  // clock skew between us and Azure from turning a fast real failure into "stale" (and a resize loop).
  const settledBeforeIssue =
    pool.allocationStateTransitionTime !== undefined &&
    lastIssuedAt !== undefined &&
    pool.allocationStateTransitionTime < lastIssuedAt - STALE_SKEW_MS;
  const ours =
    issued !== undefined && sameTargets(poolTargets(pool), issued) && towardDesired(issued, desired, maxStep);
  const ownError = err && ours && !settledBeforeIssue ? err : undefined;
  const step = nextStep(current, desired, maxStep);

  if (ownError && p.resize) {
    const r = p.resize;
    const attempts = r.attempts;
    const recorded = r.lastError && r.lastIssuedAt && r.lastError.observedAt >= r.lastIssuedAt;
    const code = ownError.code;
    // Whether the resize before this one timed out: timeouts are not failures, so a failure that follows
    // them starts the backoff afresh rather than at the exponent the timeouts ran up.
    const afterTimeout = !recorded && r.lastError?.code.toLowerCase() === 'allocationtimedout';
    if (!recorded) {
      r.lastError = { code, message: ownError.message, observedAt: p.nowIso };
      delete r.nextAttemptAt;
    }
    if (code.toLowerCase() === 'resizestopped') {
      if (p.paused) return p.pausedHold('the resize was stopped outside the operator');
      p.event(
        'Warning',
        'Drift',
        `The resize of pool ${p.poolId} was stopped outside the operator at ${fmt(current)}; restoring the spec.`,
      );
      return p.issueResize(
        step,
        1,
        'ResizeStoppedOutOfBand',
        'the previous resize was stopped outside the operator',
      );
    }
    const maxAttempts = object.spec.resizeStrategy?.maxAttempts;
    if (maxAttempts !== undefined && maxAttempts > 0 && attempts >= maxAttempts) {
      return p.stalled(
        Reason.ResizeAttemptsExhausted,
        `${attempts} resizes in a row ended short of ${fmt(desired)} (last: ${code} at ${fmt(current)}); ` +
          `resizeStrategy.maxAttempts is ${maxAttempts}. Change the target or raise maxAttempts to try again.`,
      );
    }
    if (!r.nextAttemptAt) {
      // A timed-out resize has already waited its whole resizeTimeout while Azure kept allocating: the
      // source document's advice is to issue another resize, and backing off on top of that would only
      // slow a pool that is growing. It goes out at the next pass, a second later (not in this one, so
      // the error is recorded before the resize it belongs to is replaced). Other errors back off,
      // doubling per failure in a row.
      const timedOut = code.toLowerCase() === 'allocationtimedout';
      const wait = timedOut
        ? TIMEOUT_REISSUE_MS
        : backoffMs(object, afterTimeout ? 1 : attempts, input.random, /quota/i.test(code));
      r.nextAttemptAt = new Date(input.now + wait).toISOString();
      p.event(
        'Warning',
        'ResizeError',
        `Resize of pool ${p.poolId} to ${fmt(issued!)} ended with ${code} at ${fmt(current)} (attempt ${attempts}): ` +
          `${sentence(ownError.message)} ${timedOut ? 'Re-issuing it now: it already waited its resizeTimeout.' : `Retrying in ${formatDuration(wait)}.`}`,
      );
    }
    const nextAt = Date.parse(r.nextAttemptAt);
    if (input.now < nextAt) {
      return p.working(
        'Backoff',
        Reason.Backoff,
        `${code} at ${fmt(current)} of ${fmt(desired)} after attempt ${attempts}; next attempt at ${r.nextAttemptAt}`,
        NONE,
        Math.max(1000, nextAt - input.now),
      );
    }
    if (p.paused) return p.pausedHold(`a resize would be re-issued after ${code}`);
    return p.issueResize(step, attempts + 1, `Reissue${code}`, `re-issuing after ${code} at ${fmt(current)}`);
  }

  if (p.paused)
    return p.pausedHold(`pool ${p.poolId} is at ${fmt(current)}, the spec asks for ${fmt(desired)}`);
  // No error of ours: the spec changed, a step finished, or someone resized or shrank the pool out of band.
  const staleNote = err ? ` (ignoring ${err.code} left over from an earlier resize)` : '';
  if (issued && towardDesired(issued, desired, maxStep) && !sameTargets(poolTargets(pool), issued)) {
    p.event(
      'Warning',
      'Drift',
      `Pool ${p.poolId} was resized outside the operator to ${fmt(poolTargets(pool))}; restoring ${fmt(desired)}.`,
    );
    return p.issueResize(step, 1, 'Drift', `restoring the spec after an out-of-band resize${staleNote}`);
  }
  const specChanged = !issued || !towardDesired(issued, desired, maxStep);
  const why = specChanged ? 'the target changed' : `continuing from ${fmt(current)}`;
  return p.issueResize(
    step,
    1,
    err ? 'StaleResizeError' : specChanged ? 'SpecChanged' : 'NextStep',
    `${why}${staleNote}`,
  );
}

function planCreate(p: Planner): PlanResult {
  const { object } = p;
  if (p.image?.exists !== true) {
    return p.working(
      'Pending',
      Reason.WaitingForImageCheck,
      `Waiting to confirm image ${object.spec.image.id} before creating the pool`,
      NONE,
      p.poll(),
    );
  }
  if (p.paused) return p.pausedHold(`pool ${p.poolId} does not exist and will not be created`);
  const recreate = p.prev.resize?.lastIssuedAt !== undefined;
  const first = nextStep({ dedicated: 0, lowPriority: 0 }, p.desired, p.maxStep);
  const s = object.spec;
  const params: CreatePoolParams = {
    id: p.poolId,
    vmSize: s.vmSize,
    imageId: s.image.id,
    nodeAgentSkuId: s.nodeAgentSkuId,
    targetDedicatedNodes: first.dedicated,
    targetLowPriorityNodes: first.lowPriority,
    resizeTimeout: s.resizeTimeout ?? DEFAULTS.resizeTimeout,
    metadata: [...(s.metadata ?? []), ...ownerMetadata(object)],
    ...(s.taskSlotsPerNode !== undefined && { taskSlotsPerNode: s.taskSlotsPerNode }),
    ...(s.startTask && { startTask: s.startTask }),
    ...(s.networkConfiguration && { networkConfiguration: s.networkConfiguration }),
  };
  p.resize = { attempts: 1, lastIssuedAt: p.nowIso, lastTarget: first };
  if (recreate) {
    p.event(
      'Warning',
      'PoolRecreated',
      `Pool ${p.poolId} was deleted outside the operator; re-creating it with ${fmt(first)} nodes.`,
    );
  }
  p.event(
    'Normal',
    'PoolCreating',
    `Creating pool ${p.poolId} from image ${s.image.id} with ${fmt(first)} nodes.`,
  );
  return p.working(
    'Creating',
    Reason.Creating,
    `Creating pool ${p.poolId} with ${fmt(first)} nodes`,
    { kind: 'create', params },
    p.poll(),
  );
}

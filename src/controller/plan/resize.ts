// The pool exists and is ours: wait while Azure works, stop a resize the spec no longer wants, and when the
// pool is steady, either it is at the spec (Ready), or its last resize ended short (back off, then re-issue),
// or it is short for another reason (the spec changed, a step finished, someone resized it) and is resized.

import type { ResizeErrorSnapshot, PoolSnapshot } from '../../azure/ports.ts';
import { isAllocationError, resizeErrorKind, type ResizeErrorKind } from '../../errors.ts';
import type { ResizeStatus } from '../../api/types.ts';
import { Reason } from '../conditions.ts';
import { formatDuration } from '../duration.ts';
import { backoffMs, longBackoffMs, TIMEOUT_REISSUE_MS } from './backoff.ts';
import { NONE, type Planner } from './context.ts';
import { nodeAgentVerdict } from './image.ts';
import {
  errorText,
  imageSay,
  note,
  pausedBecause,
  phrase,
  resizeBecause,
  sentence,
  stalled,
} from './messages.ts';
import { planUsable, removedByUs } from './recovery.ts';
import { nextStep, poolCurrent, poolTargets, sameTargets, towardDesired } from './targets.ts';
import type { PlanResult, Targets } from './types.ts';

/** Clock skew we tolerate between the operator and Azure when judging whether an error is stale. */
const STALE_SKEW_MS = 120_000;

/** Azure is resizing: wait if it is on the way to the spec, else stop that resize first. */
export function planResizing(p: Planner, pool: PoolSnapshot): PlanResult {
  const { desired } = p;
  const running = poolTargets(pool);
  if (removedByUs(p, pool)) {
    return p.working(
      'Recovering',
      Reason.RemovingNodes,
      phrase.removingNodes(p.poolId, poolCurrent(pool), running),
      NONE,
      p.poll(),
    );
  }
  if (towardDesired(running, desired, p.maxStep)) {
    const creating = p.prev.phase === 'Creating';
    return p.working(
      creating ? 'Creating' : 'Resizing',
      creating ? Reason.Creating : Reason.Resizing,
      phrase.growing(creating, poolCurrent(pool), running, p.resize?.attempts ?? 1),
      NONE,
      p.poll(),
    );
  }
  if (p.paused) return p.pausedHold(pausedBecause.runningResizeDiffers(running), p.poll());
  if (p.resize?.lastTarget && !sameTargets(running, p.resize.lastTarget)) {
    p.event('Warning', 'Drift', note.driftResizing(p.poolId, running, desired));
  }
  p.event('Normal', 'ResizeStopping', note.resizeStopping(p.poolId, desired, running), 'StopResize');
  return p.working(
    'Resizing',
    Reason.StoppingResize,
    phrase.stoppingToReissue(running, desired),
    { kind: 'stopResize', poolId: p.poolId },
    p.poll(),
  );
}

export function planSteady(p: Planner, pool: PoolSnapshot): PlanResult {
  if (sameTargets(poolCurrent(pool), p.desired) && sameTargets(poolTargets(pool), p.desired)) {
    return planAtTarget(p, pool);
  }
  if (p.image?.exists !== true) {
    const imageId = p.object.spec.image.id;
    return p.working('Pending', Reason.WaitingForImageCheck, phrase.waitingForImage(imageId), NONE, p.poll());
  }
  const err = pickError(pool.resizeErrors);
  if (err && p.resize && isOwnError(p, pool)) return planAfterError(p, pool, err, p.resize);
  return planShort(p, pool, err);
}

function planAtTarget(p: Planner, pool: PoolSnapshot): PlanResult {
  const usable = planUsable(p, pool);
  if (usable && 'status' in usable) return usable;
  if (p.resize) {
    delete p.resize.lastError;
    delete p.resize.nextAttemptAt;
  }
  if (p.prev.phase !== 'Ready') {
    p.event('Normal', 'TargetReached', note.targetReached(p.poolId, p.desired, p.resize?.attempts));
  }
  const message = [phrase.atTarget(p.poolId, p.desired), usable?.note, ...readyNotes(p)]
    .filter((m) => m !== undefined)
    .join('; ');
  return p.result(
    usable?.ready ?? NONE,
    { phase: 'Ready', reason: Reason.TargetReached, message },
    Reason.TargetReached,
    p.resync(),
  );
}

/** What a person should know about a pool that is fine for now: a retired image source, an end of life ahead. */
function readyNotes(p: Planner): string[] {
  const image = p.imageVerdict(true);
  const agent = nodeAgentVerdict(
    p.nodeAgent,
    p.object.spec.nodeAgentSkuId,
    true,
    p.in.now,
    p.image?.osType,
    () => [],
  );
  return [image.kind === 'ok' ? image.note : undefined, agent.kind === 'ok' ? agent.note : undefined].filter(
    (n): n is string => n !== undefined,
  );
}

function pickError(errors: readonly ResizeErrorSnapshot[]): ResizeErrorSnapshot | undefined {
  return errors.find((e) => isAllocationError(e.code)) ?? errors[0];
}

/**
 * Whether the pool's resize errors belong to the operator's last resize: the pool's targets are the ones it
 * issued, still on the way to the spec, and the pool did not settle well before it issued them. Errors from a
 * pool that settled before our last resize belong to an earlier one; the margin keeps clock skew between us
 * and Azure from turning a fast real failure into "stale" (and a resize loop).
 */
function isOwnError(p: Planner, pool: PoolSnapshot): boolean {
  const issued = p.resize?.lastTarget;
  if (!issued || !sameTargets(poolTargets(pool), issued) || !towardDesired(issued, p.desired, p.maxStep)) {
    return false;
  }
  const lastIssuedAt = p.resize?.lastIssuedAt ? Date.parse(p.resize.lastIssuedAt) : undefined;
  const settledBeforeIssue =
    pool.allocationStateTransitionTime !== undefined &&
    lastIssuedAt !== undefined &&
    pool.allocationStateTransitionTime < lastIssuedAt - STALE_SKEW_MS;
  return !settledBeforeIssue;
}

/** Whether the resize error on the status was seen after the last resize was issued. */
export function isRecordedError(r: ResizeStatus): boolean {
  return !!(r.lastError && r.lastIssuedAt && r.lastError.observedAt >= r.lastIssuedAt);
}

/** Our last resize ended short with `err`: record it once, then back off and re-issue (or give up). */
function planAfterError(
  p: Planner,
  pool: PoolSnapshot,
  err: ResizeErrorSnapshot,
  r: ResizeStatus,
): PlanResult {
  const current = poolCurrent(pool);
  const step = nextStep(current, p.desired, p.maxStep);
  const kind = resizeErrorKind(err.code);
  const fresh = !isRecordedError(r);
  // Whether the resize before this one timed out: timeouts are not failures, so a failure that follows
  // them starts the backoff afresh rather than at the exponent the timeouts ran up.
  const afterTimeout =
    fresh && r.lastError !== undefined && resizeErrorKind(r.lastError.code) === 'timed-out';
  if (fresh) {
    r.lastError = { code: err.code, message: errorText(err), observedAt: p.nowIso };
    delete r.nextAttemptAt;
  }
  if (kind === 'stopped') {
    if (p.paused) return p.pausedHold(pausedBecause.stoppedOutOfBand);
    p.event('Warning', 'Drift', note.driftStopped(p.poolId, current));
    return p.issueResize(step, 1, 'ResizeStoppedOutOfBand', resizeBecause.stoppedOutOfBand);
  }
  const maxAttempts = p.object.spec.resizeStrategy?.maxAttempts;
  if (maxAttempts !== undefined && maxAttempts > 0 && r.attempts >= maxAttempts) {
    return p.stalled(
      Reason.ResizeAttemptsExhausted,
      stalled.attemptsExhausted(r.attempts, p.desired, err.code, current, maxAttempts),
    );
  }
  if (!r.nextAttemptAt) scheduleNextAttempt(p, r, err, kind, afterTimeout, current);
  const nextAt = Date.parse(r.nextAttemptAt!);
  if (p.in.now < nextAt && kind === 'quota') {
    // Only a person can raise a quota; the resize is still tried again after the long backoff.
    const waitText = formatDuration(longBackoffMs(p.object));
    return p.stalled(
      Reason.QuotaReached,
      imageSay.quota(err.code, sentence(errorText(err)), waitText),
      nextAt - p.in.now,
    );
  }
  if (p.in.now < nextAt && kind === 'timed-out') {
    // Not a backoff: the next resize goes out at the next pass, a second from now.
    return p.working(
      'Resizing',
      Reason.Resizing,
      phrase.reissuingAfterTimeout(current, p.desired, r.attempts),
      NONE,
      Math.max(1000, nextAt - p.in.now),
    );
  }
  if (p.in.now < nextAt) {
    return p.working(
      'Backoff',
      Reason.Backoff,
      phrase.backoff(err.code, current, p.desired, r.attempts, r.nextAttemptAt!),
      NONE,
      Math.max(1000, nextAt - p.in.now),
    );
  }
  if (p.paused) return p.pausedHold(pausedBecause.reissueDue(err.code));
  return p.issueResize(
    step,
    r.attempts + 1,
    `Reissue${err.code}`,
    resizeBecause.reissue(err.code, current),
    err.code,
  );
}

/**
 * A timed-out resize has already waited its whole resizeTimeout while Azure kept allocating: the source
 * document's advice is to issue another resize, and backing off on top of that would only slow a pool that
 * is growing. It goes out at the next pass, a second later (not in this one, so the error is recorded before
 * the resize it belongs to is replaced). Other errors back off, doubling per failure in a row; quota waits
 * the longest.
 */
function scheduleNextAttempt(
  p: Planner,
  r: ResizeStatus,
  err: ResizeErrorSnapshot,
  kind: ResizeErrorKind,
  afterTimeout: boolean,
  current: Targets,
): void {
  const timedOut = kind === 'timed-out';
  const from = r.lastIssuedFrom;
  const progressed =
    from !== undefined && (current.dedicated > from.dedicated || current.lowPriority > from.lowPriority);
  // Progress-aware: only failures that added no node double the wait; one that added nodes waits the initial
  // backoff. A status from before lastIssuedFrom was recorded counts every failure, as it used to.
  let exponent = afterTimeout ? 1 : r.attempts;
  if (!timedOut && from !== undefined) {
    r.failuresWithoutProgress = progressed ? 0 : (r.failuresWithoutProgress ?? 0) + 1;
    exponent = Math.max(1, r.failuresWithoutProgress);
  }
  const wait = timedOut ? TIMEOUT_REISSUE_MS : backoffMs(p.object, exponent, p.in.random, kind === 'quota');
  r.nextAttemptAt = new Date(p.in.now + wait).toISOString();
  const issued = r.lastTarget!;
  // An ordinary timeout of a growing pool is no news for a person: it is Normal when the resize added nodes,
  // and a Warning only when it added none (or it is not known).
  if (timedOut && progressed) {
    p.event('Normal', 'ResizeTimedOut', note.resizeTimedOut(p.poolId, issued, from, current, r.attempts));
    return;
  }
  const retry = timedOut ? { now: true as const } : { inMs: wait };
  p.event(
    'Warning',
    'ResizeError',
    note.resizeError(p.poolId, issued, err.code, current, r.attempts, errorText(err), retry),
  );
}

/** No error of ours: the spec changed, a step finished, or someone resized or shrank the pool out of band. */
function planShort(p: Planner, pool: PoolSnapshot, err: ResizeErrorSnapshot | undefined): PlanResult {
  const current = poolCurrent(pool);
  if (p.paused) return p.pausedHold(pausedBecause.resizeDue(p.poolId, current, p.desired));
  const step = nextStep(current, p.desired, p.maxStep);
  if (removedByUs(p, pool)) {
    delete p.nodeRecovery.removedTo;
    return p.issueResize(step, 1, 'ResizeAfterNodeRemoval', resizeBecause.afterNodeRemoval(current));
  }
  const staleNote = resizeBecause.staleNote(err?.code);
  const issued = p.resize?.lastTarget;
  const onTheWay = issued !== undefined && towardDesired(issued, p.desired, p.maxStep);
  if (onTheWay && !sameTargets(poolTargets(pool), issued)) {
    p.event('Warning', 'Drift', note.driftResized(p.poolId, poolTargets(pool), p.desired));
    return p.issueResize(step, 1, 'Drift', resizeBecause.drift(staleNote));
  }
  if (!onTheWay) {
    return p.issueResize(
      step,
      1,
      err ? 'StaleResizeError' : 'SpecChanged',
      resizeBecause.targetChanged(staleNote),
    );
  }
  return p.issueResize(
    step,
    1,
    err ? 'StaleResizeError' : 'NextStep',
    resizeBecause.nextStep(current, staleNote),
  );
}

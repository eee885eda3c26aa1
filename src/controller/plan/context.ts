// What every decision step shares for one pass: the input, the resize memory and image check it updates, the
// events it collects, and the few ways a pass can end (working, stalled, paused, a resize issued).

import {
  DEFAULTS,
  type BatchPool,
  type BatchPoolStatus,
  type ImageStatus,
  type Phase,
  type ResizeStatus,
} from '../../api/types.ts';
import type { ResizeParams } from '../../azure/ports.ts';
import { findCondition, Reason, type StalledReason } from '../conditions.ts';
import { buildStatus, type Verdict } from '../status.ts';
import { note, phrase } from './messages.ts';
import { desiredTargets, isPaused, poolIdOf, sameTargets } from './targets.ts';
import type {
  Action,
  Decision,
  EventAction,
  EventReason,
  PlanInput,
  PlannedEvent,
  PlanResult,
  Targets,
} from './types.ts';

export const NONE: Action = { kind: 'none' };

export class Planner {
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
      this.event('Warning', Reason.ImageNotFound, note.imageNotFound(id));
    } else if (check.exists && before?.exists === false) {
      this.event('Normal', 'ImageRestored', note.imageRestored(id));
    }
    return { id, exists: check.exists, checkedAt: this.nowIso };
  }

  event(type: PlannedEvent['type'], reason: EventReason, message: string, action: EventAction = 'Observe') {
    this.events.push({ type, reason, message, action });
  }

  result(action: Action, verdict: Verdict, reason: Decision, requeueAfterMs: number | undefined): PlanResult {
    const status = buildStatus({
      previous: this.prev,
      generation: this.object.metadata.generation,
      poolId: this.poolId,
      pool: this.in.observed?.pool,
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

  stalled(reason: StalledReason, message: string, requeue = this.resync()): PlanResult {
    return this.result(NONE, { phase: 'Stalled', stalledReason: reason, reason, message }, reason, requeue);
  }

  working(phase: Phase, reason: Reason, message: string, action: Action, requeue: number): PlanResult {
    return this.result(action, { phase, reason, message }, reason, requeue);
  }

  /** Nothing is written while the paused annotation is set; the phase says what Azure is doing. */
  pausedHold(why: string, requeue = this.resync()): PlanResult {
    const pool = this.in.observed?.pool;
    const phase: Phase = this.object.metadata.deletionTimestamp
      ? 'Deleting'
      : pool && pool.allocationState !== 'steady'
        ? 'Resizing'
        : 'Pending';
    return this.result(
      NONE,
      { phase, reason: Reason.Paused, message: phrase.paused(why) },
      Reason.Paused,
      requeue,
    );
  }

  issueResize(
    to: Targets,
    attempts: number,
    why: Decision,
    message: string,
    afterError?: string,
  ): PlanResult {
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
    const stepNote = sameTargets(to, this.desired) ? '' : note.stepTowards(this.desired);
    this.event(
      'Normal',
      'ResizeIssued',
      note.resizeIssued(this.poolId, to, stepNote, attempts, message),
      'Resize',
    );
    return this.result(
      {
        kind: 'resize',
        poolId: this.poolId,
        params,
        ...(afterError !== undefined && { afterError }),
      },
      { phase: 'Resizing', reason: Reason.Resizing, message: phrase.resizing(to, stepNote, attempts) },
      why,
      this.poll(),
    );
  }
}

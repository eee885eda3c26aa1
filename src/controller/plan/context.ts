// What every decision step shares for one pass: the input, the resize memory and image check it updates, the
// events it collects, and the few ways a pass can end (working, stalled, paused, a resize issued).

import {
  DEFAULTS,
  type BatchPool,
  type BatchPoolStatus,
  type ImageStatus,
  type NodeAgentStatus,
  type Phase,
  type RejectedStatus,
  type ResizeStatus,
  type UpdateStatus,
} from '../../api/types.ts';
import type { PoolSnapshot, ResizeParams } from '../../azure/ports.ts';
import { findCondition, Reason, type StalledReason } from '../conditions.ts';
import { buildStatus, type Verdict } from '../status.ts';
import {
  IMAGE_EOL_WARNING_MS,
  imageStatusOf,
  imageVerdict,
  NODE_AGENT_EOL_WARNING_MS,
  nodeAgentStatusOf,
  type ImageVerdict,
} from './image.ts';
import { imageSay, note, phrase } from './messages.ts';
import { deepEqual } from '../../json.ts';
import { describeSecretProblem } from '../secrets.ts';
import { nodesStatusOf, requiredUsable, type NodesStatus } from './nodes.ts';
import { recoveryMemory, type NodeRecoveryStatus } from './recovery.ts';
import { desiredTargets, isPaused, poolIdOf, poolTargets, sameTargets } from './targets.ts';
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
  /** The Azure pool this object manages; a BlueGreen rollout moves it to the new pool when it takes over. */
  poolId: string;
  /** The pool whose counts the status shows; the new one from the pass it takes over. */
  shown: PoolSnapshot | undefined;
  readonly desired: Targets;
  readonly maxStep: number;
  readonly paused: boolean;
  readonly events: PlannedEvent[] = [];
  resize: ResizeStatus | undefined;
  /** A change to empty-pool settings on its way; kept from the last pass until planUpdate looks again. */
  update: UpdateStatus | undefined;
  /** A refused write of this spec, kept while its retry waits (see holdRejected). */
  rejected: RejectedStatus | undefined;
  /** When a pool that existed before was adopted (spec.adoption: Adopt). */
  adoptedAt: string | undefined;
  image: ImageStatus | undefined;
  nodeAgent: NodeAgentStatus | undefined;
  /** The node counts of this observation, for status.nodes (absent when Azure was not asked). */
  readonly nodes: NodesStatus | undefined;
  /** Node recovery's memory (status.nodeRecovery), updated by the decisions of this pass. */
  readonly nodeRecovery: NodeRecoveryStatus;

  constructor(input: PlanInput) {
    this.in = input;
    this.object = input.object;
    this.prev = input.object.status ?? {};
    this.nowIso = new Date(input.now).toISOString();
    this.poolId = poolIdOf(input.object);
    this.shown = input.observed?.pool;
    this.desired = desiredTargets(input.object);
    this.maxStep = input.object.spec.resizeStrategy?.maxNodesPerResize ?? 0;
    this.paused = isPaused(input.object);
    this.resize = this.prev.resize ? { ...this.prev.resize } : undefined;
    this.update = this.prev.update;
    this.adoptedAt = this.prev.adoptedAt;
    this.rejected = undefined;
    this.image = this.observeImage();
    this.nodeAgent = this.observeNodeAgent();
    this.nodeRecovery = recoveryMemory(
      this.prev.nodeRecovery,
      input.object.metadata.generation ?? 0,
      input.now,
      input.observed?.nodeCounts && new Set((input.observed.badNodes ?? []).map((n) => n.id)),
    );
    const counts = input.observed?.nodeCounts;
    const pool = input.observed?.pool;
    const sized = input.object.spec.autoScale && pool ? poolTargets(pool) : this.desired;
    const nodes = counts && nodesStatusOf(counts, requiredUsable(input.object, sized), this.nowIso);
    const before = this.prev.nodes;
    this.nodes =
      nodes && before?.observedAt && deepEqual({ ...nodes, observedAt: before.observedAt }, before)
        ? before
        : nodes;
  }

  private observeImage(): ImageStatus | undefined {
    const id = this.object.spec.image.id;
    const before = this.prev.image?.id === id ? this.prev.image : undefined;
    const check = this.in.imageCheck;
    if (!check) return before;
    const region = this.in.account.kind === 'ok' ? this.in.account.region : undefined;
    const image = imageStatusOf(this.object, check, region, this.nowIso);
    if (!image.exists && before?.exists !== false) {
      this.event('Warning', Reason.ImageNotFound, note.imageNotFound(id));
    } else if (image.exists && before?.exists === false) {
      this.event('Normal', 'ImageRestored', note.imageRestored(id));
    }
    const eol = image.versionId && image.endOfLifeDate ? Date.parse(image.endOfLifeDate) : undefined;
    if (
      eol !== undefined &&
      enteredWindow(eol, IMAGE_EOL_WARNING_MS, this.in.now, before?.checkedAt, before?.endOfLifeDate)
    ) {
      this.event(
        'Warning',
        'ImageEndOfLifeSoon',
        `${sentenceCase(imageSay.endOfLifeSoon(image.versionId!, image.endOfLifeDate!))}.`,
      );
    }
    return image;
  }

  private observeNodeAgent(): NodeAgentStatus | undefined {
    const skuId = this.object.spec.nodeAgentSkuId;
    const before = this.prev.nodeAgent?.skuId === skuId ? this.prev.nodeAgent : undefined;
    const skus = this.in.nodeAgents;
    if (!skus) return before;
    const agent = nodeAgentStatusOf(skuId, this.image?.osType, skus, this.nowIso);
    const eol = agent.supported && agent.endOfLife ? Date.parse(agent.endOfLife) : undefined;
    if (
      eol !== undefined &&
      enteredWindow(eol, NODE_AGENT_EOL_WARNING_MS, this.in.now, before?.checkedAt, before?.endOfLife)
    ) {
      this.event(
        'Warning',
        'NodeAgentSkuEndOfLifeSoon',
        `${sentenceCase(imageSay.skuEndOfLifeSoon(skuId, agent.endOfLife!))}.`,
      );
    }
    return agent;
  }

  /** What the image allows this pass (see image.ts). */
  imageVerdict(poolExists: boolean): ImageVerdict {
    return imageVerdict(this.object, this.image, poolExists, this.in.now);
  }

  event(type: PlannedEvent['type'], reason: EventReason, message: string, action: EventAction = 'Observe') {
    this.events.push({ type, reason, message, action });
  }

  result(action: Action, verdict: Verdict, reason: Decision, requeueAfterMs: number | undefined): PlanResult {
    const status = buildStatus({
      previous: this.prev,
      generation: this.object.metadata.generation,
      poolId: this.poolId,
      pool: this.shown,
      resize: this.resize,
      update: this.update,
      adoptedAt: this.adoptedAt,
      rejected: this.rejected,
      image: this.image,
      ...(this.in.observed && { imageVerdict: this.imageVerdict(this.in.observed.pool !== undefined) }),
      nodeAgent: this.nodeAgent,
      nodes: this.nodes,
      nodeRecovery: this.keepsRecoveryMemory() ? this.nodeRecovery : undefined,
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

  /** Only a pool that recovers nodes (or did) carries status.nodeRecovery. */
  private keepsRecoveryMemory(): boolean {
    const mode = this.object.spec.nodeRecovery?.mode ?? DEFAULTS.nodeRecoveryMode;
    return mode !== 'None' || this.prev.nodeRecovery !== undefined;
  }

  poll(): number {
    return Math.round(this.in.settings.resizingPollMs * (0.9 + 0.2 * this.in.random()));
  }

  resync(): number {
    // Never below the configured period: steady pools cost at most one GET per period.
    return Math.round(this.in.settings.steadyResyncMs * (1 + 0.25 * this.in.random()));
  }

  /**
   * Stalled when a Secret key the settings need cannot be read, before a write that would send them; the
   * message names each Secret and key. Looked at again soon: a Secret's arrival wakes nothing.
   */
  secretsBlock(what: string): PlanResult | undefined {
    const problems = this.in.secrets?.problems ?? [];
    if (problems.length === 0) return undefined;
    const ns = this.object.metadata.namespace ?? '';
    const list = problems.map((p) => describeSecretProblem(p, ns)).join('; ');
    return this.stalled(
      Reason.SecretUnavailable,
      `Cannot ${what} pool ${this.poolId}: ${list}. Create the Secret (or key), or grant the operator get on it.`,
      this.in.settings.imageRecheckMs,
    );
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
        : 'Paused';
    return this.result(
      NONE,
      { phase, reason: Reason.Paused, message: phrase.paused(why) },
      Reason.Paused,
      requeue,
    );
  }

  /** A resize of any pool of this object to `to`, with the spec's timeout and deallocation option. */
  resizeParams(to: Targets): ResizeParams {
    return {
      targetDedicatedNodes: to.dedicated,
      targetLowPriorityNodes: to.lowPriority,
      resizeTimeout: this.object.spec.resizeTimeout ?? DEFAULTS.resizeTimeout,
      nodeDeallocationOption: this.object.spec.nodeDeallocationOption ?? DEFAULTS.nodeDeallocationOption,
    };
  }

  issueResize(
    to: Targets,
    attempts: number,
    why: Decision,
    message: string,
    afterError?: string,
  ): PlanResult {
    const params = this.resizeParams(to);
    const keepError = attempts > 1 ? this.resize?.lastError : undefined;
    const keepFailures = attempts > 1 ? this.resize?.failuresWithoutProgress : undefined;
    const from = this.in.observed?.pool;
    this.resize = {
      attempts,
      lastIssuedAt: this.nowIso,
      ...(from && {
        lastIssuedFrom: { dedicated: from.currentDedicatedNodes, lowPriority: from.currentLowPriorityNodes },
      }),
      lastTarget: to,
      ...(keepError && { lastError: keepError }),
      ...(keepFailures !== undefined && { failuresWithoutProgress: keepFailures }),
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

/**
 * Whether an end-of-life date came within the warning window since the last check (or was first seen inside
 * it): the Warning is given once, not at every check.
 */
function enteredWindow(
  eolMs: number,
  windowMs: number,
  now: number,
  lastCheckedAt: string | undefined,
  lastEol: string | undefined,
): boolean {
  if (now < eolMs - windowMs) return false;
  if (!lastCheckedAt || !lastEol || Date.parse(lastEol) !== eolMs) return true;
  return Date.parse(lastCheckedAt) < eolMs - windowMs;
}

function sentenceCase(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

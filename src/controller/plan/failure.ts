// What a failed call means for the object, decided as purely as the plan itself: which status to write,
// which events still stand, and whether to look again after a delay or hand the error back to the queue
// (its per-key backoff, or the service's Retry-After). The reconciler only carries it out.

import type { BatchPool, BatchPoolStatus, RejectedStatus } from '../../api/types.ts';
import { describe, type Failure } from '../../errors.ts';
import { Reason } from '../conditions.ts';
import { formatDuration } from '../duration.ts';
import { statusAfterFailedAction, withAzureProblem } from '../status.ts';
import { longBackoffMs } from './backoff.ts';
import { imageSay, note, phrase, sentence } from './messages.ts';
import { poolIdOf } from './targets.ts';
import type { Action, PlannedEvent, PlanResult, PlanSettings } from './types.ts';

export interface FailureInput {
  object: BatchPool;
  failure: Failure;
  /** Reading Azure failed (no plan was made), or the plan's action failed. */
  stage: { kind: 'observe' } | { kind: 'act'; planned: PlanResult };
  settings: PlanSettings;
  nowIso: string;
}

export interface FailurePlan {
  /** The status to write; undefined = write nothing. */
  status: BatchPoolStatus | undefined;
  events: PlannedEvent[];
  /** Look again after this long; undefined = rethrow, so the queue retries the key. */
  requeueAfterMs: number | undefined;
}

/** A refused write is tried again after the steady resync, doubling per refusal, at most an hour apart. */
export const REJECTED_RETRY_MAX_MS = 3_600_000;

export function rejectedRetryMs(settings: PlanSettings, attempts: number): number {
  return Math.min(settings.steadyResyncMs * 2 ** Math.min(attempts - 1, 20), REJECTED_RETRY_MAX_MS);
}

export function planFailure(i: FailureInput): FailurePlan {
  return i.stage.kind === 'observe' ? observeFailed(i) : actFailed(i, i.stage.planned);
}

/** Without an observation there is no plan: say so on the object and let the queue retry, unless only a
 * person can fix it (then wait for the steady resync, or for a change). */
function observeFailed(i: FailureInput): FailurePlan {
  const previous = i.object.status;
  const g = i.object.metadata.generation;
  const terminal = i.failure.kind === 'terminal';
  const msg = phrase.readFailed(describe(i.failure));
  const status =
    previous || terminal ? withAzureProblem(previous ?? {}, g, terminal, msg, i.nowIso) : undefined;
  return { status, events: [], requeueAfterMs: terminal ? i.settings.steadyResyncMs : undefined };
}

function actFailed(i: FailureInput, planned: PlanResult): FailurePlan {
  const { action } = planned;
  const g = i.object.metadata.generation;
  const why = describe(i.failure);
  // Planned events that announce the call describe something that did not happen; observations stand.
  const events = planned.events.filter((e) => e.action === 'Observe');
  const status = statusAfterFailedAction(
    i.object.status ?? {},
    planned.status,
    phrase.actionFailed(action.kind, why),
    g,
    i.nowIso,
  );
  switch (howToRecover(action, i.failure)) {
    case 'look-again':
      // Azure changed under us (resized elsewhere, created meanwhile, gone): look again at the next poll,
      // and not sooner, so a pool that keeps answering 409 is not hammered.
      return {
        status,
        events,
        requeueAfterMs: Math.min(
          planned.requeueAfterMs ?? i.settings.resizingPollMs,
          i.settings.resizingPollMs,
        ),
      };
    case 'quota': {
      // Retrying soon does not raise a quota: say what to do and wait the long backoff.
      const wait = longBackoffMs(i.object);
      const message = imageSay.quota(
        i.failure.code ?? 'quota',
        sentence(i.failure.message),
        formatDuration(wait),
      );
      events.push({ type: 'Warning', reason: Reason.QuotaReached, message, action: 'Observe' });
      return {
        status: withAzureProblem(status, g, Reason.QuotaReached, message, i.nowIso),
        events,
        requeueAfterMs: wait,
      };
    }
    case 'person': {
      events.push({
        type: 'Warning',
        reason: 'AzureRejected',
        message: note.rejected(action.kind, poolIdOf(i.object), why),
        action: 'Observe',
      });
      // The same write of the same spec would be refused again: wait longer each time, until the spec changes.
      const before = i.object.status?.rejected;
      const again = before !== undefined && before.generation === g && before.action === action.kind;
      const attempts = again ? before.attempts + 1 : 1;
      const wait = rejectedRetryMs(i.settings, attempts);
      const rejected: RejectedStatus = {
        action: action.kind,
        ...(g !== undefined && { generation: g }),
        attempts,
        since: again ? before.since : i.nowIso,
        nextAttemptAt: new Date(Date.parse(i.nowIso) + wait).toISOString(),
        message: why,
      };
      return {
        status: {
          ...withAzureProblem(status, g, true, phrase.rejected(action.kind, why), i.nowIso),
          rejected,
        },
        events,
        requeueAfterMs: wait,
      };
    }
    case 'queue':
      return { status, events, requeueAfterMs: undefined };
  }
}

/**
 * Removing the finalizer is a Kubernetes write that always goes back to the queue. For Azure writes a
 * conflict or a missing pool means "look again soon"; a reached quota or a rejection waits for a person (a
 * quota is tried again after the long backoff); a transient or unreachable failure is the queue's to retry.
 */
function howToRecover(action: Action, f: Failure): 'look-again' | 'quota' | 'person' | 'queue' {
  if (action.kind === 'removeFinalizer') return 'queue';
  switch (f.kind) {
    case 'conflict':
    case 'not-found':
      return 'look-again';
    case 'quota':
      return 'quota';
    case 'terminal':
      return 'person';
    case 'transient':
    case 'unreachable':
      return 'queue';
  }
}

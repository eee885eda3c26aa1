// The retry policy, stated once: which layer retries what, for how long, and what happens after.
//
//  0. Per Batch account, before every attempt (src/azure/request-budget.ts): a token bucket (`accountBudget`)
//     shared by every call to the account. A 429 or 503 pauses it for the Retry-After (or
//     `pauseWithoutRetryAfterMs`), so that account's other calls wait with it instead of each hearing 429
//     in turn. A wait of up to `maxInlineRetryAfterMs` is sat out there; a longer one fails the call at once
//     as a transient CallError whose Retry-After is the rest of the wait. Numbered 0 because it sits under
//     layer 1: every attempt layer 1 makes passes through it, and it never retries anything itself.
//  1. Inside one Azure call (src/azure/retry.ts, p-retry): `transient` and `unreachable` failures are tried
//     again at once, a few times, within a short budget; a Retry-After of up to `maxInlineRetryAfterMs` is
//     waited out in place. Everything else — and a longer Retry-After — goes up at once as a CallError.
//  2. Per Batch account (FailFast): after a call found the account `unreachable` even after its retries,
//     that account's other calls fail at once for `unreachableFailFastMs`, so one dead account cannot hold
//     every worker (and with them the pools of every other account).
//  3. Kubernetes calls are not retried inline: a conflict comes back with a short retry-after
//     (`kubeConflictRetryAfterMs`), because re-reading the object is all it takes.
//  4. The work queue: a reconcile that throws is retried per key after the failure's Retry-After, or else
//     after `queueBackoffMs` (exponential, jittered, reset by a success). Nothing is ever dropped for good:
//     the next watch event or resync brings a key back anyway.
//
// What is not a retry, and so not here: the plan's resize backoff (spec.resizeStrategy.backoff) waits for
// Azure's progress between resizes that Azure accepted; the plan's requeue delays say when to look again.

import type { Clock } from './clock.ts';
import { CallError, failureOf, type Failure } from './errors.ts';

export const RETRY_POLICY = {
  inline: {
    /** Retries after the first attempt. */
    retries: 3,
    minTimeoutMs: 250,
    maxTimeoutMs: 4_000,
    /** All attempts of one call together (`--azure-retry-budget`). */
    budgetMs: 15_000,
    /** One attempt (`--azure-call-timeout`). */
    callTimeoutMs: 30_000,
    maxInlineRetryAfterMs: 10_000,
  },
  /**
   * Batch publishes no request rate for the data plane (its limits are quotas of pools, cores and jobs), so
   * these are our choice: 50 calls/s covers a 500-pool account (the most pools Azure grants) polling every
   * pool and its node counts each 30 s; the burst absorbs a restart's first look at every pool.
   */
  accountBudget: {
    /** `--azure-account-rate`. */
    ratePerSecond: 50,
    /** `--azure-account-burst`. */
    burst: 100,
    pauseWithoutRetryAfterMs: 1_000,
    maxPauseMs: 5 * 60_000,
  },
  unreachableFailFastMs: 15_000,
  kubeConflictRetryAfterMs: 200,
  queue: { baseMs: 1_000, maxMs: 5 * 60_000 },
} as const;

/** Whether one call should try again in place after this failure. */
export function retriesInline(f: Failure, maxInlineRetryAfterMs: number): boolean {
  if (f.kind !== 'transient' && f.kind !== 'unreachable') return false;
  return f.retryAfterMs === undefined || f.retryAfterMs <= maxInlineRetryAfterMs;
}

/** The queue's wait before the n-th consecutive failure of a key is retried (n ≥ 1), ±25 % jitter. */
export function queueBackoffMs(
  failures: number,
  random: () => number,
  baseMs: number = RETRY_POLICY.queue.baseMs,
  maxMs: number = RETRY_POLICY.queue.maxMs,
): number {
  const base = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(base * (0.75 + 0.5 * random()));
}

/** When the queue runs a failed key again: what the service asked for, or the key's backoff. */
export function queueDelayMs(err: unknown, backoffMs: number): number {
  return failureOf(err).retryAfterMs ?? backoffMs;
}

/**
 * Layer 2: remembers that an account did not answer, and turns its next calls into immediate failures
 * until the window is over.
 */
export class FailFast {
  private until = 0;
  private readonly clock: Clock;
  private readonly windowMs: number;

  constructor(clock: Clock, windowMs: number = RETRY_POLICY.unreachableFailFastMs) {
    this.clock = clock;
    this.windowMs = windowMs;
  }

  /** Throws when the account is taken as unreachable. */
  check(operation: string): void {
    const wait = this.until - this.clock.now();
    if (wait <= 0) return;
    throw new CallError(operation, {
      kind: 'unreachable',
      message: `the Batch account did not answer recently; not trying for ${Math.ceil(wait / 1000)} s`,
      retryAfterMs: wait,
    });
  }

  /** Called with every failure that reached the caller. */
  observe(f: Failure): void {
    if (f.kind === 'unreachable') this.until = this.clock.now() + this.windowMs;
  }
}

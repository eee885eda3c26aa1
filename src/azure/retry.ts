// Layer 1 of the retry policy (src/retry-policy.ts) for every Azure call, the SDKs' own retries being off:
// p-retry tries transient and unreachable failures again with a short exponential backoff, waits out a short
// Retry-After in place, and gives up at once on what retrying cannot fix. Whatever is left reaches the
// caller as a CallError carrying the Failure, Retry-After included, for the queue to honour. Each attempt
// first passes the account's budget (layer 0) when one is given, outside the attempt's timeout: waiting for
// a token is not the account failing to answer.

import pRetry, { AbortError } from 'p-retry';
import { realClock, sleep, type Clock } from '../clock.ts';
import { CallError, failureOf, type Failure } from '../errors.ts';
import { RETRY_POLICY, retriesInline, type FailFast } from '../retry-policy.ts';
import { azureFailure } from './errors.ts';

/** What every attempt passes first, and is told every failure (src/azure/request-budget.ts). */
export interface AttemptGate {
  take(operation: string, signal?: AbortSignal): Promise<void>;
  observe(f: Failure): void;
}

export interface RetryOptions {
  /** Retries after the first attempt. */
  retries?: number;
  minTimeoutMs?: number;
  maxTimeoutMs?: number;
  /** Total time budget for all attempts. */
  maxRetryTimeMs?: number;
  /** Per-attempt timeout (the call gets an AbortSignal). */
  callTimeoutMs?: number;
  /** Longest Retry-After honoured by waiting here; longer ones go back to the queue. */
  maxInlineRetryAfterMs?: number;
  signal?: AbortSignal;
  /** Reads the time for Retry-After dates and waits out Retry-After (default: the real clock). */
  clock?: Clock;
  onRetry?: (f: Failure, attempt: number) => void;
  /** Told about every attempt: HTTP status (or error code) and duration, for metrics. */
  onAttempt?: (operation: string, code: number | string, seconds: number) => void;
  /** The account's request budget: every attempt waits for it, every failure is reported to it. */
  gate?: AttemptGate;
}

export async function withRetry<T>(
  operation: string,
  fn: (signal: AbortSignal) => Promise<T>,
  o: RetryOptions = {},
): Promise<T> {
  const p = RETRY_POLICY.inline;
  const clock = o.clock ?? realClock;
  const callTimeout = o.callTimeoutMs ?? p.callTimeoutMs;
  const maxInline = o.maxInlineRetryAfterMs ?? p.maxInlineRetryAfterMs;
  try {
    return await pRetry(
      async () => {
        if (o.gate) {
          // The gate's own refusals already carry their Retry-After and are never retried here.
          await o.gate.take(operation, o.signal).catch((err: unknown) => {
            throw new AbortError(err as Error);
          });
        }
        const signal = o.signal
          ? AbortSignal.any([o.signal, AbortSignal.timeout(callTimeout)])
          : AbortSignal.timeout(callTimeout);
        const t0 = performance.now();
        try {
          const result = await fn(signal);
          o.onAttempt?.(operation, 200, (performance.now() - t0) / 1000);
          return result;
        } catch (err) {
          const f = azureFailure(err, clock.now());
          o.gate?.observe(f);
          o.onAttempt?.(operation, f.status ?? f.code ?? 'error', (performance.now() - t0) / 1000);
          const failed = new CallError(operation, f, { cause: err });
          if (!retriesInline(f, maxInline) || o.signal?.aborted) throw new AbortError(failed);
          throw failed;
        }
      },
      {
        retries: o.retries ?? p.retries,
        minTimeout: o.minTimeoutMs ?? p.minTimeoutMs,
        maxTimeout: o.maxTimeoutMs ?? p.maxTimeoutMs,
        randomize: true,
        maxRetryTime: o.maxRetryTimeMs ?? p.budgetMs,
        ...(o.signal && { signal: o.signal }),
        shouldRetry: async ({ error, attemptNumber }) => {
          const f = (error as CallError).failure;
          o.onRetry?.(f, attemptNumber);
          if (f.retryAfterMs) await sleep(clock, f.retryAfterMs, o.signal);
          return true;
        },
      },
    );
  } catch (err) {
    if (err instanceof CallError) throw err;
    // p-retry's own failures (an aborted signal) and anything the wrapper did not see.
    throw new CallError(operation, azureFailure(err, clock.now()), { cause: err });
  }
}

/** What an adapter's calls share: the fail-fast window, the retries, the budget and a count of attempts. */
export interface AdapterCall {
  failFast: FailFast;
  retry?: RetryOptions;
  clock?: Clock;
  gate?: AttemptGate;
  onCall?: (operation: string) => void;
}

/**
 * One Azure call of an adapter: refused at once inside the endpoint's fail-fast window, otherwise tried with
 * withRetry through the gate; a failure that says the endpoint is unreachable opens the window.
 */
export async function adapterCall<T>(
  c: AdapterCall,
  operation: string,
  fn: (abortSignal: AbortSignal) => Promise<T>,
): Promise<T> {
  c.failFast.check(operation);
  try {
    return await withRetry(
      operation,
      (abortSignal) => {
        c.onCall?.(operation);
        return fn(abortSignal);
      },
      { ...(c.clock && { clock: c.clock }), ...c.retry, ...(c.gate && { gate: c.gate }) },
    );
  } catch (err) {
    c.failFast.observe(failureOf(err));
    throw err;
  }
}

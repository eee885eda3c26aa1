// Our retries around every Azure call (the SDKs' own are off): honour Retry-After on 429/503 when it is short,
// back off exponentially on 5xx, dropped connections and timeouts, give up at once on what retrying cannot fix.
// A Retry-After too long to wait inline is handed to the work queue as a RetryableError.

import pRetry, { AbortError } from 'p-retry';
import { RetryableError } from '../controller/queue.ts';
import { classify, describe, type Classified } from './errors.ts';

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
  onRetry?: (c: Classified, attempt: number) => void;
  /** Told about every attempt: HTTP status (or error code) and duration, for metrics. */
  onAttempt?: (operation: string, code: number | string, seconds: number) => void;
}

/** The error a failed Azure call surfaces with: the classification plus the original cause. */
export class AzureCallError extends Error {
  readonly classified: Classified;
  constructor(operation: string, classified: Classified, cause: unknown) {
    super(`${operation}: ${describe(classified)}`, { cause });
    this.name = 'AzureCallError';
    this.classified = classified;
  }
}

export function classifyCall(err: unknown): Classified {
  if (err instanceof AzureCallError) return err.classified;
  if (err instanceof RetryableError) {
    const inner = err.cause instanceof AzureCallError ? err.cause.classified : undefined;
    return {
      ...(inner ?? { message: err.message }),
      kind: 'retryable',
      ...(err.retryAfterMs !== undefined && { retryAfterMs: err.retryAfterMs }),
    };
  }
  return classify(err);
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

export async function withRetry<T>(
  operation: string,
  fn: (signal: AbortSignal) => Promise<T>,
  o: RetryOptions = {},
): Promise<T> {
  const callTimeout = o.callTimeoutMs ?? 30_000;
  const maxInline = o.maxInlineRetryAfterMs ?? 10_000;
  let last: Classified | undefined;
  try {
    return await pRetry(
      async () => {
        const signal = o.signal
          ? AbortSignal.any([o.signal, AbortSignal.timeout(callTimeout)])
          : AbortSignal.timeout(callTimeout);
        const t0 = performance.now();
        try {
          const result = await fn(signal);
          o.onAttempt?.(operation, 200, (performance.now() - t0) / 1000);
          return result;
        } catch (err) {
          const c = classify(err);
          last = c;
          o.onAttempt?.(operation, c.status ?? c.code ?? 'error', (performance.now() - t0) / 1000);
          if (
            c.kind !== 'retryable' ||
            (c.retryAfterMs !== undefined && c.retryAfterMs > maxInline) ||
            o.signal?.aborted
          ) {
            throw new AbortError(new AzureCallError(operation, c, err));
          }
          throw new AzureCallError(operation, c, err);
        }
      },
      {
        // Short inline retries: a longer outage is the work queue's job (per-key backoff), so one unreachable
        // account cannot hold a worker — and the pools of every other account — for long.
        retries: o.retries ?? 3,
        minTimeout: o.minTimeoutMs ?? 250,
        maxTimeout: o.maxTimeoutMs ?? 4_000,
        randomize: true,
        maxRetryTime: o.maxRetryTimeMs ?? 15_000,
        ...(o.signal && { signal: o.signal }),
        shouldRetry: async ({ error, attemptNumber }) => {
          const c = (error as AzureCallError).classified ?? classify(error);
          o.onRetry?.(c, attemptNumber);
          if (c.retryAfterMs) await sleep(c.retryAfterMs, o.signal);
          return true;
        },
      },
    );
  } catch (err) {
    const c = err instanceof AzureCallError ? err.classified : (last ?? classify(err));
    const wrapped = err instanceof AzureCallError ? err : new AzureCallError(operation, c, err);
    if (c.kind === 'retryable') {
      throw new RetryableError(wrapped.message, {
        cause: wrapped,
        ...(c.retryAfterMs !== undefined && { retryAfterMs: c.retryAfterMs }),
      });
    }
    throw wrapped;
  }
}

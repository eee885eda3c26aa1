// A keyed work queue with its workers, after client-go's workqueue: watch events only enqueue keys, a key is
// never processed twice at once, a key added while it is processed runs once more afterwards, delayed adds keep
// the earliest time, failures back off per key (exponential, jittered) and success forgets them. When a
// failed key runs again is layer 4 of the retry policy (src/retry-policy.ts).

import type { Clock, TimerHandle } from '../clock.ts';
import { queueBackoffMs, queueDelayMs, RETRY_POLICY } from '../retry-policy.ts';

/** What a handler returns: look again after this long, or not at all. A thrown error is a failure. */
export interface HandlerResult {
  requeueAfterMs?: number;
}

/** Where queue metrics go (the shape of client-go's workqueue metrics); every call is optional. */
export interface QueueObserver {
  add?(): void;
  depth?(n: number): void;
  retry?(): void;
  /** Seconds a key waited, ready, before a worker took it. */
  queued?(seconds: number): void;
  /** Seconds a worker spent on a key. */
  worked?(seconds: number): void;
}

export interface QueueOptions {
  clock: Clock;
  handler: (key: string) => Promise<HandlerResult>;
  concurrency: number;
  /** First retry delay after a failure; doubles per consecutive failure (default: the retry policy's). */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  random?: () => number;
  /** Told about every failure (for logs and metrics). */
  onError?: (key: string, err: unknown, retryInMs: number | undefined) => void;
  observer?: QueueObserver;
}

export class WorkQueue {
  private readonly o: Required<Omit<QueueOptions, 'onError' | 'observer'>> &
    Pick<QueueOptions, 'onError' | 'observer'>;
  private readonly readySince = new Map<string, number>();
  private readonly ready: string[] = [];
  private readonly readySet = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly delayed = new Map<string, { at: number; timer: TimerHandle }>();
  private readonly failures = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private shuttingDown = false;
  private paused = true;

  constructor(options: QueueOptions) {
    this.o = {
      baseBackoffMs: RETRY_POLICY.queue.baseMs,
      maxBackoffMs: RETRY_POLICY.queue.maxMs,
      random: Math.random,
      ...options,
    };
  }

  /** Begin processing (adds made before start are kept). */
  start(): void {
    this.paused = false;
    this.pump();
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    this.o.observer?.add?.();
    const d = this.delayed.get(key);
    if (d) {
      this.o.clock.clearTimeout(d.timer);
      this.delayed.delete(key);
    }
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.readySet.has(key)) return;
    this.readySet.add(key);
    this.ready.push(key);
    this.readySince.set(key, this.o.clock.now());
    this.o.observer?.depth?.(this.ready.length);
    this.pump();
  }

  /** Add after `ms`; when the key is already waiting, the earlier time wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    if (this.readySet.has(key)) return;
    const at = this.o.clock.now() + ms;
    const existing = this.delayed.get(key);
    if (existing) {
      if (existing.at <= at) return;
      this.o.clock.clearTimeout(existing.timer);
    }
    const timer = this.o.clock.setTimeout(() => {
      const cur = this.delayed.get(key);
      if (cur?.timer !== timer) return;
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  /** Backoff for the key's next failure, counting it. */
  private nextBackoff(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    return queueBackoffMs(n, this.o.random, this.o.baseBackoffMs, this.o.maxBackoffMs);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Keys waiting to run now, plus keys waiting for a delay. */
  get length(): number {
    return this.ready.length + this.delayed.size;
  }

  get active(): number {
    return this.processing.size;
  }

  /** Whether a delayed add is pending for the key, and when (clock ms). */
  scheduledAt(key: string): number | undefined {
    return this.delayed.get(key)?.at;
  }

  private pump(): void {
    while (
      !this.paused &&
      !this.shuttingDown &&
      this.processing.size < this.o.concurrency &&
      this.ready.length > 0
    ) {
      const key = this.ready.shift()!;
      this.readySet.delete(key);
      this.processing.add(key);
      const since = this.readySince.get(key);
      this.readySince.delete(key);
      this.o.observer?.depth?.(this.ready.length);
      if (since !== undefined) this.o.observer?.queued?.((this.o.clock.now() - since) / 1000);
      const p = this.run(key).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  private async run(key: string): Promise<void> {
    let requeueMs: number | undefined;
    const started = this.o.clock.now();
    try {
      const result = await this.o.handler(key);
      this.forget(key);
      requeueMs = result.requeueAfterMs;
    } catch (err) {
      const backoff = this.nextBackoff(key);
      this.o.observer?.retry?.();
      requeueMs = queueDelayMs(err, backoff);
      try {
        this.o.onError?.(key, err, requeueMs);
      } catch {
        // a failing logger must not stop the queue
      }
    } finally {
      this.processing.delete(key);
      this.o.observer?.worked?.((this.o.clock.now() - started) / 1000);
    }
    if (this.dirty.delete(key)) this.add(key);
    else if (requeueMs !== undefined) this.addAfter(key, requeueMs);
    this.pump();
  }

  /**
   * Stop taking work: pending and delayed keys are dropped, in-flight handlers get up to `drainMs` to finish.
   * Resolves true when everything in flight finished in time.
   */
  async shutdown(drainMs: number): Promise<boolean> {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) this.o.clock.clearTimeout(timer);
    this.delayed.clear();
    this.ready.length = 0;
    this.readySet.clear();
    this.readySince.clear();
    this.dirty.clear();
    if (this.inFlight.size === 0) return true;
    let timer: TimerHandle = null;
    const timeout = new Promise<boolean>((resolve) => {
      timer = this.o.clock.setTimeout(() => resolve(false), drainMs);
    });
    const drained = Promise.all([...this.inFlight]).then(() => true);
    const ok = await Promise.race([drained, timeout]);
    this.o.clock.clearTimeout(timer);
    return ok;
  }
}

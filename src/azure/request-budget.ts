// Layer 0 of the retry policy (src/retry-policy.ts): one token bucket per Batch account, in front of every
// attempt of every call to it, whichever identity or BatchPool the call is for. Azure throttles an account,
// not a caller: when one call hears 429 or 503, the account's other calls would hear the same, so the whole
// bucket pauses for the Retry-After (or a default pause) and nobody knocks until then. Accounts have buckets
// of their own, so one throttled account slows no other.
//
// A wait the retry policy would sit out inline (up to `maxInlineRetryAfterMs`) is sat out here; a longer one
// fails the call at once with the remaining wait as its Retry-After, for the queue to honour, so a worker is
// never parked for minutes on one account while the other accounts' pools wait for it.

import type { Clock, TimerHandle } from '../clock.ts';
import { realClock } from '../clock.ts';
import { CallError, type Failure } from '../errors.ts';
import { RETRY_POLICY } from '../retry-policy.ts';

/** What the budget tells metrics; `account` is the endpoint's host, so the labels stay one per account. */
export interface BudgetEvents {
  /** A request may go, after waiting this long for its token. */
  sent?(account: string, waitedSeconds: number): void;
  /** A 429 or 503 came back; it paused the account this much longer than it already was (maybe 0). */
  throttled?(account: string, pausedSeconds: number): void;
  /** A call was failed at once: its wait would have outlasted `maxWaitMs`. */
  refused?(account: string): void;
}

export interface BudgetOptions {
  /** Tokens added per second. */
  ratePerSecond?: number;
  /** Most tokens the bucket holds, i.e. the most calls sent at once after a quiet spell. */
  burst?: number;
  /** The pause after a 429 or 503 that did not say how long. */
  pauseWithoutRetryAfterMs?: number;
  /** The longest pause taken, whatever Retry-After said (a wrong header must not stop an account for a day). */
  maxPauseMs?: number;
  /** The longest wait sat out in place; a longer one fails the call with the wait as its Retry-After. */
  maxWaitMs?: number;
  clock?: Clock;
  events?: BudgetEvents;
}

interface Waiter {
  operation: string;
  since: number;
  resolve: () => void;
  reject: (err: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** Calls nearer together than this share a millisecond; it keeps float rounding from starving a waiter. */
const EPSILON = 1e-9;

export class RequestBudget {
  readonly account: string;
  private readonly rate: number;
  private readonly burst: number;
  private readonly defaultPauseMs: number;
  private readonly maxPauseMs: number;
  private readonly maxWaitMs: number;
  private readonly clock: Clock;
  private readonly events: BudgetEvents;
  private tokens: number;
  /** The time the token count is true for; in the future during a pause, where the refill starts again. */
  private countedAt: number;
  private pausedUntil = 0;
  private readonly waiters: Waiter[] = [];
  private timer: { handle: TimerHandle; at: number } | undefined;

  constructor(account: string, o: BudgetOptions = {}) {
    const d = RETRY_POLICY.accountBudget;
    this.account = account;
    this.rate = o.ratePerSecond ?? d.ratePerSecond;
    this.burst = o.burst ?? d.burst;
    if (!(this.rate > 0) || !(this.burst >= 1))
      throw new RangeError(`request budget of ${account}: rate must be > 0 and burst >= 1`);
    this.defaultPauseMs = o.pauseWithoutRetryAfterMs ?? d.pauseWithoutRetryAfterMs;
    this.maxPauseMs = o.maxPauseMs ?? d.maxPauseMs;
    this.maxWaitMs = o.maxWaitMs ?? RETRY_POLICY.inline.maxInlineRetryAfterMs;
    this.clock = o.clock ?? realClock;
    this.events = o.events ?? {};
    this.tokens = this.burst;
    this.countedAt = this.clock.now();
  }

  /** How long the account is still paused for (0 when it is not). */
  pausedForMs(): number {
    return Math.max(0, this.pausedUntil - this.clock.now());
  }

  /**
   * Resolves when a request may go. Throws a transient CallError at once, with the wait as its Retry-After,
   * when the wait would outlast `maxWaitMs`; and when `signal` aborts while waiting.
   */
  take(operation: string, signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    if (signal?.aborted) return Promise.reject(this.gaveUp(operation, now));
    this.refill(now);
    if (this.waiters.length === 0 && now >= this.pausedUntil && this.tokens >= 1 - EPSILON) {
      this.tokens -= 1;
      this.events.sent?.(this.account, 0);
      return Promise.resolve();
    }
    const wait = this.waitFor(this.waiters.length + 1, now);
    if (wait > this.maxWaitMs) {
      this.events.refused?.(this.account);
      return Promise.reject(this.refusal(operation, wait, now));
    }
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { operation, since: now, resolve, reject };
      if (signal) {
        w.signal = signal;
        w.onAbort = () => {
          const i = this.waiters.indexOf(w);
          if (i < 0) return;
          this.waiters.splice(i, 1);
          const at = this.clock.now();
          reject(this.gaveUp(operation, at, this.waitFor(i + 1, at)));
          this.schedule();
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.waiters.push(w);
      this.schedule();
    });
  }

  /** Told every failed attempt: a 429 or 503 pauses the whole account for as long as Azure asked. */
  observe(f: Failure): void {
    if (f.status !== 429 && f.status !== 503) return;
    const longerMs = this.pause(f.retryAfterMs ?? this.defaultPauseMs);
    this.events.throttled?.(this.account, longerMs / 1000);
  }

  /**
   * Empties the bucket until `ms` from now; at the end one call may go, and the rest follow at the rate.
   * Returns how much longer the account is now paused than it already was.
   */
  pause(ms: number): number {
    if (!(ms > 0)) return 0;
    const now = this.clock.now();
    const until = now + Math.min(ms, this.maxPauseMs);
    if (until <= this.pausedUntil) return 0;
    const longer = until - Math.max(now, this.pausedUntil);
    this.pausedUntil = until;
    // No burst right after the pause: a herd of calls at its end would likely be throttled again.
    this.tokens = 1;
    this.countedAt = until;
    this.schedule();
    return longer;
  }

  private refill(now: number): void {
    if (now <= this.countedAt) return;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.countedAt) * this.rate) / 1000);
    this.countedAt = now;
  }

  /** How long until the n-th call from now (n ≥ 1) gets its token, if no pause comes in between. */
  private waitFor(n: number, now: number): number {
    this.refill(now);
    const start = Math.max(now, this.pausedUntil, this.countedAt);
    const missing = Math.max(0, n - this.tokens);
    return start - now + Math.ceil((missing * 1000) / this.rate - EPSILON);
  }

  private grant(): void {
    const now = this.clock.now();
    this.refill(now);
    while (this.waiters.length > 0 && now >= this.pausedUntil && this.tokens >= 1 - EPSILON) {
      const w = this.waiters.shift()!;
      this.tokens -= 1;
      if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
      this.events.sent?.(this.account, (now - w.since) / 1000);
      w.resolve();
    }
    this.schedule();
  }

  /** One timer, for the first waiter's token; none when nobody waits. */
  private schedule(): void {
    if (this.waiters.length === 0) {
      if (this.timer) this.clock.clearTimeout(this.timer.handle);
      this.timer = undefined;
      return;
    }
    const now = this.clock.now();
    const at = now + this.waitFor(1, now);
    if (this.timer?.at === at) return;
    if (this.timer) this.clock.clearTimeout(this.timer.handle);
    const handle = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.grant();
    }, at - now);
    this.timer = { handle, at };
  }

  private refusal(operation: string, wait: number, now: number): CallError {
    const seconds = Math.ceil(wait / 1000);
    const paused = this.pausedUntil > now;
    return new CallError(operation, {
      kind: 'transient',
      code: paused ? 'AccountPaused' : 'RequestBudgetSpent',
      message: paused
        ? `the Batch account ${this.account} answered 429/503 and is paused; not calling it for ${seconds} s`
        : `the request budget of the Batch account ${this.account} is spent for the next ${seconds} s`,
      retryAfterMs: wait,
    });
  }

  private gaveUp(operation: string, now: number, remainingMs?: number): CallError {
    return new CallError(operation, {
      kind: 'transient',
      code: 'RequestBudgetWaitAborted',
      message: `gave up waiting for the request budget of the Batch account ${this.account}`,
      ...(remainingMs !== undefined && remainingMs > 0 && { retryAfterMs: remainingMs }),
      ...(remainingMs === undefined && this.pausedUntil > now && { retryAfterMs: this.pausedUntil - now }),
    });
  }
}

/** The account a Batch endpoint URL stands for: its origin, as Azure names an account by its host. */
export function accountOf(endpoint: string): string {
  try {
    return new URL(endpoint).host.toLowerCase();
  } catch {
    return endpoint.replace(/\/+$/, '').toLowerCase();
  }
}

/** One budget per Batch account, shared by every client of it (AzureClients holds one of these). */
export class RequestBudgets {
  private readonly budgets = new Map<string, RequestBudget>();
  private readonly o: BudgetOptions;

  constructor(o: BudgetOptions = {}) {
    this.o = o;
  }

  of(endpoint: string): RequestBudget {
    return this.named(accountOf(endpoint));
  }

  /** The budget of anything else that Azure throttles as one (a subscription on the management plane). */
  named(name: string): RequestBudget {
    let b = this.budgets.get(name);
    if (!b) {
      b = new RequestBudget(name, this.o);
      this.budgets.set(name, b);
    }
    return b;
  }
}

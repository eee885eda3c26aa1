import { describe, expect, it } from 'vitest';
import {
  azureKind,
  CallError,
  describe as describeError,
  failureOf,
  kindOfStatus,
  resizeErrorKind,
} from '../../src/errors.ts';
import { FailFast, queueBackoffMs, queueDelayMs, retriesInline } from '../../src/retry-policy.ts';
import { FakeClock } from '../support/fake-clock.ts';

describe('the Azure code table', () => {
  it.each([
    ['PoolQuotaReached', 409, 'quota'],
    ['AccountCoreQuotaReached', 400, 'quota'],
    ['SomeNewCoreQuotaReached', 409, 'quota'],
    ['PoolExists', 409, 'conflict'],
    ['PoolNotFound', 404, 'not-found'],
    ['TooManyRequests', 429, 'transient'],
    ['InvalidPropertyValue', 400, 'terminal'],
    ['NotInTheTable', 418, 'terminal'],
    [undefined, 503, 'transient'],
  ] as const)('%s with %d is %s', (code, status, kind) => {
    expect(azureKind(code, status)).toBe(kind);
  });

  it('falls back on the HTTP status', () => {
    expect([404, 409, 412, 408, 429, 500, 503, 501, 505, 400, 403].map(kindOfStatus)).toEqual([
      'not-found',
      'conflict',
      'conflict',
      'transient',
      'transient',
      'transient',
      'transient',
      'terminal',
      'terminal',
      'terminal',
      'terminal',
    ]);
  });

  it('judges resize errors case-insensitively, as Azure spells them both ways', () => {
    expect(resizeErrorKind('AllocationTimedout')).toBe('timed-out');
    expect(resizeErrorKind('AllocationTimedOut')).toBe('timed-out');
    expect(resizeErrorKind('ResizeStopped')).toBe('stopped');
    expect(resizeErrorKind('AccountSpotCoreQuotaReached')).toBe('quota');
    expect(resizeErrorKind('AllocationFailed')).toBe('failed');
    expect(resizeErrorKind('Unknown')).toBe('failed');
  });
});

describe('CallError and describe', () => {
  it('carries the failure and describes it in one line', () => {
    const e = new CallError('pool.get', {
      kind: 'transient',
      status: 503,
      code: 'ServerBusy',
      message: 'busy',
    });
    expect(e.message).toBe('pool.get: 503 ServerBusy busy');
    expect(failureOf(e)).toBe(e.failure);
    expect(describeError(e)).toBe('503 ServerBusy busy');
    expect(describeError(e.failure)).toBe('503 ServerBusy busy');
  });

  it('takes anything else as a terminal bug with its message', () => {
    expect(failureOf(new TypeError('x is undefined'))).toEqual({
      kind: 'terminal',
      message: 'x is undefined',
    });
    expect(describeError('plain')).toBe('plain');
  });
});

describe('the retry policy', () => {
  it('retries in place only what is worth it, and only a short Retry-After', () => {
    expect(retriesInline({ kind: 'transient', message: '' }, 10_000)).toBe(true);
    expect(retriesInline({ kind: 'unreachable', message: '' }, 10_000)).toBe(true);
    expect(retriesInline({ kind: 'transient', message: '', retryAfterMs: 60_000 }, 10_000)).toBe(false);
    for (const kind of ['conflict', 'not-found', 'quota', 'terminal'] as const)
      expect(retriesInline({ kind, message: '' }, 10_000)).toBe(false);
  });

  it('backs a key off exponentially with jitter, capped, and lets Retry-After win', () => {
    expect([1, 2, 3, 20].map((n) => queueBackoffMs(n, () => 0.5))).toEqual([1000, 2000, 4000, 300_000]);
    expect(queueBackoffMs(1, () => 0)).toBe(750);
    expect(queueBackoffMs(1, () => 0.999999)).toBe(1250);
    const throttled = new CallError('x', { kind: 'transient', message: '', retryAfterMs: 7000 });
    expect(queueDelayMs(throttled, 1000)).toBe(7000);
    expect(queueDelayMs(new Error('bug'), 1000)).toBe(1000);
  });

  it('fails fast for an unreachable account until the window is over', async () => {
    const clock = new FakeClock();
    const ff = new FailFast(clock, 15_000);
    ff.check('pool.get');
    ff.observe({ kind: 'transient', message: '' });
    ff.check('pool.get');
    ff.observe({ kind: 'unreachable', message: '' });
    await clock.advance(5_000);
    const err = (() => {
      try {
        ff.check('pool.get');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CallError);
    expect((err as CallError).failure).toMatchObject({ kind: 'unreachable', retryAfterMs: 10_000 });
    await clock.advance(10_000);
    expect(() => ff.check('pool.get')).not.toThrow();
  });
});

// The per-account request budget (src/azure/request-budget.ts) on fake time: its rate and burst, the pause a
// 429 or 503 puts on every call of that account and on no other, the calls it fails at once instead of
// parking a worker, aborts while waiting, and its wiring into the Batch adapter's call path.

import { describe, expect, it } from 'vitest';
import { BatchDataPlane } from '../../../src/azure/batch/adapter.ts';
import type { BatchClient } from '../../../src/azure/batch/client.ts';
import { RequestBudget, RequestBudgets, accountOf } from '../../../src/azure/request-budget.ts';
import { CallError } from '../../../src/errors.ts';
import { FakeClock, flush } from '../../support/fake-clock.ts';

/** Starts `n` takes and records, per take, the fake time it was let through (or the error). */
function takeAll(budget: RequestBudget, clock: FakeClock, n: number, signal?: AbortSignal) {
  const at: (number | undefined)[] = Array.from({ length: n }, () => undefined);
  const errors: unknown[] = [];
  const t0 = clock.now();
  for (let i = 0; i < n; i++)
    budget.take('pool.get', signal).then(
      () => (at[i] = clock.now() - t0),
      (err: unknown) => errors.push(err),
    );
  return { at, errors };
}

describe('RequestBudget', () => {
  it('lets a burst through at once, then one call per 1/rate seconds', async () => {
    const clock = new FakeClock();
    const b = new RequestBudget('a.batch.azure.com', { ratePerSecond: 5, burst: 3, clock });
    const { at } = takeAll(b, clock, 7);
    await flush();
    expect(at).toEqual([0, 0, 0, undefined, undefined, undefined, undefined]);
    await clock.advance(199);
    expect(at[3]).toBeUndefined();
    await clock.advance(1);
    expect(at[3]).toBe(200);
    await clock.advance(600);
    expect(at).toEqual([0, 0, 0, 200, 400, 600, 800]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('refills while nobody calls, up to the burst and no further', async () => {
    const clock = new FakeClock();
    const b = new RequestBudget('a', { ratePerSecond: 10, burst: 4, clock });
    takeAll(b, clock, 4);
    await flush();
    await clock.advance(60_000); // a quiet minute is worth 600 tokens, but the bucket holds 4
    const { at } = takeAll(b, clock, 6);
    await clock.advance(200);
    expect(at).toEqual([0, 0, 0, 0, 100, 200]);
  });

  it('a 429 with Retry-After pauses every call of the account for exactly that long, then goes on at the rate', async () => {
    const clock = new FakeClock();
    const throttled: number[] = [];
    const b = new RequestBudget('a', {
      ratePerSecond: 10,
      burst: 50,
      clock,
      events: { throttled: (_a, s) => throttled.push(s) },
    });
    b.observe({ kind: 'transient', status: 429, message: 'TooManyRequests', retryAfterMs: 3_000 });
    expect(b.pausedForMs()).toBe(3_000);
    const { at } = takeAll(b, clock, 3);
    await clock.advance(2_999);
    expect(at).toEqual([undefined, undefined, undefined]);
    await clock.advance(1);
    // The pause emptied the bucket: no burst at its end, one call and then the rate.
    expect(at).toEqual([3_000, undefined, undefined]);
    await clock.advance(200);
    expect(at).toEqual([3_000, 3_100, 3_200]);
    expect(throttled).toEqual([3]);
  });

  it('a 503 pauses for its Retry-After, or for the default pause when it names none; other failures do not', async () => {
    const clock = new FakeClock();
    const b = new RequestBudget('a', { clock, pauseWithoutRetryAfterMs: 1_500 });
    b.observe({ kind: 'transient', status: 500, message: 'InternalError' });
    b.observe({ kind: 'conflict', status: 409, message: 'PoolBeingResized' });
    b.observe({ kind: 'unreachable', code: 'ECONNRESET', message: 'reset' });
    expect(b.pausedForMs()).toBe(0);
    b.observe({ kind: 'transient', status: 503, message: 'ServerBusy' });
    expect(b.pausedForMs()).toBe(1_500);
    await clock.advance(1_500);
    b.observe({ kind: 'transient', status: 503, message: 'ServerBusy', retryAfterMs: 4_000 });
    expect(b.pausedForMs()).toBe(4_000);
    // A shorter pause heard later does not cut the one in force short.
    b.observe({ kind: 'transient', status: 429, message: 'TooManyRequests', retryAfterMs: 1_000 });
    expect(b.pausedForMs()).toBe(4_000);
    b.observe({ kind: 'transient', status: 429, message: 'TooManyRequests' });
    expect(b.pausedForMs()).toBe(4_000);
  });

  it('caps a pause at maxPauseMs, whatever Retry-After said', () => {
    const clock = new FakeClock();
    const b = new RequestBudget('a', { clock, maxPauseMs: 60_000 });
    b.observe({ kind: 'transient', status: 429, message: 'x', retryAfterMs: 86_400_000 });
    expect(b.pausedForMs()).toBe(60_000);
  });

  it('fails a call at once, with the rest of the pause as its Retry-After, when the pause outlasts the inline limit', async () => {
    const clock = new FakeClock();
    let refused = 0;
    const b = new RequestBudget('a', {
      clock,
      ratePerSecond: 10,
      maxWaitMs: 10_000,
      events: { refused: () => refused++ },
    });
    b.observe({ kind: 'transient', status: 429, message: 'x', retryAfterMs: 30_000 });
    const err = await b.take('pool.resize').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallError);
    expect((err as CallError).operation).toBe('pool.resize');
    expect((err as CallError).failure).toMatchObject({
      kind: 'transient',
      code: 'AccountPaused',
      retryAfterMs: 30_000,
    });
    expect(refused).toBe(1);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(22_000);
    // 8 s left: within the inline limit, so this one waits, and goes exactly at the end.
    const { at } = takeAll(b, clock, 1);
    await clock.advance(7_999);
    expect(at).toEqual([undefined]);
    await clock.advance(1);
    expect(at).toEqual([8_000]);
  });

  it('fails at once when the queue ahead is longer than the inline limit, too', async () => {
    const clock = new FakeClock();
    const b = new RequestBudget('a', { clock, ratePerSecond: 1, burst: 1, maxWaitMs: 3_000 });
    const { at, errors } = takeAll(b, clock, 5);
    await flush();
    // Token now, then 1 s, 2 s, 3 s; the fifth would wait 4 s.
    expect(errors).toHaveLength(1);
    expect((errors[0] as CallError).failure).toMatchObject({
      code: 'RequestBudgetSpent',
      retryAfterMs: 4_000,
    });
    await clock.advance(3_000);
    expect(at).toEqual([0, 1_000, 2_000, 3_000, undefined]);
  });

  it('an abort while waiting rejects that call only, frees its place, and leaves no timer behind', async () => {
    const clock = new FakeClock();
    const b = new RequestBudget('a', { clock, ratePerSecond: 1, burst: 1 });
    await b.take('pool.get');
    const ac = new AbortController();
    const aborted = takeAll(b, clock, 1, ac.signal);
    const next = takeAll(b, clock, 1);
    await clock.advance(500);
    ac.abort();
    await flush();
    expect(aborted.errors).toHaveLength(1);
    expect((aborted.errors[0] as CallError).failure).toMatchObject({
      kind: 'transient',
      code: 'RequestBudgetWaitAborted',
    });
    // The aborted call's token goes to the one behind it, at 1 s rather than 2 s.
    await clock.advance(500);
    expect(next.at).toEqual([1_000]);
    expect(clock.pendingTimers).toBe(0);
    const pre = new AbortController();
    pre.abort();
    await expect(b.take('pool.get', pre.signal)).rejects.toBeInstanceOf(CallError);
  });
});

describe('RequestBudgets', () => {
  it('one budget per account endpoint, however it is spelt', () => {
    const budgets = new RequestBudgets();
    const a = budgets.of('https://ProdBatch.westeurope.batch.azure.com/');
    expect(budgets.of('https://prodbatch.westeurope.batch.azure.com')).toBe(a);
    expect(budgets.of('https://other.westeurope.batch.azure.com')).not.toBe(a);
    expect(accountOf('https://ProdBatch.westeurope.batch.azure.com/')).toBe(
      'prodbatch.westeurope.batch.azure.com',
    );
  });

  it('a throttled account does not slow another', async () => {
    const clock = new FakeClock();
    const budgets = new RequestBudgets({ clock, ratePerSecond: 10, burst: 5 });
    const a = budgets.of('https://a.westeurope.batch.azure.com');
    const b = budgets.of('https://b.westeurope.batch.azure.com');
    a.observe({ kind: 'transient', status: 429, message: 'x', retryAfterMs: 5_000 });
    const onA = takeAll(a, clock, 2);
    const onB = takeAll(b, clock, 7);
    await clock.advance(200);
    expect(onA.at).toEqual([undefined, undefined]);
    expect(onB.at).toEqual([0, 0, 0, 0, 0, 100, 200]);
    expect(b.pausedForMs()).toBe(0);
    await clock.advance(4_800);
    expect(onA.at).toEqual([5_000, undefined]);
  });
});

/** A Batch client whose getPool answers what `answer` says, counting calls. */
function stubClient(answer: (poolId: string) => Promise<unknown>) {
  const calls: string[] = [];
  const client = {
    endpoint: 'https://stub',
    getPool: (poolId: string) => {
      calls.push(poolId);
      return answer(poolId);
    },
  } as unknown as BatchClient;
  return { client, calls };
}

function throttledError(retryAfterSeconds: number) {
  return Object.assign(new Error('Too many requests'), {
    name: 'RestError',
    code: 'TooManyRequests',
    statusCode: 429,
    response: { headers: { 'retry-after': String(retryAfterSeconds) } },
  });
}

describe('the budget in the Batch adapter', () => {
  it("a 429 on one pool pauses the account's other calls, under every identity, and no other account's", async () => {
    const clock = new FakeClock();
    const budgets = new RequestBudgets({ clock, maxWaitMs: 10_000 });
    const account = 'https://a.westeurope.batch.azure.com';
    const throttling = stubClient(() => Promise.reject(throttledError(30)));
    const sameAccount = stubClient(() =>
      Promise.reject(Object.assign(new Error('gone'), { statusCode: 404 })),
    );
    const otherAccount = stubClient(() =>
      Promise.reject(Object.assign(new Error('gone'), { statusCode: 404 })),
    );
    const retry = { retries: 0 };
    // Two clients of one account (two identities) share its budget; the third account has its own.
    const a1 = new BatchDataPlane(throttling.client, { clock, retry, budget: budgets.of(account) });
    const a2 = new BatchDataPlane(sameAccount.client, { clock, retry, budget: budgets.of(`${account}/`) });
    const other = new BatchDataPlane(otherAccount.client, {
      clock,
      retry,
      budget: budgets.of('https://b.westeurope.batch.azure.com'),
    });

    const first = await a1.get('render').catch((e: unknown) => e);
    expect((first as CallError).failure).toMatchObject({ status: 429, retryAfterMs: 30_000 });
    const second = await a2.get('genomics').catch((e: unknown) => e);
    expect((second as CallError).failure).toMatchObject({ code: 'AccountPaused', retryAfterMs: 30_000 });
    expect(sameAccount.calls).toEqual([]);
    expect(await other.get('vfx')).toBeUndefined();
    expect(otherAccount.calls).toEqual(['vfx']);

    await clock.advance(30_000);
    expect(await a2.get('genomics')).toBeUndefined();
    expect(sameAccount.calls).toEqual(['genomics']);
  });
});

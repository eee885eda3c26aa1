import { describe, expect, it } from 'vitest';
import { WorkQueue, type HandlerResult } from '../../../src/controller/queue.ts';
import { CallError } from '../../../src/errors.ts';
import { FakeClock, flush } from '../../support/fake-clock.ts';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function setup(concurrency = 2, handler?: (key: string) => Promise<HandlerResult>) {
  const clock = new FakeClock();
  const calls: string[] = [];
  const q = new WorkQueue({
    clock,
    concurrency,
    random: () => 0.5,
    baseBackoffMs: 1000,
    maxBackoffMs: 8000,
    handler: async (key) => {
      calls.push(key);
      return handler ? handler(key) : {};
    },
  });
  q.start();
  return { clock, q, calls };
}

describe('WorkQueue', () => {
  it('dedupes a key added many times before it runs', async () => {
    const { q, calls } = setup(1, async () => {
      await new Promise((r) => setImmediate(r));
      return {};
    });
    q.add('a');
    q.add('b');
    q.add('b');
    q.add('b');
    await flush();
    expect(calls).toEqual(['a', 'b']);
  });

  it('never runs one key twice at once, and re-runs once when it changed meanwhile', async () => {
    const gate = deferred<HandlerResult>();
    let running = 0;
    let maxRunning = 0;
    const { q, calls } = setup(4, async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      const r = calls.length === 1 ? await gate.promise : {};
      running--;
      return r;
    });
    q.add('a');
    await flush();
    q.add('a');
    q.add('a');
    await flush();
    expect(calls).toEqual(['a']);
    gate.resolve({});
    await flush();
    expect(calls).toEqual(['a', 'a']);
    expect(maxRunning).toBe(1);
  });

  it('bounds concurrency across keys', async () => {
    const gates = new Map<string, ReturnType<typeof deferred<HandlerResult>>>();
    const { q, calls } = setup(2, (key) => {
      const g = deferred<HandlerResult>();
      gates.set(key, g);
      return g.promise;
    });
    for (const k of ['a', 'b', 'c', 'd']) q.add(k);
    await flush();
    expect(calls).toEqual(['a', 'b']);
    expect(q.active).toBe(2);
    gates.get('a')!.resolve({});
    await flush();
    expect(calls).toEqual(['a', 'b', 'c']);
  });

  it('requeues after the delay the handler asked for', async () => {
    let n = 0;
    const { q, calls, clock } = setup(1, () => Promise.resolve(++n === 1 ? { requeueAfterMs: 30_000 } : {}));
    q.add('a');
    await flush();
    await clock.advance(29_999);
    expect(calls).toEqual(['a']);
    await clock.advance(1);
    expect(calls).toEqual(['a', 'a']);
  });

  it('keeps the earliest of several delayed adds', async () => {
    const { q, calls, clock } = setup(1);
    q.addAfter('a', 10_000);
    q.addAfter('a', 2_000);
    q.addAfter('a', 5_000);
    expect(q.scheduledAt('a')).toBe(clock.now() + 2_000);
    await clock.advance(2_000);
    expect(calls).toEqual(['a']);
    await clock.advance(20_000);
    expect(calls).toEqual(['a']);
  });

  it('an immediate add replaces a pending delayed one', async () => {
    const { q, calls, clock } = setup(1);
    q.addAfter('a', 10_000);
    q.add('a');
    await flush();
    expect(calls).toEqual(['a']);
    await clock.advance(20_000);
    expect(calls).toEqual(['a']);
  });

  it('backs off exponentially per key on failure and resets after a success', async () => {
    let fail = 3;
    const { q, calls, clock } = setup(1, () =>
      fail-- > 0 ? Promise.reject(new Error('boom')) : Promise.resolve({}),
    );
    q.add('a');
    await flush();
    expect(q.failureCount('a')).toBe(1);
    expect(q.scheduledAt('a')).toBe(clock.now() + 1000);
    await clock.advance(1000);
    expect(q.scheduledAt('a')).toBe(clock.now() + 2000);
    await clock.advance(2000);
    expect(q.scheduledAt('a')).toBe(clock.now() + 4000);
    await clock.advance(4000);
    expect(calls).toHaveLength(4);
    expect(q.failureCount('a')).toBe(0);
    fail = 1;
    q.add('a');
    await flush();
    expect(q.scheduledAt('a')).toBe(clock.now() + 1000);
  });

  it('caps the backoff and honours the Retry-After a failed call carries', async () => {
    const { q, clock } = setup(1, () =>
      Promise.reject(
        new CallError('pool.get', {
          kind: 'transient',
          status: 429,
          message: 'throttled',
          retryAfterMs: 7_000,
        }),
      ),
    );
    q.add('a');
    await flush();
    expect(q.scheduledAt('a')).toBe(clock.now() + 7_000);
  });

  it('jitters the backoff within ±25 %', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({
      clock,
      concurrency: 1,
      random: () => 0.999,
      baseBackoffMs: 1000,
      handler: () => Promise.reject(new Error('x')),
    });
    q.start();
    q.add('a');
    await flush();
    const delay = q.scheduledAt('a')! - clock.now();
    expect(delay).toBeGreaterThan(1000);
    expect(delay).toBeLessThanOrEqual(1250);
  });

  it('shutdown stops taking work and waits for in-flight handlers', async () => {
    const gate = deferred<HandlerResult>();
    const { q, calls, clock } = setup(1, () => gate.promise);
    q.add('a');
    q.add('b');
    q.addAfter('c', 1000);
    await flush();
    const done = q.shutdown(10_000);
    q.add('d');
    gate.resolve({ requeueAfterMs: 1 });
    await expect(done).resolves.toBe(true);
    await clock.advance(5000);
    expect(calls).toEqual(['a']);
  });

  it('shutdown gives up on a handler that does not finish within the bound', async () => {
    const { q, clock } = setup(1, () => new Promise<HandlerResult>(() => {}));
    q.add('a');
    await flush();
    const done = q.shutdown(5000);
    await clock.advance(5000);
    await expect(done).resolves.toBe(false);
  });

  it('reports depth, waits, work time and retries to its observer', async () => {
    const clock = new FakeClock();
    const seen = {
      adds: 0,
      depths: [] as number[],
      queued: [] as number[],
      worked: [] as number[],
      retries: 0,
    };
    let fail = true;
    const q = new WorkQueue({
      clock,
      concurrency: 1,
      random: () => 0.5,
      observer: {
        add: () => seen.adds++,
        depth: (n) => seen.depths.push(n),
        queued: (s) => seen.queued.push(s),
        worked: (s) => seen.worked.push(s),
        retry: () => seen.retries++,
      },
      handler: async () => {
        await new Promise<void>((r) => clock.setTimeout(r, 2000));
        if (fail) {
          fail = false;
          throw new Error('x');
        }
        return {};
      },
    });
    q.add('a');
    q.add('b');
    q.start();
    await clock.advance(10_000);
    expect(seen.adds).toBeGreaterThanOrEqual(3);
    expect(seen.depths.slice(0, 2)).toEqual([1, 2]);
    expect(seen.queued).toEqual([0, 2, 1]); // b waited for a; a's retry (due at 3 s) waited for b until 4 s
    expect(seen.worked).toEqual([2, 2, 2]);
    expect(seen.retries).toBe(1);
  });
});

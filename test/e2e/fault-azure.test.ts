// Azure misbehaving while pools are created and resized: throttling storms (429 with Retry-After), 5xx bursts,
// dropped connections, answers slower than the client's timeout, and a token endpoint that fails for a while.
// Once the faults stop, every invariant must hold; during them, the operator must stay up and hold back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPools, setTarget, setupFaultEnv, type FaultEnv } from '../support/e2e/fault-env.ts';
import { expectInvariants, neverDuplicated } from '../support/e2e/fault-invariants.ts';
import type { OperatorProcess } from '../support/operator-process.ts';
import { sleep } from '../support/wait.ts';
import { poolApi, poolOperation } from '../support/e2e/plane.ts';

let env: FaultEnv;
let op: OperatorProcess;

beforeAll(async () => {
  env = await setupFaultEnv('fault-azure');
  op = await env.startOperator();
});

afterAll(async () => {
  await env?.close();
});

async function resizeAll(names: string[], target: number): Promise<void> {
  for (const n of names) await setTarget(env, n, target);
}

/** Requests the simulator answered with this fault since `since`. */
const faulted = (since: number, fault: string) =>
  env.sim.requests.list({ since }).filter((e) => e.fault === fault);

describe('Azure faults while pools are created and resized', () => {
  it("a throttling storm: every call to the pools' plane gets 429 with Retry-After 2s for 6 s, and the operator waits as told", async () => {
    const since = env.sim.requests.cursor();
    env.sim.faults.throttle({ scope: poolApi(), retryAfterSeconds: 2, seconds: 6 });
    await applyPools(
      env,
      ['t-1', 't-2', 't-3', 't-4'].map((name) => ({ name, target: 40 })),
    );
    await sleep(6000);
    const throttled = faulted(since, 'throttle');
    // Waiting out Retry-After, 4 reconciles in flight send at most ~4 × (6 s / 2 s + 1) = 16 requests into the
    // storm; retrying on the client's own schedule (250 ms and up) would send several times that.
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled.length).toBeLessThanOrEqual(24);
    await expectInvariants(env);
    expect(op.alive()).toBe(true);
  });

  it("a burst of 503s on every call to the pools' plane for 5 s, during resizes", async () => {
    env.sim.faults.unavailable({ scope: poolApi(), retryAfterSeconds: 1, seconds: 5 });
    await resizeAll(['t-1', 't-2'], 400);
    await sleep(5000);
    await expectInvariants(env);
    expect(op.alive()).toBe(true);
  });

  it('half of all connections dropped for 6 s, during creates and resizes', async () => {
    const since = env.sim.requests.cursor();
    env.sim.faults.dropConnections({ scope: 'any', share: 0.5, seconds: 6 });
    await applyPools(env, [{ name: 'd-1', target: 60 }]);
    await resizeAll(['t-3', 't-4'], 300);
    await sleep(6000);
    expect(faulted(since, 'drop').length).toBeGreaterThan(0);
    await expectInvariants(env);
    expect(neverDuplicated(env)).toEqual([]);
  });

  it('answers slower than the client timeout: the create and resize land in Azure after the operator gave up on them', async () => {
    // The operator's per-call timeout is 2 s; these answers take 3 s, and Azure acts on them anyway.
    const since = env.sim.requests.cursor();
    env.sim.faults.slow({ operation: poolOperation('create'), delayMs: 3000, count: 2 });
    env.sim.faults.slow({ operation: poolOperation('resize'), delayMs: 3000, count: 2 });
    await applyPools(env, [{ name: 's-1', target: 80 }]);
    await resizeAll(['d-1'], 500);
    await sleep(4000);
    expect(faulted(since, 'slow').length).toBeGreaterThan(0);
    expect(neverDuplicated(env)).toEqual([]);
    await expectInvariants(env);
  });

  it('the token endpoint failing for 8 s while a fresh operator process starts and pools wait for it', async () => {
    await op.stop();
    const since = env.sim.requests.cursor();
    env.sim.faults.failTokens({ seconds: 8 });
    await applyPools(env, [{ name: 'k-1', target: 70 }]);
    await resizeAll(['s-1'], 250);
    op = await env.startOperator();
    await sleep(8000);
    expect(faulted(since, 'tokenFailure').length).toBeGreaterThan(0);
    expect(op.alive()).toBe(true);
    await expectInvariants(env);
  });
});

// The per-account request budget through the real stack — AzureClients, the 2025-06-01 adapter, withRetry, the
// Batch client, Entra tokens — against two simulated Batch accounts of one tenant: a 429 from one account
// holds that account's other calls for exactly its Retry-After, and the other account is not slowed at all.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AzureClients } from '../../../src/azure/clients.ts';
import type { AccountTarget, BatchPools } from '../../../src/azure/ports.ts';
import { accountOf } from '../../../src/azure/request-budget.ts';
import { CallError } from '../../../src/errors.ts';
import { startSimulator, type Simulator } from '../../../src/simulator/index.ts';

let simA: Simulator;
let simB: Simulator;
let a: BatchPools;
let b: BatchPools;
const events: { throttled: [string, number][]; refused: string[]; sent: Map<string, number> } = {
  throttled: [],
  refused: [],
  sent: new Map(),
};

beforeAll(async () => {
  simA = await startSimulator({ timeScale: 600, seed: 7 });
  simB = await startSimulator({
    timeScale: 600,
    seed: 8,
    sameTenantAs: simA,
    account: { name: 'simbatch2' },
  });
  const i = simA.info;
  const azure = new AzureClients({
    identity: {
      tenantId: i.tenantId,
      clientId: i.clientId,
      clientSecret: i.clientSecret,
      authorityHost: i.authorityHost,
      disableInstanceDiscovery: true,
      ca: i.caPem,
    },
    armEndpoint: i.armEndpoint,
    ca: i.caPem,
    retry: { minTimeoutMs: 10, maxTimeoutMs: 50, maxRetryTimeMs: 10_000, callTimeoutMs: 5_000 },
    budget: {
      events: {
        sent: (acct) => events.sent.set(acct, (events.sent.get(acct) ?? 0) + 1),
        throttled: (acct, s) => events.throttled.push([acct, s]),
        refused: (acct) => events.refused.push(acct),
      },
    },
  });
  const target = (endpoint: string): AccountTarget => ({ endpoint });
  a = azure.batch(target(simA.info.batchUrl));
  b = azure.batch(target(simB.info.batchUrl));
});
afterAll(async () => {
  await simB?.close();
  await simA?.close();
});
beforeEach(() => {
  simA.faults.clear();
  simB.faults.clear();
  events.throttled.length = 0;
  events.refused.length = 0;
});

const gets = (sim: Simulator, since: number) => sim.requests.list({ since, operation: 'Pool_Get' });
const ms = (iso: string) => Date.parse(iso);

describe('one request budget per account, against two simulated accounts', () => {
  it('one client reaches both accounts of the tenant, each with a budget of its own', async () => {
    expect(simB.info.batchUrl).not.toBe(simA.info.batchUrl);
    expect(await a.get('nope')).toBeUndefined();
    expect(await b.get('nope')).toBeUndefined();
    expect(events.sent.get(accountOf(simA.info.batchUrl))).toBeGreaterThan(0);
    expect(events.sent.get(accountOf(simB.info.batchUrl))).toBeGreaterThan(0);
  });

  it("a 429 with Retry-After 2 s holds every call of that account until then, and the other account's calls go on at once", async () => {
    const sinceA = simA.requests.cursor();
    const sinceB = simB.requests.cursor();
    simA.faults.throttle({ operation: 'Pool_Get', count: 1, retryAfterSeconds: 2 });
    const throttledCall = a.get('render');
    // Wait until account A has answered 429, then ask it again for another pool, and ask B many times.
    while (!gets(simA, sinceA).some((e) => e.status === 429)) await new Promise((r) => setTimeout(r, 5));
    const t429 = Date.now();
    const heldCall = a.get('genomics').then(() => Date.now());
    const bTimes: number[] = [];
    for (let n = 0; n < 20; n++) {
      const t0 = Date.now();
      expect(await b.get(`other-${n}`)).toBeUndefined();
      bTimes.push(Date.now() - t0);
    }
    const bDone = Date.now();
    expect(await throttledCall).toBeUndefined();
    const heldAt = await heldCall;

    // B: twenty calls, none of which waited for A's pause.
    expect(bDone - t429).toBeLessThan(1_500);
    expect(Math.max(...bTimes)).toBeLessThan(500);
    expect(gets(simB, sinceB)).toHaveLength(20);
    // A: nothing reached it until 2 s after its 429; then the retry and the held call.
    const onA = gets(simA, sinceA);
    const the429 = onA.find((e) => e.status === 429)!;
    const after = onA.filter((e) => e !== the429);
    expect(after.map((e) => e.status)).toEqual([404, 404]);
    for (const e of after) expect(ms(e.time) - ms(the429.time)).toBeGreaterThanOrEqual(1_990);
    expect(heldAt - t429).toBeGreaterThanOrEqual(1_900);
    expect(events.throttled).toEqual([[accountOf(simA.info.batchUrl), expect.any(Number) as number]]);
  });

  it('a Retry-After beyond the inline limit: the call goes back to the queue, the account fails its other calls at once, the other account is untouched', async () => {
    const sinceA = simA.requests.cursor();
    simA.faults.throttle({ operation: 'Pool_Get', count: 1, retryAfterSeconds: 60 });
    const first = await a.get('render').catch((e: unknown) => e);
    expect((first as CallError).failure).toMatchObject({ status: 429, retryAfterMs: 60_000 });
    const t0 = Date.now();
    const second = await a.get('genomics').catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(100);
    expect(second).toBeInstanceOf(CallError);
    expect((second as CallError).failure.code).toBe('AccountPaused');
    expect((second as CallError).failure.retryAfterMs).toBeGreaterThan(55_000);
    expect(gets(simA, sinceA)).toHaveLength(1);
    expect(events.refused).toEqual([accountOf(simA.info.batchUrl)]);
    expect(await b.get('vfx')).toBeUndefined();
  });
});

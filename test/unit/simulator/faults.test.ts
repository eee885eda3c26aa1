// Injected faults as the real clients see them (the project's 2025-06-01 BatchClient, @azure/arm-compute,
// @azure/identity): throttling (429 + Retry-After), 503s, dropped connections, slow answers, a failing token
// endpoint, and seeded random profiles that replay.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { BatchClient } from '../../../src/azure/batch/client.ts';
import type { Simulator } from '../../../src/simulator/index.ts';
import { startSimulator } from '../../../src/simulator/index.ts';
import { batchClient, computeClient, control, credential, rejection } from './helpers.ts';

let sim: Simulator;
let batch: BatchClient;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0 });
  batch = batchClient(sim);
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
});

const marketplace = {
  imageReference: { publisher: 'canonical', offer: 'ubuntu', sku: '22_04-lts' },
  nodeAgentSKUId: 'batch.node.ubuntu 22.04',
};

describe('request faults', () => {
  test('throttling reaches the Batch client as 429 TooManyRequests with Retry-After', async () => {
    sim.faults.throttle({ count: 1, retryAfterSeconds: 7 });
    const err = await rejection(batch.listPools());
    expect([err.statusCode, err.code]).toEqual([429, 'TooManyRequests']);
    expect(err.response?.headers.get('retry-after')).toBe('7');
    expect(err.details.message.value).toMatch(
      /^Request failed as server encountered too many requests\. Please try again\./,
    );
    expect((await batch.listPools()).value).toHaveLength(0); // count: 1 means only the first call
    const log = sim.requests.list({ api: 'batch' });
    expect(log.map((e) => [e.status, e.fault])).toEqual([
      [429, 'throttle'],
      [200, undefined],
    ]);
  });

  test('a fault can target one operation, e.g. only resizes', async () => {
    await batch.createPool({
      id: 'p',
      vmSize: 'Standard_D2s_v5',
      virtualMachineConfiguration: marketplace,
      targetDedicatedNodes: 1,
    });
    sim.clock.advance(120);
    const added = await control(sim, 'POST', '/faults/requests', {
      kind: 'throttle',
      operation: 'Pool_Resize',
    });
    expect(added.status).toBe(201);
    expect((await batch.getPool('p')).id).toBe('p');
    expect((await rejection(batch.resizePool('p', { targetDedicatedNodes: 2 }))).statusCode).toBe(429);
    await control(sim, 'DELETE', `/faults/requests/${added.json.id}`);
    await batch.resizePool('p', { targetDedicatedNodes: 2 }); // BatchClient takes only a 202
    expect(sim.requests.list({ operation: 'Pool_Resize' }).map((e) => e.status)).toEqual([429, 202]);
  });

  test('ARM throttling reaches @azure/arm-compute as 429 with Retry-After', async () => {
    sim.faults.throttle({ scope: 'arm', count: 1, retryAfterSeconds: 3 });
    const err = (await computeClient(sim)
      .images.get('rg', 'x')
      .catch((e: unknown) => e)) as {
      statusCode: number;
      code: string;
      response: { headers: { get(n: string): string | undefined } };
    };
    expect([err.statusCode, err.code]).toEqual([429, 'TooManyRequests']);
    expect(err.response.headers.get('retry-after')).toBe('3');
  });

  test('"unavailable" answers 503 ServerBusy for a while, then the service is back', async () => {
    sim.faults.unavailable({ seconds: 0.3, retryAfterSeconds: 2 });
    const err = await rejection(batch.listPools());
    expect([err.statusCode, err.code, err.response?.headers.get('retry-after')]).toEqual([
      503,
      'ServerBusy',
      '2',
    ]);
    await new Promise((r) => setTimeout(r, 350));
    expect((await batch.listPools()).value).toHaveLength(0);
  });

  test('dropped connections surface as network errors and are logged with status 0', async () => {
    sim.faults.dropConnections({ count: 1 });
    const err = await rejection(batch.listPools());
    expect(err.statusCode).toBeUndefined();
    expect(err.details).toBeUndefined();
    expect(String(err.message)).toMatch(/socket hang up|ECONNRESET|closed/i);
    expect(sim.requests.list({ api: 'batch' })[0]).toMatchObject({ status: 0, fault: 'drop' });
    expect((await batch.listPools()).value).toHaveLength(0);
  });

  test('slow answers arrive after the configured delay', async () => {
    sim.faults.slow({ delayMs: 200, count: 1 });
    const started = Date.now();
    await batch.listPools();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(sim.requests.list({ api: 'batch' })[0]?.fault).toBe('slow');
  });

  test('a failing token endpoint fails the credential while the fault lasts', async () => {
    const rule = sim.faults.failTokens();
    const cred = credential(sim);
    // MSAL retries a 5xx once on its own, so the fault stays until removed.
    await expect(cred.getToken('https://batch.core.windows.net//.default')).rejects.toThrow();
    sim.faults.remove(rule.id);
    const token = await cred.getToken('https://batch.core.windows.net//.default');
    expect(token?.token).toBeTruthy();
    const statuses = sim.requests.list({ operation: 'Token' }).map((e) => e.status);
    expect(statuses.at(-1)).toBe(200);
    expect(statuses.slice(0, -1).every((s) => s === 500)).toBe(true);
  });

  test('a share of calls: with the same seed the same calls are hit', async () => {
    const pattern = async (seed: number): Promise<number[]> => {
      const s = await startSimulator({ timeScale: 0, seed });
      try {
        s.faults.throttle({ share: 0.3 });
        const client = batchClient(s);
        const statuses: number[] = [];
        for (let i = 0; i < 40; i++)
          statuses.push(
            await client.listPools().then(
              () => 200,
              (e: { statusCode: number }) => e.statusCode,
            ),
          );
        return statuses;
      } finally {
        await s.close();
      }
    };
    const a = await pattern(11);
    expect(a).toEqual(await pattern(11));
    expect(a).not.toEqual(await pattern(12));
    expect(a.filter((s) => s === 429).length).toBeGreaterThan(3);
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(15);
  });
});

describe('profiles', () => {
  test('realistic: some allocations fail, large pools need several resizes; the seed replays it', async () => {
    const outcome = async (seed: number): Promise<string[]> => {
      // 12 pools of 500 two-vCPU nodes: 12,000 dedicated cores, an account with that much quota.
      const s = await startSimulator({
        timeScale: 0,
        seed,
        profile: 'realistic',
        quotas: { dedicatedCores: 12_000 },
      });
      try {
        // Only the allocation side of the profile matters here: drop its request faults.
        for (const r of (await control(s, 'GET', '/faults')).json.requests)
          await control(s, 'DELETE', `/faults/requests/${r.id}`);
        const client = batchClient(s);
        for (let i = 0; i < 12; i++)
          await client.createPool({
            id: `p${i}`,
            vmSize: 'Standard_D2s_v5',
            virtualMachineConfiguration: marketplace,
            targetDedicatedNodes: 500,
          });
        s.clock.advance(3600);
        return s.pools
          .list()
          .map((p) => `${p.currentDedicatedNodes}:${p.resizeErrors.map((e) => e.code).join(',')}`);
      } finally {
        await s.close();
      }
    };
    const first = await outcome(5);
    expect(first).toEqual(await outcome(5));
    expect(first.every((o) => !o.startsWith('500:'))).toBe(true); // 500 > 300 per resize: nobody gets there at once
    expect(first.some((o) => o.endsWith('AllocationFailed'))).toBe(true);
    expect(first.some((o) => o === '300:AllocationTimedout')).toBe(true);
  });

  test('profiles are listed and switched through the control API', async () => {
    const harsh = await control(sim, 'POST', '/faults/profile', { name: 'harsh' });
    expect(harsh.status).toBe(200);
    expect(harsh.json.profile).toBe('harsh');
    expect(harsh.json.allocation.failureProbability).toBeGreaterThan(0);
    expect(harsh.json.requests.map((r: { kind: string }) => r.kind)).toContain('drop');
    const none = await control(sim, 'POST', '/faults/profile', { name: 'none' });
    expect(none.json.requests).toEqual([]);
    const unknown = await control(sim, 'POST', '/faults/profile', { name: 'chaos' });
    expect(unknown.status).toBe(400);
  });
});

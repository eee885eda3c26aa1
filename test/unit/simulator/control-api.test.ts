// The /_sim control API over plain HTTPS: what a test in another process or a person with curl uses.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import type { Simulator } from '../../../src/simulator/index.ts';
import { startSimulator } from '../../../src/simulator/index.ts';
import { batchClient, control, vmConfig } from './helpers.ts';

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
});

test('info repeats the connection details, without the CA itself', async () => {
  const res = await control(sim, 'GET', '/info');
  expect(res.status).toBe(200);
  expect(res.json).toMatchObject({
    batchUrl: sim.info.batchUrl,
    armEndpoint: sim.info.armEndpoint,
    authorityHost: sim.info.authorityHost,
    tenantId: sim.info.tenantId,
    clientId: sim.info.clientId,
    subscriptionId: sim.info.subscriptionId,
    caFile: sim.info.caFile,
    controlUrl: sim.info.controlUrl,
  });
  expect(res.json.caPem).toBeUndefined();
});

test('images can be created and deleted, and a pool on a deleted image stops growing', async () => {
  const id = `/subscriptions/${sim.info.subscriptionId}/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i/versions/2.0.0`;
  expect((await control(sim, 'POST', '/images', { id })).status).toBe(201);
  const listed = await control(sim, 'GET', '/images');
  expect(listed.json.value.map((r: { id: string }) => r.id)).toContain(id);

  const batch = batchClient(sim);
  await batch.createPool({
    id: 'p',
    vmSize: 'Standard_D2s_v5',
    virtualMachineConfiguration: vmConfig(id),
    targetDedicatedNodes: 2,
  });
  await control(sim, 'POST', '/clock', { advanceSeconds: 120 });
  expect((await control(sim, 'DELETE', `/images?id=${encodeURIComponent(id)}`)).status).toBe(200);
  expect((await control(sim, 'DELETE', `/images?id=${encodeURIComponent(id)}`)).status).toBe(404);
  await batch.resizePool('p', { targetDedicatedNodes: 4 });
  await control(sim, 'POST', '/clock', { advanceSeconds: 600 });
  const pool = await control(sim, 'GET', '/pools/p');
  expect(pool.json).toMatchObject({
    currentDedicatedNodes: 2,
    targetDedicatedNodes: 4,
    allocationState: 'steady',
  });
  expect(pool.json.resizeErrors[0].code).toBe('AllocationFailed');
  expect((await control(sim, 'GET', '/pools/none')).status).toBe(404);
});

test('the request log is read with a since cursor and names operation, status and client', async () => {
  const batch = batchClient(sim);
  await batch.listPools();
  const first = await control(sim, 'GET', '/requests');
  const listCall = first.json.entries.find((e: { operation: string }) => e.operation === 'Pool_List');
  expect(listCall).toMatchObject({
    method: 'GET',
    path: '/pools',
    status: 200,
    api: 'batch',
    clientId: sim.info.clientId,
  });
  expect(typeof listCall.time).toBe('string');
  expect(await batch.poolExists('nope')).toBe(false);
  const next = await control(sim, 'GET', `/requests?since=${first.json.next}`);
  expect(
    next.json.entries.map((e: { operation: string; status: number }) => [e.operation, e.status]),
  ).toEqual([
    ['Sim_Requests', 200],
    ['Pool_Exists', 404],
  ]);
});

test('the clock can be read, advanced and sped up', async () => {
  const before = await control(sim, 'GET', '/clock');
  expect(before.json.timeScale).toBe(0);
  const after = await control(sim, 'POST', '/clock', { advanceSeconds: 3600 });
  expect(Date.parse(after.json.now) - Date.parse(before.json.now)).toBe(3_600_000);
  const fast = await control(sim, 'POST', '/clock', { timeScale: 1000 });
  expect(fast.json.timeScale).toBe(1000);
  await control(sim, 'POST', '/clock', { timeScale: 0 });
  expect((await control(sim, 'POST', '/clock', { advanceSeconds: -1 })).status).toBe(400);
});

test('allocation settings and pool faults are set and cleared; bad input is a 400', async () => {
  const set = await control(sim, 'POST', '/faults/allocation', {
    nodesPerMinute: 1000,
    bootDelaySeconds: 10,
  });
  expect(set.json).toMatchObject({ nodesPerMinute: 1000, bootDelaySeconds: 10 });
  expect((await control(sim, 'POST', '/faults/allocation', { nodesPerMinute: -1 })).status).toBe(400);
  expect((await control(sim, 'POST', '/faults/allocation', { bogus: 1 })).status).toBe(400);
  const pool = await control(sim, 'POST', '/faults/pools/x', { failNext: 3 });
  expect(pool.json.pools.x).toMatchObject({ failNext: 3, code: 'AllocationFailed' });
  const cleared = await control(sim, 'DELETE', '/faults');
  expect(cleared.json.pools).toEqual({});
  expect(cleared.json.allocation.nodesPerMinute).toBe(300);
  expect((await control(sim, 'GET', '/nothing-here')).status).toBe(404);
});

test('reset forgets pools, images and the log', async () => {
  const image = sim.images.createGalleryImageVersion('g', 'i', '1.0.0');
  await batchClient(sim).createPool({
    id: 'p',
    vmSize: 'Standard_D2s_v5',
    virtualMachineConfiguration: vmConfig(image),
    targetDedicatedNodes: 1,
  });
  expect((await control(sim, 'POST', '/reset')).status).toBe(200);
  expect((await control(sim, 'GET', '/pools')).json.value).toEqual([]);
  expect((await control(sim, 'GET', '/images')).json.value).toEqual([]);
});

test('a snapshot in the state dir brings pools and images back after a restart', async () => {
  const stateDir = await mkdtemp(path.join(tmpdir(), 'sim-state-'));
  const first = await startSimulator({ timeScale: 0, stateDir });
  const image = first.images.createGalleryImageVersion('g', 'kept', '1.0.0');
  await batchClient(first).createPool({
    id: 'kept',
    vmSize: 'Standard_D2s_v5',
    virtualMachineConfiguration: vmConfig(image),
    targetDedicatedNodes: 3,
  });
  first.clock.advance(120);
  expect((await control(first, 'POST', '/snapshot')).json.file).toBe(path.join(stateDir, 'state.json'));
  await first.close();

  const second = await startSimulator({ timeScale: 0, stateDir });
  try {
    expect(second.info.caPem).toBe(first.info.caPem); // the same CA, so clients keep trusting it
    expect(second.pools.get('kept')).toMatchObject({ currentDedicatedNodes: 3, allocationState: 'steady' });
    expect(second.images.exists(image)).toBe(true);
    expect((await batchClient(second).getPool('kept')).currentDedicatedNodes).toBe(3);
  } finally {
    await second.close();
  }
});

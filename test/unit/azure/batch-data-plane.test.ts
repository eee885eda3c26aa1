// The 2025-06-01 adapter (src/azure/batch/adapter.ts) through the real client, identity and our retries,
// against the HTTPS simulator: the cases of adapters.test.ts for the @azure/batch 10.2.0 adapter, and what
// the new one adds (resize error values, the api-version, the Batch detail in a refusal).

import { ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  makeBatchDataPlane,
  type BatchDataPlane,
  type BatchDataPlaneOptions,
} from '../../../src/azure/batch/adapter.ts';
import { OWNER_METADATA, type CreatePoolParams } from '../../../src/azure/ports.ts';
import type { Clock } from '../../../src/clock.ts';
import { CallError } from '../../../src/errors.ts';
import { startSimulator, type Simulator } from '../../../src/simulator/index.ts';

let sim: Simulator;
let batch: BatchDataPlane;
const calls: string[] = [];

const retry = { minTimeoutMs: 10, maxTimeoutMs: 50, maxRetryTimeMs: 10_000, callTimeoutMs: 5_000 };

function adapter(options: BatchDataPlaneOptions = {}): BatchDataPlane {
  const i = sim.info;
  const cred = new ClientSecretCredential(i.tenantId, i.clientId, i.clientSecret, {
    authorityHost: i.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: i.caPem },
  });
  return makeBatchDataPlane(cred, i.batchUrl, { ca: i.caPem, retry, ...options });
}

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 600, seed: 7 });
  batch = adapter({ onCall: (op) => calls.push(op) });
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(() => {
  sim.faults.clear();
  calls.length = 0;
});

function params(id: string, imageId: string): CreatePoolParams {
  return {
    id,
    vmSize: 'Standard_D4s_v5',
    imageId,
    nodeAgentSkuId: 'batch.node.ubuntu 22.04',
    targetDedicatedNodes: 3,
    targetLowPriorityNodes: 0,
    resizeTimeout: 'PT20M',
    metadata: [
      { name: OWNER_METADATA.namespace, value: 'vfx' },
      { name: OWNER_METADATA.name, value: id },
      { name: OWNER_METADATA.uid, value: 'uid-1' },
    ],
  };
}

const until = async (fn: () => Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
};

const galleryImage = (name: string) => sim.images.createGalleryImageVersion('g', name, '1.0.0');

describe('BatchDataPlane against the simulator', () => {
  it('creates a pool with the exact image ID and owner metadata, reads it back, all at api-version 2025-06-01', async () => {
    const imageId = galleryImage('d1');
    const before = sim.requests.cursor();
    expect(await batch.get('d1')).toBeUndefined();
    await batch.create(params('d1', imageId));
    const snap = await batch.get('d1');
    expect(snap).toMatchObject({
      id: 'd1',
      state: 'active',
      allocationState: 'resizing',
      targetDedicatedNodes: 3,
      imageId,
      owner: { namespace: 'vfx', name: 'd1', uid: 'uid-1' },
    });
    expect(snap?.allocationStateTransitionTime).toBeGreaterThan(0);
    await until(async () => (await batch.get('d1'))?.allocationState === 'steady');
    expect((await batch.get('d1'))?.currentDedicatedNodes).toBe(3);
    const log = sim.requests.list({ since: before, api: 'batch' });
    expect(log.at(-1)?.clientId).toBe(sim.info.clientId);
    expect(log.length).toBeGreaterThanOrEqual(4);
    for (const e of log) expect(new URLSearchParams(e.query).getAll('api-version')).toEqual(['2025-06-01']);
    expect(calls.slice(0, 3)).toEqual(['pool.get', 'pool.add', 'pool.get']);
  });

  it('sends the start task and network settings under their 2025-06-01 names', async () => {
    await batch.create({
      ...params('d7', galleryImage('d7')),
      taskSlotsPerNode: 2,
      startTask: {
        commandLine: '/bin/sh -c "echo hi"',
        environmentSettings: [{ name: 'A', value: 'b' }],
        resourceFiles: [
          { httpUrl: 'https://example.blob.core.windows.net/c/f', filePath: 'f', fileMode: '0755' },
        ],
        userIdentity: { autoUser: { scope: 'pool', elevationLevel: 'admin' } },
        maxTaskRetryCount: 1,
        waitForSuccess: true,
      },
      networkConfiguration: {
        subnetId:
          '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s',
        endpointConfiguration: {
          inboundNATPools: [
            {
              name: 'ssh',
              protocol: 'tcp',
              backendPort: 2222,
              frontendPortRangeStart: 1000,
              frontendPortRangeEnd: 1099,
            },
          ],
        },
      },
    });
    const raw = await batch.client.getPool('d7', {
      select: ['id', 'startTask', 'networkConfiguration', 'taskSlotsPerNode'],
    });
    expect(raw.taskSlotsPerNode).toBe(2);
    expect(raw.startTask).toMatchObject({
      commandLine: '/bin/sh -c "echo hi"',
      userIdentity: { autoUser: { scope: 'pool', elevationLevel: 'admin' } },
      resourceFiles: [
        { httpUrl: 'https://example.blob.core.windows.net/c/f', filePath: 'f', fileMode: '0755' },
      ],
    });
    expect(raw.networkConfiguration?.endpointConfiguration?.inboundNATPools[0]?.name).toBe('ssh');
  });

  it('surfaces AllocationTimedout as pool data and a 409 while resizing as a conflict', async () => {
    sim.faults.failNextResizes('d2', 1, { code: 'AllocationTimedout', fraction: 0.5 });
    sim.clock.setTimeScale(10); // keep the pool resizing while we try to resize it
    await batch.create({ ...params('d2', galleryImage('d2')), targetDedicatedNodes: 10 });
    const err = await batch
      .resize('d2', {
        targetDedicatedNodes: 5,
        targetLowPriorityNodes: 0,
        resizeTimeout: 'PT20M',
        nodeDeallocationOption: 'requeue',
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallError);
    expect((err as CallError).failure).toMatchObject({ kind: 'conflict', status: 409 });
    sim.clock.setTimeScale(600);
    await until(async () => (await batch.get('d2'))?.allocationState === 'steady');
    const snap = await batch.get('d2');
    expect(snap?.resizeErrors[0]?.code).toBe('AllocationTimedout');
    expect(snap?.currentDedicatedNodes).toBeLessThan(10);
  });

  it("reads a resize error's values, which the 10.2.0 adapter dropped", async () => {
    // A variable, not a literal: the simulator's public signature may not list `values` yet.
    const fault = {
      code: 'AllocationFailed',
      message: 'Allocation failed as subnet has no free IPs',
      values: [{ name: 'Reason', value: 'The subnet has run out of addresses' }],
    };
    sim.faults.failNextResizes('d8', 1, fault);
    await batch.create(params('d8', galleryImage('d8')));
    await until(async () => (await batch.get('d8'))?.allocationState === 'steady');
    expect((await batch.get('d8'))?.resizeErrors).toEqual([
      {
        code: 'AllocationFailed',
        message: 'Allocation failed as subnet has no free IPs',
        values: [{ name: 'Reason', value: 'The subnet has run out of addresses' }],
      },
    ]);
  });

  it('stops a resize, and deletes idempotently (gone or already deleting is done)', async () => {
    await batch.create({ ...params('d3', galleryImage('d3')), targetDedicatedNodes: 2500 });
    await batch.stopResize('d3');
    // simulated time runs 600x: the pool may already have settled after the stop
    const stopped = (await batch.get('d3'))!;
    if (stopped.allocationState === 'steady')
      expect(stopped.resizeErrors.map((e) => e.code)).toContain('ResizeStopped');
    else expect(stopped.allocationState).toBe('stopping');
    expect(stopped.currentDedicatedNodes).toBeLessThan(2500);
    await batch.delete('d3');
    expect([undefined, 'deleting']).toContain((await batch.get('d3'))?.state);
    await batch.delete('d3');
    await until(async () => (await batch.get('d3')) === undefined);
    await batch.delete('d3');
    expect(calls.filter((c) => c === 'pool.delete')).toHaveLength(3);
  });

  it('takes an existing pool as a conflict and a missing one as not-found', async () => {
    const p = params('d4', galleryImage('d4'));
    await batch.create(p);
    const exists = await batch.create(p).catch((e: unknown) => e);
    expect((exists as CallError).failure).toMatchObject({
      kind: 'conflict',
      status: 409,
      code: 'PoolExists',
    });
    const missing = await batch.stopResize('no-such-pool').catch((e: unknown) => e);
    expect((missing as CallError).failure).toMatchObject({
      kind: 'not-found',
      status: 404,
      code: 'PoolNotFound',
    });
  });

  it('gives up at once on a 400 and says why Azure refused (PropertyName, Reason)', async () => {
    const before = sim.requests.cursor();
    const err = await batch.create(params('d5', '/not/an/image')).catch((e: unknown) => e);
    expect((err as CallError).failure).toMatchObject({
      kind: 'terminal',
      status: 400,
      code: 'InvalidPropertyValue',
    });
    expect((err as CallError).failure.message).toMatch(
      /^The value provided for one of the properties in the request body is invalid\. \(PropertyName=virtualMachineImageId, Reason=/,
    );
    expect((err as CallError).failure.message).not.toContain('RequestId');
    expect(sim.requests.list({ since: before, operation: 'Pool_Add' })).toHaveLength(1);
  });

  it('waits out a short Retry-After on 429 and retries 503s and dropped connections', async () => {
    sim.faults.throttle({ operation: 'Pool_Get', count: 1, retryAfterSeconds: 1 });
    const t0 = Date.now();
    expect(await batch.get('nope')).toBeUndefined();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    sim.faults.unavailable({ operation: 'Pool_Get', count: 2, retryAfterSeconds: 0 });
    expect(await batch.get('nope')).toBeUndefined();
    sim.faults.dropConnections({ scope: 'batch', operation: 'Pool_Get', count: 2 });
    const before = sim.requests.cursor();
    calls.length = 0;
    expect(await batch.get('nope')).toBeUndefined();
    expect(sim.requests.list({ since: before, operation: 'Pool_Get' })).toHaveLength(3);
    expect(calls).toEqual(['pool.get', 'pool.get', 'pool.get']);
  });

  it('hands a long Retry-After back to the queue instead of waiting', async () => {
    sim.faults.throttle({ operation: 'Pool_Get', count: 1, retryAfterSeconds: 120 });
    const err = await batch.get('nope').catch((e: unknown) => e);
    expect((err as CallError).failure).toMatchObject({
      kind: 'transient',
      status: 429,
      retryAfterMs: 120_000,
    });
  });

  it('fails fast for a while once an account stopped answering, on the clock it is given', async () => {
    let now = Date.now();
    const clock: Clock = {
      now: () => now,
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    };
    const b = adapter({ unreachableBackoffMs: 60_000, clock });
    const rule = sim.faults.dropConnections({ scope: 'batch', operation: 'Pool_Get' });
    const before = sim.requests.cursor();
    const first = await b.get('nope').catch((e: unknown) => e);
    expect((first as CallError).failure).toMatchObject({ kind: 'unreachable' });
    const tried = sim.requests.list({ since: before, operation: 'Pool_Get' }).length;
    expect(tried).toBe(4); // the first attempt and three retries
    now += 30_000;
    const fast = await b.get('nope').catch((e: unknown) => e);
    expect((fast as CallError).failure).toMatchObject({ kind: 'unreachable' });
    expect((fast as CallError).failure.retryAfterMs).toBeLessThanOrEqual(30_000);
    expect(sim.requests.list({ since: before, operation: 'Pool_Get' })).toHaveLength(tried);
    sim.faults.remove(rule.id);
    now += 30_001;
    expect(await b.get('nope')).toBeUndefined();
  });
});

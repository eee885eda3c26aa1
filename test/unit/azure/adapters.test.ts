// The real adapters (identity, @azure/batch, @azure/arm-compute, our retries) against the HTTPS simulator.

import { ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BatchPoolsAdapter, makeBatchClient } from '../../../src/azure/batch.ts';
import { AzureClients } from '../../../src/azure/clients.ts';
import { ImagesAdapter, parseImageId } from '../../../src/azure/images.ts';
import { OWNER_METADATA, type CreatePoolParams } from '../../../src/azure/ports.ts';
import { CallError } from '../../../src/errors.ts';
import { startSimulator, type Simulator } from '../../../src/simulator/index.ts';

let sim: Simulator;
let batch: BatchPoolsAdapter;
let images: ImagesAdapter;

const retry = { minTimeoutMs: 10, maxTimeoutMs: 50, maxRetryTimeMs: 10_000, callTimeoutMs: 5_000 };

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 600, seed: 7 });
  const i = sim.info;
  const cred = new ClientSecretCredential(i.tenantId, i.clientId, i.clientSecret, {
    authorityHost: i.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: i.caPem },
  });
  batch = new BatchPoolsAdapter(makeBatchClient(cred, i.batchUrl, i.caPem), { retry });
  images = new ImagesAdapter(cred, { armEndpoint: i.armEndpoint, ca: i.caPem, retry });
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(() => {
  sim.faults.clear();
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

describe('Batch adapter against the simulator', () => {
  it('creates a pool with the exact image ID and owner metadata, and reads it back', async () => {
    const imageId = sim.images.createGalleryImageVersion('g', 'ubuntu', '1.0.0');
    expect(await batch.get('a1')).toBeUndefined();
    await batch.create(params('a1', imageId));
    const snap = await batch.get('a1');
    expect(snap).toMatchObject({
      id: 'a1',
      state: 'active',
      allocationState: 'resizing',
      targetDedicatedNodes: 3,
      imageId,
      owner: { namespace: 'vfx', name: 'a1', uid: 'uid-1' },
    });
    await until(async () => (await batch.get('a1'))?.allocationState === 'steady');
    expect((await batch.get('a1'))?.currentDedicatedNodes).toBe(3);
    const tokens = sim.requests.list({ operation: 'Pool_Get' });
    expect(tokens.at(-1)?.clientId).toBe(sim.info.clientId);
  });

  it('surfaces AllocationTimedout as pool data and a 409 while resizing as a conflict', async () => {
    const imageId = sim.images.createManagedImage('img-a2');
    sim.faults.failNextResizes('a2', 1, { code: 'AllocationTimedout', fraction: 0.5 });
    sim.clock.setTimeScale(10); // keep the pool resizing while we try to resize it
    await batch.create({ ...params('a2', imageId), targetDedicatedNodes: 10 });
    const err = await batch
      .resize('a2', {
        targetDedicatedNodes: 5,
        targetLowPriorityNodes: 0,
        resizeTimeout: 'PT20M',
        nodeDeallocationOption: 'requeue',
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallError);
    expect((err as CallError).failure).toMatchObject({ kind: 'conflict', status: 409 });
    sim.clock.setTimeScale(600);
    await until(async () => (await batch.get('a2'))?.allocationState === 'steady');
    const snap = await batch.get('a2');
    expect(snap?.resizeErrors[0]?.code).toBe('AllocationTimedout');
    expect(snap?.currentDedicatedNodes).toBeLessThan(10);
  });

  it('stops a resize, and deletes idempotently', async () => {
    const imageId = sim.images.createManagedImage('img-a3');
    await batch.create({ ...params('a3', imageId), targetDedicatedNodes: 2500 });
    await batch.stopResize('a3');
    // simulated time runs 600x: the pool may already have settled after the stop
    const stopped = (await batch.get('a3'))!;
    if (stopped.allocationState === 'steady')
      expect(stopped.resizeErrors.map((e) => e.code)).toContain('ResizeStopped');
    else expect(stopped.allocationState).toBe('stopping');
    expect(stopped.currentDedicatedNodes).toBeLessThan(2500);
    await batch.delete('a3');
    expect([undefined, 'deleting']).toContain((await batch.get('a3'))?.state);
    await batch.delete('a3');
    await until(async () => (await batch.get('a3')) === undefined);
    await batch.delete('a3');
  });

  it('waits out a short Retry-After on 429 and retries 503s and dropped connections', async () => {
    sim.faults.throttle({ operation: 'Pool_Get', count: 1, retryAfterSeconds: 1 });
    const t0 = Date.now();
    expect(await batch.get('nope')).toBeUndefined();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    sim.faults.unavailable({ operation: 'Pool_Get', count: 2, retryAfterSeconds: 0 });
    expect(await batch.get('nope')).toBeUndefined();
    sim.faults.dropConnections({ scope: 'batch', operation: 'Pool_Get', count: 2 });
    expect(await batch.get('nope')).toBeUndefined();
  });

  it('fails fast for a while once an account stopped answering, so it cannot hold every worker', async () => {
    const i = sim.info;
    const cred = new ClientSecretCredential(i.tenantId, i.clientId, i.clientSecret, {
      authorityHost: i.authorityHost,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: i.caPem },
    });
    const b = new BatchPoolsAdapter(makeBatchClient(cred, i.batchUrl, i.caPem), {
      retry,
      unreachableBackoffMs: 800,
    });
    const rule = sim.faults.dropConnections({ scope: 'batch', operation: 'Pool_Get' });
    const before = sim.requests.cursor();
    const first = await b.get('nope').catch((e: unknown) => e);
    expect((first as CallError).failure).toMatchObject({ kind: 'unreachable' });
    const tried = sim.requests.list({ since: before, operation: 'Pool_Get' }).length;
    expect(tried).toBe(4); // the first attempt and three retries
    const fast = await b.get('nope').catch((e: unknown) => e);
    expect((fast as CallError).failure).toMatchObject({ kind: 'unreachable' });
    expect((fast as CallError).failure.retryAfterMs).toBeLessThanOrEqual(800);
    expect(sim.requests.list({ since: before, operation: 'Pool_Get' })).toHaveLength(tried);
    sim.faults.remove(rule.id);
    await new Promise((r) => setTimeout(r, 850));
    expect(await b.get('nope')).toBeUndefined();
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

  it('gives up at once on a 4xx that retrying cannot fix', async () => {
    const before = sim.requests.cursor();
    const err = await batch.create({ ...params('a5', '/not/an/image') }).catch((e: unknown) => e);
    expect((err as CallError).failure).toMatchObject({ kind: 'terminal', status: 400 });
    expect(sim.requests.list({ since: before, operation: 'Pool_Add' })).toHaveLength(1);
  });
});

describe('Image adapter against the simulator', () => {
  it('checks managed images, gallery versions and gallery images; 404 is missing', async () => {
    const managed = sim.images.createManagedImage('img-i1');
    const version = sim.images.createGalleryImageVersion('gal', 'def', '2.0.0');
    const definition = version.replace(/\/versions\/2\.0\.0$/, '');
    expect(await images.exists(managed)).toBe(true);
    expect(await images.exists(version)).toBe(true);
    expect(await images.exists(definition)).toBe(true);
    sim.images.delete(managed);
    expect(await images.exists(managed)).toBe(false);
    expect(await images.exists(version.replace('2.0.0', '9.9.9'))).toBe(false);
    const ops = sim.requests.list({ api: 'arm' }).map((e) => e.operation);
    expect(ops).toEqual(
      expect.arrayContaining(['Images_Get', 'GalleryImageVersions_Get', 'GalleryImages_Get']),
    );
  });

  it('parses image IDs case-insensitively', () => {
    expect(
      parseImageId('/SUBSCRIPTIONS/s/resourcegroups/rg/providers/microsoft.compute/images/x'),
    ).toMatchObject({ kind: 'managed', name: 'x' });
    expect(
      parseImageId(
        '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i/versions/1.0.0',
      ),
    ).toMatchObject({ kind: 'galleryVersion', version: '1.0.0' });
    expect(
      parseImageId('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i'),
    ).toMatchObject({ kind: 'galleryImage', image: 'i' });
    expect(parseImageId('nonsense')).toBeUndefined();
  });
});

describe('AzureClients', () => {
  it('uses the workload identity an account names', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(`${tmpdir()}/bpo-wi-`);
    const tokenFile = `${dir}/token`;
    const jwt = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    await writeFile(
      tokenFile,
      `${jwt({ alg: 'RS256' })}.${jwt({ sub: 'system:serviceaccount:ops:op', aud: 'api://AzureADTokenExchange' })}.sig`,
    );
    const i = sim.info;
    const azure = new AzureClients({
      identity: {
        tenantId: i.tenantId,
        clientId: i.clientId,
        federatedTokenFile: tokenFile,
        authorityHost: i.authorityHost,
        disableInstanceDiscovery: true,
        ca: i.caPem,
      },
      armEndpoint: i.armEndpoint,
      ca: i.caPem,
      retry,
    });
    const other = '11111111-2222-3333-4444-555555555555';
    const before = sim.requests.cursor();
    expect(await azure.batch({ endpoint: i.batchUrl, clientId: other }).get('none')).toBeUndefined();
    expect(await azure.batch({ endpoint: i.batchUrl }).get('none')).toBeUndefined();
    const ids = sim.requests.list({ since: before, operation: 'Pool_Get' }).map((e) => e.clientId);
    expect(ids).toEqual([other, i.clientId]);
  });
});

// The Batch data-plane pool API, driven through the project's 2025-06-01 BatchClient (and raw HTTPS where
// the test is about the wire itself, or about a header the client does not expose). Pools come from a
// gallery image version, as Azure requires today. The clock is frozen and moved by hand unless a test says
// otherwise.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { BatchClient } from '../../../src/azure/batch/client.ts';
import { allItems } from '../../../src/azure/batch/client.ts';
import type { BatchPoolCreateOptions } from '../../../src/azure/batch/wire.ts';
import type { Simulator } from '../../../src/simulator/index.ts';
import { startSimulator } from '../../../src/simulator/index.ts';
import { batchAuth, batchClient, computeClient, raw, rejection, vmConfig } from './helpers.ts';

let sim: Simulator;
let batch: BatchClient;
let image: string;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0 });
  batch = batchClient(sim);
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
  sim.faults.setAllocation({ bootDelaySeconds: 90, nodesPerMinute: 300 });
  image = sim.images.createGalleryImageVersion('gallery', 'ubuntu-2204', '1.0.0');
});

/** The status the simulator answered the last call of an operation with (BatchClient does not expose it). */
const lastStatus = (operation: string) => sim.requests.list({ operation }).at(-1)?.status;

function addPool(id: string, dedicated: number, extra: Partial<BatchPoolCreateOptions> = {}) {
  return batch.createPool({
    id,
    vmSize: 'STANDARD_D2S_V3',
    virtualMachineConfiguration: vmConfig(image),
    targetDedicatedNodes: dedicated,
    targetLowPriorityNodes: 0,
    ...extra,
  });
}

describe('add, get, list, exists', () => {
  test('add answers 201 with ETag, Last-Modified, DataServiceId and Location; the pool starts resizing', async () => {
    const added = await addPool('p1', 3, { metadata: [{ name: 'owner', value: 'team-a' }] });
    expect(lastStatus('Pool_Add')).toBe(201);
    expect(added.eTag).toMatch(/^0x8D[0-9A-F]{13}$/);
    expect(added.lastModified).toMatch(/ GMT$/);
    expect(Number.isNaN(Date.parse(added.lastModified!))).toBe(false);
    expect(added.dataServiceId).toBe(`${sim.info.batchUrl}/pools/p1`);
    expect(added.requestId).toMatch(/^[0-9a-f-]{36}$/);
    // Location is a header BatchClient does not return: on the wire.
    const wire = await raw(sim, 'POST', '/pools?api-version=2025-06-01', {
      headers: await batchAuth(sim),
      body: {
        id: 'p0',
        vmSize: 'STANDARD_D2S_V3',
        virtualMachineConfiguration: vmConfig(image),
        targetDedicatedNodes: 1,
      },
    });
    expect(wire.status).toBe(201);
    expect(wire.headers.location).toBe(`${sim.info.batchUrl}/pools/p0`);

    const pool = await batch.getPool('p1');
    expect(pool).toMatchObject({
      id: 'p1',
      state: 'active',
      allocationState: 'resizing',
      vmSize: 'standard_d2s_v3',
      resizeTimeout: 'PT15M',
      currentDedicatedNodes: 0,
      targetDedicatedNodes: 3,
      metadata: [{ name: 'owner', value: 'team-a' }],
    });
    expect(pool.eTag).toBe(added.eTag);
    expect(pool.virtualMachineConfiguration?.imageReference.virtualMachineImageId).toBe(image);

    sim.clock.advance(95);
    const grown = await batch.getPool('p1');
    expect(grown.allocationState).toBe('steady');
    expect(grown.currentDedicatedNodes).toBe(3);
    expect(grown.resizeErrors).toBeUndefined();
  });

  test('the request log summarizes what an add and a resize asked for', async () => {
    const since = sim.requests.cursor();
    await addPool('logged', 2, { resizeTimeout: 'PT10M' });
    sim.clock.advance(95);
    await batch.resizePool('logged', {
      targetDedicatedNodes: 1,
      resizeTimeout: 'PT20M',
      nodeDeallocationOption: 'taskcompletion',
    });
    const [add] = sim.requests.list({ since, operation: 'Pool_Add' });
    expect(add?.body).toEqual({
      id: 'logged',
      vmSize: 'STANDARD_D2S_V3',
      imageId: image,
      targetDedicatedNodes: 2,
      targetLowPriorityNodes: 0,
      resizeTimeout: 'PT10M',
      nodeAgentSKUId: 'batch.node.ubuntu 22.04',
    });
    const [resize] = sim.requests.list({ since, operation: 'Pool_Resize' });
    expect(resize?.body).toEqual({
      targetDedicatedNodes: 1,
      resizeTimeout: 'PT20M',
      nodeDeallocationOption: 'taskcompletion',
    });
    expect(sim.requests.list({ since, operation: 'Pool_Get' }).every((e) => e.body === undefined)).toBe(true);
  });

  test('get with $select returns only the selected properties', async () => {
    await addPool('p1', 1);
    const pool = await batch.getPool('p1', { select: ['id', 'allocationState'] });
    expect(pool.id).toBe('p1');
    expect(pool.allocationState).toBe('resizing');
    expect(pool.vmSize).toBeUndefined();
    expect(pool.targetDedicatedNodes).toBeUndefined();
  });

  test('list filters on id (eq and startswith) and pages with maxresults and odata.nextLink', async () => {
    for (const id of ['team-a-1', 'team-a-2', 'team-a-3', 'team-b-1', 'other']) await addPool(id, 1);
    const exact = await batch.listPools({ filter: "id eq 'team-b-1'" });
    expect(exact.value.map((p) => p.id)).toEqual(['team-b-1']);

    const first = await batch.listPools({ filter: "startswith(id,'team-a-')", maxResults: 2 });
    expect(first.value.map((p) => p.id)).toEqual(['team-a-1', 'team-a-2']);
    expect(first.nextLink).toBeDefined();
    const second = await batch.listPools({ nextLink: first.nextLink! });
    expect(second.value.map((p) => p.id)).toEqual(['team-a-3']);
    expect(second.nextLink).toBeUndefined();
    const paged: string[] = [];
    for await (const p of allItems((nextLink) =>
      batch.listPools({ filter: "startswith(id,'team-')", maxResults: 1, ...(nextLink && { nextLink }) }),
    ))
      paged.push(p.id);
    expect(paged).toEqual(['team-a-1', 'team-a-2', 'team-a-3', 'team-b-1']);

    const all = await batch.listPools({ select: ['id', 'state'] });
    expect(all.value.map((p) => p.id)).toEqual(['other', 'team-a-1', 'team-a-2', 'team-a-3', 'team-b-1']);
    expect(all.value[0]?.vmSize).toBeUndefined();

    const bad = await rejection(batch.listPools({ filter: 'id gt 3' }));
    expect([bad.statusCode, bad.code]).toEqual([400, 'InvalidQueryParameterValue']);
  });

  test('exists is HEAD: true for a pool, false (not an error) for none', async () => {
    await addPool('p1', 1);
    expect(await batch.poolExists('p1')).toBe(true);
    expect(await batch.poolExists('nope')).toBe(false);
    expect(sim.requests.list({ operation: 'Pool_Exists' }).map((e) => e.status)).toEqual([200, 404]);
  });

  test('errors: PoolExists 409 and PoolNotFound 404, in the Batch error body with a matching request-id', async () => {
    await addPool('p1', 1);
    const exists = await rejection(addPool('p1', 1));
    expect([exists.statusCode, exists.code]).toEqual([409, 'PoolExists']);
    const notFound = await rejection(batch.getPool('nope'));
    expect([notFound.statusCode, notFound.code]).toEqual([404, 'PoolNotFound']);
    const requestId = notFound.response?.headers.get('request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(notFound.details.message.lang).toBe('en-US');
    expect(notFound.message).toBe(notFound.details.message.value);
    expect(notFound.details.message.value).toMatch(
      new RegExp(
        `^The specified pool does not exist\\.\\nRequestId:${requestId}\\nTime:\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{7}Z$`,
      ),
    );
  });

  test('add validates the image: a malformed ID and a missing image are 400 InvalidPropertyValue', async () => {
    const malformed =
      '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/gallery/g/images/i/versions/1';
    const bad = await rejection(
      batch.createPool({
        id: 'x',
        vmSize: 'Standard_D2s_v5',
        virtualMachineConfiguration: vmConfig(malformed),
        targetDedicatedNodes: 1,
      }),
    );
    expect([bad.statusCode, bad.code]).toEqual([400, 'InvalidPropertyValue']);
    expect(bad.details.values?.map((v) => v.key)).toEqual(['PropertyName', 'PropertyValue', 'Reason']);
    expect(bad.details.values?.[0]?.value).toBe('virtualMachineImageId');
    expect(bad.details.values?.[1]?.value).toBe(malformed);

    sim.images.delete(image);
    const missing = await rejection(addPool('x', 1));
    expect([missing.statusCode, missing.code, missing.details.values?.[0]?.value]).toEqual([
      400,
      'InvalidPropertyValue',
      'virtualMachineImageId',
    ]);
    expect(await batch.poolExists('x')).toBe(false);
  });

  test('a gallery image version works as the image, and so does a marketplace image', async () => {
    const version = sim.images.createGalleryImageVersion('gallery', 'ubuntu', '1.0.0');
    await batch.createPool({
      id: 'sig',
      vmSize: 'Standard_D2s_v5',
      virtualMachineConfiguration: vmConfig(version),
      targetDedicatedNodes: 2,
    });
    await batch.createPool({
      id: 'market',
      vmSize: 'Standard_D2s_v5',
      virtualMachineConfiguration: {
        imageReference: { publisher: 'canonical', offer: 'ubuntu', sku: '22_04-lts' },
        nodeAgentSKUId: 'batch.node.ubuntu 22.04',
      },
      targetDedicatedNodes: 2,
    });
    sim.clock.advance(120);
    expect((await batch.getPool('sig')).currentDedicatedNodes).toBe(2);
    expect((await batch.getPool('market')).currentDedicatedNodes).toBe(2);
  });
});

describe('resize, stop, delete, patch, update properties', () => {
  test('resize answers 202; a resize while resizing is 409 "ongoing resize operation"', async () => {
    await addPool('p1', 2);
    const conflict = await rejection(batch.resizePool('p1', { targetDedicatedNodes: 4 }));
    expect(conflict.statusCode).toBe(409);
    expect(conflict.code).toBe('OperationInvalidForCurrentState');
    expect(conflict.details.message.value).toContain('The specified pool has an ongoing resize operation.');

    sim.clock.advance(120);
    const resized = await batch.resizePool('p1', { targetDedicatedNodes: 4, resizeTimeout: 'PT20M' });
    expect(lastStatus('Pool_Resize')).toBe(202);
    expect(resized.dataServiceId).toBe(`${sim.info.batchUrl}/pools/p1/resize`);
    const pool = await batch.getPool('p1');
    expect([pool.allocationState, pool.targetDedicatedNodes, pool.resizeTimeout]).toEqual([
      'resizing',
      4,
      'PT20M',
    ]);
  });

  test('resize validation: a timeout under PT5M and a body without targets are 400s', async () => {
    await addPool('p1', 1);
    sim.clock.advance(120);
    const short = await rejection(batch.resizePool('p1', { targetDedicatedNodes: 2, resizeTimeout: 'PT4M' }));
    expect([short.statusCode, short.code, short.details.values?.[0]?.value]).toEqual([
      400,
      'InvalidPropertyValue',
      'resizeTimeout',
    ]);
    const empty = await rejection(batch.resizePool('no-such-pool', {}));
    expect([empty.statusCode, empty.code, empty.details.values?.[0]?.value]).toEqual([
      400,
      'MissingRequiredProperty',
      'targetDedicatedNodes and/or targetLowPriorityNodes',
    ]);
    const missing = await rejection(batch.resizePool('no-such-pool', { targetDedicatedNodes: 1 }));
    expect([missing.statusCode, missing.code]).toEqual([404, 'PoolNotFound']);
  });

  test('If-Match: a stale ETag is 412 ConditionNotMet, the current one is accepted', async () => {
    const added = await addPool('p1', 1);
    sim.clock.advance(120);
    const stale = await rejection(
      batch.resizePool('p1', { targetDedicatedNodes: 2 }, { ifMatch: '0x8D0000000000000' }),
    );
    expect([stale.statusCode, stale.code]).toEqual([412, 'ConditionNotMet']);
    // BatchClient sends the ETag quoted ("0x8D…"), as an HTTP entity-tag.
    const ok = await batch.resizePool('p1', { targetDedicatedNodes: 2 }, { ifMatch: added.eTag! });
    expect(lastStatus('Pool_Resize')).toBe(202);
    expect(ok.eTag).toMatch(/^0x8D/);
    expect(ok.eTag).not.toBe(added.eTag);
  });

  test('stop-resize: stopping, then steady short of target with ResizeStopped', async () => {
    await addPool('p1', 100);
    sim.clock.advance(100); // 90 s boot + 10 s at 300/min = 50 nodes
    await batch.stopPoolResize('p1');
    expect(lastStatus('Pool_StopResize')).toBe(202);
    expect((await batch.getPool('p1')).allocationState).toBe('stopping');
    const whileStopping = await rejection(batch.resizePool('p1', { targetDedicatedNodes: 100 }));
    expect([whileStopping.statusCode, whileStopping.details.message.value.split('\n')[0]]).toEqual([
      409,
      'The specified pool has an ongoing resize operation.',
    ]);
    sim.clock.advance(6);
    const pool = await batch.getPool('p1');
    expect([pool.allocationState, pool.currentDedicatedNodes, pool.targetDedicatedNodes]).toEqual([
      'steady',
      50,
      100,
    ]);
    expect(pool.resizeErrors).toEqual([
      {
        code: 'ResizeStopped',
        message: 'Desired number of dedicated nodes could not be allocated due to a stop resize operation',
      },
    ]);
  });

  test('stop-resize on a steady pool is accepted and changes nothing', async () => {
    await addPool('p1', 2);
    sim.clock.advance(120);
    const before = await batch.getPool('p1');
    await batch.stopPoolResize('p1');
    expect(lastStatus('Pool_StopResize')).toBe(202);
    const after = await batch.getPool('p1');
    expect([after.allocationState, after.currentDedicatedNodes, after.resizeErrors, after.eTag]).toEqual([
      'steady',
      2,
      undefined,
      before.eTag,
    ]);
  });

  test('conditional GET: If-None-Match with the current ETag is 304, a stale one gets the pool', async () => {
    const added = await addPool('p1', 1);
    const auth = await batchAuth(sim);
    const path = '/pools/p1?api-version=2025-06-01';
    const same = await raw(sim, 'GET', path, { headers: { ...auth, 'if-none-match': added.eTag! } });
    expect([same.status, same.text]).toEqual([304, '']);
    const quoted = await raw(sim, 'GET', path, { headers: { ...auth, 'if-none-match': `"${added.eTag}"` } });
    expect(quoted.status).toBe(304);
    const stale = await raw(sim, 'GET', path, {
      headers: { ...auth, 'if-none-match': '0x8D0000000000000' },
    });
    expect(stale.status).toBe(200);
    // BatchClient has no 304 among a GET's answers: it reports it as an error.
    expect((await rejection(batch.getPool('p1', { ifNoneMatch: added.eTag! }))).statusCode).toBe(304);
  });

  test('shrinking removes nodes', async () => {
    await addPool('p1', 10);
    sim.clock.advance(120);
    await batch.resizePool('p1', { targetDedicatedNodes: 4 });
    sim.clock.advance(31);
    const pool = await batch.getPool('p1');
    expect([pool.allocationState, pool.currentDedicatedNodes]).toEqual(['steady', 4]);
  });

  test('delete: 202, then deleting (PoolBeingDeleted for changes), then gone', async () => {
    await addPool('p1', 1);
    await batch.deletePool('p1');
    expect(lastStatus('Pool_Delete')).toBe(202);
    expect((await batch.getPool('p1')).state).toBe('deleting');
    const busy = await rejection(batch.resizePool('p1', { targetDedicatedNodes: 3 }));
    expect([busy.statusCode, busy.code]).toEqual([409, 'PoolBeingDeleted']);
    const again = await rejection(addPool('p1', 1));
    expect([again.statusCode, again.code]).toEqual([409, 'PoolBeingDeleted']);
    sim.clock.advance(61);
    expect(await batch.poolExists('p1')).toBe(false);
    expect((await rejection(batch.getPool('p1'))).code).toBe('PoolNotFound');
    await addPool('p1', 1); // the id is free again
  });

  test('patch (200) replaces only what it names; updateproperties (204) replaces everything updatable', async () => {
    await addPool('p1', 1, {
      metadata: [{ name: 'a', value: '1' }],
      startTask: { commandLine: '/bin/true' },
    });
    const before = await batch.getPool('p1');
    const patched = await batch.updatePool('p1', { metadata: [{ name: 'b', value: '2' }] });
    expect(lastStatus('Pool_Patch')).toBe(200);
    let pool = await batch.getPool('p1');
    expect(pool.metadata).toEqual([{ name: 'b', value: '2' }]);
    expect(pool.startTask?.commandLine).toBe('/bin/true');
    expect(pool.eTag).not.toBe(before.eTag);
    expect(pool.eTag).toBe(patched.eTag);

    await batch.replacePoolProperties('p1', {
      applicationPackageReferences: [],
      metadata: [{ name: 'c', value: '3' }],
    });
    expect(lastStatus('Pool_UpdateProperties')).toBe(204);
    pool = await batch.getPool('p1');
    expect(pool.metadata).toEqual([{ name: 'c', value: '3' }]);
    expect(pool.startTask).toBeUndefined();
  });

  test('patch of a field Azure changes only on an empty pool is 400 PropertyCannotBeUpdated while it has nodes', async () => {
    await addPool('p1', 2);
    sim.clock.advance(600);
    const err = await rejection(batch.updatePool('p1', { vmSize: 'Standard_D4s_v5' }));
    expect([err.statusCode, err.code, err.details.values]).toEqual([
      400,
      'PropertyCannotBeUpdated',
      [
        { key: 'PropertyName', value: 'vmSize' },
        { key: 'Reason', value: 'This field can be updated only when the pool is empty.' },
      ],
    ]);
    await batch.resizePool('p1', { targetDedicatedNodes: 0 });
    sim.clock.advance(600);
    await batch.updatePool('p1', { vmSize: 'Standard_D4s_v5', displayName: 'bigger' });
    const pool = await batch.getPool('p1');
    expect([pool.vmSize, pool.displayName]).toEqual(['standard_d4s_v5', 'bigger']);
  });
});

describe('allocation behaviour seen through the client', () => {
  test('a resize past its timeout ends steady, short, with AllocationTimedout', async () => {
    sim.faults.setAllocation({ nodesPerMinute: 10 });
    await addPool('slow', 100, { resizeTimeout: 'PT5M' });
    sim.clock.advance(5 * 60);
    const pool = await batch.getPool('slow');
    expect(pool.allocationState).toBe('steady');
    expect(pool.currentDedicatedNodes).toBe(35); // (300 s - 90 s boot) at 10 nodes/min
    expect(pool.resizeErrors).toEqual([
      {
        code: 'AllocationTimedout',
        message: 'Desired number of dedicated nodes could not be allocated as the resize timeout was reached',
      },
    ]);
  });

  test('after its image is deleted through ARM, later resizes of the pool fail with AllocationFailed', async () => {
    await addPool('p1', 2);
    sim.clock.advance(120);
    const compute = computeClient(sim);
    await compute.galleryImageVersions.delete('images-rg', 'gallery', 'ubuntu-2204', '1.0.0');
    expect(sim.images.exists(image)).toBe(false);
    await batch.resizePool('p1', { targetDedicatedNodes: 5 });
    sim.clock.advance(600);
    const pool = await batch.getPool('p1');
    expect([pool.allocationState, pool.currentDedicatedNodes]).toEqual(['steady', 2]);
    expect(pool.resizeErrors?.[0]?.code).toBe('AllocationFailed');
    expect(pool.resizeErrors?.[0]?.message).toBe(
      'There was an error encountered while performing the last resize on the pool. Please try resizing the pool again.',
    );
    // ...and a new pool cannot be made from it at all.
    expect((await rejection(addPool('p2', 1))).code).toBe('InvalidPropertyValue');
  });

  test('pools sharing one image share its limits: beyond 2,500 dedicated nodes allocations fail', async () => {
    // 2,800 nodes of 2 vCPUs: an account with a raised core quota, so the image's limit is what binds.
    sim.account.setQuotas({ dedicatedCores: 5600 });
    await addPool('a', 2000);
    await addPool('b', 800);
    sim.clock.advance(3600);
    const a = await batch.getPool('a');
    const b = await batch.getPool('b');
    expect(a.currentDedicatedNodes).toBe(2000);
    expect(b.currentDedicatedNodes).toBe(500);
    expect(b.resizeErrors?.[0]?.code).toBe('AllocationFailed');
    expect(b.resizeErrors?.[0]?.values?.[0]?.name).toBe('Reason');
    // Freeing nodes on the image lets the next resize through.
    await batch.resizePool('a', { targetDedicatedNodes: 1000 });
    sim.clock.advance(60);
    await batch.resizePool('b', { targetDedicatedNodes: 800 });
    sim.clock.advance(600);
    expect((await batch.getPool('b')).currentDedicatedNodes).toBe(800);
  });

  test('fail-next and fraction faults from the control API shape the next allocations', async () => {
    const fault = await raw(sim, 'POST', '/_sim/faults/pools/p1', {
      body: {
        failNext: 2,
        fraction: 0.5,
        code: 'AccountCoreQuotaReached',
        message: 'The specified account has reached core quota',
      },
    });
    expect(fault.status).toBe(200);
    await addPool('p1', 10);
    sim.clock.advance(600);
    let pool = await batch.getPool('p1');
    expect(pool.currentDedicatedNodes).toBe(5);
    expect(pool.resizeErrors).toEqual([
      { code: 'AccountCoreQuotaReached', message: 'The specified account has reached core quota' },
    ]);
    await batch.resizePool('p1', { targetDedicatedNodes: 10 });
    sim.clock.advance(600);
    pool = await batch.getPool('p1');
    expect(pool.currentDedicatedNodes).toBe(7);
    await batch.resizePool('p1', { targetDedicatedNodes: 10 });
    sim.clock.advance(600);
    pool = await batch.getPool('p1');
    expect([pool.currentDedicatedNodes, pool.resizeErrors]).toEqual([10, undefined]);
  });

  test('raw wire: GET carries odata.metadata, etag and dataserviceversion headers', async () => {
    const added = await addPool('p1', 1);
    const res = await raw(sim, 'GET', '/pools/p1?api-version=2025-06-01', { headers: await batchAuth(sim) });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json;odata=minimalmetadata');
    expect(res.headers.etag).toBe(added.eTag);
    expect(res.headers.dataserviceversion).toBe('3.0');
    expect(res.json['odata.metadata']).toBe(`${sim.info.batchUrl}/$metadata#pools/@Element`);
    expect(res.json.lastModified).toMatch(/\.\d{7}Z$/);
  });
});

describe('at a high time scale, like an operator polling a real account', () => {
  test('a 600-node pool needs several resizes when each resize gets at most 250 nodes', async () => {
    // 600 nodes of 2 vCPUs: 1,200 dedicated cores, more than the default 900; the account has a raise.
    const fast = await startSimulator({
      timeScale: 3000,
      allocation: { maxNodesPerResize: 250 },
      quotas: { dedicatedCores: 1200 },
    });
    try {
      const client = batchClient(fast);
      const img = fast.images.createGalleryImageVersion('gallery', 'big', '1.0.0');
      await client.createPool({
        id: 'big',
        vmSize: 'standard_d2s_v3',
        virtualMachineConfiguration: vmConfig(img),
        targetDedicatedNodes: 600,
        resizeTimeout: 'PT5M',
      });
      const history: number[] = [];
      for (let polls = 0; polls < 500; polls++) {
        const pool = await client.getPool('big');
        if (pool.allocationState === 'steady') {
          history.push(pool.currentDedicatedNodes);
          if (pool.currentDedicatedNodes === 600) break;
          expect(pool.resizeErrors?.[0]?.code).toBe('AllocationTimedout');
          await client.resizePool('big', { targetDedicatedNodes: 600, resizeTimeout: 'PT5M' });
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(history).toEqual([250, 500, 600]);
      expect(fast.requests.list({ operation: 'Pool_Resize' })).toHaveLength(2);
    } finally {
      await fast.close();
    }
  });
});

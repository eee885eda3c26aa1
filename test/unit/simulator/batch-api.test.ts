// The Batch data-plane pool API, driven only through @azure/batch 10.2.0 (and raw HTTPS where the
// test is about the wire itself). The clock is frozen and moved by hand unless a test says otherwise.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { BatchServiceClient } from '@azure/batch';
import type { Simulator } from '../../../src/simulator/index.ts';
import { startSimulator } from '../../../src/simulator/index.ts';
import { batchClient, computeClient, raw, rejection, tokenFor, vmConfig } from './helpers.ts';

let sim: Simulator;
let batch: BatchServiceClient;
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
  image = sim.images.createManagedImage('ubuntu-2204');
});

function addPool(id: string, dedicated: number, extra: Record<string, unknown> = {}) {
  return batch.pool.add({
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
    expect(added._response.status).toBe(201);
    expect(added.eTag).toMatch(/^0x8D[0-9A-F]{13}$/);
    expect(added.lastModified).toBeInstanceOf(Date);
    expect(added.dataServiceId).toBe(`${sim.info.batchUrl}/pools/p1`);
    expect(added._response.headers.get('location')).toBe(`${sim.info.batchUrl}/pools/p1`);
    expect(added.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const pool = await batch.pool.get('p1');
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
    const grown = await batch.pool.get('p1');
    expect(grown.allocationState).toBe('steady');
    expect(grown.currentDedicatedNodes).toBe(3);
    expect(grown.resizeErrors).toBeUndefined();
  });

  test('the request log summarizes what an add and a resize asked for', async () => {
    const since = sim.requests.cursor();
    await addPool('logged', 2, { resizeTimeout: 'PT10M' });
    sim.clock.advance(95);
    await batch.pool.resize('logged', {
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
    const pool = await batch.pool.get('p1', { poolGetOptions: { select: 'id,allocationState' } });
    expect(pool.id).toBe('p1');
    expect(pool.allocationState).toBe('resizing');
    expect(pool.vmSize).toBeUndefined();
    expect(pool.targetDedicatedNodes).toBeUndefined();
  });

  test('list filters on id (eq and startswith) and pages with maxresults and odata.nextLink', async () => {
    for (const id of ['team-a-1', 'team-a-2', 'team-a-3', 'team-b-1', 'other']) await addPool(id, 1);
    const exact = await batch.pool.list({ poolListOptions: { filter: "id eq 'team-b-1'" } });
    expect(exact.map((p) => p.id)).toEqual(['team-b-1']);

    const first = await batch.pool.list({
      poolListOptions: { filter: "startswith(id,'team-a-')", maxResults: 2 },
    });
    expect(first.map((p) => p.id)).toEqual(['team-a-1', 'team-a-2']);
    expect(first.odatanextLink).toBeDefined();
    const second = await batch.pool.listNext(first.odatanextLink!);
    expect(second.map((p) => p.id)).toEqual(['team-a-3']);
    expect(second.odatanextLink).toBeUndefined();

    const all = await batch.pool.list({ poolListOptions: { select: 'id,state' } });
    expect(all.map((p) => p.id)).toEqual(['other', 'team-a-1', 'team-a-2', 'team-a-3', 'team-b-1']);
    expect(all[0]?.vmSize).toBeUndefined();

    const bad = await rejection(batch.pool.list({ poolListOptions: { filter: 'id gt 3' } }));
    expect([bad.statusCode, bad.code]).toEqual([400, 'InvalidQueryParameterValue']);
  });

  test('exists is HEAD: true for a pool, false (not an error) for none', async () => {
    await addPool('p1', 1);
    expect((await batch.pool.exists('p1')).body).toBe(true);
    expect((await batch.pool.exists('nope')).body).toBe(false);
  });

  test('errors: PoolExists 409 and PoolNotFound 404, in the Batch error body with a matching request-id', async () => {
    await addPool('p1', 1);
    const exists = await rejection(addPool('p1', 1));
    expect([exists.statusCode, exists.code]).toEqual([409, 'PoolExists']);
    const notFound = await rejection(batch.pool.get('nope'));
    expect([notFound.statusCode, notFound.code]).toEqual([404, 'PoolNotFound']);
    const requestId = notFound.response?.headers.get('request-id');
    expect(notFound.body.message.lang).toBe('en-US');
    expect(notFound.body.message.value).toMatch(
      new RegExp(
        `^The specified pool does not exist\\.\\nRequestId:${requestId}\\nTime:\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{7}Z$`,
      ),
    );
  });

  test('add validates the image: a malformed ID and a missing image are 400 InvalidPropertyValue', async () => {
    const malformed =
      '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/gallery/g/images/i/versions/1';
    const bad = await rejection(
      batch.pool.add({
        id: 'x',
        vmSize: 'Standard_D2s_v5',
        virtualMachineConfiguration: vmConfig(malformed),
        targetDedicatedNodes: 1,
      }),
    );
    expect([bad.statusCode, bad.code]).toEqual([400, 'InvalidPropertyValue']);
    expect(bad.body.values.map((v: { key: string }) => v.key)).toEqual([
      'PropertyName',
      'PropertyValue',
      'Reason',
    ]);
    expect(bad.body.values[0].value).toBe('virtualMachineImageId');
    expect(bad.body.values[1].value).toBe(malformed);

    sim.images.delete(image);
    const missing = await rejection(addPool('x', 1));
    expect([missing.statusCode, missing.code, missing.body.values[0].value]).toEqual([
      400,
      'InvalidPropertyValue',
      'virtualMachineImageId',
    ]);
    expect((await batch.pool.exists('x')).body).toBe(false);
  });

  test('a gallery image version works as the image, and so does a marketplace image', async () => {
    const version = sim.images.createGalleryImageVersion('gallery', 'ubuntu', '1.0.0');
    await batch.pool.add({
      id: 'sig',
      vmSize: 'Standard_D2s_v5',
      virtualMachineConfiguration: vmConfig(version),
      targetDedicatedNodes: 2,
    });
    await batch.pool.add({
      id: 'market',
      vmSize: 'Standard_D2s_v5',
      virtualMachineConfiguration: {
        imageReference: { publisher: 'canonical', offer: 'ubuntu', sku: '22_04-lts' },
        nodeAgentSKUId: 'batch.node.ubuntu 22.04',
      },
      targetDedicatedNodes: 2,
    });
    sim.clock.advance(120);
    expect((await batch.pool.get('sig')).currentDedicatedNodes).toBe(2);
    expect((await batch.pool.get('market')).currentDedicatedNodes).toBe(2);
  });
});

describe('resize, stop, delete, patch, update properties', () => {
  test('resize answers 202; a resize while resizing is 409 "ongoing resize operation"', async () => {
    await addPool('p1', 2);
    const conflict = await rejection(batch.pool.resize('p1', { targetDedicatedNodes: 4 }));
    expect(conflict.statusCode).toBe(409);
    expect(conflict.code).toBe('OperationInvalidForCurrentState');
    expect(conflict.body.message.value).toContain('The specified pool has an ongoing resize operation.');

    sim.clock.advance(120);
    const resized = await batch.pool.resize('p1', { targetDedicatedNodes: 4, resizeTimeout: 'PT20M' });
    expect(resized._response.status).toBe(202);
    expect(resized.dataServiceId).toBe(`${sim.info.batchUrl}/pools/p1/resize`);
    const pool = await batch.pool.get('p1');
    expect([pool.allocationState, pool.targetDedicatedNodes, pool.resizeTimeout]).toEqual([
      'resizing',
      4,
      'PT20M',
    ]);
  });

  test('resize validation: a timeout under PT5M and a body without targets are 400s', async () => {
    await addPool('p1', 1);
    sim.clock.advance(120);
    const short = await rejection(
      batch.pool.resize('p1', { targetDedicatedNodes: 2, resizeTimeout: 'PT4M' }),
    );
    expect([short.statusCode, short.code, short.body.values[0].value]).toEqual([
      400,
      'InvalidPropertyValue',
      'resizeTimeout',
    ]);
    const empty = await rejection(batch.pool.resize('no-such-pool', {}));
    expect([empty.statusCode, empty.code, empty.body.values[0].value]).toEqual([
      400,
      'MissingRequiredProperty',
      'targetDedicatedNodes and/or targetLowPriorityNodes',
    ]);
    const missing = await rejection(batch.pool.resize('no-such-pool', { targetDedicatedNodes: 1 }));
    expect([missing.statusCode, missing.code]).toEqual([404, 'PoolNotFound']);
  });

  test('If-Match: a stale ETag is 412 ConditionNotMet, the current one is accepted', async () => {
    const added = await addPool('p1', 1);
    sim.clock.advance(120);
    const stale = await rejection(
      batch.pool.resize(
        'p1',
        { targetDedicatedNodes: 2 },
        { poolResizeOptions: { ifMatch: '0x8D0000000000000' } },
      ),
    );
    expect([stale.statusCode, stale.code]).toEqual([412, 'ConditionNotMet']);
    const ok = await batch.pool.resize(
      'p1',
      { targetDedicatedNodes: 2 },
      { poolResizeOptions: { ifMatch: added.eTag } },
    );
    expect(ok._response.status).toBe(202);
    expect(ok.eTag).not.toBe(added.eTag);
  });

  test('stop-resize: stopping, then steady short of target with ResizeStopped', async () => {
    await addPool('p1', 100);
    sim.clock.advance(100); // 90 s boot + 10 s at 300/min = 50 nodes
    const stopped = await batch.pool.stopResize('p1');
    expect(stopped._response.status).toBe(202);
    expect((await batch.pool.get('p1')).allocationState).toBe('stopping');
    const whileStopping = await rejection(batch.pool.resize('p1', { targetDedicatedNodes: 100 }));
    expect([whileStopping.statusCode, whileStopping.body.message.value.split('\n')[0]]).toEqual([
      409,
      'The specified pool has an ongoing resize operation.',
    ]);
    sim.clock.advance(6);
    const pool = await batch.pool.get('p1');
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
    const before = await batch.pool.get('p1');
    expect((await batch.pool.stopResize('p1'))._response.status).toBe(202);
    const after = await batch.pool.get('p1');
    expect([after.allocationState, after.currentDedicatedNodes, after.resizeErrors, after.eTag]).toEqual([
      'steady',
      2,
      undefined,
      before.eTag,
    ]);
  });

  test('conditional GET: If-None-Match with the current ETag is 304, a stale one gets the pool', async () => {
    const added = await addPool('p1', 1);
    const auth = {
      authorization: `Bearer ${await tokenFor(sim, 'https://batch.core.windows.net//.default')}`,
    };
    const same = await raw(sim, 'GET', '/pools/p1', { headers: { ...auth, 'if-none-match': added.eTag } });
    expect([same.status, same.text]).toEqual([304, '']);
    const stale = await raw(sim, 'GET', '/pools/p1', {
      headers: { ...auth, 'if-none-match': '0x8D0000000000000' },
    });
    expect(stale.status).toBe(200);
  });

  test('shrinking removes nodes', async () => {
    await addPool('p1', 10);
    sim.clock.advance(120);
    await batch.pool.resize('p1', { targetDedicatedNodes: 4 });
    sim.clock.advance(31);
    const pool = await batch.pool.get('p1');
    expect([pool.allocationState, pool.currentDedicatedNodes]).toEqual(['steady', 4]);
  });

  test('delete: 202, then deleting (PoolBeingDeleted for changes), then gone', async () => {
    await addPool('p1', 1);
    const deleted = await batch.pool.deleteMethod('p1');
    expect(deleted._response.status).toBe(202);
    expect((await batch.pool.get('p1')).state).toBe('deleting');
    const busy = await rejection(batch.pool.resize('p1', { targetDedicatedNodes: 3 }));
    expect([busy.statusCode, busy.code]).toEqual([409, 'PoolBeingDeleted']);
    const again = await rejection(addPool('p1', 1));
    expect([again.statusCode, again.code]).toEqual([409, 'PoolBeingDeleted']);
    sim.clock.advance(61);
    expect((await batch.pool.exists('p1')).body).toBe(false);
    expect((await rejection(batch.pool.get('p1'))).code).toBe('PoolNotFound');
    await addPool('p1', 1); // the id is free again
  });

  test('patch (200) replaces only what it names; updateproperties (204) replaces everything updatable', async () => {
    await addPool('p1', 1, {
      metadata: [{ name: 'a', value: '1' }],
      startTask: { commandLine: '/bin/true' },
    });
    const before = await batch.pool.get('p1');
    const patched = await batch.pool.patch('p1', { metadata: [{ name: 'b', value: '2' }] });
    expect(patched._response.status).toBe(200);
    let pool = await batch.pool.get('p1');
    expect(pool.metadata).toEqual([{ name: 'b', value: '2' }]);
    expect(pool.startTask?.commandLine).toBe('/bin/true');
    expect(pool.eTag).not.toBe(before.eTag);

    const updated = await batch.pool.updateProperties('p1', {
      certificateReferences: [],
      applicationPackageReferences: [],
      metadata: [{ name: 'c', value: '3' }],
    });
    expect(updated._response.status).toBe(204);
    pool = await batch.pool.get('p1');
    expect(pool.metadata).toEqual([{ name: 'c', value: '3' }]);
    expect(pool.startTask).toBeUndefined();
  });
});

describe('allocation behaviour seen through the SDK', () => {
  test('a resize past its timeout ends steady, short, with AllocationTimedout', async () => {
    sim.faults.setAllocation({ nodesPerMinute: 10 });
    await addPool('slow', 100, { resizeTimeout: 'PT5M' });
    sim.clock.advance(5 * 60);
    const pool = await batch.pool.get('slow');
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
    await compute.images.delete('images-rg', 'ubuntu-2204');
    await batch.pool.resize('p1', { targetDedicatedNodes: 5 });
    sim.clock.advance(600);
    const pool = await batch.pool.get('p1');
    expect([pool.allocationState, pool.currentDedicatedNodes]).toEqual(['steady', 2]);
    expect(pool.resizeErrors?.[0]?.code).toBe('AllocationFailed');
    expect(pool.resizeErrors?.[0]?.message).toBe(
      'There was an error encountered while performing the last resize on the pool. Please try resizing the pool again.',
    );
    // ...and a new pool cannot be made from it at all.
    expect((await rejection(addPool('p2', 1))).code).toBe('InvalidPropertyValue');
  });

  test('pools sharing one image share its limits: beyond 2,500 dedicated nodes allocations fail', async () => {
    await addPool('a', 2000);
    await addPool('b', 800);
    sim.clock.advance(3600);
    const a = await batch.pool.get('a');
    const b = await batch.pool.get('b');
    expect(a.currentDedicatedNodes).toBe(2000);
    expect(b.currentDedicatedNodes).toBe(500);
    expect(b.resizeErrors?.[0]?.code).toBe('AllocationFailed');
    expect(b.resizeErrors?.[0]?.values?.[0]?.name).toBe('Reason');
    // Freeing nodes on the image lets the next resize through.
    await batch.pool.resize('a', { targetDedicatedNodes: 1000 });
    sim.clock.advance(60);
    await batch.pool.resize('b', { targetDedicatedNodes: 800 });
    sim.clock.advance(600);
    expect((await batch.pool.get('b')).currentDedicatedNodes).toBe(800);
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
    let pool = await batch.pool.get('p1');
    expect(pool.currentDedicatedNodes).toBe(5);
    expect(pool.resizeErrors).toEqual([
      { code: 'AccountCoreQuotaReached', message: 'The specified account has reached core quota' },
    ]);
    await batch.pool.resize('p1', { targetDedicatedNodes: 10 });
    sim.clock.advance(600);
    pool = await batch.pool.get('p1');
    expect(pool.currentDedicatedNodes).toBe(7);
    await batch.pool.resize('p1', { targetDedicatedNodes: 10 });
    sim.clock.advance(600);
    pool = await batch.pool.get('p1');
    expect([pool.currentDedicatedNodes, pool.resizeErrors]).toEqual([10, undefined]);
  });

  test('raw wire: GET carries odata.metadata, etag and dataserviceversion headers', async () => {
    const added = await addPool('p1', 1);
    const token = await tokenFor(sim, 'https://batch.core.windows.net//.default');
    const res = await raw(sim, 'GET', '/pools/p1?api-version=2022-10-01.16.0', {
      headers: { authorization: `Bearer ${token}` },
    });
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
    const fast = await startSimulator({ timeScale: 3000, allocation: { maxNodesPerResize: 250 } });
    try {
      const client = batchClient(fast);
      const img = fast.images.createManagedImage('big');
      await client.pool.add({
        id: 'big',
        vmSize: 'standard_d2s_v3',
        virtualMachineConfiguration: vmConfig(img),
        targetDedicatedNodes: 600,
        resizeTimeout: 'PT5M',
      });
      const history: number[] = [];
      for (let polls = 0; polls < 500; polls++) {
        const pool = await client.pool.get('big');
        if (pool.allocationState === 'steady') {
          history.push(pool.currentDedicatedNodes!);
          if (pool.currentDedicatedNodes === 600) break;
          expect(pool.resizeErrors?.[0]?.code).toBe('AllocationTimedout');
          await client.pool.resize('big', { targetDedicatedNodes: 600, resizeTimeout: 'PT5M' });
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

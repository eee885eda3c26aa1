// The management-plane adapter (src/azure/arm/adapter.ts) through our ARM client, identity and retries,
// against the HTTPS simulator, beside the data-plane adapter on the same account: what it reads is what the
// data plane reads for the same pool, so the plan cannot tell the planes apart; what it writes goes through
// ARM; node-level work stays on the data plane.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ArmPoolClient, parseAccountResourceId } from '../../../src/azure/arm/client.ts';
import { BatchResourceManager } from '../../../src/azure/arm/adapter.ts';
import { makeBatchDataPlane, type BatchDataPlane } from '../../../src/azure/batch/adapter.ts';
import { OWNER_METADATA, SecretValues, type CreatePoolParams } from '../../../src/azure/ports.ts';
import { startSimulator, type Simulator } from '../../../src/simulator/index.ts';
import { failureOf } from '../../../src/errors.ts';
import { credential } from '../simulator/helpers.ts';

let sim: Simulator;
let data: BatchDataPlane;
let rm: BatchResourceManager;
const calls: string[] = [];

const retry = { minTimeoutMs: 10, maxTimeoutMs: 50, maxRetryTimeMs: 10_000, callTimeoutMs: 5_000 };

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0, seed: 7 });
  const i = sim.info;
  const cred = credential(sim);
  data = makeBatchDataPlane(cred, i.batchUrl, { ca: i.caPem, retry });
  const client = new ArmPoolClient(i.armEndpoint, parseAccountResourceId(i.batchAccountId)!, cred, {
    ca: i.caPem,
  });
  rm = new BatchResourceManager(client, data, { retry, onCall: (op) => calls.push(op) });
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(() => {
  sim.reset();
  calls.length = 0;
});

function params(id: string, imageId: string, extra: Partial<CreatePoolParams> = {}): CreatePoolParams {
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
    taskSchedulingPolicy: { nodeFillType: 'pack' },
    taskSlotsPerNode: 2,
    enableInterNodeCommunication: false,
    startTask: { commandLine: '/bin/true', waitForSuccess: true, userIdentity: { userName: 'render' } },
    userAccounts: [
      { name: 'render', elevationLevel: 'admin', passwordSecretRef: { name: 'users', key: 'render' } },
    ],
    ...extra,
  };
}

const secrets = new SecretValues([[{ name: 'users', key: 'render' }, 'a-password']]);
const image = () => sim.images.createGalleryImageVersion('g', 'ubuntu', '1.0.0');
const writesOn = (api: 'batch' | 'arm') =>
  sim.requests
    .list({ api })
    .filter((e) => e.method !== 'GET' && e.method !== 'HEAD')
    .map((e) => e.operation);

describe('BatchResourceManager against the simulator', () => {
  it('creates through ARM; reads the pool exactly as the data plane reads it', async () => {
    await rm.create(params('p1', image()), secrets);
    expect(writesOn('arm')).toEqual(['Pool_Create']);
    expect(writesOn('batch')).toEqual([]);
    const viaArm = await rm.get('p1');
    expect(viaArm).toEqual(await data.get('p1'));
    expect(viaArm?.settings).toMatchObject({
      taskSchedulingPolicy: { nodeFillType: 'pack' },
      userAccounts: [{ name: 'render', elevationLevel: 'admin' }],
      startTask: { commandLine: '/bin/true', userIdentity: { userName: 'render' } },
    });
    expect(viaArm?.eTag).toMatch(/^0x[0-9A-F]+$/);
    expect(await rm.get('nope')).toBeUndefined();
  });

  it('a pool made on the data plane, and every list, read the same through ARM', async () => {
    await data.create(params('d1', image()), secrets);
    await rm.create(params('a1', image()), secrets);
    expect(await rm.get('d1')).toEqual(await data.get('d1'));
    expect(await rm.list()).toEqual(await data.list());
    const observed = await rm.listObserved();
    expect(observed.map((p) => [p.id, p.eTag, p.targetDedicatedNodes])).toEqual(
      (await data.listObserved()).map((p) => [p.id, p.eTag, p.targetDedicatedNodes]),
    );
  });

  it('resizes by a PATCH of fixedScale; a resize that ended short reads as on the data plane', async () => {
    sim.faults.setAllocation({ maxNodesPerResize: 4 });
    await rm.create(params('r1', image()), secrets);
    sim.clock.advance(3600);
    await rm.resize('r1', {
      targetDedicatedNodes: 9,
      targetLowPriorityNodes: 0,
      resizeTimeout: 'PT15M',
      nodeDeallocationOption: 'taskcompletion',
    });
    expect(sim.requests.list({ api: 'arm', operation: 'Pool_Update' })).toHaveLength(1);
    sim.clock.advance(3600);
    const viaArm = await rm.get('r1');
    expect(viaArm).toEqual(await data.get('r1'));
    expect(viaArm).toMatchObject({ allocationState: 'steady', targetDedicatedNodes: 9 });
    expect(viaArm!.currentDedicatedNodes).toBeLessThan(9);
    expect(viaArm!.resizeErrors.length).toBeGreaterThan(0);
    await rm.resize('r1', {
      targetDedicatedNodes: 9,
      targetLowPriorityNodes: 0,
      resizeTimeout: 'PT15M',
      nodeDeallocationOption: 'requeue',
    });
    await rm.stopResize('r1');
    expect((await data.get('r1'))?.allocationState).toBe('stopping');
    expect(writesOn('batch')).toEqual([]);
  });

  it('replaces the live settings through ARM, an absent start task removing the pool’s', async () => {
    await rm.create(params('l1', image()), secrets);
    await rm.replaceLiveSettings('l1', { metadata: [{ name: 'team', value: 'b' }] });
    const got = await data.get('l1');
    expect(got?.settings?.startTask).toBeUndefined();
    expect(got?.settings?.metadata).toEqual([{ name: 'team', value: 'b' }]);
    await rm.replaceLiveSettings('l1', {
      startTask: { commandLine: '/bin/echo hi' },
      metadata: [{ name: 'team', value: 'c' }],
    });
    expect((await data.get('l1'))?.settings?.startTask).toMatchObject({ commandLine: '/bin/echo hi' });
  });

  it('changes empty-pool settings, and turns autoscale on and off, through ARM', async () => {
    await rm.create(params('e1', image(), { targetDedicatedNodes: 0 }), secrets);
    sim.clock.advance(3600);
    await rm.updateEmptyPool('e1', { taskSlotsPerNode: 4 });
    expect((await data.get('e1'))?.settings?.taskSlotsPerNode).toBe(4);
    await rm.enableAutoScale('e1', { formula: '$TargetDedicatedNodes = 2;', evaluationInterval: 'PT10M' });
    expect((await data.get('e1'))?.settings?.autoScale).toEqual({
      formula: '$TargetDedicatedNodes = 2;',
      evaluationInterval: 'PT10M',
    });
    expect(await rm.get('e1')).toEqual(await data.get('e1'));
    await rm.disableAutoScale('e1');
    expect((await data.get('e1'))?.settings?.autoScale).toBeUndefined();
    expect(writesOn('batch')).toEqual([]);
  });

  it('deletes through ARM without holding the caller; the pool reads as deleting until it is gone', async () => {
    await rm.create(params('x1', image()), secrets);
    await rm.delete('x1');
    expect(calls.filter((c) => c.startsWith('arm.pool.delete'))).toEqual(['arm.pool.delete']);
    expect((await rm.get('x1'))?.state).toBe('deleting');
    expect(await rm.get('x1')).toEqual(await data.get('x1'));
    sim.clock.advance(3600);
    expect(await rm.get('x1')).toBeUndefined();
    await rm.delete('x1'); // gone already: done
    expect(writesOn('batch')).toEqual([]);
  });

  it('a refusal reads as on the data plane: the code, the message and why, from ARM’s error details', async () => {
    const err = await rm
      .create(params('bad', image(), { vmSize: 'Standard_Nope_v9' }), secrets)
      .catch((e: unknown) => e);
    const f = failureOf(err);
    expect(f).toMatchObject({ kind: 'terminal', status: 400, code: 'InvalidPropertyValue' });
    expect(f.message).toBe(
      'The value provided for one of the properties in the request body is invalid. (PropertyName: vmSize; ' +
        'Reason: The value provided for one of the properties in the request body is invalid.)',
    );
  });

  it('a write on a stale ETag is refused as a conflict on both planes, and the pool keeps the other change', async () => {
    await rm.create(params('c1', image()), secrets);
    sim.clock.advance(3600);
    const stale = (await rm.get('c1'))!.eTag!;
    // Someone else changes the pool: a new ETag.
    await data.replaceLiveSettings('c1', { metadata: [{ name: 'owner', value: 'someone-else' }] });
    const resize = {
      targetDedicatedNodes: 9,
      targetLowPriorityNodes: 0,
      resizeTimeout: 'PT15M',
      nodeDeallocationOption: 'requeue',
    } as const;
    for (const plane of [rm, data]) {
      const err = await plane.resize('c1', resize, { ifMatch: stale }).catch((e: unknown) => e);
      expect(failureOf(err)).toMatchObject({ kind: 'conflict', status: 412 });
    }
    expect((await data.get('c1'))?.targetDedicatedNodes).toBe(3);
    const fresh = (await rm.get('c1'))!.eTag!;
    await rm.resize('c1', resize, { ifMatch: fresh });
    expect((await data.get('c1'))?.targetDedicatedNodes).toBe(9);
    const sent = sim.requests.list({ api: 'arm', operation: 'Pool_Update' }).length;
    expect(sent).toBe(2);
  });

  it('leaves node-level work on the data plane', async () => {
    await rm.create(params('n1', image()), secrets);
    sim.clock.advance(3600);
    expect(await rm.nodeCounts('n1')).toEqual(await data.nodeCounts('n1'));
    expect((await rm.listNodeCounts()).get('n1')).toBeDefined();
    expect(await rm.badNodes('n1')).toEqual([]);
    expect(sim.requests.list({ api: 'batch' }).map((e) => e.operation)).toEqual(
      expect.arrayContaining(['Account_ListPoolNodeCounts', 'ComputeNode_List']),
    );
  });
});

// Compute nodes, driven through the project's 2025-06-01 BatchClient: the lifecycle with and without a start
// task, seeded unusable / start-task-failure rates, a security-type mismatch, Spot preemption and re-seek,
// list nodes ($filter, $select, paging), node counts, reboot, reimage and remove nodes with their errors.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { BatchClient } from '../../../src/azure/batch/client.ts';
import { allItems } from '../../../src/azure/batch/client.ts';
import type { BatchNode, BatchPoolCreateOptions } from '../../../src/azure/batch/wire.ts';
import type { Simulator } from '../../../src/simulator/index.ts';
import { startSimulator } from '../../../src/simulator/index.ts';
import { batchAuth, batchClient, control, raw, rejection, vmConfig } from './helpers.ts';

let sim: Simulator;
let batch: BatchClient;
let image: string;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0, seed: 7 });
  batch = batchClient(sim);
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
  image = sim.images.createGalleryImageVersion('g', 'ubuntu', '1.0.0');
});

const API = 'api-version=2025-06-01';

function poolBody(id: string, extra: Record<string, unknown> = {}): BatchPoolCreateOptions {
  return {
    id,
    vmSize: 'Standard_D2s_v3',
    virtualMachineConfiguration: vmConfig(image),
    targetDedicatedNodes: 2,
    ...extra,
  };
}

async function nodes(poolId: string): Promise<BatchNode[]> {
  const out: BatchNode[] = [];
  for await (const n of allItems((nextLink) => batch.listNodes(poolId, nextLink ? { nextLink } : {})))
    out.push(n);
  return out;
}

const states = (list: BatchNode[]): string[] => list.map((n) => String(n.state));
const tally = (list: BatchNode[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const s of states(list)) out[s] = (out[s] ?? 0) + 1;
  return out;
};

/** Pool counts and node list agree (Azure counts every node, unusable, preempted and leaving ones too). */
async function expectConsistent(poolId: string): Promise<BatchNode[]> {
  const pool = await batch.getPool(poolId);
  const list = await nodes(poolId);
  expect(list.filter((n) => n.isDedicated).length).toBe(pool.currentDedicatedNodes);
  expect(list.filter((n) => !n.isDedicated).length).toBe(pool.currentLowPriorityNodes);
  return list;
}

describe('lifecycle', () => {
  test('with a start task (waitForSuccess): creating → starting → waitingforstarttask → idle, as BatchNode', async () => {
    await batch.createPool(poolBody('p', { startTask: { commandLine: '/bin/sh -c true' } }));
    expect(await nodes('p')).toEqual([]); // the boot delay (90 s) has not passed
    sim.clock.advance(91); // both arrived (300 a minute)
    let list = await expectConsistent('p');
    expect(states(list)).toEqual(['creating', 'creating']);
    const node = list[0]!;
    expect(node.id).toMatch(/^tvmps_[0-9a-f]{64}_d$/);
    expect(new Set(list.map((n) => n.id)).size).toBe(2);
    expect(node).toMatchObject({
      url: `${sim.info.batchUrl}/pools/p/nodes/${node.id}`,
      schedulingState: 'enabled',
      isDedicated: true,
      vmSize: 'standard_d2s_v3',
      affinityId: `TVM:${node.id}`,
      totalTasksRun: 0,
      startTask: { commandLine: '/bin/sh -c true', waitForSuccess: true },
      virtualMachineInfo: { imageReference: { virtualMachineImageId: image } },
    });
    expect(node.ipAddress).toMatch(/^10\.0\.\d+\.\d+$/);
    expect(node.nodeAgentInfo?.version).toMatch(/^1\.\d+\.\d+$/);
    expect(node.startTaskInfo).toBeUndefined();
    expect(Date.parse(node.allocationTime)).toBeLessThanOrEqual(sim.clock.now().getTime());

    sim.clock.advance(30);
    expect(states(await nodes('p'))).toEqual(['starting', 'starting']);
    sim.clock.advance(60);
    list = await nodes('p');
    expect(states(list)).toEqual(['waitingforstarttask', 'waitingforstarttask']);
    expect(list[0]!.startTaskInfo).toMatchObject({ state: 'running', retryCount: 0 });
    expect(list[0]!.startTaskInfo?.endTime).toBeUndefined();
    sim.clock.advance(31);
    list = await expectConsistent('p');
    expect(states(list)).toEqual(['idle', 'idle']);
    expect(list[0]!.startTaskInfo).toMatchObject({ state: 'completed', exitCode: 0, result: 'success' });
    expect(Date.parse(list[0]!.stateTransitionTime)).toBe(Date.parse(list[0]!.startTaskInfo!.endTime!));
    expect(sim.requests.list({ operation: 'ComputeNode_List' }).at(-1)).toMatchObject({ status: 200 });
  });

  test('without waitForSuccess the node is idle while the start task still runs; without a start task, no startTaskInfo', async () => {
    await batch.createPool(poolBody('w', { startTask: { commandLine: 'x', waitForSuccess: false } }));
    await batch.createPool(poolBody('n'));
    sim.clock.advance(91 + 30 + 60 + 1);
    const w = await nodes('w');
    expect(states(w)).toEqual(['idle', 'idle']);
    expect(w[0]!.startTaskInfo?.state).toBe('running');
    const n = await nodes('n');
    expect(states(n)).toEqual(['idle', 'idle']);
    expect(n[0]!.startTaskInfo).toBeUndefined();
    expect(n[0]!.startTask).toBeUndefined();
  });

  test('GET one node; an unknown node is 404 NodeNotFound, an unknown pool 404 PoolNotFound', async () => {
    await batch.createPool(poolBody('p'));
    sim.clock.advance(200);
    const [first] = await nodes('p');
    const auth = await batchAuth(sim);
    const one = await raw(sim, 'GET', `/pools/p/nodes/${first!.id}?${API}&$select=id,state`, {
      headers: auth,
    });
    expect(one.status).toBe(200);
    expect(Object.keys(one.json).sort()).toEqual(['id', 'odata.metadata', 'state']);
    const missing = await raw(sim, 'GET', `/pools/p/nodes/tvmps_nope_d?${API}`, { headers: auth });
    expect([missing.status, missing.json.code]).toEqual([404, 'NodeNotFound']);
    const err = await rejection(batch.listNodes('nope'));
    expect([err.statusCode, err.code]).toEqual([404, 'PoolNotFound']);
    expect(sim.requests.list({ operation: 'ComputeNode_Get' }).map((e) => e.status)).toEqual([200, 404]);
  });

  test('a shrinking resize shows the removed nodes as leavingpool until they are gone; counts agree throughout', async () => {
    await batch.createPool(poolBody('p', { targetDedicatedNodes: 5 }));
    sim.clock.advance(300);
    await batch.resizePool('p', { targetDedicatedNodes: 2 });
    let list = await expectConsistent('p');
    expect(tally(list)).toEqual({ idle: 2, leavingpool: 3 });
    sim.clock.advance(31);
    list = await expectConsistent('p');
    expect(tally(list)).toEqual({ idle: 2 });
  });
});

describe('seeded node failures', () => {
  async function run(seed: number, setup: (s: Simulator) => void): Promise<string[]> {
    const s = await startSimulator({ timeScale: 0, seed });
    try {
      const img = s.images.createGalleryImageVersion('g', 'ubuntu', '1.0.0');
      setup(s);
      const c = batchClient(s);
      await c.createPool({
        id: 'p',
        vmSize: 'Standard_D2s_v3',
        virtualMachineConfiguration: vmConfig(img),
        targetDedicatedNodes: 60,
        startTask: { commandLine: 'x' },
      });
      s.clock.advance(600);
      return (await c.listNodes('p')).value.map((n) => `${n.id}:${n.state}`);
    } finally {
      await s.close();
    }
  }

  test('unusable and starttaskfailed rates are deterministic from the seed, per image and per pool', async () => {
    const setup = (s: Simulator) => {
      s.faults.setImageNodeRates(
        s.images.list().find((id) => id.endsWith('/versions/1.0.0'))!,
        {
          unusableRate: 0.2,
          startTaskFailureRate: 0.2,
        },
      );
    };
    const a = await run(11, setup);
    const b = await run(11, setup);
    const other = await run(12, setup);
    expect(a).toEqual(b);
    expect(other).not.toEqual(a);
    const count = (list: string[], state: string) => list.filter((x) => x.endsWith(`:${state}`)).length;
    for (const list of [a, other]) {
      expect(list).toHaveLength(60);
      expect(count(list, 'unusable')).toBeGreaterThan(3);
      expect(count(list, 'starttaskfailed')).toBeGreaterThan(3);
      expect(count(list, 'idle')).toBeGreaterThan(30);
    }
    // A pool's own rates beat its image's.
    const none = await run(11, (s) => {
      setup(s);
      s.faults.setPoolNodeRates('p', { unusableRate: 0, startTaskFailureRate: 0 });
    });
    expect(count(none, 'idle')).toBe(60);
  });

  test('account-wide rates through the control API; failed nodes say why (errors, startTaskInfo.failureInfo)', async () => {
    const set = await control(sim, 'POST', '/faults/nodes', { unusableRate: 0.3, startTaskFailureRate: 0.3 });
    expect(set.status).toBe(200);
    expect((await control(sim, 'POST', '/faults/nodes', { unusableRate: 2 })).status).toBe(400);
    expect((await control(sim, 'POST', '/faults/nodes', { bogus: 1 })).status).toBe(400);
    await batch.createPool(
      poolBody('p', { targetDedicatedNodes: 30, startTask: { commandLine: 'x', maxTaskRetryCount: 2 } }),
    );
    sim.clock.advance(600);
    const list = await expectConsistent('p');
    const unusable = list.filter((n) => n.state === 'unusable');
    const failed = list.filter((n) => n.state === 'starttaskfailed');
    expect(unusable.length).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0);
    expect(unusable[0]!.errors).toEqual([
      expect.objectContaining({
        code: 'DiskFull',
        message: expect.any(String),
        errorDetails: expect.any(Array),
      }),
    ]);
    expect(failed[0]!.errors).toBeUndefined();
    expect(failed[0]!.startTaskInfo).toMatchObject({
      state: 'completed',
      exitCode: 1,
      result: 'failure',
      retryCount: 2,
      failureInfo: { category: 'usererror', code: 'FailureExitCode' },
    });
    // Per-pool rates through the control API (the account-wide ones back to 0 first).
    expect(
      (await control(sim, 'POST', '/faults/nodes', { unusableRate: 0, startTaskFailureRate: 0 })).status,
    ).toBe(200);
    expect((await control(sim, 'POST', '/faults/nodes/pools/q', { unusableRate: 1 })).status).toBe(200);
    await batch.createPool(poolBody('q'));
    sim.clock.advance(600);
    expect(states(await nodes('q'))).toEqual(['unusable', 'unusable']);
    const faults = (await control(sim, 'GET', '/faults')).json;
    expect(faults.nodeRates.pools).toEqual({ q: { unusableRate: 1 } });
    expect(faults.nodes.unusableRate).toBe(0);
    expect((await control(sim, 'DELETE', '/faults/nodes/pools/q')).json.nodeRates.pools).toEqual({});
  });

  test('an image whose security type does not fit the pool makes every node unusable; the counts still include them', async () => {
    const tl = sim.images.createGalleryImageVersion('g', 'tl', '1.0.0', { securityType: 'TrustedLaunch' });
    await batch.createPool(
      poolBody('m', {
        virtualMachineConfiguration: vmConfig(tl),
        targetDedicatedNodes: 4,
        targetLowPriorityNodes: 2,
      }),
    );
    sim.clock.advance(600);
    const pool = await batch.getPool('m');
    expect([pool.currentDedicatedNodes, pool.currentLowPriorityNodes]).toEqual([4, 2]);
    const list = await expectConsistent('m');
    expect(tally(list)).toEqual({ unusable: 6 });
    expect(list[0]!.errors?.[0]).toMatchObject({
      code: 'SecurityTypeMismatch',
      errorDetails: [{ name: 'Reason', value: sim.pools.get('m')!.nodesUnusableReason }],
    });
    // ... and a matching pool from the same image is fine.
    await batch.createPool(
      poolBody('ok', {
        virtualMachineConfiguration: {
          ...vmConfig(tl),
          securityProfile: {
            securityType: 'trustedLaunch',
            uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
          },
        },
      }),
    );
    sim.clock.advance(600);
    expect(tally(await nodes('ok'))).toEqual({ idle: 2 });
  });
});

describe('Spot preemption', () => {
  test('Spot nodes are preempted at the configured rate, stay counted, and come back after the re-seek delay', async () => {
    sim.compat.set({ ignoreAccountQuotas: true });
    sim.faults.setNodes({ spotPreemptionsPerHour: 1, spotReseekSeconds: 300 });
    await batch.createPool(poolBody('s', { targetDedicatedNodes: 5, targetLowPriorityNodes: 40 }));
    sim.clock.advance(300);
    const seen = new Map<string, string[]>();
    let preemptedAtSomePoint = 0;
    for (let minute = 0; minute < 120; minute++) {
      const list = await expectConsistent('s');
      const pool = await batch.getPool('s');
      expect(pool.currentLowPriorityNodes).toBe(40);
      for (const n of list) seen.set(n.id, [...(seen.get(n.id) ?? []), String(n.state)]);
      const preempted = list.filter((n) => n.state === 'preempted');
      expect(preempted.every((n) => !n.isDedicated)).toBe(true);
      preemptedAtSomePoint += preempted.length;
      sim.clock.advance(60);
    }
    expect(preemptedAtSomePoint).toBeGreaterThan(0);
    // Some node went preempted → creating (re-seek) → ... → idle again: the same node, a new boot.
    const recovered = [...seen.values()].filter((h) => {
      const i = h.indexOf('preempted');
      return i >= 0 && h.slice(i).includes('creating') && h.slice(i).at(-1) !== 'preempted';
    });
    expect(recovered.length).toBeGreaterThan(0);
    // Dedicated nodes are never preempted.
    const counts = (await batch.listPoolNodeCounts({ filter: "poolId eq 's'" })).value[0]!;
    expect(counts.dedicated).toMatchObject({ preempted: 0, total: 5 });
    expect(counts.lowPriority?.total).toBe(40);
  });

  test('without capacity a preempted node stays preempted (Azure tries for 48 hours)', async () => {
    sim.faults.setNodes({ spotPreemptionsPerHour: 4, spotCapacity: 0 });
    await batch.createPool(poolBody('s', { targetDedicatedNodes: 0, targetLowPriorityNodes: 10 }));
    sim.clock.advance(3 * 3600);
    const list = await expectConsistent('s');
    expect(tally(list)).toEqual({ preempted: 10 });
    sim.clock.advance(24 * 3600);
    expect(tally(await nodes('s'))).toEqual({ preempted: 10 });
    const since = list.map((n) => n.stateTransitionTime);
    expect(since.every((t) => Date.parse(t) < sim.clock.now().getTime())).toBe(true);
  });
});

describe('list nodes: $filter, $select, paging', () => {
  test('state eq / or filters, $select and odata.nextLink pages', async () => {
    sim.faults.setPoolNodeRates('p', { unusableRate: 0.3, startTaskFailureRate: 0.3 });
    await batch.createPool(poolBody('p', { targetDedicatedNodes: 25, startTask: { commandLine: 'x' } }));
    sim.clock.advance(600);
    const all = await nodes('p');
    expect(all).toHaveLength(25);
    const broken = all
      .filter((n) => n.state === 'unusable' || n.state === 'starttaskfailed')
      .map((n) => n.id);
    expect(broken.length).toBeGreaterThan(0);
    expect(broken.length).toBeLessThan(25);
    const filtered = await batch.listNodes('p', {
      filter: "state eq 'unusable' or state eq 'starttaskfailed'",
    });
    expect(filtered.value.map((n) => n.id)).toEqual(broken);
    const idle = await batch.listNodes('p', { filter: "state eq 'idle'" });
    expect(idle.value).toHaveLength(25 - broken.length);
    const selected = await batch.listNodes('p', { select: ['id', 'state'] });
    expect(selected.value.every((n) => Object.keys(n).sort().join() === 'id,state')).toBe(true);

    const first = await batch.listNodes('p', { maxResults: 10, select: ['id'] });
    expect(first.value).toHaveLength(10);
    expect(first.nextLink).toContain('/pools/p/nodes?');
    const second = await batch.listNodes('p', { nextLink: first.nextLink! });
    const third = await batch.listNodes('p', { nextLink: second.nextLink! });
    expect(second.value).toHaveLength(10);
    expect(third.value).toHaveLength(5);
    expect(third.nextLink).toBeUndefined();
    expect(Object.keys(second.value[0]!)).toEqual(['id']); // $select travels with the link
    expect([...first.value, ...second.value, ...third.value].map((n) => n.id)).toEqual(all.map((n) => n.id));

    const bad = await rejection(batch.listNodes('p', { filter: 'state gt 1' }));
    expect([bad.statusCode, bad.code]).toEqual([400, 'InvalidQueryParameterValue']);
  });
});

describe('node counts', () => {
  test('one entry per pool, by state and node type, consistent with the pools and their node lists; paged', async () => {
    sim.faults.setPoolNodeRates('b', { unusableRate: 0.5 });
    await batch.createPool(poolBody('a', { targetDedicatedNodes: 3 }));
    await batch.createPool(poolBody('b', { targetDedicatedNodes: 6, targetLowPriorityNodes: 4 }));
    await batch.createPool(poolBody('c', { targetDedicatedNodes: 1 }));
    sim.clock.advance(91); // arrived, creating
    let counts = (await batch.listPoolNodeCounts()).value;
    expect(counts.map((c) => c.poolId)).toEqual(['a', 'b', 'c']);
    expect(counts[0]!.dedicated).toMatchObject({ creating: 3, total: 3, idle: 0 });
    sim.clock.advance(600);
    counts = (await batch.listPoolNodeCounts()).value;
    for (const c of counts) {
      const pool = await batch.getPool(c.poolId);
      const list = await nodes(c.poolId);
      expect(c.dedicated?.total).toBe(pool.currentDedicatedNodes);
      expect(c.lowPriority?.total).toBe(pool.currentLowPriorityNodes);
      const fromList = tally(list.filter((n) => n.isDedicated));
      expect(c.dedicated?.idle ?? 0).toBe(fromList.idle ?? 0);
      expect(c.dedicated?.unusable ?? 0).toBe(fromList.unusable ?? 0);
      // Every 2025-06-01 field is there.
      expect(Object.keys(c.dedicated!).sort()).toEqual(
        [
          'creating',
          'idle',
          'offline',
          'preempted',
          'rebooting',
          'reimaging',
          'running',
          'starting',
          'startTaskFailed',
          'leavingPool',
          'unknown',
          'unusable',
          'waitingForStartTask',
          'deallocated',
          'deallocating',
          'total',
          'upgradingOS',
        ].sort(),
      );
    }
    const b = counts.find((c) => c.poolId === 'b')!;
    expect(b.dedicated!.unusable + b.lowPriority!.unusable).toBeGreaterThan(0);
    const page1 = await batch.listPoolNodeCounts({ maxResults: 2 });
    expect(page1.value.map((c) => c.poolId)).toEqual(['a', 'b']);
    const page2 = await batch.listPoolNodeCounts({ nextLink: page1.nextLink! });
    expect(page2.value.map((c) => c.poolId)).toEqual(['c']);
    expect(page2.nextLink).toBeUndefined();
    expect((await batch.listPoolNodeCounts({ filter: "poolId eq 'c'" })).value).toHaveLength(1);
    expect(sim.requests.list({ operation: 'Account_ListPoolNodeCounts' }).length).toBeGreaterThan(0);
  });
});

describe('reboot and reimage', () => {
  test('reboot: rebooting → starting → the start task runs again → idle; reimage: reimaging', async () => {
    await batch.createPool(poolBody('p', { startTask: { commandLine: 'x' } }));
    sim.clock.advance(600);
    const [a, b] = await nodes('p');
    const firstStart = a!.startTaskInfo!.startTime;
    await batch.rebootNode('p', a!.id);
    await batch.reimageNode('p', b!.id, { nodeReimageOption: 'requeue' });
    let list = await nodes('p');
    expect(states(list)).toEqual(['rebooting', 'reimaging']);
    expect(list[0]!.stateTransitionTime).toBe(list[0]!.lastBootTime);
    sim.clock.advance(61);
    expect((await nodes('p'))[0]!.state).toBe('starting');
    sim.clock.advance(60);
    list = await nodes('p');
    expect(list[0]!.state).toBe('waitingforstarttask');
    expect(Date.parse(list[0]!.startTaskInfo!.startTime)).toBeGreaterThan(Date.parse(firstStart));
    sim.clock.advance(300);
    expect(states(await expectConsistent('p'))).toEqual(['idle', 'idle']);
    const log = sim.requests.list({ api: 'batch' }).filter((e) => e.operation.startsWith('ComputeNode_Re'));
    expect(log.map((e) => [e.operation, e.status])).toEqual([
      ['ComputeNode_Reboot', 202],
      ['ComputeNode_Reimage', 202],
    ]);
  });

  test('a failed start task runs again after a reboot (and may succeed); refusals by state are 409 with Azure codes', async () => {
    sim.faults.setPoolNodeRates('p', { startTaskFailureRate: 1 });
    sim.faults.setPoolNodeRates('u', { unusableRate: 1 });
    await batch.createPool(poolBody('p', { startTask: { commandLine: 'x' } }));
    await batch.createPool(poolBody('u'));
    sim.clock.advance(600);
    const [failed] = await nodes('p');
    expect(failed!.state).toBe('starttaskfailed');
    sim.faults.setPoolNodeRates('p', { startTaskFailureRate: 0 });
    await batch.rebootNode('p', failed!.id);
    const busy = await rejection(batch.rebootNode('p', failed!.id));
    expect([busy.statusCode, busy.code]).toEqual([409, 'NodeBeingRebooted']);
    sim.clock.advance(600);
    expect((await nodes('p'))[0]!.state).toBe('idle');

    const [unusable] = await nodes('u');
    const e1 = await rejection(batch.rebootNode('u', unusable!.id));
    expect([e1.statusCode, e1.code]).toEqual([409, 'NodeStateUnusable']);
    const e2 = await rejection(batch.rebootNode('u', 'tvmps_missing_d'));
    expect([e2.statusCode, e2.code]).toEqual([404, 'NodeNotFound']);
    await batch.resizePool('u', { targetDedicatedNodes: 3 });
    sim.clock.advance(91);
    const creating = (await nodes('u')).find((n) => n.state === 'creating')!;
    const e3 = await rejection(batch.reimageNode('u', creating.id));
    expect([e3.statusCode, e3.code]).toEqual([409, 'NodeBeingCreated']);
    const e4 = await rejection(batch.rebootNode('p', failed!.id, { nodeRebootOption: 'bogus' as never }));
    expect([e4.statusCode, e4.code]).toEqual([400, 'InvalidPropertyValue']);
  });
});

describe('remove nodes', () => {
  test('the listed nodes leave, the target goes down by their number and the pool resizes, then is steady', async () => {
    await batch.createPool(poolBody('p', { targetDedicatedNodes: 5, targetLowPriorityNodes: 2 }));
    sim.clock.advance(600);
    const before = await nodes('p');
    const gone = [before[0]!.id, before.find((n) => !n.isDedicated)!.id];
    await batch.removeNodes('p', {
      nodeList: gone,
      nodeDeallocationOption: 'taskcompletion',
      resizeTimeout: 'PT10M',
    });
    let pool = await batch.getPool('p');
    expect(pool).toMatchObject({
      allocationState: 'resizing',
      targetDedicatedNodes: 4,
      targetLowPriorityNodes: 1,
      currentDedicatedNodes: 5,
      currentLowPriorityNodes: 2,
      resizeTimeout: 'PT10M',
    });
    let list = await expectConsistent('p');
    expect(
      list
        .filter((n) => n.state === 'leavingpool')
        .map((n) => n.id)
        .sort(),
    ).toEqual([...gone].sort());
    // While it resizes, another removal (or a resize) is refused.
    const busy = await rejection(batch.removeNodes('p', { nodeList: [before[1]!.id] }));
    expect([busy.statusCode, busy.details.message.value.split('\n')[0]]).toEqual([
      409,
      'The specified pool has an ongoing resize operation.',
    ]);
    sim.clock.advance(31);
    pool = await batch.getPool('p');
    expect(pool).toMatchObject({
      allocationState: 'steady',
      currentDedicatedNodes: 4,
      currentLowPriorityNodes: 1,
    });
    expect(pool.resizeErrors).toBeUndefined();
    list = await expectConsistent('p');
    expect(list.map((n) => n.id)).not.toContain(gone[0]);
    expect(list.map((n) => n.id)).not.toContain(gone[1]);
    expect(sim.requests.list({ operation: 'Pool_RemoveNodes' })).toEqual([
      expect.objectContaining({
        status: 202,
        body: { resizeTimeout: 'PT10M', nodeDeallocationOption: 'taskcompletion' },
      }),
      expect.objectContaining({ status: 409 }),
    ]);
  });

  test('errors: unknown node 404 NodeNotFound, empty or over 100 nodes, missing nodeList, short timeout, bad option', async () => {
    await batch.createPool(poolBody('p'));
    sim.clock.advance(600);
    const [node] = await nodes('p');
    const cases: [unknown, number, string][] = [
      [{ nodeList: ['tvmps_nope_d'] }, 404, 'NodeNotFound'],
      [{ nodeList: [node!.id, 'tvmps_nope_d'] }, 404, 'NodeNotFound'],
      [{}, 400, 'MissingRequiredProperty'],
      [{ nodeList: [] }, 400, 'InvalidPropertyValue'],
      [{ nodeList: Array.from({ length: 101 }, (_, i) => `n${i}`) }, 400, 'InvalidPropertyValue'],
      [{ nodeList: [node!.id], resizeTimeout: 'PT1M' }, 400, 'InvalidPropertyValue'],
      [{ nodeList: [node!.id], nodeDeallocationOption: 'later' }, 400, 'InvalidPropertyValue'],
    ];
    for (const [body, status, code] of cases) {
      const err = await rejection(batch.removeNodes('p', body as never));
      expect([JSON.stringify(body).slice(0, 40), err.statusCode, err.code]).toEqual([
        JSON.stringify(body).slice(0, 40),
        status,
        code,
      ]);
    }
    // Nothing happened: the pool is as it was.
    expect(await batch.getPool('p')).toMatchObject({ allocationState: 'steady', targetDedicatedNodes: 2 });
    const notFound = await rejection(batch.removeNodes('nope', { nodeList: ['x'] }));
    expect(notFound.code).toBe('PoolNotFound');
    // A stale If-Match is 412, as for the other pool writes.
    const stale = await rejection(batch.removeNodes('p', { nodeList: [node!.id] }, { ifMatch: '0x8D0' }));
    expect([stale.statusCode, stale.code]).toEqual([412, 'ConditionNotMet']);
  });
});

// Usable capacity and node recovery in the pure plan: Ready needs usable nodes, the messages name the bad
// states and the grouped errors, and recovery reboots, removes, keeps to its budget and stops at the breaker.
import { describe, expect, it } from 'vitest';
import type { BatchPool, BatchPoolStatus } from '../../../src/api/types.ts';
import type { BadNode, NodeCountState, PoolNodeCounts, PoolSnapshot } from '../../../src/azure/ports.ts';
import { NODE_COUNT_STATES } from '../../../src/azure/ports.ts';
import { findCondition } from '../../../src/controller/conditions.ts';
import { needsBadNodes, plan, type PlanResult } from '../../../src/controller/plan/index.ts';
import { groupErrors, requiredUsable } from '../../../src/controller/plan/nodes.ts';
import { batchPool, input, iso, snapshot, T0, IMAGE } from '../../support/fixtures.ts';

const HOUR = 3_600_000;

function counts(d: Partial<Record<NodeCountState, number>>, l: Partial<Record<NodeCountState, number>> = {}) {
  const side = (s: Partial<Record<NodeCountState, number>>) => {
    const out = { total: 0 } as PoolNodeCounts['dedicated'];
    for (const k of NODE_COUNT_STATES) out[k] = s[k] ?? 0;
    out.total = NODE_COUNT_STATES.reduce((n, k) => n + out[k], 0);
    return out;
  };
  return { dedicated: side(d), lowPriority: side(l) };
}

const unusable = (id: string, bootAt = T0 - 60_000, code = 'DiskFull'): BadNode => ({
  id,
  state: 'unusable',
  dedicated: true,
  lastBootTime: bootAt,
  errors: [{ code, message: 'There is not enough disk space on the node.' }],
});
const stf = (id: string, bootAt = T0 - 60_000): BadNode => ({
  id,
  state: 'starttaskfailed',
  dedicated: true,
  lastBootTime: bootAt,
  errors: [
    {
      code: 'FailureExitCode',
      message: 'The task process exited with an unexpected exit code (exit code 1)',
    },
  ],
});

const steadyStatus = (extra: Partial<BatchPoolStatus> = {}): BatchPoolStatus => ({
  observedGeneration: 1,
  phase: 'Starting',
  image: {
    id: IMAGE,
    exists: true,
    checkedAt: iso(T0 - 60_000),
    source: 'Gallery',
    versionId: IMAGE,
    provisioningState: 'Succeeded',
    replication: 'Completed',
    region: 'westeurope',
    osType: 'Linux',
  },
  nodeAgent: { skuId: 'batch.node.ubuntu 22.04', supported: true, checkedAt: iso(T0 - 60_000) },
  resize: { attempts: 1, lastIssuedAt: iso(T0 - 600_000), lastTarget: { dedicated: 10, lowPriority: 0 } },
  ...extra,
});

function pool10(spec: Partial<BatchPool['spec']> = {}, status: Partial<BatchPoolStatus> = {}) {
  return batchPool('render', { spec: { targetDedicatedNodes: 10, ...spec }, status: steadyStatus(status) });
}

function run(
  obj: BatchPool,
  c: PoolNodeCounts,
  bad: BadNode[] = [],
  o: { now?: number; pool?: Partial<PoolSnapshot> } = {},
) {
  return plan(
    input(obj, {
      now: o.now ?? T0,
      observed: { pool: snapshot(o.pool ?? {}, obj), nodeCounts: c, ...(bad.length && { badNodes: bad }) },
    }),
  );
}
const cond = (r: PlanResult, t: 'Ready' | 'Reconciling' | 'Stalled') => findCondition(r.status.conditions, t);

describe('usable nodes and Ready', () => {
  it('is Ready when every node is idle or running, and status.nodes says so', () => {
    const r = run(pool10(), counts({ idle: 7, running: 3 }));
    expect(r.status.phase).toBe('Ready');
    expect(r.status.nodes).toMatchObject({
      usable: 10,
      required: 10,
      dedicated: { total: 10, idle: 7, running: 3 },
    });
    expect(r.status.nodes?.dedicated).not.toHaveProperty('unusable');
  });

  it('is not Ready at the target count while nodes still boot: Starting, polled soon', () => {
    const r = run(pool10(), counts({ idle: 6, starting: 3, waitingForStartTask: 1 }));
    expect(r.status.phase).toBe('Starting');
    expect(cond(r, 'Ready')).toMatchObject({ status: 'False', reason: 'NodesStarting' });
    expect(cond(r, 'Reconciling')?.status).toBe('True');
    expect(cond(r, 'Ready')?.message).toContain(
      'only 6 can run tasks (Ready needs 10): 3 starting, 1 running the start task',
    );
    expect(r.requeueAfterMs).toBeLessThan(60_000);
    expect(r.events.map((e) => e.reason)).not.toContain('TargetReached');
  });

  it('minUsablePercent lowers what Ready needs, rounded up', () => {
    const obj = pool10({ readiness: { minUsablePercent: 85 } });
    expect(requiredUsable(obj, { dedicated: 10, lowPriority: 0 })).toBe(9);
    expect(run(obj, counts({ idle: 9, unusable: 1 }), [unusable('n1')]).status.phase).toBe('Ready');
    expect(run(obj, counts({ idle: 8, unusable: 2 }), [unusable('n1'), unusable('n2')]).status.phase).toBe(
      'Stalled',
    );
  });

  it('counts preempted Spot nodes but not as usable, and never recovers them', () => {
    const obj = batchPool('render', {
      spec: { targetDedicatedNodes: 2, targetLowPriorityNodes: 3, nodeRecovery: { mode: 'Remove' } },
      status: steadyStatus({ resize: { attempts: 1, lastTarget: { dedicated: 2, lowPriority: 3 } } }),
    });
    const r = run(obj, counts({ idle: 2 }, { idle: 1, preempted: 2 }), [], {
      pool: {
        currentDedicatedNodes: 2,
        targetDedicatedNodes: 2,
        currentLowPriorityNodes: 3,
        targetLowPriorityNodes: 3,
      },
    });
    expect(r.status.phase).toBe('Starting');
    expect(r.action.kind).toBe('none');
    expect(cond(r, 'Ready')?.message).toContain('2 preempted (Spot; Azure seeks them back)');
    expect(r.status.nodes).toMatchObject({ usable: 3, required: 5, lowPriority: { total: 3, preempted: 2 } });
  });

  it('without node counts (not asked) it stays count-based, as before', () => {
    const obj = pool10();
    const r = plan(input(obj, { observed: { pool: snapshot({}, obj) } }));
    expect(r.status.phase).toBe('Ready');
    expect(r.status.nodes).toBeUndefined();
  });

  it('lists bad nodes only when the counts show some', () => {
    const obj = pool10();
    expect(needsBadNodes(obj, counts({ idle: 10 }))).toBe(false);
    expect(needsBadNodes(obj, counts({ idle: 9, startTaskFailed: 1 }))).toBe(true);
    expect(needsBadNodes(obj, counts({ idle: 9 }, { unusable: 1 }))).toBe(true);
    expect(needsBadNodes(obj, undefined)).toBe(false);
  });
});

describe('mode None: report only', () => {
  it('is Stalled NodesUnusable with the bad states and the errors grouped by code, and acts on nothing', () => {
    const bad = [unusable('n1'), unusable('n2'), stf('n3')];
    const r = run(pool10(), counts({ idle: 7, unusable: 2, startTaskFailed: 1 }), bad);
    expect(r.action.kind).toBe('none');
    expect(r.status.phase).toBe('Stalled');
    const msg = cond(r, 'Stalled')?.message ?? '';
    expect(cond(r, 'Stalled')?.reason).toBe('NodesUnusable');
    expect(msg).toContain('only 7 can run tasks (Ready needs 10): 2 unusable, 1 start task failed');
    expect(msg).toContain('DiskFull on 2 nodes: There is not enough disk space on the node.');
    expect(msg).toContain(
      'FailureExitCode on 1 node: The task process exited with an unexpected exit code (exit code 1).',
    );
    expect(r.events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'NodesUnusable' })]);
    expect(r.status.nodeRecovery).toBeUndefined();
  });

  it('groups errors most common first and counts a node once per code', () => {
    const two = {
      ...unusable('x'),
      errors: [
        { code: 'A', message: 'a' },
        { code: 'A', message: 'a2' },
        { code: 'B', message: 'b' },
      ],
    };
    expect(groupErrors([two, unusable('y', T0, 'B')])).toEqual([
      { code: 'B', count: 2, message: 'b' },
      { code: 'A', count: 1, message: 'a' },
    ]);
  });
});

describe('mode Remove', () => {
  const spec = { nodeRecovery: { mode: 'Remove' as const } };

  it('removes the bad nodes with the spec’s deallocation option, names them in a Normal event, charges the budget', () => {
    const r = run(pool10(spec), counts({ idle: 8, unusable: 1, startTaskFailed: 1 }), [
      unusable('n1'),
      stf('n2'),
    ]);
    expect(r.action).toEqual({
      kind: 'removeNodes',
      poolId: 'render',
      nodeIds: ['n1', 'n2'],
      params: { resizeTimeout: 'PT20M', nodeDeallocationOption: 'requeue' },
    });
    expect(r.status.phase).toBe('Recovering');
    expect(cond(r, 'Reconciling')).toMatchObject({ status: 'True', reason: 'RecoveringNodes' });
    const e = r.events.find((x) => x.reason === 'NodesRemoved');
    expect(e).toMatchObject({ type: 'Normal', action: 'RecoverNodes' });
    expect(e?.message).toContain('n1, n2');
    expect(e?.message).toContain('DiskFull on 1 node');
    expect(r.status.nodeRecovery).toMatchObject({
      actionsThisHour: 2,
      hourStartedAt: iso(T0),
      removedTo: { dedicated: 8, lowPriority: 0 },
    });
  });

  it('waits while Azure removes them (no stop-resize), then resizes back to the spec without a Drift warning', () => {
    const first = run(pool10(spec), counts({ idle: 8, unusable: 2 }), [unusable('n1'), unusable('n2')]);
    const obj = pool10(spec, first.status);
    const removing = run(obj, counts({ idle: 8, leavingPool: 2 }), [], {
      now: T0 + 5000,
      pool: { allocationState: 'resizing', targetDedicatedNodes: 8 },
    });
    expect(removing.action.kind).toBe('none');
    expect(cond(removing, 'Reconciling')?.reason).toBe('RemovingNodes');
    const after = run(pool10(spec, removing.status), counts({ idle: 8 }), [], {
      now: T0 + 10_000,
      pool: { currentDedicatedNodes: 8, targetDedicatedNodes: 8 },
    });
    expect(after.action).toMatchObject({ kind: 'resize', params: { targetDedicatedNodes: 10 } });
    expect(after.reason).toBe('ResizeAfterNodeRemoval');
    expect(after.events.map((e) => e.reason)).not.toContain('Drift');
    expect(after.status.nodeRecovery?.removedTo).toBeUndefined();
  });

  it('someone else lowering the target is still Drift', () => {
    const r = run(pool10(spec), counts({ idle: 8 }), [], {
      pool: { currentDedicatedNodes: 8, targetDedicatedNodes: 8 },
    });
    expect(r.events.map((e) => e.reason)).toContain('Drift');
  });

  it('keeps to maxActionsPerHour: a partial removal, then a wait until the hour is over', () => {
    const bad = [unusable('n1'), unusable('n2'), unusable('n3')];
    const obj = pool10({ nodeRecovery: { mode: 'Remove', maxActionsPerHour: 2 } });
    const r = run(obj, counts({ idle: 7, unusable: 3 }), bad);
    expect(r.action).toMatchObject({ kind: 'removeNodes', nodeIds: ['n1', 'n2'] });

    const spent = pool10(
      { nodeRecovery: { mode: 'Remove', maxActionsPerHour: 2 } },
      { nodeRecovery: { ...r.status.nodeRecovery, removedTo: undefined } },
    );
    delete spent.status!.nodeRecovery!.removedTo;
    const wait = run(spent, counts({ idle: 9, unusable: 1 }), [unusable('n3')], { now: T0 + 60_000 });
    expect(wait.action.kind).toBe('none');
    expect(cond(wait, 'Reconciling')).toMatchObject({ status: 'True', reason: 'RecoveryBudgetSpent' });
    expect(cond(wait, 'Reconciling')?.message).toContain('maxActionsPerHour 2');
    expect(wait.requeueAfterMs).toBeLessThanOrEqual(HOUR - 60_000);

    const later = run(pool10(spent.spec, wait.status), counts({ idle: 9, unusable: 1 }), [unusable('n3')], {
      now: T0 + HOUR,
    });
    expect(later.action).toMatchObject({ kind: 'removeNodes', nodeIds: ['n3'] });
    expect(later.status.nodeRecovery).toMatchObject({ actionsThisHour: 1, hourStartedAt: iso(T0 + HOUR) });
  });

  it('at most 100 nodes per removal (Azure’s limit)', () => {
    const bad = Array.from({ length: 150 }, (_, i) => unusable(`n${i}`, T0 - 2 * HOUR));
    const obj = batchPool('big', {
      spec: { targetDedicatedNodes: 1000, nodeRecovery: { mode: 'Remove', maxActionsPerHour: 500 } },
      status: steadyStatus({ resize: { attempts: 1, lastTarget: { dedicated: 1000, lowPriority: 0 } } }),
    });
    const r = run(obj, counts({ idle: 850, unusable: 150 }), bad, {
      pool: { currentDedicatedNodes: 1000, targetDedicatedNodes: 1000 },
    });
    expect(r.action.kind === 'removeNodes' && r.action.nodeIds.length).toBe(100);
  });

  it('recovers while Ready when minUsablePercent is met, and says so', () => {
    const obj = pool10({ readiness: { minUsablePercent: 90 }, nodeRecovery: { mode: 'Remove' } });
    const r = run(obj, counts({ idle: 9, unusable: 1 }), [unusable('n1')]);
    expect(r.status.phase).toBe('Ready');
    expect(r.action).toMatchObject({ kind: 'removeNodes', nodeIds: ['n1'] });
    expect(cond(r, 'Ready')?.message).toContain('Removing 1 of them');
  });
});

describe('mode Reboot', () => {
  const spec = { nodeRecovery: { mode: 'Reboot' as const } };

  it('reboots once, then removes the node if it is still bad', () => {
    const r = run(pool10(spec), counts({ idle: 9, startTaskFailed: 1 }), [stf('n1')]);
    expect(r.action).toEqual({ kind: 'rebootNodes', poolId: 'render', nodeIds: ['n1'] });
    expect(r.events.find((e) => e.reason === 'NodesRebooted')?.message).toContain('n1');
    expect(r.status.nodeRecovery?.rebooted).toEqual([{ kind: 'reboot', nodeId: 'n1', at: iso(T0) }]);

    const again = run(
      pool10(spec, r.status),
      counts({ idle: 9, startTaskFailed: 1 }),
      [stf('n1', T0 + 50_000)],
      {
        now: T0 + 120_000,
      },
    );
    expect(again.action).toMatchObject({ kind: 'removeNodes', nodeIds: ['n1'] });
    expect(again.status.nodeRecovery?.rebooted).toBeUndefined();
    expect(again.status.nodeRecovery?.actionsThisHour).toBe(2);
  });

  it('a node that came back fine is forgotten after an hour and would be rebooted again', () => {
    const r = run(pool10(spec), counts({ idle: 9, startTaskFailed: 1 }), [stf('n1')]);
    const fine = run(pool10(spec, r.status), counts({ idle: 10 }), [], { now: T0 + HOUR + 1 });
    expect(fine.status.nodeRecovery?.rebooted).toBeUndefined();
    const much = run(
      pool10(spec, fine.status),
      counts({ idle: 9, startTaskFailed: 1 }),
      [stf('n1', T0 + HOUR + 60_000)],
      { now: T0 + HOUR + 120_000 },
    );
    expect(much.action).toMatchObject({ kind: 'rebootNodes', nodeIds: ['n1'] });
  });

  it('a node still bad after its reboot stays remembered past the hour, so the budget removes it', () => {
    // The budget went on rebooting these (Azure refuses to reboot an unusable node); the next hour removes
    // them instead of rebooting the same nodes again, which would go on for ever.
    const obj = pool10({ nodeRecovery: { mode: 'Reboot', maxActionsPerHour: 3 } });
    const bad = [unusable('n1'), unusable('n2'), unusable('n3')];
    const r = run(obj, counts({ idle: 7, unusable: 3 }), bad);
    expect(r.action).toMatchObject({ kind: 'rebootNodes', nodeIds: ['n1', 'n2', 'n3'] });
    const spent = run(pool10(obj.spec, r.status), counts({ idle: 7, unusable: 3 }), bad, {
      now: T0 + HOUR - 1000,
    });
    expect(spent.action.kind).toBe('none');
    const next = run(pool10(obj.spec, spent.status), counts({ idle: 7, unusable: 3 }), bad, {
      now: T0 + HOUR + 1000,
    });
    expect(next.action).toMatchObject({ kind: 'removeNodes', nodeIds: ['n1', 'n2', 'n3'] });
  });

  it('survives a restart: the decision reads only the status', () => {
    const r = run(pool10(spec), counts({ idle: 9, unusable: 1 }), [unusable('n1')]);
    const restored = pool10(spec, JSON.parse(JSON.stringify(r.status)) as BatchPoolStatus);
    const next = run(restored, counts({ idle: 9, unusable: 1 }), [unusable('n1')], { now: T0 + 1000 });
    expect(next.action.kind).toBe('removeNodes');
  });
});

describe('the breaker', () => {
  const spec = { nodeRecovery: { mode: 'Remove' as const } };
  const allBad = Array.from({ length: 10 }, (_, i) => unusable(`n${i}`, T0 - 60_000, 'SecurityTypeMismatch'));

  it('stops recovery when most new nodes fail the same way: Stalled, a Warning naming the share and the errors', () => {
    const r = run(pool10(spec), counts({ unusable: 10 }), allBad);
    expect(r.action.kind).toBe('none');
    expect(r.status.phase).toBe('Stalled');
    expect(cond(r, 'Stalled')?.reason).toBe('NodeRecoveryHalted');
    const msg = cond(r, 'Stalled')?.message ?? '';
    expect(msg).toContain('10 of 10 settled nodes (100 %) failed with SecurityTypeMismatch');
    expect(msg).toContain('SecurityTypeMismatch on 10 nodes');
    expect(r.events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'NodeRecoveryHalted' })]);
    expect(r.status.nodeRecovery?.breaker).toMatchObject({
      code: 'SecurityTypeMismatch',
      failing: 10,
      settled: 10,
    });
  });

  it('stays open as time passes (no Warning again), and closes when the spec changes', () => {
    const r = run(pool10(spec), counts({ unusable: 10 }), allBad);
    const later = run(pool10(spec, r.status), counts({ unusable: 10 }), allBad, { now: T0 + 3 * HOUR });
    expect(later.status.phase).toBe('Stalled');
    expect(later.events).toEqual([]);
    const changed = pool10(spec, later.status);
    changed.metadata.generation = 2;
    const resumed = run(changed, counts({ unusable: 10 }), allBad, { now: T0 + 3 * HOUR + 1 });
    expect(resumed.action.kind).toBe('removeNodes');
    expect(resumed.status.nodeRecovery?.breaker).toBeUndefined();
  });

  it('a few failures in a large healthy pool are recovered, not taken for a broken image', () => {
    const bad = [unusable('a'), unusable('b'), unusable('c')];
    const r = run(pool10(spec), counts({ idle: 7, unusable: 3 }), bad);
    expect(r.action.kind).toBe('removeNodes');
  });

  it('failures of old boots do not count; minNodes and failurePercent are honoured', () => {
    const old = allBad.map((n) => ({ ...n, lastBootTime: T0 - 2 * HOUR }));
    expect(run(pool10(spec), counts({ unusable: 10 }), old).action.kind).toBe('removeNodes');
    const strict = pool10({ nodeRecovery: { mode: 'Remove', breaker: { failurePercent: 20, minNodes: 2 } } });
    const two = [unusable('a'), unusable('b'), unusable('c')];
    expect(run(strict, counts({ idle: 7, unusable: 3 }), two).status.phase).toBe('Stalled');
    const tolerant = pool10({ nodeRecovery: { mode: 'Remove', breaker: { minNodes: 11 } } });
    expect(run(tolerant, counts({ unusable: 10 }), allBad).action.kind).toBe('removeNodes');
  });
});

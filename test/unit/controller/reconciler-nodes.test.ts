// The reconciler's side of node recovery: the bad nodes are listed only when the counts show some, a reboot
// Azure refuses (409) still counts as the one reboot, a removal that failed is not remembered, and a steady
// pool whose counts do not change costs no status write as time passes.
import { describe, expect, it } from 'vitest';
import type { BatchPool } from '../../../src/api/types.ts';
import type { BadNode } from '../../../src/azure/ports.ts';
import { DEFAULT_SETTINGS } from '../../../src/controller/plan/index.ts';
import { reconcile, type ReconcilerDeps } from '../../../src/controller/reconciler.ts';
import { CallError } from '../../../src/errors.ts';
import { makeLogger } from '../../../src/log.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { batchPool, IMAGE } from '../../support/fixtures.ts';
import { MemoryAzure } from '../../support/memory-azure.ts';
import { MemoryKube } from '../../support/memory-kube.ts';

function world(spec: Partial<BatchPool['spec']> = {}) {
  const kube = new MemoryKube();
  const azure = new MemoryAzure();
  azure.imageIds.add(IMAGE);
  const clock = new FakeClock();
  const pool = batchPool('render', { spec: { targetDedicatedNodes: 4, ...spec } });
  pool.metadata.finalizers = [];
  kube.put(pool);
  kube.accounts.set('acct', {
    apiVersion: 'batch.pooloperator.dev/v1alpha1',
    kind: 'BatchAccount',
    metadata: { name: 'acct' },
    spec: { endpoint: 'https://acct.example', allowedNamespaces: ['vfx'] },
  });
  let listed = 0;
  const badNodes = azure.badNodes.bind(azure);
  azure.badNodes = (id) => {
    listed += 1;
    return badNodes(id);
  };
  let statusWrites = 0;
  const patchStatus = kube.patchStatus.bind(kube);
  kube.patchStatus = (...a: Parameters<typeof patchStatus>) => {
    statusWrites += 1;
    return patchStatus(...a);
  };
  const deps: ReconcilerDeps = {
    kube,
    events: kube,
    azure,
    clock,
    random: () => 0.5,
    settings: DEFAULT_SETTINGS,
    log: makeLogger('silent'),
    account: (name) => kube.accounts.get(name),
    pools: () => [...kube.pools.values()],
  };
  const obj = () => kube.pools.get('vfx/render')!;
  return { kube, azure, clock, deps, obj, listed: () => listed, writes: () => statusWrites };
}

const bad = (id: string, state: BadNode['state'] = 'unusable'): BadNode => ({
  id,
  state,
  dedicated: true,
  errors: [{ code: state === 'unusable' ? 'DiskFull' : 'FailureExitCode', message: 'scripted' }],
});

async function readyPool(w: ReturnType<typeof world>) {
  await reconcile('vfx/render', w.deps);
  w.azure.settle('render');
  await reconcile('vfx/render', w.deps);
}

describe('reconcile: nodes', () => {
  it('lists bad nodes only when the counts show some; unchanged counts cost no status write', async () => {
    const w = world();
    await readyPool(w);
    expect(w.obj().status?.phase).toBe('Ready');
    expect(w.obj().status?.nodes).toMatchObject({ usable: 4, required: 4 });
    expect(w.listed()).toBe(0);
    const writes = w.writes();
    // Less than the image check interval, which writes its own checkedAt.
    await w.clock.advance(400_000);
    await reconcile('vfx/render', w.deps);
    expect(w.writes()).toBe(writes);

    w.azure.nodeStates.set('render', { unusable: 1 });
    w.azure.badNodeList.set('render', [bad('n1')]);
    await reconcile('vfx/render', w.deps);
    expect(w.listed()).toBe(1);
    expect(w.obj().status?.phase).toBe('Stalled');
    expect(w.obj().status?.conditions?.find((c) => c.type === 'Stalled')?.message).toContain(
      'DiskFull on 1 node',
    );
  });

  it('Reboot: a reboot Azure refuses still counts as the one reboot; the node is removed next, and the pool resized back', async () => {
    const w = world({ nodeRecovery: { mode: 'Reboot' } });
    await readyPool(w);
    w.azure.nodeStates.set('render', { unusable: 1 });
    w.azure.badNodeList.set('render', [bad('n1')]);
    w.azure.failNext.set(
      'rebootNode',
      new CallError('computeNode.reboot', {
        kind: 'conflict',
        code: 'NodeStateUnusable',
        message: 'The specified node is unusable.',
        status: 409,
      }),
    );
    await reconcile('vfx/render', w.deps);
    expect(w.azure.nodeWrites).toEqual(['reboot n1']);
    expect(w.obj().status?.nodeRecovery?.rebooted?.map((r) => r.nodeId)).toEqual(['n1']);
    expect(w.kube.events.map((e) => e.reason)).toContain('NodesRebooted');

    await w.clock.advance(30_000);
    await reconcile('vfx/render', w.deps);
    expect(w.azure.nodeWrites).toEqual(['reboot n1', 'remove n1']);
    expect(w.azure.pools.get('render')?.targetDedicatedNodes).toBe(3);

    w.azure.settle('render');
    await w.clock.advance(30_000);
    await reconcile('vfx/render', w.deps);
    expect(w.azure.pools.get('render')?.targetDedicatedNodes).toBe(4);
    expect(w.kube.events.map((e) => e.reason)).not.toContain('Drift');
    w.azure.settle('render');
    await reconcile('vfx/render', w.deps);
    expect(w.obj().status?.phase).toBe('Ready');
  });

  it('a removal that failed is neither remembered nor charged to the budget', async () => {
    const w = world({ nodeRecovery: { mode: 'Remove' } });
    await readyPool(w);
    w.azure.nodeStates.set('render', { startTaskFailed: 1 });
    w.azure.badNodeList.set('render', [bad('n1', 'starttaskfailed')]);
    w.azure.failNext.set(
      'removeNodes',
      new CallError('pool.removeNodes', {
        kind: 'transient',
        code: 'ServerBusy',
        message: 'busy',
        status: 503,
      }),
    );
    await reconcile('vfx/render', w.deps).catch(() => undefined);
    expect(w.obj().status?.nodeRecovery?.actionsThisHour).toBeUndefined();
    expect(w.obj().status?.nodeRecovery?.removedTo).toBeUndefined();
  });
});

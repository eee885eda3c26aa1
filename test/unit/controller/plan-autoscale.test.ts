// spec.autoScale through the reconciler on the in-memory Azure: created with the formula and no resize after,
// Ready whatever size the formula gives; a new formula is set with enableautoscale; removing autoScale turns
// it off and the targets apply; adding it to a fixed pool turns it on (after stopping the operator's resize).
import { describe, expect, it } from 'vitest';
import type { BatchPool } from '../../../src/api/types.ts';
import { DEFAULT_SETTINGS } from '../../../src/controller/plan/index.ts';
import { reconcile, type ReconcilerDeps } from '../../../src/controller/reconciler.ts';
import { makeLogger } from '../../../src/log.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { batchPool, IMAGE } from '../../support/fixtures.ts';
import { MemoryAzure } from '../../support/memory-azure.ts';
import { MemoryKube } from '../../support/memory-kube.ts';

const FORMULA = '$TargetDedicatedNodes = min(10, $PendingTasks.GetSample(1));';

function world(edit: (p: BatchPool) => void) {
  const pool = batchPool('render');
  edit(pool);
  pool.metadata.finalizers = [];
  const kube = new MemoryKube();
  kube.put(pool);
  kube.accounts.set('acct', {
    apiVersion: 'batch.pooloperator.dev/v1alpha1',
    kind: 'BatchAccount',
    metadata: { name: 'acct' },
    spec: { endpoint: 'https://acct.example', allowedNamespaces: ['vfx'] },
  });
  const azure = new MemoryAzure();
  azure.imageIds.add(IMAGE);
  const deps: ReconcilerDeps = {
    kube,
    events: kube,
    azure,
    clock: new FakeClock(),
    random: () => 0.5,
    settings: DEFAULT_SETTINGS,
    log: makeLogger('silent'),
    account: (name) => kube.accounts.get(name),
    pools: () => [...kube.pools.values()],
  };
  const run = () => reconcile('vfx/render', deps);
  const obj = () => kube.pools.get('vfx/render')!;
  const spec = (f: (s: BatchPool['spec']) => void) => {
    const o = obj();
    f(o.spec);
    o.metadata.generation = (o.metadata.generation ?? 1) + 1;
  };
  return { kube, azure, run, obj, spec };
}

const autoscaled = (p: BatchPool) => {
  delete p.spec.targetDedicatedNodes;
  p.spec.targetLowPriorityNodes = 0;
  p.spec.autoScale = { formula: FORMULA, evaluationInterval: 'PT5M' };
};

describe('an autoscaled BatchPool', () => {
  it('is created with its formula and never resized by the operator', async () => {
    const w = world(autoscaled);
    await w.run();
    expect(w.azure.calls).toContain('create');
    expect(w.azure.pools.get('render')?.settings?.autoScale).toEqual({
      formula: FORMULA,
      evaluationInterval: 'PT5M',
    });
    // The formula grows it to 7; the operator leaves it there, and while Azure resizes it.
    const pool = w.azure.pools.get('render')!;
    Object.assign(pool, { allocationState: 'steady', currentDedicatedNodes: 7, targetDedicatedNodes: 7 });
    await w.run();
    expect(w.obj().status?.phase).toBe('Ready');
    expect(w.obj().status?.conditions?.find((c) => c.type === 'Ready')?.message).toContain('autoscales');
    Object.assign(pool, { allocationState: 'resizing', targetDedicatedNodes: 9 });
    await w.run();
    expect(w.obj().status?.phase).toBe('Ready');
    expect(w.azure.calls.filter((c) => c === 'resize' || c === 'stopResize')).toEqual([]);
  });

  it('gets a new formula with enableautoscale once steady', async () => {
    const w = world(autoscaled);
    await w.run();
    w.azure.settle('render');
    w.spec((s) => (s.autoScale = { formula: '$TargetDedicatedNodes = 3;' }));
    await w.run();
    expect(w.azure.calls.at(-1)).toBe('enableAutoScale');
    expect(w.azure.pools.get('render')?.settings?.autoScale).toEqual({
      formula: '$TargetDedicatedNodes = 3;',
    });
    expect(w.kube.events.map((e) => e.reason)).toContain('AutoScaleEnabled');
  });

  it('is turned off when autoScale goes, and then resized to its targets', async () => {
    const w = world(autoscaled);
    await w.run();
    w.azure.settle('render');
    w.spec((s) => {
      delete s.autoScale;
      s.targetDedicatedNodes = 4;
    });
    await w.run();
    expect(w.azure.calls.at(-1)).toBe('disableAutoScale');
    await w.run();
    expect(w.azure.calls.at(-1)).toBe('resize');
    expect(w.azure.pools.get('render')?.targetDedicatedNodes).toBe(4);
  });

  it('takes over a fixed pool: its running resize is stopped, then autoscaling turned on', async () => {
    const w = world(() => {});
    await w.run();
    expect(w.azure.pools.get('render')?.allocationState).toBe('resizing');
    w.spec((s) => {
      delete s.targetDedicatedNodes;
      s.autoScale = { formula: FORMULA };
    });
    await w.run();
    expect(w.azure.calls.at(-1)).toBe('stopResize');
    w.azure.pools.get('render')!.allocationState = 'steady';
    await w.run();
    expect(w.azure.calls.at(-1)).toBe('enableAutoScale');
    await w.run();
    expect(w.obj().status?.phase).toBe('Ready');
  });

  it('is not drained for an empty-pool change: refused until the formula empties it', async () => {
    const w = world(autoscaled);
    await w.run();
    Object.assign(w.azure.pools.get('render')!, { allocationState: 'steady', currentDedicatedNodes: 3 });
    w.spec((s) => {
      s.vmSize = 'Standard_D8s_v5';
      s.updateStrategy = 'DrainAndUpdate';
    });
    await w.run();
    expect(w.obj().status?.phase).toBe('Stalled');
    expect(w.obj().status?.conditions?.find((c) => c.type === 'Stalled')?.message).toContain('autoscales');
    expect(w.azure.calls).not.toContain('resize');
    Object.assign(w.azure.pools.get('render')!, { currentDedicatedNodes: 0 });
    await w.run();
    expect(w.azure.calls.at(-1)).toBe('updateEmptyPool');
  });
});

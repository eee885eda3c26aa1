// BlueGreen rollouts through the reconciler, against the in-memory Azure and Kubernetes: the new pool grows
// beside the old one, takes over, and the old one goes — also when a pass dies after its Azure write and
// before its status write, at every step.
import { describe, expect, it } from 'vitest';
import type { BatchPool } from '../../../src/api/types.ts';
import { DEFAULT_SETTINGS } from '../../../src/controller/plan/index.ts';
import { reconcile, type ReconcilerDeps } from '../../../src/controller/reconciler.ts';
import { makeLogger } from '../../../src/log.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { batchPool, IMAGE } from '../../support/fixtures.ts';
import { MemoryAzure } from '../../support/memory-azure.ts';
import { MemoryKube } from '../../support/memory-kube.ts';
import type { SecretRead, SecretReader } from '../../../src/kube/secrets.ts';

const NEW_IMAGE = IMAGE.replace('/versions/1.4.0', '/versions/1.5.0');
const KEY = 'vfx/render';

function world(o: { spec?: Partial<BatchPool['spec']>; secrets?: SecretReader } = {}) {
  const kube = new MemoryKube();
  const azure = new MemoryAzure();
  azure.imageIds.add(IMAGE);
  azure.imageIds.add(NEW_IMAGE);
  const clock = new FakeClock();
  const pool = batchPool('render', { spec: { updateStrategy: 'BlueGreen', ...o.spec } });
  pool.metadata.finalizers = [];
  kube.put(pool);
  kube.accounts.set('acct', {
    apiVersion: 'batch.pooloperator.dev/v1alpha1',
    kind: 'BatchAccount',
    metadata: { name: 'acct' },
    spec: { endpoint: 'https://acct.example', allowedNamespaces: ['vfx'] },
  });
  /** The status write of pass N fails (as if the operator died after its Azure write). */
  let failStatusAt = -1;
  let statusWrites = 0;
  const deps: ReconcilerDeps = {
    kube: new Proxy(kube, {
      get(t, prop, r) {
        if (prop === 'patchStatus') {
          return (...args: Parameters<MemoryKube['patchStatus']>) => {
            if (statusWrites++ === failStatusAt) return Promise.reject(new Error('operator killed'));
            return t.patchStatus(...args);
          };
        }
        return Reflect.get(t, prop, r) as unknown;
      },
    }),
    events: kube,
    azure,
    clock,
    random: () => 0.5,
    settings: DEFAULT_SETTINGS,
    log: makeLogger('silent'),
    account: (name) => kube.accounts.get(name),
    pools: () => [...kube.pools.values()],
    ...(o.secrets && { secrets: o.secrets }),
  };
  const obj = () => kube.pools.get(KEY)!;
  /** Pools whose next resize stops at 4 nodes with AllocationFailed, once. */
  const short = new Set<string>();
  /** Azure's side of a pass: running resizes finish, deletions end. */
  const azureMoves = () => {
    for (const [id, p] of azure.pools) {
      if (p.state === 'deleting') azure.pools.delete(id);
      else if (p.allocationState !== 'steady') {
        azure.settle(id, short.delete(id) ? { dedicated: 4, error: 'AllocationFailed' } : {});
      }
    }
  };
  /** Reconcile (with Azure moving on between passes) until nothing is left to do. */
  const run = async (passes = 40) => {
    for (let i = 0; i < passes; i++) {
      await reconcile(KEY, deps).catch(() => undefined);
      azureMoves();
      await clock.advance(60_000);
      const o = kube.pools.get(KEY);
      const s = o?.status;
      if (s?.phase === 'Ready' && !s.update && s.observedGeneration === o?.metadata.generation) break;
    }
  };
  return {
    kube,
    azure,
    obj,
    run,
    short,
    failStatusAt: (n: number) => {
      failStatusAt = statusWrites + n;
    },
  };
}

async function readyOnFirstImage(o: Parameters<typeof world>[0] = {}) {
  const w = world(o);
  await w.run();
  expect(w.obj().status).toMatchObject({ phase: 'Ready', poolId: 'render', currentDedicatedNodes: 10 });
  w.azure.calls.length = 0;
  return w;
}

/** A pool the operator did not make, holding the pair ID a rollout of "render" needs. */
const foreignPair = (w: { azure: MemoryAzure }) =>
  w.azure.create({
    id: 'render-bg',
    vmSize: 'Standard_D4s_v5',
    imageId: IMAGE,
    nodeAgentSkuId: 'batch.node.ubuntu 22.04',
    metadata: [],
    targetDedicatedNodes: 1,
    targetLowPriorityNodes: 0,
    resizeTimeout: 'PT15M',
  });

const writes = (calls: readonly string[]) => calls.filter((c) => !['get', 'image', 'list'].includes(c));

describe('BlueGreen', () => {
  it('grows a second pool on the new image, moves status.poolId to it, then empties and deletes the old one', async () => {
    const w = await readyOnFirstImage();
    w.kube.updateSpec('vfx', 'render', { image: { id: NEW_IMAGE } });
    w.short.add('render-bg');
    const seen: BatchPool['status'][] = [];
    for (let i = 0; i < 30; i++) {
      await w.run(1);
      seen.push(structuredClone(w.obj().status));
      if (w.obj().status?.phase === 'Ready' && !w.obj().status?.update) break;
      // Never fewer nodes serving than the target: the old pool serves until the new one is full.
      const s = w.obj().status!;
      expect(w.azure.pools.get(s.poolId!)?.currentDedicatedNodes).toBe(10);
    }
    expect(w.obj().status).toMatchObject({ phase: 'Ready', poolId: 'render-bg', currentDedicatedNodes: 10 });
    expect([...w.azure.pools.keys()]).toEqual(['render-bg']);
    expect(w.azure.pools.get('render-bg')!.imageId).toBe(NEW_IMAGE);
    // Create the new pool; grow it again after it stopped short; empty the old one; delete it.
    expect(writes(w.azure.calls)).toEqual(['create', 'resize', 'resize', 'delete']);
    // The status named both pools and their counts on the way.
    const states = seen.map((s) => s?.update?.state).filter(Boolean);
    expect(new Set(states)).toEqual(new Set(['Creating', 'Growing', 'Retiring']));
    const retiring = seen.find((s) => s?.update?.state === 'Retiring')!.update!.blueGreen!;
    expect(retiring.from).toMatchObject({ poolId: 'render', exists: true });
    expect(retiring.to).toMatchObject({ poolId: 'render-bg', currentDedicatedNodes: 10 });
    const reasons = w.kube.events.map((e) => e.reason);
    for (const r of ['BlueGreenStarted', 'BlueGreenSwitched', 'BlueGreenCompleted'])
      expect(reasons).toContain(r);
  });

  it('the next rollout goes back to the base pool ID', async () => {
    const w = await readyOnFirstImage();
    w.kube.updateSpec('vfx', 'render', { image: { id: NEW_IMAGE } });
    await w.run();
    w.kube.updateSpec('vfx', 'render', { vmSize: 'Standard_D8s_v5' });
    await w.run();
    expect(w.obj().status).toMatchObject({ phase: 'Ready', poolId: 'render' });
    expect([...w.azure.pools.keys()]).toEqual(['render']);
    expect(w.azure.pools.get('render')!.vmSize).toBe('Standard_D8s_v5');
  });

  it('a pass that dies after its Azure write, at any step, neither loses nor doubles a pool', async () => {
    for (let step = 0; step < 8; step++) {
      const w = await readyOnFirstImage();
      w.kube.updateSpec('vfx', 'render', { image: { id: NEW_IMAGE } });
      w.failStatusAt(step);
      await w.run();
      expect(w.obj().status, `killed at status write ${step}`).toMatchObject({
        phase: 'Ready',
        poolId: 'render-bg',
      });
      expect([...w.azure.pools.keys()], `killed at status write ${step}`).toEqual(['render-bg']);
      expect(w.azure.calls.filter((c) => c === 'create')).toHaveLength(1);
    }
  });

  it('a spec reverted while the new pool grows deletes the new pool and keeps the old one', async () => {
    const w = await readyOnFirstImage();
    w.kube.updateSpec('vfx', 'render', { image: { id: NEW_IMAGE } });
    await w.run(2); // the status names both pools, then the new pool is created
    expect(w.azure.pools.has('render-bg')).toBe(true);
    w.kube.updateSpec('vfx', 'render', { image: { id: IMAGE } });
    await w.run();
    expect(w.obj().status).toMatchObject({ phase: 'Ready', poolId: 'render' });
    expect([...w.azure.pools.keys()]).toEqual(['render']);
    expect(w.kube.events.map((e) => e.reason)).toContain('BlueGreenAborted');
  });

  it('refuses to use a pair ID that a pool it did not create holds', async () => {
    const w = await readyOnFirstImage();
    await foreignPair(w);
    w.azure.calls.length = 0;
    w.kube.updateSpec('vfx', 'render', { image: { id: NEW_IMAGE } });
    await w.run(5);
    expect(w.obj().status?.phase).toBe('Stalled');
    expect(w.obj().status?.conditions?.find((c) => c.type === 'Stalled')?.message).toContain(
      'needs pool ID render-bg',
    );
    expect(writes(w.azure.calls)).toEqual([]);
  });

  it('a pair ID held by a foreign pool is given up when another strategy is chosen', async () => {
    const w = await readyOnFirstImage();
    await foreignPair(w);
    w.kube.updateSpec('vfx', 'render', { image: { id: NEW_IMAGE } });
    await w.run(5);
    expect(w.obj().status?.phase).toBe('Stalled');
    w.kube.updateSpec('vfx', 'render', { updateStrategy: 'DrainAndUpdate' });
    await w.run();
    expect(w.obj().status).toMatchObject({ phase: 'Ready', poolId: 'render' });
    expect(w.obj().status?.update).toBeUndefined();
    expect(w.azure.pools.get('render')?.imageId).toBe(NEW_IMAGE);
    expect(w.azure.pools.get('render-bg')?.owner).toEqual({});
  });

  it('deleting the BatchPool during a rollout deletes both pools', async () => {
    const w = await readyOnFirstImage();
    w.kube.updateSpec('vfx', 'render', { image: { id: NEW_IMAGE } });
    await w.run(2);
    expect(w.azure.pools.size).toBe(2);
    w.kube.delete('vfx', 'render');
    for (let i = 0; i < 10 && w.kube.pools.has(KEY); i++) await w.run(1);
    expect(w.kube.pools.has(KEY)).toBe(false);
    expect(w.azure.pools.size).toBe(0);
  });

  it('does not create the new pool while a Secret it needs is missing, and the old pool keeps serving', async () => {
    const values = new Map([['render-secrets', 'pw']]);
    const secrets: SecretReader = {
      read: (_ns, name): Promise<SecretRead> =>
        Promise.resolve(
          values.has(name) ? { kind: 'ok', value: values.get(name)! } : { kind: 'SecretNotFound' },
        ),
    };
    const w = await readyOnFirstImage({
      spec: {
        userAccounts: [{ name: 'render', passwordSecretRef: { name: 'render-secrets', key: 'password' } }],
      },
      secrets,
    });
    w.kube.updateSpec('vfx', 'render', { image: { id: NEW_IMAGE } });
    await w.run(1); // the rollout names both pools
    expect(w.obj().status?.update?.state).toBe('Creating');
    values.clear(); // and the Secret goes before the new pool is made
    await w.run(5);
    expect(w.obj().status?.phase).toBe('Stalled');
    expect(w.obj().status?.conditions?.find((c) => c.type === 'Stalled')?.reason).toBe('SecretUnavailable');
    expect(writes(w.azure.calls)).toEqual([]);
    expect(w.azure.pools.get('render')?.currentDedicatedNodes).toBe(10);
  });
});

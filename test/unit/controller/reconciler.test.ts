import { describe, expect, it } from 'vitest';
import { FINALIZER, type BatchAccount, type BatchPool } from '../../../src/api/types.ts';
import { DEFAULT_SETTINGS } from '../../../src/controller/plan/index.ts';
import { AccountObserver } from '../../../src/azure/observer.ts';
import { CallError } from '../../../src/errors.ts';
import { reconcile, type ReconcilerDeps } from '../../../src/controller/reconciler.ts';
import { makeLogger } from '../../../src/log.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { MemoryKube } from '../../support/memory-kube.ts';
import { batchPool, IMAGE } from '../../support/fixtures.ts';
import { MemoryAzure } from '../../support/memory-azure.ts';

function world(pool: BatchPool = batchPool('render'), account?: Partial<BatchAccount['spec']>) {
  const kube = new MemoryKube();
  const azure = new MemoryAzure();
  azure.imageIds.add(IMAGE);
  const clock = new FakeClock();
  pool.metadata.finalizers = [];
  kube.put(pool);
  kube.accounts.set('acct', {
    apiVersion: 'batch.pooloperator.dev/v1alpha1',
    kind: 'BatchAccount',
    metadata: { name: 'acct' },
    spec: { endpoint: 'https://acct.example', allowedNamespaces: ['vfx'], ...account },
  });
  const order: string[] = [];
  azure.onCall = (op) => order.push(`azure.${op === 'image' ? 'exists' : op}`);
  const deps: ReconcilerDeps = {
    kube: new Proxy(kube, {
      get(t, prop, r) {
        const v = Reflect.get(t, prop, r) as unknown;
        if (typeof v === 'function' && prop !== 'put') {
          return (...args: unknown[]) => {
            order.push(`kube.${String(prop)}`);
            return (v as (...a: unknown[]) => unknown).apply(t, args);
          };
        }
        return v;
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
  };
  return { kube, azure, clock, deps, order, key: 'vfx/render', obj: () => kube.pools.get('vfx/render')! };
}

describe('reconcile', () => {
  it('puts the finalizer on before the first Azure call, checks the image before creating, writes status once', async () => {
    const w = world();
    const r = await reconcile(w.key, w.deps);
    expect(w.order).toEqual([
      'kube.getPool',
      'kube.addFinalizer',
      'azure.get',
      'azure.exists',
      'azure.create',
      'kube.patchStatus',
    ]);
    expect(w.obj().metadata.finalizers).toEqual([FINALIZER]);
    expect(w.obj().status?.phase).toBe('Creating');
    expect(r.requeueAfterMs).toBeLessThanOrEqual(33_000);
    expect(w.kube.events.map((e) => `${e.reason}/${e.action}`)).toEqual(['PoolCreating/Create']);
  });

  it('does not write status when nothing changed, and does not re-check the image every time', async () => {
    const w = world();
    await reconcile(w.key, w.deps);
    w.azure.settle('render');
    await reconcile(w.key, w.deps);
    expect(w.obj().status?.phase).toBe('Ready');
    w.order.length = 0;
    const r = await reconcile(w.key, w.deps);
    expect(w.order).toEqual(['kube.getPool', 'azure.get']);
    expect(r.requeueAfterMs).toBeGreaterThanOrEqual(DEFAULT_SETTINGS.steadyResyncMs);
  });

  it('touches neither Azure nor the finalizer for a namespace the account does not allow', async () => {
    const w = world(batchPool('render'), { allowedNamespaces: ['genomics'] });
    await reconcile(w.key, w.deps);
    expect(w.order).toEqual(['kube.getPool', 'kube.patchStatus']);
    expect(w.obj().status?.conditions?.find((c) => c.type === 'Stalled')?.reason).toBe('NamespaceNotAllowed');
  });

  it('uses the identity the account names', async () => {
    const w = world(batchPool('render'), { identity: { clientId: 'other-client' } });
    await reconcile(w.key, w.deps);
    expect(new Set(w.azure.clients)).toEqual(new Set(['other-client']));
  });

  it('keeps the old resize memory and lets the queue retry when a resize call fails', async () => {
    const w = world();
    await reconcile(w.key, w.deps);
    w.azure.settle('render', { dedicated: 4, error: 'AllocationFailed' });
    await reconcile(w.key, w.deps); // records the error, backs off
    await w.clock.advance(60_000);
    const before = structuredClone(w.obj().status?.resize);
    w.azure.failNext.set(
      'resize',
      new CallError('pool.resize', { kind: 'transient', status: 503, code: 'ServerBusy', message: 'busy' }),
    );
    await expect(reconcile(w.key, w.deps)).rejects.toBeInstanceOf(CallError);
    expect(w.obj().status?.resize).toEqual(before);
    expect(w.obj().status?.conditions?.find((c) => c.type === 'Reconciling')?.reason).toBe('AzureError');
    expect(w.kube.events.map((e) => e.reason)).not.toContain('ResizeIssued');
  });

  it('sends a resize on the ETag of the read it was decided on; a 412 is a conflict to look at again', async () => {
    const w = world();
    await reconcile(w.key, w.deps);
    w.azure.settle('render', { dedicated: 4, error: 'AllocationFailed' });
    await reconcile(w.key, w.deps);
    await w.clock.advance(60_000);
    w.azure.failNext.set(
      'resize',
      new CallError('pool.resize', {
        kind: 'conflict',
        status: 412,
        code: 'ConditionNotMet',
        message: 'changed',
      }),
    );
    const r = await reconcile(w.key, w.deps);
    const seen = (await w.azure.get('render'))?.eTag;
    expect(seen).toMatch(/^0x/);
    expect(w.azure.resizeIfMatch.at(-1)).toBe(seen);
    expect(r.requeueAfterMs).toBeLessThanOrEqual(DEFAULT_SETTINGS.resizingPollMs);
    expect(w.kube.events.map((e) => e.reason)).not.toContain('ResizeIssued');
  });

  it('treats a 409 from Azure as "look again at the next poll", not as an error', async () => {
    const w = world();
    w.azure.failNext.set(
      'create',
      new CallError('pool.add', { kind: 'conflict', status: 409, code: 'PoolExists', message: 'exists' }),
    );
    const r = await reconcile(w.key, w.deps);
    expect(r.requeueAfterMs).toBeLessThanOrEqual(DEFAULT_SETTINGS.resizingPollMs);
    expect(w.obj().status?.resize).toBeUndefined();
  });

  it('reports a spec Azure rejects as Stalled and does not hammer', async () => {
    const w = world();
    w.azure.failNext.set(
      'create',
      new CallError('pool.add', {
        kind: 'terminal',
        status: 400,
        code: 'InvalidPropertyValue',
        message: 'bad vmSize',
      }),
    );
    const r = await reconcile(w.key, w.deps);
    expect(r.requeueAfterMs).toBe(DEFAULT_SETTINGS.steadyResyncMs);
    expect(w.obj().status?.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'AzureRejected',
    });
    expect(w.kube.events.map((e) => e.reason)).toEqual(['AzureRejected']);
  });

  it('deletes, waits for the pool to go, then removes the finalizer (and never writes status after)', async () => {
    const w = world();
    await reconcile(w.key, w.deps);
    w.azure.settle('render');
    w.obj().metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    await reconcile(w.key, w.deps);
    expect(w.azure.pools.get('render')?.state).toBe('deleting');
    expect(w.obj().status?.phase).toBe('Deleting');
    await reconcile(w.key, w.deps);
    expect(w.kube.pools.has(w.key)).toBe(true);
    w.azure.pools.delete('render');
    w.order.length = 0;
    const r = await reconcile(w.key, w.deps);
    expect(w.order).toEqual(['kube.getPool', 'azure.get', 'kube.removeFinalizer']);
    expect(w.kube.pools.has(w.key)).toBe(false);
    expect(r).toEqual({});
  });

  it('does nothing for an object that is gone', async () => {
    const w = world();
    w.kube.pools.clear();
    expect(await reconcile(w.key, w.deps)).toEqual({});
    expect(w.order).toEqual(['kube.getPool']);
  });
});

describe('reconcile with the account observer', () => {
  async function readyWithObserver() {
    const w = world();
    const observer = new AccountObserver(w.azure, {
      clock: w.clock,
      busyMs: DEFAULT_SETTINGS.resizingPollMs,
      steadyMs: DEFAULT_SETTINGS.steadyResyncMs,
      onChange: () => {},
    });
    w.deps.observer = () => observer;
    // The fixture grows in steps: settle each resize until the pool is Ready.
    for (let i = 0; i < 10 && w.obj().status?.phase !== 'Ready'; i++) {
      await reconcile(w.key, w.deps);
      if (w.azure.pools.has('render')) w.azure.settle('render');
      await w.clock.advance(DEFAULT_SETTINGS.resizingPollMs);
    }
    expect(w.obj().status?.phase).toBe('Ready');
    // Past the short cadence: the view shows the pool steady, as the next reconciles will find it.
    await w.clock.advance(DEFAULT_SETTINGS.steadyResyncMs);
    await reconcile(w.key, w.deps);
    return { ...w, observer };
  }

  it('reads a steady pool from the account view: no GET once its settings were read at that ETag', async () => {
    const w = await readyWithObserver();
    w.order.length = 0;
    await w.clock.advance(DEFAULT_SETTINGS.steadyResyncMs);
    await reconcile(w.key, w.deps);
    await reconcile(w.key, w.deps);
    expect(w.order.filter((c) => c.startsWith('azure.') && c !== 'azure.exists')).toEqual([
      'azure.listObserved',
      'azure.listNodeCounts',
    ]);
    w.observer.stop();
  });

  it('GETs the pool before a write decided on the view, and decides again on what the GET shows', async () => {
    const w = await readyWithObserver();
    const pool = w.azure.pools.get('render')!;
    const target = pool.targetDedicatedNodes;
    // Someone shrinks the pool behind the operator's back; the view sees it; then it is put back.
    pool.currentDedicatedNodes = target - 1;
    await w.clock.advance(DEFAULT_SETTINGS.steadyResyncMs);
    pool.currentDedicatedNodes = target;
    w.order.length = 0;
    await reconcile(w.key, w.deps);
    expect(w.order.filter((c) => c.startsWith('azure.') && c !== 'azure.exists')).toEqual(['azure.get']);
    expect(w.obj().status?.phase).toBe('Ready');
    // Without the put-back, the GET confirms the view and the resize goes out.
    pool.currentDedicatedNodes = target - 1;
    await w.clock.advance(DEFAULT_SETTINGS.steadyResyncMs);
    w.order.length = 0;
    await reconcile(w.key, w.deps);
    expect(w.order.filter((c) => c.startsWith('azure.') && c !== 'azure.exists')).toEqual([
      'azure.get',
      'azure.resize',
    ]);
    w.observer.stop();
  });
});

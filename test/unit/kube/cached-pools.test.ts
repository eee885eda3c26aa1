import { describe, expect, it } from 'vitest';
import type { BatchPool } from '../../../src/api/types.ts';
import { CachedPools } from '../../../src/kube/cached-pools.ts';
import type { KubeApi } from '../../../src/kube/ports.ts';
import { batchPool } from '../../support/fixtures.ts';

function setup() {
  const cache = new Map<string, BatchPool>();
  let rv = 10;
  const gets: string[] = [];
  const writes: KubeApi = {
    getPool: (ns, name) => {
      gets.push(`${ns}/${name}`);
      return Promise.resolve(undefined);
    },
    getAccount: () => Promise.resolve(undefined),
    addFinalizer: (p, f) =>
      Promise.resolve({
        ...structuredClone(p),
        metadata: { ...p.metadata, finalizers: [f], resourceVersion: String(++rv) },
      }),
    removeFinalizer: () => Promise.resolve(),
    patchStatus: (p, _prev, next) =>
      Promise.resolve({
        ...structuredClone(p),
        status: next,
        metadata: { ...p.metadata, resourceVersion: String(++rv), managedFields: [{}] as never },
      }),
  };
  const pools = new CachedPools(writes, (ns, name) => cache.get(`${ns}/${name}`));
  const p = batchPool('render');
  p.metadata.resourceVersion = '10';
  cache.set('vfx/render', p);
  return { cache, pools, gets, p };
}

describe('CachedPools', () => {
  it('reads the cache, a copy of it, and GETs only what the cache does not hold', async () => {
    const s = setup();
    const got = await s.pools.getPool('vfx', 'render');
    expect(got).toEqual(s.p);
    got!.metadata.finalizers = ['changed'];
    expect(s.cache.get('vfx/render')!.metadata.finalizers).not.toEqual(['changed']);
    expect(await s.pools.getPool('vfx', 'other')).toBeUndefined();
    expect(s.gets).toEqual(['vfx/other']);
  });

  it('serves our own last write until the watch delivers that resourceVersion, older events notwithstanding', async () => {
    const s = setup();
    await s.pools.patchStatus(s.p, undefined, { phase: 'Ready' });
    expect((await s.pools.getPool('vfx', 'render'))?.status?.phase).toBe('Ready');
    expect((await s.pools.getPool('vfx', 'render'))?.metadata).not.toHaveProperty('managedFields');
    // An event from before the write (another resourceVersion) does not end it...
    const older = { ...s.p, metadata: { ...s.p.metadata, resourceVersion: '10' } };
    s.pools.seen(older);
    expect((await s.pools.getPool('vfx', 'render'))?.status?.phase).toBe('Ready');
    // ...the write's own event does, and the cache is read again.
    const caught = {
      ...s.p,
      status: { phase: 'Ready' as const },
      metadata: { ...s.p.metadata, resourceVersion: '11' },
    };
    s.cache.set('vfx/render', caught);
    s.pools.seen(caught);
    s.cache.set('vfx/render', { ...caught, status: { phase: 'Resizing' as const } });
    expect((await s.pools.getPool('vfx', 'render'))?.status?.phase).toBe('Resizing');
  });

  it('keeps nothing when the watch was first, and forgets on delete and relist', async () => {
    const s = setup();
    const stored = await s.pools.addFinalizer(s.p, 'f');
    s.cache.set('vfx/render', { ...stored, metadata: { ...stored.metadata, finalizers: ['f', 'other'] } });
    expect((await s.pools.getPool('vfx', 'render'))?.metadata.finalizers).toEqual(['f']);
    s.pools.relisted();
    expect((await s.pools.getPool('vfx', 'render'))?.metadata.finalizers).toEqual(['f', 'other']);
    await s.pools.patchStatus(s.p, undefined, { phase: 'Ready' });
    s.pools.gone(s.p);
    expect((await s.pools.getPool('vfx', 'render'))?.status?.phase).toBeUndefined();
    // The event for rv 13 arrives before the write answers: nothing is kept.
    s.cache.set('vfx/render', { ...s.p, metadata: { ...s.p.metadata, resourceVersion: '13' } });
    await s.pools.patchStatus(s.p, undefined, { phase: 'Ready' });
    expect((await s.pools.getPool('vfx', 'render'))?.status?.phase).toBeUndefined();
  });
});

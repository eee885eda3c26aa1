import { describe, expect, it } from 'vitest';
import { AccountObserver } from '../../../src/azure/observer.ts';
import type { PoolNodeCounts, PoolSnapshot } from '../../../src/azure/ports.ts';
import { FakeClock } from '../../support/fake-clock.ts';

function snapshot(id: string, o: Partial<PoolSnapshot> = {}): PoolSnapshot {
  return {
    id,
    eTag: '0x1',
    state: 'active',
    allocationState: 'steady',
    currentDedicatedNodes: 2,
    currentLowPriorityNodes: 0,
    targetDedicatedNodes: 2,
    targetLowPriorityNodes: 0,
    resizeErrors: [],
    owner: {},
    ...o,
  };
}

function setup() {
  const clock = new FakeClock();
  const pools = new Map<string, PoolSnapshot>([
    ['a', snapshot('a')],
    ['b', snapshot('b')],
  ]);
  const counts = new Map<string, PoolNodeCounts>();
  let lists = 0;
  const changes: string[][] = [];
  const source = {
    listObserved: async () => {
      lists++;
      await Promise.resolve();
      return [...pools.values()].map((p) => structuredClone(p));
    },
    listNodeCounts: () => Promise.resolve(new Map(counts)),
  };
  const observer = new AccountObserver(source, {
    clock,
    busyMs: 30_000,
    steadyMs: 300_000,
    onChange: (ids) => changes.push(ids),
  });
  return { clock, pools, observer, changes, lists: () => lists };
}

describe('AccountObserver', () => {
  it('serves every concurrent first look from one pair of list calls', async () => {
    const s = setup();
    const views = await Promise.all([1, 2, 3].map(() => s.observer.view(s.clock.now())));
    expect(s.lists()).toBe(1);
    expect(views[0]!.pools.get('a')?.currentDedicatedNodes).toBe(2);
    expect(views[1]).toBe(views[0]);
    s.observer.stop();
  });

  it('looks again after the long cadence when all pools are steady, and the short one while one resizes', async () => {
    const s = setup();
    await s.observer.view(s.clock.now());
    await s.clock.advance(299_000);
    expect(s.lists()).toBe(1);
    await s.clock.advance(1_000);
    expect(s.lists()).toBe(2);
    s.pools.set('b', snapshot('b', { allocationState: 'resizing', targetDedicatedNodes: 10 }));
    await s.clock.advance(300_000);
    expect(s.lists()).toBe(3);
    await s.clock.advance(30_000);
    expect(s.lists()).toBe(4);
    s.observer.stop();
  });

  it('names exactly the pools that changed, appeared or disappeared', async () => {
    const s = setup();
    await s.observer.view(s.clock.now());
    s.pools.set('a', snapshot('a', { currentDedicatedNodes: 1 }));
    s.pools.delete('b');
    s.pools.set('c', snapshot('c'));
    await s.clock.advance(300_000);
    expect(s.changes).toEqual([['a', 'b', 'c']]);
    await s.clock.advance(300_000);
    expect(s.changes).toHaveLength(1);
    s.observer.stop();
  });

  it('says a pool written after the view began needs a GET, and looks again within the short cadence', async () => {
    const s = setup();
    const v1 = await s.observer.view(s.clock.now());
    await s.clock.advance(1_000);
    s.observer.wrote('a');
    expect(s.observer.writtenSince('a', v1)).toBe(true);
    expect(s.observer.writtenSince('b', v1)).toBe(false);
    await s.clock.advance(30_000);
    expect(s.lists()).toBe(2);
    const v2 = await s.observer.view(s.clock.now() - 60_000);
    expect(s.observer.writtenSince('a', v2)).toBe(false);
    s.observer.stop();
  });

  it('keeps settings only for the ETag they were read at', () => {
    const s = setup();
    s.observer.remember({ ...snapshot('a'), settings: { vmSize: 'standard_d2s_v5' } as never });
    expect(s.observer.settings('a', '0x1')).toEqual({ vmSize: 'standard_d2s_v5' });
    expect(s.observer.settings('a', '0x2')).toBeUndefined();
    expect(s.observer.settings('a', undefined)).toBeUndefined();
  });

  it('stops looking when no reconcile has asked for a while, and starts again when one does', async () => {
    const s = setup();
    await s.observer.view(s.clock.now());
    await s.clock.advance(3_000_000);
    const after = s.lists();
    await s.clock.advance(3_000_000);
    expect(s.lists()).toBe(after);
    await s.observer.view(s.clock.now());
    expect(s.lists()).toBe(after + 1);
    s.observer.stop();
  });

  it('looks just after a resize deadline, unless a tick began at or after it anyway', async () => {
    const s = setup();
    s.pools.set('b', snapshot('b', { allocationState: 'resizing', targetDedicatedNodes: 10 }));
    await s.observer.view(s.clock.now());
    const start = s.clock.now();
    // Between two busy ticks (30 s and 60 s): one more look, a second after the deadline.
    s.observer.lookAt(start + 40_000);
    await s.clock.advance(30_000);
    expect(s.lists()).toBe(2);
    await s.clock.advance(10_999);
    expect(s.lists()).toBe(2);
    await s.clock.advance(1);
    expect(s.lists()).toBe(3);
    // The busy cadence goes on from that look.
    await s.clock.advance(30_000);
    expect(s.lists()).toBe(4);
    // A deadline that falls on a busy tick costs no tick of its own.
    s.observer.lookAt(s.clock.now() + 30_000);
    await s.clock.advance(31_000);
    expect(s.lists()).toBe(5);
    await s.clock.advance(29_000);
    expect(s.lists()).toBe(6);
    // A deadline long past asks for nothing.
    s.observer.lookAt(start);
    await s.clock.advance(29_999);
    expect(s.lists()).toBe(6);
    s.observer.stop();
  });
});

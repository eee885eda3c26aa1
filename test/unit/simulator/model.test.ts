// The allocation model on its own, with a clock that moves only when told: the timing rules,
// image limits and faults that the HTTP tests then check through the real SDKs.
import { describe, expect, test } from 'vitest';
import { manualClock } from '../../../src/simulator/clock.ts';
import { Faults } from '../../../src/simulator/faults.ts';
import { countsAt, planResize } from '../../../src/simulator/state/allocation.ts';
import { BatchError } from '../../../src/simulator/state/errors.ts';
import { BatchAccount } from '../../../src/simulator/state/account.ts';
import { ImageStore } from '../../../src/simulator/state/images.ts';
import { PoolModel } from '../../../src/simulator/state/pools.ts';

// A gallery image version: Azure has refused managed images for pools since 31 March 2026.
const IMAGE =
  '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/img/versions/1.0.0';
// Far above Azure's default quotas: these tests are about allocation, not the account's quotas
// (today-data-plane.test.ts covers those).
const ROOMY = { pools: 10_000, dedicatedCores: 1_000_000, lowPriorityCores: 1_000_000 };
const MIN = 60_000;

function world(allocation = {}) {
  const clock = manualClock();
  const images = new ImageStore();
  images.put(IMAGE, {}, { createParents: true });
  const faults = new Faults(7, allocation);
  const pools = new PoolModel({ clock, images, faults, account: new BatchAccount({ quotas: ROOMY }) });
  const add = (id: string, dedicated: number, lowPriority = 0, extra: Record<string, unknown> = {}) =>
    pools.add({
      id,
      vmSize: 'STANDARD_D2S_V3',
      virtualMachineConfiguration: {
        imageReference: { virtualMachineImageId: IMAGE },
        nodeAgentSKUId: 'batch.node.ubuntu 22.04',
      },
      targetDedicatedNodes: dedicated,
      targetLowPriorityNodes: lowPriority,
      ...extra,
    });
  return { clock, images, faults, pools, add };
}

function batchError(fn: () => unknown): BatchError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BatchError) return err;
    throw err;
  }
  throw new Error('expected a BatchError');
}

describe('resize plans', () => {
  const timing = { bootDelayMs: 90_000, nodesPerMinute: 300, shrinkDelayMs: 30_000 };

  test('nodes arrive after the boot delay at the configured rate and the plan ends when all are there', () => {
    const plan = planResize({
      startedAt: 0,
      from: { dedicated: 0, lowPriority: 0 },
      target: { dedicated: 600, lowPriority: 0 },
      reach: { dedicated: 600, lowPriority: 0 },
      timeoutMs: 15 * MIN,
      timing,
    });
    expect(countsAt(plan, 89_000).dedicated).toBe(0);
    expect(countsAt(plan, 90_000 + MIN).dedicated).toBe(300);
    expect(plan.endAt).toBe(90_000 + 2 * MIN);
    expect(plan.errors).toEqual([]);
  });

  test('a resize slower than its timeout ends at the deadline with AllocationTimedout for the short node type', () => {
    const plan = planResize({
      startedAt: 0,
      from: { dedicated: 0, lowPriority: 0 },
      target: { dedicated: 3000, lowPriority: 0 },
      reach: { dedicated: 3000, lowPriority: 0 },
      timeoutMs: 5 * MIN,
      timing,
    });
    expect(plan.endAt).toBe(5 * MIN);
    expect(plan.final.dedicated).toBe(Math.floor(((5 * MIN - 90_000) * 300) / MIN));
    expect(plan.errors).toEqual([
      {
        code: 'AllocationTimedout',
        message: 'Desired number of dedicated nodes could not be allocated as the resize timeout was reached',
      },
    ]);
  });

  test('each node type that falls short gets its own timeout error', () => {
    const plan = planResize({
      startedAt: 0,
      from: { dedicated: 0, lowPriority: 0 },
      target: { dedicated: 2000, lowPriority: 2000 },
      reach: { dedicated: 2000, lowPriority: 2000 },
      timeoutMs: 5 * MIN,
      timing,
    });
    expect(plan.errors.map((e) => e.message)).toEqual([
      'Desired number of dedicated nodes could not be allocated as the resize timeout was reached',
      'Desired number of low priority nodes could not be allocated as the resize timeout was reached',
    ]);
  });

  test('shrinking removes nodes after the shrink delay and ends without errors', () => {
    const plan = planResize({
      startedAt: 0,
      from: { dedicated: 10, lowPriority: 4 },
      target: { dedicated: 2, lowPriority: 4 },
      reach: { dedicated: 2, lowPriority: 4 },
      timeoutMs: 15 * MIN,
      timing,
    });
    expect(countsAt(plan, 29_000)).toEqual({ dedicated: 10, lowPriority: 4 });
    expect(countsAt(plan, 30_000)).toEqual({ dedicated: 2, lowPriority: 4 });
    expect(plan.errors).toEqual([]);
  });
});

describe('pool model', () => {
  test('a new pool is resizing, fills up as simulated time passes, then is steady', () => {
    const { clock, pools, add } = world();
    add('p', 5);
    expect(pools.get('p')?.allocationState).toBe('resizing');
    clock.advance(90_000 + 400); // boot delay + two nodes at 300/min
    expect(pools.currentCounts(pools.get('p')!)).toEqual({ dedicated: 2, lowPriority: 0 });
    clock.advance(MIN);
    const pool = pools.get('p')!;
    expect(pool.allocationState).toBe('steady');
    expect(pool.current).toEqual({ dedicated: 5, lowPriority: 0 });
    expect(pool.resizeErrors).toEqual([]);
  });

  test('a resize while resizing is a 409 with the ongoing-resize message; the code can be configured', () => {
    const { pools, add } = world();
    add('p', 5);
    const err = batchError(() => pools.resize('p', { targetDedicatedNodes: 7 }));
    expect([err.status, err.code, err.message]).toEqual([
      409,
      'OperationInvalidForCurrentState',
      'The specified pool has an ongoing resize operation.',
    ]);
    const clock = manualClock();
    const images = new ImageStore();
    const other = new PoolModel({
      clock,
      images,
      faults: new Faults(1),
      resizeConflictCode: 'PoolBeingResized',
    });
    other.add({
      id: 'q',
      vmSize: 'Standard_D2s_v5',
      virtualMachineConfiguration: {
        imageReference: { publisher: 'p', offer: 'o', sku: 's' },
        nodeAgentSKUId: 'batch.node.ubuntu 22.04',
      },
      targetDedicatedNodes: 1,
    });
    expect(batchError(() => other.resize('q', { targetDedicatedNodes: 2 })).code).toBe('PoolBeingResized');
  });

  test('a resize error stays on the pool until the next resize', () => {
    const { clock, pools, faults, add } = world();
    faults.failNextResizes('p', 1);
    add('p', 5);
    clock.advance(10 * MIN);
    expect(pools.get('p')?.resizeErrors.map((e) => e.code)).toEqual(['AllocationFailed']);
    clock.advance(60 * MIN);
    expect(pools.get('p')?.resizeErrors.map((e) => e.code)).toEqual(['AllocationFailed']);
    pools.resize('p', { targetDedicatedNodes: 5 });
    expect(pools.get('p')?.resizeErrors).toEqual([]);
    clock.advance(10 * MIN);
    expect(pools.get('p')?.current.dedicated).toBe(5);
    expect(pools.get('p')?.resizeErrors).toEqual([]);
  });

  test('pools sharing a custom image (IDs compared case-insensitively) share its 2,500 dedicated nodes', () => {
    const { clock, pools, images, add } = world();
    images.put(IMAGE.toUpperCase(), {}, { createParents: true });
    add('a', 2000);
    pools.add({
      id: 'b',
      vmSize: 'Standard_D2s_v5',
      virtualMachineConfiguration: {
        imageReference: { virtualMachineImageId: IMAGE.toUpperCase() },
        nodeAgentSKUId: 'batch.node.ubuntu 22.04',
      },
      targetDedicatedNodes: 1000,
    });
    clock.advance(60 * MIN);
    expect(pools.get('a')?.current.dedicated).toBe(2000);
    const b = pools.get('b')!;
    expect(b.current.dedicated).toBe(500);
    expect(b.resizeErrors[0]?.code).toBe('AllocationFailed');
  });

  test('low-priority nodes are limited to 1,000 per image', () => {
    const { clock, pools, add } = world();
    add('a', 0, 800);
    add('b', 0, 800);
    clock.advance(60 * MIN);
    expect(pools.get('b')?.current.lowPriority).toBe(200);
    expect(pools.get('b')?.resizeErrors[0]?.code).toBe('AllocationFailed');
  });

  test('after its image is deleted, every growing resize of the pool fails with AllocationFailed', () => {
    const { clock, pools, images, add } = world();
    add('p', 2);
    clock.advance(10 * MIN);
    images.delete(IMAGE);
    for (let i = 0; i < 2; i++) {
      pools.resize('p', { targetDedicatedNodes: 4 + i });
      clock.advance(10 * MIN);
      const pool = pools.get('p')!;
      expect(pool.current.dedicated).toBe(2);
      expect(pool.resizeErrors[0]?.code).toBe('AllocationFailed');
      expect(pool.resizeErrors[0]?.message).toContain(
        'There was an error encountered while performing the last resize on the pool.',
      );
    }
    // Shrinking needs no image.
    pools.resize('p', { targetDedicatedNodes: 1 });
    clock.advance(10 * MIN);
    expect(pools.get('p')?.current.dedicated).toBe(1);
    expect(pools.get('p')?.resizeErrors).toEqual([]);
  });

  test('stop-resize keeps the nodes there are, goes stopping then steady with ResizeStopped', () => {
    const { clock, pools, add } = world();
    add('p', 100);
    clock.advance(90_000 + 10_000); // 50 nodes in
    pools.stopResize('p');
    expect(pools.get('p')?.allocationState).toBe('stopping');
    clock.advance(5_000);
    const pool = pools.get('p')!;
    expect(pool.allocationState).toBe('steady');
    expect(pool.current.dedicated).toBe(50);
    expect(pool.resizeErrors[0]?.code).toBe('ResizeStopped');
  });

  test('a deleted pool is deleting, refuses changes with PoolBeingDeleted, then disappears', () => {
    const { clock, pools, add } = world();
    add('p', 1);
    pools.delete('p');
    expect(pools.get('p')?.state).toBe('deleting');
    expect(batchError(() => pools.resize('p', { targetDedicatedNodes: 3 })).code).toBe('PoolBeingDeleted');
    expect(batchError(() => pools.patch('p', {})).code).toBe('PoolBeingDeleted');
    expect(batchError(() => pools.delete('p')).code).toBe('PoolBeingDeleted');
    clock.advance(61_000);
    expect(pools.get('p')).toBeUndefined();
    expect(batchError(() => pools.resize('p', { targetDedicatedNodes: 3 })).code).toBe('PoolNotFound');
  });

  test('a cap per resize leaves big pools short until the timeout: several resizes reach the target', () => {
    const { clock, pools, add } = world({ maxNodesPerResize: 250 });
    add('p', 600, 0, { resizeTimeout: 'PT10M' });
    let resizes = 1;
    for (;;) {
      clock.advance(10 * MIN);
      const pool = pools.get('p')!;
      expect(pool.allocationState).toBe('steady');
      if (pool.current.dedicated === 600) break;
      expect(pool.resizeErrors[0]?.code).toBe('AllocationTimedout');
      pools.resize('p', { targetDedicatedNodes: 600, resizeTimeout: 'PT10M' });
      resizes++;
    }
    expect(resizes).toBe(3);
  });

  test('the same seed gives the same random failures, whatever the order pools are made in', () => {
    const outcome = (seed: number, reversed = false) => {
      const clock = manualClock();
      const images = new ImageStore();
      const faults = new Faults(seed, { failureProbability: 0.5 });
      const pools = new PoolModel({ clock, images, faults, account: new BatchAccount({ quotas: ROOMY }) });
      const order = Array.from({ length: 20 }, (_, i) => i);
      if (reversed) order.reverse();
      for (const i of order)
        pools.add({
          id: `p${i}`,
          vmSize: 'Standard_D2s_v5',
          virtualMachineConfiguration: {
            imageReference: { publisher: 'a', offer: 'b', sku: 'c' },
            nodeAgentSKUId: 'batch.node.ubuntu 22.04',
          },
          targetDedicatedNodes: 10,
        });
      clock.advance(60 * MIN);
      return pools.list().map((p) => p.current.dedicated);
    };
    expect(outcome(42)).toEqual(outcome(42));
    expect(outcome(42, true)).toEqual(outcome(42));
    expect(outcome(42)).not.toEqual(outcome(43));
    expect(outcome(42).some((n) => n < 10)).toBe(true);
  });

  test('validation: bad ids, short resize timeouts, missing targets and missing images are 400s', () => {
    const { pools, add } = world();
    expect(batchError(() => add('bad id!', 1)).values?.[0]).toEqual({ key: 'PropertyName', value: 'id' });
    const short = batchError(() => add('p', 1, 0, { resizeTimeout: 'PT4M' }));
    expect([short.status, short.code, short.values?.[0]?.value]).toEqual([
      400,
      'InvalidPropertyValue',
      'resizeTimeout',
    ]);
    add('p', 1);
    expect(batchError(() => add('p', 1)).code).toBe('PoolExists');
    const missing = batchError(() => pools.resize('nope', {}));
    expect([missing.code, missing.values?.[0]?.value]).toEqual([
      'MissingRequiredProperty',
      'targetDedicatedNodes and/or targetLowPriorityNodes',
    ]);
    const image = batchError(() =>
      pools.add({
        id: 'q',
        vmSize: 'Standard_D2s_v5',
        virtualMachineConfiguration: {
          imageReference: { virtualMachineImageId: `${IMAGE}-gone` },
          nodeAgentSKUId: 'batch.node.ubuntu 22.04',
        },
        targetDedicatedNodes: 1,
      }),
    );
    expect([image.status, image.code, image.values?.[0]?.value]).toEqual([
      400,
      'InvalidPropertyValue',
      'virtualMachineImageId',
    ]);
  });

  test('5,000 pools on one image settle on access, with the limit check kept incremental', () => {
    const { clock, pools, add } = world({ customImageDedicatedLimit: 1_000_000 });
    for (let i = 0; i < 5000; i++) add(`pool-${String(i).padStart(4, '0')}`, 2);
    clock.advance(10 * MIN);
    const all = pools.list();
    expect(all).toHaveLength(5000);
    expect(all.every((p) => p.allocationState === 'steady' && p.current.dedicated === 2)).toBe(true);
  });

  test('PATCH changes startTask and metadata on a pool with nodes, but the empty-pool-only fields only once it is empty', () => {
    const { clock, pools, images, add } = world();
    add('p', 2);
    clock.advance(10 * MIN);
    const before = pools.get('p')!;
    pools.patch('p', {
      metadata: [{ name: 'team', value: 'render' }],
      startTask: { commandLine: '/bin/true' },
    });
    expect(pools.get('p')?.spec.metadata).toEqual([{ name: 'team', value: 'render' }]);
    expect(pools.get('p')?.spec.startTask).toMatchObject({ commandLine: '/bin/true' });

    const refused = batchError(() => pools.patch('p', { vmSize: 'Standard_D4s_v5', metadata: [] }));
    expect([refused.status, refused.code, refused.values?.[0]]).toEqual([
      400,
      'PropertyCannotBeUpdated',
      { key: 'PropertyName', value: 'vmSize' },
    ]);
    // Nothing of a refused PATCH is applied.
    expect(pools.get('p')?.spec.metadata).toEqual([{ name: 'team', value: 'render' }]);
    expect(pools.get('p')?.spec.vmSize).toBe(before.spec.vmSize);

    // Drained to zero: the VM size and the image can change, and are checked as a create checks them.
    pools.resize('p', { targetDedicatedNodes: 0 });
    expect(batchError(() => pools.patch('p', { displayName: 'draining' })).code).toBe(
      'PropertyCannotBeUpdated',
    );
    clock.advance(10 * MIN);
    const next = `${IMAGE.slice(0, IMAGE.lastIndexOf('/'))}/2.0.0`;
    images.put(next, {}, { createParents: true });
    pools.patch('p', {
      vmSize: 'Standard_D4s_v5',
      virtualMachineConfiguration: {
        imageReference: { virtualMachineImageId: next },
        nodeAgentSKUId: 'batch.node.ubuntu 22.04',
      },
    });
    const patched = pools.get('p')!;
    expect(patched.spec.vmSize).toBe('standard_d4s_v5');
    expect(patched.imageKey).toBe(next.toLowerCase());
    expect(patched.spec.metadata).toEqual([{ name: 'team', value: 'render' }]);
    const unknown = batchError(() => pools.patch('p', { vmSize: 'Standard_Nope' }));
    expect([unknown.code, unknown.values?.[0]?.value]).toEqual(['InvalidPropertyValue', 'vmSize']);
    // Grown back, the pool's nodes come from the new image.
    pools.resize('p', { targetDedicatedNodes: 3 });
    clock.advance(10 * MIN);
    expect(pools.get('p')?.current.dedicated).toBe(3);
  });
});

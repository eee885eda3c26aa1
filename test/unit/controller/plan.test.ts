import { describe, expect, it } from 'vitest';
import type { BatchPool, BatchPoolStatus } from '../../../src/api/types.ts';
import { findCondition } from '../../../src/controller/conditions.ts';
import {
  DEFAULT_SETTINGS,
  imageUsage,
  needsImageCheck,
  nextStep,
  plan,
  resizeDeadline,
  type PlanResult,
} from '../../../src/controller/plan/index.ts';
import {
  batchPool,
  deleting,
  found,
  gone,
  IMAGE,
  input,
  iso,
  ownerEntries,
  paused,
  snapshot,
  T0,
} from '../../support/fixtures.ts';

const checked = (exists = true, at = T0): BatchPoolStatus['image'] => ({
  id: IMAGE,
  exists,
  checkedAt: iso(at),
  ...(exists && {
    source: 'Gallery' as const,
    versionId: IMAGE,
    provisioningState: 'Succeeded',
    replication: 'Completed',
    region: 'westeurope',
    osType: 'Linux',
  }),
});
const agentChecked = (at = T0): BatchPoolStatus['nodeAgent'] => ({
  skuId: 'batch.node.ubuntu 22.04',
  supported: true,
  endOfLife: '2027-06-30T00:00:00Z',
  checkedAt: iso(at),
});
const cond = (r: PlanResult, type: 'Ready' | 'Reconciling' | 'Stalled' | 'ImageAvailable') =>
  findCondition(r.status.conditions, type);
const kinds = (r: PlanResult) => r.events.map((e) => `${e.type}/${e.reason}`);

/** A pool that was asked (by us) for `target` at T0 - 10 min and has been working on it since. */
function issued(target: number, extra: Partial<BatchPoolStatus> = {}, spec: Partial<BatchPool['spec']> = {}) {
  return batchPool('render', {
    spec: { targetDedicatedNodes: target, ...spec },
    status: {
      observedGeneration: 1,
      phase: 'Resizing',
      image: checked(true, T0 - 60_000),
      nodeAgent: agentChecked(T0 - 60_000),
      resize: {
        attempts: 1,
        lastIssuedAt: iso(T0 - 600_000),
        lastTarget: { dedicated: target, lowPriority: 0 },
      },
      ...extra,
    },
  });
}

describe('plan: create', () => {
  it('waits for an image check before creating', () => {
    const r = plan(input(batchPool(), { observed: { pool: undefined } }));
    expect(r.action.kind).toBe('none');
    expect(r.status.phase).toBe('Pending');
    expect(cond(r, 'ImageAvailable')?.status).toBe('Unknown');
  });

  it('creates once the image is confirmed, with owner metadata and the exact image ID', () => {
    const obj = batchPool('render', { spec: { metadata: [{ name: 'team', value: 'fx' }] } });
    const r = plan(input(obj, { observed: { pool: undefined }, imageCheck: found() }));
    expect(r.action).toMatchObject({
      kind: 'create',
      params: {
        id: 'render',
        imageId: IMAGE,
        targetDedicatedNodes: 10,
        targetLowPriorityNodes: 0,
        resizeTimeout: 'PT20M',
      },
    });
    if (r.action.kind !== 'create') throw new Error();
    expect(r.action.params.metadata).toEqual([{ name: 'team', value: 'fx' }, ...ownerEntries(obj)]);
    expect(r.status.phase).toBe('Creating');
    expect(r.status.resize).toMatchObject({
      attempts: 1,
      lastIssuedAt: iso(T0),
      lastTarget: { dedicated: 10, lowPriority: 0 },
    });
    expect(cond(r, 'Reconciling')).toMatchObject({ status: 'True', reason: 'Creating' });
    expect(cond(r, 'ImageAvailable')?.status).toBe('True');
    expect(kinds(r)).toEqual(['Normal/PoolCreating']);
  });

  it('creates with the first step when maxNodesPerResize is set', () => {
    const obj = batchPool('render', {
      spec: { targetDedicatedNodes: 10, resizeStrategy: { maxNodesPerResize: 4 } },
    });
    const r = plan(input(obj, { observed: { pool: undefined }, imageCheck: found() }));
    expect(r.action).toMatchObject({ kind: 'create', params: { targetDedicatedNodes: 4 } });
  });

  it('does not create when the image is missing, and says why with the image ID and advice', () => {
    const r = plan(input(batchPool(), { observed: { pool: undefined }, imageCheck: gone() }));
    expect(r.action.kind).toBe('none');
    expect(r.status.phase).toBe('Stalled');
    expect(cond(r, 'Stalled')).toMatchObject({ status: 'True', reason: 'ImageNotFound' });
    expect(cond(r, 'Stalled')?.message).toContain(IMAGE);
    expect(cond(r, 'Stalled')?.message).toMatch(/must exist for the whole life of a pool/);
    expect(cond(r, 'ImageAvailable')).toMatchObject({ status: 'False', reason: 'ImageNotFound' });
    expect(kinds(r)).toEqual(['Warning/ImageNotFound']);
    expect(r.requeueAfterMs).toBe(DEFAULT_SETTINGS.imageRecheckMs);
  });

  it('re-creates a pool deleted out of band and says so', () => {
    const r = plan(
      input(issued(10, { phase: 'Ready' }), { observed: { pool: undefined }, imageCheck: found() }),
    );
    expect(r.action.kind).toBe('create');
    expect(kinds(r)).toEqual(['Warning/PoolRecreated', 'Normal/PoolCreating']);
  });
});

describe('plan: grow to target', () => {
  it('waits while Azure resizes towards the target, polling soon', () => {
    const obj = issued(10);
    const r = plan(
      input(obj, { observed: { pool: snapshot({ allocationState: 'resizing', currentDedicatedNodes: 3 }) } }),
    );
    expect(r.action.kind).toBe('none');
    expect(r.status).toMatchObject({
      phase: 'Resizing',
      allocationState: 'resizing',
      currentDedicatedNodes: 3,
    });
    expect(r.requeueAfterMs).toBeLessThanOrEqual(DEFAULT_SETTINGS.resizingPollMs * 1.1);
  });

  it('is Ready at target and looks again no sooner than the resync period', () => {
    const r = plan(input(issued(10), { observed: { pool: snapshot() } }));
    expect(r.action.kind).toBe('none');
    expect(r.status.phase).toBe('Ready');
    expect(cond(r, 'Ready')).toMatchObject({
      status: 'True',
      reason: 'TargetReached',
      observedGeneration: 1,
    });
    expect(cond(r, 'Reconciling')?.status).toBe('False');
    expect(cond(r, 'Stalled')?.status).toBe('False');
    expect(r.requeueAfterMs).toBeGreaterThanOrEqual(DEFAULT_SETTINGS.steadyResyncMs);
    expect(r.requeueAfterMs).toBeLessThanOrEqual(DEFAULT_SETTINGS.steadyResyncMs * 1.25);
    expect(kinds(r)).toEqual(['Normal/TargetReached']);
    const again = plan(input({ ...issued(10), status: r.status }, { observed: { pool: snapshot() } }));
    expect(again.events).toEqual([]);
  });

  it.each([
    [
      'There was an error encountered while performing the last resize on the pool. Please try resizing the pool again.',
    ],
    ['There was an error encountered while performing the last resize on the pool'],
  ])('says "%s" in the ResizeError event with exactly one period before the retry', (message) => {
    const pool = snapshot({
      currentDedicatedNodes: 6,
      resizeErrors: [{ code: 'AllocationFailed', message }],
    });
    const r = plan(input(issued(10), { observed: { pool }, imageCheck: found() }));
    expect(r.events).toHaveLength(1);
    expect(r.events[0]?.message).toMatch(
      /ended with AllocationFailed at 6 dedicated \(attempt 1\): There was an error encountered while performing the last resize on the pool(\. Please try resizing the pool again)?\. Retrying in 30s\.$/,
    );
    expect(r.events[0]?.message).not.toMatch(/\.\./);
  });

  for (const code of ['AllocationTimedout', 'ALLOCATIONTIMEDOUT', 'AllocationTimedOut']) {
    it(`re-issues at once after ${code}: the resize already waited its whole timeout`, () => {
      const pool = snapshot({ currentDedicatedNodes: 6, resizeErrors: [{ code, message: 'short' }] });
      const first = plan(input(issued(10), { observed: { pool }, imageCheck: found() }));
      expect(first.action.kind).toBe('none');
      expect(first.requeueAfterMs).toBe(1_000);
      expect(first.status.resize?.lastError).toEqual({ code, message: 'short', observedAt: iso(T0) });
      expect(kinds(first)).toEqual(['Warning/ResizeError']);
      expect(first.events[0]?.message).toMatch(/Re-issuing it now: it already waited its resizeTimeout\.$/);

      const later = { ...issued(10), status: first.status };
      const r = plan(input(later, { observed: { pool }, now: T0 + 1_000 }));
      expect(r.action).toMatchObject({
        kind: 'resize',
        params: { targetDedicatedNodes: 10, targetLowPriorityNodes: 0 },
      });
      expect(r.status.phase).toBe('Resizing');
      expect(r.status.resize).toMatchObject({ attempts: 2, lastIssuedAt: iso(T0 + 1_000) });
      expect(r.status.resize?.lastError?.code).toBe(code);
      expect(kinds(r)).toEqual(['Normal/ResizeIssued']);
    });
  }

  for (const code of ['AllocationFailed', 'allocationfailed']) {
    it(`backs off after ${code}, then re-issues the resize`, () => {
      const pool = snapshot({ currentDedicatedNodes: 6, resizeErrors: [{ code, message: 'short' }] });
      const first = plan(input(issued(10), { observed: { pool }, imageCheck: found() }));
      expect(first.action.kind).toBe('none');
      expect(first.status.phase).toBe('Backoff');
      expect(first.status.resize?.lastError).toEqual({ code, message: 'short', observedAt: iso(T0) });
      expect(first.status.resize?.nextAttemptAt).toBe(iso(T0 + 30_000)); // random 0.5 → no jitter
      expect(first.requeueAfterMs).toBe(30_000);
      expect(kinds(first)).toEqual(['Warning/ResizeError']);
      expect(cond(first, 'Reconciling')).toMatchObject({ status: 'True', reason: 'Backoff' });

      const later = { ...issued(10), status: first.status };
      const early = plan(input(later, { observed: { pool }, now: T0 + 29_000 }));
      expect(early.action.kind).toBe('none');
      expect(early.events).toEqual([]);

      const second = plan(input(later, { observed: { pool }, now: T0 + 30_000 }));
      expect(second.action).toMatchObject({
        kind: 'resize',
        params: { targetDedicatedNodes: 10, targetLowPriorityNodes: 0 },
      });
      expect(second.status.resize).toMatchObject({ attempts: 2, lastIssuedAt: iso(T0 + 30_000) });
      expect(second.status.resize?.lastError?.code).toBe(code);
      expect(second.status.resize?.nextAttemptAt).toBeUndefined();
      expect(kinds(second)).toEqual(['Normal/ResizeIssued']);
    });
  }

  it('doubles the backoff per consecutive failure up to max', () => {
    const pool = snapshot({
      currentDedicatedNodes: 6,
      resizeErrors: [{ code: 'AllocationFailed', message: 'x' }],
    });
    const waits = [1, 2, 3, 4, 5, 6, 7].map((attempts) => {
      const obj = issued(10);
      obj.status!.resize!.attempts = attempts;
      return plan(input(obj, { observed: { pool } })).requeueAfterMs;
    });
    expect(waits).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 600_000, 600_000]);
  });

  it('starts the backoff afresh for a failure that follows timed-out resizes (timeouts are not failures)', () => {
    const pool = snapshot({
      currentDedicatedNodes: 6,
      resizeErrors: [{ code: 'AllocationFailed', message: 'x' }],
    });
    const afterTimeouts = issued(10);
    // Three resizes timed out in a row, each re-issued at once; the fourth ended with AllocationFailed.
    afterTimeouts.status!.resize = {
      attempts: 4,
      lastIssuedAt: iso(T0 - 600_000),
      lastTarget: { dedicated: 10, lowPriority: 0 },
      lastError: { code: 'AllocationTimedout', message: 't', observedAt: iso(T0 - 601_000) },
    };
    const r = plan(input(afterTimeouts, { observed: { pool } }));
    expect(r.status.phase).toBe('Backoff');
    expect(r.requeueAfterMs).toBe(30_000);
    // A failure after a failure still doubles.
    const afterFailure = issued(10);
    afterFailure.status!.resize = {
      ...afterTimeouts.status!.resize,
      lastError: { code: 'AllocationFailed', message: 'x', observedAt: iso(T0 - 700_000) },
    };
    expect(plan(input(afterFailure, { observed: { pool } })).requeueAfterMs).toBe(240_000);
  });

  it('waits the maximum backoff after a quota error: quota rarely clears fast', () => {
    const pool = snapshot({
      currentDedicatedNodes: 6,
      resizeErrors: [{ code: 'AccountCoreQuotaReached', message: 'quota' }],
    });
    expect(plan(input(issued(10), { observed: { pool } })).requeueAfterMs).toBe(600_000);
  });

  it('jitters the backoff from the injected random source', () => {
    const pool = snapshot({
      currentDedicatedNodes: 6,
      resizeErrors: [{ code: 'AllocationFailed', message: 'x' }],
    });
    const lo = plan(input(issued(10), { observed: { pool }, random: () => 0 })).requeueAfterMs;
    const hi = plan(input(issued(10), { observed: { pool }, random: () => 0.999 })).requeueAfterMs;
    expect(lo).toBe(24_000);
    expect(hi).toBeGreaterThan(35_000);
  });

  it('has no attempt limit unless maxAttempts is set', () => {
    const pool = snapshot({
      currentDedicatedNodes: 6,
      resizeErrors: [{ code: 'AllocationFailed', message: 'x' }],
    });
    const obj = issued(10, {}, { resizeStrategy: { backoff: { initial: '1s' } } });
    obj.status!.resize!.attempts = 500;
    const r = plan(input(obj, { observed: { pool }, now: T0 + 3_600_000 }));
    expect(r.status.phase).toBe('Backoff');

    const limited = issued(10, {}, { resizeStrategy: { maxAttempts: 3 } });
    limited.status!.resize!.attempts = 3;
    const s = plan(input(limited, { observed: { pool } }));
    expect(s.action.kind).toBe('none');
    expect(cond(s, 'Stalled')).toMatchObject({ status: 'True', reason: 'ResizeAttemptsExhausted' });
  });

  it('ignores a resize error left over from an earlier target and resizes at once', () => {
    // the error belongs to the resize to 10; the spec now asks for 12
    const obj = issued(10);
    obj.spec.targetDedicatedNodes = 12;
    obj.metadata.generation = 2;
    const pool = snapshot({
      currentDedicatedNodes: 6,
      resizeErrors: [{ code: 'AllocationFailed', message: 'x' }],
    });
    const r = plan(input(obj, { observed: { pool } }));
    expect(r.action).toMatchObject({ kind: 'resize', params: { targetDedicatedNodes: 12 } });
    expect(r.reason).toBe('StaleResizeError');
    expect(r.status.resize?.attempts).toBe(1);
    expect(r.status.resize?.lastError).toBeUndefined();
  });

  it('ignores a resize error from before the last resize it issued', () => {
    const obj = issued(10);
    const pool = snapshot({
      currentDedicatedNodes: 6,
      allocationStateTransitionTime: T0 - 3_600_000,
      resizeErrors: [{ code: 'AllocationTimedout', message: 'old' }],
    });
    const r = plan(input(obj, { observed: { pool } }));
    expect(r.action.kind).toBe('resize');
    expect(r.reason).toBe('StaleResizeError');
  });

  it('still counts a fast failure whose Azure timestamp is a little behind our clock (skew), so it cannot loop', () => {
    const obj = issued(10);
    const pool = snapshot({
      currentDedicatedNodes: 0,
      allocationStateTransitionTime: T0 - 600_000 - 10_000,
      resizeErrors: [{ code: 'AllocationFailed', message: 'image gone' }],
    });
    const r = plan(input(obj, { observed: { pool }, imageCheck: found() }));
    expect(r.action.kind).toBe('none');
    expect(r.status.phase).toBe('Backoff');
  });

  it('grows in steps of maxNodesPerResize, without backoff between successful steps', () => {
    const obj = issued(4, {}, { targetDedicatedNodes: 10, resizeStrategy: { maxNodesPerResize: 4 } });
    const resizing = plan(
      input(obj, {
        observed: {
          pool: snapshot({ allocationState: 'resizing', currentDedicatedNodes: 2, targetDedicatedNodes: 4 }),
        },
      }),
    );
    expect(resizing.action.kind).toBe('none');
    const next = plan(
      input(obj, { observed: { pool: snapshot({ currentDedicatedNodes: 4, targetDedicatedNodes: 4 }) } }),
    );
    expect(next.action).toMatchObject({ kind: 'resize', params: { targetDedicatedNodes: 8 } });
    expect(next.reason).toBe('NextStep');
    expect(nextStep({ dedicated: 8, lowPriority: 0 }, { dedicated: 10, lowPriority: 0 }, 4)).toEqual({
      dedicated: 10,
      lowPriority: 0,
    });
  });
});

describe('resizeDeadline', () => {
  it('is the last resize plus its resizeTimeout while the pool is created or resized, and nothing else', () => {
    const pool = issued(10, {}, { resizeTimeout: 'PT5M' });
    expect(resizeDeadline(pool, pool.status!)).toBe(T0 - 600_000 + 300_000);
    // Without one in the spec, Azure's default (PT20M) is what the resize was sent with.
    const byDefault = issued(10);
    expect(resizeDeadline(byDefault, byDefault.status!)).toBe(T0 - 600_000 + 1_200_000);
    for (const phase of ['Ready', 'Backoff', 'Updating'] as const)
      expect(resizeDeadline(pool, { ...pool.status!, phase })).toBeUndefined();
    expect(resizeDeadline(pool, { ...pool.status!, resize: { attempts: 0 } })).toBeUndefined();
  });
});

describe('plan: spec changes', () => {
  it('stops a running resize whose target no longer matches the spec, then waits while it stops', () => {
    const obj = issued(10);
    obj.spec.targetDedicatedNodes = 4;
    const r = plan(
      input(obj, { observed: { pool: snapshot({ allocationState: 'resizing', currentDedicatedNodes: 6 }) } }),
    );
    expect(r.action).toEqual({ kind: 'stopResize', poolId: 'render' });
    expect(kinds(r)).toEqual(['Normal/ResizeStopping']);
    const stopping = plan(
      input(obj, { observed: { pool: snapshot({ allocationState: 'stopping', currentDedicatedNodes: 6 }) } }),
    );
    expect(stopping.action.kind).toBe('none');
    const stopped = plan(
      input(obj, {
        observed: {
          pool: snapshot({
            currentDedicatedNodes: 6,
            resizeErrors: [{ code: 'ResizeStopped', message: 'stopped' }],
          }),
        },
      }),
    );
    expect(stopped.action).toMatchObject({ kind: 'resize', params: { targetDedicatedNodes: 4 } });
  });

  it('shrinks with the nodeDeallocationOption of the spec', () => {
    const obj = issued(10, {}, { nodeDeallocationOption: 'taskcompletion' });
    obj.spec.targetDedicatedNodes = 3;
    const r = plan(input(obj, { observed: { pool: snapshot() } }));
    expect(r.action).toMatchObject({
      kind: 'resize',
      params: { targetDedicatedNodes: 3, nodeDeallocationOption: 'taskcompletion', resizeTimeout: 'PT20M' },
    });
  });
});

describe('plan: image guard', () => {
  it('issues no resize while the image is gone, and resumes when it is back', () => {
    const pool = snapshot({
      currentDedicatedNodes: 6,
      resizeErrors: [{ code: 'AllocationFailed', message: 'x' }],
    });
    const lost = plan(input(issued(10), { observed: { pool }, imageCheck: gone() }));
    expect(lost.action.kind).toBe('none');
    expect(cond(lost, 'Stalled')).toMatchObject({ status: 'True', reason: 'ImageNotFound' });
    expect(cond(lost, 'Ready')?.status).toBe('False');
    expect(cond(lost, 'Reconciling')?.status).toBe('False');
    expect(kinds(lost)).toContain('Warning/ImageNotFound');

    const obj = { ...issued(10), status: lost.status };
    const again = plan(input(obj, { observed: { pool }, imageCheck: gone(), now: T0 + 60_000 }));
    expect(again.events).toEqual([]);

    const back = plan(input(obj, { observed: { pool }, imageCheck: found(), now: T0 + 120_000 }));
    expect(kinds(back)).toEqual(['Normal/ImageRestored', 'Warning/ResizeError']);
    expect(back.status.phase).toBe('Backoff');
    expect(cond(back, 'Stalled')?.status).toBe('False');
    const resumed = plan(input({ ...obj, status: back.status }, { observed: { pool }, now: T0 + 150_000 }));
    expect(resumed.action.kind).toBe('resize');
  });
});

describe('plan: custom-image limits', () => {
  it('refuses a spec that would push the image over 2,500 dedicated, with the numbers', () => {
    const obj = batchPool('b', { spec: { targetDedicatedNodes: 1000 } });
    const r = plan(
      input(obj, {
        observed: { pool: undefined },
        imageCheck: found(),
        usage: { dedicated: 2000, lowPriority: 0, sharedWith: ['vfx/a'] },
      }),
    );
    expect(r.action.kind).toBe('none');
    expect(cond(r, 'Stalled')).toMatchObject({ status: 'True', reason: 'ImageLimitExceeded' });
    expect(cond(r, 'Stalled')?.message).toMatch(/3000 dedicated/);
    expect(cond(r, 'Stalled')?.message).toMatch(/2500/);
    expect(kinds(r)).toEqual(['Warning/ImageShared', 'Warning/ImageLimitExceeded']);
  });

  it('does not refuse a pool that already has what its spec asks for', () => {
    const r = plan(
      input(issued(1500), {
        observed: { pool: snapshot({ currentDedicatedNodes: 1500, targetDedicatedNodes: 1500 }) },
        usage: { dedicated: 2000, lowPriority: 0, sharedWith: ['vfx/a'] },
      }),
    );
    expect(r.status.phase).toBe('Ready');
    const shrink = plan(
      input(issued(1500, {}, { targetDedicatedNodes: 1200 }), {
        observed: { pool: snapshot({ currentDedicatedNodes: 1500, targetDedicatedNodes: 1500 }) },
        usage: { dedicated: 2000, lowPriority: 0, sharedWith: ['vfx/a'] },
      }),
    );
    expect(shrink.action).toMatchObject({ kind: 'resize', params: { targetDedicatedNodes: 1200 } });
  });

  it('refuses more than 1,000 low-priority nodes on one image', () => {
    const obj = batchPool('b', { spec: { targetDedicatedNodes: 0, targetLowPriorityNodes: 600 } });
    const r = plan(
      input(obj, {
        observed: { pool: undefined },
        usage: { dedicated: 0, lowPriority: 500, sharedWith: ['vfx/a'] },
      }),
    );
    expect(cond(r, 'Stalled')?.reason).toBe('ImageLimitExceeded');
  });

  it('sums older pools on the same image, case-insensitively', () => {
    const a = batchPool('a', { spec: { targetDedicatedNodes: 2000 } });
    const b = batchPool('b', { spec: { targetDedicatedNodes: 1000, image: { id: IMAGE.toUpperCase() } } });
    b.metadata.creationTimestamp = '2026-01-02T00:00:00Z';
    const c = batchPool('c', { spec: { image: { id: IMAGE + '-other' } } });
    expect(imageUsage(b, [a, b, c])).toEqual({ dedicated: 2000, lowPriority: 0, sharedWith: ['vfx/a'] });
    expect(imageUsage(a, [a, b, c])).toEqual({ dedicated: 0, lowPriority: 0, sharedWith: ['vfx/b'] });
    // the newer pool already holds 700 nodes: the older one may not grow into them
    b.status = { currentDedicatedNodes: 700, currentLowPriorityNodes: 5 };
    expect(imageUsage(a, [a, b, c])).toEqual({ dedicated: 700, lowPriority: 5, sharedWith: ['vfx/b'] });
  });
});

describe('plan: drift', () => {
  it('restores a pool resized out of band', () => {
    const r = plan(
      input(issued(10, { phase: 'Ready' }), {
        observed: { pool: snapshot({ currentDedicatedNodes: 5, targetDedicatedNodes: 5 }) },
      }),
    );
    expect(r.action).toMatchObject({ kind: 'resize', params: { targetDedicatedNodes: 10 } });
    expect(r.reason).toBe('Drift');
    expect(kinds(r)).toContain('Warning/Drift');
  });

  it('restores a resize stopped out of band without backoff', () => {
    const pool = snapshot({
      currentDedicatedNodes: 4,
      resizeErrors: [{ code: 'ResizeStopped', message: 'stopped' }],
    });
    const r = plan(input(issued(10), { observed: { pool }, imageCheck: found() }));
    expect(r.action.kind).toBe('resize');
    expect(kinds(r)).toContain('Warning/Drift');
  });

  it('leaves a pool it did not create alone and says why', () => {
    const pool = snapshot({ owner: {} });
    const r = plan(input(batchPool(), { observed: { pool } }));
    expect(r.action.kind).toBe('none');
    expect(cond(r, 'Stalled')).toMatchObject({ status: 'True', reason: 'PoolNotOwned' });
    expect(cond(r, 'Stalled')?.message).toMatch(/was not created by this BatchPool/);
    const other = snapshot({ owner: { namespace: 'genomics', name: 'render', uid: 'x' } });
    expect(plan(input(batchPool(), { observed: { pool: other } })).action.kind).toBe('none');
  });

  it('treats a pool whose metadata names this object as its own', () => {
    const pool = snapshot({
      owner: { namespace: 'vfx', name: 'render', uid: 'an-older-uid' },
      targetDedicatedNodes: 3,
      currentDedicatedNodes: 3,
    });
    const r = plan(input(batchPool('render', { status: { image: checked() } }), { observed: { pool } }));
    expect(r.action.kind).toBe('resize');
  });
});

describe('plan: account guard', () => {
  it('does nothing for a missing account', () => {
    const r = plan(input(batchPool(), { account: { kind: 'missing', name: 'acct' } }));
    expect(r.action.kind).toBe('none');
    expect(cond(r, 'Stalled')).toMatchObject({ status: 'True', reason: 'AccountNotFound' });
  });
  it('does nothing for a namespace the account does not allow', () => {
    const r = plan(
      input(batchPool(), { account: { kind: 'not-allowed', name: 'acct', allowedNamespaces: ['genomics'] } }),
    );
    expect(cond(r, 'Stalled')).toMatchObject({ status: 'True', reason: 'NamespaceNotAllowed' });
    expect(cond(r, 'Stalled')?.message).toMatch(/does not allow namespace vfx/);
  });
});

describe('plan: deletion', () => {
  it('deletes the pool, waits while Azure deletes it, then removes the finalizer', () => {
    const obj = deleting(issued(10));
    expect(plan(input(obj, { observed: { pool: snapshot() } })).action).toEqual({
      kind: 'delete',
      poolId: 'render',
    });
    const waiting = plan(input(obj, { observed: { pool: snapshot({ state: 'deleting' }) } }));
    expect(waiting.action.kind).toBe('none');
    expect(waiting.status.phase).toBe('Deleting');
    const gone = plan(input(obj, { observed: { pool: undefined } }));
    expect(gone.action.kind).toBe('removeFinalizer');
    expect(gone.requeueAfterMs).toBeUndefined();
  });
  it('keeps the pool with Retain', () => {
    const obj = deleting(issued(10, {}, { deletionPolicy: 'Retain' }));
    expect(plan(input(obj, { observed: { pool: snapshot() } })).action.kind).toBe('removeFinalizer');
  });
  it('never deletes a pool it does not own', () => {
    const r = plan(input(deleting(issued(10)), { observed: { pool: snapshot({ owner: {} }) } }));
    expect(r.action.kind).toBe('removeFinalizer');
  });
});

describe('plan: pause', () => {
  const cases: [string, BatchPool, Parameters<typeof input>[1]][] = [
    ['create', batchPool(), { observed: { pool: undefined }, imageCheck: found() }],
    ['resize', issued(12), { observed: { pool: snapshot() } }],
    [
      're-issue',
      issued(10, {
        resize: {
          attempts: 1,
          lastIssuedAt: iso(T0 - 600_000),
          lastTarget: { dedicated: 10, lowPriority: 0 },
          lastError: { code: 'AllocationFailed', message: '', observedAt: iso(T0 - 60_000) },
          nextAttemptAt: iso(T0 - 30_000),
        },
      }),
      {
        observed: {
          pool: snapshot({
            currentDedicatedNodes: 2,
            resizeErrors: [{ code: 'AllocationFailed', message: '' }],
          }),
        },
        now: T0 + 3_600_000,
      },
    ],
    [
      'stop',
      issued(3),
      { observed: { pool: snapshot({ allocationState: 'resizing', targetDedicatedNodes: 10 }) } },
    ],
    ['delete', deleting(issued(10)), { observed: { pool: snapshot() } }],
  ];
  for (const [what, obj, rest] of cases) {
    it(`makes no Azure write (${what})`, () => {
      expect(plan(input(obj, rest)).action.kind).not.toBe('none');
      const r = plan(input(paused(obj), rest));
      expect(r.action.kind).toBe('none');
      expect(cond(r, 'Reconciling')).toMatchObject({ status: 'False', reason: 'Paused' });
    });
  }
});

describe('conditions', () => {
  it('keep lastTransitionTime while the status stays the same', () => {
    const first = plan(
      input(issued(10), {
        observed: { pool: snapshot({ allocationState: 'resizing', currentDedicatedNodes: 1 }) },
      }),
    );
    const obj = { ...issued(10), status: first.status };
    const second = plan(
      input(obj, {
        observed: { pool: snapshot({ allocationState: 'resizing', currentDedicatedNodes: 5 }) },
        now: T0 + 30_000,
      }),
    );
    expect(cond(second, 'Reconciling')?.lastTransitionTime).toBe(iso(T0));
    const done = plan(
      input({ ...obj, status: second.status }, { observed: { pool: snapshot() }, now: T0 + 60_000 }),
    );
    expect(cond(done, 'Reconciling')?.lastTransitionTime).toBe(iso(T0 + 60_000));
    expect(cond(done, 'Ready')?.lastTransitionTime).toBe(iso(T0 + 60_000));
  });
});

describe('needsImageCheck', () => {
  const s = DEFAULT_SETTINGS;
  it('checks before create, while missing, after a new resize error and periodically only', () => {
    const fresh = issued(10);
    expect(needsImageCheck(fresh, undefined, T0, s)).toBe(true);
    expect(needsImageCheck(fresh, snapshot(), T0, s)).toBe(false);
    expect(needsImageCheck(fresh, snapshot(), T0 - 60_000 + s.imageCheckIntervalMs, s)).toBe(true);
    expect(needsImageCheck(issued(10, { image: checked(false) }), snapshot(), T0, s)).toBe(true);
    const err = snapshot({
      currentDedicatedNodes: 4,
      resizeErrors: [{ code: 'AllocationFailed', message: '' }],
    });
    expect(needsImageCheck(fresh, err, T0, s)).toBe(true);
    const errAtTarget = snapshot({
      currentDedicatedNodes: 10,
      resizeErrors: [{ code: 'AllocationTimedout', message: '' }],
    });
    expect(needsImageCheck(fresh, errAtTarget, T0, s)).toBe(false);
    const recorded = issued(10, {
      resize: {
        attempts: 1,
        lastIssuedAt: iso(T0 - 600_000),
        lastError: { code: 'AllocationFailed', message: '', observedAt: iso(T0 - 10) },
      },
    });
    expect(needsImageCheck(recorded, err, T0, s)).toBe(false);
  });
});

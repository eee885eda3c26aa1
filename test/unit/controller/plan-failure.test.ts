import { describe, expect, it } from 'vitest';
import { findCondition } from '../../../src/controller/conditions.ts';
import {
  DEFAULT_SETTINGS,
  plan,
  planFailure,
  shouldObserve,
  type FailureInput,
  type PlanResult,
} from '../../../src/controller/plan/index.ts';
import type { ErrorKind, Failure } from '../../../src/errors.ts';
import {
  batchPool,
  deleting,
  found,
  IMAGE,
  input,
  iso,
  paused,
  snapshot,
  T0,
} from '../../support/fixtures.ts';

const NOW = iso(T0);
const failure = (kind: ErrorKind, extra: Partial<Failure> = {}): Failure => ({
  kind,
  message: `a ${kind} failure`,
  ...extra,
});

/** A pass that would create the pool: announces PoolCreating, requeues at the poll. */
function creating(): PlanResult {
  return plan(input(batchPool(), { observed: { pool: undefined }, imageCheck: found() }));
}

function actFailed(kind: ErrorKind, planned: PlanResult = creating()): ReturnType<typeof planFailure> {
  const i: FailureInput = {
    object: batchPool(),
    failure: failure(kind, { status: 400, code: 'Code' }),
    stage: { kind: 'act', planned },
    settings: DEFAULT_SETTINGS,
    nowIso: NOW,
  };
  return planFailure(i);
}

describe('planFailure: a failed read of Azure', () => {
  const observe = (kind: ErrorKind, withStatus: boolean) =>
    planFailure({
      object: batchPool('render', withStatus ? { status: { phase: 'Ready' } } : {}),
      failure: failure(kind, { status: 503, code: 'ServerBusy' }),
      stage: { kind: 'observe' },
      settings: DEFAULT_SETTINGS,
      nowIso: NOW,
    });

  it('hands a transient failure back to the queue, saying so on an object that has a status', () => {
    const f = observe('transient', true);
    expect(f.requeueAfterMs).toBeUndefined();
    expect(findCondition(f.status?.conditions, 'Reconciling')).toMatchObject({
      status: 'True',
      reason: 'AzureError',
      message: 'Could not read the pool or image from Azure: 503 ServerBusy a transient failure',
    });
    expect(f.status?.phase).toBe('Ready');
  });

  it('writes nothing on an object that has no status yet, unless only a person can help', () => {
    expect(observe('unreachable', false).status).toBeUndefined();
    const t = observe('terminal', false);
    expect(t.status?.phase).toBe('Stalled');
    expect(findCondition(t.status?.conditions, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'AzureRejected',
    });
    expect(t.requeueAfterMs).toBe(DEFAULT_SETTINGS.steadyResyncMs);
  });
});

describe('planFailure: a failed Azure write', () => {
  it.each(['conflict', 'not-found'] as const)(
    'looks again at the next poll after %s, never sooner',
    (kind) => {
      const f = actFailed(kind);
      expect(f.requeueAfterMs).toBeLessThanOrEqual(DEFAULT_SETTINGS.resizingPollMs);
      expect(f.requeueAfterMs).toBeGreaterThan(0);
      expect(findCondition(f.status?.conditions, 'Ready')).toMatchObject({ reason: 'AzureError' });
    },
  );

  it('reports a reached quota as Stalled QuotaReached with the advice, and tries again after the long backoff', () => {
    const f = actFailed('quota');
    expect(f.status?.phase).toBe('Stalled');
    expect(findCondition(f.status?.conditions, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'QuotaReached',
    });
    expect(findCondition(f.status?.conditions, 'Stalled')?.message).toMatch(
      /^A Batch account quota is reached \(Code\): a quota failure\. Raise the quota .* every 10m\.$/,
    );
    expect(f.events.map((e) => `${e.type}/${e.reason}`)).toEqual(['Warning/QuotaReached']);
    expect(f.requeueAfterMs).toBe(10 * 60_000);
  });

  it('drops the events that announced the call, and keeps what was observed', () => {
    const planned = creating();
    expect(planned.events.map((e) => `${e.reason}/${e.action}`)).toEqual(['PoolCreating/Create']);
    expect(actFailed('conflict', planned).events).toEqual([]);
    // Someone else is resizing the pool to 7: that is seen (Drift), the stop-resize is only planned.
    const obj = batchPool('render', {
      status: {
        observedGeneration: 1,
        image: { id: IMAGE, exists: true, checkedAt: NOW },
        resize: {
          attempts: 1,
          lastIssuedAt: iso(T0 - 60_000),
          lastTarget: { dedicated: 10, lowPriority: 0 },
        },
      },
    });
    const stopping = plan(
      input(obj, { observed: { pool: snapshot({ allocationState: 'resizing', targetDedicatedNodes: 7 }) } }),
    );
    expect(stopping.events.map((e) => `${e.reason}/${e.action}`)).toEqual([
      'Drift/Observe',
      'ResizeStopping/StopResize',
    ]);
    expect(actFailed('conflict', stopping).events.map((e) => e.reason)).toEqual(['Drift']);
  });

  it('reports a rejection as Stalled AzureRejected with a Warning, and waits for the resync', () => {
    const f = actFailed('terminal');
    expect(f.status?.phase).toBe('Stalled');
    expect(findCondition(f.status?.conditions, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'AzureRejected',
      message: 'Azure rejected create: 400 Code a terminal failure',
    });
    expect(f.events).toEqual([
      {
        type: 'Warning',
        reason: 'AzureRejected',
        message: 'Azure rejected create of pool render: 400 Code a terminal failure',
        action: 'Observe',
      },
    ]);
    expect(f.requeueAfterMs).toBe(DEFAULT_SETTINGS.steadyResyncMs);
  });

  it.each(['transient', 'unreachable'] as const)(
    'hands %s back to the queue, keeping the old resize memory',
    (kind) => {
      const f = actFailed(kind);
      expect(f.requeueAfterMs).toBeUndefined();
      expect(f.status?.resize).toBeUndefined();
    },
  );

  it('always hands a failed finalizer removal back to the queue, whatever the kind', () => {
    const gone = plan(input(deleting(batchPool()), { observed: { pool: undefined } }));
    expect(gone.action.kind).toBe('removeFinalizer');
    for (const kind of ['conflict', 'terminal', 'transient'] as const) {
      expect(actFailed(kind, gone).requeueAfterMs).toBeUndefined();
    }
  });
});

describe('shouldObserve', () => {
  it('reads Azure for a living pool of a usable account, and not otherwise', () => {
    const ok = { kind: 'ok', name: 'acct' } as const;
    expect(shouldObserve(batchPool(), ok)).toBe(true);
    expect(shouldObserve(batchPool(), { kind: 'missing', name: 'acct' })).toBe(false);
    expect(shouldObserve(deleting(batchPool()), ok)).toBe(true);
    expect(shouldObserve(deleting(batchPool('r', { spec: { deletionPolicy: 'Retain' } })), ok)).toBe(false);
    expect(shouldObserve(paused(deleting(batchPool())), ok)).toBe(false);
  });
});

describe('structured decisions', () => {
  it('a re-issued resize names the error it answers, so metrics need not parse the reason', () => {
    const obj = batchPool('render', {
      status: {
        observedGeneration: 1,
        image: { id: IMAGE, exists: true, checkedAt: NOW },
        resize: {
          attempts: 1,
          lastIssuedAt: iso(T0 - 600_000),
          lastTarget: { dedicated: 10, lowPriority: 0 },
          lastError: { code: 'AllocationFailed', message: 'x', observedAt: iso(T0 - 300_000) },
          nextAttemptAt: iso(T0 - 1000),
        },
      },
    });
    const pool = snapshot({
      currentDedicatedNodes: 4,
      resizeErrors: [{ code: 'AllocationFailed', message: 'x' }],
      allocationStateTransitionTime: T0 - 300_000,
    });
    const r = plan(input(obj, { observed: { pool } }));
    expect(r.action).toMatchObject({ kind: 'resize', afterError: 'AllocationFailed' });
    expect(r.reason).toBe('ReissueAllocationFailed');
    expect(r.events.map((e) => `${e.reason}/${e.action}`)).toEqual(['ResizeIssued/Resize']);
  });
});

import { describe, expect, it } from 'vitest';
import { reconcileOutcome, wakeSignature } from '../../../src/controller/controller.ts';
import { CallError } from '../../../src/errors.ts';
import { createMetrics } from '../../../src/observability/metrics.ts';
import { batchPool } from '../../support/fixtures.ts';

describe('wakeSignature (what wakes a pool)', () => {
  const base = batchPool('p');
  const sig = wakeSignature(base);
  it('ignores status and resourceVersion changes: our own writes must not wake us', () => {
    const written = {
      ...base,
      metadata: { ...base.metadata, resourceVersion: '99' },
      status: { phase: 'Ready' as const },
    };
    expect(wakeSignature(written)).toBe(sig);
  });
  it.each([
    ['a spec change (generation)', { generation: 2 }],
    ['deletion', { deletionTimestamp: '2026-01-01T00:00:00Z' }],
    ['finalizers', { finalizers: [] }],
    ['annotations (pause)', { annotations: { 'batch.pooloperator.dev/paused': 'true' } }],
  ])('changes with %s', (_what, meta) => {
    expect(wakeSignature({ ...base, metadata: { ...base.metadata, ...meta } })).not.toBe(sig);
  });
});

describe('reconcile outcome (controller_runtime_reconcile_total result)', () => {
  it("carries controller-runtime's result values to the exposition (requeue stays at zero: a retry throws)", async () => {
    const m = createMetrics({ processMetrics: false });
    m.reconcile.register('batchpool', 1);
    const ended = [
      { result: {} }, // done: nothing to look at again
      { result: { requeueAfterMs: 30_000 } }, // resizing: look again at the next poll
      { result: { requeueAfterMs: 300_000 } }, // steady: look again at the resync
      {
        error: new CallError('pool.get', {
          kind: 'transient',
          status: 503,
          message: 'busy',
          retryAfterMs: 200,
        }),
      },
    ];
    for (const e of ended) m.reconcile.observe('batchpool', reconcileOutcome(e), 0.01);
    const lines = (await m.render())
      .split('\n')
      .filter((l) => l.startsWith('controller_runtime_reconcile_total{'));
    expect(lines).toEqual([
      'controller_runtime_reconcile_total{controller="batchpool",result="success"} 1',
      'controller_runtime_reconcile_total{controller="batchpool",result="error"} 1',
      'controller_runtime_reconcile_total{controller="batchpool",result="requeue"} 0',
      'controller_runtime_reconcile_total{controller="batchpool",result="requeue_after"} 2',
    ]);
  });
});

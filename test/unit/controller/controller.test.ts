import { describe, expect, it } from 'vitest';
import { wakeSignature } from '../../../src/controller/controller.ts';
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

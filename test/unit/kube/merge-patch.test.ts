import { describe, expect, it } from 'vitest';
import { deepEqual } from '../../../src/json.ts';
import { mergePatch } from '../../../src/kube/merge-patch.ts';

describe('mergePatch', () => {
  it('sends changed fields, nulls removed ones, replaces arrays whole', () => {
    const from = {
      phase: 'Backoff',
      resize: { attempts: 2, lastError: { code: 'AllocationFailed' }, nextAttemptAt: 't' },
      conditions: [{ type: 'Ready' }],
    };
    const to = {
      phase: 'Ready',
      resize: { attempts: 2 },
      conditions: [{ type: 'Ready' }, { type: 'Stalled' }],
    };
    expect(mergePatch(from, to)).toEqual({
      phase: 'Ready',
      resize: { lastError: null, nextAttemptAt: null },
      conditions: [{ type: 'Ready' }, { type: 'Stalled' }],
    });
  });
  it('is undefined when nothing changed (undefined fields count as absent)', () => {
    expect(mergePatch({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 2] }, d: undefined })).toBeUndefined();
    expect(deepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] })).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/controller/duration.ts';
import { setCondition } from '../../../src/controller/conditions.ts';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['0', 0],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['', '10', 'ten', '5x', '1m 30s'])('rejects %j', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );
  it('formats for people', () => {
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(30_000)).toBe('30s');
    expect(formatDuration(3_600_000)).toBe('1h');
  });
});

describe('setCondition', () => {
  it('moves lastTransitionTime only when the status changes, and records observedGeneration', () => {
    const a = setCondition(
      undefined,
      { type: 'Ready', status: 'False', reason: 'Resizing', message: 'a' },
      1,
      't1',
    );
    const b = setCondition(a, { type: 'Ready', status: 'False', reason: 'Backoff', message: 'b' }, 2, 't2');
    expect(b).toEqual([
      {
        type: 'Ready',
        status: 'False',
        reason: 'Backoff',
        message: 'b',
        lastTransitionTime: 't1',
        observedGeneration: 2,
      },
    ]);
    const c = setCondition(
      b,
      { type: 'Ready', status: 'True', reason: 'TargetReached', message: 'c' },
      2,
      't3',
    );
    expect(c[0]?.lastTransitionTime).toBe('t3');
  });
});

// The summaries the benchmarks record: percentiles, histogram quantiles, and the convergence verdict.
import { describe, expect, it } from 'vitest';
import { verdict } from '../../../bench/convergence.ts';
import { histogramQuantile } from '../../../bench/scale.ts';
import { formatSimDuration, percentile } from '../../../bench/support/stats.ts';

describe('benchmark summaries', () => {
  it('takes nearest-rank percentiles and formats simulated durations', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile([], 50)).toBeUndefined();
    expect(formatSimDuration(754)).toBe('12m34s');
    expect(formatSimDuration(4500)).toBe('1h15m');
    expect(formatSimDuration(undefined)).toBe('never');
  });

  it('interpolates a quantile inside its histogram bucket', () => {
    const buckets = [
      { le: 0.1, count: 50 },
      { le: 0.2, count: 90 },
      { le: Infinity, count: 100 },
    ];
    expect(histogramQuantile(buckets, 0.5)).toBeCloseTo(0.1);
    expect(histogramQuantile(buckets, 0.7)).toBeCloseTo(0.15);
    expect(histogramQuantile([{ le: Infinity, count: 0 }], 0.5)).toBeUndefined();
  });

  it('says why the operator misses the bar: slower on average, or more calls than the fixed loop', () => {
    const cell = (strategy: string, meanSeconds: number, meanCalls: number) => ({
      strategy,
      reached: 10,
      runs: 10,
      medianSeconds: meanSeconds,
      meanSeconds,
      worstSeconds: meanSeconds,
      medianCalls: meanCalls,
      meanCalls,
      medianWrites: 1,
    });
    expect(verdict([cell('fixed loop', 600, 3), cell('batchpool-operator', 500, 3)])).toBe('met');
    expect(verdict([cell('fixed loop', 600, 3), cell('batchpool-operator', 700, 20)])).toBe(
      'missed: slower on average than fixed loop; 20 calls vs 3 for the fixed loop',
    );
  });
});

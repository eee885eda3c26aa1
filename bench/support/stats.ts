// Small summaries for benchmark samples: nearest-rank percentiles, so a p99 of 100 samples is a sample.

export function percentile(samples: readonly number[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export const median = (samples: readonly number[]): number | undefined => percentile(samples, 50);

export function mean(samples: readonly number[]): number | undefined {
  if (samples.length === 0) return undefined;
  return samples.reduce((a, b) => a + b, 0) / samples.length;
}

/** 754 s → "12m34s"; undefined → "never". */
export function formatSimDuration(seconds: number | undefined): string {
  if (seconds === undefined) return 'never';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  return `${m}m${String(rest).padStart(2, '0')}s`;
}

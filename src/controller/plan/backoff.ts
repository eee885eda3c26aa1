// The wait between a resize that ended short and the next one (spec.resizeStrategy.backoff). Not a retry of a
// failed call — Azure accepted the resize — so it is the plan's, not the retry policy's.

import { DEFAULTS, type BatchPool } from '../../api/types.ts';
import { parseDuration } from '../duration.ts';

/** How soon a resize that ended with AllocationTimedout is issued again. */
export const TIMEOUT_REISSUE_MS = 1_000;

function bounds(object: BatchPool): { initial: number; max: number } {
  const initial =
    parseDuration(object.spec.resizeStrategy?.backoff?.initial) ?? parseDuration(DEFAULTS.backoffInitial)!;
  const max = Math.max(
    initial,
    parseDuration(object.spec.resizeStrategy?.backoff?.max) ?? parseDuration(DEFAULTS.backoffMax)!,
  );
  return { initial, max };
}

/** The longest wait (spec.resizeStrategy.backoff.max): what a reached quota waits between tries. */
export function longBackoffMs(object: BatchPool): number {
  return bounds(object).max;
}

/** Backoff before re-issuing after the n-th consecutive failed resize (n ≥ 1), with ±20 % jitter. */
export function backoffMs(object: BatchPool, attempts: number, random: () => number, slow = false): number {
  const { initial, max } = bounds(object);
  const base = slow ? max : Math.min(max, initial * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
  return Math.round(base * (0.8 + 0.4 * random()));
}

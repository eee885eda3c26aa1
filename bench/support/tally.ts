// A tally of what was asked of the simulator, from its request log: Azure calls, writes, reads, tokens.

import type { RequestLogEntry } from '../../src/simulator/index.ts';

export const WRITE_OPERATIONS = new Set([
  'Pool_Add',
  'Pool_Resize',
  'Pool_StopResize',
  'Pool_Delete',
  'Pool_Patch',
  'Pool_UpdateProperties',
  'Pool_EnableAutoScale',
  'Pool_DisableAutoScale',
  'Pool_RemoveNodes',
  'ComputeNode_Reboot',
  'ComputeNode_Reimage',
]);

export interface CallTally {
  /** Batch and ARM requests (token requests are not Azure resource calls and are counted apart). */
  calls: number;
  writes: number;
  reads: number;
  tokens: number;
  /** Requests answered with 4xx/5xx or dropped. */
  failed: number;
  byOperation: Record<string, number>;
}

export function tally(entries: readonly RequestLogEntry[]): CallTally {
  const t: CallTally = { calls: 0, writes: 0, reads: 0, tokens: 0, failed: 0, byOperation: {} };
  for (const e of entries) {
    if (e.api !== 'batch' && e.api !== 'arm') {
      if (e.api === 'entra') t.tokens += 1;
      continue;
    }
    t.calls += 1;
    if (WRITE_OPERATIONS.has(e.operation)) t.writes += 1;
    else t.reads += 1;
    if (e.status === 0 || e.status >= 400) t.failed += 1;
    t.byOperation[e.operation] = (t.byOperation[e.operation] ?? 0) + 1;
  }
  return t;
}

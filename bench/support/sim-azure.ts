// The real Azure adapters (@azure/batch with the identity adapter and Batch scope, no SDK retries, the
// simulator's CA; @azure/arm-compute for images) pointed at a simulator, and a tally of what was asked of it.

import { ClientSecretCredential } from '@azure/identity';
import { BatchPoolsAdapter, makeBatchClient } from '../../src/azure/batch.ts';
import { ImagesAdapter } from '../../src/azure/images.ts';
import type { RetryOptions } from '../../src/azure/retry.ts';
import type { Simulator, RequestLogEntry } from '../../src/simulator/index.ts';

export interface SimAzure {
  batch: BatchPoolsAdapter;
  images: ImagesAdapter;
}

export function connectAzure(sim: Simulator, retry?: RetryOptions): SimAzure {
  const i = sim.info;
  const cred = new ClientSecretCredential(i.tenantId, i.clientId, i.clientSecret, {
    authorityHost: i.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: i.caPem },
  });
  return {
    batch: new BatchPoolsAdapter(makeBatchClient(cred, i.batchUrl, i.caPem), retry ? { retry } : {}),
    images: new ImagesAdapter(cred, { armEndpoint: i.armEndpoint, ca: i.caPem, ...(retry && { retry }) }),
  };
}

export const WRITE_OPERATIONS = new Set([
  'Pool_Add',
  'Pool_Resize',
  'Pool_StopResize',
  'Pool_Delete',
  'Pool_Patch',
  'Pool_UpdateProperties',
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

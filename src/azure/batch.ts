// BatchPools on the Batch data plane through @azure/batch 10.2.0: the identity credential is adapted to the
// Batch token scope, the SDK's retry policies are off (ours are in retry.ts), and an extra CA can be trusted.

import https from 'node:https';
import http from 'node:http';
import { BatchServiceClient, type BatchServiceModels } from '@azure/batch';
import type { TokenCredential } from '@azure/identity';
import { AzureIdentityCredentialAdapter, type AbortSignalLike } from '@azure/ms-rest-js';
import {
  OWNER_METADATA,
  type BatchPools,
  type CreatePoolParams,
  type PoolSnapshot,
  type ResizeParams,
} from './ports.ts';
import { realClock, type Clock } from '../clock.ts';
import { failureOf, isAzureCode } from '../errors.ts';
import { FailFast } from '../retry-policy.ts';
import { withRetry, type RetryOptions } from './retry.ts';

export const BATCH_SCOPE = 'https://batch.core.windows.net//.default';

export interface BatchOptions {
  ca?: string;
  retry?: RetryOptions;
  /** Told about every call made (for metrics and the request log). */
  onCall?: (operation: string) => void;
  /** How long to fail fast after the endpoint stopped answering (default: the retry policy's). */
  unreachableBackoffMs?: number;
  clock?: Clock;
}

export function makeBatchClient(cred: TokenCredential, endpoint: string, ca?: string): BatchServiceClient {
  return new BatchServiceClient(
    new AzureIdentityCredentialAdapter(cred, BATCH_SCOPE),
    endpoint.replace(/\/+$/, ''),
    {
      noRetryPolicy: true,
      agentSettings: {
        http: new http.Agent({ keepAlive: true }),
        https: new https.Agent({ keepAlive: true, ...(ca && { ca }) }),
      },
    },
  );
}

type CloudPool = BatchServiceModels.CloudPool;

const ALLOCATION_STATES = new Set(['steady', 'resizing', 'stopping']);

/** Maps a data-plane pool onto what the controller decides on; wire enums compared case-insensitively. */
export function toSnapshot(p: CloudPool): PoolSnapshot {
  const alloc = String(p.allocationState ?? 'steady').toLowerCase();
  const meta = new Map((p.metadata ?? []).map((m) => [m.name, m.value]));
  const t = p.allocationStateTransitionTime;
  const transition = t instanceof Date ? t.getTime() : typeof t === 'string' ? Date.parse(t) : undefined;
  return {
    id: p.id ?? '',
    state: String(p.state ?? 'active').toLowerCase() === 'deleting' ? 'deleting' : 'active',
    allocationState: (ALLOCATION_STATES.has(alloc) ? alloc : 'steady') as PoolSnapshot['allocationState'],
    ...(transition !== undefined &&
      !Number.isNaN(transition) && { allocationStateTransitionTime: transition }),
    currentDedicatedNodes: p.currentDedicatedNodes ?? 0,
    currentLowPriorityNodes: p.currentLowPriorityNodes ?? 0,
    targetDedicatedNodes: p.targetDedicatedNodes ?? 0,
    targetLowPriorityNodes: p.targetLowPriorityNodes ?? 0,
    resizeErrors: (p.resizeErrors ?? []).map((e) => ({
      code: e.code ?? 'Unknown',
      message: e.message ?? '',
    })),
    owner: {
      ...(meta.has(OWNER_METADATA.namespace) && { namespace: meta.get(OWNER_METADATA.namespace) }),
      ...(meta.has(OWNER_METADATA.name) && { name: meta.get(OWNER_METADATA.name) }),
      ...(meta.has(OWNER_METADATA.uid) && { uid: meta.get(OWNER_METADATA.uid) }),
    },
    ...(p.virtualMachineConfiguration?.imageReference?.virtualMachineImageId && {
      imageId: p.virtualMachineConfiguration.imageReference.virtualMachineImageId,
    }),
    ...(p.vmSize && { vmSize: p.vmSize }),
  };
}

export function toPoolAddParameter(c: CreatePoolParams): BatchServiceModels.PoolAddParameter {
  return {
    id: c.id,
    vmSize: c.vmSize,
    virtualMachineConfiguration: {
      imageReference: { virtualMachineImageId: c.imageId },
      nodeAgentSKUId: c.nodeAgentSkuId,
    },
    targetDedicatedNodes: c.targetDedicatedNodes,
    targetLowPriorityNodes: c.targetLowPriorityNodes,
    resizeTimeout: c.resizeTimeout,
    metadata: c.metadata,
    ...(c.taskSlotsPerNode !== undefined && { taskSlotsPerNode: c.taskSlotsPerNode }),
    ...(c.startTask && { startTask: c.startTask }),
    ...(c.networkConfiguration && {
      networkConfiguration: c.networkConfiguration as BatchServiceModels.NetworkConfiguration,
    }),
  };
}

export class BatchPoolsAdapter implements BatchPools {
  private readonly client: BatchServiceClient;
  private readonly o: BatchOptions;
  private readonly failFast: FailFast;

  constructor(client: BatchServiceClient, options: BatchOptions = {}) {
    this.client = client;
    this.o = options;
    this.failFast = new FailFast(options.clock ?? realClock, options.unreachableBackoffMs);
  }

  private async call<T>(operation: string, fn: (signal: AbortSignalLike) => Promise<T>): Promise<T> {
    this.failFast.check(operation);
    try {
      return await this.attempts(operation, fn);
    } catch (err) {
      this.failFast.observe(failureOf(err));
      throw err;
    }
  }

  private attempts<T>(operation: string, fn: (signal: AbortSignalLike) => Promise<T>): Promise<T> {
    return withRetry(
      operation,
      (signal) => {
        this.o.onCall?.(operation);
        // ms-rest-js declares its own AbortSignalLike; the platform signal behaves as one.
        return fn(signal as unknown as AbortSignalLike);
      },
      { ...(this.o.clock && { clock: this.o.clock }), ...this.o.retry },
    );
  }

  async get(poolId: string): Promise<PoolSnapshot | undefined> {
    try {
      const pool = await this.call('pool.get', (abortSignal) =>
        this.client.pool.get(poolId, { abortSignal }),
      );
      return toSnapshot(pool);
    } catch (err) {
      if (failureOf(err).kind === 'not-found') return undefined;
      throw err;
    }
  }

  async create(params: CreatePoolParams): Promise<void> {
    await this.call('pool.add', (abortSignal) =>
      this.client.pool.add(toPoolAddParameter(params), { abortSignal }),
    );
  }

  async resize(poolId: string, p: ResizeParams): Promise<void> {
    await this.call('pool.resize', (abortSignal) =>
      this.client.pool.resize(
        poolId,
        {
          targetDedicatedNodes: p.targetDedicatedNodes,
          targetLowPriorityNodes: p.targetLowPriorityNodes,
          resizeTimeout: p.resizeTimeout,
          nodeDeallocationOption: p.nodeDeallocationOption,
        },
        { abortSignal },
      ),
    );
  }

  async stopResize(poolId: string): Promise<void> {
    await this.call('pool.stopResize', (abortSignal) => this.client.pool.stopResize(poolId, { abortSignal }));
  }

  async delete(poolId: string): Promise<void> {
    try {
      await this.call('pool.delete', (abortSignal) => this.client.pool.deleteMethod(poolId, { abortSignal }));
    } catch (err) {
      const f = failureOf(err);
      // Gone already, or already being deleted: both are what we asked for.
      if (f.kind === 'not-found' || isAzureCode(f.code, 'poolbeingdeleted')) return;
      throw err;
    }
  }
}

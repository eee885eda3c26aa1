// BatchPools (src/azure/ports.ts) on the 2025-06-01 data plane: the same behaviour as the @azure/batch 10.2.0
// adapter (src/azure/batch.ts), over our own client. Every call goes through the per-account fail-fast
// window and withRetry (layers 2 and 1 of src/retry-policy.ts); a missing pool reads as undefined, and a
// delete of a pool that is gone or already going is done. Moving to @azure/batch 13 once it is served means
// replacing client.ts and the wire imports of mapping.ts; this file and the port stay.

import type { TokenCredential } from '@azure/identity';
import { realClock, type Clock } from '../../clock.ts';
import { failureOf, isAzureCode } from '../../errors.ts';
import { FailFast } from '../../retry-policy.ts';
import type {
  AutoScaleSettings,
  BadNode,
  BatchPools,
  CreatePoolParams,
  EmptyPoolSettings,
  LiveSettings,
  NodeAgentSku,
  PoolNodeCounts,
  PoolSnapshot,
  RemoveNodesParams,
  ResizeParams,
  SecretValues,
  WriteConditions,
} from '../ports.ts';
import { adapterCall, type AttemptGate, type RetryOptions } from '../retry.ts';
import { allItems, BatchClient, type BatchClientOptions } from './client.ts';
import {
  BAD_NODE_FILTER,
  BAD_NODE_SELECT,
  toBadNode,
  toCreateOptions,
  toEnableAutoScaleOptions,
  toNodeAgentSku,
  toPoolNodeCounts,
  toReplaceOptions,
  toResizeOptions,
  toSnapshot,
  toSnapshotWithSettings,
  toUpdateOptions,
} from './mapping.ts';

export interface BatchDataPlaneOptions {
  retry?: RetryOptions;
  /** Told about every attempt made (for metrics and the request log). */
  onCall?: (operation: string) => void;
  /** How long to fail fast after the endpoint stopped answering (default: the retry policy's). */
  unreachableBackoffMs?: number;
  clock?: Clock;
  /** How long the account's supported images are kept before they are read again (default 1 h). */
  supportedImagesTtlMs?: number;
  /** The account's request budget (src/azure/request-budget.ts), shared with its other clients. */
  budget?: AttemptGate;
}

/** The largest page Batch serves (maxresults 1–1000 for both lists). */
const PAGE = 1000;

/** The pool fields an observation reads (toSnapshot without settings); $select keeps a page small. */
const OBSERVED_FIELDS = [
  'id',
  'eTag',
  'state',
  'allocationState',
  'allocationStateTransitionTime',
  'currentDedicatedNodes',
  'currentLowPriorityNodes',
  'targetDedicatedNodes',
  'targetLowPriorityNodes',
  'resizeErrors',
  'metadata',
  'vmSize',
] as const;

/** Batch changes its supported images rarely (new SKUs, end-of-life dates): once an hour per account is plenty. */
const SUPPORTED_IMAGES_TTL_MS = 3_600_000;

export class BatchDataPlane implements BatchPools {
  readonly client: BatchClient;
  private readonly o: BatchDataPlaneOptions;
  private readonly failFast: FailFast;
  private readonly clock: Clock;
  private skus: { at: number; value: Promise<NodeAgentSku[]> } | undefined;

  constructor(client: BatchClient, options: BatchDataPlaneOptions = {}) {
    this.client = client;
    this.o = options;
    this.clock = options.clock ?? realClock;
    this.failFast = new FailFast(this.clock, options.unreachableBackoffMs);
  }

  private call<T>(operation: string, fn: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    return adapterCall(
      {
        failFast: this.failFast,
        ...(this.o.retry && { retry: this.o.retry }),
        ...(this.o.clock && { clock: this.o.clock }),
        ...(this.o.budget && { gate: this.o.budget }),
        ...(this.o.onCall && { onCall: this.o.onCall }),
      },
      operation,
      fn,
    );
  }

  async get(poolId: string): Promise<PoolSnapshot | undefined> {
    try {
      return toSnapshotWithSettings(
        await this.call('pool.get', (abortSignal) => this.client.getPool(poolId, { abortSignal })),
      );
    } catch (err) {
      if (failureOf(err).kind === 'not-found') return undefined;
      throw err;
    }
  }

  async create(params: CreatePoolParams, secrets?: SecretValues): Promise<void> {
    const pool = toCreateOptions(params, secrets);
    await this.call('pool.add', (abortSignal) => this.client.createPool(pool, { abortSignal }));
  }

  /** updateproperties takes no condition (azure-batch 15.1.0 sends none). */
  async replaceLiveSettings(poolId: string, settings: LiveSettings, secrets?: SecretValues): Promise<void> {
    const replace = toReplaceOptions(settings, secrets);
    await this.call('pool.updateProperties', (abortSignal) =>
      this.client.replacePoolProperties(poolId, replace, { abortSignal }),
    );
  }

  async updateEmptyPool(
    poolId: string,
    settings: EmptyPoolSettings,
    secrets?: SecretValues,
    conditions: WriteConditions = {},
  ): Promise<void> {
    const update = toUpdateOptions(settings, secrets);
    await this.call('pool.patch', (abortSignal) =>
      this.client.updatePool(poolId, update, { abortSignal, ...ifMatch(conditions) }),
    );
  }

  async enableAutoScale(
    poolId: string,
    autoScale: AutoScaleSettings,
    conditions: WriteConditions = {},
  ): Promise<void> {
    const body = toEnableAutoScaleOptions(autoScale);
    await this.call('pool.enableAutoScale', (abortSignal) =>
      this.client.enablePoolAutoScale(poolId, body, { abortSignal, ...ifMatch(conditions) }),
    );
  }

  async disableAutoScale(poolId: string, conditions: WriteConditions = {}): Promise<void> {
    await this.call('pool.disableAutoScale', (abortSignal) =>
      this.client.disablePoolAutoScale(poolId, { abortSignal, ...ifMatch(conditions) }),
    );
  }

  list(): Promise<PoolSnapshot[]> {
    return this.call('pool.list', async (abortSignal) => {
      const out: PoolSnapshot[] = [];
      for await (const pool of allItems((nextLink) =>
        this.client.listPools({ abortSignal, ...(nextLink && { nextLink }) }),
      ))
        out.push(toSnapshotWithSettings(pool));
      return out;
    });
  }

  /** One call per page of 1,000: at 5,000 pools a tick costs five. */
  async listObserved(): Promise<PoolSnapshot[]> {
    const out: PoolSnapshot[] = [];
    let nextLink: string | undefined;
    do {
      const link = nextLink;
      const page = await this.call('pool.listObserved', (abortSignal) =>
        this.client.listPools({
          abortSignal,
          maxResults: PAGE,
          select: OBSERVED_FIELDS,
          ...(link && { nextLink: link }),
        }),
      );
      for (const pool of page.value) out.push(toSnapshot(pool));
      nextLink = page.nextLink;
    } while (nextLink);
    return out;
  }

  async listNodeCounts(): Promise<Map<string, PoolNodeCounts>> {
    const out = new Map<string, PoolNodeCounts>();
    let nextLink: string | undefined;
    do {
      const link = nextLink;
      const page = await this.call('account.listPoolNodeCounts', (abortSignal) =>
        this.client.listPoolNodeCounts({ abortSignal, maxResults: PAGE, ...(link && { nextLink: link }) }),
      );
      for (const c of page.value) if (c.poolId) out.set(c.poolId, toPoolNodeCounts(c));
      nextLink = page.nextLink;
    } while (nextLink);
    return out;
  }

  async resize(poolId: string, params: ResizeParams, conditions: WriteConditions = {}): Promise<void> {
    const resize = toResizeOptions(params);
    await this.call('pool.resize', (abortSignal) =>
      this.client.resizePool(poolId, resize, { abortSignal, ...ifMatch(conditions) }),
    );
  }

  async stopResize(poolId: string, conditions: WriteConditions = {}): Promise<void> {
    await this.call('pool.stopResize', (abortSignal) =>
      this.client.stopPoolResize(poolId, { abortSignal, ...ifMatch(conditions) }),
    );
  }

  /** One list per account per hour; a failed read is not kept, so the next pass asks again. */
  nodeAgentSkus(): Promise<NodeAgentSku[]> {
    const now = this.clock.now();
    const ttl = this.o.supportedImagesTtlMs ?? SUPPORTED_IMAGES_TTL_MS;
    if (this.skus && now - this.skus.at < ttl) return this.skus.value;
    const value = this.call('pool.listSupportedImages', async (abortSignal) => {
      const out: NodeAgentSku[] = [];
      for await (const image of allItems((nextLink) =>
        this.client.listSupportedImages({ abortSignal, ...(nextLink && { nextLink }) }),
      ))
        out.push(toNodeAgentSku(image));
      return out;
    });
    const entry = { at: now, value };
    this.skus = entry;
    value.catch(() => {
      if (this.skus === entry) this.skus = undefined;
    });
    return value;
  }

  async nodeCounts(poolId: string): Promise<PoolNodeCounts | undefined> {
    const page = await this.call('account.listPoolNodeCounts', (abortSignal) =>
      this.client.listPoolNodeCounts({ abortSignal, filter: `poolId eq '${poolId}'` }),
    );
    const entry = page.value.find((c) => c.poolId === poolId);
    return entry && toPoolNodeCounts(entry);
  }

  async delete(poolId: string): Promise<void> {
    try {
      await this.call('pool.delete', (abortSignal) => this.client.deletePool(poolId, { abortSignal }));
    } catch (err) {
      const f = failureOf(err);
      // Gone already, or already being deleted: both are what we asked for.
      if (f.kind === 'not-found' || isAzureCode(f.code, 'poolbeingdeleted')) return;
      throw err;
    }
  }

  badNodes(poolId: string): Promise<BadNode[]> {
    return this.call('computeNode.list', async (abortSignal) => {
      const out: BadNode[] = [];
      for await (const node of allItems((nextLink) =>
        this.client.listNodes(poolId, {
          abortSignal,
          filter: BAD_NODE_FILTER,
          select: BAD_NODE_SELECT,
          ...(nextLink && { nextLink }),
        }),
      ))
        out.push(toBadNode(node));
      return out;
    });
  }

  async removeNodes(poolId: string, nodeIds: readonly string[], params: RemoveNodesParams): Promise<void> {
    const body = { nodeList: [...nodeIds], ...params };
    await this.call('pool.removeNodes', (abortSignal) =>
      this.client.removeNodes(poolId, body, { abortSignal }),
    );
  }

  async rebootNode(poolId: string, nodeId: string): Promise<void> {
    await this.call('computeNode.reboot', (abortSignal) =>
      this.client.rebootNode(poolId, nodeId, undefined, { abortSignal }),
    );
  }
}

const ifMatch = (c: WriteConditions) => (c.ifMatch === undefined ? {} : { ifMatch: c.ifMatch });

/** The adapter for one account endpoint and identity, as AzureClients will build it. */
export function makeBatchDataPlane(
  credential: TokenCredential,
  endpoint: string,
  options: BatchDataPlaneOptions & Pick<BatchClientOptions, 'ca' | 'onRequest'> = {},
): BatchDataPlane {
  const { ca, onRequest, ...adapter } = options;
  const client = new BatchClient(endpoint, credential, {
    ...(ca && { ca }),
    ...(onRequest && { onRequest }),
  });
  return new BatchDataPlane(client, adapter);
}

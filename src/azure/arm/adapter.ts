// BatchPools (src/azure/ports.ts) for an account whose pools are written through the management plane
// (BatchAccount spec.api ResourceManager): create, update, resize, stop-resize, autoscale and delete go to
// Microsoft.Batch/batchAccounts/{account}/pools at api-version 2025-06-01; node-level work (node counts, bad
// nodes, remove and reboot) and the supported images stay on the account's data plane, which serves the same
// pools. What is written is what the data-plane adapter would write (mapping.ts), in ARM's shape
// (pool-shape.ts); what is read is ARM's pool in the data plane's shape, so the plan cannot tell the planes
// apart. Every call goes through the same fail-fast window, retries and request budgets as the data plane's,
// plus the subscription's budget (ARM throttles per subscription).

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
import type { BatchPool } from '../batch/wire.ts';
import {
  toCreateOptions,
  toReplaceOptions,
  toSnapshot,
  toSnapshotWithSettings,
  toUpdateOptions,
} from '../batch/mapping.ts';
import type { BatchDataPlane } from '../batch/adapter.ts';
import { armDeallocationOption, armPoolToDataPool, toArmProperties } from './pool-shape.ts';
import type { ArmPoolClient } from './client.ts';

type Json = Record<string, unknown>;

/** The pool's identities as ARM's BatchPoolIdentity (the keys carry them; the values are Azure's to fill). */
function armIdentity(identity: NonNullable<LiveSettings['identity']>): Json {
  return {
    type: 'UserAssigned',
    userAssignedIdentities: Object.fromEntries(identity.userAssignedIdentities.map((id) => [id, {}])),
  };
}

export interface BatchResourceManagerOptions {
  retry?: RetryOptions;
  onCall?: (operation: string) => void;
  unreachableBackoffMs?: number;
  clock?: Clock;
  /** The account's request budget (shared with its data plane). */
  accountBudget?: AttemptGate;
  /** The subscription's request budget, shared by every management-plane account in it. */
  subscriptionBudget?: AttemptGate;
}

const PAGE = 1000;

/**
 * The gate of a management-plane call: it takes a token from the account's budget and then from the
 * subscription's, and a throttled answer (ARM throttles per subscription) pauses the subscription's only, so
 * the account's data-plane work is not held up by ARM.
 */
function armGate(
  account: AttemptGate | undefined,
  subscription: AttemptGate | undefined,
): AttemptGate | undefined {
  if (!account && !subscription) return undefined;
  return {
    async take(operation, signal) {
      await account?.take(operation, signal);
      await subscription?.take(operation, signal);
    },
    observe(f) {
      (subscription ?? account)?.observe(f);
    },
  };
}

export class BatchResourceManager implements BatchPools {
  readonly arm: ArmPoolClient;
  /** The same account's data plane, for node-level work and the supported images. */
  readonly data: BatchDataPlane;
  private readonly o: BatchResourceManagerOptions;
  private readonly failFast: FailFast;
  private readonly gate: AttemptGate | undefined;

  constructor(arm: ArmPoolClient, data: BatchDataPlane, options: BatchResourceManagerOptions = {}) {
    this.arm = arm;
    this.data = data;
    this.o = options;
    const clock = options.clock ?? realClock;
    this.failFast = new FailFast(clock, options.unreachableBackoffMs);
    this.gate = armGate(options.accountBudget, options.subscriptionBudget);
  }

  private call<T>(operation: string, fn: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    return adapterCall(
      {
        failFast: this.failFast,
        ...(this.o.retry && { retry: this.o.retry }),
        ...(this.o.clock && { clock: this.o.clock }),
        ...(this.gate && { gate: this.gate }),
        ...(this.o.onCall && { onCall: this.o.onCall }),
      },
      operation,
      fn,
    );
  }

  /**
   * A PATCH, on the ETag the write was decided on when there is one: the snapshot's is the data plane's bare
   * 0x… value, which ARM shows weak (W/"0x…", PoolGet.json).
   */
  private patch(
    operation: string,
    poolId: string,
    properties: Json,
    conditions: WriteConditions,
    identity?: Json,
  ): Promise<unknown> {
    const body: Json = { properties, ...(identity && { identity }) };
    const ifMatch = conditions.ifMatch === undefined ? {} : { ifMatch: `W/"${conditions.ifMatch}"` };
    return this.call(operation, (abortSignal) => this.arm.update(poolId, body, { abortSignal, ...ifMatch }));
  }

  private static snapshot(resource: Json, withSettings: boolean): PoolSnapshot {
    const pool = armPoolToDataPool(resource) as unknown as BatchPool;
    return withSettings ? toSnapshotWithSettings(pool) : toSnapshot(pool);
  }

  async get(poolId: string): Promise<PoolSnapshot | undefined> {
    try {
      const { body } = await this.call('arm.pool.get', (abortSignal) =>
        this.arm.get(poolId, { abortSignal }),
      );
      return body && BatchResourceManager.snapshot(body, true);
    } catch (err) {
      if (failureOf(err).kind === 'not-found') return undefined;
      throw err;
    }
  }

  async create(params: CreatePoolParams, secrets?: SecretValues): Promise<void> {
    const { id, ...settings } = toCreateOptions(params, secrets) as unknown as Json;
    const pool: Json = {
      properties: toArmProperties(settings),
      ...(params.identity && { identity: armIdentity(params.identity) }),
    };
    // If-None-Match: a create never overwrites a pool someone else made under the same name meanwhile.
    await this.call('arm.pool.create', (abortSignal) =>
      this.arm.create(String(id), pool, { abortSignal, ifNoneMatch: '*' }),
    );
  }

  /**
   * updateproperties replaces all three; a management-plane PATCH changes what it names, so all three are
   * named, and no start task is an empty one ("set to an empty object to remove the start task", Learn:
   * Azure.ResourceManager.Batch BatchAccountPoolData.StartTask).
   */
  async replaceLiveSettings(
    poolId: string,
    settings: LiveSettings,
    secrets?: SecretValues,
    conditions: WriteConditions = {},
  ): Promise<void> {
    const replace = toReplaceOptions(settings, secrets) as unknown as Json;
    const properties = toArmProperties(replace);
    delete properties.scaleSettings;
    if (replace.startTask === undefined) properties.startTask = {};
    await this.patch(
      'arm.pool.update',
      poolId,
      properties,
      conditions,
      settings.identity && armIdentity(settings.identity),
    );
  }

  async updateEmptyPool(
    poolId: string,
    settings: EmptyPoolSettings,
    secrets?: SecretValues,
    conditions: WriteConditions = {},
  ): Promise<void> {
    const properties = toArmProperties(toUpdateOptions(settings, secrets) as unknown as Json);
    delete properties.scaleSettings;
    await this.patch('arm.pool.update', poolId, properties, conditions);
  }

  async enableAutoScale(
    poolId: string,
    autoScale: AutoScaleSettings,
    conditions: WriteConditions = {},
  ): Promise<void> {
    await this.patch(
      'arm.pool.update',
      poolId,
      {
        scaleSettings: {
          autoScale: {
            formula: autoScale.formula,
            ...(autoScale.evaluationInterval && { evaluationInterval: autoScale.evaluationInterval }),
          },
        },
      },
      conditions,
    );
  }

  async disableAutoScale(poolId: string): Promise<void> {
    await this.call('arm.pool.disableAutoScale', (abortSignal) =>
      this.arm.disableAutoScale(poolId, { abortSignal }),
    );
  }

  private async listAll(operation: string, withSettings: boolean): Promise<PoolSnapshot[]> {
    const out: PoolSnapshot[] = [];
    let nextLink: string | undefined;
    do {
      const link = nextLink;
      const page = await this.call(operation, (abortSignal) =>
        this.arm.list({ abortSignal, maxResults: PAGE, ...(link && { nextLink: link }) }),
      );
      for (const p of page.value) out.push(BatchResourceManager.snapshot(p, withSettings));
      nextLink = page.nextLink;
    } while (nextLink);
    return out;
  }

  list(): Promise<PoolSnapshot[]> {
    return this.listAll('arm.pool.list', true);
  }

  listObserved(): Promise<PoolSnapshot[]> {
    return this.listAll('arm.pool.listObserved', false);
  }

  listNodeCounts(): Promise<Map<string, PoolNodeCounts>> {
    return this.data.listNodeCounts();
  }

  /** A resize is a PATCH of scaleSettings.fixedScale, with the deallocation option in ARM's spelling. */
  async resize(poolId: string, params: ResizeParams, conditions: WriteConditions = {}): Promise<void> {
    await this.patch(
      'arm.pool.resize',
      poolId,
      {
        scaleSettings: {
          fixedScale: {
            targetDedicatedNodes: params.targetDedicatedNodes,
            targetLowPriorityNodes: params.targetLowPriorityNodes,
            resizeTimeout: params.resizeTimeout,
            nodeDeallocationOption: armDeallocationOption(params.nodeDeallocationOption),
          },
        },
      },
      conditions,
    );
  }

  async stopResize(poolId: string): Promise<void> {
    await this.call('arm.pool.stopResize', (abortSignal) => this.arm.stopResize(poolId, { abortSignal }));
  }

  /**
   * Delete is a long-running operation (202 with a Location). Its end is followed the way the data plane's is:
   * the pool reads as deleting (provisioningState Deleting) until a read finds it gone, and the reconciler
   * looks again until then. Polling the Location here would hold a worker for each delete, for as long as
   * Retry-After says (15 s a poll, PoolDelete.json), which a fleet being deleted cannot afford.
   */
  async delete(poolId: string): Promise<void> {
    try {
      await this.call('arm.pool.delete', (abortSignal) => this.arm.beginDelete(poolId, { abortSignal }));
    } catch (err) {
      const f = failureOf(err);
      if (f.kind === 'not-found' || isAzureCode(f.code, 'poolbeingdeleted')) return;
      throw err;
    }
  }

  nodeCounts(poolId: string): Promise<PoolNodeCounts | undefined> {
    return this.data.nodeCounts(poolId);
  }

  nodeAgentSkus(): Promise<NodeAgentSku[]> {
    return this.data.nodeAgentSkus();
  }

  badNodes(poolId: string): Promise<BadNode[]> {
    return this.data.badNodes(poolId);
  }

  removeNodes(poolId: string, nodeIds: readonly string[], params: RemoveNodesParams): Promise<void> {
    return this.data.removeNodes(poolId, nodeIds, params);
  }

  rebootNode(poolId: string, nodeId: string): Promise<void> {
    return this.data.rebootNode(poolId, nodeId);
  }
}

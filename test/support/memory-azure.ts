// An in-memory Azure for reconciler tests: pools that move only when the test says so, images that exist
// or not, a log of every call in order, and scripted call failures.

import { createHash } from 'node:crypto';
import type {
  AccountTarget,
  BadNode,
  AutoScaleSettings,
  Azure,
  BatchPools,
  CreatePoolParams,
  EmptyPoolSettings,
  ImageChecker,
  LiveSettings,
  ImageFacts,
  NodeAgentSku,
  NodeCountState,
  NodeStateCounts,
  PoolNodeCounts,
  PoolSnapshot,
  PublishRequest,
  RemoveNodesParams,
  ResizeParams,
  SecretValues,
  WriteConditions,
} from '../../src/azure/ports.ts';
import { NODE_AGENTS } from './fixtures.ts';
import { NODE_COUNT_STATES, OWNER_METADATA } from '../../src/azure/ports.ts';

export class MemoryAzure implements Azure, BatchPools, ImageChecker {
  readonly pools = new Map<string, PoolSnapshot>();
  readonly imageIds = new Set<string>();
  readonly calls: string[] = [];
  /** The next call of this operation throws this error. */
  readonly failNext = new Map<string, Error>();
  readonly clients: (string | undefined)[] = [];
  /** The secret values each write was given (create, replaceLiveSettings, updateEmptyPool), in order. */
  readonly secretsSent: (SecretValues | undefined)[] = [];
  onCall: (op: string) => void = () => {};
  /**
   * Dedicated nodes in a state other than idle, per pool (the rest of currentDedicatedNodes count as idle);
   * Spot nodes all count as idle.
   */
  readonly nodeStates = new Map<string, Partial<Record<NodeCountState, number>>>();
  /**
   * The listed bad nodes of a pool; the test keeps nodeStates in step. removeNodes drops them (and lowers the
   * targets, as Azure does); rebootNode leaves them, as a reboot that did not help.
   */
  readonly badNodeList = new Map<string, BadNode[]>();
  /** The If-Match each resize was sent with, in order. */
  readonly resizeIfMatch: (string | undefined)[] = [];
  /** Every node write, in order: `reboot <id>` and `remove <ids>` (kept apart from `calls`, which tests pin). */
  readonly nodeWrites: string[] = [];

  batch(account: AccountTarget): BatchPools {
    this.clients.push(account.identity?.clientId);
    return this;
  }
  images(account: AccountTarget): ImageChecker {
    this.clients.push(account.identity?.clientId);
    return this;
  }

  private enter(op: string) {
    this.calls.push(op);
    this.onCall(op);
    const err = this.failNext.get(op);
    if (err !== undefined) {
      this.failNext.delete(op);
      throw err;
    }
  }

  get(poolId: string): Promise<PoolSnapshot | undefined> {
    this.enter('get');
    const p = this.pools.get(poolId);
    return Promise.resolve(p && { ...structuredClone(p), eTag: etagOf(p.settings) });
  }

  create(c: CreatePoolParams, secrets?: SecretValues): Promise<void> {
    this.enter('create');
    this.secretsSent.push(secrets);
    const meta = new Map(c.metadata.map((m) => [m.name, m.value]));
    this.pools.set(c.id, {
      id: c.id,
      state: 'active',
      allocationState: 'resizing',
      currentDedicatedNodes: 0,
      currentLowPriorityNodes: 0,
      targetDedicatedNodes: c.autoScale ? 0 : c.targetDedicatedNodes,
      targetLowPriorityNodes: c.autoScale ? 0 : c.targetLowPriorityNodes,
      resizeErrors: [],
      owner: {
        namespace: meta.get(OWNER_METADATA.namespace),
        name: meta.get(OWNER_METADATA.name),
        uid: meta.get(OWNER_METADATA.uid),
      },
      imageId: c.imageId,
      vmSize: c.vmSize,
      settings: settingsOf(c),
    });
    return Promise.resolve();
  }

  replaceLiveSettings(poolId: string, l: LiveSettings, secrets?: SecretValues): Promise<void> {
    this.enter('replaceLiveSettings');
    this.secretsSent.push(secrets);
    const pool = this.pools.get(poolId)!;
    const { startTask: _dropped, applicationPackageReferences: _apps, ...kept } = pool.settings!;
    pool.settings = withoutSecrets({
      ...kept,
      ...(l.startTask && { startTask: l.startTask }),
      ...(l.applicationPackageReferences?.length && {
        applicationPackageReferences: l.applicationPackageReferences,
      }),
      metadata: l.metadata,
    });
    pool.owner = ownerOf(l.metadata);
    return Promise.resolve();
  }

  /** As Azure: refused while the pool has nodes. */
  updateEmptyPool(poolId: string, e: EmptyPoolSettings, secrets?: SecretValues): Promise<void> {
    this.enter('updateEmptyPool');
    this.secretsSent.push(secrets);
    const pool = this.pools.get(poolId)!;
    if (pool.currentDedicatedNodes + pool.currentLowPriorityNodes > 0) {
      throw Object.assign(new Error('PropertyCannotBeUpdated'), {
        statusCode: 400,
        code: 'PropertyCannotBeUpdated',
      });
    }
    pool.settings = withoutSecrets({ ...pool.settings!, ...e });
    if (e.imageId) pool.imageId = e.imageId;
    if (e.vmSize) pool.vmSize = e.vmSize;
    return Promise.resolve();
  }

  /** As Azure: refused while a resize runs. */
  enableAutoScale(poolId: string, a: AutoScaleSettings): Promise<void> {
    this.enter('enableAutoScale');
    const pool = this.pools.get(poolId)!;
    if (pool.allocationState !== 'steady') {
      throw Object.assign(new Error('AutoScaleResizeInProgress'), {
        statusCode: 409,
        code: 'AutoScaleResizeInProgress',
      });
    }
    pool.settings = { ...pool.settings!, autoScale: structuredClone(a) };
    return Promise.resolve();
  }

  disableAutoScale(poolId: string): Promise<void> {
    this.enter('disableAutoScale');
    const pool = this.pools.get(poolId)!;
    const { autoScale: _dropped, ...kept } = pool.settings!;
    pool.settings = kept;
    return Promise.resolve();
  }

  list(): Promise<PoolSnapshot[]> {
    this.enter('list');
    return Promise.resolve([...this.pools.values()].map((p) => structuredClone(p)));
  }

  resize(poolId: string, p: ResizeParams, conditions: WriteConditions = {}): Promise<void> {
    this.resizeIfMatch.push(conditions.ifMatch);
    this.enter('resize');
    const pool = this.pools.get(poolId)!;
    Object.assign(pool, {
      targetDedicatedNodes: p.targetDedicatedNodes,
      targetLowPriorityNodes: p.targetLowPriorityNodes,
      allocationState: 'resizing',
      resizeErrors: [],
    });
    return Promise.resolve();
  }

  stopResize(poolId: string): Promise<void> {
    this.enter('stopResize');
    this.pools.get(poolId)!.allocationState = 'stopping';
    return Promise.resolve();
  }

  delete(poolId: string): Promise<void> {
    this.enter('delete');
    const p = this.pools.get(poolId);
    if (p) p.state = 'deleting';
    return Promise.resolve();
  }

  /** Every image it knows is a provisioned Linux gallery version, replicated where asked. */
  inspect(imageId: string): Promise<ImageFacts> {
    this.enter('image');
    return Promise.resolve(
      this.imageIds.has(imageId)
        ? {
            kind: 'galleryVersion',
            definition: { osType: 'Linux' },
            version: { id: imageId, provisioningState: 'Succeeded', replication: 'Completed' },
          }
        : { kind: 'missing' },
    );
  }

  publish(request: PublishRequest): Promise<void> {
    this.enter('publish');
    this.imageIds.add(request.versionId);
    return Promise.resolve();
  }

  /** The SKUs of test/support/fixtures.ts; cached by the real adapter, so not a logged call here. */
  nodeAgentSkus(): Promise<NodeAgentSku[]> {
    return Promise.resolve(NODE_AGENTS);
  }

  /** The pools without settings, eTag a hash of what the test stored (a write changes it, as in Batch). */
  listObserved(): Promise<PoolSnapshot[]> {
    this.enter('listObserved');
    return Promise.resolve(
      [...this.pools.values()].map(({ settings, ...p }) => ({
        ...structuredClone(p),
        eTag: etagOf(settings),
      })),
    );
  }

  async listNodeCounts(): Promise<Map<string, PoolNodeCounts>> {
    this.enter('listNodeCounts');
    const out = new Map<string, PoolNodeCounts>();
    for (const id of this.pools.keys()) {
      const c = await this.nodeCounts(id);
      if (c) out.set(id, c);
    }
    return out;
  }

  /** Counts derived from the pool and nodeStates; not a logged call (tests assert the write order). */
  nodeCounts(poolId: string): Promise<PoolNodeCounts | undefined> {
    const p = this.pools.get(poolId);
    if (!p) return Promise.resolve(undefined);
    const counts = (n: number, states: Partial<Record<NodeCountState, number>> = {}): NodeStateCounts => {
      const out = { total: n } as NodeStateCounts;
      for (const s of NODE_COUNT_STATES) out[s] = states[s] ?? 0;
      out.idle = Math.max(0, n - Object.values(states).reduce((a, b) => a + (b ?? 0), 0));
      return out;
    };
    return Promise.resolve({
      dedicated: counts(p.currentDedicatedNodes, this.nodeStates.get(poolId)),
      lowPriority: counts(p.currentLowPriorityNodes),
    });
  }

  /** Not a logged call (see nodeWrites). */
  badNodes(poolId: string): Promise<BadNode[]> {
    return Promise.resolve(structuredClone(this.badNodeList.get(poolId) ?? []));
  }

  removeNodes(poolId: string, nodeIds: readonly string[], _p: RemoveNodesParams): Promise<void> {
    this.nodeWrites.push(`remove ${nodeIds.join(',')}`);
    const err = this.failNext.get('removeNodes');
    if (err) {
      this.failNext.delete('removeNodes');
      return Promise.reject(err);
    }
    const pool = this.pools.get(poolId)!;
    const gone = new Set(nodeIds);
    const list = this.badNodeList.get(poolId) ?? [];
    for (const node of list.filter((n) => gone.has(n.id))) {
      if (node.dedicated) pool.targetDedicatedNodes -= 1;
      else pool.targetLowPriorityNodes -= 1;
      const states = this.nodeStates.get(poolId) ?? {};
      const key = node.state === 'unusable' ? 'unusable' : 'startTaskFailed';
      if (node.dedicated && states[key]) states[key] -= 1;
    }
    this.badNodeList.set(
      poolId,
      list.filter((n) => !gone.has(n.id)),
    );
    pool.allocationState = 'resizing';
    return Promise.resolve();
  }

  rebootNode(_poolId: string, nodeId: string): Promise<void> {
    this.nodeWrites.push(`reboot ${nodeId}`);
    const err = this.failNext.get('rebootNode');
    if (err) {
      this.failNext.delete('rebootNode');
      return Promise.reject(err);
    }
    return Promise.resolve();
  }

  /** Finishes the running resize: the pool reaches `reach` (default: its targets), with an optional error. */
  settle(poolId: string, o: { dedicated?: number; error?: string } = {}) {
    const p = this.pools.get(poolId)!;
    p.currentDedicatedNodes = o.dedicated ?? p.targetDedicatedNodes;
    p.currentLowPriorityNodes = p.targetLowPriorityNodes;
    p.allocationState = 'steady';
    p.resizeErrors = o.error ? [{ code: o.error, message: 'scripted' }] : [];
  }
}

function etagOf(settings: PoolSnapshot['settings']): string {
  return `0x${createHash('sha1')
    .update(JSON.stringify(settings ?? null))
    .digest('hex')
    .slice(0, 15)
    .toUpperCase()}`;
}

function settingsOf(c: CreatePoolParams): PoolSnapshot['settings'] {
  const { id: _id, targetDedicatedNodes: _d, targetLowPriorityNodes: _l, resizeTimeout: _t, ...settings } = c;
  return withoutSecrets(settings);
}

/** As Azure: a GET never shows a secret, so the Secret references are not kept. */
function withoutSecrets<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (k, v: unknown) => (k.endsWith('SecretRef') ? undefined : v))) as T;
}

function ownerOf(metadata: { name: string; value: string }[]): PoolSnapshot['owner'] {
  const meta = new Map(metadata.map((m) => [m.name, m.value]));
  return {
    ...(meta.has(OWNER_METADATA.namespace) && { namespace: meta.get(OWNER_METADATA.namespace) }),
    ...(meta.has(OWNER_METADATA.name) && { name: meta.get(OWNER_METADATA.name) }),
    ...(meta.has(OWNER_METADATA.uid) && { uid: meta.get(OWNER_METADATA.uid) }),
  };
}

// The Batch data-plane pool API at api-version 2025-06-01 (older versions only when the compatibility
// switch allows them), plus List Supported Images. Paths are relative to the account URL; answers carry
// Azure's headers, ETags and error bodies.
import type { CompatOptions } from './compat.ts';
import type { RequestContext, Route, SimResponse } from './http-util.ts';
import {
  azureTime,
  batchErrorResponse,
  batchHeaders,
  batchJson,
  header,
  parseJsonObject,
  rfc1123,
} from './http-util.ts';
import { parsePoolFilter } from './batch-filter.ts';
import type { BatchAccount } from './state/account.ts';
import { apiVersionError } from './state/api-versions.ts';
import { BatchError, batchErrors } from './state/errors.ts';
import { CREATE_FIELDS } from './state/pool-input.ts';
import { publicSpec } from './state/pool-rules.ts';
import type { PoolModel, PoolView } from './state/pools.ts';
import type { NodeRecord, NodeStatus } from './state/nodes.ts';
import { nodeIp, nodeStatus } from './state/nodes.ts';

/** The node agent version nodes report (an illustrative 1.x version; our choice). */
export const NODE_AGENT_VERSION = '1.12.6';

/**
 * The 2025-06-01 BatchNode as the service serialises it. Node errors: a security-type mismatch names the
 * reason (code our choice); other unusable nodes report DiskFull (a code clients read from BatchNodeError,
 * e.g. microsoft/CromwellOnAzure; the message is our wording).
 */
export function nodeJson(
  model: PoolModel,
  pool: PoolView,
  node: NodeRecord,
  origin: string,
): Record<string, unknown> {
  return nodeSerializer(model, pool, origin)(node);
}

/** Serialises many nodes of one pool: the pool's public spec and node context are worked out once. */
export function nodeSerializer(
  model: PoolModel,
  pool: PoolView,
  origin: string,
): (node: NodeRecord) => Record<string, unknown> {
  const spec = publicSpec(pool.spec);
  const ctx = model.nodeContext(pool);
  const now = ctx.now;
  return (node) => serializeNode(pool, node, origin, nodeStatus(node, now, ctx), spec);
}

function serializeNode(
  pool: PoolView,
  node: NodeRecord,
  origin: string,
  status: NodeStatus,
  spec: Record<string, unknown>,
): Record<string, unknown> {
  const vmc = spec.virtualMachineConfiguration as { imageReference?: unknown } | undefined;
  const out: Record<string, unknown> = {
    id: node.id,
    url: `${origin}/pools/${pool.id}/nodes/${node.id}`,
    state: status.state,
    schedulingState: 'enabled',
    stateTransitionTime: azureTime(status.since),
    lastBootTime: azureTime(node.bootAt),
    allocationTime: azureTime(node.allocatedAt),
    ipAddress: nodeIp(node.n),
    affinityId: `TVM:${node.id}`,
    vmSize: pool.spec.vmSize,
    totalTasksRun: 0,
    totalTasksSucceeded: 0,
    runningTasksCount: 0,
    runningTaskSlotsCount: 0,
    isDedicated: node.dedicated,
  };
  const startTask = spec.startTask as Record<string, unknown> | undefined;
  if (startTask) out.startTask = startTask;
  if (startTask && status.startTask) {
    const st = status.startTask;
    const retries =
      typeof startTask.maxTaskRetryCount === 'number' ? Math.max(0, startTask.maxTaskRetryCount) : 0;
    out.startTaskInfo =
      st.endTime === undefined
        ? { state: 'running', startTime: azureTime(st.startTime), retryCount: 0 }
        : {
            state: 'completed',
            startTime: azureTime(st.startTime),
            endTime: azureTime(st.endTime),
            exitCode: st.failed ? 1 : 0,
            retryCount: st.failed ? retries : 0,
            result: st.failed ? 'failure' : 'success',
            ...(st.failed
              ? {
                  failureInfo: {
                    category: 'usererror',
                    code: 'FailureExitCode',
                    message: 'The task process exited with an unexpected exit code',
                    details: [
                      { name: 'Message', value: 'The task process exited with an unexpected exit code' },
                    ],
                  },
                }
              : {}),
          };
  }
  if (status.state === 'unusable') {
    const reason = pool.nodesUnusableReason;
    out.errors = [
      reason === undefined
        ? {
            code: 'DiskFull',
            message: 'There is not enough disk space on the node.',
            errorDetails: [
              { name: 'Message', value: 'The node ran out of disk space while it was being set up.' },
            ],
          }
        : {
            code: 'SecurityTypeMismatch',
            message: "The VM could not be provisioned: the pool's security profile does not fit its image.",
            errorDetails: [{ name: 'Reason', value: reason }],
          },
    ];
  }
  out.nodeAgentInfo = { version: NODE_AGENT_VERSION, lastUpdateTime: azureTime(node.allocatedAt) };
  out.virtualMachineInfo = vmc?.imageReference === undefined ? {} : { imageReference: vmc.imageReference };
  return out;
}

/** The pool as the service serialises it, in the service's property order. */
export function poolJson(model: PoolModel, pool: PoolView, origin: string): Record<string, unknown> {
  const counts = model.currentCounts(pool);
  const out: Record<string, unknown> = {
    id: pool.id,
    ...(pool.spec.displayName === undefined ? {} : { displayName: pool.spec.displayName }),
    url: `${origin}/pools/${pool.id}`,
    eTag: pool.eTag,
    lastModified: azureTime(pool.lastModified),
    creationTime: azureTime(pool.creationTime),
    state: pool.state,
    stateTransitionTime: azureTime(pool.stateTransitionTime),
    allocationState: pool.allocationState,
    allocationStateTransitionTime: azureTime(pool.allocationStateTransitionTime),
    vmSize: pool.spec.vmSize,
    resizeTimeout: pool.resizeTimeout,
    currentDedicatedNodes: counts.dedicated,
    targetDedicatedNodes: pool.target.dedicated,
    currentLowPriorityNodes: counts.lowPriority,
    targetLowPriorityNodes: pool.target.lowPriority,
  };
  if (pool.resizeErrors.length > 0 && pool.allocationState === 'steady') out.resizeErrors = pool.resizeErrors;
  // BatchPool.identity (read-only on the data plane): the identities the management plane put on the pool.
  if (pool.identities)
    out.identity = { type: 'UserAssigned', userAssignedIdentities: pool.identities.map((i) => ({ ...i })) };
  // Only what the 2025-06-01 BatchPool has (state restored from an older snapshot may hold more), and not
  // the secrets Azure keeps to itself.
  for (const [k, v] of Object.entries(publicSpec(pool.spec))) {
    if (!(k in out) && CREATE_FIELDS.has(k)) out[k] = v;
    if (k === 'autoScaleEvaluationInterval' && pool.autoScaleRun) out.autoScaleRun = autoScaleRunJson(pool);
  }
  return out;
}

function autoScaleRunJson(pool: PoolView): Record<string, unknown> {
  const run = pool.autoScaleRun!;
  return {
    timestamp: azureTime(run.timestamp),
    ...(run.results === '' ? {} : { results: run.results }),
    ...(run.error === undefined ? {} : { error: run.error }),
  };
}

function select(obj: Record<string, unknown>, selectText: string | null): Record<string, unknown> {
  if (!selectText) return obj;
  const keep = new Set(selectText.split(',').map((s) => s.trim()));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (keep.has(k)) out[k] = v;
  return out;
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** If-Match / If-None-Match / If-(Un)Modified-Since, per the Batch conditional-header rules. */
function checkConditions(ctx: RequestContext, pool: PoolView, read: boolean): SimResponse | undefined {
  const ifMatch = header(ctx, 'if-match');
  const ifNoneMatch = header(ctx, 'if-none-match');
  const ifModifiedSince = header(ctx, 'if-modified-since');
  const ifUnmodifiedSince = header(ctx, 'if-unmodified-since');
  const etagMatches = (h: string): boolean =>
    h.split(',').some((t) => {
      const v = t.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
      return v === '*' || v === pool.eTag;
    });
  const failed = (): SimResponse => batchErrorResponse(ctx, batchErrors.conditionNotMet());
  const notModified = (): SimResponse => ({
    status: 304,
    headers: batchHeaders(ctx.requestId, { etag: pool.eTag, 'last-modified': rfc1123(pool.lastModified) }),
  });
  if (ifMatch !== undefined && !etagMatches(ifMatch)) return failed();
  if (ifUnmodifiedSince !== undefined && seconds(pool.lastModified) > seconds(Date.parse(ifUnmodifiedSince)))
    return failed();
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch)) return read ? notModified() : failed();
  if (ifModifiedSince !== undefined && seconds(pool.lastModified) <= seconds(Date.parse(ifModifiedSince)))
    return read ? notModified() : failed();
  return undefined;
}

function writeHeaders(ctx: RequestContext, pool: PoolView, dataServiceId: string): Record<string, string> {
  return {
    etag: pool.eTag,
    'last-modified': rfc1123(pool.lastModified),
    dataserviceid: dataServiceId,
    ...clientRequestId(ctx),
  };
}

function clientRequestId(ctx: RequestContext): Record<string, string> {
  const id = header(ctx, 'client-request-id');
  return id !== undefined && header(ctx, 'return-client-request-id') === 'true'
    ? { 'client-request-id': id }
    : {};
}

function empty(status: number, ctx: RequestContext, extra: Record<string, string> = {}): SimResponse {
  return { status, headers: batchHeaders(ctx.requestId, extra) };
}

function jsonBody(ctx: RequestContext): Record<string, unknown> {
  const body = parseJsonObject(ctx.body);
  if (!body) throw batchErrors.invalidBody('The request body is not a JSON object.');
  return body;
}

/** A complete answer decided early (304/412 from conditional headers), thrown so handlers stay linear. */
class EarlyAnswer extends Error {
  readonly response: SimResponse;
  constructor(response: SimResponse) {
    super('early answer');
    this.response = response;
  }
}

/** Reads `maxresults` (1..1000, default 1000) or throws Batch's 400. */
function maxResults(ctx: RequestContext, byDefault = 1000): number {
  const maxText = ctx.query.get('maxresults');
  const max = maxText === null ? byDefault : Number(maxText);
  if (!Number.isInteger(max) || max < 1 || max > 1000)
    throw new BatchError(
      400,
      'InvalidQueryParameterValue',
      'Value for one of the query parameters specified in the request URI is invalid.',
      [
        { key: 'QueryParameterName', value: 'maxresults' },
        { key: 'QueryParameterValue', value: String(maxText) },
        { key: 'Reason', value: 'The value must be between 1 and 1000.' },
      ],
    );
  return max;
}

function filterOf(ctx: RequestContext): ((o: Record<string, unknown>) => boolean) | undefined {
  const filterText = ctx.query.get('$filter');
  const predicate = filterText ? parsePoolFilter(filterText) : undefined;
  if (filterText && !predicate)
    throw new BatchError(
      400,
      'InvalidQueryParameterValue',
      'Value for one of the query parameters specified in the request URI is invalid.',
      [
        { key: 'QueryParameterName', value: '$filter' },
        { key: 'QueryParameterValue', value: filterText },
        {
          key: 'Reason',
          value: 'The simulator understands eq, ne, startswith(), and, or and parentheses.',
        },
      ],
    );
  return predicate;
}

/** The next-link query of a list page: the caller's parameters plus where to go on from. */
function nextLink(ctx: RequestContext, path: string, max: number, skip: string): string {
  const next = new URLSearchParams();
  for (const k of ['api-version', '$filter', '$select', '$expand']) {
    const v = ctx.query.get(k);
    if (v !== null) next.set(k, v);
  }
  next.set('maxresults', String(max));
  next.set('$skiptoken', skip);
  return `${ctx.origin}${path}?${next.toString()}`;
}

export interface BatchApiOptions {
  /** The account behind the data plane (supported images). */
  account?: BatchAccount;
  /** The api-versions served (read per request). */
  apiVersions?: () => readonly string[];
  /** The compatibility switches (read per request). */
  compat?: () => Readonly<CompatOptions>;
}

export function createBatchApi(
  model: PoolModel,
  options: BatchApiOptions = {},
): {
  match(method: string, segments: string[]): Route | undefined;
} {
  const account = options.account ?? model.account;
  const guard = (operation: string, fn: (ctx: RequestContext) => SimResponse): Route => ({
    api: 'batch',
    operation,
    handle(ctx) {
      try {
        if (options.compat && !options.compat().allowRetiredApiVersions) {
          const wrong = apiVersionError(ctx.query.get('api-version'), options.apiVersions?.());
          if (wrong) throw wrong;
        }
        return fn(ctx);
      } catch (err) {
        if (err instanceof BatchError) return batchErrorResponse(ctx, err);
        if (err instanceof EarlyAnswer) return err.response;
        throw err;
      }
    },
  });

  const existing = (ctx: RequestContext, id: string, read: boolean): PoolView => {
    const pool = model.get(id);
    if (!pool) throw batchErrors.poolNotFound();
    const blocked = checkConditions(ctx, pool, read);
    if (blocked) throw new EarlyAnswer(blocked);
    return pool;
  };

  const list = guard('Pool_List', (ctx) => {
    const predicate = filterOf(ctx);
    const max = maxResults(ctx);
    const after = ctx.query.get('$skiptoken');
    const page: Record<string, unknown>[] = [];
    let more = false;
    for (const pool of model.list()) {
      if (after !== null && pool.id <= after) continue;
      const json = poolJson(model, pool, ctx.origin);
      if (predicate && !predicate(json)) continue;
      if (page.length === max) {
        more = true;
        break;
      }
      page.push(json);
    }
    const selectText = ctx.query.get('$select');
    const body: Record<string, unknown> = {
      'odata.metadata': `${ctx.origin}/$metadata#pools`,
      value: page.map((p) => select(p, selectText)),
    };
    if (more) body['odata.nextLink'] = nextLink(ctx, '/pools', max, String(page[page.length - 1]?.id));
    return batchJson(200, ctx.requestId, body, clientRequestId(ctx));
  });

  // GET /supportedimages (2025-06-01 list_supported_images): BatchSupportedImage entries, paged like the
  // pool list ($skiptoken is the index of the next entry: our choice), $filter as for pools.
  const supportedImages = guard('Pool_ListSupportedImages', (ctx) => {
    const predicate = filterOf(ctx);
    const max = maxResults(ctx);
    const start = Math.max(0, Number(ctx.query.get('$skiptoken') ?? 0) || 0);
    const all = account.supportedImages() as unknown as Record<string, unknown>[];
    const page: Record<string, unknown>[] = [];
    let more = false;
    let i = start;
    for (; i < all.length; i++) {
      const image = all[i] as Record<string, unknown>;
      if (predicate && !predicate(image)) continue;
      if (page.length === max) {
        more = true;
        break;
      }
      page.push(image);
    }
    const body: Record<string, unknown> = {
      'odata.metadata': `${ctx.origin}/$metadata#supportedimages`,
      value: page,
    };
    if (more) body['odata.nextLink'] = nextLink(ctx, '/supportedimages', max, String(i));
    return batchJson(200, ctx.requestId, body, clientRequestId(ctx));
  });

  // GET /pools/{id}/nodes (2025-06-01 list_nodes): in the order the nodes joined; $skiptoken is the ordinal of
  // the last node of the page (our choice); $filter as for pools on the BatchNode fields; $select.
  const listNodes = (id: string): Route =>
    guard('ComputeNode_List', (ctx) => {
      const predicate = filterOf(ctx);
      const max = maxResults(ctx);
      const after = Number(ctx.query.get('$skiptoken') ?? -1);
      const { pool, nodes } = model.nodes(id);
      const toJson = nodeSerializer(model, pool, ctx.origin);
      const page: Record<string, unknown>[] = [];
      let last = -1;
      let more = false;
      for (const node of [...nodes].sort((a, b) => a.n - b.n)) {
        if (node.n <= after) continue;
        const json = toJson(node);
        if (predicate && !predicate(json)) continue;
        if (page.length === max) {
          more = true;
          break;
        }
        page.push(json);
        last = node.n;
      }
      const selectText = ctx.query.get('$select');
      const body: Record<string, unknown> = {
        'odata.metadata': `${ctx.origin}/$metadata#nodes`,
        value: page.map((n) => select(n, selectText)),
      };
      if (more) body['odata.nextLink'] = nextLink(ctx, `/pools/${id}/nodes`, max, String(last));
      return batchJson(200, ctx.requestId, body, clientRequestId(ctx));
    });

  const getNode = (id: string, nodeId: string): Route =>
    guard('ComputeNode_Get', (ctx) => {
      const { pool, nodes } = model.nodes(id);
      const node = nodes.find((n) => n.id === nodeId);
      if (!node)
        throw new BatchError(404, 'NodeNotFound', 'The specified node does not exist.', [
          { key: 'NodeId', value: nodeId },
        ]);
      const body = {
        'odata.metadata': `${ctx.origin}/$metadata#nodes/@Element`,
        ...nodeJson(model, pool, node, ctx.origin),
      };
      const selectText = ctx.query.get('$select');
      return batchJson(
        200,
        ctx.requestId,
        select(body, selectText ? `odata.metadata,${selectText}` : null),
        clientRequestId(ctx),
      );
    });

  const restartNode = (id: string, nodeId: string, kind: 'reboot' | 'reimage'): Route =>
    guard(kind === 'reboot' ? 'ComputeNode_Reboot' : 'ComputeNode_Reimage', (ctx) => {
      // The body is optional (the SDK sends none without options; the default is requeue).
      const body = ctx.body.length === 0 ? {} : jsonBody(ctx);
      model.restartNode(id, nodeId, kind, body);
      return empty(202, ctx, {
        dataserviceid: `${ctx.origin}/pools/${id}/nodes/${nodeId}/${kind}`,
        ...clientRequestId(ctx),
      });
    });

  const removeNodes = (id: string): Route =>
    guard('Pool_RemoveNodes', (ctx) => {
      const body = jsonBody(ctx);
      existing(ctx, id, false);
      const pool = model.removeNodes(id, body);
      return empty(202, ctx, writeHeaders(ctx, pool, `${ctx.origin}/pools/${id}/removenodes`));
    });

  // GET /nodecounts (2025-06-01 list_pool_node_counts): one entry per pool, sorted by pool id; maxresults
  // 1..1000 (2025-06-01), 10 when absent (the default of the earlier versions' spec); $filter on poolId.
  const nodeCounts = guard('Account_ListPoolNodeCounts', (ctx) => {
    const predicate = filterOf(ctx);
    const max = maxResults(ctx, 10);
    const after = ctx.query.get('$skiptoken');
    const page: Record<string, unknown>[] = [];
    let more = false;
    for (const pool of model.list()) {
      if (after !== null && pool.id <= after) continue;
      if (predicate && !predicate({ poolId: pool.id })) continue;
      if (page.length === max) {
        more = true;
        break;
      }
      page.push({ poolId: pool.id, ...model.nodeCounts(pool) });
    }
    const body: Record<string, unknown> = {
      'odata.metadata': `${ctx.origin}/$metadata#poolnodecounts`,
      value: page,
    };
    if (more)
      body['odata.nextLink'] = nextLink(ctx, '/nodecounts', max, String(page[page.length - 1]?.poolId));
    return batchJson(200, ctx.requestId, body, clientRequestId(ctx));
  });

  const add = guard('Pool_Add', (ctx) => {
    const pool = model.add(jsonBody(ctx));
    const url = `${ctx.origin}/pools/${pool.id}`;
    return empty(201, ctx, { ...writeHeaders(ctx, pool, url), location: url });
  });

  const get = (id: string): Route =>
    guard('Pool_Get', (ctx) => {
      const pool = existing(ctx, id, true);
      const body = {
        'odata.metadata': `${ctx.origin}/$metadata#pools/@Element`,
        ...poolJson(model, pool, ctx.origin),
      };
      return batchJson(
        200,
        ctx.requestId,
        select(body, ctx.query.get('$select') ? `odata.metadata,${ctx.query.get('$select')}` : null),
        {
          etag: pool.eTag,
          'last-modified': rfc1123(pool.lastModified),
          ...clientRequestId(ctx),
        },
      );
    });

  const exists = (id: string): Route =>
    guard('Pool_Exists', (ctx) => {
      const pool = model.get(id);
      if (!pool) return empty(404, ctx);
      const blocked = checkConditions(ctx, pool, true);
      if (blocked) return { status: blocked.status, headers: blocked.headers };
      return empty(200, ctx, {
        etag: pool.eTag,
        'last-modified': rfc1123(pool.lastModified),
        ...clientRequestId(ctx),
      });
    });

  const del = (id: string): Route =>
    guard('Pool_Delete', (ctx) => {
      existing(ctx, id, false);
      model.delete(id);
      return empty(202, ctx, clientRequestId(ctx));
    });

  const patch = (id: string): Route =>
    guard('Pool_Patch', (ctx) => {
      const body = jsonBody(ctx);
      existing(ctx, id, false);
      const pool = model.patch(id, body);
      return empty(200, ctx, writeHeaders(ctx, pool, `${ctx.origin}/pools/${id}`));
    });

  const resize = (id: string): Route =>
    guard('Pool_Resize', (ctx) => {
      const body = jsonBody(ctx);
      // Azure checks the body before it looks the pool up (a missing target wins over PoolNotFound).
      if (body.targetDedicatedNodes === undefined && body.targetLowPriorityNodes === undefined)
        throw batchErrors.missingProperty('targetDedicatedNodes and/or targetLowPriorityNodes');
      existing(ctx, id, false);
      const pool = model.resize(id, body);
      return empty(202, ctx, writeHeaders(ctx, pool, `${ctx.origin}/pools/${id}/resize`));
    });

  const stopResize = (id: string): Route =>
    guard('Pool_StopResize', (ctx) => {
      existing(ctx, id, false);
      const pool = model.stopResize(id);
      return empty(202, ctx, writeHeaders(ctx, pool, `${ctx.origin}/pools/${id}/stopresize`));
    });

  const updateProperties = (id: string): Route =>
    guard('Pool_UpdateProperties', (ctx) => {
      const pool = model.updateProperties(id, jsonBody(ctx));
      return empty(204, ctx, writeHeaders(ctx, pool, `${ctx.origin}/pools/${id}/updateproperties`));
    });

  const enableAutoScale = (id: string): Route =>
    guard('Pool_EnableAutoScale', (ctx) => {
      existing(ctx, id, false);
      const pool = model.enableAutoScale(id, jsonBody(ctx));
      return empty(200, ctx, writeHeaders(ctx, pool, `${ctx.origin}/pools/${id}/enableautoscale`));
    });

  const disableAutoScale = (id: string): Route =>
    guard('Pool_DisableAutoScale', (ctx) => {
      existing(ctx, id, false);
      const pool = model.disableAutoScale(id);
      return empty(200, ctx, writeHeaders(ctx, pool, `${ctx.origin}/pools/${id}/disableautoscale`));
    });

  const unsupported = (operation: string): Route =>
    guard(operation, () => {
      throw new BatchError(
        400,
        'UnsupportedOperation',
        'The Azure Batch simulator does not model this operation.',
      );
    });

  return {
    match(method, segments) {
      if (segments[0] === 'supportedimages' && segments.length === 1)
        return method === 'GET' ? supportedImages : unsupported('Pool_Unknown');
      if (segments[0] === 'nodecounts' && segments.length === 1)
        return method === 'GET' ? nodeCounts : unsupported('Pool_Unknown');
      if (segments[0] !== 'pools') return undefined;
      const [, id, action, extra] = segments;
      if (id !== undefined && action === 'nodes') {
        const [, , , nodeId, nodeAction, more] = segments;
        if (nodeId === undefined)
          return method === 'GET' ? listNodes(id) : unsupported('ComputeNode_Unknown');
        if (more !== undefined) return unsupported('ComputeNode_Unknown');
        if (nodeAction === undefined)
          return method === 'GET' ? getNode(id, nodeId) : unsupported('ComputeNode_Unknown');
        if (method === 'POST' && (nodeAction === 'reboot' || nodeAction === 'reimage'))
          return restartNode(id, nodeId, nodeAction);
        return unsupported(`ComputeNode_${nodeAction}`);
      }
      if (id === undefined) {
        if (method === 'GET') return list;
        if (method === 'POST') return add;
        return unsupported('Pool_Unknown');
      }
      if (extra !== undefined) return unsupported('Pool_Unknown');
      if (action === undefined) {
        if (method === 'GET') return get(id);
        if (method === 'HEAD') return exists(id);
        if (method === 'DELETE') return del(id);
        if (method === 'PATCH') return patch(id);
        return unsupported('Pool_Unknown');
      }
      if (method !== 'POST') return unsupported('Pool_Unknown');
      if (action === 'resize') return resize(id);
      if (action === 'stopresize') return stopResize(id);
      if (action === 'updateproperties') return updateProperties(id);
      if (action === 'removenodes') return removeNodes(id);
      if (action === 'enableautoscale') return enableAutoScale(id);
      if (action === 'disableautoscale') return disableAutoScale(id);
      return unsupported(`Pool_${action}`);
    },
  };
}

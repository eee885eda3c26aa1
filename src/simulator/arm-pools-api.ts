// The management-plane pool API, Microsoft.Batch/batchAccounts/pools at api-version 2025-06-01, over the same
// pools the data plane serves (the simulator keeps one store; src/azure/arm/pool-shape.ts translates). Operations,
// paths, query names and expected status codes are those of Microsoft's azure-mgmt-batch 19.0.0
// (operations/_operations.py, PoolOperations): Get, Create (PUT, If-Match / If-None-Match), Update (PATCH),
// Delete (200/202/204, a long-running operation polled at its Location), ListByBatchAccount (maxresults,
// nextLink), DisableAutoScale and StopResize, each answering 200 with the pool and its ETag. Resource and
// header shapes follow the 2025-06-01 examples in Azure/azure-rest-api-specs
// (specification/batch/resource-manager/Microsoft.Batch/Batch/stable/2025-06-01/examples: PoolGet.json,
// PoolCreate_UserAssignedIdentities.json, PoolDelete.json). docs/simulator.md lists what is our choice.
import type { BatchAccount } from './state/account.ts';
import type { RequestContext, Route, SimResponse } from './http-util.ts';
import { armError, armJson, azureTime, header, parseJsonObject } from './http-util.ts';
import { summarizeBody, type RequestBodySummary } from './request-log.ts';
import { poolJson } from './batch-api.ts';
import {
  armDeallocationOption,
  armResizeError,
  armToAddBody,
  dataDeallocationOption,
  dataPoolToArm,
} from '../azure/arm/pool-shape.ts';
import { SubscriptionBuckets } from './state/arm-throttle.ts';
import { BatchError } from './state/errors.ts';
import type { IdentityStore } from './state/identities.ts';
import type { PoolIdentity, PoolModel, PoolView } from './state/pools.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const POOLS =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Batch\/batchAccounts\/([^/]+)\/pools(?:\/([^/]+)(?:\/(stopResize|disableAutoScale))?)?$/i;
const OPERATION_RESULT =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Batch\/batchAccounts\/([^/]+)\/poolOperationResults\/delete-([^/]+)-([0-9A-F]+)$/i;

export interface ArmPoolsApiOptions {
  account: BatchAccount;
  identities: IdentityStore;
  subscriptionId?: () => string;
  /** ARM's per-subscription request buckets (default: Learn's limits, see state/arm-throttle.ts). */
  throttle?: SubscriptionBuckets;
}

/** A pool's ETag as ARM shows it: weak, quoted (PoolGet.json: W/"0x8D4EDFEBFADF4AB"). */
export function armEtag(pool: PoolView): string {
  return `W/"${pool.eTag}"`;
}

/** Batch refusals as ARM's CloudError: the same code and message, values as details (our choice). */
function cloudError(ctx: RequestContext, err: BatchError): SimResponse {
  const details = (err.values ?? []).map((v) => ({ code: v.key, message: v.value }));
  return armJson(
    err.status,
    { error: { code: err.code, message: err.message, ...(details.length > 0 ? { details } : {}) } },
    ctx.requestId,
    err.headers,
  );
}

export function createArmPoolsApi(
  model: PoolModel,
  options: ArmPoolsApiOptions,
): { match(method: string, segments: string[]): Route | undefined } {
  const { account, identities } = options;

  const ours = (subscription: string, group: string, name: string): boolean =>
    subscription.toLowerCase() === (options.subscriptionId?.() ?? subscription).toLowerCase() &&
    group.toLowerCase() === account.resourceGroup.toLowerCase() &&
    name.toLowerCase() === account.name.toLowerCase();

  const poolId = (subscription: string, name: string): string =>
    `${account.resourceId(subscription)}/pools/${name}`;

  const render = (subscription: string, pool: PoolView, origin: string): Json => {
    const data = poolJson(model, pool, origin);
    const steady = pool.allocationState === 'steady';
    const errors = steady ? pool.resizeErrors.map(armResizeError) : [];
    const last = pool.lastResize;
    const properties = dataPoolToArm(data, {
      provisioningState: pool.state === 'deleting' ? 'Deleting' : 'Succeeded',
      provisioningStateTransitionTime: azureTime(pool.stateTransitionTime),
      allocationState: pool.allocationState,
      allocationStateTransitionTime: azureTime(pool.allocationStateTransitionTime),
      creationTime: azureTime(pool.creationTime),
      lastModified: azureTime(pool.lastModified),
      currentDedicatedNodes: data.currentDedicatedNodes as number,
      currentLowPriorityNodes: data.currentLowPriorityNodes as number,
      ...(!last
        ? {}
        : {
            resizeOperationStatus: {
              nodeDeallocationOption: armDeallocationOption(last.nodeDeallocationOption ?? 'requeue'),
              resizeTimeout: pool.resizeTimeout,
              startTime: azureTime(last.startTime),
              targetDedicatedNodes: pool.target.dedicated,
              targetLowPriorityNodes: pool.target.lowPriority,
              ...(errors.length > 0 ? { errors } : {}),
            },
          }),
      ...(data.autoScaleRun ? { autoScaleRun: armAutoScaleRun(data.autoScaleRun as Json) } : {}),
    });
    return {
      id: poolId(subscription, pool.id),
      name: pool.id,
      type: 'Microsoft.Batch/batchAccounts/pools',
      etag: armEtag(pool),
      ...(pool.identities
        ? {
            identity: {
              type: 'UserAssigned',
              userAssignedIdentities: Object.fromEntries(
                pool.identities.map((i) => [
                  i.resourceId,
                  { principalId: i.principalId, clientId: i.clientId },
                ]),
              ),
            },
          }
        : {}),
      properties,
    };
  };

  const answer = (ctx: RequestContext, subscription: string, pool: PoolView): SimResponse =>
    armJson(200, render(subscription, pool, ctx.origin), ctx.requestId, { etag: armEtag(pool) });

  /** ARM's If-Match / If-None-Match on a pool (absent pool: only If-Match fails). */
  const preconditionFailed = (ctx: RequestContext, pool: PoolView | undefined): SimResponse | undefined => {
    const ifMatch = header(ctx, 'if-match');
    const ifNoneMatch = header(ctx, 'if-none-match');
    const matches = (h: string): boolean =>
      pool !== undefined &&
      h.split(',').some((t) => {
        const v = t.trim();
        return v === '*' || v === armEtag(pool) || v.replace(/^W\//, '').replace(/^"|"$/g, '') === pool.eTag;
      });
    const failed =
      (ifMatch !== undefined && !matches(ifMatch)) || (ifNoneMatch !== undefined && matches(ifNoneMatch));
    return failed
      ? armError(
          412,
          'ConditionNotMet',
          'The condition specified using HTTP conditional header(s) is not met.',
          ctx.requestId,
        )
      : undefined;
  };

  /**
   * The identities a write names, checked as ARM checks a linked scope: each must exist and the caller must
   * hold assign/action on it, or the write is refused with 403 LinkedAuthorizationFailed naming them.
   */
  const readIdentity = (
    ctx: RequestContext,
    subscription: string,
    name: string,
    identity: unknown,
  ): { identities: PoolIdentity[] | undefined } | SimResponse => {
    if (identity === undefined) return { identities: undefined };
    if (typeof identity !== 'object' || identity === null)
      return armError(400, 'InvalidRequestContent', 'identity must be an object.', ctx.requestId);
    const { type, userAssignedIdentities } = identity as Json;
    if (String(type).toLowerCase() === 'none') return { identities: [] };
    if (
      String(type) !== 'UserAssigned' ||
      typeof userAssignedIdentities !== 'object' ||
      !userAssignedIdentities
    )
      return armError(
        400,
        'InvalidParameter',
        "identity.type must be 'UserAssigned' (with userAssignedIdentities) or 'None'.",
        ctx.requestId,
      );
    const ids = Object.keys(userAssignedIdentities);
    const refused = ids.filter((id) => !identities.mayAssign(id, ctx.clientId));
    if (refused.length > 0)
      return armError(
        403,
        'LinkedAuthorizationFailed',
        `The client '${ctx.clientId ?? ''}' has permission to perform action ` +
          `'Microsoft.Batch/batchAccounts/pools/write' on scope '${poolId(subscription, name)}'; however, it ` +
          `does not have permission to perform action(s) ` +
          `'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action' on the linked scope(s) ` +
          `'${refused.join(',')}' (respectively) or the linked scope(s) are invalid.`,
        ctx.requestId,
      );
    return {
      identities: ids.map((id) => {
        const known = identities.get(id)!;
        return { resourceId: known.id, clientId: known.clientId, principalId: known.principalId };
      }),
    };
  };

  const throttle = options.throttle ?? new SubscriptionBuckets();

  /** ARM's subscription buckets first (a 429 with Retry-After when empty), then the operation. */
  const guarded =
    (subscription: string, fn: (ctx: RequestContext) => SimResponse): Route['handle'] =>
    (ctx) => {
      const kind = SubscriptionBuckets.kindOf(ctx.method);
      const taken = throttle.take(subscription, kind);
      if (!taken.ok)
        return armError(
          429,
          'SubscriptionRequestsThrottled',
          `Number of '${kind.slice(0, -1)}' requests for subscription '${subscription}' exceeded. Please try ` +
            `again after '${taken.retryAfterSeconds}' seconds after additional tokens are available.`,
          ctx.requestId,
          {
            'retry-after': String(taken.retryAfterSeconds),
            [`x-ms-ratelimit-remaining-subscription-${kind}`]: '0',
          },
        );
      let res: SimResponse;
      try {
        res = fn(ctx);
      } catch (err) {
        if (!(err instanceof BatchError)) throw err;
        res = cloudError(ctx, err);
      }
      return {
        ...res,
        headers: {
          ...res.headers,
          [`x-ms-ratelimit-remaining-subscription-${kind}`]: String(taken.remaining),
        },
      };
    };

  const routeFor =
    (subscription: string) =>
    (operation: string, fn: (ctx: RequestContext) => SimResponse): Route => ({
      api: 'arm',
      operation,
      handle: guarded(subscription, fn),
    });

  const invalidBody = (ctx: RequestContext): SimResponse =>
    armError(
      400,
      'InvalidRequestContent',
      'The request content was invalid and could not be deserialized.',
      ctx.requestId,
    );

  const notFound = (ctx: RequestContext): SimResponse =>
    armError(404, 'PoolNotFound', 'The specified pool does not exist.', ctx.requestId);

  /** A PATCH (or a PUT on an existing pool): each property present changes the pool, the rest stay. */
  const update = (ctx: RequestContext, subscription: string, pool: PoolView, input: Json): SimResponse => {
    const props = isObject(input.properties) ? input.properties : {};
    const checked = readIdentity(ctx, subscription, pool.id, input.identity);
    if ('status' in checked) return checked;
    const { body: settings, nodeDeallocationOption } = armToAddBody(pool.id, props);
    delete settings.id;
    const scale = props.scaleSettings as Json | undefined;
    const fixed = scale?.fixedScale as Json | undefined;
    const auto = scale?.autoScale as Json | undefined;
    for (const k of [
      'targetDedicatedNodes',
      'targetLowPriorityNodes',
      'resizeTimeout',
      'enableAutoScale',
      'autoScaleFormula',
      'autoScaleEvaluationInterval',
    ])
      delete settings[k];
    if (props.interNodeCommunication === undefined) delete settings.enableInterNodeCommunication;
    // "In a PATCH (update) operation, this property can be set to an empty object to remove the start task
    // from the pool" (Learn: Azure.ResourceManager.Batch BatchAccountPoolData.StartTask).
    const removeStartTask =
      isObject(settings.startTask) &&
      Object.keys(settings.startTask).length === 0 &&
      delete settings.startTask;
    let current = pool;
    if (Object.keys(settings).length > 0) current = model.patch(pool.id, settings);
    if (removeStartTask)
      current = model.updateProperties(pool.id, {
        applicationPackageReferences: current.spec.applicationPackageReferences ?? [],
        metadata: current.spec.metadata ?? [],
      });
    if (checked.identities !== undefined) current = model.setIdentities(pool.id, checked.identities);
    if (auto) {
      current = model.enableAutoScale(pool.id, {
        autoScaleFormula: auto.formula,
        ...(auto.evaluationInterval === undefined
          ? {}
          : { autoScaleEvaluationInterval: auto.evaluationInterval }),
      });
    } else if (fixed) {
      // A fixedScale in an update resizes the pool to it, also to the targets it has (our reading: the
      // operator's re-issued resize after a failure sends the same targets), and is refused as the data
      // plane refuses a resize while one is under way. An autoscaling pool stops autoscaling first.
      if (current.spec.enableAutoScale === true) current = model.disableAutoScale(pool.id);
      current = model.resize(pool.id, {
        targetDedicatedNodes: fixed.targetDedicatedNodes ?? current.target.dedicated,
        targetLowPriorityNodes: fixed.targetLowPriorityNodes ?? current.target.lowPriority,
        ...(fixed.resizeTimeout === undefined ? {} : { resizeTimeout: fixed.resizeTimeout }),
        ...(nodeDeallocationOption === undefined
          ? {}
          : { nodeDeallocationOption: dataDeallocationOption(nodeDeallocationOption) }),
      });
    }
    return answer(ctx, subscription, current);
  };

  return {
    match(method, segments) {
      const path = `/${segments.join('/')}`;
      const result = OPERATION_RESULT.exec(path);
      if (result && method === 'GET') {
        const [, sub = '', group = '', acct = '', name = ''] = result;
        const route = routeFor(sub);
        return route('Pool_DeleteOperationResult', (ctx) => {
          if (!ours(sub, group, acct)) return notFound(ctx);
          // 202 while the pool is still being deleted, then 200 with no body (the ARM async contract).
          const pool = model.get(name);
          return pool && pool.state === 'deleting'
            ? armJson(202, undefined, ctx.requestId, {
                location: `${ctx.origin}${ctx.path}?${ctx.query.toString()}`,
                'retry-after': '15',
              })
            : armJson(200, undefined, ctx.requestId);
        });
      }
      const m = POOLS.exec(path);
      if (!m) return undefined;
      const [, sub = '', group = '', acct = '', name, action] = m;
      const route = routeFor(sub);
      const mine = (ctx: RequestContext): SimResponse | undefined =>
        ours(sub, group, acct)
          ? undefined
          : armError(
              404,
              'ResourceNotFound',
              `The Resource 'Microsoft.Batch/batchAccounts/${acct}' under resource group '${group}' was not found.`,
              ctx.requestId,
            );

      if (name === undefined) {
        if (method !== 'GET') return undefined;
        return route('Pool_ListByBatchAccount', (ctx) => {
          const wrong = mine(ctx);
          if (wrong) return wrong;
          if (ctx.query.get('$filter') !== null)
            return armError(
              400,
              'InvalidQueryParameterValue',
              'The simulator does not evaluate $filter on the management-plane pool list.',
              ctx.requestId,
            );
          const max = Math.max(1, Math.min(1000, Number(ctx.query.get('maxresults') ?? 1000) || 1000));
          const after = ctx.query.get('$skiptoken');
          const pools = model.list().filter((p) => after === null || p.id > after);
          const page = pools.slice(0, max);
          const next = pools.length > max ? page[page.length - 1]!.id : undefined;
          const q = new URLSearchParams(ctx.query);
          if (next !== undefined) q.set('$skiptoken', next);
          return armJson(
            200,
            {
              value: page.map((p) => select(render(sub, p, ctx.origin), ctx.query.get('$select'))),
              ...(next === undefined ? {} : { nextLink: `${ctx.origin}${ctx.path}?${q.toString()}` }),
            },
            ctx.requestId,
          );
        });
      }

      if (action !== undefined) {
        if (method !== 'POST') return undefined;
        const op = action.toLowerCase() === 'stopresize' ? 'Pool_StopResize' : 'Pool_DisableAutoScale';
        return route(op, (ctx) => {
          const wrong = mine(ctx);
          if (wrong) return wrong;
          if (!model.get(name)) return notFound(ctx);
          const pool = op === 'Pool_StopResize' ? model.stopResize(name) : model.disableAutoScale(name);
          return answer(ctx, sub, pool);
        });
      }

      if (method === 'GET')
        return route('Pool_Get', (ctx) => {
          const wrong = mine(ctx);
          if (wrong) return wrong;
          const pool = model.get(name);
          return pool ? answer(ctx, sub, pool) : notFound(ctx);
        });

      if (method === 'PUT')
        return route('Pool_Create', (ctx) => {
          const wrong = mine(ctx);
          if (wrong) return wrong;
          const input = parseJsonObject(ctx.body);
          if (!input) return invalidBody(ctx);
          const existing = model.get(name);
          const blocked = preconditionFailed(ctx, existing);
          if (blocked) return blocked;
          if (existing) return update(ctx, sub, existing, input);
          const props = isObject(input.properties) ? input.properties : {};
          const checked = readIdentity(ctx, sub, name, input.identity);
          if ('status' in checked) return checked;
          const { body: addBody, nodeDeallocationOption } = armToAddBody(name, props);
          let pool = model.add(addBody);
          if (nodeDeallocationOption !== undefined && pool.lastResize)
            (pool.lastResize as { nodeDeallocationOption?: string }).nodeDeallocationOption =
              dataDeallocationOption(nodeDeallocationOption);
          if (checked.identities && checked.identities.length > 0)
            pool = model.setIdentities(name, checked.identities);
          return answer(ctx, sub, pool);
        });

      if (method === 'PATCH')
        return route('Pool_Update', (ctx) => {
          const wrong = mine(ctx);
          if (wrong) return wrong;
          const input = parseJsonObject(ctx.body);
          if (!input) return invalidBody(ctx);
          const pool = model.get(name);
          if (!pool) return notFound(ctx);
          const blocked = preconditionFailed(ctx, pool);
          if (blocked) return blocked;
          return update(ctx, sub, pool, input);
        });

      if (method === 'DELETE')
        return route('Pool_Delete', (ctx) => {
          const wrong = mine(ctx);
          if (wrong) return wrong;
          const pool = model.get(name);
          if (!pool) return armJson(204, undefined, ctx.requestId);
          if (pool.state !== 'deleting') model.delete(name);
          const operation = `${account.resourceId(sub)}/poolOperationResults/delete-${name}-${pool.eTag.replace(/^0x/, '')}`;
          return armJson(202, undefined, ctx.requestId, {
            location: `${ctx.origin}${operation}?api-version=${ctx.query.get('api-version') ?? ''}`,
            'retry-after': '15',
          });
        });

      return undefined;
    },
  };
}

/**
 * A management-plane create or update body summarized as summarizeBody summarizes the data plane's: the same
 * fields, read through the plane translation (targets from scaleSettings.fixedScale, and so on).
 */
export function summarizeArmPoolBody(
  operation: string,
  path: string,
  body: Buffer,
): RequestBodySummary | undefined {
  if (operation !== 'Pool_Create' && operation !== 'Pool_Update') return undefined;
  const parsed = parseJsonObject(body);
  if (!parsed || !isObject(parsed.properties)) return undefined;
  const name = decodeURIComponent(path.split('/').filter(Boolean).at(-1) ?? '');
  const { body: add, nodeDeallocationOption } = armToAddBody(name, parsed.properties);
  const scale = parsed.properties.scaleSettings;
  // Without a fixedScale the body names no targets (armToAddBody filled in a create's defaults).
  if (!(isObject(scale) && isObject(scale.fixedScale))) {
    delete add.targetDedicatedNodes;
    delete add.targetLowPriorityNodes;
  }
  const summary = summarizeBody(
    operation === 'Pool_Create' ? 'Pool_Add' : 'Pool_Resize',
    Buffer.from(
      JSON.stringify({
        ...add,
        ...(nodeDeallocationOption !== undefined && {
          nodeDeallocationOption: dataDeallocationOption(nodeDeallocationOption),
        }),
      }),
    ),
  );
  return summary && Object.keys(summary).length > 0 ? summary : undefined;
}

/** ARM's AutoScaleRun: evaluationTime where the data plane says timestamp; error values become details. */
function armAutoScaleRun(run: Json): Json {
  const error = run.error as
    { code: string; message: string; values?: { name: string; value: string }[] } | undefined;
  return {
    evaluationTime: run.timestamp,
    ...(run.results === undefined ? {} : { results: run.results }),
    ...(error ? { error: armResizeError(error) } : {}),
  };
}

/** $select as ARM spells it for pools: comma-separated `properties/<name>` (and top-level names). */
function select(resource: Json, selectText: string | null): Json {
  if (!selectText) return resource;
  const wanted = selectText.split(',').map((s) => s.trim());
  const props = resource.properties as Json;
  const kept: Json = {};
  for (const w of wanted) {
    const k = w.replace(/^properties\//i, '');
    if (k in props) kept[k] = props[k];
  }
  return { id: resource.id, name: resource.name, type: resource.type, etag: resource.etag, properties: kept };
}

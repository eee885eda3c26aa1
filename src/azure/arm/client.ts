// Batch pools on the management plane (Microsoft.Batch/batchAccounts/pools) at api-version 2025-06-01, on
// @azure-rest/core-client as the data-plane client is: the paths, query names, conditional headers and
// expected status codes of Microsoft's azure-mgmt-batch 19.0.0 (operations/_operations.py, build_pool_*_request
// and PoolOperations): get 200, create (PUT) 200, update (PATCH) 200, delete 200/202/204 with a Location to
// poll, list 200 with nextLink, disableAutoScale and stopResize 200. Bodies are plain JSON: what is sent is
// exactly what the caller built (no model serializer drops a 2025-06-01 property it does not know, as
// @azure/arm-batch 9.1.0, written for 2023-11-01, would). Retries are the adapter's.

import { createRestError, getClient, type Client, type PathUncheckedResponse } from '@azure-rest/core-client';
import type { TokenCredential } from '@azure/identity';
import { requestObserver, type SentRequest } from '../batch/client.ts';

export const ARM_API_VERSION = '2025-06-01';
export const ARM_SCOPE = 'https://management.azure.com/.default';

/** The contract's pool operations: name → method and path under the account's resource ID. */
export const ARM_POOL_OPERATIONS = {
  pool_get: { method: 'GET', path: '/pools/{poolName}', expected: [200] },
  pool_create: { method: 'PUT', path: '/pools/{poolName}', expected: [200] },
  pool_update: { method: 'PATCH', path: '/pools/{poolName}', expected: [200] },
  pool_delete: { method: 'DELETE', path: '/pools/{poolName}', expected: [200, 202, 204] },
  pool_list_by_batch_account: { method: 'GET', path: '/pools', expected: [200] },
  pool_disable_auto_scale: { method: 'POST', path: '/pools/{poolName}/disableAutoScale', expected: [200] },
  pool_stop_resize: { method: 'POST', path: '/pools/{poolName}/stopResize', expected: [200] },
} as const;

export type ArmPoolOperation = keyof typeof ARM_POOL_OPERATIONS;

type Json = Record<string, unknown>;

export type ArmSentRequest = SentRequest;

export interface ArmPoolClientOptions {
  /** Extra CA (PEM) to trust, for the simulator. */
  ca?: string;
  onRequest?: (request: ArmSentRequest) => void;
}

export interface ArmCallOptions {
  abortSignal?: AbortSignal;
  ifMatch?: string;
  ifNoneMatch?: string;
}

/** An answer the caller reads: status, body and headers (names in lower case). */
export interface ArmAnswer {
  status: number;
  body: Json | undefined;
  headers: Record<string, string>;
}

/** A Batch account's management-plane resource ID, parsed. */
export interface AccountResource {
  subscriptionId: string;
  resourceGroup: string;
  accountName: string;
  /** /subscriptions/…/resourceGroups/…/providers/Microsoft.Batch/batchAccounts/… as written. */
  id: string;
}

const ACCOUNT_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Batch\/batchAccounts\/([^/]+)$/i;

export function parseAccountResourceId(id: string): AccountResource | undefined {
  const m = ACCOUNT_ID.exec(id.trim().replace(/\/+$/, ''));
  if (!m) return undefined;
  return { subscriptionId: m[1]!, resourceGroup: m[2]!, accountName: m[3]!, id: m[0] };
}

export class ArmPoolClient {
  readonly account: AccountResource;
  readonly endpoint: string;
  private readonly client: Client;

  constructor(
    endpoint: string,
    account: AccountResource,
    credential: TokenCredential,
    options: ArmPoolClientOptions = {},
  ) {
    this.endpoint = endpoint.replace(/\/+$/, '');
    this.account = account;
    this.client = getClient(this.endpoint, credential, {
      credentials: { scopes: [ARM_SCOPE] },
      apiVersion: ARM_API_VERSION,
      retryOptions: { maxRetries: 0 },
      ...(options.ca && { tlsOptions: { ca: options.ca } }),
      ...(options.onRequest && {
        additionalPolicies: [
          {
            policy: requestObserver(options.onRequest, 'armPoolRequestObserver'),
            position: 'perRetry' as const,
          },
        ],
      }),
    });
  }

  private url(
    op: ArmPoolOperation,
    poolName?: string,
    query: Record<string, string | number | undefined> = {},
  ): string {
    const path = ARM_POOL_OPERATIONS[op].path.replace('{poolName}', encodeURIComponent(poolName ?? ''));
    const q = Object.entries({ 'api-version': ARM_API_VERSION, ...query })
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
      .join('&');
    return `${this.account.id}${path}?${q}`;
  }

  /**
   * A link ARM gave (nextLink, Location), only ever on our own endpoint: the bearer token must not follow a
   * link elsewhere.
   */
  private ownLink(link: string): string {
    const url = new URL(link, `${this.endpoint}/`);
    if (url.origin !== new URL(this.endpoint).origin)
      throw new Error(
        `refusing to follow a link to ${url.origin}: not the management endpoint ${this.endpoint}`,
      );
    return `${url.pathname}${url.search}`;
  }

  private async send(
    method: string,
    url: string,
    expected: readonly number[],
    body: unknown,
    o: ArmCallOptions = {},
  ): Promise<ArmAnswer> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(o.ifMatch !== undefined && { 'If-Match': o.ifMatch }),
      ...(o.ifNoneMatch !== undefined && { 'If-None-Match': o.ifNoneMatch }),
    };
    const resource = this.client.pathUnchecked(url);
    const params = {
      headers,
      skipUrlEncoding: true,
      ...(o.abortSignal && { abortSignal: o.abortSignal }),
      ...(body !== undefined && { body, contentType: 'application/json' }),
    };
    const res: PathUncheckedResponse =
      method === 'GET'
        ? await resource.get(params)
        : method === 'PUT'
          ? await resource.put(params)
          : method === 'PATCH'
            ? await resource.patch(params)
            : method === 'POST'
              ? await resource.post(params)
              : await resource.delete(params);
    const status = Number(res.status);
    // ARM's CloudError is {error: {code, message, details}}: createRestError reads the code and message from
    // it, and the whole body goes on `details`, where src/azure/errors.ts reads error.details.
    if (!expected.includes(status)) {
      const err = createRestError(res);
      if (typeof res.body === 'object' && res.body !== null) err.details = res.body;
      throw err;
    }
    const json = typeof res.body === 'object' && res.body !== null ? (res.body as Json) : undefined;
    return { status, body: json, headers: res.headers };
  }

  private op(op: ArmPoolOperation, poolName: string | undefined, body?: unknown, o?: ArmCallOptions) {
    const { method, expected } = ARM_POOL_OPERATIONS[op];
    return this.send(method, this.url(op, poolName), expected, body, o);
  }

  get(poolName: string, o?: ArmCallOptions): Promise<ArmAnswer> {
    return this.op('pool_get', poolName, undefined, o);
  }

  create(poolName: string, pool: Json, o?: ArmCallOptions): Promise<ArmAnswer> {
    return this.op('pool_create', poolName, pool, o);
  }

  update(poolName: string, pool: Json, o?: ArmCallOptions): Promise<ArmAnswer> {
    return this.op('pool_update', poolName, pool, o);
  }

  /** The delete's first answer: 202 while Azure deletes the pool (the pool then reads as Deleting), 200 or 204. */
  beginDelete(poolName: string, o?: ArmCallOptions): Promise<ArmAnswer> {
    return this.op('pool_delete', poolName, undefined, o);
  }

  /** One page of the account's pools (maxresults up to 1000), or the page a nextLink names. */
  async list(
    o: ArmCallOptions & { maxResults?: number; nextLink?: string } = {},
  ): Promise<{ value: Json[]; nextLink?: string }> {
    const url = o.nextLink
      ? this.ownLink(o.nextLink)
      : this.url('pool_list_by_batch_account', undefined, { maxresults: o.maxResults });
    const { body } = await this.send('GET', url, [200], undefined, o);
    const value = Array.isArray(body?.value) ? (body.value as Json[]) : [];
    const next = typeof body?.nextLink === 'string' && body.nextLink ? body.nextLink : undefined;
    return { value, ...(next && { nextLink: next }) };
  }

  disableAutoScale(poolName: string, o?: ArmCallOptions): Promise<ArmAnswer> {
    return this.op('pool_disable_auto_scale', poolName, undefined, o);
  }

  stopResize(poolName: string, o?: ArmCallOptions): Promise<ArmAnswer> {
    return this.op('pool_stop_resize', poolName, undefined, o);
  }
}

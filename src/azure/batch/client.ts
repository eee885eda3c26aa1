// The Batch data plane at api-version 2025-06-01 on @azure-rest/core-client: typed operations that send what
// Microsoft's Python SDK azure-batch 15.1.0 sends (azure/batch/_operations/_operations.py, build_batch_*_request
// and the operation methods): its paths and query names, `content-type: application/json;
// odata=minimalmetadata` on bodies, `accept: application/json` only where an answer has a body, a
// `client-request-id` on every request, `ocp-date` and the conditional headers only when asked, and the same
// expected status codes. Anything else becomes a RestError that src/azure/errors.ts reads. The SDK's retries
// are off: retrying is the adapter's (src/azure/retry.ts). Nothing here knows about pools as the controller
// sees them; the adapter (adapter.ts) does.

import { createRestError, getClient, type Client, type PathUncheckedResponse } from '@azure-rest/core-client';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import {
  API_VERSION,
  OPERATIONS,
  type BatchError,
  type BatchNode,
  type BatchNodeRebootOptions,
  type BatchNodeReimageOptions,
  type BatchNodeRemoveOptions,
  type BatchPool,
  type BatchPoolCreateOptions,
  type BatchPoolEnableAutoScaleOptions,
  type BatchPoolNodeCounts,
  type BatchPoolReplaceOptions,
  type BatchPoolResizeOptions,
  type BatchPoolUpdateOptions,
  type BatchSupportedImage,
} from './wire.ts';

export const BATCH_SCOPE = 'https://batch.core.windows.net//.default';

/** What the Python SDK sends with a body. */
export const BODY_CONTENT_TYPE = 'application/json; odata=minimalmetadata';

/** A request as it left the client: header names in lower case, the authorization header left out. */
export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface BatchClientOptions {
  /** Extra CA (PEM) to trust, for the simulator. */
  ca?: string;
  /** Told about every request sent (the contract test, a request log). */
  onRequest?: (request: SentRequest) => void;
  /** Put before core-rest-pipeline's user agent. */
  userAgentPrefix?: string;
}

export interface CallOptions {
  abortSignal?: AbortSignal;
  /** Sent as client-request-id; by default each request gets a new UUID, as the Python SDK does. */
  clientRequestId?: string;
  /** Sent as ocp-date; the Python SDK leaves it out unless asked. */
  ocpDate?: Date;
  /** The timeOut query parameter: seconds the service may spend (it caps at 30). */
  serviceTimeoutSeconds?: number;
}

/** Conditional headers, for the operations that take them. */
export interface Conditions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: Date;
  ifUnmodifiedSince?: Date;
}

export interface ListOptions extends CallOptions {
  filter?: string;
  /** maxresults: up to 1000 items per page. */
  maxResults?: number;
  /** Follow this link (an earlier page's nextLink) instead of starting over; the other options are then unused. */
  nextLink?: string;
}

/** One page of a list, with the link to the next when there is one. */
export interface Page<T> {
  value: T[];
  nextLink?: string;
}

/** What a write answers with, from its headers. */
export interface WriteResult {
  eTag?: string;
  lastModified?: string;
  dataServiceId?: string;
  requestId?: string;
}

type Operation = keyof typeof OPERATIONS;
type Query = Record<string, string | number | readonly string[] | undefined>;

interface Request {
  pathParams?: Record<string, string>;
  query?: Query;
  body?: unknown;
  /** Whether an answer carries a body the SDK reads (it then sends accept: application/json). */
  readsBody?: boolean;
  expected: readonly number[];
  options?: CallOptions & Conditions;
  /** An absolute next-page link that replaces path and query. */
  nextLink?: string;
}

/** Percent-encodes like the Python SDK's quote(value, safe=''): everything but letters, digits and -._~. */
export function quote(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function queryString(query: Query): string {
  const parts: string[] = [];
  for (const [key, v] of Object.entries(query)) {
    if (v === undefined) continue;
    // Lists ($select, $expand) are quoted item by item and joined with a bare comma, as the SDK does.
    const text = Array.isArray(v) ? v.map(quote).join(',') : quote(String(v));
    parts.push(`${key}=${text}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/**
 * An ETag as an HTTP entity-tag, as the SDK's quote_etag writes it: Batch hands out bare ones (0x8D…), the
 * header wants them quoted; `*`, weak and already quoted tags stay as they are.
 */
export function quoteEtag(etag: string): string {
  if (etag === '*' || etag.startsWith('W/')) return etag;
  if (/^".*"$|^'.*'$/.test(etag)) return etag;
  return `"${etag}"`;
}

function conditionHeaders(c: Conditions = {}): Record<string, string> {
  return {
    ...(c.ifModifiedSince && { 'If-Modified-Since': c.ifModifiedSince.toUTCString() }),
    ...(c.ifUnmodifiedSince && { 'If-Unmodified-Since': c.ifUnmodifiedSince.toUTCString() }),
    ...(c.ifMatch !== undefined && { 'If-Match': quoteEtag(c.ifMatch) }),
    ...(c.ifNoneMatch !== undefined && { 'If-None-Match': quoteEtag(c.ifNoneMatch) }),
  };
}

function isBatchError(body: unknown): body is BatchError {
  return typeof body === 'object' && body !== null && ('code' in body || 'message' in body);
}

/**
 * The error for an answer the SDK would not accept. createRestError keeps the status, the code and the
 * headers (Retry-After) but not the body, so the Batch error goes on `details`, where Azure's generated
 * clients put it, with its message text as the error's message rather than the {lang, value} object.
 */
export function batchRestError(res: PathUncheckedResponse): Error {
  const body = isBatchError(res.body) ? res.body : undefined;
  const text =
    body?.message?.value ??
    (typeof res.body === 'string' && res.body ? res.body : `Unexpected status code: ${res.status}`);
  const err = createRestError(text, res);
  if (body) err.details = body;
  return err;
}

function writeResult(res: PathUncheckedResponse): WriteResult {
  const h = res.headers;
  return {
    ...(h.etag !== undefined && { eTag: h.etag }),
    ...(h['last-modified'] !== undefined && { lastModified: h['last-modified'] }),
    ...(h.dataserviceid !== undefined && { dataServiceId: h.dataserviceid }),
    ...(h['request-id'] !== undefined && { requestId: h['request-id'] }),
  };
}

function page<T>(res: PathUncheckedResponse): Page<T> {
  const body = (res.body ?? {}) as { value?: T[]; 'odata.nextLink'?: string };
  return { value: body.value ?? [], ...(body['odata.nextLink'] && { nextLink: body['odata.nextLink'] }) };
}

/** A pipeline policy that tells `onRequest` what each attempt sent (the bearer token left out). */
export function requestObserver(
  onRequest: (r: SentRequest) => void,
  name = 'batchRequestObserver',
): PipelinePolicy {
  return {
    name,
    async sendRequest(request, next) {
      const headers: Record<string, string> = {};
      for (const [name, value] of request.headers) {
        const lower = name.toLowerCase();
        if (lower !== 'authorization') headers[lower] = value;
      }
      onRequest({
        method: request.method,
        url: request.url,
        headers,
        ...(typeof request.body === 'string' && { body: request.body }),
      });
      return next(request);
    },
  };
}

export class BatchClient {
  readonly endpoint: string;
  private readonly client: Client;

  constructor(endpoint: string, credential: TokenCredential, options: BatchClientOptions = {}) {
    this.endpoint = endpoint.replace(/\/+$/, '');
    this.client = getClient(this.endpoint, credential, {
      credentials: { scopes: [BATCH_SCOPE] },
      apiVersion: API_VERSION,
      // Retries are the adapter's (src/azure/retry.ts): the pipeline's would hide 429/503 and multiply waits.
      retryOptions: { maxRetries: 0 },
      telemetryOptions: { clientRequestIdHeaderName: 'client-request-id' },
      // The SDK sends accept only on operations whose answer has a body; we set it per operation.
      internal: { noDefaultAcceptHeader: true },
      ...(options.ca && { tlsOptions: { ca: options.ca } }),
      ...(options.userAgentPrefix && { userAgentOptions: { userAgentPrefix: options.userAgentPrefix } }),
      ...(options.onRequest && {
        additionalPolicies: [{ policy: requestObserver(options.onRequest), position: 'perRetry' as const }],
      }),
    });
  }

  /**
   * A next-page link with our api-version (the Python SDK replaces it too), and only ever on our own
   * endpoint: the bearer token must not follow a link elsewhere.
   */
  private nextPageUrl(link: string): string {
    const url = new URL(link, `${this.endpoint}/`);
    if (url.origin !== new URL(this.endpoint).origin)
      throw new Error(
        `refusing to follow a next link to ${url.origin}: not the Batch account ${this.endpoint}`,
      );
    const query = url.search
      .replace(/^\?/, '')
      .split('&')
      .filter((p) => p && !/^api-version=/i.test(p));
    return `${url.origin}${url.pathname}?${[`api-version=${API_VERSION}`, ...query].join('&')}`;
  }

  private async send(op: Operation, r: Request): Promise<PathUncheckedResponse> {
    const o = r.options ?? {};
    let url: string;
    if (r.nextLink) {
      url = this.nextPageUrl(r.nextLink);
    } else {
      const path = OPERATIONS[op].path.replace(/\{(\w+)\}/g, (_, name: string) => {
        const v = r.pathParams?.[name];
        if (v === undefined) throw new Error(`${op}: no value for {${name}}`);
        return quote(v);
      });
      url = path + queryString({ 'api-version': API_VERSION, timeOut: o.serviceTimeoutSeconds, ...r.query });
    }
    const method = OPERATIONS[op].method;
    const headers: Record<string, string> = {
      // As the SDK's transport does for a body-less POST or DELETE (Node adds it to a POST by itself).
      ...(r.body === undefined && (method === 'POST' || method === 'DELETE') && { 'content-length': '0' }),
      ...(o.ocpDate && { 'ocp-date': o.ocpDate.toUTCString() }),
      ...(o.clientRequestId && { 'client-request-id': o.clientRequestId }),
      ...(r.readsBody && { accept: 'application/json' }),
      ...conditionHeaders(o),
    };
    const resource = this.client.pathUnchecked(url);
    const params = {
      headers,
      skipUrlEncoding: true,
      ...(o.abortSignal && { abortSignal: o.abortSignal }),
      ...(r.body !== undefined && { body: r.body, contentType: BODY_CONTENT_TYPE }),
    };
    const res =
      method === 'GET'
        ? await resource.get(params)
        : method === 'POST'
          ? await resource.post(params)
          : method === 'PATCH'
            ? await resource.patch(params)
            : method === 'DELETE'
              ? await resource.delete(params)
              : await resource.head(params);
    if (!r.expected.includes(Number(res.status))) throw batchRestError(res);
    return res;
  }

  // ------------------------------------------------------------------------------------------ pools

  async createPool(pool: BatchPoolCreateOptions, options?: CallOptions): Promise<WriteResult> {
    return writeResult(
      await this.send('create_pool', { body: pool, expected: [201], ...(options && { options }) }),
    );
  }

  async getPool(
    poolId: string,
    options: CallOptions & Conditions & { select?: readonly string[]; expand?: readonly string[] } = {},
  ): Promise<BatchPool> {
    const res = await this.send('get_pool', {
      pathParams: { poolId },
      query: { $select: options.select, $expand: options.expand },
      readsBody: true,
      expected: [200],
      options,
    });
    return res.body as BatchPool;
  }

  async listPools(
    options: ListOptions & { select?: readonly string[]; expand?: readonly string[] } = {},
  ): Promise<Page<BatchPool>> {
    const res = await this.send('list_pools', {
      query: {
        maxresults: options.maxResults,
        $filter: options.filter,
        $select: options.select,
        $expand: options.expand,
      },
      readsBody: true,
      expected: [200],
      options,
      ...(options.nextLink && { nextLink: options.nextLink }),
    });
    return page<BatchPool>(res);
  }

  /** HEAD: true on 200, false on 404. */
  async poolExists(poolId: string, options: CallOptions & Conditions = {}): Promise<boolean> {
    const res = await this.send('pool_exists', { pathParams: { poolId }, expected: [200, 404], options });
    return res.status === '200';
  }

  /** PATCH: replaces only the properties given; pass ifMatch to update only the version read. */
  async updatePool(
    poolId: string,
    update: BatchPoolUpdateOptions,
    options: CallOptions & Conditions = {},
  ): Promise<WriteResult> {
    return writeResult(
      await this.send('update_pool', { pathParams: { poolId }, body: update, expected: [200], options }),
    );
  }

  /** updateproperties: replaces the start task, application packages and metadata as a whole. */
  async replacePoolProperties(
    poolId: string,
    replace: BatchPoolReplaceOptions,
    options: CallOptions = {},
  ): Promise<WriteResult> {
    return writeResult(
      await this.send('replace_pool_properties', {
        pathParams: { poolId },
        body: replace,
        expected: [204],
        options,
      }),
    );
  }

  async resizePool(
    poolId: string,
    resize: BatchPoolResizeOptions,
    options: CallOptions & Conditions = {},
  ): Promise<WriteResult> {
    return writeResult(
      await this.send('resize_pool_internal', {
        pathParams: { poolId },
        body: resize,
        expected: [202],
        options,
      }),
    );
  }

  async stopPoolResize(poolId: string, options: CallOptions & Conditions = {}): Promise<WriteResult> {
    return writeResult(
      await this.send('stop_pool_resize_internal', { pathParams: { poolId }, expected: [202], options }),
    );
  }

  /** enableautoscale: turns autoscaling on, or changes the formula or interval of an autoscaled pool. */
  async enablePoolAutoScale(
    poolId: string,
    options: BatchPoolEnableAutoScaleOptions,
    call: CallOptions & Conditions = {},
  ): Promise<WriteResult> {
    return writeResult(
      await this.send('enable_pool_auto_scale', {
        pathParams: { poolId },
        body: options,
        expected: [200],
        options: call,
      }),
    );
  }

  /** disableautoscale: the pool keeps its current size. */
  async disablePoolAutoScale(poolId: string, options: CallOptions & Conditions = {}): Promise<WriteResult> {
    return writeResult(
      await this.send('disable_pool_auto_scale', { pathParams: { poolId }, expected: [200], options }),
    );
  }

  /** Accepted (202): the pool goes to state deleting and disappears later. */
  async deletePool(poolId: string, options: CallOptions & Conditions = {}): Promise<WriteResult> {
    return writeResult(
      await this.send('delete_pool_internal', { pathParams: { poolId }, expected: [202], options }),
    );
  }

  async listPoolNodeCounts(options: ListOptions = {}): Promise<Page<BatchPoolNodeCounts>> {
    const res = await this.send('list_pool_node_counts', {
      query: { maxresults: options.maxResults, $filter: options.filter },
      readsBody: true,
      expected: [200],
      options,
      ...(options.nextLink && { nextLink: options.nextLink }),
    });
    return page<BatchPoolNodeCounts>(res);
  }

  async listSupportedImages(options: ListOptions = {}): Promise<Page<BatchSupportedImage>> {
    const res = await this.send('list_supported_images', {
      query: { maxresults: options.maxResults, $filter: options.filter },
      readsBody: true,
      expected: [200],
      options,
      ...(options.nextLink && { nextLink: options.nextLink }),
    });
    return page<BatchSupportedImage>(res);
  }

  // ------------------------------------------------------------------------------------------ nodes

  async listNodes(
    poolId: string,
    options: ListOptions & { select?: readonly string[] } = {},
  ): Promise<Page<BatchNode>> {
    const res = await this.send('list_nodes', {
      pathParams: { poolId },
      query: { maxresults: options.maxResults, $filter: options.filter, $select: options.select },
      readsBody: true,
      expected: [200],
      options,
      ...(options.nextLink && { nextLink: options.nextLink }),
    });
    return page<BatchNode>(res);
  }

  async removeNodes(
    poolId: string,
    remove: BatchNodeRemoveOptions,
    options: CallOptions & Conditions = {},
  ): Promise<WriteResult> {
    return writeResult(
      await this.send('remove_nodes_internal', {
        pathParams: { poolId },
        body: remove,
        expected: [202],
        options,
      }),
    );
  }

  /** Without `reboot`, no body and no content-type are sent (the service's default: requeue). */
  async rebootNode(
    poolId: string,
    nodeId: string,
    reboot?: BatchNodeRebootOptions,
    options: CallOptions = {},
  ): Promise<WriteResult> {
    return writeResult(
      await this.send('reboot_node_internal', {
        pathParams: { poolId, nodeId },
        ...(reboot && { body: reboot }),
        expected: [202],
        options,
      }),
    );
  }

  /** Without `reimage`, no body and no content-type are sent (the service's default: requeue). */
  async reimageNode(
    poolId: string,
    nodeId: string,
    reimage?: BatchNodeReimageOptions,
    options: CallOptions = {},
  ): Promise<WriteResult> {
    return writeResult(
      await this.send('reimage_node_internal', {
        pathParams: { poolId, nodeId },
        ...(reimage && { body: reimage }),
        expected: [202],
        options,
      }),
    );
  }
}

/** Every item of a paged list, page after page; `fetch` gets the next link (undefined for the first page). */
export async function* allItems<T>(fetch: (nextLink?: string) => Promise<Page<T>>): AsyncGenerator<T> {
  let link: string | undefined;
  do {
    const p = await fetch(link);
    yield* p.value;
    link = p.nextLink;
  } while (link);
}

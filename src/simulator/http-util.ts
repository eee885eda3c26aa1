// Wire helpers shared by the API modules: the request context, responses, timestamps in Azure's
// formats, and the error bodies of the Batch data plane, ARM and Entra ID.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { BatchError } from './state/errors.ts';

export interface RequestContext {
  method: string;
  /** Path without the query, percent-decoded per segment. */
  path: string;
  segments: string[];
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  requestId: string;
  /** https://127.0.0.1:PORT, the origin every API is served from. */
  origin: string;
  /** Simulated time of the request. */
  now: number;
  /** The client behind the call: from the bearer token, or the client_id of a token request. */
  clientId?: string;
}

export type ApiName = 'batch' | 'arm' | 'entra' | 'control';

export interface Route {
  api: ApiName;
  /** Operation name for the request log and fault rules, e.g. Pool_Resize, Images_Get, Token. */
  operation: string;
  handle(ctx: RequestContext): SimResponse | Promise<SimResponse>;
}

export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  body?: string;
  /** Reason phrase; Batch puts the error message there. */
  statusMessage?: string;
}

export const ODATA_CONTENT_TYPE = 'application/json;odata=minimalmetadata';

export function newRequestId(): string {
  return randomUUID();
}

/** 2022-01-13T07:11:03.9211327Z: Azure Batch writes seven fractional digits. */
export function azureTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

export function rfc1123(ms: number): string {
  return new Date(ms).toUTCString();
}

/** Headers every Batch response carries. */
export function batchHeaders(requestId: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'request-id': requestId,
    dataserviceversion: '3.0',
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
    'x-content-type-options': 'nosniff',
    ...extra,
  };
}

export function batchJson(
  status: number,
  requestId: string,
  body: unknown,
  extra: Record<string, string> = {},
): SimResponse {
  return {
    status,
    headers: batchHeaders(requestId, { 'content-type': ODATA_CONTENT_TYPE, ...extra }),
    body: JSON.stringify(body),
  };
}

export function batchErrorResponse(ctx: RequestContext, err: BatchError): SimResponse {
  const value = `${err.message}\nRequestId:${ctx.requestId}\nTime:${azureTime(ctx.now)}`;
  const body = {
    'odata.metadata': `${ctx.origin}/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element`,
    code: err.code,
    message: { lang: 'en-US', value },
    ...(err.values ? { values: err.values } : {}),
  };
  const res = batchJson(err.status, ctx.requestId, body, err.headers);
  res.statusMessage = err.message;
  return res;
}

/** ARM's CloudError envelope. */
export function armError(
  status: number,
  code: string,
  message: string,
  requestId: string,
  extra: Record<string, string> = {},
): SimResponse {
  return armJson(status, { error: { code, message } }, requestId, extra);
}

export function armJson(
  status: number,
  body: unknown,
  requestId: string,
  extra: Record<string, string> = {},
): SimResponse {
  return {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'x-ms-request-id': requestId,
      'x-ms-correlation-request-id': requestId,
      ...extra,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  };
}

export function plainJson(status: number, body: unknown, extra: Record<string, string> = {}): SimResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...extra },
    body: JSON.stringify(body),
  };
}

export function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  if (body.length === 0) return {};
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

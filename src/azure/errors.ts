// Turns whatever an Azure client throws — our Batch client and @azure/arm-compute (core-rest-pipeline RestError,
// with the Batch or ARM error body on `details`), @azure/identity errors, bare network errors — into the
// project's one Failure (src/errors.ts). The kind comes from src/errors.ts's code table and status fallback;
// what is Azure-specific here is reading the status, code, headers and the detail that says why.

import { azureKind, type Failure } from '../errors.ts';

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'REQUEST_SEND_ERROR',
  'REQUEST_ABORTED_ERROR',
  'ABORT_ERR',
]);

type Headers = { get?: (name: string) => string | null | undefined } | Record<string, unknown> | undefined;

function header(headers: Headers, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    const v = (headers as { get: (n: string) => string | null | undefined }).get(name);
    return v ?? undefined;
  }
  const v = (headers as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
}

/** Retry-After in seconds or as an HTTP date, or the millisecond variants Azure also sends. */
export function retryAfterMs(headers: Headers, now: number): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const v = header(headers, name);
    if (v !== undefined && /^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v));
  }
  const ra = header(headers, 'retry-after');
  if (ra === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(ra.trim())) return Math.round(Number(ra) * 1000);
  const at = Date.parse(ra);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Where the thrown error keeps the parsed error body: clients built on @azure-rest/core-client (our Batch
 * client, @azure/arm-compute, @azure/batch 13) put it on `details`, because createRestError keeps only the
 * status, the code and the headers.
 */
function errorBody(err: Record<string, unknown>): unknown {
  return err.details;
}

function firstLine(err: Record<string, unknown>): string {
  const body = errorBody(err) as { message?: unknown; error?: { message?: unknown } } | undefined;
  const candidates = [body?.message, body?.error?.message, err.message];
  for (const c of candidates) {
    if (typeof c === 'string' && c) return c.split('\n')[0]!;
    if (c && typeof c === 'object' && typeof (c as { value?: unknown }).value === 'string') {
      return (c as { value: string }).value.split('\n')[0]!;
    }
  }
  return typeof err.name === 'string' ? err.name : 'error';
}

const MAX_DETAIL_VALUE = 240;
const MAX_DETAIL = 600;

function clip(text: string, max: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** Error texts may echo a request header or body; a token in them must not reach a condition or a log. */
function redact(text: string): string {
  return text
    .replace(/\bBearer\s+\S+/gi, 'Bearer [redacted]')
    .replace(/\beyJ[\w-]{6,}(?:\.[\w-]*){0,2}/g, '[redacted]')
    .replace(/\b(sig|signature|client_secret|access_token)=[^&\s,)]+/gi, '$1=[redacted]');
}

/**
 * Why Azure refused, beyond the generic first line: Batch's `values` ([{key, value}], e.g. PropertyName and
 * Reason) and ARM's `error.details` ([{code, target, message}]). PropertyValue is left out: it is what the
 * caller sent, often a long resource ID the user already knows.
 */
function detailOf(err: Record<string, unknown>): string | undefined {
  const body = errorBody(err);
  if (!body || typeof body !== 'object') return undefined;
  const b = body as { values?: unknown; error?: { details?: unknown } };
  const parts: string[] = [];
  if (Array.isArray(b.values)) {
    for (const v of b.values as { key?: unknown; value?: unknown }[]) {
      if (typeof v?.key !== 'string' || typeof v.value !== 'string' || v.key === 'PropertyValue') continue;
      parts.push(`${v.key}=${clip(v.value, MAX_DETAIL_VALUE)}`);
    }
  }
  if (Array.isArray(b.error?.details)) {
    for (const d of b.error.details as { code?: unknown; target?: unknown; message?: unknown }[]) {
      const code = typeof d?.code === 'string' ? d.code : undefined;
      if (code === 'PropertyValue') continue;
      const target = typeof d?.target === 'string' ? d.target : undefined;
      const message = typeof d?.message === 'string' ? clip(d.message, MAX_DETAIL_VALUE) : undefined;
      const head = [code, target && `(${target})`].filter(Boolean).join(' ');
      const text = [head, message].filter(Boolean).join(': ');
      if (text) parts.push(text);
    }
  }
  return parts.length ? clip(parts.join(b.values ? ', ' : '; '), MAX_DETAIL) : undefined;
}

function messageOf(err: Record<string, unknown>): string {
  const first = firstLine(err);
  const detail = detailOf(err);
  return redact(detail ? `${first} (${detail})` : first);
}

/** Sorts a failed Azure call; `now` reads an HTTP-date Retry-After (the caller's clock). */
export function azureFailure(error: unknown, now: number): Failure {
  if (!error || typeof error !== 'object') return { kind: 'terminal', message: String(error) };
  const err = error as Record<string, unknown>;
  const name = typeof err.name === 'string' ? err.name : '';
  const code = typeof err.code === 'string' ? err.code : undefined;
  const status =
    typeof err.statusCode === 'number'
      ? err.statusCode
      : typeof err.status === 'number'
        ? err.status
        : undefined;
  const response = err.response as { headers?: Headers } | undefined;
  const message = messageOf(err);

  if (status !== undefined && status > 0) {
    const after = retryAfterMs(response?.headers, now);
    return {
      kind: azureKind(code, status),
      status,
      ...(code !== undefined && { code }),
      message,
      ...(after !== undefined && (status === 429 || status === 503) && { retryAfterMs: after }),
    };
  }
  // No HTTP status: the call never got an answer, or the credential could not get a token.
  const cause = err.cause as { code?: unknown } | undefined;
  const netCode = code ?? (typeof cause?.code === 'string' ? cause.code : undefined);
  if (netCode && NETWORK_CODES.has(netCode)) return { kind: 'unreachable', code: netCode, message };
  if (name === 'AbortError' || name === 'TimeoutError') return { kind: 'unreachable', code: name, message };
  if (name === 'CredentialUnavailableError') return { kind: 'unreachable', code: name, message };
  if (name === 'AuthenticationError' || name === 'AuthenticationRequiredError')
    return { kind: 'terminal', code: name, message };
  if (name === 'FetchError' || /socket hang up|network|ECONNRESET|ETIMEDOUT/i.test(message)) {
    return { kind: 'unreachable', code: netCode ?? 'NetworkError', message };
  }
  return { kind: 'terminal', ...(code !== undefined && { code }), message };
}

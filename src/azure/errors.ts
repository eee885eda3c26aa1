// The one place that sorts failures of Azure calls: @azure/batch (ms-rest-js RestError, whose `message` is an
// object), @azure/arm-compute (core-rest-pipeline RestError), @azure/identity errors and bare network errors.

export type ErrorKind = 'retryable' | 'not-found' | 'conflict' | 'terminal';

export interface Classified {
  kind: ErrorKind;
  status?: number;
  /** Azure's error code (e.g. PoolNotFound, TooManyRequests), or the network error code. */
  code?: string;
  /** A readable message; never a token. */
  message: string;
  /** From Retry-After / retry-after-ms / x-ms-retry-after-ms, when the service sent one. */
  retryAfterMs?: number;
}

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
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
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

function messageOf(err: Record<string, unknown>): string {
  const body = err.body as { message?: unknown; error?: { message?: unknown } } | undefined;
  const candidates = [body?.message, body?.error?.message, err.message];
  for (const c of candidates) {
    if (typeof c === 'string' && c) return c.split('\n')[0]!;
    if (c && typeof c === 'object' && typeof (c as { value?: unknown }).value === 'string') {
      return (c as { value: string }).value.split('\n')[0]!;
    }
  }
  return typeof err.name === 'string' ? err.name : 'error';
}

function byStatus(status: number): ErrorKind {
  if (status === 404) return 'not-found';
  if (status === 409 || status === 412) return 'conflict';
  if (status === 408 || status === 429) return 'retryable';
  if (status >= 500 && status !== 501 && status !== 505) return 'retryable';
  return 'terminal';
}

export function classify(error: unknown): Classified {
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
    const after = retryAfterMs(response?.headers);
    return {
      kind: byStatus(status),
      status,
      ...(code !== undefined && { code }),
      message,
      ...(after !== undefined && (status === 429 || status === 503) && { retryAfterMs: after }),
    };
  }
  // No HTTP status: the call never got an answer, or the credential could not get a token.
  const cause = err.cause as { code?: unknown } | undefined;
  const netCode = code ?? (typeof cause?.code === 'string' ? cause.code : undefined);
  if (netCode && NETWORK_CODES.has(netCode)) return { kind: 'retryable', code: netCode, message };
  if (name === 'AbortError' || name === 'TimeoutError') return { kind: 'retryable', code: name, message };
  if (name === 'CredentialUnavailableError') return { kind: 'retryable', code: name, message };
  if (name === 'AuthenticationError' || name === 'AuthenticationRequiredError')
    return { kind: 'terminal', code: name, message };
  if (name === 'FetchError' || /socket hang up|network|ECONNRESET|ETIMEDOUT/i.test(message)) {
    return { kind: 'retryable', code: netCode ?? 'NetworkError', message };
  }
  return { kind: 'terminal', ...(code !== undefined && { code }), message };
}

/** A short description for logs and conditions. */
export function describe(c: Classified): string {
  return [c.status, c.code, c.message].filter((x) => x !== undefined && x !== '').join(' ');
}

// The one vocabulary for failed calls, on the ground floor. The adapters (src/azure, src/kube) sort what their
// SDKs throw into a `Failure` and throw it as a `CallError`; the plan, the reconciler and the queue read only
// that. Nothing above an adapter needs to know which SDK failed, and nothing here imports from above.

export type ErrorKind =
  /** Answered, but worth trying again: 408, 429, 5xx. May carry Azure's Retry-After. */
  | 'transient'
  /** No answer at all: a dropped connection, a timeout, a token endpoint that is down. */
  | 'unreachable'
  /** Someone changed the resource under us (409, 412, a failed JSON-patch test): look again. */
  | 'conflict'
  | 'not-found'
  /** A quota or limit of the account is reached; retrying soon does not help. */
  | 'quota'
  /** Retrying the same request cannot fix it (400, 401, 403, …). */
  | 'terminal';

/** A failed call, as plain data that is safe to log, to put in a condition and to compare in tests. */
export interface Failure {
  kind: ErrorKind;
  status?: number;
  /** The service's error code (PoolNotFound, TooManyRequests, …) or the transport's (ECONNRESET). */
  code?: string;
  /** A readable message; adapters redact tokens before it gets here. */
  message: string;
  /** How long the service asked us to wait (Retry-After and its millisecond variants). */
  retryAfterMs?: number;
}

/** What every adapter throws for a failed call. */
export class CallError extends Error {
  readonly operation: string;
  readonly failure: Failure;
  constructor(operation: string, failure: Failure, options?: { cause?: unknown }) {
    super(`${operation}: ${describeFailure(failure)}`, options);
    this.name = 'CallError';
    this.operation = operation;
    this.failure = failure;
  }
  get kind(): ErrorKind {
    return this.failure.kind;
  }
}

/** The failure a thrown value stands for; anything that is not a CallError is a bug, taken as terminal. */
export function failureOf(err: unknown): Failure {
  if (err instanceof CallError) return err.failure;
  return { kind: 'terminal', message: err instanceof Error ? err.message : String(err) };
}

function describeFailure(f: Failure): string {
  return [f.status, f.code, f.message].filter((x) => x !== undefined && x !== '').join(' ');
}

/** One line for logs, conditions and events: status, code and message, never a token. */
export function describe(err: unknown): string {
  if (err instanceof CallError) return describeFailure(err.failure);
  if (isFailure(err)) return describeFailure(err);
  return failureOf(err).message;
}

function isFailure(v: unknown): v is Failure {
  return typeof v === 'object' && v !== null && 'kind' in v && 'message' in v && !(v instanceof Error);
}

// ------------------------------------------------------------------------------------------ Azure codes

/** What a resize error on a pool means for the next resize. */
export type ResizeErrorKind = 'timed-out' | 'stopped' | 'quota' | 'failed';

interface CodeMeaning {
  kind: ErrorKind;
  /** For codes that appear in `pool.resizeErrors[]`, when it is not a plain failure. */
  resize?: Exclude<ResizeErrorKind, 'quota' | 'failed'>;
}

/**
 * Azure error codes whose meaning the HTTP status alone does not give, from Batch's own lists
 * (Azure/azure-sdk-for-net `BatchErrorCodeStrings.cs`, `PoolResizeErrorCodes`) and ARM. Keys are lower case:
 * Azure's casing varies (`AllocationTimedout` on the wire, `AllocationTimedOut` in newer SDK constants).
 */
const AZURE_CODES = {
  // Resize errors (pool.resizeErrors[].code)
  allocationfailed: { kind: 'transient' },
  allocationtimedout: { kind: 'transient', resize: 'timed-out' },
  resizestopped: { kind: 'transient', resize: 'stopped' },
  accountcorequotareached: { kind: 'quota' },
  accountlowprioritycorequotareached: { kind: 'quota' },
  accountspotcorequotareached: { kind: 'quota' },
  // Call errors
  poolquotareached: { kind: 'quota' },
  activejobandschedulequotareached: { kind: 'quota' },
  poolexists: { kind: 'conflict' },
  poolbeingdeleted: { kind: 'conflict' },
  poolbeingresized: { kind: 'conflict' },
  operationinvalidforcurrentstate: { kind: 'conflict' },
  conditionnotmet: { kind: 'conflict' },
  poolnotfound: { kind: 'not-found' },
  resourcenotfound: { kind: 'not-found' },
  toomanyrequests: { kind: 'transient' },
  serverbusy: { kind: 'transient' },
  operationtimedout: { kind: 'transient' },
  internalerror: { kind: 'transient' },
} as const satisfies Readonly<Record<string, CodeMeaning>>;

type AzureCode = keyof typeof AZURE_CODES;

/** The HTTP-status fallback, for codes the table does not name. */
export function kindOfStatus(status: number): ErrorKind {
  if (status === 404) return 'not-found';
  if (status === 409 || status === 412) return 'conflict';
  if (status === 408 || status === 429) return 'transient';
  if (status >= 500 && status !== 501 && status !== 505) return 'transient';
  return 'terminal';
}

function meaningOf(code: string | undefined): CodeMeaning | undefined {
  if (!code) return undefined;
  const row: CodeMeaning | undefined = (AZURE_CODES as Record<string, CodeMeaning>)[code.toLowerCase()];
  if (row) return row;
  // Batch names every quota it enforces in the code (…QuotaReached): an unlisted one is still a quota.
  return /quota/i.test(code) ? { kind: 'quota' } : undefined;
}

/**
 * The kind of an Azure call error. The status decides, except where the table knows better — a quota is a
 * quota whatever status it came with — and a status that means "answered, try again" is never overruled.
 */
export function azureKind(code: string | undefined, status: number | undefined): ErrorKind {
  const byStatus = status !== undefined && status > 0 ? kindOfStatus(status) : undefined;
  const row = meaningOf(code);
  if (row?.kind === 'quota') return 'quota';
  return byStatus ?? row?.kind ?? 'terminal';
}

/** What a resize error left on a pool means: re-issue at once, restore the spec, wait long, or back off. */
export function resizeErrorKind(code: string): ResizeErrorKind {
  const row = meaningOf(code);
  if (row?.resize) return row.resize;
  return row?.kind === 'quota' ? 'quota' : 'failed';
}

/** Whether Azure's `code` is the table's `name`, in whatever casing Azure sent it. */
export function isAzureCode(code: string | undefined, name: AzureCode): boolean {
  return code?.toLowerCase() === name;
}

/** Whether a code is one of the allocation outcomes (the errors worth showing first). */
export function isAllocationError(code: string): boolean {
  return isAzureCode(code, 'allocationfailed') || isAzureCode(code, 'allocationtimedout');
}

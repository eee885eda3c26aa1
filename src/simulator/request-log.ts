// Every request the simulator answers, so tests and benchmarks can count what a client asked of
// Azure and as whom. Bounded: the oldest entries fall off (in chunks), sequence numbers keep counting.
import type { ApiName } from './http-util.ts';

export interface RequestLogEntry {
  /** Increasing from 1; pass the last seen value as `since` to read only newer entries. */
  seq: number;
  /** Wall-clock time the request arrived (ISO 8601). */
  time: string;
  /** Simulated time the request arrived (ISO 8601). */
  simTime: string;
  method: string;
  path: string;
  query: string;
  api: ApiName | 'unknown';
  /** e.g. Pool_Get, Pool_Resize, Images_Get, GalleryImageVersions_Get, Token, OpenIdConfiguration */
  operation: string;
  /** 0 when the connection was dropped on purpose. */
  status: number;
  /** The client ID of the bearer token (or of a token request); undefined when there was none. */
  clientId: string | undefined;
  requestId: string;
  durationMs: number;
  /** The injected fault that answered this request, if any. */
  fault?: string;
  /** The api-version query parameter of a Batch or ARM request, when it had one. */
  apiVersion?: string;
  /** For Pool_Add, Pool_Resize and Pool_RemoveNodes: the fields of the body a test wants to check (see summarizeBody). */
  body?: RequestBodySummary;
  /** The pool a pool request addresses, on either plane (for Pool_Add: the body's id). */
  pool?: string;
  /** What a pool request does, in the same words for both planes (a management-plane PATCH with fixedScale is a resize). */
  action?: PoolAction;
}

export type PoolAction =
  'create' | 'get' | 'list' | 'resize' | 'stopResize' | 'delete' | 'update' | 'autoScale' | 'removeNodes';

const BATCH_ACTIONS: Record<string, PoolAction> = {
  Pool_Add: 'create',
  Pool_Get: 'get',
  Pool_Exists: 'get',
  Pool_List: 'list',
  Pool_Resize: 'resize',
  Pool_StopResize: 'stopResize',
  Pool_Delete: 'delete',
  Pool_Patch: 'update',
  Pool_UpdateProperties: 'update',
  Pool_EnableAutoScale: 'autoScale',
  Pool_DisableAutoScale: 'autoScale',
  Pool_RemoveNodes: 'removeNodes',
};

const ARM_ACTIONS: Record<string, PoolAction> = {
  Pool_Create: 'create',
  Pool_Get: 'get',
  Pool_ListByBatchAccount: 'list',
  Pool_StopResize: 'stopResize',
  Pool_Delete: 'delete',
  Pool_DisableAutoScale: 'autoScale',
};

const ARM_POOL_PATH = /\/providers\/Microsoft\.Batch\/batchAccounts\/[^/]+\/pools(?:\/([^/]+))?/i;

/** The pool and the plane-neutral action of a request, when it is a pool request. */
export function poolRequestOf(
  api: string,
  operation: string,
  path: string,
  body: RequestBodySummary | undefined,
): { pool?: string; action: PoolAction } | undefined {
  if (api === 'batch') {
    const action = BATCH_ACTIONS[operation];
    if (!action) return undefined;
    const segments = path.split('/').filter(Boolean);
    const pool = operation === 'Pool_Add' ? body?.id : segments[0] === 'pools' ? segments[1] : undefined;
    return { action, ...(pool !== undefined && { pool: decodeURIComponent(pool) }) };
  }
  if (api !== 'arm') return undefined;
  const m = ARM_POOL_PATH.exec(path);
  if (!m) return undefined;
  const action =
    operation === 'Pool_Update'
      ? body?.targetDedicatedNodes !== undefined || body?.targetLowPriorityNodes !== undefined
        ? 'resize'
        : 'update'
      : ARM_ACTIONS[operation];
  if (!action) return undefined;
  return { action, ...(m[1] !== undefined && { pool: decodeURIComponent(m[1]) }) };
}

/** A few scalar fields of a Batch write's body, never the whole body: the log stays small. */
export interface RequestBodySummary {
  id?: string;
  vmSize?: string;
  /** virtualMachineConfiguration.imageReference.virtualMachineImageId */
  imageId?: string;
  targetDedicatedNodes?: number;
  targetLowPriorityNodes?: number;
  resizeTimeout?: string;
  nodeDeallocationOption?: string;
  /** Pool_Add: virtualMachineConfiguration.securityProfile.securityType */
  securityType?: string;
  /** Pool_Add: virtualMachineConfiguration.nodeAgentSKUId */
  nodeAgentSKUId?: string;
}

const SUMMARIZED: Record<string, readonly (keyof RequestBodySummary)[]> = {
  Pool_Add: [
    'id',
    'vmSize',
    'imageId',
    'targetDedicatedNodes',
    'targetLowPriorityNodes',
    'resizeTimeout',
    'securityType',
    'nodeAgentSKUId',
  ],
  Pool_Resize: ['targetDedicatedNodes', 'targetLowPriorityNodes', 'resizeTimeout', 'nodeDeallocationOption'],
  Pool_RemoveNodes: ['resizeTimeout', 'nodeDeallocationOption'],
};
const MAX_BODY_BYTES = 64 * 1024;
const MAX_TEXT = 300;

/**
 * The summary of a Pool_Add or Pool_Resize body, as the client sent it (before validation: a rejected body is
 * summarized too). Strings are cut at 300 characters; fields of the wrong type are left out; undefined for any
 * other operation, an empty or oversized body, or one that is not a JSON object.
 */
export function summarizeBody(operation: string, body: Buffer): RequestBodySummary | undefined {
  const fields = SUMMARIZED[operation];
  if (!fields || body.length === 0 || body.length > MAX_BODY_BYTES) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const b = parsed as Record<string, unknown>;
  const vmc = b.virtualMachineConfiguration as
    | {
        imageReference?: { virtualMachineImageId?: unknown };
        securityProfile?: { securityType?: unknown };
        nodeAgentSKUId?: unknown;
      }
    | undefined;
  const source: Record<keyof RequestBodySummary, unknown> = {
    id: b.id,
    vmSize: b.vmSize,
    imageId: vmc?.imageReference?.virtualMachineImageId,
    targetDedicatedNodes: b.targetDedicatedNodes,
    targetLowPriorityNodes: b.targetLowPriorityNodes,
    resizeTimeout: b.resizeTimeout,
    nodeDeallocationOption: b.nodeDeallocationOption,
    securityType: vmc?.securityProfile?.securityType,
    nodeAgentSKUId: vmc?.nodeAgentSKUId,
  };
  const out: Record<string, string | number> = {};
  for (const f of fields) {
    const v = source[f];
    const numeric = f === 'targetDedicatedNodes' || f === 'targetLowPriorityNodes';
    if (numeric && typeof v === 'number' && Number.isFinite(v)) out[f] = v;
    else if (!numeric && typeof v === 'string') out[f] = v.slice(0, MAX_TEXT);
  }
  return out;
}

export class RequestLog {
  readonly #entries: RequestLogEntry[] = [];
  readonly #capacity: number;
  #seq = 0;

  constructor(capacity = 100_000) {
    this.#capacity = capacity;
  }

  get lastSeq(): number {
    return this.#seq;
  }

  add(entry: Omit<RequestLogEntry, 'seq'>): RequestLogEntry {
    const full = { seq: ++this.#seq, ...entry };
    this.#entries.push(full);
    // Trim in chunks so a full log costs amortised O(1) per request, not a shift of every entry.
    if (this.#entries.length >= this.#capacity + Math.ceil(this.#capacity / 4))
      this.#entries.splice(0, this.#entries.length - this.#capacity);
    return full;
  }

  /** Entries with seq > since, oldest first, at most `limit`; `next` is the cursor for the next call. */
  read(since = 0, limit = 10_000): { entries: RequestLogEntry[]; next: number } {
    const first = this.#entries[0]?.seq ?? this.#seq + 1;
    const start = Math.max(0, since + 1 - first);
    const entries = this.#entries.slice(start, start + limit);
    return { entries, next: entries.at(-1)?.seq ?? Math.max(since, 0) };
  }

  clear(): void {
    this.#entries.length = 0;
  }
}

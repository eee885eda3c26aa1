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

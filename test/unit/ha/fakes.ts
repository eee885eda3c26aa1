// In-memory stand-ins for the Lease API and the clock. The Lease fake keeps the semantics the
// elector relies on: 404 on a missing Lease, 409 on create-exists and on a stale resourceVersion,
// 400 on MicroTime without 6 fractional digits, and times read back as strings (JSON round trip).
import { ApiException } from '@kubernetes/client-node';
import type { V1Lease } from '@kubernetes/client-node';
import type { ElectionClock, LeaseClient } from '../../../src/ha/leader-election.ts';

const MICROTIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

export class FakeLeaseApi implements LeaseClient {
  leases = new Map<string, V1Lease>();
  writes = 0;
  /** While set, every call rejects with this (e.g. the apiserver is unreachable). */
  failWith: Error | undefined;
  /** While true, every call hangs until released. */
  hang = false;
  #rv = 0;

  readNamespacedLease(req: { name: string; namespace: string }): Promise<V1Lease> {
    return this.#call(() => {
      const l = this.leases.get(`${req.namespace}/${req.name}`);
      if (!l) throw apiError(404, 'NotFound');
      return l;
    });
  }

  createNamespacedLease(req: { namespace: string; body: V1Lease }): Promise<V1Lease> {
    return this.#call(() => {
      const body = wire(req.body);
      const key = `${req.namespace}/${body.metadata?.name}`;
      if (this.leases.has(key)) throw apiError(409, 'AlreadyExists');
      return this.#store(key, body);
    });
  }

  replaceNamespacedLease(req: { name: string; namespace: string; body: V1Lease }): Promise<V1Lease> {
    return this.#call(() => {
      const body = wire(req.body);
      const key = `${req.namespace}/${req.name}`;
      const cur = this.leases.get(key);
      if (!cur) throw apiError(404, 'NotFound');
      if (body.metadata?.resourceVersion !== cur.metadata?.resourceVersion) throw apiError(409, 'Conflict');
      return this.#store(key, body);
    });
  }

  holder(namespace: string, name: string): string | undefined {
    return this.leases.get(`${namespace}/${name}`)?.spec?.holderIdentity;
  }

  #store(key: string, body: V1Lease): V1Lease {
    for (const f of ['acquireTime', 'renewTime'] as const) {
      const v = body.spec?.[f] as unknown;
      if (v !== undefined && !(typeof v === 'string' && MICROTIME.test(v)))
        throw apiError(400, `BadRequest: cannot parse ${JSON.stringify(v)} as MicroTime`);
    }
    this.writes++;
    const stored = { ...body, metadata: { ...body.metadata, resourceVersion: String(++this.#rv) } };
    this.leases.set(key, stored);
    return wire(stored);
  }

  #call<T>(fn: () => T): Promise<T> {
    if (this.hang) return new Promise<T>(() => undefined);
    if (this.failWith) return Promise.reject(this.failWith);
    try {
      return Promise.resolve(structuredClone(fn()));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }
}

function wire(l: V1Lease): V1Lease {
  return JSON.parse(JSON.stringify(l)) as V1Lease;
}

function apiError(code: number, reason: string): ApiException<string> {
  return new ApiException(code, `HTTP ${code}`, JSON.stringify({ kind: 'Status', reason, code }), {});
}

/** A manual clock: timers fire only from advance(), which also lets pending promises settle. */
export class FakeClock implements ElectionClock {
  #now: number;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;

  constructor(start = Date.parse('2026-01-01T00:00:00Z')) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    await settle();
    for (;;) {
      const due = [...this.#timers.entries()]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = Math.max(this.#now, due[1].at);
      due[1].fn();
      await settle();
    }
    this.#now = end;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

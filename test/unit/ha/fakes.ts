// An in-memory stand-in for the Lease API, with the semantics the elector relies on: 404 on a missing
// Lease, 409 on create-exists and on a stale resourceVersion, 400 on MicroTime without 6 fractional digits,
// and times read back as strings (JSON round trip). Its clock is the one of the other unit tests.
import type { V1Lease } from '@kubernetes/client-node';
import type { LeaseClient } from '../../../src/ha/leader-election.ts';
import { apiserverError } from '../../support/kube-errors.ts';

export { FakeClock } from '../../support/fake-clock.ts';

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
      if (!l) throw notFound(req.name);
      return l;
    });
  }

  createNamespacedLease(req: { namespace: string; body: V1Lease }): Promise<V1Lease> {
    return this.#call(() => {
      const body = wire(req.body);
      const key = `${req.namespace}/${body.metadata?.name}`;
      if (this.leases.has(key))
        throw apiserverError(409, 'AlreadyExists', `${LEASES} "${body.metadata?.name}" already exists`);
      return this.#store(key, body);
    });
  }

  replaceNamespacedLease(req: { name: string; namespace: string; body: V1Lease }): Promise<V1Lease> {
    return this.#call(() => {
      const body = wire(req.body);
      const key = `${req.namespace}/${req.name}`;
      const cur = this.leases.get(key);
      if (!cur) throw notFound(req.name);
      if (body.metadata?.resourceVersion !== cur.metadata?.resourceVersion)
        throw apiserverError(
          409,
          'Conflict',
          `Operation cannot be fulfilled on ${LEASES} "${req.name}": the object has been modified; please apply your changes to the latest version and try again`,
        );
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
        throw apiserverError(400, 'BadRequest', `cannot parse ${JSON.stringify(v)} as MicroTime`);
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

const LEASES = 'leases.coordination.k8s.io';

function notFound(name: string) {
  return apiserverError(404, 'NotFound', `${LEASES} "${name}" not found`);
}

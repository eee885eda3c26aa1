// An in-memory Kubernetes for the reconciler (src/kube/ports.ts): objects live in maps, patches apply at once.
// Benchmarks use it to run the real reconcile many times without an apiserver in the loop.

import type { BatchAccount, BatchPool, BatchPoolStatus } from '../../src/api/types.ts';
import type { EventInput, EventRecorder, KubeApi } from '../../src/kube/ports.ts';

const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;

export class MemoryKube implements KubeApi, EventRecorder {
  readonly pools = new Map<string, BatchPool>();
  readonly accounts = new Map<string, BatchAccount>();
  readonly events: { key: string; event: EventInput }[] = [];
  statusWrites = 0;

  putPool(pool: BatchPool): void {
    this.pools.set(keyOf(pool.metadata.namespace ?? '', pool.metadata.name), structuredClone(pool));
  }

  putAccount(account: BatchAccount): void {
    this.accounts.set(account.metadata.name, structuredClone(account));
  }

  getPool(namespace: string, name: string): Promise<BatchPool | undefined> {
    const p = this.pools.get(keyOf(namespace, name));
    return Promise.resolve(p && structuredClone(p));
  }

  getAccount(name: string): Promise<BatchAccount | undefined> {
    const a = this.accounts.get(name);
    return Promise.resolve(a && structuredClone(a));
  }

  addFinalizer(pool: BatchPool, finalizer: string): Promise<BatchPool> {
    const stored = this.#stored(pool);
    if (!stored.metadata.finalizers?.includes(finalizer))
      stored.metadata.finalizers = [...(stored.metadata.finalizers ?? []), finalizer];
    return Promise.resolve(structuredClone(stored));
  }

  removeFinalizer(pool: BatchPool, finalizer: string): Promise<void> {
    const key = keyOf(pool.metadata.namespace ?? '', pool.metadata.name);
    const stored = this.pools.get(key);
    if (!stored) return Promise.resolve();
    stored.metadata.finalizers = (stored.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    if (stored.metadata.deletionTimestamp && stored.metadata.finalizers.length === 0) this.pools.delete(key);
    return Promise.resolve();
  }

  patchStatus(pool: BatchPool, _previous: BatchPoolStatus | undefined, next: BatchPoolStatus): Promise<void> {
    const stored = this.pools.get(keyOf(pool.metadata.namespace ?? '', pool.metadata.name));
    if (stored) stored.status = structuredClone(next);
    this.statusWrites += 1;
    return Promise.resolve();
  }

  record(pool: BatchPool, event: EventInput): Promise<void> {
    this.events.push({ key: keyOf(pool.metadata.namespace ?? '', pool.metadata.name), event });
    return Promise.resolve();
  }

  #stored(pool: BatchPool): BatchPool {
    const stored = this.pools.get(keyOf(pool.metadata.namespace ?? '', pool.metadata.name));
    if (!stored) throw Object.assign(new Error('not found'), { statusCode: 404 });
    return stored;
  }
}

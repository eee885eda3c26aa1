// The BatchPool a reconcile starts from, read from the informer's cache instead of a GET. The cache lags our
// own writes by a watch event: a reconcile that came right after one would plan on the status before it
// (resize attempts, backoff) and write a patch from the wrong base. So the object each write returned is
// kept until the watch delivers that very resourceVersion. Watch events for one object arrive in order, so
// an event with another resourceVersion while one is kept is an older one; a relist may skip ours, so a
// relist drops everything kept.

import type { BatchPool, BatchPoolStatus } from '../api/types.ts';
import { stripUnread } from './informer.ts';
import { keyOf } from './object-key.ts';
import type { KubeApi } from './ports.ts';

export class CachedPools implements KubeApi {
  readonly #writes: KubeApi;
  readonly #cached: (namespace: string, name: string) => BatchPool | undefined;
  readonly #written = new Map<string, BatchPool>();

  constructor(writes: KubeApi, cached: (namespace: string, name: string) => BatchPool | undefined) {
    this.#writes = writes;
    this.#cached = cached;
  }

  /** The cache's object, or the newer one our last write returned; a GET only when the cache has none. */
  async getPool(namespace: string, name: string): Promise<BatchPool | undefined> {
    const written = this.#written.get(`${namespace}/${name}`);
    if (written) return structuredClone(written);
    const cached = this.#cached(namespace, name);
    // The reconciler changes what it is given (finalizers, status) as it goes: never the cache's own copy.
    return cached ? structuredClone(cached) : this.#writes.getPool(namespace, name);
  }

  getAccount(name: string) {
    return this.#writes.getAccount(name);
  }

  async addFinalizer(pool: BatchPool, finalizer: string): Promise<BatchPool> {
    const stored = await this.#writes.addFinalizer(pool, finalizer);
    this.#keep(stored);
    return stored;
  }

  async removeFinalizer(pool: BatchPool, finalizer: string): Promise<void> {
    this.#written.delete(keyOf(pool));
    await this.#writes.removeFinalizer(pool, finalizer);
  }

  async patchStatus(pool: BatchPool, previous: BatchPoolStatus | undefined, next: BatchPoolStatus) {
    const stored = await this.#writes.patchStatus(pool, previous, next);
    if (stored) this.#keep(stored);
    return stored;
  }

  /** The watch delivered this object (added or updated). */
  seen(pool: BatchPool): void {
    const key = keyOf(pool);
    if (this.#written.get(key)?.metadata.resourceVersion === pool.metadata.resourceVersion) {
      this.#written.delete(key);
    }
  }

  /** The watch saw the object deleted. */
  gone(pool: BatchPool): void {
    this.#written.delete(keyOf(pool));
  }

  /** The informer relisted: the cache is at least as new as every write made before. */
  relisted(): void {
    this.#written.clear();
  }

  #keep(stored: BatchPool): void {
    const key = keyOf(stored);
    const { namespace = '', name } = stored.metadata;
    // The watch may have delivered it before the write answered.
    if (this.#cached(namespace, name)?.metadata.resourceVersion === stored.metadata.resourceVersion) {
      this.#written.delete(key);
      return;
    }
    stripUnread(stored);
    this.#written.set(key, stored);
  }
}

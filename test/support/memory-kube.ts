// The in-memory Kubernetes (src/kube/ports.ts) of unit tests and benchmarks. It answers as KubeClient on a
// real apiserver does — test/e2e/memory-kube-parity.test.ts runs one sequence against both and compares:
// every write bumps resourceVersion (a write that changes nothing does not), status writes leave
// metadata.generation alone, the guarded finalizer patches fail with the apiserver's 422 when their `test`
// op no longer holds, an object being deleted goes with its last finalizer, and a missing object is a 404
// exactly where KubeClient lets one through. Errors are the CallErrors KubeClient throws.

import { isDeepStrictEqual } from 'node:util';
import {
  BATCHPOOL_PLURAL,
  GROUP,
  type BatchAccount,
  type BatchPool,
  type BatchPoolSpec,
  type BatchPoolStatus,
} from '../../src/api/types.ts';
import { mergePatch } from '../../src/kube/merge-patch.ts';
import type { EventInput, EventRecorder, KubeApi } from '../../src/kube/ports.ts';
import { customObjectNotFound, kubeCallError, patchTestFailed } from './kube-errors.ts';
import { applyMergePatch } from './merge-patch-apply.ts';

export type RecordedEvent = EventInput & { object: string };

const keyOf = (p: BatchPool) => `${p.metadata.namespace ?? ''}/${p.metadata.name}`;

export class MemoryKube implements KubeApi, EventRecorder {
  /** Stored BatchPools by namespace/name; tests may read and change them in place. */
  readonly pools = new Map<string, BatchPool>();
  readonly accounts = new Map<string, BatchAccount>();
  /** The KubeApi methods called, in order. */
  readonly calls: string[] = [];
  readonly events: RecordedEvent[] = [];
  #rv = 1;

  /** Stores a BatchPool as given (a fixture, or what a user created), with a fresh resourceVersion. */
  put(pool: BatchPool): void {
    const stored = structuredClone(pool);
    this.#stored(stored);
    this.pools.set(keyOf(stored), stored);
  }

  putAccount(account: BatchAccount): void {
    this.accounts.set(account.metadata.name, structuredClone(account));
  }

  /** A user's edit of the spec: the generation goes up when the spec changes. */
  updateSpec(namespace: string, name: string, spec: Partial<BatchPoolSpec>): BatchPool {
    const stored = this.#existing(namespace, name);
    const next = { ...stored.spec, ...structuredClone(spec) };
    if (!isDeepStrictEqual(next, stored.spec)) {
      stored.spec = next;
      stored.metadata.generation = (stored.metadata.generation ?? 0) + 1;
      this.#stored(stored);
    }
    return structuredClone(stored);
  }

  /** A user's delete: while finalizers remain the object is only marked, which also bumps its generation. */
  delete(namespace: string, name: string): void {
    const stored = this.#existing(namespace, name);
    if (!stored.metadata.finalizers?.length) {
      this.pools.delete(keyOf(stored));
      return;
    }
    if (stored.metadata.deletionTimestamp) return;
    stored.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    stored.metadata.generation = (stored.metadata.generation ?? 0) + 1;
    this.#stored(stored);
  }

  getPool(namespace: string, name: string): Promise<BatchPool | undefined> {
    this.calls.push('getPool');
    const p = this.pools.get(`${namespace}/${name}`);
    return Promise.resolve(p && structuredClone(p));
  }

  getAccount(name: string): Promise<BatchAccount | undefined> {
    this.calls.push('getAccount');
    const a = this.accounts.get(name);
    return Promise.resolve(a && structuredClone(a));
  }

  addFinalizer(pool: BatchPool, finalizer: string): Promise<BatchPool> {
    this.calls.push('addFinalizer');
    const operation = `add finalizer to ${pool.metadata.namespace}/${pool.metadata.name}`;
    const stored = this.pools.get(keyOf(pool));
    if (!stored) {
      return Promise.reject(
        kubeCallError(operation, customObjectNotFound(GROUP, BATCHPOOL_PLURAL, pool.metadata.name)),
      );
    }
    // KubeClient's guard: the finalizer list it saw, or (when it saw none) the resourceVersion it read.
    const seen = pool.metadata.finalizers;
    const holds = seen
      ? isDeepStrictEqual(stored.metadata.finalizers, seen)
      : stored.metadata.resourceVersion === pool.metadata.resourceVersion;
    if (!holds) return Promise.reject(kubeCallError(operation, patchTestFailed()));
    stored.metadata.finalizers = [...(seen ?? []), finalizer];
    this.#stored(stored);
    return Promise.resolve(structuredClone(stored));
  }

  removeFinalizer(pool: BatchPool, finalizer: string): Promise<void> {
    this.calls.push('removeFinalizer');
    const i = pool.metadata.finalizers?.indexOf(finalizer) ?? -1;
    const stored = this.pools.get(keyOf(pool));
    if (i < 0 || !stored) return Promise.resolve();
    // KubeClient's guard: the finalizer is still at the index it saw.
    if (stored.metadata.finalizers?.[i] !== finalizer) {
      const operation = `remove finalizer from ${pool.metadata.namespace}/${pool.metadata.name}`;
      return Promise.reject(kubeCallError(operation, patchTestFailed()));
    }
    stored.metadata.finalizers = stored.metadata.finalizers.filter((_, j) => j !== i);
    if (stored.metadata.deletionTimestamp && stored.metadata.finalizers.length === 0) {
      this.pools.delete(keyOf(stored));
      return Promise.resolve();
    }
    this.#stored(stored);
    return Promise.resolve();
  }

  patchStatus(
    pool: BatchPool,
    previous: BatchPoolStatus | undefined,
    next: BatchPoolStatus,
  ): Promise<BatchPool | undefined> {
    this.calls.push('patchStatus');
    // KubeClient sends the difference from `previous`, and nothing at all when there is none.
    const patch = mergePatch(previous ?? {}, next);
    const stored = this.pools.get(keyOf(pool));
    if (patch === undefined || !stored) return Promise.resolve(undefined);
    const { value, changed } = applyMergePatch(stored.status ?? {}, patch);
    if (changed) {
      stored.status = value as BatchPoolStatus;
      this.#stored(stored);
    }
    return Promise.resolve(structuredClone(stored));
  }

  record(pool: BatchPool, e: EventInput): Promise<void> {
    this.events.push({ ...e, object: keyOf(pool) });
    return Promise.resolve();
  }

  #existing(namespace: string, name: string): BatchPool {
    const stored = this.pools.get(`${namespace}/${name}`);
    if (!stored) throw customObjectNotFound(GROUP, BATCHPOOL_PLURAL, name);
    return stored;
  }

  /** What every write does on the way to etcd: an empty finalizer list is not kept, the version moves. */
  #stored(p: BatchPool): void {
    if (p.metadata.finalizers?.length === 0) delete p.metadata.finalizers;
    p.metadata.resourceVersion = String(++this.#rv);
  }
}

// An in-memory KubeApi and EventRecorder for reconciler tests. It keeps the semantics the reconciler relies
// on: resourceVersion bumps, finalizer patches, status writes that do not touch metadata.generation, and an
// object that disappears when it is being deleted and its last finalizer goes. The real apiserver is the judge.

import type { BatchAccount, BatchPool, BatchPoolStatus } from '../../src/api/types.ts';
import type { EventInput, EventRecorder, KubeApi } from '../../src/kube/ports.ts';

export class FakeKube implements KubeApi, EventRecorder {
  readonly pools = new Map<string, BatchPool>();
  readonly accounts = new Map<string, BatchAccount>();
  readonly calls: string[] = [];
  readonly events: (EventInput & { object: string })[] = [];
  private rv = 1;

  put(pool: BatchPool): BatchPool {
    const copy = structuredClone(pool);
    copy.metadata.resourceVersion = String(++this.rv);
    this.pools.set(`${copy.metadata.namespace}/${copy.metadata.name}`, copy);
    return copy;
  }

  getPool(namespace: string, name: string): Promise<BatchPool | undefined> {
    this.calls.push('getPool');
    const p = this.pools.get(`${namespace}/${name}`);
    return Promise.resolve(p && structuredClone(p));
  }

  getAccount(name: string): Promise<BatchAccount | undefined> {
    return Promise.resolve(this.accounts.get(name));
  }

  addFinalizer(pool: BatchPool, finalizer: string): Promise<BatchPool> {
    this.calls.push('addFinalizer');
    const cur = this.pools.get(`${pool.metadata.namespace}/${pool.metadata.name}`)!;
    cur.metadata.finalizers = [...(cur.metadata.finalizers ?? []), finalizer];
    cur.metadata.resourceVersion = String(++this.rv);
    return Promise.resolve(structuredClone(cur));
  }

  removeFinalizer(pool: BatchPool, finalizer: string): Promise<void> {
    this.calls.push('removeFinalizer');
    const key = `${pool.metadata.namespace}/${pool.metadata.name}`;
    const cur = this.pools.get(key);
    if (!cur) return Promise.resolve();
    cur.metadata.finalizers = (cur.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    if (cur.metadata.deletionTimestamp && cur.metadata.finalizers.length === 0) this.pools.delete(key);
    return Promise.resolve();
  }

  patchStatus(pool: BatchPool, _previous: BatchPoolStatus | undefined, next: BatchPoolStatus): Promise<void> {
    this.calls.push('patchStatus');
    const cur = this.pools.get(`${pool.metadata.namespace}/${pool.metadata.name}`);
    if (cur) {
      cur.status = structuredClone(next);
      cur.metadata.resourceVersion = String(++this.rv);
    }
    return Promise.resolve();
  }

  record(pool: BatchPool, e: EventInput): Promise<void> {
    this.events.push({ ...e, object: `${pool.metadata.namespace}/${pool.metadata.name}` });
    return Promise.resolve();
  }
}

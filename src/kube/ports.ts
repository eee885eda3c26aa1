// What the controller needs from Kubernetes, and nothing more; kube/client.ts implements it on client-node,
// test/support has an in-memory one.

import type { BatchAccount, BatchPool, BatchPoolStatus } from '../api/types.ts';

export interface KubeApi {
  getPool(namespace: string, name: string): Promise<BatchPool | undefined>;
  getAccount(name: string): Promise<BatchAccount | undefined>;
  /** Adds the finalizer with a JSON patch guarded by a `test` op; returns the updated object. */
  addFinalizer(pool: BatchPool, finalizer: string): Promise<BatchPool>;
  /** Removes the finalizer with a JSON patch guarded by a `test` op; a missing object is fine. */
  removeFinalizer(pool: BatchPool, finalizer: string): Promise<void>;
  /**
   * Merge-patches /status from `previous` to `next` (removed fields become null); answers with the object as
   * stored, or undefined when there was nothing to send or the object is gone.
   */
  patchStatus(
    pool: BatchPool,
    previous: BatchPoolStatus | undefined,
    next: BatchPoolStatus,
  ): Promise<BatchPool | undefined>;
}

export interface EventInput {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** A verb for events.k8s.io `action`, e.g. Create, Resize, Delete, Observe. */
  action: string;
}

export interface EventRecorder {
  record(pool: BatchPool, event: EventInput): Promise<void>;
}

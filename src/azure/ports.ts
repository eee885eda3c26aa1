// What the controller needs from Azure, and nothing more. The real adapters (batch.ts, images.ts) and the
// in-memory fakes in test/support implement these.

import type { NameValue, NetworkConfiguration, NodeDeallocationOption, StartTask } from '../api/types.ts';

export interface ResizeErrorSnapshot {
  code: string;
  message: string;
  /** Azure's details of the error (resizeErrors[].values), when the adapter can read them. */
  values?: { name: string; value: string }[];
}

/** Where the pool came from, read back from the pool's metadata. */
export interface PoolOwner {
  namespace?: string;
  name?: string;
  uid?: string;
}

/** The part of a Batch pool the controller decides on (data-plane wire values). */
export interface PoolSnapshot {
  id: string;
  state: 'active' | 'deleting';
  allocationState: 'steady' | 'resizing' | 'stopping';
  /** When allocationState last changed (ms since epoch), if Azure said. */
  allocationStateTransitionTime?: number;
  currentDedicatedNodes: number;
  currentLowPriorityNodes: number;
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
  /** Errors of the last resize; Azure sets them only while steady and keeps them until the next resize. */
  resizeErrors: ResizeErrorSnapshot[];
  owner: PoolOwner;
  imageId?: string;
  vmSize?: string;
}

export interface CreatePoolParams {
  id: string;
  vmSize: string;
  imageId: string;
  nodeAgentSkuId: string;
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
  resizeTimeout: string;
  taskSlotsPerNode?: number;
  startTask?: StartTask;
  networkConfiguration?: NetworkConfiguration;
  /** User metadata plus the owner entries (see OWNER_METADATA). */
  metadata: NameValue[];
}

export interface ResizeParams {
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
  resizeTimeout: string;
  nodeDeallocationOption: NodeDeallocationOption;
}

export interface BatchPools {
  /** undefined when the pool does not exist. */
  get(poolId: string): Promise<PoolSnapshot | undefined>;
  create(params: CreatePoolParams): Promise<void>;
  resize(poolId: string, params: ResizeParams): Promise<void>;
  stopResize(poolId: string): Promise<void>;
  /** Resolves when Azure accepted the delete, or the pool is already gone. */
  delete(poolId: string): Promise<void>;
}

export interface ImageChecker {
  /** true when the image resource exists, false on 404; throws on anything else. */
  exists(imageId: string): Promise<boolean>;
}

/** Which Batch account to talk to, and as whom. */
export interface AccountTarget {
  endpoint: string;
  /** A workload-identity client ID other than the operator's own. */
  clientId?: string;
}

export interface Azure {
  batch(account: AccountTarget): BatchPools;
  images(account: AccountTarget): ImageChecker;
}

/** Pool metadata names that link a pool to the BatchPool that created it. */
export const OWNER_METADATA = {
  namespace: 'batchpool-operator-namespace',
  name: 'batchpool-operator-name',
  uid: 'batchpool-operator-uid',
} as const;

// The BatchPool and BatchAccount API as TypeScript types. The OpenAPI schema in schema.ts is the
// other half of the single source of truth for the CRDs in crds/; a test fails if the two drift.

export const GROUP = 'batch.pooloperator.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export const BATCHPOOL_KIND = 'BatchPool';
export const BATCHPOOL_PLURAL = 'batchpools';
export const BATCHACCOUNT_KIND = 'BatchAccount';
export const BATCHACCOUNT_PLURAL = 'batchaccounts';

/** Finalizer that guards the Azure pool; put on before the first Azure write. */
export const FINALIZER = `${GROUP}/pool`;
/** Annotation that stops all Azure writes for one object while it is "true". */
export const PAUSED_ANNOTATION = `${GROUP}/paused`;

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
}

// ---------------------------------------------------------------- BatchAccount (cluster-scoped)

export interface BatchAccountSpec {
  /** Batch account URL, e.g. https://prodbatch.westeurope.batch.azure.com */
  endpoint: string;
  /** Namespaces whose BatchPools may use this account; empty = none, ["*"] = all. */
  allowedNamespaces?: string[];
  identity?: {
    /** Workload-identity client ID used for this account instead of the operator's own. */
    clientId?: string;
  };
}

/** Written by the operator through the status subresource (the CRD has one for both kinds). */
export interface BatchAccountStatus {
  observedGeneration?: number;
  conditions?: Condition[];
}

export interface BatchAccount {
  apiVersion: typeof API_VERSION;
  kind: typeof BATCHACCOUNT_KIND;
  metadata: ObjectMeta;
  spec: BatchAccountSpec;
  status?: BatchAccountStatus;
}

// ---------------------------------------------------------------- BatchPool (namespaced)

export type NodeDeallocationOption = 'requeue' | 'terminate' | 'taskcompletion' | 'retaineddata';
export type DeletionPolicy = 'Delete' | 'Retain';

export interface ResizeStrategy {
  /** 0 = ask for the whole target at once; otherwise grow by at most this many nodes per resize. */
  maxNodesPerResize?: number;
  /** Wait between re-issued resizes: grows from `initial` to `max` (Go-style durations, e.g. 30s, 10m). */
  backoff?: { initial?: string; max?: string };
  /** Give up (Stalled) after this many consecutive failed resizes; absent = never give up. */
  maxAttempts?: number;
}

export interface NameValue {
  name: string;
  value: string;
}

export interface StartTask {
  commandLine: string;
  environmentSettings?: NameValue[];
  resourceFiles?: { httpUrl?: string; storageContainerUrl?: string; filePath?: string; fileMode?: string }[];
  maxTaskRetryCount?: number;
  waitForSuccess?: boolean;
  userIdentity?: {
    userName?: string;
    autoUser?: { scope?: 'task' | 'pool'; elevationLevel?: 'nonadmin' | 'admin' };
  };
}

export interface InboundNatPool {
  name: string;
  protocol: 'tcp' | 'udp';
  backendPort: number;
  frontendPortRangeStart: number;
  frontendPortRangeEnd: number;
}

export interface NetworkConfiguration {
  subnetId?: string;
  endpointConfiguration?: { inboundNATPools?: InboundNatPool[] };
}

export interface BatchPoolSpec {
  accountRef: { name: string };
  poolId?: string;
  vmSize: string;
  image: { id: string };
  nodeAgentSkuId: string;
  targetDedicatedNodes?: number;
  targetLowPriorityNodes?: number;
  resizeTimeout?: string;
  nodeDeallocationOption?: NodeDeallocationOption;
  resizeStrategy?: ResizeStrategy;
  deletionPolicy?: DeletionPolicy;
  taskSlotsPerNode?: number;
  startTask?: StartTask;
  metadata?: NameValue[];
  networkConfiguration?: NetworkConfiguration;
}

export type Phase = 'Pending' | 'Creating' | 'Resizing' | 'Backoff' | 'Ready' | 'Stalled' | 'Deleting';
export type AllocationState = 'steady' | 'resizing' | 'stopping';

export const ConditionType = {
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
  ImageAvailable: 'ImageAvailable',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface ResizeError {
  code: string;
  message: string;
  observedAt: string;
}

export interface ResizeStatus {
  /** Resizes issued for the current target (the create counts as the first). */
  attempts: number;
  lastIssuedAt?: string;
  nextAttemptAt?: string;
  /** Targets of the resize last issued, so a restarted operator knows what it asked for. */
  lastTarget?: { dedicated: number; lowPriority: number };
  lastError?: ResizeError;
}

export interface ImageStatus {
  id: string;
  exists: boolean;
  checkedAt: string;
}

export interface BatchPoolStatus {
  observedGeneration?: number;
  poolId?: string;
  phase?: Phase;
  allocationState?: AllocationState;
  currentDedicatedNodes?: number;
  currentLowPriorityNodes?: number;
  resize?: ResizeStatus;
  image?: ImageStatus;
  conditions?: Condition[];
}

export interface BatchPool {
  apiVersion: typeof API_VERSION;
  kind: typeof BATCHPOOL_KIND;
  metadata: ObjectMeta;
  spec: BatchPoolSpec;
  status?: BatchPoolStatus;
}

/** Defaults the apiserver applies from the schema; repeated here for code paths that read raw objects. */
export const DEFAULTS = {
  resizeTimeout: 'PT20M',
  deletionPolicy: 'Delete' as DeletionPolicy,
  nodeDeallocationOption: 'requeue' as NodeDeallocationOption,
  targetLowPriorityNodes: 0,
  backoffInitial: '30s',
  backoffMax: '10m',
} as const;

/** Custom-image node limits, counted across every pool that uses the same image. */
export const IMAGE_LIMITS = { dedicated: 2500, lowPriority: 1000 } as const;

// The BatchPool and BatchAccount API as TypeScript types, derived from the OpenAPI schemas in
// schema.ts, which are the one hand-written source of the types and of the CRDs in crds/. A field
// is added to the schema only, and is in these types at once. Only what the apiserver owns is
// written here by hand: apiVersion, kind and metadata, which the schema leaves open. The named types
// below are views into the derived ones, so that callers can name the pieces they pass around.

import type { API_VERSION, BATCHACCOUNT_KIND, BATCHPOOL_KIND } from './constants.ts';
import type { Static } from './openapi.ts';
import type { batchAccountSchema, batchPoolSchema } from './schema.ts';

export {
  API_VERSION,
  BATCHACCOUNT_KIND,
  BATCHACCOUNT_PLURAL,
  BATCHPOOL_KIND,
  BATCHPOOL_PLURAL,
  DEFAULTS,
  FINALIZER,
  GROUP,
  IMAGE_LIMITS,
  PAUSED_ANNOTATION,
  VERSION,
} from './constants.ts';

/** The part of metav1.ObjectMeta the operator reads and writes. */
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

/** An object of the given schema and kind, with the envelope the apiserver owns pinned down. */
type Resource<S, Kind extends string> = {
  apiVersion: typeof API_VERSION;
  kind: Kind;
  metadata: ObjectMeta;
} & Omit<Static<S>, 'apiVersion' | 'kind' | 'metadata'> extends infer T
  ? { [K in keyof T]: T[K] }
  : never;

// ---------------------------------------------------------------- BatchAccount (cluster-scoped)

export type BatchAccount = Resource<typeof batchAccountSchema, typeof BATCHACCOUNT_KIND>;
export type BatchAccountSpec = BatchAccount['spec'];
/** Written by the operator through the status subresource (the CRD has one for both kinds). */
export type BatchAccountStatus = NonNullable<BatchAccount['status']>;

// ---------------------------------------------------------------- BatchPool (namespaced)

export type BatchPool = Resource<typeof batchPoolSchema, typeof BATCHPOOL_KIND>;
export type BatchPoolSpec = BatchPool['spec'];
export type BatchPoolStatus = NonNullable<BatchPool['status']>;

export type NodeDeallocationOption = NonNullable<BatchPoolSpec['nodeDeallocationOption']>;
export type DeletionPolicy = NonNullable<BatchPoolSpec['deletionPolicy']>;
export type ResizeStrategy = NonNullable<BatchPoolSpec['resizeStrategy']>;
export type StartTask = NonNullable<BatchPoolSpec['startTask']>;
export type NameValue = NonNullable<BatchPoolSpec['metadata']>[number];
export type NetworkConfiguration = NonNullable<BatchPoolSpec['networkConfiguration']>;
export type SecurityProfile = NonNullable<BatchPoolSpec['securityProfile']>;
export type AutoScale = NonNullable<BatchPoolSpec['autoScale']>;
export type SecretKeySelector = NonNullable<
  NonNullable<BatchPoolSpec['userAccounts']>[number]['passwordSecretRef']
>;
export type PublishTo = NonNullable<BatchPoolSpec['image']['publishTo']>;
export type InboundNatPool = NonNullable<
  NonNullable<NetworkConfiguration['endpointConfiguration']>['inboundNATPools']
>[number];

export type Phase = NonNullable<BatchPoolStatus['phase']>;
export type AllocationState = NonNullable<BatchPoolStatus['allocationState']>;
export type ResizeStatus = NonNullable<BatchPoolStatus['resize']>;
export type RejectedStatus = NonNullable<BatchPoolStatus['rejected']>;
export type ResizeError = NonNullable<ResizeStatus['lastError']>;
export type ImageStatus = NonNullable<BatchPoolStatus['image']>;
export type UpdateStatus = NonNullable<BatchPoolStatus['update']>;
export type BlueGreenStatus = NonNullable<UpdateStatus['blueGreen']>;
export type NodeAgentStatus = NonNullable<BatchPoolStatus['nodeAgent']>;
export type Condition = NonNullable<BatchPoolStatus['conditions']>[number];

export const ConditionType = {
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
  ImageAvailable: 'ImageAvailable',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

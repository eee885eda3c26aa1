// Condition reasons (PascalCase constants, one place) and the pure helper that sets a condition while
// keeping lastTransitionTime when nothing but the message changed.

import type { Condition, ConditionType } from '../api/types.ts';

export const Reason = {
  // Ready
  TargetReached: 'TargetReached',
  // Reconciling
  Creating: 'Creating',
  Resizing: 'Resizing',
  StoppingResize: 'StoppingResize',
  Backoff: 'Backoff',
  Deleting: 'Deleting',
  WaitingForImageCheck: 'WaitingForImageCheck',
  Paused: 'Paused',
  AzureError: 'AzureError',
  Updating: 'Updating',
  NodesStarting: 'NodesStarting',
  RecoveringNodes: 'RecoveringNodes',
  RemovingNodes: 'RemovingNodes',
  RecoveryBudgetSpent: 'RecoveryBudgetSpent',
  // Ready (spec.adoption Observe)
  Observing: 'Observing',
  // Stalled
  ImageNotFound: 'ImageNotFound',
  ImageLimitExceeded: 'ImageLimitExceeded',
  PoolNotOwned: 'PoolNotOwned',
  AccountNotFound: 'AccountNotFound',
  NamespaceNotAllowed: 'NamespaceNotAllowed',
  IdentityNeedsResourceManager: 'IdentityNeedsResourceManager',
  IdentityNotOnPool: 'IdentityNotOnPool',
  ResizeAttemptsExhausted: 'ResizeAttemptsExhausted',
  AzureRejected: 'AzureRejected',
  ManagedImageRetired: 'ManagedImageRetired',
  ImageNoUsableVersion: 'ImageNoUsableVersion',
  ImageProvisioningFailed: 'ImageProvisioningFailed',
  ImageNotReplicated: 'ImageNotReplicated',
  ImageEndOfLife: 'ImageEndOfLife',
  SecurityTypeMismatch: 'SecurityTypeMismatch',
  NodeAgentSkuUnsupported: 'NodeAgentSkuUnsupported',
  NodeAgentSkuRetired: 'NodeAgentSkuRetired',
  QuotaReached: 'QuotaReached',
  UpdateRefused: 'UpdateRefused',
  AdoptionMismatch: 'AdoptionMismatch',
  SecretUnavailable: 'SecretUnavailable',
  NodesUnusable: 'NodesUnusable',
  NodeRecoveryHalted: 'NodeRecoveryHalted',
  NotStalled: 'NotStalled',
  // ImageAvailable
  ImageFound: 'ImageFound',
  ImageNotReady: 'ImageNotReady',
  ImagePublishing: 'ImagePublishing',
  NotChecked: 'NotChecked',
  // generic
  Idle: 'Idle',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/** The reasons for which only a person can help (Stalled=True); each is also a Warning event. */
export type StalledReason =
  | typeof Reason.ImageNotFound
  | typeof Reason.ImageLimitExceeded
  | typeof Reason.PoolNotOwned
  | typeof Reason.AccountNotFound
  | typeof Reason.NamespaceNotAllowed
  | typeof Reason.IdentityNeedsResourceManager
  | typeof Reason.IdentityNotOnPool
  | typeof Reason.ResizeAttemptsExhausted
  | typeof Reason.AzureRejected
  | typeof Reason.ManagedImageRetired
  | typeof Reason.ImageNoUsableVersion
  | typeof Reason.ImageProvisioningFailed
  | typeof Reason.ImageNotReplicated
  | typeof Reason.ImageEndOfLife
  | typeof Reason.SecurityTypeMismatch
  | typeof Reason.NodeAgentSkuUnsupported
  | typeof Reason.NodeAgentSkuRetired
  | typeof Reason.QuotaReached
  | typeof Reason.UpdateRefused
  | typeof Reason.AdoptionMismatch
  | typeof Reason.SecretUnavailable
  | typeof Reason.NodesUnusable
  | typeof Reason.NodeRecoveryHalted;

export interface ConditionInput {
  type: ConditionType;
  status: Condition['status'];
  reason: Reason;
  message: string;
}

/** Returns a new condition list with `input` set; lastTransitionTime moves only when status changes. */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  generation: number | undefined,
  nowIso: string,
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === input.type);
  const previous = i >= 0 ? list[i] : undefined;
  const next: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message,
    lastTransitionTime: previous && previous.status === input.status ? previous.lastTransitionTime : nowIso,
    ...(generation !== undefined && { observedGeneration: generation }),
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

export function findCondition(conditions: readonly Condition[] | undefined, type: ConditionType) {
  return conditions?.find((c) => c.type === type);
}

// The plan's inputs and outputs. Every name a decision can take is a union here, so that nothing downstream
// (the reconciler, metrics, logs) has to recover a decision by parsing a string.

import type { BatchPool, BatchPoolStatus } from '../../api/types.ts';
import type {
  AutoScaleSettings,
  BadNode,
  CreatePoolParams,
  EmptyPoolSettings,
  ImageFacts,
  LiveSettings,
  NodeAgentSku,
  PoolNodeCounts,
  PoolSnapshot,
  PublishRequest,
  RemoveNodesParams,
  ResizeParams,
} from '../../azure/ports.ts';
import type { Reason, StalledReason } from '../conditions.ts';
import type { SecretProblem } from '../secrets.ts';

export interface PlanSettings {
  /** How often to look at a pool that is resizing, being created, or being deleted. */
  resizingPollMs: number;
  /** How often to look at a pool that needs nothing (plus up to 25 % jitter, never less). */
  steadyResyncMs: number;
  /** How often to re-check an image that was found missing. */
  imageRecheckMs: number;
  /** How often to re-check an image that exists, for a pool that lives. */
  imageCheckIntervalMs: number;
}

export const DEFAULT_SETTINGS: PlanSettings = {
  resizingPollMs: 30_000,
  steadyResyncMs: 300_000,
  imageRecheckMs: 60_000,
  imageCheckIntervalMs: 600_000,
};

export type AccountState =
  /** `region`: the account's Azure region, from spec.location or its endpoint; undefined when unknown. */
  | {
      kind: 'ok';
      name: string;
      region?: string;
      /** spec.api; absent: DataPlane. */ api?: 'DataPlane' | 'ResourceManager';
    }
  | { kind: 'missing'; name: string }
  | { kind: 'not-allowed'; name: string; allowedNamespaces: string[] };

/**
 * Nodes the other BatchPools on the same image claim: the targets of those that come before this one
 * (older first), and the nodes the later ones already hold (they exist, whatever the order says).
 */
export interface ImageUsage {
  dedicated: number;
  lowPriority: number;
  /** namespace/name of every other BatchPool that uses the same image. */
  sharedWith: string[];
}

export interface PlanInput {
  object: BatchPool;
  account: AccountState;
  /** The pool as Azure reports it; `pool: undefined` = it does not exist. Absent when Azure was not asked. */
  observed?: {
    pool: PoolSnapshot | undefined;
    /** The other pool of a BlueGreen rollout (status.update.blueGreen), when one is under way. */
    other?: { poolId: string; pool: PoolSnapshot | undefined };
    /** The pool's nodes by state, when Azure was asked (/nodecounts); absent for a pool that does not exist. */
    nodeCounts?: PoolNodeCounts;
    /** The unusable and start-task-failed nodes, listed when the counts show any (see needsBadNodes). */
    badNodes?: BadNode[];
  };
  /**
   * A fresh image check made during this pass, if one was made: spec.image.id, and the version it is
   * published as when spec.image.publishTo says so.
   */
  imageCheck?: { image: ImageFacts; published?: ImageFacts };
  /**
   * The Secret keys the spec references that could not be read (missing, no such key, not allowed); absent when
   * the spec references none. Only the names are here, never a value.
   */
  secrets?: { problems: readonly SecretProblem[] };
  /** The account's node agent SKUs, read in the same pass as the image check. */
  nodeAgents?: readonly NodeAgentSku[];
  usage: ImageUsage;
  now: number;
  /** A number in [0, 1); the only source of jitter. */
  random: () => number;
  settings: PlanSettings;
}

export type Action =
  | { kind: 'none' }
  | { kind: 'create'; params: CreatePoolParams }
  /** `afterError`: the resize error code this resize is re-issued after, if it is a re-issue. */
  | { kind: 'resize'; poolId: string; params: ResizeParams; afterError?: string }
  | { kind: 'stopResize'; poolId: string }
  /** `fields`: the spec fields that differed, for the event and the metrics. */
  | { kind: 'updateLive'; poolId: string; settings: LiveSettings; fields: string[] }
  | { kind: 'updateEmpty'; poolId: string; settings: EmptyPoolSettings; fields: string[] }
  /** Autoscaling on, or a new formula or interval. */
  | { kind: 'enableAutoScale'; poolId: string; autoScale: AutoScaleSettings }
  | { kind: 'disableAutoScale'; poolId: string }
  | { kind: 'delete'; poolId: string }
  | { kind: 'publishImage'; request: PublishRequest }
  /** Node recovery (spec.nodeRecovery): one reboot per node, or one removenodes of at most 100. */
  | { kind: 'rebootNodes'; poolId: string; nodeIds: string[] }
  | { kind: 'removeNodes'; poolId: string; nodeIds: string[]; params: RemoveNodesParams }
  | { kind: 'removeFinalizer' };

/** The events.k8s.io `action` of an event: the Azure write it announces, or Observe for what was seen. */
export type EventAction =
  | 'Create'
  | 'Resize'
  | 'StopResize'
  | 'Update'
  | 'AutoScale'
  | 'Delete'
  | 'Publish'
  | 'RecoverNodes'
  | 'Observe';

export type EventReason =
  | 'PoolCreating'
  | 'PoolRecreated'
  | 'ResizeIssued'
  | 'ResizeError'
  | 'ResizeTimedOut'
  | 'ResizeStopping'
  | 'TargetReached'
  | 'Drift'
  | 'ImageNotFound'
  | 'ImageRestored'
  | 'ImageShared'
  | 'ImagePublishing'
  | 'ImageEndOfLifeSoon'
  | 'NodeAgentSkuEndOfLifeSoon'
  | 'SecurityProfileFromImage'
  | 'PoolUpdated'
  | 'AutoScaleEnabled'
  | 'AutoScaleDisabled'
  | 'PoolAdopted'
  | 'PoolObserved'
  | 'PoolDeleting'
  | 'PoolDeleted'
  | 'PoolRetained'
  | 'PoolLeftInAzure'
  | 'BlueGreenStarted'
  | 'BlueGreenSwitched'
  | 'BlueGreenCompleted'
  | 'BlueGreenAborted'
  | 'NodesRebooted'
  | 'NodesRemoved'
  | StalledReason;

export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: EventReason;
  message: string;
  action: EventAction;
}

/** Why the plan decided what it did, for the decision log: a condition reason or one of these. */
export type Decision =
  | Reason
  | 'AccountUnusable'
  | 'PoolRetained'
  | 'PoolDeleted'
  | 'ResizeStoppedOutOfBand'
  | 'PublishImage'
  | `Reissue${string}`
  | 'Drift'
  | 'StaleResizeError'
  | 'SpecChanged'
  | 'NextStep'
  | 'UpdateLive'
  | 'UpdateEmpty'
  | 'AutoScale'
  | 'DrainForUpdate'
  | 'ClaimAdopted'
  | 'BlueGreen'
  | 'ResizeAfterNodeRemoval';

export interface PlanResult {
  action: Action;
  status: BatchPoolStatus;
  events: PlannedEvent[];
  reason: Decision;
  /** When to look again; undefined = only when something changes. */
  requeueAfterMs: number | undefined;
}

export interface Targets {
  dedicated: number;
  lowPriority: number;
}

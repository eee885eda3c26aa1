// What the controller needs from Azure, and nothing more. The real adapters (batch/adapter.ts, images.ts) and
// the in-memory fakes in test/support implement these.

import { inspect } from 'node:util';
import type { AutoScale, BatchPoolSpec, NameValue, NodeDeallocationOption, StartTask } from '../api/types.ts';

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
  /** Batch's ETag of the pool; it changes on writes only (not as nodes come and go). */
  eTag?: string;
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
  /**
   * The pool's settings, read back in the terms the operator writes them (see PoolSettings); absent when the
   * adapter was not asked for them. Azure's defaults are filled in as Azure reports them.
   */
  settings?: PoolSettings;
}

/** The spec fields that are pool settings as they are written in the spec (see settings-table.ts). */
export type SpecSettings = Pick<
  BatchPoolSpec,
  | 'displayName'
  | 'taskSlotsPerNode'
  | 'enableInterNodeCommunication'
  | 'taskSchedulingPolicy'
  | 'startTask'
  | 'applicationPackageReferences'
  | 'networkConfiguration'
  | 'userAccounts'
  | 'mountConfiguration'
  | 'upgradePolicy'
  | 'securityProfile'
  | 'containerConfiguration'
  | 'dataDisks'
  | 'diskEncryptionConfiguration'
  | 'nodePlacementConfiguration'
  | 'extensions'
  | 'osDisk'
  | 'serviceArtifactReference'
  | 'licenseType'
  | 'windowsConfiguration'
  | 'autoScale'
  | 'identity'
>;

/**
 * The settings of a pool that a BatchPool spec governs, apart from its targets: what a create sends and what
 * a GET reads back, so the plan can tell which of them differ. They hold Secret references, never values: the
 * adapter resolves them (SecretValues) when it writes. Azure never returns secrets, so a GET reads none back
 * and a difference in a secret is not seen. `autoScale` is the pool's autoscale formula and interval, when
 * autoscaling is on.
 */
export type PoolSettings = SpecSettings & {
  vmSize: string;
  imageId: string;
  nodeAgentSkuId: string;
  /** Every metadata entry, the owner entries (OWNER_METADATA) included. */
  metadata: NameValue[];
};

/** One key of one Secret in the BatchPool's namespace. */
export interface SecretKeyRef {
  name: string;
  key: string;
}

/**
 * The values of the Secret keys a pool's settings reference, read by the reconciler just before it writes.
 * It never shows its values when logged or serialised.
 */
export class SecretValues {
  readonly #values = new Map<string, string>();

  constructor(entries: Iterable<[SecretKeyRef, string]> = []) {
    for (const [ref, value] of entries) this.#values.set(SecretValues.id(ref), value);
  }

  static id(ref: SecretKeyRef): string {
    return `${ref.name}/${ref.key}`;
  }

  /** The value; throws (naming the Secret and key, never a value) when it was not read. */
  get(ref: SecretKeyRef): string {
    const v = this.#values.get(SecretValues.id(ref));
    if (v === undefined) throw new Error(`the value of Secret ${ref.name}, key ${ref.key}, was not read`);
    return v;
  }

  has(ref: SecretKeyRef): boolean {
    return this.#values.has(SecretValues.id(ref));
  }

  toJSON(): string {
    return `[${this.#values.size} secret values]`;
  }

  [inspect.custom](): string {
    return this.toJSON();
  }
}

/**
 * A create: the settings (securityProfile is the spec's, or the one the image's security type calls for;
 * metadata is the user's plus the owner entries, see OWNER_METADATA) and the first targets (none when the
 * pool autoscales).
 */
export type CreatePoolParams = PoolSettings & {
  id: string;
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
  resizeTimeout: string;
};

/**
 * The settings Azure changes on a pool with nodes (updateproperties replaces all three at once), and the
 * pool's identities, which only the management plane changes (a data-plane adapter is never asked to: the plan
 * refuses spec.identity on a DataPlane account).
 */
export interface LiveSettings {
  startTask?: StartTask;
  applicationPackageReferences?: PoolSettings['applicationPackageReferences'];
  metadata: NameValue[];
  identity?: PoolSettings['identity'];
}

/** Settings Azure changes only while the pool has no nodes (a PATCH). */
export type EmptyPoolSettings = Partial<
  Omit<PoolSettings, 'startTask' | 'metadata' | 'applicationPackageReferences' | 'autoScale' | 'identity'>
>;

export type AutoScaleSettings = AutoScale;

export interface ResizeParams {
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
  resizeTimeout: string;
  nodeDeallocationOption: NodeDeallocationOption;
}

/**
 * A write's condition: the pool's ETag as the read the write was decided on saw it. Azure then refuses the
 * write (412) if someone changed the pool meanwhile, and the operator looks again instead of overwriting
 * their change. Where an operation takes no condition (updateproperties on the data plane, stop-resize and
 * disable-autoscale on the management plane) it is sent without.
 */
export interface WriteConditions {
  ifMatch?: string;
}

export interface BatchPools {
  /** undefined when the pool does not exist. */
  get(poolId: string): Promise<PoolSnapshot | undefined>;
  /** `secrets`: the values of the Secret keys the settings reference. */
  create(params: CreatePoolParams, secrets?: SecretValues): Promise<void>;
  /** Replaces the start task, application packages and metadata (updateproperties). */
  replaceLiveSettings(
    poolId: string,
    settings: LiveSettings,
    secrets?: SecretValues,
    conditions?: WriteConditions,
  ): Promise<void>;
  /** Changes settings Azure changes only on an empty pool (PATCH); Azure refuses it while nodes remain. */
  updateEmptyPool(
    poolId: string,
    settings: EmptyPoolSettings,
    secrets?: SecretValues,
    conditions?: WriteConditions,
  ): Promise<void>;
  /** Turns autoscaling on, or sets a new formula or interval (enableautoscale); refused while resizing. */
  enableAutoScale(poolId: string, autoScale: AutoScaleSettings, conditions?: WriteConditions): Promise<void>;
  /** Turns autoscaling off (disableautoscale); the pool keeps its size until it is resized. */
  disableAutoScale(poolId: string, conditions?: WriteConditions): Promise<void>;
  /** Every pool of the account, with its settings (for import). */
  list(): Promise<PoolSnapshot[]>;
  /** Every pool of the account with only what an observation reads (no settings), with its eTag. */
  listObserved(): Promise<PoolSnapshot[]>;
  /** Every pool's node counts (/nodecounts, all pages). */
  listNodeCounts(): Promise<Map<string, PoolNodeCounts>>;
  resize(poolId: string, params: ResizeParams, conditions?: WriteConditions): Promise<void>;
  stopResize(poolId: string, conditions?: WriteConditions): Promise<void>;
  /** Resolves when Azure accepted the delete, or the pool is already gone. */
  delete(poolId: string): Promise<void>;
  /** The pool's nodes by state (/nodecounts filtered to the pool); undefined when Azure lists no entry. */
  nodeCounts(poolId: string): Promise<PoolNodeCounts | undefined>;
  /** The node agent SKUs the account offers (Batch's supported images); the adapter may cache them. */
  nodeAgentSkus(): Promise<NodeAgentSku[]>;
  /** The pool's unusable and start-task-failed nodes, with their errors (one filtered, selected list). */
  badNodes(poolId: string): Promise<BadNode[]>;
  /** Removes these nodes (removenodes, at most 100); Azure lowers the pool's targets by as many. */
  removeNodes(poolId: string, nodeIds: readonly string[], params: RemoveNodesParams): Promise<void>;
  /** Reboots one node (the service's default option, requeue). */
  rebootNode(poolId: string, nodeId: string): Promise<void>;
}

/** A node that counts but cannot run tasks, and what Azure says is wrong with it. */
export interface BadNode {
  id: string;
  state: 'unusable' | 'starttaskfailed';
  dedicated: boolean;
  /** When its current boot began (ms since epoch), if Azure said. */
  lastBootTime?: number;
  /** The node's errors, or for a failed start task its failureInfo (with the exit code in the message). */
  errors: { code: string; message: string }[];
}

export interface RemoveNodesParams {
  resizeTimeout: string;
  nodeDeallocationOption: NodeDeallocationOption;
}

/** The node states /nodecounts counts (BatchNodeCounts, 2025-06-01), each a field of NodeStateCounts. */
export const NODE_COUNT_STATES = [
  'creating',
  'starting',
  'waitingForStartTask',
  'startTaskFailed',
  'idle',
  'running',
  'rebooting',
  'reimaging',
  'leavingPool',
  'offline',
  'preempted',
  'unusable',
  'unknown',
  'deallocating',
  'deallocated',
  'upgradingOS',
] as const;
export type NodeCountState = (typeof NODE_COUNT_STATES)[number];

/** Nodes of one kind (dedicated, or Spot) by state, and their total. */
export type NodeStateCounts = Record<NodeCountState, number> & { total: number };

/** One pool's entry of /nodecounts. */
export interface PoolNodeCounts {
  dedicated: NodeStateCounts;
  lowPriority: NodeStateCounts;
}

/** One entry of the account's supported images, as far as the node agent is concerned. */
export interface NodeAgentSku {
  id: string;
  /** linux or windows, as Batch says. */
  osType: string;
  /** When Batch ends support for it (batchSupportEndOfLife, RFC 3339). */
  endOfLife?: string;
}

/** Replication of a gallery image version to the Batch account's region. */
export type Replication = 'Completed' | 'Replicating' | 'Failed' | 'NotTargeted' | 'Unknown';

export interface GalleryVersionFacts {
  id: string;
  /** Succeeded, Creating, Updating, Failed, Deleting, Migrating. */
  provisioningState: string;
  replication: Replication;
  /** Percent, while replicating. */
  progress?: number;
  endOfLifeDate?: string;
}

export interface ImageDefinitionFacts {
  /** Linux or Windows. */
  osType?: string;
  /** The definition's features SecurityType, as written (TrustedLaunch, ConfidentialVM, …Supported). */
  securityType?: string;
  hyperVGeneration?: string;
}

/** What the operator needs to know about an image before a pool is built from it. */
export type ImageFacts =
  | { kind: 'missing' }
  | { kind: 'managed'; osType?: string }
  | { kind: 'galleryVersion'; definition: ImageDefinitionFacts; version: GalleryVersionFacts }
  | {
      kind: 'galleryImage';
      definition: ImageDefinitionFacts;
      /** The version Azure would build from: the highest one not excluded from latest that is usable. */
      latest?: GalleryVersionFacts;
      /** The highest version not excluded from latest, usable or not (what is wrong with it, when none is). */
      newest?: GalleryVersionFacts;
    };

/** A managed image to publish as a gallery image version, replicated to `region`. */
export interface PublishRequest {
  sourceImageId: string;
  versionId: string;
  region: string | undefined;
}

export interface ImageChecker {
  /**
   * What Azure says about the image, for a pool in `region` (the Batch account's; undefined when unknown,
   * then replication is judged by the version's aggregated state). Throws on anything but a 404.
   */
  inspect(imageId: string, region: string | undefined): Promise<ImageFacts>;
  /** Starts publishing (ARM PUT); does not wait for the long-running operation. */
  publish(request: PublishRequest): Promise<void>;
}

/** A BatchAccount's spec.identity: who the operator is for that account (see azure/credentials.ts). */
export interface AccountIdentity {
  clientId?: string;
  tenantId?: string;
  secretRef?: { name: string; key?: string };
}

/** Which Batch account to talk to, and as whom. */
export interface AccountTarget {
  endpoint: string;
  /** Absent: the operator's own identity. */
  identity?: AccountIdentity;
  /** The account's ARM resource ID when its pools are written through the management plane (spec.api). */
  resourceManager?: { resourceId: string };
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

// Builders for BatchPools, pool snapshots and plan inputs, so a test says only what matters to it.

import {
  API_VERSION,
  FINALIZER,
  PAUSED_ANNOTATION,
  type BatchPool,
  type BatchPoolSpec,
  type BatchPoolStatus,
} from '../../src/api/types.ts';
import {
  OWNER_METADATA,
  type ImageFacts,
  type NodeAgentSku,
  type PoolSettings,
  type PoolSnapshot,
} from '../../src/azure/ports.ts';
import { DEFAULT_SETTINGS, type PlanInput } from '../../src/controller/plan/index.ts';

export const IMAGE =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/ubuntu/versions/1.4.0';
export const T0 = Date.parse('2026-01-01T00:00:00Z');

export function batchPool(
  name = 'render',
  overrides: { spec?: Partial<BatchPoolSpec>; status?: BatchPoolStatus } = {},
): BatchPool {
  return {
    apiVersion: API_VERSION,
    kind: 'BatchPool',
    metadata: {
      name,
      namespace: 'vfx',
      uid: `uid-${name}`,
      generation: 1,
      creationTimestamp: '2026-01-01T00:00:00Z',
      finalizers: [FINALIZER],
    },
    spec: {
      accountRef: { name: 'acct' },
      vmSize: 'Standard_D4s_v5',
      image: { id: IMAGE },
      nodeAgentSkuId: 'batch.node.ubuntu 22.04',
      targetDedicatedNodes: 10,
      targetLowPriorityNodes: 0,
      resizeStrategy: { backoff: { initial: '30s', max: '10m' } },
      ...overrides.spec,
    },
    ...(overrides.status && { status: overrides.status }),
  };
}

export function paused(p: BatchPool): BatchPool {
  return {
    ...p,
    metadata: { ...p.metadata, annotations: { ...p.metadata.annotations, [PAUSED_ANNOTATION]: 'true' } },
  };
}

export function deleting(p: BatchPool): BatchPool {
  return { ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
}

export function snapshot(
  overrides: Partial<PoolSnapshot> = {},
  owner: BatchPool = batchPool(),
): PoolSnapshot {
  return {
    id: owner.spec.poolId ?? owner.metadata.name,
    state: 'active',
    allocationState: 'steady',
    currentDedicatedNodes: 10,
    currentLowPriorityNodes: 0,
    targetDedicatedNodes: 10,
    targetLowPriorityNodes: 0,
    resizeErrors: [],
    owner: { namespace: owner.metadata.namespace, name: owner.metadata.name, uid: owner.metadata.uid },
    imageId: owner.spec.image.id,
    ...overrides,
  };
}

/** What an image check finds for IMAGE: a provisioned Linux version replicated to the account's region. */
export const VERSION_FACTS: ImageFacts = {
  kind: 'galleryVersion',
  definition: { osType: 'Linux' },
  version: { id: IMAGE, provisioningState: 'Succeeded', replication: 'Completed' },
};

/** An image check that found the image (usable), or did not find it. */
export const found = (facts: ImageFacts = VERSION_FACTS): NonNullable<PlanInput['imageCheck']> => ({
  image: facts,
});
export const gone = (): NonNullable<PlanInput['imageCheck']> => ({ image: { kind: 'missing' } });

/** The node agent SKUs the account offers, in the shape Batch lists them. */
export const NODE_AGENTS: NodeAgentSku[] = [
  { id: 'batch.node.ubuntu 24.04', osType: 'linux', endOfLife: '2029-06-30T00:00:00Z' },
  { id: 'batch.node.ubuntu 22.04', osType: 'linux', endOfLife: '2027-06-30T00:00:00Z' },
  { id: 'batch.node.windows amd64', osType: 'windows' },
];

/** A plan input; a pass with an image check also read the node agent SKUs, as the reconciler does. */
export function input(object: BatchPool, rest: Partial<PlanInput> = {}): PlanInput {
  return {
    object,
    account: { kind: 'ok', name: 'acct', region: 'westeurope' },
    usage: { dedicated: 0, lowPriority: 0, sharedWith: [] },
    now: T0,
    random: () => 0.5,
    settings: DEFAULT_SETTINGS,
    ...(rest.imageCheck && !rest.nodeAgents && { nodeAgents: NODE_AGENTS }),
    ...rest,
  };
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export const ownerEntries = (p: BatchPool) => [
  { name: OWNER_METADATA.namespace, value: p.metadata.namespace },
  { name: OWNER_METADATA.name, value: p.metadata.name },
  { name: OWNER_METADATA.uid, value: p.metadata.uid },
];

/** The settings Azure reports for a pool the operator created from `object` (Azure's GET defaults filled in). */
export function settingsOf(object: BatchPool, overrides: Partial<PoolSettings> = {}): PoolSettings {
  const s = object.spec;
  return {
    vmSize: s.vmSize,
    imageId: s.image.id,
    nodeAgentSkuId: s.nodeAgentSkuId,
    taskSlotsPerNode: s.taskSlotsPerNode ?? 1,
    metadata: [
      ...(s.metadata ?? []),
      ...ownerEntries(object).map((e) => ({ name: e.name, value: e.value ?? '' })),
    ],
    ...(s.startTask && {
      startTask: {
        userIdentity: { autoUser: { scope: 'pool', elevationLevel: 'nonadmin' } },
        maxTaskRetryCount: 0,
        waitForSuccess: true,
        ...s.startTask,
      },
    }),
    ...(s.networkConfiguration && { networkConfiguration: s.networkConfiguration }),
    ...overrides,
  };
}

// What the pool's settings should be, and which of them differ from the pool Azure has: the ones Azure changes
// on a pool with nodes (applied in place) and the ones it changes only on an empty pool (spec.updateStrategy).
//
// A setting the spec leaves out is left as Azure has it (Azure fills in defaults such as taskSlotsPerNode 1),
// except the start task and the metadata, which Azure replaces whole: no start task in the spec means none on
// the pool. Values are compared after filling in the defaults Azure reports on a GET, so a pool the operator
// created never differs from its own spec.

import type { BatchPool, BatchPoolSpec, NameValue, SecurityProfile, StartTask } from '../../api/types.ts';
import { OWNER_METADATA, type EmptyPoolSettings, type PoolSettings } from '../../azure/ports.ts';
import { deepEqual } from '../../json.ts';
import { publishing, securityProfileFor } from './image.ts';
import { ownerMetadata } from './ownership.ts';

/** The spec's settings; securityProfile as the image's security type calls for, when it can be had. */
export function desiredSettings(
  object: BatchPool,
  image: { versionId?: string; securityType?: string } | undefined,
): PoolSettings {
  const s = object.spec;
  const imageId = (publishing(object) && image?.versionId) || s.image.id;
  const security = securityProfileFor(s.securityProfile, image?.securityType, imageId);
  const profile = 'profile' in security ? security.profile : s.securityProfile;
  return {
    vmSize: s.vmSize,
    imageId,
    nodeAgentSkuId: s.nodeAgentSkuId,
    metadata: [...(s.metadata ?? []), ...ownerMetadata(object)],
    ...(s.taskSlotsPerNode !== undefined && { taskSlotsPerNode: s.taskSlotsPerNode }),
    ...(s.startTask && { startTask: s.startTask }),
    ...(s.networkConfiguration && { networkConfiguration: s.networkConfiguration }),
    ...(profile && { securityProfile: profile }),
  };
}

const OWNER_NAMES: ReadonlySet<string> = new Set(Object.values(OWNER_METADATA));

/**
 * The spec fields that say what a pool already is: the inverse of desiredSettings for a pool the operator did
 * not create (import). Only what differs from Azure's defaults is written, so the manifest stays short and a
 * spec made from a pool never differs from it (see differences).
 */
export type SettingsSpec = Pick<
  BatchPoolSpec,
  | 'vmSize'
  | 'image'
  | 'nodeAgentSkuId'
  | 'taskSlotsPerNode'
  | 'startTask'
  | 'networkConfiguration'
  | 'securityProfile'
  | 'metadata'
>;

export function specFromSettings(have: PoolSettings): SettingsSpec {
  const metadata = have.metadata.filter((m) => !OWNER_NAMES.has(m.name));
  return {
    vmSize: have.vmSize,
    image: { id: have.imageId },
    nodeAgentSkuId: have.nodeAgentSkuId,
    ...(have.taskSlotsPerNode !== undefined &&
      have.taskSlotsPerNode !== 1 && { taskSlotsPerNode: have.taskSlotsPerNode }),
    ...(have.startTask && { startTask: have.startTask }),
    ...(have.networkConfiguration && { networkConfiguration: have.networkConfiguration }),
    ...(have.securityProfile && { securityProfile: have.securityProfile }),
    ...(metadata.length > 0 && { metadata: metadata.map((m) => ({ name: m.name, value: m.value })) }),
  };
}

export interface Differences {
  /** Spec fields Azure changes on a pool with nodes. */
  live: string[];
  /** Spec fields Azure changes only on an empty pool, with what each is in the spec and in Azure. */
  empty: { field: string; want: string; have: string }[];
  /** The owner entries are missing from the pool's metadata (a pool that is being adopted). */
  unclaimed: boolean;
}

export function differences(want: PoolSettings, have: PoolSettings): Differences {
  const live: string[] = [];
  if (!deepEqual(startTaskAsAzureReports(want.startTask), startTaskAsAzureReports(have.startTask))) {
    live.push('spec.startTask');
  }
  if (!deepEqual(userMetadata(want.metadata), userMetadata(have.metadata))) live.push('spec.metadata');
  const empty: Differences['empty'] = [];
  const differs = (field: string, w: unknown, h: unknown, same = deepEqual(w, h)) => {
    if (w !== undefined && !same) empty.push({ field, want: show(w), have: show(h) });
  };
  differs('spec.vmSize', want.vmSize, have.vmSize, want.vmSize.toLowerCase() === have.vmSize.toLowerCase());
  differs(
    'spec.image.id',
    want.imageId,
    have.imageId,
    want.imageId.toLowerCase() === have.imageId.toLowerCase(),
  );
  differs('spec.nodeAgentSkuId', want.nodeAgentSkuId, have.nodeAgentSkuId);
  differs(
    'spec.securityProfile',
    want.securityProfile,
    have.securityProfile,
    sameSecurity(want.securityProfile, have.securityProfile),
  );
  differs('spec.taskSlotsPerNode', want.taskSlotsPerNode, have.taskSlotsPerNode ?? 1);
  differs('spec.networkConfiguration', want.networkConfiguration, have.networkConfiguration);
  const ownerNames = new Set(have.metadata.filter((m) => OWNER_NAMES.has(m.name)).map((m) => m.name));
  const unclaimed = ![OWNER_METADATA.namespace, OWNER_METADATA.name].every((n) => ownerNames.has(n));
  return { live, empty, unclaimed };
}

/** The PATCH that carries the empty-pool differences: the VM configuration travels whole. */
export function emptyPoolPatch(want: PoolSettings, d: Differences): EmptyPoolSettings {
  const fields = new Set(d.empty.map((e) => e.field));
  const vm = ['spec.image.id', 'spec.nodeAgentSkuId', 'spec.securityProfile'].some((f) => fields.has(f));
  return {
    ...(fields.has('spec.vmSize') && { vmSize: want.vmSize }),
    ...(vm && {
      imageId: want.imageId,
      nodeAgentSkuId: want.nodeAgentSkuId,
      ...(want.securityProfile && { securityProfile: want.securityProfile }),
    }),
    ...(fields.has('spec.taskSlotsPerNode') && { taskSlotsPerNode: want.taskSlotsPerNode }),
    ...(fields.has('spec.networkConfiguration') && { networkConfiguration: want.networkConfiguration }),
  };
}

/** What a GET shows of a start task: Azure fills in the user, the retry count and waitForSuccess. */
function startTaskAsAzureReports(t: StartTask | undefined): StartTask | undefined {
  if (!t) return undefined;
  return {
    ...t,
    userIdentity: t.userIdentity ?? { autoUser: { scope: 'pool', elevationLevel: 'nonadmin' } },
    maxTaskRetryCount: t.maxTaskRetryCount ?? 0,
    waitForSuccess: t.waitForSuccess ?? true,
  };
}

/** The user's entries, in name order; the owner entries are the operator's business. */
function userMetadata(items: readonly NameValue[]): NameValue[] {
  return items
    .filter((m) => !OWNER_NAMES.has(m.name))
    .map((m) => ({ name: m.name, value: m.value }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Azure spells the security type in more than one case (trustedLaunch, TrustedLaunch). */
function sameSecurity(a: SecurityProfile | undefined, b: SecurityProfile | undefined): boolean {
  const norm = (p: SecurityProfile | undefined) =>
    p && { ...p, ...(p.securityType && { securityType: p.securityType.toLowerCase() }) };
  return deepEqual(norm(a), norm(b));
}

function show(v: unknown): string {
  return v === undefined ? '(not set)' : typeof v === 'string' ? v : JSON.stringify(v);
}

// Between the port (src/azure/ports.ts) and the 2025-06-01 wire types: what the controller asks for becomes a
// BatchPoolCreateOptions, and a BatchPool becomes the PoolSnapshot the plan decides on. Pure, so the contract
// test can check every name it sends and reads.
//
// The spec's pass-through settings are copied field by field, not passed on whole: a few wire names changed
// since the API the spec was modelled on (userIdentity.userName is `username` in 2025-06-01), and a field the
// spec gains must be mapped here on purpose. Each mapper destructures every field it knows and assigns the
// rest to `Record<string, never>`, so a new spec field is a compile error here rather than a field that
// silently never reaches Azure.

import type { NameValue, NetworkConfiguration, SecurityProfile, StartTask } from '../../api/types.ts';
import {
  OWNER_METADATA,
  type CreatePoolParams,
  type EmptyPoolSettings,
  type LiveSettings,
  type NodeAgentSku,
  type PoolSettings,
  type PoolSnapshot,
  type ResizeParams,
} from '../ports.ts';
import {
  KnownAllocationState,
  type BatchInboundNatPool,
  type BatchMetadataItem,
  type BatchPool,
  type BatchPoolCreateOptions,
  type BatchPoolReplaceOptions,
  type BatchPoolResizeOptions,
  type BatchPoolUpdateOptions,
  type BatchStartTask,
  type BatchSupportedImage,
  type NetworkConfiguration as WireNetworkConfiguration,
  type ResourceFile,
  type SecurityProfile as WireSecurityProfile,
  type UserIdentity,
} from './wire.ts';

type Unmapped = Record<string, never>;

/** Name/value pairs (metadata, environment settings): the same two fields on both sides. */
function pairs(items: NameValue[]): BatchMetadataItem[] {
  return items.map(({ name, value, ...rest }) => {
    const _unmapped: Unmapped = rest;
    return { name, value };
  });
}

function resourceFile(f: NonNullable<StartTask['resourceFiles']>[number]): ResourceFile {
  const { httpUrl, storageContainerUrl, filePath, fileMode, ...rest } = f;
  const _unmapped: Unmapped = rest;
  return {
    ...(httpUrl !== undefined && { httpUrl }),
    ...(storageContainerUrl !== undefined && { storageContainerUrl }),
    ...(filePath !== undefined && { filePath }),
    ...(fileMode !== undefined && { fileMode }),
  };
}

function userIdentity(u: NonNullable<StartTask['userIdentity']>): UserIdentity {
  const { userName, autoUser, ...rest } = u;
  const _unmapped: Unmapped = rest;
  let auto: UserIdentity['autoUser'];
  if (autoUser) {
    const { scope, elevationLevel, ...autoRest } = autoUser;
    const _autoUnmapped: Unmapped = autoRest;
    auto = { ...(scope !== undefined && { scope }), ...(elevationLevel !== undefined && { elevationLevel }) };
  }
  return { ...(userName !== undefined && { username: userName }), ...(auto && { autoUser: auto }) };
}

export function toStartTask(s: StartTask): BatchStartTask {
  const {
    commandLine,
    environmentSettings,
    resourceFiles,
    maxTaskRetryCount,
    waitForSuccess,
    userIdentity: identity,
    ...rest
  } = s;
  const _unmapped: Unmapped = rest;
  return {
    commandLine,
    ...(resourceFiles && { resourceFiles: resourceFiles.map(resourceFile) }),
    ...(environmentSettings && { environmentSettings: pairs(environmentSettings) }),
    ...(identity && { userIdentity: userIdentity(identity) }),
    ...(maxTaskRetryCount !== undefined && { maxTaskRetryCount }),
    ...(waitForSuccess !== undefined && { waitForSuccess }),
  };
}

function inboundNatPool(
  p: NonNullable<NonNullable<NetworkConfiguration['endpointConfiguration']>['inboundNATPools']>[number],
): BatchInboundNatPool {
  const { name, protocol, backendPort, frontendPortRangeStart, frontendPortRangeEnd, ...rest } = p;
  const _unmapped: Unmapped = rest;
  return { name, protocol, backendPort, frontendPortRangeStart, frontendPortRangeEnd };
}

export function toNetworkConfiguration(n: NetworkConfiguration): WireNetworkConfiguration {
  const { subnetId, endpointConfiguration, ...rest } = n;
  const _unmapped: Unmapped = rest;
  let endpoints: WireNetworkConfiguration['endpointConfiguration'];
  if (endpointConfiguration) {
    const { inboundNATPools, ...endpointRest } = endpointConfiguration;
    const _endpointUnmapped: Unmapped = endpointRest;
    // inboundNATPools is required on the wire: an endpoint configuration without pools says nothing.
    if (inboundNATPools) endpoints = { inboundNATPools: inboundNATPools.map(inboundNatPool) };
  }
  return {
    ...(subnetId !== undefined && { subnetId }),
    ...(endpoints && { endpointConfiguration: endpoints }),
  };
}

export function toSecurityProfile(p: SecurityProfile): WireSecurityProfile {
  const { securityType, encryptionAtHost, uefiSettings, ...rest } = p;
  const _unmapped: Unmapped = rest;
  let uefi: WireSecurityProfile['uefiSettings'];
  if (uefiSettings) {
    const { secureBootEnabled, vTpmEnabled, ...uefiRest } = uefiSettings;
    const _uefiUnmapped: Unmapped = uefiRest;
    uefi = {
      ...(secureBootEnabled !== undefined && { secureBootEnabled }),
      ...(vTpmEnabled !== undefined && { vTpmEnabled }),
    };
  }
  return {
    ...(securityType !== undefined && { securityType }),
    ...(encryptionAtHost !== undefined && { encryptionAtHost }),
    ...(uefi && { uefiSettings: uefi }),
  };
}

function toVmConfiguration(
  c: Pick<PoolSettings, 'imageId' | 'nodeAgentSkuId' | 'securityProfile'>,
): NonNullable<BatchPoolCreateOptions['virtualMachineConfiguration']> {
  return {
    imageReference: { virtualMachineImageId: c.imageId },
    nodeAgentSKUId: c.nodeAgentSkuId,
    ...(c.securityProfile && { securityProfile: toSecurityProfile(c.securityProfile) }),
  };
}

export function toCreateOptions(c: CreatePoolParams): BatchPoolCreateOptions {
  return {
    id: c.id,
    vmSize: c.vmSize,
    virtualMachineConfiguration: toVmConfiguration(c),
    targetDedicatedNodes: c.targetDedicatedNodes,
    targetLowPriorityNodes: c.targetLowPriorityNodes,
    resizeTimeout: c.resizeTimeout,
    metadata: pairs(c.metadata),
    ...(c.taskSlotsPerNode !== undefined && { taskSlotsPerNode: c.taskSlotsPerNode }),
    ...(c.startTask && { startTask: toStartTask(c.startTask) }),
    ...(c.networkConfiguration && { networkConfiguration: toNetworkConfiguration(c.networkConfiguration) }),
  };
}

/** updateproperties replaces all three: no start task removes it, and the metadata list is the whole list. */
export function toReplaceOptions(l: LiveSettings): BatchPoolReplaceOptions {
  return {
    ...(l.startTask && { startTask: toStartTask(l.startTask) }),
    applicationPackageReferences: [],
    metadata: pairs(l.metadata),
  };
}

/**
 * A PATCH of what Azure changes only on an empty pool. The VM configuration goes whole (Azure replaces it, and
 * the update model says it "must be specified"), so the image, node agent and security profile travel together.
 */
export function toUpdateOptions(e: EmptyPoolSettings): BatchPoolUpdateOptions {
  const {
    vmSize,
    imageId,
    nodeAgentSkuId,
    securityProfile,
    taskSlotsPerNode,
    networkConfiguration,
    ...rest
  } = e;
  const _unmapped: Unmapped = rest;
  const vm = imageId !== undefined || nodeAgentSkuId !== undefined || securityProfile !== undefined;
  if (vm && (imageId === undefined || nodeAgentSkuId === undefined)) {
    throw new Error('a VM configuration update needs both the image and the node agent SKU');
  }
  return {
    ...(vmSize !== undefined && { vmSize }),
    ...(vm && {
      virtualMachineConfiguration: toVmConfiguration({
        imageId: imageId!,
        nodeAgentSkuId: nodeAgentSkuId!,
        ...(securityProfile && { securityProfile }),
      }),
    }),
    ...(taskSlotsPerNode !== undefined && { taskSlotsPerNode }),
    ...(networkConfiguration && { networkConfiguration: toNetworkConfiguration(networkConfiguration) }),
  };
}

// ---------------------------------------------------------------- back from the wire

function fromStartTask(t: BatchStartTask): StartTask {
  const auto = t.userIdentity?.autoUser;
  const identity: StartTask['userIdentity'] | undefined = t.userIdentity && {
    ...(t.userIdentity.username !== undefined && { userName: t.userIdentity.username }),
    ...(auto && {
      autoUser: {
        ...(auto.scope !== undefined && { scope: String(auto.scope) as 'task' | 'pool' }),
        ...(auto.elevationLevel !== undefined && {
          elevationLevel: String(auto.elevationLevel) as 'nonadmin' | 'admin',
        }),
      },
    }),
  };
  return {
    commandLine: t.commandLine,
    ...(t.resourceFiles && {
      resourceFiles: t.resourceFiles.map((f) => ({
        ...(f.httpUrl !== undefined && { httpUrl: f.httpUrl }),
        ...(f.storageContainerUrl !== undefined && { storageContainerUrl: f.storageContainerUrl }),
        ...(f.filePath !== undefined && { filePath: f.filePath }),
        ...(f.fileMode !== undefined && { fileMode: f.fileMode }),
      })),
    }),
    ...(t.environmentSettings && {
      environmentSettings: t.environmentSettings.map((e) => ({ name: e.name, value: e.value ?? '' })),
    }),
    ...(identity && { userIdentity: identity }),
    ...(t.maxTaskRetryCount !== undefined && { maxTaskRetryCount: t.maxTaskRetryCount }),
    ...(t.waitForSuccess !== undefined && { waitForSuccess: t.waitForSuccess }),
  };
}

function fromNetworkConfiguration(n: WireNetworkConfiguration): NetworkConfiguration {
  const pools = n.endpointConfiguration?.inboundNATPools;
  return {
    ...(n.subnetId !== undefined && { subnetId: n.subnetId }),
    ...(pools && {
      endpointConfiguration: {
        inboundNATPools: pools.map((p) => ({
          name: p.name,
          protocol: String(p.protocol).toLowerCase() as 'tcp' | 'udp',
          backendPort: p.backendPort,
          frontendPortRangeStart: p.frontendPortRangeStart,
          frontendPortRangeEnd: p.frontendPortRangeEnd,
        })),
      },
    }),
  };
}

function fromSecurityProfile(s: WireSecurityProfile): SecurityProfile {
  return {
    ...(s.securityType !== undefined && {
      securityType: String(s.securityType) as NonNullable<SecurityProfile['securityType']>,
    }),
    ...(s.encryptionAtHost !== undefined && { encryptionAtHost: s.encryptionAtHost }),
    ...(s.uefiSettings && {
      uefiSettings: {
        ...(s.uefiSettings.secureBootEnabled !== undefined && {
          secureBootEnabled: s.uefiSettings.secureBootEnabled,
        }),
        ...(s.uefiSettings.vTpmEnabled !== undefined && { vTpmEnabled: s.uefiSettings.vTpmEnabled }),
      },
    }),
  };
}

/** The pool's settings as the operator writes them; undefined for a pool that is not a VM pool on an image ID. */
export function toSettings(p: BatchPool): PoolSettings | undefined {
  const vm = p.virtualMachineConfiguration;
  const imageId = vm?.imageReference.virtualMachineImageId;
  if (!vm || !imageId || !p.vmSize) return undefined;
  return {
    vmSize: p.vmSize,
    imageId,
    nodeAgentSkuId: vm.nodeAgentSKUId,
    ...(vm.securityProfile && { securityProfile: fromSecurityProfile(vm.securityProfile) }),
    ...(p.taskSlotsPerNode !== undefined && { taskSlotsPerNode: p.taskSlotsPerNode }),
    ...(p.startTask && { startTask: fromStartTask(p.startTask) }),
    ...(p.networkConfiguration && { networkConfiguration: fromNetworkConfiguration(p.networkConfiguration) }),
    metadata: (p.metadata ?? []).map((m) => ({ name: m.name, value: m.value })),
  };
}

export function toResizeOptions(p: ResizeParams): BatchPoolResizeOptions {
  return {
    targetDedicatedNodes: p.targetDedicatedNodes,
    targetLowPriorityNodes: p.targetLowPriorityNodes,
    resizeTimeout: p.resizeTimeout,
    nodeDeallocationOption: p.nodeDeallocationOption,
  };
}

const ALLOCATION_STATES = new Set<string>(KnownAllocationState);

function epochMs(t: string | undefined): number | undefined {
  if (t === undefined) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * What the controller decides on, from a pool as the service returned it. Enums are compared
 * case-insensitively and unknown values fall back to the safe reading (a state Azure adds later is not
 * "deleting"; an allocation state it adds is taken as steady, as before). Fields a $select left out read as
 * their zero values.
 */
export function toSnapshot(p: BatchPool): PoolSnapshot {
  const alloc = String(p.allocationState ?? 'steady').toLowerCase();
  const meta = new Map((p.metadata ?? []).map((m) => [m.name, m.value]));
  const transition = epochMs(p.allocationStateTransitionTime);
  return {
    id: p.id ?? '',
    state: String(p.state ?? 'active').toLowerCase() === 'deleting' ? 'deleting' : 'active',
    allocationState: (ALLOCATION_STATES.has(alloc) ? alloc : 'steady') as PoolSnapshot['allocationState'],
    ...(transition !== undefined && { allocationStateTransitionTime: transition }),
    currentDedicatedNodes: p.currentDedicatedNodes ?? 0,
    currentLowPriorityNodes: p.currentLowPriorityNodes ?? 0,
    targetDedicatedNodes: p.targetDedicatedNodes ?? 0,
    targetLowPriorityNodes: p.targetLowPriorityNodes ?? 0,
    resizeErrors: (p.resizeErrors ?? []).map((e) => ({
      code: e.code ?? 'Unknown',
      message: e.message ?? '',
      ...(e.values?.length && {
        values: e.values.map((v) => ({ name: v.name ?? '', value: v.value ?? '' })),
      }),
    })),
    owner: {
      ...(meta.has(OWNER_METADATA.namespace) && { namespace: meta.get(OWNER_METADATA.namespace) }),
      ...(meta.has(OWNER_METADATA.name) && { name: meta.get(OWNER_METADATA.name) }),
      ...(meta.has(OWNER_METADATA.uid) && { uid: meta.get(OWNER_METADATA.uid) }),
    },
    ...(p.virtualMachineConfiguration?.imageReference?.virtualMachineImageId && {
      imageId: p.virtualMachineConfiguration.imageReference.virtualMachineImageId,
    }),
    ...(p.vmSize && { vmSize: p.vmSize }),
  };
}

/** A snapshot with the pool's settings, for the reads that compare them with a spec. */
export function toSnapshotWithSettings(p: BatchPool): PoolSnapshot {
  const settings = toSettings(p);
  return { ...toSnapshot(p), ...(settings && { settings }) };
}

export function toNodeAgentSku(i: BatchSupportedImage): NodeAgentSku {
  return {
    id: i.nodeAgentSKUId,
    osType: String(i.osType).toLowerCase(),
    ...(i.batchSupportEndOfLife !== undefined && { endOfLife: i.batchSupportEndOfLife }),
  };
}

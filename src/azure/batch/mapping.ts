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
  type NodeAgentSku,
  type PoolSnapshot,
  type ResizeParams,
} from '../ports.ts';
import {
  KnownAllocationState,
  type BatchInboundNatPool,
  type BatchMetadataItem,
  type BatchPool,
  type BatchPoolCreateOptions,
  type BatchPoolResizeOptions,
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

export function toCreateOptions(c: CreatePoolParams): BatchPoolCreateOptions {
  return {
    id: c.id,
    vmSize: c.vmSize,
    virtualMachineConfiguration: {
      imageReference: { virtualMachineImageId: c.imageId },
      nodeAgentSKUId: c.nodeAgentSkuId,
      ...(c.securityProfile && { securityProfile: toSecurityProfile(c.securityProfile) }),
    },
    targetDedicatedNodes: c.targetDedicatedNodes,
    targetLowPriorityNodes: c.targetLowPriorityNodes,
    resizeTimeout: c.resizeTimeout,
    metadata: pairs(c.metadata),
    ...(c.taskSlotsPerNode !== undefined && { taskSlotsPerNode: c.taskSlotsPerNode }),
    ...(c.startTask && { startTask: toStartTask(c.startTask) }),
    ...(c.networkConfiguration && { networkConfiguration: toNetworkConfiguration(c.networkConfiguration) }),
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

export function toNodeAgentSku(i: BatchSupportedImage): NodeAgentSku {
  return {
    id: i.nodeAgentSKUId,
    osType: String(i.osType).toLowerCase(),
    ...(i.batchSupportEndOfLife !== undefined && { endOfLife: i.batchSupportEndOfLife }),
  };
}

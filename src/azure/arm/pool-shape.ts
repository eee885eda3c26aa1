// The same pool through both planes. The simulator stores a pool as its data-plane add body (pools.ts); the
// management plane (Microsoft.Batch/batchAccounts/pools, api-version 2025-06-01) shows and accepts it in ARM's
// shape. The two 2025-06-01 contracts (test/contract/azure-batch-2025-06-01.json and
// azure-mgmt-batch-2025-06-01.json, read from Microsoft's TypeSpec-generated Python SDKs) differ in the pool
// model only where this file says: a wrapper around the VM configuration, the scale settings, a handful of
// renamed properties, and enum values that ARM spells in PascalCase where the data plane uses lower or camel
// case. test/unit/azure/arm-pool-shape.test.ts walks both contracts and fails if a difference is missing.

type Json = Record<string, unknown>;

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Same property, other name: [path of the parent in the data-plane body ('*' = each element), data, ARM]. */
export const RENAMED: readonly (readonly [string, string, string])[] = [
  ['virtualMachineConfiguration', 'nodeAgentSKUId', 'nodeAgentSkuId'],
  ['virtualMachineConfiguration.imageReference', 'virtualMachineImageId', 'id'],
  ['networkConfiguration', 'dynamicVNetAssignmentScope', 'dynamicVnetAssignmentScope'],
  ['networkConfiguration.endpointConfiguration', 'inboundNATPools', 'inboundNatPools'],
  ['startTask.userIdentity', 'username', 'userName'],
  ['mountConfiguration.*.cifsMountConfiguration', 'username', 'userName'],
  ['', 'applicationPackageReferences', 'applicationPackages'],
  ['applicationPackageReferences.*', 'applicationId', 'id'],
];

/** Enum properties whose values differ in case: [path in the data-plane body, data values, ARM values]. */
export const ENUMS: readonly (readonly [string, readonly string[], readonly string[]])[] = (() => {
  const caching = [
    ['none', 'readonly', 'readwrite'],
    ['None', 'ReadOnly', 'ReadWrite'],
  ] as const;
  const storage = [
    ['standard_lrs', 'premium_lrs', 'standardssd_lrs'],
    ['Standard_LRS', 'Premium_LRS', 'StandardSSD_LRS'],
  ] as const;
  const elevation = [
    ['nonadmin', 'admin'],
    ['NonAdmin', 'Admin'],
  ] as const;
  const vmc = 'virtualMachineConfiguration';
  const nat = 'networkConfiguration.endpointConfiguration.inboundNATPools.*';
  return [
    [`${vmc}.dataDisks.*.caching`, ...caching],
    [`${vmc}.dataDisks.*.managedDisk.storageAccountType`, ...storage],
    [`${vmc}.osDisk.caching`, ...caching],
    [`${vmc}.osDisk.managedDisk.storageAccountType`, ...storage],
    [`${vmc}.osDisk.ephemeralOSDiskSettings.placement`, ['cachedisk'], ['CacheDisk']],
    [
      `${vmc}.containerConfiguration.type`,
      ['dockerCompatible', 'criCompatible'],
      ['DockerCompatible', 'CriCompatible'],
    ],
    [
      `${vmc}.diskEncryptionConfiguration.targets.*`,
      ['osdisk', 'temporarydisk'],
      ['OsDisk', 'TemporaryDisk'],
    ],
    [`${vmc}.nodePlacementConfiguration.policy`, ['regional', 'zonal'], ['Regional', 'Zonal']],
    [
      `${vmc}.securityProfile.securityType`,
      ['trustedLaunch', 'confidentialvm'],
      ['trustedLaunch', 'confidentialVM'],
    ],
    [`${nat}.protocol`, ['tcp', 'udp'], ['TCP', 'UDP']],
    [`${nat}.networkSecurityGroupRules.*.access`, ['allow', 'deny'], ['Allow', 'Deny']],
    [
      'networkConfiguration.publicIPAddressConfiguration.provision',
      ['batchmanaged', 'usermanaged', 'nopublicipaddresses'],
      ['BatchManaged', 'UserManaged', 'NoPublicIPAddresses'],
    ],
    ['startTask.userIdentity.autoUser.scope', ['task', 'pool'], ['Task', 'Pool']],
    ['startTask.userIdentity.autoUser.elevationLevel', ...elevation],
    [
      'startTask.containerSettings.workingDirectory',
      ['taskWorkingDirectory', 'containerImageDefault'],
      ['TaskWorkingDirectory', 'ContainerImageDefault'],
    ],
    ['userAccounts.*.elevationLevel', ...elevation],
    ['userAccounts.*.windowsUserConfiguration.loginMode', ['batch', 'interactive'], ['Batch', 'Interactive']],
    ['taskSchedulingPolicy.jobDefaultOrder', ['none', 'creationtime'], ['None', 'CreationTime']],
    ['taskSchedulingPolicy.nodeFillType', ['spread', 'pack'], ['Spread', 'Pack']],
  ];
})();

/** Visits every object at `path` (dot-separated, '*' for each array element) under `root`. */
function each(root: unknown, path: string, visit: (parent: Json) => void): void {
  const parts = path === '' ? [] : path.split('.');
  const walk = (node: unknown, i: number): void => {
    if (i === parts.length) {
      if (isObject(node)) visit(node);
      return;
    }
    const part = parts[i]!;
    if (part === '*') {
      if (Array.isArray(node)) for (const el of node) walk(el, i + 1);
    } else if (isObject(node)) walk(node[part], i + 1);
  };
  walk(root, 0);
}

/** Value spelled as the other plane spells it; unknown values pass unchanged (the receiving side judges). */
function respell(value: unknown, from: readonly string[], to: readonly string[]): unknown {
  if (typeof value !== 'string') return value;
  const i = from.findIndex((v) => v.toLowerCase() === value.toLowerCase());
  return i < 0 ? value : to[i];
}

function translate(body: Json, toArm: boolean): void {
  // ENUMS paths are data-plane paths: respell while the body has data-plane names.
  if (toArm) respellEnums(body, true);
  // Deepest renames first: their parents still hold the names they are looked up by (data-plane names one
  // way, ARM names, from renamePath, the other).
  const ordered = [...RENAMED].sort((a, b) => b[0].split('.').length - a[0].split('.').length);
  for (const [parent, data, arm] of ordered) {
    const [from, to] = toArm ? [data, arm] : [arm, data];
    each(body, toArm ? parent : renamePath(parent), (o) => {
      if (from in o) {
        o[to] = o[from];
        delete o[from];
      }
    });
  }
  if (!toArm) respellEnums(body, false);
}

function respellEnums(body: Json, toArm: boolean): void {
  for (const [path, data, arm] of ENUMS) {
    const [from, to] = toArm ? [data, arm] : [arm, data];
    const cut = path.lastIndexOf('.');
    const key = path.slice(cut + 1);
    if (key === '*') {
      // A list of enum values (diskEncryptionConfiguration.targets).
      const listPath = path.slice(0, cut);
      const at = listPath.lastIndexOf('.');
      each(body, listPath.slice(0, at), (o) => {
        const k = listPath.slice(at + 1);
        const list = o[k];
        if (Array.isArray(list)) o[k] = list.map((v) => respell(v, from, to));
      });
    } else {
      each(body, path.slice(0, cut), (o) => {
        if (key in o) o[key] = respell(o[key], from, to);
      });
    }
  }
}

/** A data-plane parent path in ARM names (for the reverse translation). */
function renamePath(path: string): string {
  if (path === '') return path;
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    const parent = parts.slice(0, i).join('.');
    const hit = RENAMED.find(([p, d]) => p === parent && d === parts[i]);
    if (hit) parts[i] = hit[2];
  }
  return parts.join('.');
}

const clone = (v: Json): Json => structuredClone(v);

/** Settings of the data-plane add body that become ARM PoolProperties as they are (after translate). */
const KEPT_AS_IS = [
  'displayName',
  'vmSize',
  'networkConfiguration',
  'taskSlotsPerNode',
  'taskSchedulingPolicy',
  'userAccounts',
  'metadata',
  'startTask',
  'applicationPackages',
  'mountConfiguration',
  'upgradePolicy',
] as const;

/**
 * ARM PoolProperties (what a PUT sends) as the data-plane add body of the pool `name`: the body the
 * data plane would have been sent for the same pool. Read-only ARM properties are ignored, as ARM ignores
 * them. Returns the nodeDeallocationOption of fixedScale apart: the add body has no such property.
 */
export function armToAddBody(
  name: string,
  properties: Json,
): { body: Json; nodeDeallocationOption?: string } {
  const p = clone(properties);
  const body: Json = { id: name };
  const deployment = p.deploymentConfiguration;
  if (isObject(deployment) && isObject(deployment.virtualMachineConfiguration))
    body.virtualMachineConfiguration = deployment.virtualMachineConfiguration;
  for (const k of KEPT_AS_IS) if (p[k] !== undefined) body[k] = p[k];
  if (p.interNodeCommunication !== undefined)
    body.enableInterNodeCommunication =
      typeof p.interNodeCommunication === 'string' && p.interNodeCommunication.toLowerCase() === 'enabled';
  let nodeDeallocationOption: string | undefined;
  const scale = p.scaleSettings;
  if (isObject(scale) && isObject(scale.autoScale)) {
    body.enableAutoScale = true;
    body.autoScaleFormula = scale.autoScale.formula;
    if (scale.autoScale.evaluationInterval !== undefined)
      body.autoScaleEvaluationInterval = scale.autoScale.evaluationInterval;
  } else if (isObject(scale) && isObject(scale.fixedScale)) {
    const f = scale.fixedScale;
    // fixedScale's targets default to 0 and its resizeTimeout to 15 minutes (FixedScaleSettings docs).
    body.targetDedicatedNodes = f.targetDedicatedNodes ?? 0;
    body.targetLowPriorityNodes = f.targetLowPriorityNodes ?? 0;
    if (f.resizeTimeout !== undefined) body.resizeTimeout = f.resizeTimeout;
    if (typeof f.nodeDeallocationOption === 'string') nodeDeallocationOption = f.nodeDeallocationOption;
  } else {
    // No scaleSettings: "the pool will have a fixed scale with 0 targetDedicatedNodes" (ScaleSettings docs).
    body.targetDedicatedNodes = 0;
    body.targetLowPriorityNodes = 0;
  }
  translate(body, false);
  return { body, ...(nodeDeallocationOption === undefined ? {} : { nodeDeallocationOption }) };
}

/** What ARM adds around the stored settings when it shows a pool. */
export interface ArmPoolState {
  provisioningState: 'Succeeded' | 'Deleting';
  provisioningStateTransitionTime: string;
  allocationState: 'steady' | 'resizing' | 'stopping';
  allocationStateTransitionTime: string;
  creationTime: string;
  lastModified: string;
  currentDedicatedNodes: number;
  currentLowPriorityNodes: number;
  resizeOperationStatus?: Json;
  autoScaleRun?: Json;
}

/**
 * Data-plane pool settings (a create body, or a pool as GET shows it) as ARM PoolProperties, without the
 * state ARM adds: what a management-plane PUT sends for the same pool. Targets become
 * scaleSettings.fixedScale, an autoscale formula scaleSettings.autoScale; interNodeCommunication only when
 * the body says.
 */
export function toArmProperties(pool: Json): Json {
  const p = clone(pool);
  translate(p, true);
  const vmc = p.virtualMachineConfiguration;
  const props: Json = {
    ...(isObject(vmc) ? { deploymentConfiguration: { virtualMachineConfiguration: vmc } } : {}),
    ...(p.enableInterNodeCommunication === undefined
      ? {}
      : { interNodeCommunication: p.enableInterNodeCommunication === true ? 'Enabled' : 'Disabled' }),
    scaleSettings:
      p.enableAutoScale === true
        ? {
            autoScale: {
              formula: p.autoScaleFormula,
              ...(p.autoScaleEvaluationInterval === undefined
                ? {}
                : { evaluationInterval: p.autoScaleEvaluationInterval }),
            },
          }
        : {
            fixedScale: {
              ...(p.resizeTimeout === undefined ? {} : { resizeTimeout: p.resizeTimeout }),
              targetDedicatedNodes: p.targetDedicatedNodes ?? 0,
              targetLowPriorityNodes: p.targetLowPriorityNodes ?? 0,
            },
          },
  };
  for (const k of KEPT_AS_IS) if (p[k] !== undefined) props[k] = p[k];
  return props;
}

/**
 * The data-plane pool (as poolJson renders it) in ARM PoolProperties with ARM's state, in the order the
 * 2025-06-01 examples list them (PoolGet.json: alphabetical). fixedScale shows the pool's targets and
 * resizeTimeout, never the nodeDeallocationOption (its visibility in the contract is create and update only).
 */
export function dataPoolToArm(pool: Json, state: ArmPoolState): Json {
  const props: Json = {
    // The data plane's service defaults (taskSlotsPerNode 1, nodeFillType spread) show on both planes.
    taskSlotsPerNode: 1,
    taskSchedulingPolicy: { nodeFillType: 'Spread' },
    interNodeCommunication: 'Disabled',
    ...toArmProperties(pool),
    ...state,
    allocationState: ARM_ALLOCATION_STATE[state.allocationState],
  };
  const out: Json = {};
  for (const k of Object.keys(props).sort()) if (props[k] !== undefined) out[k] = props[k];
  return out;
}

/** A weak or quoted ETag (W/"0x8D…", as ARM gives it) as the bare one Batch's data plane uses. */
export function bareEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

/**
 * An ARM pool resource as the data-plane BatchPool the same pool is on the data plane: settings by
 * armToAddBody, the state from provisioningState, allocationState and resizeOperationStatus (whose errors,
 * once the pool is steady, are the data plane's resizeErrors), the identity as BatchPool.identity.
 */
export function armPoolToDataPool(resource: Json): Json {
  const p = isObject(resource.properties) ? resource.properties : {};
  const name = text(resource.name);
  const { body } = armToAddBody(name, p);
  const status = isObject(p.resizeOperationStatus) ? p.resizeOperationStatus : undefined;
  const allocationState = typeof p.allocationState === 'string' ? p.allocationState.toLowerCase() : undefined;
  const errors = Array.isArray(status?.errors) ? (status.errors as Json[]) : [];
  const out: Json = {
    ...body,
    ...(typeof resource.etag === 'string' ? { eTag: bareEtag(resource.etag) } : {}),
    state: p.provisioningState === 'Deleting' ? 'deleting' : 'active',
    ...(allocationState === undefined ? {} : { allocationState }),
    ...(p.allocationStateTransitionTime === undefined
      ? {}
      : { allocationStateTransitionTime: p.allocationStateTransitionTime }),
    ...(p.lastModified === undefined ? {} : { lastModified: p.lastModified }),
    ...(p.creationTime === undefined ? {} : { creationTime: p.creationTime }),
    currentDedicatedNodes: p.currentDedicatedNodes ?? 0,
    currentLowPriorityNodes: p.currentLowPriorityNodes ?? 0,
  };
  if (body.enableAutoScale === true && status) {
    out.targetDedicatedNodes = status.targetDedicatedNodes ?? 0;
    out.targetLowPriorityNodes = status.targetLowPriorityNodes ?? 0;
  }
  if (allocationState === 'steady' && errors.length > 0) out.resizeErrors = errors.map(dataResizeError);
  const identity = isObject(resource.identity) ? resource.identity : undefined;
  if (identity && identity.type === 'UserAssigned' && isObject(identity.userAssignedIdentities))
    out.identity = {
      type: 'UserAssigned',
      userAssignedIdentities: Object.entries(identity.userAssignedIdentities).map(([resourceId, v]) => ({
        resourceId,
        ...(isObject(v) && typeof v.clientId === 'string' ? { clientId: v.clientId } : {}),
        ...(isObject(v) && typeof v.principalId === 'string' ? { principalId: v.principalId } : {}),
      })),
    };
  return out;
}

/** The inverse of armResizeError: ARM details back as the data plane's name/value pairs. */
export function dataResizeError(e: Json): {
  code: string;
  message: string;
  values?: { name: string; value: string }[];
} {
  const details = Array.isArray(e.details) ? (e.details as Json[]) : [];
  return {
    code: text(e.code),
    message: text(e.message),
    ...(details.length > 0
      ? { values: details.map((d) => ({ name: text(d.code), value: text(d.message) })) }
      : {}),
  };
}

const ARM_ALLOCATION_STATE = { steady: 'Steady', resizing: 'Resizing', stopping: 'Stopping' } as const;

/**
 * A data-plane resize error as an ARM ResizeError. ARM's has `details` (more ResizeErrors) where the data
 * plane has `values` (name/value pairs): each value becomes a detail with the name as code and the value as
 * message. Our choice; no source shows the two side by side.
 */
export function armResizeError(e: {
  code: string;
  message: string;
  values?: { name: string; value: string }[];
}): Json {
  return {
    code: e.code,
    message: e.message,
    ...(e.values && e.values.length > 0
      ? { details: e.values.map((v) => ({ code: v.name, message: v.value })) }
      : {}),
  };
}

const DEALLOCATION = {
  arm: ['Requeue', 'Terminate', 'TaskCompletion', 'RetainedData'],
  data: ['requeue', 'terminate', 'taskcompletion', 'retaineddata'],
} as const;

/** An ARM nodeDeallocationOption (Requeue, …) in data-plane spelling (requeue, …). */
export function dataDeallocationOption(arm: string): string {
  return respell(arm, DEALLOCATION.arm, DEALLOCATION.data) as string;
}

/** A data-plane nodeDeallocationOption in ARM spelling. */
export function armDeallocationOption(data: string): string {
  return respell(data, DEALLOCATION.data, DEALLOCATION.arm) as string;
}

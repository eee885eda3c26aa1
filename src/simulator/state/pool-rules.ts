// The service's checks on the parts of a 2025-06-01 pool body that the image and quota checks in
// pool-input.ts do not look at: user accounts, start task, mounts, network, disks, extensions, container
// settings, upgrade policy, metadata and application packages. Each failure is a 400 with Azure's generic
// body (InvalidPropertyValue / MissingRequiredProperty with PropertyName, and a Reason naming the path).
// Where each rule comes from is listed in docs/simulator.md ("Pool properties").
//
// Also here: what a GET leaves out (secrets) and the defaults it shows.
import { batchErrors } from './errors.ts';
import { BatchError } from './errors.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined'));

/** PropertyName is the property's own wire name (as in the recorded answers); the Reason gives the path. */
function invalid(path: string, value: unknown, reason: string): BatchError {
  const leaf = path
    .replace(/\[\d+\]$/, '')
    .split('.')
    .at(-1)!;
  return batchErrors.invalidProperty(leaf, text(value), `${path}: ${reason}`);
}

function missing(path: string): BatchError {
  return batchErrors.missingProperty(
    path
      .split('.')
      .at(-1)!
      .replace(/\[\d+\]$/, ''),
  );
}

// ------------------------------------------------------------------ typed readers

function obj(o: Obj, key: string, path: string, required = false): Obj | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) throw missing(`${path}${key}`);
    return undefined;
  }
  if (!isObj(v)) throw invalid(`${path}${key}`, v, 'must be an object.');
  return v;
}

function arr(o: Obj, key: string, path: string, required = false): unknown[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) throw missing(`${path}${key}`);
    return undefined;
  }
  if (!Array.isArray(v)) throw invalid(`${path}${key}`, v, 'must be a list.');
  return v as unknown[];
}

/** The list's items as objects. */
function objects(o: Obj, key: string, path: string, required = false): Obj[] {
  const list: unknown[] = arr(o, key, path, required) ?? [];
  return list.map((item, i): Obj => {
    if (!isObj(item)) throw invalid(`${path}${key}[${i}]`, item, 'must be an object.');
    return item;
  });
}

function str(o: Obj, key: string, path: string, required = false): string | undefined {
  const v = o[key];
  if (v === undefined || v === null || (required && v === '')) {
    if (required) throw missing(`${path}${key}`);
    return undefined;
  }
  if (typeof v !== 'string') throw invalid(`${path}${key}`, v, 'must be a string.');
  return v;
}

function bool(o: Obj, key: string, path: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalid(`${path}${key}`, v, 'must be true or false.');
  return v;
}

function int(
  o: Obj,
  key: string,
  path: string,
  range: { min?: number; max?: number; required?: boolean } = {},
): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (range.required) throw missing(`${path}${key}`);
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(`${path}${key}`, v, 'must be an integer.');
  if ((range.min !== undefined && v < range.min) || (range.max !== undefined && v > range.max))
    throw invalid(
      `${path}${key}`,
      v,
      `must be between ${range.min ?? '-∞'} and ${range.max ?? '∞'}, inclusive.`,
    );
  return v;
}

/** An enum value; Batch compares enum values case-insensitively (it answers "Spread" for "spread"). */
function oneOf(
  o: Obj,
  key: string,
  path: string,
  known: readonly string[],
  required = false,
): string | undefined {
  const v = str(o, key, path, required);
  if (v === undefined) return undefined;
  if (!known.some((k) => k.toLowerCase() === v.toLowerCase()))
    throw invalid(`${path}${key}`, v, `known values are ${known.join(', ')}.`);
  return v.toLowerCase();
}

function strings(o: Obj, key: string, path: string): string[] {
  const list = arr(o, key, path) ?? [];
  return list.map((v, i) => {
    if (typeof v !== 'string') throw invalid(`${path}${key}[${i}]`, v, 'must be a string.');
    return v;
  });
}

function resourceId(
  o: Obj,
  key: string,
  path: string,
  pattern: RegExp,
  form: string,
  required = false,
): void {
  const v = str(o, key, path, required);
  if (v !== undefined && !pattern.test(v)) throw invalid(`${path}${key}`, v, `must be of the form ${form}.`);
}

const ARM = (provider: string) =>
  new RegExp(`^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/${provider}$`, 'i');
const IDENTITY_ID = ARM('Microsoft\\.ManagedIdentity/userAssignedIdentities/[^/]+');
const IDENTITY_FORM =
  '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{identityName}';

function identityReference(o: Obj, key: string, path: string): boolean {
  const ref = obj(o, key, path);
  if (ref) resourceId(ref, 'resourceId', `${path}${key}.`, IDENTITY_ID, IDENTITY_FORM, true);
  return ref !== undefined;
}

function unique(values: { value: string; path: string }[], what: string, fold = true): void {
  const seen = new Set<string>();
  for (const { value, path } of values) {
    const k = fold ? value.toLowerCase() : value;
    if (seen.has(k)) throw invalid(path, value, `${what} must be unique within the pool.`);
    seen.add(k);
  }
}

// ------------------------------------------------------------------ the rules

export interface RulesContext {
  /** vCPUs of the pool's VM size (taskSlotsPerNode's maximum). */
  cores: number;
}

/** Whether the pool runs Windows, read from its node agent SKU (batch.node.windows amd64). */
export function isWindowsPool(spec: Obj): boolean {
  const vmc = spec.virtualMachineConfiguration;
  return (
    isObj(vmc) && typeof vmc.nodeAgentSKUId === 'string' && /^batch\.node\.windows/i.test(vmc.nodeAgentSKUId)
  );
}

/** Checks everything but the image, node agent, VM size and targets (pool-input.ts) of a pool body. */
export function checkPoolRules(spec: Obj, ctx: RulesContext): void {
  const windows = isWindowsPool(spec);
  const displayName = str(spec, 'displayName', '');
  if (displayName !== undefined && displayName.length > 1024)
    throw invalid('displayName', displayName, 'can contain up to 1024 characters.');
  bool(spec, 'enableInterNodeCommunication', '');
  int(spec, 'taskSlotsPerNode', '', { min: 1, max: Math.min(4 * ctx.cores, 256) });
  const policy = obj(spec, 'taskSchedulingPolicy', '');
  if (policy) {
    oneOf(policy, 'nodeFillType', 'taskSchedulingPolicy.', ['spread', 'pack'], true);
    oneOf(policy, 'jobDefaultOrder', 'taskSchedulingPolicy.', ['none', 'creationtime']);
  }
  checkMetadata(spec);
  checkApplicationPackages(spec);
  checkUserAccounts(spec, windows);
  const vmc = obj(spec, 'virtualMachineConfiguration', '');
  const containers = vmc ? checkVirtualMachineConfiguration(vmc, windows) : false;
  checkStartTask(spec, containers);
  const network = obj(spec, 'networkConfiguration', '');
  if (network) checkNetwork(network);
  checkMounts(spec);
  const placement =
    vmc && isObj(vmc.nodePlacementConfiguration) ? vmc.nodePlacementConfiguration.policy : undefined;
  checkUpgradePolicy(
    spec,
    windows,
    vmc,
    typeof placement === 'string' && placement.toLowerCase() === 'zonal',
  );
}

function checkMetadata(spec: Obj): void {
  objects(spec, 'metadata', '').forEach((item, i) => {
    const path = `metadata[${i}].`;
    const name = str(item, 'name', path);
    // BatchErrorCodeStrings.EmptyMetadataKey: "An add or update request specified a metadata item whose key
    // is an empty string."
    if (name === undefined || name === '')
      throw new BatchError(400, 'EmptyMetadataKey', 'The metadata key is empty.', [
        { key: 'PropertyName', value: 'name' },
        { key: 'Reason', value: `${path}name: a metadata item needs a name.` },
      ]);
    str(item, 'value', path, true);
  });
}

const APPLICATION_ID = ARM('Microsoft\\.Batch/batchAccounts/[^/]+/applications/[^/]+');

function checkApplicationPackages(spec: Obj): void {
  const refs = objects(spec, 'applicationPackageReferences', '');
  if (refs.length > 10)
    throw invalid('applicationPackageReferences', `${refs.length} references`, 'a pool can have at most 10.');
  refs.forEach((ref, i) => {
    const path = `applicationPackageReferences[${i}].`;
    resourceId(
      ref,
      'applicationId',
      path,
      APPLICATION_ID,
      '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Batch/batchAccounts/{accountName}/applications/{applicationName}',
      true,
    );
    str(ref, 'version', path);
  });
}

const ELEVATION = ['nonadmin', 'admin'];

function checkUserAccounts(spec: Obj, windows: boolean): void {
  const accounts = objects(spec, 'userAccounts', '');
  const names: { value: string; path: string }[] = [];
  accounts.forEach((account, i) => {
    const path = `userAccounts[${i}].`;
    const name = str(account, 'name', path, true)!;
    if (name.length > 20) throw invalid(`${path}name`, name, 'can contain up to 20 characters.');
    names.push({ value: name, path: `${path}name` });
    str(account, 'password', path, true);
    oneOf(account, 'elevationLevel', path, ELEVATION);
    const linux = obj(account, 'linuxUserConfiguration', path);
    if (linux) {
      const lp = `${path}linuxUserConfiguration.`;
      const uid = int(linux, 'uid', lp, { min: 0 });
      const gid = int(linux, 'gid', lp, { min: 0 });
      if ((uid === undefined) !== (gid === undefined))
        throw invalid(
          `${lp}${uid === undefined ? 'uid' : 'gid'}`,
          linux[uid === undefined ? 'uid' : 'gid'],
          'uid and gid must be specified together or not at all.',
        );
      str(linux, 'sshPrivateKey', lp);
    }
    const win = obj(account, 'windowsUserConfiguration', path);
    if (win) {
      if (!windows)
        throw invalid(
          `${path}windowsUserConfiguration`,
          win,
          'can only be specified if the user is on a Windows pool.',
        );
      oneOf(win, 'loginMode', `${path}windowsUserConfiguration.`, ['batch', 'interactive']);
    }
  });
  unique(names, 'user account names');
}

const CACHING = ['none', 'readonly', 'readwrite'];
const STORAGE_ACCOUNT_TYPES = ['standard_lrs', 'premium_lrs', 'standardssd_lrs'];
const SUBNET_ID = ARM('Microsoft\\.Network/virtualNetworks/[^/]+/subnets/[^/]+');
const SUBNET_FORM =
  '/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Network/virtualNetworks/{network}/subnets/{subnet}';

function checkRegistry(reg: Obj, path: string): void {
  str(reg, 'registryServer', path);
  const user = str(reg, 'username', path);
  const password = str(reg, 'password', path);
  const identity = identityReference(reg, 'identityReference', path);
  if (identity && (user !== undefined || password !== undefined))
    throw invalid(
      `${path}identityReference`,
      reg.identityReference,
      'use either username and password or identityReference.',
    );
  if ((user === undefined) !== (password === undefined))
    throw invalid(
      `${path}${user === undefined ? 'username' : 'password'}`,
      null,
      'username and password go together.',
    );
}

/** Returns whether the pool has a container configuration. */
function checkVirtualMachineConfiguration(vmc: Obj, windows: boolean): boolean {
  const p = 'virtualMachineConfiguration.';
  const winConfig = obj(vmc, 'windowsConfiguration', p);
  if (winConfig) {
    if (!windows)
      throw invalid(`${p}windowsConfiguration`, winConfig, 'must not be specified for a Linux image.');
    bool(winConfig, 'enableAutomaticUpdates', `${p}windowsConfiguration.`);
  }
  const license = str(vmc, 'licenseType', p);
  if (license !== undefined) {
    if (!['windows_server', 'windows_client'].includes(license.toLowerCase()))
      throw invalid(`${p}licenseType`, license, 'known values are Windows_Server and Windows_Client.');
    if (!windows) throw invalid(`${p}licenseType`, license, 'applies only to Windows images.');
  }
  const container = obj(vmc, 'containerConfiguration', p);
  if (container) {
    const cp = `${p}containerConfiguration.`;
    oneOf(container, 'type', cp, ['dockerCompatible', 'criCompatible'], true);
    strings(container, 'containerImageNames', cp);
    objects(container, 'containerRegistries', cp).forEach((reg, i) =>
      checkRegistry(reg, `${cp}containerRegistries[${i}].`),
    );
  }
  const disks = objects(vmc, 'dataDisks', p);
  disks.forEach((disk, i) => {
    const dp = `${p}dataDisks[${i}].`;
    int(disk, 'lun', dp, { min: 0, max: 63, required: true });
    int(disk, 'diskSizeGB', dp, { min: 1, required: true });
    oneOf(disk, 'caching', dp, CACHING);
    const managed = obj(disk, 'managedDisk', dp);
    if (managed) checkManagedDisk(managed, `${dp}managedDisk.`);
  });
  unique(
    disks.map((d, i) => ({ value: String(d.lun), path: `${p}dataDisks[${i}].lun` })),
    'data disk luns',
  );
  const encryption = obj(vmc, 'diskEncryptionConfiguration', p);
  if (encryption) {
    const ep = `${p}diskEncryptionConfiguration.`;
    strings(encryption, 'targets', ep).forEach((t, i) => {
      if (!['osdisk', 'temporarydisk'].includes(t.toLowerCase()))
        throw invalid(`${ep}targets[${i}]`, t, 'known values are osdisk and temporarydisk.');
    });
    const key = obj(encryption, 'customerManagedKey', ep);
    if (key) {
      str(key, 'keyUrl', `${ep}customerManagedKey.`, true);
      bool(key, 'rotationToLatestKeyVersionEnabled', `${ep}customerManagedKey.`);
    }
  }
  const placement = obj(vmc, 'nodePlacementConfiguration', p);
  if (placement) oneOf(placement, 'policy', `${p}nodePlacementConfiguration.`, ['regional', 'zonal']);
  const extensions = objects(vmc, 'extensions', p);
  const extensionNames = extensions.map((ext, i) => {
    const xp = `${p}extensions[${i}].`;
    const name = str(ext, 'name', xp, true)!;
    str(ext, 'publisher', xp, true);
    str(ext, 'type', xp, true);
    str(ext, 'typeHandlerVersion', xp);
    bool(ext, 'autoUpgradeMinorVersion', xp);
    bool(ext, 'enableAutomaticUpgrade', xp);
    obj(ext, 'settings', xp);
    obj(ext, 'protectedSettings', xp);
    return { value: name, path: `${xp}name` };
  });
  unique(extensionNames, 'extension names');
  const known = new Set(extensionNames.map((n) => n.value.toLowerCase()));
  extensions.forEach((ext, i) =>
    strings(ext, 'provisionAfterExtensions', `${p}extensions[${i}].`).forEach((after, j) => {
      if (!known.has(after.toLowerCase()) || after.toLowerCase() === String(ext.name).toLowerCase())
        throw invalid(
          `${p}extensions[${i}].provisionAfterExtensions[${j}]`,
          after,
          'must name another extension of the pool.',
        );
    }),
  );
  const os = obj(vmc, 'osDisk', p);
  if (os) {
    const op = `${p}osDisk.`;
    const eph = obj(os, 'ephemeralOSDiskSettings', op);
    if (eph) oneOf(eph, 'placement', `${op}ephemeralOSDiskSettings.`, ['cachedisk']);
    oneOf(os, 'caching', op, CACHING);
    int(os, 'diskSizeGB', op, { min: 1 });
    bool(os, 'writeAcceleratorEnabled', op);
    const managed = obj(os, 'managedDisk', op);
    if (managed) checkManagedDisk(managed, `${op}managedDisk.`);
  }
  const artifact = obj(vmc, 'serviceArtifactReference', p);
  if (artifact)
    resourceId(
      artifact,
      'id',
      `${p}serviceArtifactReference.`,
      ARM('Microsoft\\.Compute/galleries/[^/]+/serviceArtifacts/[^/]+/vmArtifactsProfiles/[^/]+'),
      '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Compute/galleries/{galleryName}/serviceArtifacts/{serviceArtifactName}/vmArtifactsProfiles/{vmArtifactsProfilesName}',
      true,
    );
  return container !== undefined;
}

function checkManagedDisk(managed: Obj, path: string): void {
  oneOf(managed, 'storageAccountType', path, STORAGE_ACCOUNT_TYPES);
  const set = obj(managed, 'diskEncryptionSet', path);
  if (set)
    resourceId(
      set,
      'id',
      `${path}diskEncryptionSet.`,
      ARM('Microsoft\\.Compute/diskEncryptionSets/[^/]+'),
      '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/diskEncryptionSets/{name}',
    );
  const security = obj(managed, 'securityProfile', path);
  if (security)
    oneOf(security, 'securityEncryptionType', `${path}securityProfile.`, [
      'DiskWithVMGuestState',
      'NonPersistedTPM',
      'VMGuestStateOnly',
    ]);
}

function checkStartTask(spec: Obj, containers: boolean): void {
  const task = obj(spec, 'startTask', '');
  if (!task) return;
  const p = 'startTask.';
  str(task, 'commandLine', p, true);
  int(task, 'maxTaskRetryCount', p, { min: -1 });
  bool(task, 'waitForSuccess', p);
  const settings = obj(task, 'containerSettings', p);
  if (settings) {
    const cp = `${p}containerSettings.`;
    if (!containers)
      throw invalid(
        `${p}containerSettings`,
        settings,
        'the pool has no virtualMachineConfiguration.containerConfiguration.',
      );
    str(settings, 'imageName', cp, true);
    str(settings, 'containerRunOptions', cp);
    oneOf(settings, 'workingDirectory', cp, ['taskWorkingDirectory', 'containerImageDefault']);
    const reg = obj(settings, 'registry', cp);
    if (reg) checkRegistry(reg, `${cp}registry.`);
    objects(settings, 'containerHostBatchBindMounts', cp).forEach((m, i) => {
      oneOf(m, 'source', `${cp}containerHostBatchBindMounts[${i}].`, [
        'Shared',
        'Startup',
        'VfsMounts',
        'Task',
        'JobPrep',
        'Applications',
      ]);
      bool(m, 'isReadOnly', `${cp}containerHostBatchBindMounts[${i}].`);
    });
  }
  objects(task, 'resourceFiles', p).forEach((file, i) => checkResourceFile(file, `${p}resourceFiles[${i}].`));
  objects(task, 'environmentSettings', p).forEach((env, i) => {
    str(env, 'name', `${p}environmentSettings[${i}].`, true);
    str(env, 'value', `${p}environmentSettings[${i}].`);
  });
  const identity = obj(task, 'userIdentity', p);
  if (identity) {
    const ip = `${p}userIdentity.`;
    const userName = str(identity, 'username', ip);
    const auto = obj(identity, 'autoUser', ip);
    if ((userName === undefined) === (auto === undefined))
      throw invalid(`${p}userIdentity`, identity, 'specify exactly one of username and autoUser.');
    // A username the pool's userAccounts do not define is accepted: Azure created such a pool in Terraform's
    // acceptance test (TestAccBatchPool_startTask_userName, without user_accounts); the start task would fail
    // on the node instead, which the simulator does not model.
    if (auto) {
      oneOf(auto, 'scope', `${ip}autoUser.`, ['task', 'pool']);
      oneOf(auto, 'elevationLevel', `${ip}autoUser.`, ELEVATION);
    }
  }
}

const SOURCES = ['autoStorageContainerName', 'storageContainerUrl', 'httpUrl'] as const;

function checkResourceFile(file: Obj, path: string): void {
  const given = SOURCES.filter((k) => str(file, k, path) !== undefined);
  if (given.length === 0) throw missing(`${path}autoStorageContainerName, storageContainerUrl or httpUrl`);
  if (given.length > 1)
    throw invalid(
      `${path}${given[1]}`,
      file[given[1]!],
      `${given.join(' and ')} are mutually exclusive: specify one.`,
    );
  const filePath = str(file, 'filePath', path);
  if (given[0] === 'httpUrl' && (filePath === undefined || filePath === '')) throw missing(`${path}filePath`);
  if (
    filePath !== undefined &&
    (/(^|[\\/])\.\.([\\/]|$)/.test(filePath) || /^([\\/]|[A-Za-z]:)/.test(filePath))
  )
    throw invalid(
      `${path}filePath`,
      filePath,
      "must be relative and cannot break out of the task's working directory.",
    );
  if (str(file, 'blobPrefix', path) !== undefined && given[0] === 'httpUrl')
    throw invalid(
      `${path}blobPrefix`,
      file.blobPrefix,
      'is valid only with autoStorageContainerName or storageContainerUrl.',
    );
  const mode = str(file, 'fileMode', path);
  if (mode !== undefined && !/^0?[0-7]{3,4}$/.test(mode))
    throw invalid(`${path}fileMode`, mode, 'must be a permission mode in octal format, e.g. 0770.');
  identityReference(file, 'identityReference', path);
}

const RESERVED_BACKEND_PORTS = new Set([29876, 29877]);
const NAT_POOL_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,75}[A-Za-z0-9_])?$/;
const PUBLIC_IP_ID = ARM('Microsoft\\.Network/publicIPAddresses/[^/]+');

function checkNetwork(network: Obj): void {
  const p = 'networkConfiguration.';
  resourceId(network, 'subnetId', p, SUBNET_ID, SUBNET_FORM);
  oneOf(network, 'dynamicVNetAssignmentScope', p, ['none', 'job']);
  bool(network, 'enableAcceleratedNetworking', p);
  const ip = obj(network, 'publicIPAddressConfiguration', p);
  let provision: string | undefined;
  if (ip) {
    const pp = `${p}publicIPAddressConfiguration.`;
    provision = oneOf(ip, 'provision', pp, ['batchmanaged', 'usermanaged', 'nopublicipaddresses']);
    const ids = strings(ip, 'ipAddressIds', pp);
    ids.forEach((id, i) => {
      if (!PUBLIC_IP_ID.test(id))
        throw invalid(
          `${pp}ipAddressIds[${i}]`,
          id,
          'must be of the form /subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Network/publicIPAddresses/{ip}.',
        );
    });
    if (provision === 'usermanaged' && ids.length === 0) throw missing(`${pp}ipAddressIds`);
    strings(ip, 'ipFamilies', pp).forEach((f, i) => {
      if (!['ipv4', 'ipv6'].includes(f.toLowerCase()))
        throw invalid(`${pp}ipFamilies[${i}]`, f, 'known values are IPv4 and IPv6.');
    });
  }
  const endpoints = obj(network, 'endpointConfiguration', p);
  if (!endpoints) return;
  const ep = `${p}endpointConfiguration.`;
  const pools = objects(endpoints, 'inboundNATPools', ep, true);
  if (pools.length > 0 && provision === 'nopublicipaddresses')
    throw invalid(
      `${ep}inboundNATPools`,
      `${pools.length} pools`,
      'cannot be specified when publicIPAddressConfiguration.provision is NoPublicIPAddresses.',
    );
  if (pools.length > 5)
    throw invalid(
      `${ep}inboundNATPools`,
      `${pools.length} pools`,
      'a pool can have at most 5 inbound NAT pools.',
    );
  const names: { value: string; path: string }[] = [];
  const backends: { value: string; path: string }[] = [];
  const ranges: { start: number; end: number; path: string }[] = [];
  const priorities: { value: string; path: string }[] = [];
  let rules = 0;
  pools.forEach((nat, i) => {
    const np = `${ep}inboundNATPools[${i}].`;
    const name = str(nat, 'name', np, true)!;
    if (!NAT_POOL_NAME.test(name))
      throw invalid(
        `${np}name`,
        name,
        'can contain letters, numbers, underscores, periods and hyphens, must start with a letter or number, end with a letter, number or underscore, and have at most 77 characters.',
      );
    names.push({ value: name, path: `${np}name` });
    oneOf(nat, 'protocol', np, ['tcp', 'udp'], true);
    const backend = int(nat, 'backendPort', np, { min: 1, max: 65535, required: true })!;
    if (RESERVED_BACKEND_PORTS.has(backend))
      throw invalid(`${np}backendPort`, backend, 'ports 29876 and 29877 are reserved.');
    backends.push({ value: String(backend), path: `${np}backendPort` });
    const start = int(nat, 'frontendPortRangeStart', np, { min: 1, max: 65534, required: true })!;
    const end = int(nat, 'frontendPortRangeEnd', np, { min: 1, max: 65534, required: true })!;
    if (end < start)
      throw invalid(`${np}frontendPortRangeEnd`, end, 'must not be below frontendPortRangeStart.');
    if (start <= 55000 && end >= 50000)
      throw invalid(`${np}frontendPortRangeStart`, `${start}-${end}`, 'ports 50000 to 55000 are reserved.');
    if (end - start + 1 < 40)
      throw invalid(
        `${np}frontendPortRangeEnd`,
        `${start}-${end}`,
        'each range must contain at least 40 ports.',
      );
    ranges.push({ start, end, path: `${np}frontendPortRangeStart` });
    objects(nat, 'networkSecurityGroupRules', np).forEach((rule, j) => {
      const rp = `${np}networkSecurityGroupRules[${j}].`;
      rules++;
      const priority = int(rule, 'priority', rp, { min: 150, max: 4096, required: true })!;
      priorities.push({ value: String(priority), path: `${rp}priority` });
      oneOf(rule, 'access', rp, ['allow', 'deny'], true);
      const prefix = str(rule, 'sourceAddressPrefix', rp, true)!;
      if (!isAddressPrefix(prefix))
        throw invalid(
          `${rp}sourceAddressPrefix`,
          prefix,
          'must be an IP address, an IP subnet, a default tag or *.',
        );
      checkPortRanges(strings(rule, 'sourcePortRanges', rp), `${rp}sourcePortRanges`);
    });
  });
  unique(names, 'inbound NAT pool names');
  unique(backends, 'backend ports');
  unique(priorities, 'network security group rule priorities');
  if (rules > 25)
    throw invalid(
      `${ep}inboundNATPools`,
      `${rules} rules`,
      'a pool can have at most 25 network security group rules.',
    );
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i]!.start <= sorted[i - 1]!.end)
      throw invalid(
        sorted[i]!.path,
        `${sorted[i]!.start}-${sorted[i]!.end}`,
        'frontend port ranges must not overlap.',
      );
}

function isAddressPrefix(prefix: string): boolean {
  if (prefix === '*') return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(prefix);
  if (v4)
    return v4.slice(1, 5).every((o) => Number(o) <= 255) && (v4[5] === undefined || Number(v4[5]) <= 32);
  if (/^[0-9a-f:]+(?:\/\d{1,3})?$/i.test(prefix) && prefix.includes(':')) return true;
  // Service tags such as VirtualNetwork, AzureLoadBalancer, Internet, Storage.WestEurope.
  return /^[A-Za-z][A-Za-z0-9.]*$/.test(prefix);
}

function checkPortRanges(ranges: string[], path: string): void {
  const parsed = ranges.map((r, i) => {
    if (r === '*') return { start: 0, end: 65535, i };
    const m = /^(\d+)(?:-(\d+))?$/.exec(r);
    const start = Number(m?.[1]);
    const end = m?.[2] === undefined ? start : Number(m[2]);
    if (!m || start > 65535 || end > 65535 || end < start)
      throw invalid(`${path}[${i}]`, r, "must be '*', a port or a range such as 100-200, within 0 to 65535.");
    return { start, end, i };
  });
  const sorted = [...parsed].sort((a, b) => a.start - b.start);
  for (let k = 1; k < sorted.length; k++)
    if (sorted[k]!.start <= sorted[k - 1]!.end)
      throw invalid(`${path}[${sorted[k]!.i}]`, ranges[sorted[k]!.i], 'entries must not overlap.');
}

const MOUNT_KINDS = [
  'azureBlobFileSystemConfiguration',
  'nfsMountConfiguration',
  'cifsMountConfiguration',
  'azureFileShareConfiguration',
] as const;

function checkMounts(spec: Obj): void {
  const mounts = objects(spec, 'mountConfiguration', '');
  if (mounts.length > 10)
    throw invalid(
      'mountConfiguration',
      `${mounts.length} mounts`,
      'a pool can mount at most 10 file systems.',
    );
  const paths: { value: string; path: string }[] = [];
  mounts.forEach((mount, i) => {
    const mp = `mountConfiguration[${i}].`;
    const kinds = MOUNT_KINDS.filter((k) => mount[k] !== undefined && mount[k] !== null);
    if (kinds.length === 0) throw missing(`${mp}${MOUNT_KINDS.join(', ')}`);
    if (kinds.length > 1)
      throw invalid(
        `${mp}${kinds[1]}`,
        kinds.join(', '),
        'the mount types are mutually exclusive: specify one per entry.',
      );
    const kind = kinds[0]!;
    const c = obj(mount, kind, mp, true)!;
    const cp = `${mp}${kind}.`;
    paths.push({ value: str(c, 'relativeMountPath', cp, true)!, path: `${cp}relativeMountPath` });
    switch (kind) {
      case 'azureBlobFileSystemConfiguration': {
        str(c, 'accountName', cp, true);
        str(c, 'containerName', cp, true);
        str(c, 'blobfuseOptions', cp);
        const auth = [
          str(c, 'accountKey', cp) !== undefined ? 'accountKey' : undefined,
          str(c, 'sasKey', cp) !== undefined ? 'sasKey' : undefined,
          identityReference(c, 'identityReference', cp) ? 'identityReference' : undefined,
        ].filter((a) => a !== undefined);
        if (auth.length === 0) throw missing(`${cp}accountKey, sasKey or identityReference`);
        if (auth.length > 1)
          throw invalid(
            `${cp}${auth[1]}`,
            auth.join(', '),
            'accountKey, sasKey and identityReference are mutually exclusive: specify exactly one.',
          );
        break;
      }
      case 'nfsMountConfiguration':
        str(c, 'source', cp, true);
        str(c, 'mountOptions', cp);
        break;
      case 'cifsMountConfiguration':
        str(c, 'username', cp, true);
        str(c, 'password', cp, true);
        str(c, 'source', cp, true);
        str(c, 'mountOptions', cp);
        break;
      case 'azureFileShareConfiguration':
        str(c, 'accountName', cp, true);
        str(c, 'accountKey', cp, true);
        str(c, 'azureFileUrl', cp, true);
        str(c, 'mountOptions', cp);
        break;
    }
  });
  unique(paths, 'relative mount paths', false);
}

function checkUpgradePolicy(spec: Obj, windows: boolean, vmc: Obj | undefined, zonal: boolean): void {
  const policy = obj(spec, 'upgradePolicy', '');
  if (!policy) return;
  const p = 'upgradePolicy.';
  oneOf(policy, 'mode', p, ['automatic', 'manual', 'rolling'], true);
  const auto = obj(policy, 'automaticOSUpgradePolicy', p);
  if (auto) {
    const ap = `${p}automaticOSUpgradePolicy.`;
    for (const k of ['disableAutomaticRollback', 'useRollingUpgradePolicy', 'osRollingUpgradeDeferral'])
      bool(auto, k, ap);
    const enabled = bool(auto, 'enableAutomaticOSUpgrade', ap);
    const winConfig = vmc && isObj(vmc.windowsConfiguration) ? vmc.windowsConfiguration : undefined;
    if (enabled === true && windows && winConfig?.enableAutomaticUpdates !== false)
      throw invalid(
        `${ap}enableAutomaticOSUpgrade`,
        true,
        'on a Windows pool, virtualMachineConfiguration.windowsConfiguration.enableAutomaticUpdates must then be false.',
      );
  }
  const rolling = obj(policy, 'rollingUpgradePolicy', p);
  if (rolling) {
    const rp = `${p}rollingUpgradePolicy.`;
    const batch = int(rolling, 'maxBatchInstancePercent', rp, { min: 5, max: 100 });
    const unhealthy = int(rolling, 'maxUnhealthyInstancePercent', rp, { min: 5, max: 100 });
    int(rolling, 'maxUnhealthyUpgradedInstancePercent', rp, { min: 0, max: 100 });
    if (batch !== undefined && unhealthy !== undefined && batch > unhealthy)
      throw invalid(
        `${rp}maxBatchInstancePercent`,
        batch,
        'must not be more than maxUnhealthyInstancePercent.',
      );
    const crossZone = bool(rolling, 'enableCrossZoneUpgrade', rp);
    if (crossZone !== undefined && !zonal)
      throw invalid(
        `${rp}enableCrossZoneUpgrade`,
        crossZone,
        'can be set only when nodePlacementConfiguration.policy is zonal.',
      );
    for (const k of ['prioritizeUnhealthyInstances', 'rollbackFailedInstancesOnPolicyBreach'])
      bool(rolling, k, rp);
    str(rolling, 'pauseTimeBetweenBatches', rp);
  }
}

// ------------------------------------------------------------------ what a GET shows

/**
 * The pool as a GET returns it: without the secrets Azure does not return (user account passwords and SSH
 * private keys, container registry passwords, mount account keys, SAS keys and passwords, extension
 * protectedSettings), with the defaults Azure fills in for data disks. `spec` is not changed.
 */
export function publicSpec(spec: Obj): Obj {
  const vmcIn = spec.virtualMachineConfiguration;
  const task = isObj(spec.startTask) ? spec.startTask : undefined;
  const mayHoldSecrets =
    spec.userAccounts !== undefined ||
    spec.mountConfiguration !== undefined ||
    (isObj(vmcIn) && (vmcIn.containerConfiguration !== undefined || vmcIn.extensions !== undefined)) ||
    (task !== undefined && task.containerSettings !== undefined);
  if (!mayHoldSecrets) return spec; // nothing to hide: no copy (GET and list stay cheap)
  const out = structuredClone(spec);
  const each = (v: unknown, fn: (o: Obj) => void): void => {
    if (Array.isArray(v)) for (const item of v) if (isObj(item)) fn(item);
  };
  each(out.userAccounts, (u) => {
    delete u.password;
    if (isObj(u.linuxUserConfiguration)) delete u.linuxUserConfiguration.sshPrivateKey;
  });
  each(out.mountConfiguration, (m) => {
    if (isObj(m.azureBlobFileSystemConfiguration)) {
      delete m.azureBlobFileSystemConfiguration.accountKey;
      delete m.azureBlobFileSystemConfiguration.sasKey;
    }
    if (isObj(m.azureFileShareConfiguration)) delete m.azureFileShareConfiguration.accountKey;
    if (isObj(m.cifsMountConfiguration)) delete m.cifsMountConfiguration.password;
  });
  const vmc = out.virtualMachineConfiguration;
  if (isObj(vmc)) {
    if (isObj(vmc.containerConfiguration))
      each(vmc.containerConfiguration.containerRegistries, (r) => delete r.password);
    each(vmc.extensions, (x) => delete x.protectedSettings);
  }
  const outTask = out.startTask;
  if (isObj(outTask) && isObj(outTask.containerSettings) && isObj(outTask.containerSettings.registry))
    delete outTask.containerSettings.registry.password;
  return out;
}

/**
 * Defaults Azure shows on a GET for what the body left out: a data disk's caching is "none" (the recorded
 * answer in observed-service-responses.json). The same recording shows storageAccountType "standard_lrs" at the
 * data disk's top level, where 2025-06-01 no longer has it (it moved to managedDisk): a top-level
 * storageAccountType from an older client is dropped like other retired properties, and no managedDisk is
 * made up (our choice).
 */
export function withRulesDefaults(spec: Obj): void {
  const vmc = spec.virtualMachineConfiguration;
  if (isObj(vmc) && Array.isArray(vmc.dataDisks))
    vmc.dataDisks = vmc.dataDisks.map((d: unknown) => {
      if (!isObj(d)) return d;
      const { storageAccountType: _retired, ...disk } = d;
      return { ...disk, caching: disk.caching ?? 'none' };
    });
}

// Every property of the 2025-06-01 pool-create model through the project's BatchClient: what a GET returns
// (secrets left out, Azure's defaults filled in), the service's rules with their 400s, PATCH and
// updateproperties, and autoscale pools. Sources of each behaviour: docs/simulator.md ("Pool properties").
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { BatchClient } from '../../../src/azure/batch/client.ts';
import type { BatchPoolCreateOptions } from '../../../src/azure/batch/wire.ts';
import type { Simulator } from '../../../src/simulator/index.ts';
import { startSimulator } from '../../../src/simulator/index.ts';
import { batchClient, rejection, vmConfig } from './helpers.ts';
import type { Body } from './full-pool.ts';
import { APP, SECRETS, fullPool } from './full-pool.ts';

let sim: Simulator;
let batch: BatchClient;
let image: string;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0 });
  batch = batchClient(sim);
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
  image = sim.images.createGalleryImageVersion('gallery', 'ubuntu-2204', '1.0.0');
});

const create = (body: Body) => batch.createPool(body as unknown as BatchPoolCreateOptions);
const clone = <T>(v: T): T => structuredClone(v);

describe('every pool-create property round-trips', () => {
  test('GET returns what was created, minus the secrets Azure does not return, plus its defaults', async () => {
    const body = fullPool(image);
    await create(body);
    const got = (await batch.getPool('full')) as unknown as Body;

    // What a GET should show, written out from the body (not by the simulator's own code).
    const expected = clone(body) as Body & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    delete expected.id;
    delete expected.targetDedicatedNodes;
    delete expected.targetLowPriorityNodes;
    delete expected.resizeTimeout;
    expected.vmSize = 'standard_d4s_v5';
    const vmc = expected.virtualMachineConfiguration;
    delete vmc.containerConfiguration.containerRegistries[0].password;
    delete vmc.extensions[0].protectedSettings;
    vmc.dataDisks[1] = { lun: 1, diskSizeGB: 50, caching: 'none' };
    delete expected.startTask.containerSettings.registry.password;
    delete expected.userAccounts[0].password;
    delete expected.userAccounts[0].linuxUserConfiguration.sshPrivateKey;
    delete expected.userAccounts[1].password;
    delete expected.mountConfiguration[0].azureBlobFileSystemConfiguration.accountKey;
    delete expected.mountConfiguration[1].azureBlobFileSystemConfiguration.sasKey;
    delete expected.mountConfiguration[4].cifsMountConfiguration.password;
    delete expected.mountConfiguration[5].azureFileShareConfiguration.accountKey;
    expected.enableAutoScale = false;

    for (const [k, v] of Object.entries(expected)) expect([k, got[k]]).toEqual([k, v]);
    expect([got.id, got.targetDedicatedNodes, got.targetLowPriorityNodes, got.resizeTimeout]).toEqual([
      'full',
      2,
      1,
      'PT20M',
    ]);
    const wire = JSON.stringify(got);
    for (const secret of SECRETS) expect([secret, wire.includes(secret)]).toEqual([secret, false]);
    // Not in the 2025-06-01 model: never returned.
    expect(got.targetNodeCommunicationMode).toBeUndefined();
    expect(got.resourceTags).toBeUndefined();
  });

  test('the list answer leaves the secrets out too; a PATCH of other properties keeps the user accounts', async () => {
    await create(fullPool(image));
    const page = await batch.listPools();
    expect(page.value.map((p) => p.id)).toEqual(['full']);
    const wire = JSON.stringify(page.value);
    for (const secret of SECRETS) expect([secret, wire.includes(secret)]).toEqual([secret, false]);
    await batch.updatePool('full', { metadata: [{ name: 'owner', value: 'team-b' }] });
    const got = await batch.getPool('full');
    expect(got.userAccounts).toEqual([
      { name: 'render', elevationLevel: 'admin', linuxUserConfiguration: { uid: 1500, gid: 1500 } },
      { name: 'reader' },
    ]);
  });

  test("a data disk's storageAccountType at its top level (before 2025-06-01) is dropped; the managed disk's is kept", async () => {
    const body = fullPool(image, 'disks');
    (body.virtualMachineConfiguration as Body).dataDisks = [
      { lun: 3, diskSizeGB: 10, storageAccountType: 'premium_lrs' },
      {
        lun: 4,
        diskSizeGB: 10,
        caching: 'readwrite',
        managedDisk: { storageAccountType: 'standardssd_lrs' },
      },
    ];
    await create(body);
    expect((await batch.getPool('disks')).virtualMachineConfiguration?.dataDisks).toEqual([
      { lun: 3, diskSizeGB: 10, caching: 'none' },
      {
        lun: 4,
        diskSizeGB: 10,
        caching: 'readwrite',
        managedDisk: { storageAccountType: 'standardssd_lrs' },
      },
    ]);
  });

  test('a Windows pool keeps windowsConfiguration, licenseType and windowsUserConfiguration', async () => {
    const body: Body = {
      id: 'win',
      vmSize: 'Standard_D4s_v5',
      virtualMachineConfiguration: {
        imageReference: {
          publisher: 'microsoftwindowsserver',
          offer: 'windowsserver',
          sku: '2022-datacenter',
        },
        nodeAgentSKUId: 'batch.node.windows amd64',
        windowsConfiguration: { enableAutomaticUpdates: false },
        licenseType: 'Windows_Server',
      },
      targetDedicatedNodes: 1,
      userAccounts: [{ name: 'ops', password: 'pw', windowsUserConfiguration: { loginMode: 'interactive' } }],
      upgradePolicy: { mode: 'automatic', automaticOSUpgradePolicy: { enableAutomaticOSUpgrade: true } },
    };
    await create(body);
    const got = await batch.getPool('win');
    expect(got.virtualMachineConfiguration).toEqual({
      imageReference: {
        publisher: 'microsoftwindowsserver',
        offer: 'windowsserver',
        sku: '2022-datacenter',
        version: 'latest',
      },
      nodeAgentSKUId: 'batch.node.windows amd64',
      windowsConfiguration: { enableAutomaticUpdates: false },
      licenseType: 'Windows_Server',
    });
    expect(got.userAccounts).toEqual([
      { name: 'ops', windowsUserConfiguration: { loginMode: 'interactive' } },
    ]);
  });

  test('a pool created out of band (no owner metadata, only required fields) is held and read like any other', async () => {
    await create({
      id: 'legacy',
      vmSize: 'Standard_D2s_v5',
      virtualMachineConfiguration: vmConfig(image),
      targetDedicatedNodes: 0,
    });
    const got = await batch.getPool('legacy');
    expect([got.metadata, got.enableAutoScale, got.taskSlotsPerNode, got.taskSchedulingPolicy]).toEqual([
      undefined,
      false,
      1,
      { nodeFillType: 'Spread' },
    ]);
  });
});

/** [what the case is about, a change to fullPool(image), the code, PropertyName]. */
type Case = [string, (b: Record<string, any>) => void, string, string]; // eslint-disable-line @typescript-eslint/no-explicit-any

const RULES: Case[] = [
  [
    'displayName over 1024 characters',
    (b) => (b.displayName = 'x'.repeat(1025)),
    'InvalidPropertyValue',
    'displayName',
  ],
  [
    'user account names repeat (case-insensitively)',
    (b) => (b.userAccounts[1].name = 'RENDER'),
    'InvalidPropertyValue',
    'name',
  ],
  [
    'user account name over 20 characters',
    (b) => (b.userAccounts[1].name = 'u'.repeat(21)),
    'InvalidPropertyValue',
    'name',
  ],
  [
    'user account without password',
    (b) => delete b.userAccounts[1].password,
    'MissingRequiredProperty',
    'password',
  ],
  [
    'uid without gid',
    (b) => delete b.userAccounts[0].linuxUserConfiguration.gid,
    'InvalidPropertyValue',
    'gid',
  ],
  [
    'elevationLevel unknown',
    (b) => (b.userAccounts[0].elevationLevel = 'root'),
    'InvalidPropertyValue',
    'elevationLevel',
  ],
  [
    'windowsUserConfiguration on a Linux pool',
    (b) => (b.userAccounts[1].windowsUserConfiguration = { loginMode: 'batch' }),
    'InvalidPropertyValue',
    'windowsUserConfiguration',
  ],
  [
    'userIdentity with both username and autoUser',
    (b) => (b.startTask.userIdentity.autoUser = { scope: 'pool' }),
    'InvalidPropertyValue',
    'userIdentity',
  ],
  [
    'startTask without commandLine',
    (b) => delete b.startTask.commandLine,
    'MissingRequiredProperty',
    'commandLine',
  ],
  [
    'maxTaskRetryCount below -1',
    (b) => (b.startTask.maxTaskRetryCount = -2),
    'InvalidPropertyValue',
    'maxTaskRetryCount',
  ],
  [
    'resource file with two sources',
    (b) => (b.startTask.resourceFiles[2].autoStorageContainerName = 'c'),
    'InvalidPropertyValue',
    'httpUrl',
  ],
  [
    'resource file with no source',
    (b) => (b.startTask.resourceFiles[0] = { filePath: 'x' }),
    'MissingRequiredProperty',
    'autoStorageContainerName, storageContainerUrl or httpUrl',
  ],
  [
    'httpUrl without filePath',
    (b) => delete b.startTask.resourceFiles[2].filePath,
    'MissingRequiredProperty',
    'filePath',
  ],
  [
    'filePath breaking out with ..',
    (b) => (b.startTask.resourceFiles[0].filePath = '../etc'),
    'InvalidPropertyValue',
    'filePath',
  ],
  [
    'blobPrefix with httpUrl',
    (b) => (b.startTask.resourceFiles[2].blobPrefix = 'x'),
    'InvalidPropertyValue',
    'blobPrefix',
  ],
  [
    'environment setting without name',
    (b) => (b.startTask.environmentSettings[0] = { value: 'v' }),
    'MissingRequiredProperty',
    'name',
  ],
  [
    'start task containerSettings without the pool container configuration',
    (b) => delete b.virtualMachineConfiguration.containerConfiguration,
    'InvalidPropertyValue',
    'containerSettings',
  ],
  [
    'containerSettings without imageName',
    (b) => delete b.startTask.containerSettings.imageName,
    'MissingRequiredProperty',
    'imageName',
  ],
  [
    'container type unknown',
    (b) => (b.virtualMachineConfiguration.containerConfiguration.type = 'podman'),
    'InvalidPropertyValue',
    'type',
  ],
  [
    'registry with identity and username',
    (b) => (b.virtualMachineConfiguration.containerConfiguration.containerRegistries[1].username = 'u'),
    'InvalidPropertyValue',
    'identityReference',
  ],
  [
    'data disk luns repeat',
    (b) => (b.virtualMachineConfiguration.dataDisks[1].lun = 0),
    'InvalidPropertyValue',
    'lun',
  ],
  [
    'data disk lun above 63',
    (b) => (b.virtualMachineConfiguration.dataDisks[1].lun = 64),
    'InvalidPropertyValue',
    'lun',
  ],
  [
    'data disk without diskSizeGB',
    (b) => delete b.virtualMachineConfiguration.dataDisks[1].diskSizeGB,
    'MissingRequiredProperty',
    'diskSizeGB',
  ],
  [
    'data disk caching unknown',
    (b) => (b.virtualMachineConfiguration.dataDisks[0].caching = 'writeback'),
    'InvalidPropertyValue',
    'caching',
  ],
  [
    'disk encryption target unknown',
    (b) => (b.virtualMachineConfiguration.diskEncryptionConfiguration.targets = ['datadisk']),
    'InvalidPropertyValue',
    'targets',
  ],
  [
    'node placement policy unknown',
    (b) => (b.virtualMachineConfiguration.nodePlacementConfiguration.policy = 'global'),
    'InvalidPropertyValue',
    'policy',
  ],
  [
    'extension names repeat',
    (b) => (b.virtualMachineConfiguration.extensions[1].name = 'KV'),
    'InvalidPropertyValue',
    'name',
  ],
  [
    'extension without publisher',
    (b) => delete b.virtualMachineConfiguration.extensions[1].publisher,
    'MissingRequiredProperty',
    'publisher',
  ],
  [
    'provisionAfterExtensions naming no extension',
    (b) => (b.virtualMachineConfiguration.extensions[1].provisionAfterExtensions = ['nope']),
    'InvalidPropertyValue',
    'provisionAfterExtensions',
  ],
  [
    'ephemeral OS disk placement unknown',
    (b) => (b.virtualMachineConfiguration.osDisk.ephemeralOSDiskSettings.placement = 'resourcedisk'),
    'InvalidPropertyValue',
    'placement',
  ],
  [
    'windowsConfiguration on a Linux pool',
    (b) => (b.virtualMachineConfiguration.windowsConfiguration = { enableAutomaticUpdates: true }),
    'InvalidPropertyValue',
    'windowsConfiguration',
  ],
  [
    'licenseType on a Linux pool',
    (b) => (b.virtualMachineConfiguration.licenseType = 'Windows_Server'),
    'InvalidPropertyValue',
    'licenseType',
  ],
  [
    'serviceArtifactReference without id',
    (b) => (b.virtualMachineConfiguration.serviceArtifactReference = {}),
    'MissingRequiredProperty',
    'id',
  ],
  [
    'subnetId not a virtual network subnet',
    (b) =>
      (b.networkConfiguration.subnetId =
        '/subscriptions/x/resourceGroups/y/providers/Microsoft.ClassicNetwork/virtualNetworks/v/subnets/s'),
    'InvalidPropertyValue',
    'subnetId',
  ],
  [
    'dynamicVNetAssignmentScope unknown',
    (b) => (b.networkConfiguration.dynamicVNetAssignmentScope = 'task'),
    'InvalidPropertyValue',
    'dynamicVNetAssignmentScope',
  ],
  [
    'NSG rule priority below 150',
    (b) =>
      (b.networkConfiguration.endpointConfiguration.inboundNATPools[0].networkSecurityGroupRules[0].priority = 149),
    'InvalidPropertyValue',
    'priority',
  ],
  [
    'NSG rule priority above 4096',
    (b) =>
      (b.networkConfiguration.endpointConfiguration.inboundNATPools[0].networkSecurityGroupRules[0].priority = 4097),
    'InvalidPropertyValue',
    'priority',
  ],
  [
    'NSG rule priorities repeat across NAT pools',
    (b) =>
      b.networkConfiguration.endpointConfiguration.inboundNATPools.push({
        name: 'rdp',
        protocol: 'tcp',
        backendPort: 3389,
        frontendPortRangeStart: 16000,
        frontendPortRangeEnd: 16099,
        networkSecurityGroupRules: [{ priority: 150, access: 'allow', sourceAddressPrefix: '*' }],
      }),
    'InvalidPropertyValue',
    'priority',
  ],
  [
    'NSG sourceAddressPrefix not an address',
    (b) =>
      (b.networkConfiguration.endpointConfiguration.inboundNATPools[0].networkSecurityGroupRules[0].sourceAddressPrefix =
        '10.0.0.300'),
    'InvalidPropertyValue',
    'sourceAddressPrefix',
  ],
  [
    'NSG source port ranges overlap',
    (b) =>
      (b.networkConfiguration.endpointConfiguration.inboundNATPools[0].networkSecurityGroupRules[1].sourcePortRanges =
        ['100-200', '150']),
    'InvalidPropertyValue',
    'sourcePortRanges',
  ],
  [
    'more than 25 NSG rules',
    (b) =>
      (b.networkConfiguration.endpointConfiguration.inboundNATPools[0].networkSecurityGroupRules = Array.from(
        { length: 26 },
        (_, i) => ({ priority: 150 + i, access: 'allow', sourceAddressPrefix: '*' }),
      )),
    'InvalidPropertyValue',
    'inboundNATPools',
  ],
  [
    'reserved backend port 29876',
    (b) => (b.networkConfiguration.endpointConfiguration.inboundNATPools[0].backendPort = 29876),
    'InvalidPropertyValue',
    'backendPort',
  ],
  [
    'frontend range in 50000-55000',
    (b) =>
      Object.assign(b.networkConfiguration.endpointConfiguration.inboundNATPools[0], {
        frontendPortRangeStart: 49990,
        frontendPortRangeEnd: 50100,
      }),
    'InvalidPropertyValue',
    'frontendPortRangeStart',
  ],
  [
    'frontend range under 40 ports',
    (b) => (b.networkConfiguration.endpointConfiguration.inboundNATPools[0].frontendPortRangeEnd = 15038),
    'InvalidPropertyValue',
    'frontendPortRangeEnd',
  ],
  [
    'frontend ranges overlap',
    (b) =>
      b.networkConfiguration.endpointConfiguration.inboundNATPools.push({
        name: 'rdp',
        protocol: 'tcp',
        backendPort: 3389,
        frontendPortRangeStart: 15050,
        frontendPortRangeEnd: 15200,
      }),
    'InvalidPropertyValue',
    'frontendPortRangeStart',
  ],
  [
    'NAT pool names repeat',
    (b) =>
      b.networkConfiguration.endpointConfiguration.inboundNATPools.push({
        name: 'SSH',
        protocol: 'tcp',
        backendPort: 3389,
        frontendPortRangeStart: 16000,
        frontendPortRangeEnd: 16099,
      }),
    'InvalidPropertyValue',
    'name',
  ],
  [
    'NAT pool name ending in a hyphen',
    (b) => (b.networkConfiguration.endpointConfiguration.inboundNATPools[0].name = 'ssh-'),
    'InvalidPropertyValue',
    'name',
  ],
  [
    'more than 5 NAT pools',
    (b) =>
      (b.networkConfiguration.endpointConfiguration.inboundNATPools = Array.from({ length: 6 }, (_, i) => ({
        name: `p${i}`,
        protocol: 'tcp',
        backendPort: 1000 + i,
        frontendPortRangeStart: 1000 + 100 * i,
        frontendPortRangeEnd: 1099 + 100 * i,
      }))),
    'InvalidPropertyValue',
    'inboundNATPools',
  ],
  [
    'NAT pools with NoPublicIPAddresses',
    (b) => (b.networkConfiguration.publicIPAddressConfiguration = { provision: 'nopublicipaddresses' }),
    'InvalidPropertyValue',
    'inboundNATPools',
  ],
  [
    'UserManaged public IPs without ipAddressIds',
    (b) => (b.networkConfiguration.publicIPAddressConfiguration.ipAddressIds = []),
    'MissingRequiredProperty',
    'ipAddressIds',
  ],
  [
    'a public IP id that is not one',
    (b) => (b.networkConfiguration.publicIPAddressConfiguration.ipAddressIds = ['ip1']),
    'InvalidPropertyValue',
    'ipAddressIds',
  ],
  [
    'a mount entry with two file systems',
    (b) => (b.mountConfiguration[3].cifsMountConfiguration = b.mountConfiguration[4].cifsMountConfiguration),
    'InvalidPropertyValue',
    'cifsMountConfiguration',
  ],
  [
    'blobfuse with accountKey and sasKey',
    (b) => (b.mountConfiguration[0].azureBlobFileSystemConfiguration.sasKey = 's'),
    'InvalidPropertyValue',
    'sasKey',
  ],
  [
    'blobfuse with no credential',
    (b) => delete b.mountConfiguration[0].azureBlobFileSystemConfiguration.accountKey,
    'MissingRequiredProperty',
    'accountKey, sasKey or identityReference',
  ],
  [
    'CIFS mount without password',
    (b) => delete b.mountConfiguration[4].cifsMountConfiguration.password,
    'MissingRequiredProperty',
    'password',
  ],
  [
    'Azure Files mount without accountKey',
    (b) => delete b.mountConfiguration[5].azureFileShareConfiguration.accountKey,
    'MissingRequiredProperty',
    'accountKey',
  ],
  [
    'NFS mount without source',
    (b) => delete b.mountConfiguration[3].nfsMountConfiguration.source,
    'MissingRequiredProperty',
    'source',
  ],
  [
    'two mounts at one relative path',
    (b) => (b.mountConfiguration[5].azureFileShareConfiguration.relativeMountPath = 'nfs'),
    'InvalidPropertyValue',
    'relativeMountPath',
  ],
  [
    'more than 10 mounts',
    (b) =>
      (b.mountConfiguration = Array.from({ length: 11 }, (_, i) => ({
        nfsMountConfiguration: { source: 's', relativeMountPath: `m${i}` },
      }))),
    'InvalidPropertyValue',
    'mountConfiguration',
  ],
  [
    'taskSlotsPerNode above 4 times the vCPUs',
    (b) => (b.taskSlotsPerNode = 17),
    'InvalidPropertyValue',
    'taskSlotsPerNode',
  ],
  ['taskSlotsPerNode 0', (b) => (b.taskSlotsPerNode = 0), 'InvalidPropertyValue', 'taskSlotsPerNode'],
  [
    'nodeFillType unknown',
    (b) => (b.taskSchedulingPolicy.nodeFillType = 'random'),
    'InvalidPropertyValue',
    'nodeFillType',
  ],
  ['metadata item with an empty name', (b) => (b.metadata[0].name = ''), 'EmptyMetadataKey', 'name'],
  ['metadata item without value', (b) => delete b.metadata[0].value, 'MissingRequiredProperty', 'value'],
  [
    'application id not fully qualified',
    (b) => (b.applicationPackageReferences[0].applicationId = 'render'),
    'InvalidPropertyValue',
    'applicationId',
  ],
  [
    'more than 10 application packages',
    (b) => (b.applicationPackageReferences = Array.from({ length: 11 }, () => ({ applicationId: APP }))),
    'InvalidPropertyValue',
    'applicationPackageReferences',
  ],
  ['upgrade mode unknown', (b) => (b.upgradePolicy.mode = 'eventual'), 'InvalidPropertyValue', 'mode'],
  [
    'maxBatchInstancePercent above maxUnhealthyInstancePercent',
    (b) => (b.upgradePolicy.rollingUpgradePolicy.maxBatchInstancePercent = 30),
    'InvalidPropertyValue',
    'maxBatchInstancePercent',
  ],
  [
    'maxUnhealthyInstancePercent under 5',
    (b) => (b.upgradePolicy.rollingUpgradePolicy.maxUnhealthyInstancePercent = 4),
    'InvalidPropertyValue',
    'maxUnhealthyInstancePercent',
  ],
  [
    'enableCrossZoneUpgrade without zonal placement',
    (b) => delete b.virtualMachineConfiguration.nodePlacementConfiguration,
    'InvalidPropertyValue',
    'enableCrossZoneUpgrade',
  ],
];

describe('the service refuses what breaks a documented rule, naming the property', () => {
  test('the full pool itself is accepted (each case below changes one thing)', async () => {
    await create(fullPool(image));
  });

  test.each(RULES)('%s', async (_what, change, code, property) => {
    const body = fullPool(image, 'bad');
    change(body as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
    const err = await rejection(create(body));
    expect([err.statusCode, err.code, err.details.values?.[0]]).toEqual([
      400,
      code,
      { key: 'PropertyName', value: property },
    ]);
    expect(await batch.poolExists('bad')).toBe(false);
  });

  test('a Windows pool with automatic OS upgrade needs enableAutomaticUpdates false', async () => {
    const err = await rejection(
      create({
        id: 'win',
        vmSize: 'Standard_D4s_v5',
        virtualMachineConfiguration: {
          imageReference: {
            publisher: 'microsoftwindowsserver',
            offer: 'windowsserver',
            sku: '2022-datacenter',
          },
          nodeAgentSKUId: 'batch.node.windows amd64',
        },
        targetDedicatedNodes: 1,
        upgradePolicy: { mode: 'automatic', automaticOSUpgradePolicy: { enableAutomaticOSUpgrade: true } },
      }),
    );
    expect([err.code, err.details.values?.[0]?.value]).toEqual([
      'InvalidPropertyValue',
      'enableAutomaticOSUpgrade',
    ]);
  });

  test('a start task naming a user the pool does not define is accepted, as Azure does (it fails on the node)', async () => {
    const body = fullPool(image, 'ghost');
    (body.startTask as Record<string, any>).userIdentity = { username: 'ghost' }; // eslint-disable-line @typescript-eslint/no-explicit-any
    await create(body);
    expect((await batch.getPool('ghost')).startTask?.userIdentity).toEqual({ username: 'ghost' });
  });

  test('NFS and CIFS mounts without a virtual network are accepted (no source requires one)', async () => {
    const body = fullPool(image, 'novnet');
    delete body.networkConfiguration;
    await create(body);
    expect((await batch.getPool('novnet')).mountConfiguration).toHaveLength(6);
  });
});

describe('PATCH and updateproperties', () => {
  test('PATCH replaces the start task wholesale on a pool with nodes, checked like a create; a refused PATCH changes nothing', async () => {
    await create(fullPool(image));
    sim.clock.advance(600);
    expect((await batch.getPool('full')).currentDedicatedNodes).toBe(2);
    const refused = await rejection(
      batch.updatePool('full', {
        startTask: { commandLine: '/bin/true', resourceFiles: [{ httpUrl: 'https://x/y' }] },
        metadata: [{ name: 'changed', value: 'yes' }],
      }),
    );
    expect([refused.statusCode, refused.code, refused.details.values?.[0]?.value]).toEqual([
      400,
      'MissingRequiredProperty',
      'filePath',
    ]);
    let got = await batch.getPool('full');
    expect([got.startTask?.commandLine, got.metadata]).toEqual([
      "/bin/bash -c 'echo start'",
      [{ name: 'owner', value: 'team-a' }],
    ]);
    await batch.updatePool('full', {
      startTask: { commandLine: '/bin/true', userIdentity: { username: 'reader' } },
    });
    got = await batch.getPool('full');
    // The whole start task was replaced: the old resource files and container settings are gone, the
    // service's defaults are filled in again.
    expect(got.startTask).toEqual({
      commandLine: '/bin/true',
      userIdentity: { username: 'reader' },
      maxTaskRetryCount: 0,
      waitForSuccess: true,
    });
    expect(got.metadata).toEqual([{ name: 'owner', value: 'team-a' }]);
  });

  test('PATCH of each empty-pool-only property is refused while the pool has nodes, and of none of the live ones', async () => {
    await create(fullPool(image));
    sim.clock.advance(600);
    const body = fullPool(image);
    for (const k of [
      'displayName',
      'vmSize',
      'enableInterNodeCommunication',
      'virtualMachineConfiguration',
      'taskSlotsPerNode',
      'taskSchedulingPolicy',
      'networkConfiguration',
      'userAccounts',
      'mountConfiguration',
      'upgradePolicy',
    ]) {
      const err = await rejection(batch.updatePool('full', { [k]: body[k] }));
      expect([k, err.statusCode, err.code, err.details.values?.[0]?.value]).toEqual([
        k,
        400,
        'PropertyCannotBeUpdated',
        k,
      ]);
    }
    await batch.updatePool('full', {
      startTask: { commandLine: '/bin/true' },
      applicationPackageReferences: [],
      metadata: [],
    });
    const got = await batch.getPool('full');
    expect([got.applicationPackageReferences, got.metadata]).toEqual([[], []]);
  });

  test('on an empty steady pool, PATCH changes user accounts and mounts after the create checks on the changed pool', async () => {
    const body = fullPool(image);
    await create({ ...body, targetDedicatedNodes: 0, targetLowPriorityNodes: 0 });
    sim.clock.advance(60);
    // The changed pool must pass a create's checks: two accounts of one name are refused.
    const err = await rejection(
      batch.updatePool('full', {
        userAccounts: [
          { name: 'reader', password: 'p' },
          { name: 'Reader', password: 'q' },
        ],
      }),
    );
    expect([err.code, err.details.values?.[0]?.value]).toEqual(['InvalidPropertyValue', 'name']);
    await batch.updatePool('full', {
      userAccounts: [{ name: 'reader', password: 'p' }],
      startTask: { commandLine: '/bin/true', userIdentity: { username: 'reader' } },
      mountConfiguration: [{ nfsMountConfiguration: { source: '10.0.0.5:/x', relativeMountPath: 'n' } }],
    });
    const got = await batch.getPool('full');
    expect([got.userAccounts, got.mountConfiguration]).toEqual([
      [{ name: 'reader' }],
      [{ nfsMountConfiguration: { source: '10.0.0.5:/x', relativeMountPath: 'n' } }],
    ]);
  });

  test('updateproperties replaces start task, packages and metadata as a whole, checked like a create', async () => {
    await create(fullPool(image));
    sim.clock.advance(600);
    const err = await rejection(
      batch.replacePoolProperties('full', {
        startTask: {
          commandLine: '/bin/true',
          userIdentity: { username: 'render', autoUser: { scope: 'pool' } },
        },
        applicationPackageReferences: [],
        metadata: [],
      }),
    );
    expect([err.code, err.details.values?.[0]?.value]).toEqual(['InvalidPropertyValue', 'userIdentity']);
    const bad = await rejection(
      batch.replacePoolProperties('full', {
        applicationPackageReferences: [{ applicationId: 'x' }],
        metadata: [],
      }),
    );
    expect([bad.code, bad.details.values?.[0]?.value]).toEqual(['InvalidPropertyValue', 'applicationId']);
    let got = await batch.getPool('full');
    expect(got.startTask?.commandLine).toBe("/bin/bash -c 'echo start'");
    await batch.replacePoolProperties('full', {
      applicationPackageReferences: [{ applicationId: APP }],
      metadata: [{ name: 'v', value: '2' }],
    });
    got = await batch.getPool('full');
    expect([got.startTask, got.applicationPackageReferences, got.metadata]).toEqual([
      undefined,
      [{ applicationId: APP }],
      [{ name: 'v', value: '2' }],
    ]);
    // The rest of the pool is as it was (its secrets still hidden).
    expect(got.userAccounts?.map((u) => u.name)).toEqual(['render', 'reader']);
    expect(JSON.stringify(got).includes('user-secret')).toBe(false);
  });
});

describe('autoscale pools', () => {
  const autoPool = (formula: string, extra: Body = {}): Body => ({
    id: 'auto',
    vmSize: 'Standard_D2s_v5',
    virtualMachineConfiguration: vmConfig(image),
    enableAutoScale: true,
    autoScaleFormula: formula,
    ...extra,
  });

  test('targets come from the formula at create; GET shows the formula, the default interval and the last run', async () => {
    await create(
      autoPool(
        '// two spot nodes, three dedicated\n$TargetDedicatedNodes = 3;\n$TargetLowPriorityNodes = max(1, 2);',
      ),
    );
    let got = await batch.getPool('auto');
    expect([
      got.enableAutoScale,
      got.autoScaleFormula?.includes('$TargetDedicatedNodes = 3'),
      got.autoScaleEvaluationInterval,
      got.targetDedicatedNodes,
      got.targetLowPriorityNodes,
      got.allocationState,
    ]).toEqual([true, true, 'PT15M', 3, 2, 'resizing']);
    expect(got.autoScaleRun?.results).toBe(
      '$TargetDedicatedNodes=3;$TargetLowPriorityNodes=2;$NodeDeallocationOption=requeue',
    );
    expect(got.autoScaleRun?.timestamp).toBe(got.creationTime);
    sim.clock.advance(600);
    got = await batch.getPool('auto');
    expect([got.allocationState, got.currentDedicatedNodes, got.currentLowPriorityNodes]).toEqual([
      'steady',
      3,
      2,
    ]);
  });

  test('resize of an autoscale pool is 409; the formula is evaluated again every interval', async () => {
    await create(
      autoPool('$TargetDedicatedNodes = min($CurrentDedicatedNodes + 1, 2);', {
        autoScaleEvaluationInterval: 'PT5M',
      }),
    );
    const err = await rejection(batch.resizePool('auto', { targetDedicatedNodes: 5 }));
    expect([err.statusCode, err.code]).toEqual([409, 'OperationInvalidForCurrentState']);
    let got = await batch.getPool('auto');
    expect(got.targetDedicatedNodes).toBe(1);
    sim.clock.advance(300);
    got = await batch.getPool('auto');
    expect([got.targetDedicatedNodes, got.autoScaleRun?.results?.split(';')[0]]).toEqual([
      2,
      '$TargetDedicatedNodes=2',
    ]);
    expect(Date.parse(got.autoScaleRun!.timestamp) - Date.parse(got.creationTime)).toBe(300_000);
    sim.clock.advance(600);
    got = await batch.getPool('auto');
    expect([got.currentDedicatedNodes, got.targetDedicatedNodes, got.allocationState]).toEqual([
      2,
      2,
      'steady',
    ]);
  });

  test('a formula the simulator cannot evaluate is accepted; the run reports the error and the targets stay', async () => {
    await create(autoPool('$tasks = $PendingTasks.GetSample(1);\n$TargetDedicatedNodes = min(10, $tasks);'));
    const got = await batch.getPool('auto');
    expect([got.targetDedicatedNodes, got.autoScaleRun?.error?.code]).toEqual([
      0,
      'AutoScaleFormulaEvaluationError',
    ]);
  });

  test('enableautoscale changes the formula (evaluated at once), at most once in 30 s; disableautoscale keeps the size', async () => {
    await create(autoPool('$TargetDedicatedNodes = 1;'));
    sim.clock.advance(600);
    await batch.enablePoolAutoScale('auto', { autoScaleFormula: '$TargetDedicatedNodes = 3;' });
    let got = await batch.getPool('auto');
    expect([got.autoScaleFormula, got.targetDedicatedNodes, got.allocationState]).toEqual([
      '$TargetDedicatedNodes = 3;',
      3,
      'resizing',
    ]);
    // Refused while that resize runs, and within 30 s of the last enable.
    const busy = await rejection(batch.enablePoolAutoScale('auto', { autoScaleEvaluationInterval: 'PT10M' }));
    expect(busy.statusCode).toBe(409);
    sim.clock.advance(600);
    await batch.enablePoolAutoScale('auto', { autoScaleEvaluationInterval: 'PT10M' });
    const again = await rejection(batch.enablePoolAutoScale('auto', { autoScaleEvaluationInterval: 'PT5M' }));
    expect([again.statusCode, again.code]).toEqual([409, 'TooManyEnableAutoScaleRequests']);
    got = await batch.getPool('auto');
    expect([got.autoScaleFormula, got.autoScaleEvaluationInterval]).toEqual([
      '$TargetDedicatedNodes = 3;',
      'PT10M',
    ]);

    await batch.disablePoolAutoScale('auto');
    got = await batch.getPool('auto');
    expect([got.enableAutoScale, got.autoScaleFormula, got.targetDedicatedNodes]).toEqual([
      false,
      undefined,
      3,
    ]);
    await batch.resizePool('auto', { targetDedicatedNodes: 5 });
    expect((await batch.getPool('auto')).targetDedicatedNodes).toBe(5);
  });

  test('enableautoscale on a pool that does not scale automatically needs a formula', async () => {
    await create({
      id: 'fixed',
      vmSize: 'Standard_D2s_v5',
      virtualMachineConfiguration: vmConfig(image),
      targetDedicatedNodes: 1,
    });
    sim.clock.advance(600);
    const err = await rejection(batch.enablePoolAutoScale('fixed', {}));
    expect([err.statusCode, err.code]).toEqual([400, 'MissingRequiredProperty']);
    await batch.enablePoolAutoScale('fixed', { autoScaleFormula: '$TargetDedicatedNodes = 0;' });
    expect((await batch.getPool('fixed')).enableAutoScale).toBe(true);
  });

  const AUTOSCALE_RULES: [string, Body, string, string][] = [
    [
      'targets with enableAutoScale',
      { targetDedicatedNodes: 1 },
      'InvalidAutoScalingSettings',
      'targetDedicatedNodes',
    ],
    [
      'no formula with enableAutoScale',
      { autoScaleFormula: undefined },
      'MissingRequiredProperty',
      'autoScaleFormula',
    ],
    [
      'a formula without enableAutoScale',
      { enableAutoScale: false, targetDedicatedNodes: 1 },
      'InvalidAutoScalingSettings',
      'autoScaleFormula',
    ],
    [
      'a formula with a syntax error',
      { autoScaleFormula: '$TargetDedicatedNodes 3;' },
      'AutoScalingFormulaSyntaxError',
      'autoScaleFormula',
    ],
    [
      'a formula over 8192 characters',
      { autoScaleFormula: `$TargetDedicatedNodes = 1;${' '.repeat(8192)}` },
      'AutoScaleFormulaTooLong',
      'autoScaleFormula',
    ],
    [
      'an evaluation interval under 5 minutes',
      { autoScaleEvaluationInterval: 'PT4M' },
      'InvalidPropertyValue',
      'autoScaleEvaluationInterval',
    ],
    [
      'an evaluation interval over 168 hours',
      { autoScaleEvaluationInterval: 'PT169H' },
      'InvalidPropertyValue',
      'autoScaleEvaluationInterval',
    ],
  ];

  test.each(AUTOSCALE_RULES)('%s is refused', async (_what, extra, code, property) => {
    const err = await rejection(create(autoPool('$TargetDedicatedNodes = 1;', extra)));
    expect([err.statusCode, err.code, err.details.values?.[0]]).toEqual([
      400,
      code,
      { key: 'PropertyName', value: property },
    ]);
  });

  test('PATCH of an empty-pool-only property on an empty autoscale pool works (no targets are implied)', async () => {
    await create(autoPool('$TargetDedicatedNodes = 0;'));
    sim.clock.advance(60);
    await batch.updatePool('auto', { displayName: 'scaled by formula' });
    expect((await batch.getPool('auto')).displayName).toBe('scaled by formula');
  });
});

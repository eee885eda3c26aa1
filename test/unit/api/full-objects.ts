// One BatchPool and one BatchAccount with EVERY field set. The types are derived from the schema,
// DeepRequired makes the compiler insist on each field and the object literal forbids extra ones, so
// a field added to the schema fails the typecheck here until it is given a value; the e2e tests send
// these objects to the apiserver, which proves that every field can be stored and read back.
import type { BatchAccount, BatchPool } from '../../../src/api/types.ts';

type DeepRequired<T> = T extends (infer U)[]
  ? DeepRequired<U>[]
  : T extends object
    ? { [K in keyof T]-?: DeepRequired<T[K]> }
    : T;

const SUB = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups';
const GALLERY = `${SUB}/rg/providers/Microsoft.Compute/galleries/g`;
const IDENTITY = `${SUB}/ids/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pool-id`;

export const fullPoolSpec: DeepRequired<BatchPool['spec']> = {
  accountRef: { name: 'prod-westeurope' },
  poolId: 'full-pool',
  vmSize: 'Standard_D4s_v5',
  // A managed image with publishTo: the one form in which every image field is valid at once.
  image: {
    id: `${SUB}/rg/providers/Microsoft.Compute/images/ubuntu-2204`,
    publishTo: {
      gallery: `${SUB}/rg/providers/Microsoft.Compute/galleries/g`,
      definition: 'ubuntu',
      version: '1.0.0',
    },
  },
  nodeAgentSkuId: 'batch.node.ubuntu 22.04',
  securityProfile: {
    securityType: 'trustedLaunch',
    encryptionAtHost: true,
    uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
    proxyAgentSettings: {
      enabled: true,
      imds: {
        mode: 'Audit',
        inVMAccessControlProfileReferenceId: `${GALLERY}/inVMAccessControlProfiles/imds/versions/1.0.0`,
      },
      wireServer: {
        mode: 'Enforce',
        inVMAccessControlProfileReferenceId: `${GALLERY}/inVMAccessControlProfiles/wire/versions/1.0.0`,
      },
    },
  },
  targetDedicatedNodes: 10,
  targetLowPriorityNodes: 2,
  resizeTimeout: 'PT25M',
  nodeDeallocationOption: 'taskcompletion',
  resizeStrategy: { maxNodesPerResize: 5, backoff: { initial: '10s', max: '5m' }, maxAttempts: 20 },
  deletionPolicy: 'Retain',
  taskSlotsPerNode: 4,
  startTask: {
    commandLine: '/bin/sh -c "echo ready"',
    environmentSettings: [{ name: 'MODE', value: 'render' }],
    resourceFiles: [
      {
        httpUrl: 'https://example.blob.core.windows.net/tools/setup.sh',
        storageContainerUrl: 'https://example.blob.core.windows.net/tools',
        autoStorageContainerName: 'tools',
        blobPrefix: 'linux/',
        filePath: 'setup.sh',
        fileMode: '0755',
        identityReference: { resourceId: IDENTITY },
      },
    ],
    containerSettings: {
      imageName: 'myregistry.azurecr.io/setup:1.0',
      containerRunOptions: '--rm',
      registry: {
        registryServer: 'myregistry.azurecr.io',
        username: 'puller',
        passwordSecretRef: { name: 'registry', key: 'password' },
        identityReference: { resourceId: IDENTITY },
      },
      workingDirectory: 'containerImageDefault',
      containerHostBatchBindMounts: [{ source: 'Shared', isReadOnly: true }],
    },
    maxTaskRetryCount: 3,
    waitForSuccess: true,
    userIdentity: { userName: 'render', autoUser: { scope: 'pool', elevationLevel: 'admin' } },
  },
  metadata: [{ name: 'team', value: 'vfx' }],
  networkConfiguration: {
    subnetId: `${SUB}/net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/batch`,
    endpointConfiguration: {
      inboundNATPools: [
        {
          name: 'ssh',
          protocol: 'tcp',
          backendPort: 2222,
          frontendPortRangeStart: 15000,
          frontendPortRangeEnd: 15099,
          networkSecurityGroupRules: [
            { priority: 150, access: 'allow', sourceAddressPrefix: '10.0.0.0/8', sourcePortRanges: ['*'] },
          ],
        },
      ],
    },
    publicIPAddressConfiguration: {
      provision: 'usermanaged',
      ipAddressIds: [`${SUB}/net/providers/Microsoft.Network/publicIPAddresses/ip1`],
      ipFamilies: ['IPv4'],
      ipTags: [{ ipTagType: 'FirstPartyUsage', tag: 'SQL' }],
    },
    dynamicVNetAssignmentScope: 'none',
    enableAcceleratedNetworking: true,
  },
  displayName: 'Render farm',
  enableInterNodeCommunication: false,
  containerConfiguration: {
    type: 'dockerCompatible',
    containerImageNames: ['myregistry.azurecr.io/render:2.1'],
    containerRegistries: [
      {
        registryServer: 'myregistry.azurecr.io',
        username: 'puller',
        passwordSecretRef: { name: 'registry', key: 'password' },
        identityReference: { resourceId: IDENTITY },
      },
    ],
  },
  dataDisks: [
    {
      lun: 0,
      diskSizeGB: 256,
      caching: 'readonly',
      managedDisk: {
        storageAccountType: 'premium_lrs',
        diskEncryptionSet: { id: `${SUB}/rg/providers/Microsoft.Compute/diskEncryptionSets/des` },
        securityProfile: { securityEncryptionType: 'VMGuestStateOnly' },
      },
    },
  ],
  diskEncryptionConfiguration: {
    targets: ['osdisk', 'temporarydisk'],
    customerManagedKey: {
      keyUrl: 'https://vault.vault.azure.net/keys/disk/0123456789abcdef',
      rotationToLatestKeyVersionEnabled: true,
      identityReference: { resourceId: IDENTITY },
    },
  },
  nodePlacementConfiguration: { policy: 'zonal' },
  extensions: [
    {
      name: 'monitor',
      publisher: 'Microsoft.Azure.Monitor',
      type: 'AzureMonitorLinuxAgent',
      typeHandlerVersion: '1.0',
      autoUpgradeMinorVersion: true,
      enableAutomaticUpgrade: true,
      settings: { workspace: 'w1' },
      protectedSettingsSecretRef: { name: 'monitor', key: 'protected.json' },
      provisionAfterExtensions: [],
    },
  ],
  osDisk: {
    ephemeralOSDiskSettings: { placement: 'cachedisk' },
    caching: 'readonly',
    diskSizeGB: 128,
    managedDisk: {
      storageAccountType: 'standardssd_lrs',
      diskEncryptionSet: { id: `${SUB}/rg/providers/Microsoft.Compute/diskEncryptionSets/des` },
      securityProfile: { securityEncryptionType: 'NonPersistedTPM' },
    },
    writeAcceleratorEnabled: false,
  },
  serviceArtifactReference: {
    id: `${GALLERY}/serviceArtifacts/render/vmArtifactsProfiles/default`,
  },
  licenseType: 'Windows_Server',
  windowsConfiguration: { enableAutomaticUpdates: false },
  applicationPackageReferences: [
    {
      applicationId: `${SUB}/rg/providers/Microsoft.Batch/batchAccounts/prodbatch/applications/blender`,
      version: '4.2',
    },
  ],
  taskSchedulingPolicy: { nodeFillType: 'pack', jobDefaultOrder: 'creationtime' },
  userAccounts: [
    {
      name: 'render',
      passwordSecretRef: { name: 'render-user', key: 'password' },
      elevationLevel: 'admin',
      linuxUserConfiguration: {
        uid: 1001,
        gid: 1001,
        sshPrivateKeySecretRef: { name: 'render-user', key: 'id_rsa' },
      },
      windowsUserConfiguration: { loginMode: 'interactive' },
    },
  ],
  mountConfiguration: [
    {
      azureBlobFileSystemConfiguration: {
        accountName: 'renderdata',
        containerName: 'scenes',
        accountKeySecretRef: { name: 'storage', key: 'accountKey' },
        sasKeySecretRef: { name: 'storage', key: 'sas' },
        identityReference: { resourceId: IDENTITY },
        blobfuseOptions: '-o attr_timeout=240',
        relativeMountPath: 'scenes',
      },
      nfsMountConfiguration: {
        source: '10.0.0.4:/exports/cache',
        relativeMountPath: 'cache',
        mountOptions: '-o ro',
      },
      cifsMountConfiguration: {
        username: 'render',
        passwordSecretRef: { name: 'storage', key: 'cifsPassword' },
        source: '//files/share',
        relativeMountPath: 'share',
        mountOptions: '-o vers=3.0',
      },
      azureFileShareConfiguration: {
        accountName: 'renderdata',
        azureFileUrl: 'https://renderdata.file.core.windows.net/assets',
        accountKeySecretRef: { name: 'storage', key: 'accountKey' },
        relativeMountPath: 'assets',
        mountOptions: '-o vers=3.0',
      },
    },
  ],
  upgradePolicy: {
    mode: 'rolling',
    automaticOSUpgradePolicy: {
      disableAutomaticRollback: true,
      enableAutomaticOSUpgrade: true,
      useRollingUpgradePolicy: true,
      osRollingUpgradeDeferral: true,
    },
    rollingUpgradePolicy: {
      enableCrossZoneUpgrade: true,
      maxBatchInstancePercent: 20,
      maxUnhealthyInstancePercent: 20,
      maxUnhealthyUpgradedInstancePercent: 20,
      pauseTimeBetweenBatches: 'PT5M',
      prioritizeUnhealthyInstances: true,
      rollbackFailedInstancesOnPolicyBreach: true,
    },
  },
  autoScale: { formula: '$TargetDedicatedNodes = 2;', evaluationInterval: 'PT15M' },
  updateStrategy: 'DrainAndUpdate',
  adoption: 'Adopt',
  readiness: { minUsablePercent: 95 },
  nodeRecovery: {
    mode: 'Reboot',
    maxActionsPerHour: 20,
    breaker: { failurePercent: 40, window: '30m', minNodes: 5 },
  },
  identity: {
    userAssignedIdentities: [
      '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pool-puller',
    ],
  },
};

/**
 * The full spec above sets fields that the schema's rules say are exclusive of each other, so it
 * can describe every field of the type; this is the same spec made valid for the apiserver.
 */
export function validFullPoolSpec(): BatchPool['spec'] {
  const spec = structuredClone(fullPoolSpec) as BatchPool['spec'];
  const file = spec.startTask?.resourceFiles?.[0];
  if (file) delete file.storageContainerUrl;
  if (file) delete file.autoStorageContainerName;
  if (file) delete file.blobPrefix;
  if (spec.startTask?.userIdentity) delete spec.startTask.userIdentity.userName;
  if (spec.startTask?.containerSettings?.registry)
    delete spec.startTask.containerSettings.registry.identityReference;
  for (const r of spec.containerConfiguration?.containerRegistries ?? []) delete r.identityReference;
  // A Linux node agent: the Windows-only settings go.
  delete spec.licenseType;
  delete spec.windowsConfiguration;
  for (const u of spec.userAccounts ?? []) delete u.windowsUserConfiguration;
  // One kind per mount, one way to authenticate a blob container.
  const [mount] = spec.mountConfiguration ?? [];
  if (mount) {
    const { azureBlobFileSystemConfiguration: blob, ...others } = mount;
    if (blob) {
      delete blob.sasKeySecretRef;
      delete blob.identityReference;
    }
    spec.mountConfiguration = [
      { azureBlobFileSystemConfiguration: blob! },
      ...Object.entries(others).map(([k, v]) => ({ [k]: v })),
    ];
  }
  // Fixed targets, not autoscale.
  delete spec.autoScale;
  delete spec.adoption;
  return spec;
}

export const fullPoolStatus: DeepRequired<NonNullable<BatchPool['status']>> = {
  observedGeneration: 1,
  poolId: 'full-pool',
  phase: 'Resizing',
  allocationState: 'resizing',
  currentDedicatedNodes: 7,
  currentLowPriorityNodes: 1,
  resize: {
    attempts: 3,
    lastIssuedAt: '2026-01-02T03:04:05Z',
    nextAttemptAt: '2026-01-02T03:09:05Z',
    failuresWithoutProgress: 1,
    lastIssuedFrom: { dedicated: 4, lowPriority: 0 },
    lastTarget: { dedicated: 10, lowPriority: 2 },
    lastError: {
      code: 'AllocationFailed',
      message: 'Please try resizing the pool again.',
      observedAt: '2026-01-02T03:05:00Z',
    },
  },
  rejected: {
    action: 'create',
    generation: 1,
    attempts: 2,
    since: '2026-01-02T02:00:00Z',
    nextAttemptAt: '2026-01-02T02:15:00Z',
    message:
      'InvalidPropertyValue: the value provided for one of the properties in the request body is invalid',
  },
  adoptedAt: '2026-01-01T00:00:00Z',
  nodes: {
    usable: 6,
    required: 10,
    dedicated: {
      total: 1,
      creating: 1,
      starting: 1,
      waitingForStartTask: 1,
      startTaskFailed: 1,
      idle: 1,
      running: 1,
      rebooting: 1,
      reimaging: 1,
      leavingPool: 1,
      offline: 1,
      preempted: 1,
      unusable: 1,
      unknown: 1,
      deallocating: 1,
      deallocated: 1,
      upgradingOS: 1,
    },
    lowPriority: {
      total: 1,
      creating: 1,
      starting: 1,
      waitingForStartTask: 1,
      startTaskFailed: 1,
      idle: 1,
      running: 1,
      rebooting: 1,
      reimaging: 1,
      leavingPool: 1,
      offline: 1,
      preempted: 1,
      unusable: 1,
      unknown: 1,
      deallocating: 1,
      deallocated: 1,
      upgradingOS: 1,
    },
    observedAt: '2026-01-02T03:05:00Z',
  },
  nodeRecovery: {
    hourStartedAt: '2026-01-02T03:00:00Z',
    actionsThisHour: 2,
    rebooted: [{ kind: 'reboot', nodeId: 'tvmps_1_d', at: '2026-01-02T03:01:00Z' }],
    removedTo: { dedicated: 9, lowPriority: 2 },
    countFrom: '2026-01-02T02:00:00Z',
    generation: 1,
    breaker: { openedAt: '2026-01-02T03:02:00Z', code: 'DiskFull', failing: 4, settled: 8 },
  },
  update: {
    fields: ['spec.image.id'],
    strategy: 'BlueGreen',
    state: 'Growing',
    since: '2026-01-02T03:00:00Z',
    blueGreen: {
      from: {
        poolId: 'full-pool',
        exists: true,
        currentDedicatedNodes: 10,
        currentLowPriorityNodes: 0,
        targetDedicatedNodes: 10,
        targetLowPriorityNodes: 0,
      },
      to: {
        poolId: 'full-pool-bg',
        exists: true,
        currentDedicatedNodes: 4,
        currentLowPriorityNodes: 0,
        targetDedicatedNodes: 10,
        targetLowPriorityNodes: 0,
      },
    },
  },
  image: {
    id: fullPoolSpec.image.id,
    exists: true,
    checkedAt: '2026-01-02T03:04:00Z',
    versionId: `${SUB}/rg/providers/Microsoft.Compute/galleries/g/images/ubuntu/versions/1.0.0`,
    provisioningState: 'Succeeded',
    region: 'westeurope',
    replication: 'Completed',
    endOfLifeDate: '2027-06-30T00:00:00Z',
    securityType: 'TrustedLaunch',
    osType: 'Linux',
    source: 'Managed',
  },
  nodeAgent: {
    skuId: 'batch.node.ubuntu 22.04',
    supported: true,
    endOfLife: '2027-06-30T00:00:00Z',
    checkedAt: '2026-01-02T03:04:00Z',
  },
  conditions: [
    {
      type: 'Ready',
      status: 'False',
      reason: 'Resizing',
      message: 'growing to 10 dedicated nodes',
      lastTransitionTime: '2026-01-02T03:04:05Z',
      observedGeneration: 1,
    },
  ],
};

export const fullAccountSpec: DeepRequired<BatchAccount['spec']> = {
  endpoint: 'https://prodbatch.westeurope.batch.azure.com',
  api: 'ResourceManager',
  resourceId:
    '/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/render-rg/providers/Microsoft.Batch/batchAccounts/prodbatch',
  location: 'westeurope',
  allowedNamespaces: ['vfx', 'genomics'],
  identity: {
    clientId: '00000000-0000-0000-0000-000000000000',
    tenantId: '11111111-1111-1111-1111-111111111111',
    secretRef: { name: 'render-farm-credentials', key: 'clientCertificate' },
  },
};

export const fullAccountStatus: DeepRequired<NonNullable<BatchAccount['status']>> = {
  observedGeneration: 1,
  conditions: [
    {
      type: 'Ready',
      status: 'True',
      reason: 'Reachable',
      message: 'the account answered',
      lastTransitionTime: '2026-01-02T03:04:05Z',
      observedGeneration: 1,
    },
  ],
};

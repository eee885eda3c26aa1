// A pool body that sets every 2025-06-01 BatchPoolCreateOptions property a Linux pool can have (autoscale
// apart), with a secret in every place Azure keeps one: shared by the property and the shape tests.
import { vmConfig } from './helpers.ts';

export const SUB = '00000000-0000-4000-8000-000000000003';
export const IDENTITY = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pool-id`;
export const SUBNET = `/subscriptions/${SUB}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/batch`;
export const APP = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Batch/batchAccounts/simbatch/applications/render`;

export type Body = Record<string, unknown>;

/** A Linux pool that sets every 2025-06-01 BatchPoolCreateOptions property it can (autoscale apart). */
export function fullPool(image: string, id = 'full'): Body {
  return {
    id,
    displayName: 'Render farm – west',
    vmSize: 'Standard_D4s_v5',
    virtualMachineConfiguration: {
      ...vmConfig(image),
      containerConfiguration: {
        type: 'dockerCompatible',
        containerImageNames: ['mcr.microsoft.com/azurelinux/base/core:3.0'],
        containerRegistries: [
          { registryServer: 'myregistry.azurecr.io', username: 'puller', password: 'registry-secret' },
          { registryServer: 'other.azurecr.io', identityReference: { resourceId: IDENTITY } },
        ],
      },
      dataDisks: [
        { lun: 0, diskSizeGB: 128, caching: 'readonly', managedDisk: { storageAccountType: 'premium_lrs' } },
        { lun: 1, diskSizeGB: 50 },
      ],
      diskEncryptionConfiguration: { targets: ['osdisk', 'temporarydisk'] },
      nodePlacementConfiguration: { policy: 'zonal' },
      extensions: [
        {
          name: 'kv',
          publisher: 'Microsoft.Azure.KeyVault',
          type: 'KeyVaultForLinux',
          typeHandlerVersion: '2.0',
          autoUpgradeMinorVersion: true,
          enableAutomaticUpgrade: true,
          settings: { secretsManagementSettingsKey: 'value' },
          protectedSettings: { token: 'extension-secret' },
        },
        {
          name: 'monitor',
          publisher: 'Microsoft.Azure.Monitor',
          type: 'AzureMonitorLinuxAgent',
          provisionAfterExtensions: ['kv'],
        },
      ],
      osDisk: {
        ephemeralOSDiskSettings: { placement: 'cachedisk' },
        caching: 'readonly',
        diskSizeGB: 64,
        managedDisk: { storageAccountType: 'standardssd_lrs' },
        writeAcceleratorEnabled: false,
      },
      securityProfile: { encryptionAtHost: true },
      serviceArtifactReference: {
        id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/serviceArtifacts/sa/vmArtifactsProfiles/p`,
      },
    },
    resizeTimeout: 'PT20M',
    targetDedicatedNodes: 2,
    targetLowPriorityNodes: 1,
    enableInterNodeCommunication: true,
    networkConfiguration: {
      subnetId: SUBNET,
      dynamicVNetAssignmentScope: 'none',
      endpointConfiguration: {
        inboundNATPools: [
          {
            name: 'ssh',
            protocol: 'tcp',
            backendPort: 22,
            frontendPortRangeStart: 15000,
            frontendPortRangeEnd: 15099,
            networkSecurityGroupRules: [
              { priority: 150, access: 'allow', sourceAddressPrefix: '10.0.0.0/24', sourcePortRanges: ['*'] },
              {
                priority: 3500,
                access: 'deny',
                sourceAddressPrefix: '*',
                sourcePortRanges: ['22', '100-200'],
              },
            ],
          },
        ],
      },
      publicIPAddressConfiguration: {
        provision: 'usermanaged',
        ipAddressIds: [
          `/subscriptions/${SUB}/resourceGroups/net/providers/Microsoft.Network/publicIPAddresses/ip1`,
        ],
      },
      enableAcceleratedNetworking: true,
    },
    startTask: {
      commandLine: "/bin/bash -c 'echo start'",
      containerSettings: {
        imageName: 'myregistry.azurecr.io/tools:1',
        containerRunOptions: '--rm',
        registry: {
          registryServer: 'myregistry.azurecr.io',
          username: 'puller',
          password: 'start-registry-secret',
        },
        workingDirectory: 'taskWorkingDirectory',
        containerHostBatchBindMounts: [{ source: 'Shared', isReadOnly: true }],
      },
      resourceFiles: [
        { autoStorageContainerName: 'inputs', blobPrefix: 'scenes/', filePath: 'scenes' },
        {
          storageContainerUrl: 'https://acct.blob.core.windows.net/tools?sv=x',
          identityReference: { resourceId: IDENTITY },
        },
        { httpUrl: 'https://example.com/setup.sh', filePath: 'setup.sh', fileMode: '0755' },
      ],
      environmentSettings: [{ name: 'MODE', value: 'render' }, { name: 'EMPTY' }],
      userIdentity: { username: 'render' },
      maxTaskRetryCount: 3,
      waitForSuccess: true,
    },
    applicationPackageReferences: [{ applicationId: APP, version: '1.2' }],
    taskSlotsPerNode: 4,
    taskSchedulingPolicy: { nodeFillType: 'pack' },
    userAccounts: [
      {
        name: 'render',
        password: 'user-secret',
        elevationLevel: 'admin',
        linuxUserConfiguration: { uid: 1500, gid: 1500, sshPrivateKey: 'ssh-secret' },
      },
      { name: 'reader', password: 'user-secret-2' },
    ],
    metadata: [{ name: 'owner', value: 'team-a' }],
    mountConfiguration: [
      {
        azureBlobFileSystemConfiguration: {
          accountName: 'acct',
          containerName: 'data',
          accountKey: 'blob-secret',
          blobfuseOptions: '-o attr_timeout=240',
          relativeMountPath: 'blob',
        },
      },
      {
        azureBlobFileSystemConfiguration: {
          accountName: 'acct',
          containerName: 'sas',
          sasKey: 'sas-secret',
          relativeMountPath: 'blob-sas',
        },
      },
      {
        azureBlobFileSystemConfiguration: {
          accountName: 'acct',
          containerName: 'mi',
          identityReference: { resourceId: IDENTITY },
          relativeMountPath: 'blob-mi',
        },
      },
      {
        nfsMountConfiguration: {
          source: '10.0.0.4:/export',
          relativeMountPath: 'nfs',
          mountOptions: '-o ro',
        },
      },
      {
        cifsMountConfiguration: {
          username: 'smbuser',
          password: 'cifs-secret',
          source: '//server/share',
          relativeMountPath: 'cifs',
          mountOptions: '-o vers=3.0',
        },
      },
      {
        azureFileShareConfiguration: {
          accountName: 'acct',
          accountKey: 'file-secret',
          azureFileUrl: 'https://acct.file.core.windows.net/share',
          relativeMountPath: 'files',
          mountOptions: '-o vers=3.0',
        },
      },
    ],
    upgradePolicy: {
      mode: 'rolling',
      automaticOSUpgradePolicy: { enableAutomaticOSUpgrade: true, disableAutomaticRollback: false },
      rollingUpgradePolicy: {
        maxBatchInstancePercent: 20,
        maxUnhealthyInstancePercent: 20,
        maxUnhealthyUpgradedInstancePercent: 20,
        pauseTimeBetweenBatches: 'PT0S',
        enableCrossZoneUpgrade: true,
        prioritizeUnhealthyInstances: false,
        rollbackFailedInstancesOnPolicyBreach: false,
      },
    },
  };
}

export const SECRETS = [
  'registry-secret',
  'start-registry-secret',
  'extension-secret',
  'user-secret',
  'user-secret-2',
  'ssh-secret',
  'blob-secret',
  'sas-secret',
  'cifs-secret',
  'file-secret',
];

// The 2025-06-01 pool settings against a real kube-apiserver: a BatchPool written before they existed is
// still accepted, stored unchanged and can still be changed (the additions are additive within v1alpha1);
// the spec with every field is accepted; and each rule the new fields bring is enforced, with a message that
// names the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, kubectlOk, uniqueNamespace } from '../support/kubectl.ts';
import { IMAGE_PREFIX, pool } from '../support/e2e/api-manifests.ts';
import { installCrds } from '../support/e2e/install.ts';
import { validFullPoolSpec } from '../unit/api/full-objects.ts';

/** Every field a BatchPool had before the 2025-06-01 settings, as such an object was written (in Git). */
const BEFORE = {
  accountRef: { name: 'prod-westeurope' },
  poolId: 'written-before',
  vmSize: 'Standard_D4s_v5',
  image: {
    id: `${IMAGE_PREFIX}/Microsoft.Compute/galleries/g/images/ubuntu/versions/1.4.0`,
  },
  nodeAgentSkuId: 'batch.node.ubuntu 22.04',
  securityProfile: {
    securityType: 'trustedLaunch',
    encryptionAtHost: true,
    uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
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
        filePath: 'setup.sh',
        fileMode: '0755',
      },
      { storageContainerUrl: 'https://example.blob.core.windows.net/tools' },
    ],
    maxTaskRetryCount: 3,
    waitForSuccess: true,
    userIdentity: { userName: 'render' },
  },
  metadata: [{ name: 'team', value: 'vfx' }],
  networkConfiguration: {
    subnetId: `${IMAGE_PREFIX}/Microsoft.Network/virtualNetworks/vnet/subnets/batch`,
    endpointConfiguration: {
      inboundNATPools: [
        {
          name: 'ssh',
          protocol: 'tcp',
          backendPort: 2222,
          frontendPortRangeStart: 15000,
          frontendPortRangeEnd: 15099,
        },
      ],
    },
  },
  updateStrategy: 'DrainAndUpdate',
  adoption: 'Adopt',
};

const ref = (name: string, key: string) => ({ name, key });
const IDENTITY = `${IMAGE_PREFIX}/Microsoft.ManagedIdentity/userAssignedIdentities/pool-id`;
const nfs = (path: string) => ({ nfsMountConfiguration: { source: '10.0.0.4:/x', relativeMountPath: path } });

interface Rejection {
  name: string;
  spec: Record<string, unknown>;
  expect: string[];
}

const rejections: Rejection[] = [
  {
    name: 'a mount with two kinds',
    spec: {
      mountConfiguration: [
        {
          ...nfs('a'),
          cifsMountConfiguration: {
            username: 'u',
            passwordSecretRef: ref('s', 'k'),
            source: '//f/s',
            relativeMountPath: 'b',
          },
        },
      ],
    },
    expect: ['spec.mountConfiguration[0]', 'set exactly one of azureBlobFileSystemConfiguration'],
  },
  {
    name: 'a mount with no kind',
    spec: { mountConfiguration: [{}] },
    expect: ['spec.mountConfiguration[0]', 'set exactly one of'],
  },
  {
    name: 'two mounts on the same path',
    spec: { mountConfiguration: [nfs('data'), nfs('data')] },
    expect: ['spec.mountConfiguration', 'each relativeMountPath may be used only once'],
  },
  {
    name: 'a blob container with a key and a SAS',
    spec: {
      mountConfiguration: [
        {
          azureBlobFileSystemConfiguration: {
            accountName: 'a',
            containerName: 'c',
            relativeMountPath: 'p',
            accountKeySecretRef: ref('s', 'k'),
            sasKeySecretRef: ref('s', 'sas'),
          },
        },
      ],
    },
    expect: [
      'azureBlobFileSystemConfiguration: set exactly one of accountKeySecretRef, sasKeySecretRef and identityReference',
    ],
  },
  {
    name: 'a user account without a password',
    spec: { userAccounts: [{ name: 'render' }] },
    expect: ['spec.userAccounts[0].passwordSecretRef', 'Required value'],
  },
  {
    name: 'a user name longer than 20',
    spec: { userAccounts: [{ name: 'x'.repeat(21), passwordSecretRef: ref('s', 'k') }] },
    expect: ['spec.userAccounts[0].name', 'may not be more than 20'],
  },
  {
    name: 'two user accounts with one name',
    spec: {
      userAccounts: [
        { name: 'u', passwordSecretRef: ref('s', 'a') },
        { name: 'u', passwordSecretRef: ref('s', 'b') },
      ],
    },
    expect: ['spec.userAccounts[1]', 'Duplicate value'],
  },
  {
    name: 'a uid without a gid',
    spec: {
      userAccounts: [{ name: 'u', passwordSecretRef: ref('s', 'k'), linuxUserConfiguration: { uid: 1000 } }],
    },
    expect: ['spec.userAccounts[].linuxUserConfiguration: uid and gid must be set together'],
  },
  {
    name: 'a Secret reference to a name that is no Secret name',
    spec: { userAccounts: [{ name: 'u', passwordSecretRef: ref('Not_A_Name', 'k') }] },
    expect: ['spec.userAccounts[0].passwordSecretRef.name'],
  },
  {
    name: 'a registry with a user but no password',
    spec: {
      containerConfiguration: {
        type: 'dockerCompatible',
        containerRegistries: [{ registryServer: 'r.io', username: 'u' }],
      },
    },
    expect: ['spec.containerConfiguration.containerRegistries[]: username and passwordSecretRef go together'],
  },
  {
    name: 'a registry with a password and an identity',
    spec: {
      containerConfiguration: {
        type: 'dockerCompatible',
        containerRegistries: [
          {
            registryServer: 'r.io',
            username: 'u',
            passwordSecretRef: ref('s', 'k'),
            identityReference: { resourceId: IDENTITY },
          },
        ],
      },
    },
    expect: ['set username/passwordSecretRef or identityReference, not both'],
  },
  {
    name: 'one registry twice',
    spec: {
      containerConfiguration: {
        type: 'criCompatible',
        containerRegistries: [{ registryServer: 'r.io' }, { registryServer: 'r.io' }],
      },
    },
    expect: ['spec.containerConfiguration.containerRegistries: each registryServer may appear only once'],
  },
  {
    name: 'an unknown container type',
    spec: { containerConfiguration: { type: 'podman' } },
    expect: ['spec.containerConfiguration.type', 'Unsupported value'],
  },
  {
    name: 'an identity that is not a user-assigned identity',
    spec: {
      containerConfiguration: {
        type: 'dockerCompatible',
        containerRegistries: [{ identityReference: { resourceId: '/x' } }],
      },
    },
    expect: ['identityReference.resourceId must be a user-assigned identity ID'],
  },
  {
    name: 'two data disks on one LUN',
    spec: {
      dataDisks: [
        { lun: 1, diskSizeGB: 10 },
        { lun: 1, diskSizeGB: 20 },
      ],
    },
    expect: ['spec.dataDisks[1]', 'Duplicate value'],
  },
  {
    name: 'a LUN above 63',
    spec: { dataDisks: [{ lun: 64, diskSizeGB: 10 }] },
    expect: ['spec.dataDisks[0].lun', 'should be less than or equal to 63'],
  },
  {
    name: 'a customer-managed key without the OS disk among the targets',
    spec: {
      diskEncryptionConfiguration: {
        targets: ['temporarydisk'],
        customerManagedKey: { keyUrl: 'https://v.vault.azure.net/keys/k/1' },
      },
    },
    expect: ['spec.diskEncryptionConfiguration.customerManagedKey needs osdisk'],
  },
  {
    name: 'a key URL without a version',
    spec: {
      diskEncryptionConfiguration: {
        targets: ['osdisk'],
        customerManagedKey: { keyUrl: 'https://v.vault.azure.net/keys/k' },
      },
    },
    expect: ['spec.diskEncryptionConfiguration.customerManagedKey.keyUrl must be a versioned key URL'],
  },
  {
    name: 'an extension provisioned after itself',
    spec: { extensions: [{ name: 'e', publisher: 'p', type: 't', provisionAfterExtensions: ['e'] }] },
    expect: ['spec.extensions[].provisionAfterExtensions must not name the extension itself'],
  },
  {
    name: 'a licence type on a Linux pool',
    spec: { licenseType: 'Windows_Server' },
    expect: ['spec.licenseType and spec.windowsConfiguration are for Windows pools'],
  },
  {
    name: 'a rolling upgrade without its policy',
    spec: { upgradePolicy: { mode: 'rolling' } },
    expect: ['spec.upgradePolicy.rollingUpgradePolicy is required when spec.upgradePolicy.mode is rolling'],
  },
  {
    name: 'a cross-zone upgrade on a regional pool',
    spec: { upgradePolicy: { mode: 'rolling', rollingUpgradePolicy: { enableCrossZoneUpgrade: true } } },
    expect: ['enableCrossZoneUpgrade needs spec.nodePlacementConfiguration.policy zonal'],
  },
  {
    name: 'a batch larger than the unhealthy limit',
    spec: {
      upgradePolicy: {
        mode: 'rolling',
        rollingUpgradePolicy: { maxBatchInstancePercent: 50, maxUnhealthyInstancePercent: 20 },
      },
    },
    expect: ['maxBatchInstancePercent must not exceed maxUnhealthyInstancePercent'],
  },
  {
    name: 'NAT pools without public IP addresses',
    spec: {
      networkConfiguration: {
        publicIPAddressConfiguration: { provision: 'nopublicipaddresses' },
        endpointConfiguration: {
          inboundNATPools: [
            {
              name: 'ssh',
              protocol: 'tcp',
              backendPort: 2222,
              frontendPortRangeStart: 15000,
              frontendPortRangeEnd: 15099,
            },
          ],
        },
      },
    },
    expect: [
      'spec.networkConfiguration.endpointConfiguration cannot be set with publicIPAddressConfiguration.provision nopublicipaddresses',
    ],
  },
  {
    name: 'public IPs without usermanaged',
    spec: {
      networkConfiguration: {
        publicIPAddressConfiguration: {
          ipAddressIds: [`${IMAGE_PREFIX}/Microsoft.Network/publicIPAddresses/ip`],
        },
      },
    },
    expect: ['ipAddressIds needs provision usermanaged'],
  },
  {
    name: 'two NSG rules with one priority in different NAT pools',
    spec: {
      networkConfiguration: {
        endpointConfiguration: {
          inboundNATPools: [
            {
              name: 'a',
              protocol: 'tcp',
              backendPort: 2222,
              frontendPortRangeStart: 15000,
              frontendPortRangeEnd: 15099,
              networkSecurityGroupRules: [{ priority: 150, access: 'allow', sourceAddressPrefix: '*' }],
            },
            {
              name: 'b',
              protocol: 'tcp',
              backendPort: 2223,
              frontendPortRangeStart: 16000,
              frontendPortRangeEnd: 16099,
              networkSecurityGroupRules: [{ priority: 150, access: 'deny', sourceAddressPrefix: '*' }],
            },
          ],
        },
      },
    },
    expect: ['networkSecurityGroupRules: priorities must be unique across the pool'],
  },
  {
    name: 'an NSG priority below 150',
    spec: {
      networkConfiguration: {
        endpointConfiguration: {
          inboundNATPools: [
            {
              name: 'a',
              protocol: 'tcp',
              backendPort: 2222,
              frontendPortRangeStart: 15000,
              frontendPortRangeEnd: 15099,
              networkSecurityGroupRules: [{ priority: 100, access: 'allow', sourceAddressPrefix: '*' }],
            },
          ],
        },
      },
    },
    expect: ['priority', 'should be greater than or equal to 150'],
  },
  {
    name: 'a resource file with a URL and an auto-storage container',
    spec: {
      startTask: {
        commandLine: 'x',
        resourceFiles: [{ httpUrl: 'https://x/y', filePath: 'y', autoStorageContainerName: 'c' }],
      },
    },
    expect: [
      'spec.startTask.resourceFiles[]: set exactly one of httpUrl, storageContainerUrl and autoStorageContainerName',
    ],
  },
  {
    name: 'a blob prefix with a URL',
    spec: {
      startTask: {
        commandLine: 'x',
        resourceFiles: [{ httpUrl: 'https://x/y', filePath: 'y', blobPrefix: 'p' }],
      },
    },
    expect: ['blobPrefix goes with storageContainerUrl or autoStorageContainerName, not httpUrl'],
  },
  {
    name: 'a start task in a container on a pool without containers',
    spec: { startTask: { commandLine: 'x', containerSettings: { imageName: 'i' } } },
    expect: ['spec.startTask.containerSettings needs spec.containerConfiguration'],
  },
  {
    name: 'autoscale with a dedicated target',
    spec: { autoScale: { formula: '$TargetDedicatedNodes = 1;' } },
    expect: ['spec.autoScale: the formula sizes the pool, so spec.targetDedicatedNodes must be left out'],
  },
  {
    name: 'an autoscale interval under 5 minutes',
    spec: { targetDedicatedNodes: undefined, autoScale: { formula: 'f', evaluationInterval: 'PT1M' } },
    expect: ['spec.autoScale.evaluationInterval must be at least 5 minutes'],
  },
  {
    name: 'an autoscale interval over 168 hours',
    spec: { targetDedicatedNodes: undefined, autoScale: { formula: 'f', evaluationInterval: 'P8D' } },
    expect: ['spec.autoScale.evaluationInterval must be at most 168 hours'],
  },
  {
    name: 'an application that is not a Batch application ID',
    spec: { applicationPackageReferences: [{ applicationId: 'blender' }] },
    expect: ['spec.applicationPackageReferences[].applicationId must be an application ID'],
  },
  {
    name: 'more than 10 application packages',
    spec: {
      applicationPackageReferences: Array.from({ length: 11 }, (_, i) => ({
        applicationId: `${IMAGE_PREFIX}/Microsoft.Batch/batchAccounts/a/applications/app${i}`,
      })),
    },
    expect: ['spec.applicationPackageReferences', 'must have at most 10 items'],
  },
  {
    name: 'a service artifact ID of something else',
    spec: { serviceArtifactReference: { id: `${IMAGE_PREFIX}/Microsoft.Compute/galleries/g` } },
    expect: ['spec.serviceArtifactReference.id must be a service artifact ID'],
  },
];

describe('the 2025-06-01 pool settings in the CRD', () => {
  let ns: string;

  beforeAll(async () => {
    await installCrds();
    ns = await uniqueNamespace('api-settings');
  });

  afterAll(async () => {
    await kubectl(['delete', 'namespace', ns, '--wait=false']);
  });

  it('keep a BatchPool written before them: stored unchanged, and it can still be changed', async () => {
    const before = pool('written-before', BEFORE);
    await kubectlOk(['apply', '--server-side', '-n', ns, '-f', '-'], { input: JSON.stringify(before) });
    const stored = JSON.parse(
      await kubectlOk(['get', 'bp', 'written-before', '-n', ns, '-o', 'jsonpath={.spec}']),
    );
    expect(stored).toEqual(BEFORE);
    const changed = { ...BEFORE, targetDedicatedNodes: 12, vmSize: 'Standard_D8s_v5' };
    await kubectlOk(['apply', '--server-side', '-n', ns, '-f', '-'], {
      input: JSON.stringify(pool('written-before', changed)),
    });
    const after = JSON.parse(
      await kubectlOk(['get', 'bp', 'written-before', '-n', ns, '-o', 'jsonpath={.spec}']),
    );
    expect(after).toEqual(changed);
  });

  it('accept the spec that uses every field, and keep the free-form extension settings', async () => {
    const spec = { ...validFullPoolSpec(), poolId: 'every-field' };
    await kubectlOk(['create', '-n', ns, '-f', '-'], {
      input: JSON.stringify({ ...pool('every-field'), spec }),
    });
    const stored = JSON.parse(
      await kubectlOk(['get', 'bp', 'every-field', '-n', ns, '-o', 'jsonpath={.spec}']),
    );
    expect(stored).toEqual(spec);
  });

  it('accept an autoscaled pool without targets, and turning autoscale off for targets', async () => {
    const spec = {
      ...(pool('autoscaled').spec as object),
      autoScale: { formula: '$TargetDedicatedNodes = 2;', evaluationInterval: 'P7D' },
    };
    delete (spec as { targetDedicatedNodes?: number }).targetDedicatedNodes;
    await kubectlOk(['create', '-n', ns, '-f', '-'], {
      input: JSON.stringify({ ...pool('autoscaled'), spec }),
    });
    await kubectlOk([
      'patch',
      'bp',
      'autoscaled',
      '-n',
      ns,
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { autoScale: null, targetDedicatedNodes: 3 } }),
    ]);
  });

  it.each(rejections)('reject $name, naming the field', async ({ spec, expect: fragments }) => {
    const m = pool('bad', spec) as { spec: Record<string, unknown> };
    for (const [k, v] of Object.entries(m.spec)) if (v === undefined) delete m.spec[k];
    const r = await kubectl(['create', '--dry-run=server', '-n', ns, '-f', '-'], {
      input: JSON.stringify(m),
    });
    expect(r.code, r.stdout).not.toBe(0);
    const message = r.stderr.trim();
    expect(message).toMatch(/is invalid/);
    for (const f of fragments) expect(message).toContain(f);
  });
});

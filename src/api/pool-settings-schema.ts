// The pool-create settings of api-version 2025-06-01 beyond the original pass-through ones (startTask,
// metadata, networkConfiguration, securityProfile stay in schema.ts): every field of BatchPoolCreateOptions and
// its VirtualMachineConfiguration that a custom-image VM pool can use, under Azure's own names, so that the
// Terraform / ARM / REST mapping is obvious (docs/api.md has the table). They sit flat in spec, beside vmSize
// and image, as the 2025-06-01 model puts most of them one level down in virtualMachineConfiguration; the
// mapping (src/azure/batch/mapping.ts) puts each where the wire wants it.
//
// Secrets never sit in a BatchPool: every password, key or protected setting is a `...SecretRef` ({name, key})
// to a Secret in the BatchPool's namespace, read by the operator when it writes the pool (see docs/api.md,
// "Secrets"). Azure never returns them on a GET, so they are never compared.
//
// Every field here is one Azure changes only while the pool has no nodes (BatchPoolUpdateOptions: "This field
// can be updated only when the pool is empty"), except applicationPackageReferences, which it changes in place;
// none is immutable, so spec.updateStrategy decides how a change reaches a pool with nodes.

import type { ValidationRule } from './openapi.ts';
import { bool, int, list, obj, str } from './openapi.ts';

const ARM_ID = '^/(?i:subscriptions)/[^/]+/(?i:resourceGroups)/[^/]+/(?i:providers)/[^/]+/.+$';
/** A user-assigned identity: .../providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}. */
export const IDENTITY_ID_REGEX =
  '^/(?i:subscriptions)/[^/]+/(?i:resourceGroups)/[^/]+/(?i:providers)/(?i:Microsoft[.]ManagedIdentity)/(?i:userAssignedIdentities)/[^/]+$';
const ISO_DURATION = '^P([0-9]{1,3}D)?(T([0-9]{1,6}H)?([0-9]{1,6}M)?([0-9]{1,6}S)?)?$';

function armId(field: string, what: string, regex = ARM_ID): ValidationRule {
  return { rule: `self.matches('${regex}')`, message: `${field} must be ${what}` };
}

// ---------------------------------------------------------------- shared pieces

/** A key of a Secret in the BatchPool's namespace; the operator reads it when it writes the pool. */
export function secretRef(what: string) {
  return obj(
    `${what} The value is read from one key of a Secret in this BatchPool's namespace when the operator ` +
      'creates or changes the pool; it never appears in the BatchPool, its status, events or logs. The operator ' +
      'must be allowed to get that Secret (see deploy/examples/pool-secrets-rbac.yaml). Azure never returns ' +
      'it, so a new value in the Secret is not noticed: change the reference (e.g. a new key) to send it.',
    {
      name: str('Name of the Secret, in the same namespace as the BatchPool.', {
        minLength: 1,
        maxLength: 253,
        pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
      }),
      key: str('The key within the Secret whose value is used.', {
        minLength: 1,
        maxLength: 253,
        pattern: '^[-._a-zA-Z0-9]+$',
      }),
    },
    { required: ['name', 'key'] },
  );
}

/** A user-assigned identity of the pool, which the nodes use instead of a key or password. */
export function identityReference(field: string, use: string) {
  return obj(
    `The user-assigned managed identity the nodes use ${use}. It must be one of the pool's identities, which ` +
      'only the management plane can give a pool (see docs/api.md, "Pool identity").',
    {
      resourceId: str(
        'ARM resource ID of the identity: /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}.',
        {
          maxLength: 1024,
          'x-kubernetes-validations': [
            armId(
              `${field}.resourceId`,
              'a user-assigned identity ID: /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}',
              IDENTITY_ID_REGEX,
            ),
          ],
        },
      ),
    },
    { required: ['resourceId'] },
  );
}

/** A private container registry (pool container configuration, start task container settings). */
export function containerRegistry(field: string) {
  return obj(
    'A private container registry and how to log in to it: username with passwordSecretRef, or ' +
      'identityReference (Azure Container Registry), or neither for a public registry.',
    {
      registryServer: str('The registry host, e.g. myregistry.azurecr.io. Default docker.io.', {
        minLength: 1,
        maxLength: 512,
      }),
      username: str('The user name to log in with.', { minLength: 1, maxLength: 256 }),
      passwordSecretRef: secretRef('The password to log in with.'),
      identityReference: identityReference(
        `${field}.identityReference`,
        'to pull from an Azure Container Registry',
      ),
    },
    {
      'x-kubernetes-validations': [
        {
          rule: 'has(self.username) == has(self.passwordSecretRef)',
          message: `${field}: username and passwordSecretRef go together`,
        },
        {
          rule: '!(has(self.identityReference) && has(self.username))',
          message: `${field}: set username/passwordSecretRef or identityReference, not both`,
        },
      ],
    },
  );
}

const managedDisk = (field: string) =>
  obj(`The managed disk of ${field.endsWith('osDisk.managedDisk') ? 'the OS' : 'each data'} disk.`, {
    storageAccountType: str('standard_lrs, premium_lrs or standardssd_lrs.', {
      enum: ['standard_lrs', 'premium_lrs', 'standardssd_lrs'],
    }),
    diskEncryptionSet: obj(
      'A customer-managed disk encryption set (Batch accounts in UserSubscription mode only).',
      {
        id: str('ARM resource ID of the disk encryption set, in the subscription of the Batch account.', {
          maxLength: 1024,
          'x-kubernetes-validations': [
            armId(
              `${field}.diskEncryptionSet.id`,
              'a disk encryption set ID: /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/diskEncryptionSets/{name}',
            ),
          ],
        }),
      },
      { required: ['id'] },
    ),
    securityProfile: obj('Disk security of confidential VMs (required for them, refused otherwise).', {
      securityEncryptionType: str('DiskWithVMGuestState, NonPersistedTPM or VMGuestStateOnly.', {
        enum: ['DiskWithVMGuestState', 'NonPersistedTPM', 'VMGuestStateOnly'],
      }),
    }),
  });

const CACHING = ['none', 'readonly', 'readwrite'];

// ---------------------------------------------------------------- virtualMachineConfiguration

export const containerConfiguration = obj(
  'Prepare every node to run tasks in containers (virtualMachineConfiguration.containerConfiguration). ' +
    'Tasks on such a pool then say which container they run in. Azure changes it only on an empty pool: ' +
    'see spec.updateStrategy.',
  {
    type: str('The container technology: dockerCompatible (Moby) or criCompatible (containerd).', {
      enum: ['dockerCompatible', 'criCompatible'],
    }),
    containerImageNames: list(
      'Images to pull onto every node when it joins, full references as `docker pull` takes them.',
      str('One image reference, e.g. myregistry.azurecr.io/render:2.1.', { minLength: 1, maxLength: 1024 }),
      { maxItems: 64, 'x-kubernetes-list-type': 'set' },
    ),
    containerRegistries: list(
      'Private registries the images come from.',
      containerRegistry('spec.containerConfiguration.containerRegistries[]'),
      {
        maxItems: 16,
        'x-kubernetes-list-type': 'atomic',
        'x-kubernetes-validations': [
          {
            rule: "self.all(a, self.exists_one(b, (has(b.registryServer) ? b.registryServer : 'docker.io') == (has(a.registryServer) ? a.registryServer : 'docker.io')))",
            message:
              'spec.containerConfiguration.containerRegistries: each registryServer may appear only once',
          },
        ],
      },
    ),
  },
  { required: ['type'] },
);

export const dataDisks = list(
  'Empty data disks attached to every node (virtualMachineConfiguration.dataDisks); the nodes must mount and ' +
    'format them. Each node gets its own disks, deleted with it. Azure changes them only on an empty pool.',
  obj(
    'One data disk.',
    {
      lun: int('The logical unit number, 0..63, unique among the disks.', { minimum: 0, maximum: 63 }),
      diskSizeGB: int('Size in GiB.', { minimum: 1, maximum: 32767 }),
      caching: str('Host caching: none, readonly or readwrite (Azure default readwrite).', { enum: CACHING }),
      managedDisk: managedDisk('spec.dataDisks[].managedDisk'),
    },
    { required: ['lun', 'diskSizeGB'] },
  ),
  { maxItems: 64, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['lun'] },
);

export const diskEncryptionConfiguration = obj(
  'Disks Azure Batch encrypts on every node during provisioning (virtualMachineConfiguration.' +
    'diskEncryptionConfiguration). Azure documents that it is not supported on Linux pools from Azure Compute ' +
    'Gallery images. Azure changes it only on an empty pool.',
  {
    targets: list(
      'The disks to encrypt: osdisk, temporarydisk.',
      str('osdisk or temporarydisk.', { enum: ['osdisk', 'temporarydisk'] }),
      { maxItems: 2, 'x-kubernetes-list-type': 'set' },
    ),
    customerManagedKey: obj(
      'Encrypt the OS disk with a customer-managed key in Key Vault (needs a pool identity, and osdisk among targets).',
      {
        keyUrl: str('Fully versioned URL of the key in Key Vault (the version segment is required).', {
          maxLength: 2048,
          'x-kubernetes-validations': [
            {
              rule: "self.startsWith('https://') && self.matches('/keys/[^/]+/[^/]+$')",
              message:
                'spec.diskEncryptionConfiguration.customerManagedKey.keyUrl must be a versioned key URL: https://{vault}.vault.azure.net/keys/{name}/{version}',
            },
          ],
        }),
        rotationToLatestKeyVersionEnabled: bool(
          'Move to the newest key version automatically. Default false.',
        ),
        identityReference: identityReference(
          'spec.diskEncryptionConfiguration.customerManagedKey.identityReference',
          'to read the key from Key Vault',
        ),
      },
      { required: ['keyUrl'] },
    ),
  },
  {
    'x-kubernetes-validations': [
      {
        rule: "!has(self.customerManagedKey) || (has(self.targets) && 'osdisk' in self.targets)",
        message:
          'spec.diskEncryptionConfiguration.customerManagedKey needs osdisk among spec.diskEncryptionConfiguration.targets',
        fieldPath: '.customerManagedKey',
      },
    ],
  },
);

export const nodePlacementConfiguration = obj(
  'How nodes are placed physically (virtualMachineConfiguration.nodePlacementConfiguration). Azure changes it ' +
    'only on an empty pool.',
  {
    policy: str(
      'regional (all nodes in the region; the Azure default) or zonal (spread across availability zones).',
      { enum: ['regional', 'zonal'] },
    ),
  },
);

export const extensions = list(
  'Virtual machine extensions installed on every node (virtualMachineConfiguration.extensions). Azure changes ' +
    'them only on an empty pool.',
  obj(
    'One VM extension.',
    {
      name: str('A name for the extension, unique within the pool.', { minLength: 1, maxLength: 256 }),
      publisher: str('The publisher of the extension handler, e.g. Microsoft.Azure.Monitor.', {
        minLength: 1,
        maxLength: 256,
      }),
      type: str('The type of the extension, e.g. AzureMonitorLinuxAgent.', { minLength: 1, maxLength: 256 }),
      typeHandlerVersion: str('The version of the extension handler, e.g. 1.0.', { maxLength: 64 }),
      autoUpgradeMinorVersion: bool('Use a newer minor version when one is available at deployment time.'),
      enableAutomaticUpgrade: bool(
        'Let the platform upgrade the extension when a newer version is published.',
      ),
      settings: obj(
        'Public settings of the extension, a JSON object passed to it as written here.',
        {},
        { 'x-kubernetes-preserve-unknown-fields': true },
      ),
      protectedSettingsSecretRef: secretRef(
        'Protected settings of the extension: the key must hold a JSON object of string values, sent to Azure as protectedSettings.',
      ),
      provisionAfterExtensions: list(
        'Names of extensions (of this list) to provision before this one.',
        str('An extension name.', { maxLength: 256 }),
        { maxItems: 16, 'x-kubernetes-list-type': 'set' },
      ),
    },
    {
      required: ['name', 'publisher', 'type'],
      'x-kubernetes-validations': [
        {
          rule: '!has(self.provisionAfterExtensions) || !(self.name in self.provisionAfterExtensions)',
          message: 'spec.extensions[].provisionAfterExtensions must not name the extension itself',
        },
      ],
    },
  ),
  { maxItems: 16, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
);

export const osDisk = obj(
  'The OS disk of every node (virtualMachineConfiguration.osDisk). Azure changes it only on an empty pool.',
  {
    ephemeralOSDiskSettings: obj('Put the OS disk on local VM storage (ephemeral), e.g. the cache disk.', {
      placement: str('Where the ephemeral OS disk goes: cachedisk.', { enum: ['cachedisk'] }),
    }),
    caching: str('Host caching: none, readonly or readwrite.', { enum: CACHING }),
    diskSizeGB: int('Size of the OS disk in GiB, when larger than the image.', { minimum: 1, maximum: 4095 }),
    managedDisk: managedDisk('spec.osDisk.managedDisk'),
    writeAcceleratorEnabled: bool('Enable Write Accelerator (M-series VM sizes with premium storage).'),
  },
);

export const serviceArtifactReference = obj(
  'Keep every node on the same image version when the image is a gallery image definition (latest version) ' +
    '(virtualMachineConfiguration.serviceArtifactReference). Azure changes it only on an empty pool.',
  {
    id: str(
      'ARM resource ID: /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{gallery}/serviceArtifacts/{name}/vmArtifactsProfiles/{profile}.',
      {
        maxLength: 1024,
        'x-kubernetes-validations': [
          armId(
            'spec.serviceArtifactReference.id',
            'a service artifact ID: /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{gallery}/serviceArtifacts/{name}/vmArtifactsProfiles/{profile}',
            '^/(?i:subscriptions)/[^/]+/(?i:resourceGroups)/[^/]+/(?i:providers)/(?i:Microsoft[.]Compute)/(?i:galleries)/[^/]+/(?i:serviceArtifacts)/[^/]+/(?i:vmArtifactsProfiles)/[^/]+$',
          ),
        ],
      },
    ),
  },
  { required: ['id'] },
);

export const licenseType = str(
  'Windows only, and only with valid on-premises licences (Azure Hybrid Benefit): Windows_Server or ' +
    'Windows_Client (virtualMachineConfiguration.licenseType). Azure changes it only on an empty pool.',
  { enum: ['Windows_Server', 'Windows_Client'] },
);

export const windowsConfiguration = obj(
  'Windows settings of the nodes; not for Linux images (virtualMachineConfiguration.windowsConfiguration). ' +
    'Azure changes it only on an empty pool.',
  { enableAutomaticUpdates: bool('Let Windows Update install updates on the nodes. Azure default true.') },
);

// ---------------------------------------------------------------- pool level

export const applicationPackageReferences = list(
  'Batch application packages installed on every node, at most 10. Azure changes them on a pool with nodes ' +
    '(new nodes get them; existing nodes when they reboot or are reimaged), and the operator applies a change ' +
    'in place.',
  obj(
    'One application package.',
    {
      applicationId: str(
        'The application: /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Batch/batchAccounts/{account}/applications/{name}.',
        {
          maxLength: 1024,
          'x-kubernetes-validations': [
            armId(
              'spec.applicationPackageReferences[].applicationId',
              'an application ID: /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Batch/batchAccounts/{account}/applications/{name}',
              '^/(?i:subscriptions)/[^/]+/(?i:resourceGroups)/[^/]+/(?i:providers)/(?i:Microsoft[.]Batch)/(?i:batchAccounts)/[^/]+/(?i:applications)/[^/]+$',
            ),
          ],
        },
      ),
      version: str('The package version; absent: the application’s default version.', { maxLength: 64 }),
    },
    { required: ['applicationId'] },
  ),
  { maxItems: 10, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['applicationId'] },
);

export const taskSchedulingPolicy = obj(
  'How tasks are spread over the nodes. Azure changes it only on an empty pool.',
  {
    nodeFillType: str('spread (the Azure default: tasks spread evenly) or pack (fill each node first).', {
      enum: ['spread', 'pack'],
    }),
    jobDefaultOrder: str(
      'Order of tasks of different jobs with the same priority: none (the Azure default) or creationtime.',
      { enum: ['none', 'creationtime'] },
    ),
  },
  { required: ['nodeFillType'] },
);

export const userAccounts = list(
  'User accounts created on every node, for tasks to run as (startTask.userIdentity.userName names one). ' +
    'Azure changes them only on an empty pool.',
  obj(
    'One user account.',
    {
      name: str('The user name, at most 20 characters, unique within the pool.', {
        minLength: 1,
        maxLength: 20,
      }),
      passwordSecretRef: secretRef('The password of the account.'),
      elevationLevel: str('nonadmin (the Azure default) or admin.', { enum: ['nonadmin', 'admin'] }),
      linuxUserConfiguration: obj(
        'Linux options (ignored on Windows).',
        {
          uid: int('The user ID; set with gid.', { minimum: 0, maximum: 2147483647 }),
          gid: int('The group ID; set with uid.', { minimum: 0, maximum: 2147483647 }),
          sshPrivateKeySecretRef: secretRef(
            'An SSH private key (not password protected) for key-based SSH between the nodes when ' +
              'spec.enableInterNodeCommunication is true.',
          ),
        },
        {
          'x-kubernetes-validations': [
            {
              rule: 'has(self.uid) == has(self.gid)',
              message: 'spec.userAccounts[].linuxUserConfiguration: uid and gid must be set together',
            },
          ],
        },
      ),
      windowsUserConfiguration: obj('Windows options.', {
        loginMode: str('batch (the Azure default) or interactive.', { enum: ['batch', 'interactive'] }),
      }),
    },
    { required: ['name', 'passwordSecretRef'] },
  ),
  { maxItems: 32, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
);

const relativeMountPath = str(
  'Where the file system is mounted on the node, relative to the Batch mounts directory ($AZ_BATCH_NODE_MOUNTS_DIR).',
  { minLength: 1, maxLength: 256 },
);
const mountOptions = str("Extra options of the mount command ('mount' on Linux, 'net use' on Windows).", {
  maxLength: 1024,
});

export const mountConfiguration = list(
  'File systems mounted on every node for the life of the pool. Each entry sets exactly one kind. Azure ' +
    'changes them only on an empty pool.',
  obj(
    'One file system to mount: set exactly one of azureBlobFileSystemConfiguration, nfsMountConfiguration, ' +
      'cifsMountConfiguration and azureFileShareConfiguration.',
    {
      azureBlobFileSystemConfiguration: obj(
        'An Azure Blob container mounted with blobfuse; authenticate with exactly one of accountKeySecretRef, ' +
          'sasKeySecretRef and identityReference.',
        {
          accountName: str('The storage account.', { minLength: 1, maxLength: 64 }),
          containerName: str('The blob container.', { minLength: 1, maxLength: 64 }),
          accountKeySecretRef: secretRef('The storage account key.'),
          sasKeySecretRef: secretRef('A SAS token for the container.'),
          identityReference: identityReference(
            'spec.mountConfiguration[].azureBlobFileSystemConfiguration.identityReference',
            'to read the container',
          ),
          blobfuseOptions: str('Extra blobfuse options.', { maxLength: 1024 }),
          relativeMountPath,
        },
        {
          required: ['accountName', 'containerName', 'relativeMountPath'],
          'x-kubernetes-validations': [
            {
              rule: '[has(self.accountKeySecretRef), has(self.sasKeySecretRef), has(self.identityReference)].filter(x, x).size() == 1',
              message:
                'spec.mountConfiguration[].azureBlobFileSystemConfiguration: set exactly one of accountKeySecretRef, sasKeySecretRef and identityReference',
            },
          ],
        },
      ),
      nfsMountConfiguration: obj(
        'An NFS file system.',
        {
          source: str('The URI of the file system, e.g. 10.0.0.4:/exports/data.', {
            minLength: 1,
            maxLength: 1024,
          }),
          relativeMountPath,
          mountOptions,
        },
        { required: ['source', 'relativeMountPath'] },
      ),
      cifsMountConfiguration: obj(
        'A CIFS/SMB file system.',
        {
          username: str('The user to authenticate as.', { minLength: 1, maxLength: 256 }),
          passwordSecretRef: secretRef('The password of that user.'),
          source: str('The URI of the file system, e.g. //server/share.', { minLength: 1, maxLength: 1024 }),
          relativeMountPath,
          mountOptions,
        },
        { required: ['username', 'passwordSecretRef', 'source', 'relativeMountPath'] },
      ),
      azureFileShareConfiguration: obj(
        'An Azure Files share.',
        {
          accountName: str('The storage account.', { minLength: 1, maxLength: 64 }),
          azureFileUrl: str('The Azure Files URL, https://{account}.file.core.windows.net/{share}.', {
            minLength: 1,
            maxLength: 1024,
            pattern: '^https://',
          }),
          accountKeySecretRef: secretRef('The storage account key.'),
          relativeMountPath,
          mountOptions,
        },
        { required: ['accountName', 'azureFileUrl', 'accountKeySecretRef', 'relativeMountPath'] },
      ),
    },
    {
      'x-kubernetes-validations': [
        {
          rule:
            '[has(self.azureBlobFileSystemConfiguration), has(self.nfsMountConfiguration), ' +
            'has(self.cifsMountConfiguration), has(self.azureFileShareConfiguration)].filter(x, x).size() == 1',
          message:
            'spec.mountConfiguration[]: set exactly one of azureBlobFileSystemConfiguration, nfsMountConfiguration, cifsMountConfiguration and azureFileShareConfiguration',
        },
      ],
    },
  ),
  {
    maxItems: 16,
    'x-kubernetes-list-type': 'atomic',
    'x-kubernetes-validations': [
      {
        rule:
          'self.all(a, self.exists_one(b, ' +
          [
            'azureBlobFileSystemConfiguration',
            'nfsMountConfiguration',
            'cifsMountConfiguration',
            'azureFileShareConfiguration',
          ]
            .map(
              (k) => `(has(a.${k}) && has(b.${k}) && a.${k}.relativeMountPath == b.${k}.relativeMountPath)`,
            )
            .join(' || ') +
          '))',
        message: 'spec.mountConfiguration: each relativeMountPath may be used only once',
      },
    ],
  },
);

export const upgradePolicy = obj(
  'How the nodes’ OS image is upgraded: automatic, manual or rolling (Azure changes it only on an empty pool).',
  {
    mode: str('automatic, manual or rolling.', { enum: ['automatic', 'manual', 'rolling'] }),
    automaticOSUpgradePolicy: obj('Automatic OS upgrades.', {
      disableAutomaticRollback: bool('Do not roll back a failed OS image upgrade.'),
      enableAutomaticOSUpgrade: bool(
        'Apply newer OS images automatically (a Windows pool must then not set windowsConfiguration.enableAutomaticUpdates).',
      ),
      useRollingUpgradePolicy: bool('Use rollingUpgradePolicy during automatic OS upgrades.'),
      osRollingUpgradeDeferral: bool('Defer OS upgrades on nodes that are running tasks.'),
    }),
    rollingUpgradePolicy: obj('How a rolling upgrade proceeds.', {
      enableCrossZoneUpgrade: bool(
        'Ignore availability-zone boundaries when batching (zonal placement only).',
      ),
      maxBatchInstancePercent: int('Most nodes upgraded in one batch, 5..100 percent.', {
        minimum: 5,
        maximum: 100,
      }),
      maxUnhealthyInstancePercent: int(
        'Most nodes unhealthy at once before the upgrade stops, 5..100 percent.',
        {
          minimum: 5,
          maximum: 100,
        },
      ),
      maxUnhealthyUpgradedInstancePercent: int(
        'Most upgraded nodes found unhealthy before the upgrade stops, 0..100 percent.',
        { minimum: 0, maximum: 100 },
      ),
      pauseTimeBetweenBatches: str('Wait between batches, ISO-8601 (e.g. PT5M).', {
        maxLength: 32,
        pattern: ISO_DURATION,
      }),
      prioritizeUnhealthyInstances: bool('Upgrade unhealthy nodes first.'),
      rollbackFailedInstancesOnPolicyBreach: bool('Roll failed nodes back when the policy is breached.'),
    }),
  },
  {
    required: ['mode'],
    'x-kubernetes-validations': [
      {
        rule: "self.mode != 'rolling' || has(self.rollingUpgradePolicy)",
        message:
          'spec.upgradePolicy.rollingUpgradePolicy is required when spec.upgradePolicy.mode is rolling',
      },
      {
        rule:
          '!has(self.rollingUpgradePolicy) || !has(self.rollingUpgradePolicy.maxBatchInstancePercent) || ' +
          '!has(self.rollingUpgradePolicy.maxUnhealthyInstancePercent) || ' +
          'self.rollingUpgradePolicy.maxBatchInstancePercent <= self.rollingUpgradePolicy.maxUnhealthyInstancePercent',
        message:
          'spec.upgradePolicy.rollingUpgradePolicy.maxBatchInstancePercent must not exceed maxUnhealthyInstancePercent',
      },
    ],
  },
);

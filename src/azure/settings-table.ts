// One row per pool setting a BatchPool spec governs: which spec field it is, how Azure changes it, and where it
// sits on the 2025-06-01 wire. The mapping (batch/mapping.ts: create, PATCH, GET) and the plan (differences,
// emptyPoolPatch) are driven by this table, so a new setting is one row here plus its schema in src/api.
//
// `change` is what BatchPoolUpdateOptions (PATCH) and BatchPoolReplaceOptions (updateproperties) say:
//   live       Azure changes it on a pool with nodes (updateproperties replaces all three as a whole);
//   empty      "This field can be updated only when the pool is empty" (PATCH; the VM configuration whole);
//   autoScale  its own operations, enableautoscale and disableautoscale.
// Nothing a custom-image VM pool sets is beyond all three (only the pool ID is), so no setting is immutable.
// `place`: top level of the pool (`pool`), inside virtualMachineConfiguration (`vm`), or mapped by hand
// (`special`: the image, the node agent, metadata and autoscale have wire shapes of their own).

import type { PoolSettings } from './ports.ts';

export type SettingKey = keyof PoolSettings;

export interface SettingRow {
  key: SettingKey;
  /** The spec field, as differences report it. */
  field: string;
  change: 'live' | 'empty' | 'autoScale';
  place: 'pool' | 'vm' | 'special';
}

const row = (key: SettingKey, change: SettingRow['change'], place: SettingRow['place']): SettingRow => ({
  key,
  field: key === 'imageId' ? 'spec.image.id' : `spec.${key}`,
  change,
  place,
});

export const SETTINGS: readonly SettingRow[] = [
  row('vmSize', 'empty', 'pool'),
  row('imageId', 'empty', 'special'),
  row('nodeAgentSkuId', 'empty', 'special'),
  row('securityProfile', 'empty', 'vm'),
  row('containerConfiguration', 'empty', 'vm'),
  row('dataDisks', 'empty', 'vm'),
  row('diskEncryptionConfiguration', 'empty', 'vm'),
  row('nodePlacementConfiguration', 'empty', 'vm'),
  row('extensions', 'empty', 'vm'),
  row('osDisk', 'empty', 'vm'),
  row('serviceArtifactReference', 'empty', 'vm'),
  row('licenseType', 'empty', 'vm'),
  row('windowsConfiguration', 'empty', 'vm'),
  row('displayName', 'empty', 'pool'),
  row('taskSlotsPerNode', 'empty', 'pool'),
  row('enableInterNodeCommunication', 'empty', 'pool'),
  row('taskSchedulingPolicy', 'empty', 'pool'),
  row('networkConfiguration', 'empty', 'pool'),
  row('userAccounts', 'empty', 'pool'),
  row('mountConfiguration', 'empty', 'pool'),
  row('upgradePolicy', 'empty', 'pool'),
  row('startTask', 'live', 'pool'),
  row('applicationPackageReferences', 'live', 'pool'),
  row('metadata', 'live', 'special'),
  row('autoScale', 'autoScale', 'special'),
  // Management plane only: a PATCH of the pool's identity (it reaches nodes created after the change).
  row('identity', 'live', 'special'),
];

/** The settings inside virtualMachineConfiguration: a PATCH of one sends them all. */
export const VM_KEYS: readonly SettingKey[] = [
  'imageId',
  'nodeAgentSkuId',
  ...SETTINGS.filter((r) => r.place === 'vm').map((r) => r.key),
];

/**
 * The values Azure fills in when a field is left out, as the 2025-06-01 model documents them ("The default
 * value is …") or a recorded response shows them, by path in the spec (`[]` for every item of a list). Both sides are filled in before they are
 * compared, so it does not matter whether a GET reports a default or leaves it out.
 */
export const AZURE_DEFAULTS: Readonly<Record<string, unknown>> = {
  taskSlotsPerNode: 1,
  enableInterNodeCommunication: false,
  'taskSchedulingPolicy.jobDefaultOrder': 'none',
  'startTask.userIdentity': { autoUser: { scope: 'pool', elevationLevel: 'nonadmin' } },
  'startTask.userIdentity.autoUser.scope': 'pool',
  'startTask.userIdentity.autoUser.elevationLevel': 'nonadmin',
  'startTask.maxTaskRetryCount': 0,
  'startTask.waitForSuccess': true,
  'startTask.containerSettings.workingDirectory': 'taskWorkingDirectory',
  'startTask.containerSettings.containerHostBatchBindMounts[].isReadOnly': false,
  'startTask.containerSettings.registry.registryServer': 'docker.io',
  'containerConfiguration.containerRegistries[].registryServer': 'docker.io',
  // The model says readwrite; a recorded GET (reference/specs/batch-data-plane/observed) shows none.
  'dataDisks[].caching': 'none',
  'diskEncryptionConfiguration.customerManagedKey.rotationToLatestKeyVersionEnabled': false,
  'nodePlacementConfiguration.policy': 'regional',
  'windowsConfiguration.enableAutomaticUpdates': true,
  'securityProfile.proxyAgentSettings.enabled': false,
  'userAccounts[].elevationLevel': 'nonadmin',
  'userAccounts[].windowsUserConfiguration.loginMode': 'batch',
  'networkConfiguration.dynamicVNetAssignmentScope': 'none',
  'networkConfiguration.enableAcceleratedNetworking': false,
  'networkConfiguration.publicIPAddressConfiguration.provision': 'batchmanaged',
  'networkConfiguration.endpointConfiguration.inboundNATPools[].networkSecurityGroupRules[].sourcePortRanges':
    ['*'],
  'autoScale.evaluationInterval': 'PT15M',
};

/** ISO-8601 durations, compared by length of time (Azure may write PT1H as PT60M or PT1H00M00S). */
export const DURATION_PATHS: readonly string[] = [
  'autoScale.evaluationInterval',
  'upgradePolicy.rollingUpgradePolicy.pauseTimeBetweenBatches',
];

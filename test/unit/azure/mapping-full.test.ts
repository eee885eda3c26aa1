// Every 2025-06-01 pool setting a BatchPool can hold, through the mapping and back: the create body, the PATCH
// and the updateproperties are what the 2025-06-01 models allow (names and JSON types, recursively), every
// Secret reference is sent as its value in the right place and never read back, and a pool made from a spec
// that uses every field, read back as Azure reports it (defaults filled in, secrets left out, enums in
// another case), never differs from that spec. Each live setting changed is a live difference, each other
// setting an empty-pool one, and import gives back the same spec.

import { describe, expect, it } from 'vitest';
import { loadContract } from '../../../scripts/batch-wire/contract.ts';
import type { BatchPool as BatchPoolObject } from '../../../src/api/types.ts';
import {
  toCreateOptions,
  toEnableAutoScaleOptions,
  toReplaceOptions,
  toSettings,
  toUpdateOptions,
} from '../../../src/azure/batch/mapping.ts';
import type { BatchPool } from '../../../src/azure/batch/wire.ts';
import { SecretValues, type CreatePoolParams, type PoolSettings } from '../../../src/azure/ports.ts';
import { SETTINGS } from '../../../src/azure/settings-table.ts';
import {
  desiredSettings,
  differences,
  emptyPoolPatch,
  specFromSettings,
} from '../../../src/controller/plan/settings.ts';
import { secretRefsOf } from '../../../src/controller/secrets.ts';
import { fullPoolSpec, validFullPoolSpec } from '../api/full-objects.ts';
import { problems } from '../../contract/validate.ts';

const contract = loadContract();

function objectWith(spec: BatchPoolObject['spec']): BatchPoolObject {
  return {
    apiVersion: 'batch.pooloperator.dev/v1alpha1',
    kind: 'BatchPool',
    metadata: { name: 'full-pool', namespace: 'vfx', uid: 'u-1', generation: 1 },
    spec,
  };
}

/** The gallery version of the full spec (its image is a managed image being published). */
const VERSION =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/ubuntu/versions/1.0.0';

/** validFullPoolSpec with the Windows-only settings too (the mapping does not mind a Linux agent). */
function everySetting(): BatchPoolObject['spec'] {
  return {
    ...validFullPoolSpec(),
    licenseType: fullPoolSpec.licenseType,
    windowsConfiguration: { ...fullPoolSpec.windowsConfiguration },
  };
}

function want(spec = everySetting()): PoolSettings {
  return desiredSettings(objectWith(spec), { versionId: VERSION });
}

function createParams(settings: PoolSettings): CreatePoolParams {
  return {
    ...settings,
    id: 'full-pool',
    targetDedicatedNodes: 10,
    targetLowPriorityNodes: 2,
    resizeTimeout: 'PT25M',
  };
}

/** A value for every Secret key the spec references: `value-of-{name}/{key}`, protected settings a JSON object. */
function secretsFor(spec: BatchPoolObject['spec']): SecretValues {
  return new SecretValues(
    secretRefsOf(spec).map((r) => [
      r,
      r.key === 'protected.json' ? JSON.stringify({ token: 'sekrit' }) : `value-of-${r.name}/${r.key}`,
    ]),
  );
}

const SECRET_WIRE_NAMES = new Set(['password', 'accountKey', 'sasKey', 'sshPrivateKey', 'protectedSettings']);

/**
 * The pool a GET returns after `body` was created: the same settings without any secret, with read-only
 * fields and the defaults Azure fills in, and enum values in another case where Azure is known to write them so.
 */
function asAzureReturns(body: Record<string, unknown>): BatchPool {
  const copy = JSON.parse(
    JSON.stringify(body, (k, v: unknown) => (SECRET_WIRE_NAMES.has(k) ? undefined : v)),
  ) as Record<string, unknown> & BatchPool;
  const vm = copy.virtualMachineConfiguration!;
  if (vm.securityProfile) vm.securityProfile.securityType = 'TrustedLaunch';
  for (const d of vm.dataDisks ?? []) d.caching ??= 'none';
  return {
    ...copy,
    url: 'https://account/pools/full-pool',
    eTag: '0x1',
    state: 'active',
    allocationState: 'resizing',
    currentDedicatedNodes: 0,
    currentLowPriorityNodes: 0,
    virtualMachineConfiguration: { ...vm, imageReference: { ...vm.imageReference, exactVersion: '1.0.0' } },
    enableAutoScale: false,
    // The management plane gave the pool the spec's identities; the data plane shows them read-only.
    identity: {
      type: 'UserAssigned',
      userAssignedIdentities: (fullPoolSpec.identity?.userAssignedIdentities ?? []).map((resourceId) => ({
        resourceId,
        clientId: 'c',
        principalId: 'p',
      })),
    },
  };
}

describe('every pool setting through the 2025-06-01 mapping', () => {
  const spec = everySetting();
  const settings = want(spec);
  const secrets = secretsFor(spec);
  const body = toCreateOptions(createParams(settings), secrets) as unknown as Record<string, unknown>;

  it('has a row for every setting of the spec', () => {
    const keys = new Set(SETTINGS.map((r) => r.key as string));
    const notSettings = [
      'accountRef',
      'poolId',
      'image',
      'targetDedicatedNodes',
      'targetLowPriorityNodes',
      'resizeTimeout',
      'nodeDeallocationOption',
      'resizeStrategy',
      'deletionPolicy',
      'updateStrategy',
      'adoption',
      'readiness',
      'nodeRecovery',
    ];
    const missing = Object.keys(fullPoolSpec).filter((k) => !keys.has(k) && !notSettings.includes(k));
    expect(missing).toEqual([]);
  });

  it('creates with a body the 2025-06-01 BatchPoolCreateOptions allows', () => {
    expect(problems(contract, 'BatchPoolCreateOptions', body, 'request')).toEqual([]);
  });

  it('puts every setting where the wire wants it', () => {
    const vm = body.virtualMachineConfiguration as Record<string, unknown>;
    for (const r of SETTINGS) {
      if (r.place === 'special') continue;
      const where = r.place === 'vm' ? vm : body;
      expect(where[r.key], r.key).toBeDefined();
    }
    expect(vm.imageReference).toEqual({ virtualMachineImageId: VERSION });
    expect(vm.nodeAgentSKUId).toBe('batch.node.ubuntu 22.04');
    expect(body.targetDedicatedNodes).toBe(10);
    expect(body.enableAutoScale).toBeUndefined();
    expect((body.startTask as { userIdentity: unknown }).userIdentity).toEqual({
      autoUser: { scope: 'pool', elevationLevel: 'admin' },
    });
  });

  it('sends every Secret reference as its value, under the wire name, and nowhere a reference', () => {
    const text = JSON.stringify(body);
    expect(text).not.toContain('SecretRef');
    const b = body as unknown as {
      userAccounts: { password: string; linuxUserConfiguration: { sshPrivateKey: string } }[];
      mountConfiguration: Record<string, { accountKey?: string; password?: string }>[];
      virtualMachineConfiguration: {
        containerConfiguration: { containerRegistries: { password: string }[] };
        extensions: { protectedSettings: unknown; settings: unknown }[];
      };
      startTask: { containerSettings: { registry: { password: string } } };
    };
    expect(b.userAccounts[0]!.password).toBe('value-of-render-user/password');
    expect(b.userAccounts[0]!.linuxUserConfiguration.sshPrivateKey).toBe('value-of-render-user/id_rsa');
    expect(b.mountConfiguration[0]!.azureBlobFileSystemConfiguration!.accountKey).toBe(
      'value-of-storage/accountKey',
    );
    expect(b.mountConfiguration[2]!.cifsMountConfiguration!.password).toBe('value-of-storage/cifsPassword');
    expect(b.mountConfiguration[3]!.azureFileShareConfiguration!.accountKey).toBe(
      'value-of-storage/accountKey',
    );
    expect(b.virtualMachineConfiguration.containerConfiguration.containerRegistries[0]!.password).toBe(
      'value-of-registry/password',
    );
    expect(b.startTask.containerSettings.registry.password).toBe('value-of-registry/password');
    expect(b.virtualMachineConfiguration.extensions[0]!.protectedSettings).toEqual({ token: 'sekrit' });
    expect(b.virtualMachineConfiguration.extensions[0]!.settings).toEqual({ workspace: 'w1' });
  });

  it('refuses to write without the values, naming the Secret and key only', () => {
    expect(() => toCreateOptions(createParams(settings))).toThrow(
      /^the value of Secret [-a-z]+, key [-.a-z_]+, was not read$/,
    );
    const bad = new SecretValues([
      ...secretRefsOf(spec).map((r): [typeof r, string] => [
        r,
        r.key === 'protected.json' ? 'not json' : 'x',
      ]),
    ]);
    expect(() => toCreateOptions(createParams(settings), bad)).toThrow(
      /Secret monitor, key protected.json: protectedSettings must be a JSON object/,
    );
  });

  it('never shows secret values when the values are logged', () => {
    expect(JSON.stringify({ secrets })).not.toContain('value-of');
    expect(String(JSON.stringify(secrets))).toMatch(/secret values/);
  });

  const readBack = toSettings(asAzureReturns(body))!;

  it('reads every setting back, without any secret', () => {
    expect(readBack).toBeDefined();
    for (const r of SETTINGS) {
      if (r.key === 'autoScale') continue;
      expect(readBack[r.key], r.key).toBeDefined();
    }
    expect(JSON.stringify(readBack)).not.toMatch(/SecretRef|value-of|sekrit/);
    expect(readBack.securityProfile?.securityType).toBe('trustedLaunch');
  });

  it('finds no difference between the spec and the pool made from it', () => {
    expect(differences(settings, readBack)).toEqual({
      live: [],
      empty: [],
      autoScale: false,
      unclaimed: false,
    });
  });

  it('finds no difference when the spec leaves out what Azure then reports as its documented default', () => {
    const s = everySetting();
    delete s.taskSchedulingPolicy!.jobDefaultOrder;
    delete s.dataDisks![0]!.caching;
    delete s.networkConfiguration!.endpointConfiguration!.inboundNATPools![0]!.networkSecurityGroupRules![0]!
      .sourcePortRanges;
    delete s.networkConfiguration!.enableAcceleratedNetworking;
    delete s.startTask!.containerSettings!.workingDirectory;
    const w = want(s);
    const got = asAzureReturns(toCreateOptions(createParams(w), secretsFor(s)) as never);
    got.taskSchedulingPolicy!.jobDefaultOrder = 'none';
    got.networkConfiguration!.endpointConfiguration!.inboundNATPools[0]!.networkSecurityGroupRules![0]!.sourcePortRanges =
      ['*'];
    got.networkConfiguration!.enableAcceleratedNetworking = false;
    got.startTask!.containerSettings!.workingDirectory = 'taskWorkingDirectory';
    expect(got.virtualMachineConfiguration!.dataDisks![0]!.caching).toBe('none');
    expect(differences(w, toSettings(got)!)).toEqual({
      live: [],
      empty: [],
      autoScale: false,
      unclaimed: false,
    });
  });

  it('finds no difference when the spec writes a default that Azure leaves out', () => {
    const s = everySetting();
    s.taskSchedulingPolicy!.jobDefaultOrder = 'none';
    const got = asAzureReturns(toCreateOptions(createParams(want(s)), secretsFor(s)) as never);
    delete got.taskSchedulingPolicy!.jobDefaultOrder;
    expect(differences(want(s), toSettings(got)!).empty).toEqual([]);
  });

  it('matches an application Azure reports by name with the ARM ID the spec gives', () => {
    const got = asAzureReturns(body);
    got.applicationPackageReferences = [{ applicationId: 'Blender', version: '4.2' }];
    expect(differences(settings, toSettings(got)!).live).toEqual([]);
  });

  it('ignores a change of a Secret reference: Azure never shows the secret', () => {
    const changed = everySetting();
    changed.userAccounts![0]!.passwordSecretRef = { name: 'other', key: 'pw' };
    expect(differences(want(changed), readBack).empty).toEqual([]);
  });

  it('reads each changed live setting as live, each other one as empty-pool, autoscale as its own', () => {
    const change: Record<string, (s: BatchPoolObject['spec']) => void> = {
      vmSize: (s) => (s.vmSize = 'Standard_D8s_v5'),
      securityProfile: (s) => (s.securityProfile!.encryptionAtHost = false),
      containerConfiguration: (s) => (s.containerConfiguration!.type = 'criCompatible'),
      dataDisks: (s) => (s.dataDisks![0]!.diskSizeGB = 512),
      diskEncryptionConfiguration: (s) => (s.diskEncryptionConfiguration!.targets = ['osdisk']),
      nodePlacementConfiguration: (s) => (s.nodePlacementConfiguration!.policy = 'regional'),
      extensions: (s) => (s.extensions![0]!.typeHandlerVersion = '2.0'),
      osDisk: (s) => (s.osDisk!.diskSizeGB = 256),
      serviceArtifactReference: (s) => (s.serviceArtifactReference!.id += '2'),
      licenseType: (s) => (s.licenseType = 'Windows_Client'),
      windowsConfiguration: (s) => (s.windowsConfiguration = { enableAutomaticUpdates: true }),
      displayName: (s) => (s.displayName = 'Other'),
      taskSlotsPerNode: (s) => (s.taskSlotsPerNode = 8),
      enableInterNodeCommunication: (s) => (s.enableInterNodeCommunication = true),
      taskSchedulingPolicy: (s) => (s.taskSchedulingPolicy!.nodeFillType = 'spread'),
      networkConfiguration: (s) => (s.networkConfiguration!.enableAcceleratedNetworking = false),
      userAccounts: (s) => (s.userAccounts![0]!.elevationLevel = 'nonadmin'),
      mountConfiguration: (s) => (s.mountConfiguration![1]!.nfsMountConfiguration!.mountOptions = '-o rw'),
      upgradePolicy: (s) => (s.upgradePolicy!.rollingUpgradePolicy!.pauseTimeBetweenBatches = 'PT10M'),
      startTask: (s) => (s.startTask!.commandLine = 'true'),
      applicationPackageReferences: (s) => (s.applicationPackageReferences![0]!.version = '4.3'),
      metadata: (s) => (s.metadata = [{ name: 'team', value: 'fx' }]),
      autoScale: (s) => (s.autoScale = { formula: '$TargetDedicatedNodes = 1;' }),
      identity: (s) => s.identity!.userAssignedIdentities.push(s.identity!.userAssignedIdentities[0]! + '2'),
    };
    const testable = SETTINGS.filter((r) => r.key !== 'imageId' && r.key !== 'nodeAgentSkuId');
    expect(Object.keys(change).sort()).toEqual(testable.map((r) => r.key).sort());
    for (const r of testable) {
      const s = everySetting();
      change[r.key]!(s);
      const d = differences(want(s), readBack);
      const seen = r.change === 'live' ? d.live : r.change === 'empty' ? d.empty.map((e) => e.field) : [];
      if (r.change === 'autoScale') expect(d.autoScale, r.key).toBe(true);
      else expect(seen, r.key).toEqual([r.field]);
      const others = [...d.live, ...d.empty.map((e) => e.field)].filter((f) => f !== r.field);
      expect(others, r.key).toEqual([]);
    }
  });

  it('sends an empty-pool change as a PATCH the model allows; one VM setting takes the whole VM configuration', () => {
    const s = everySetting();
    s.osDisk!.diskSizeGB = 256;
    s.displayName = 'Other';
    const w = want(s);
    const patch = emptyPoolPatch(w, differences(w, readBack));
    expect(Object.keys(patch).sort()).toEqual(
      [
        'displayName',
        'imageId',
        'nodeAgentSkuId',
        ...SETTINGS.filter((r) => r.place === 'vm').map((r) => r.key),
      ].sort(),
    );
    const update = toUpdateOptions(patch, secretsFor(s));
    expect(problems(contract, 'BatchPoolUpdateOptions', update, 'request')).toEqual([]);
    expect(update.virtualMachineConfiguration?.osDisk?.diskSizeGB).toBe(256);
    expect(update.vmSize).toBeUndefined();
  });

  it('sends every empty-pool setting in one PATCH the model allows', () => {
    const {
      startTask: _s,
      applicationPackageReferences: _a,
      metadata: _m,
      autoScale: _x,
      ...empty
    } = settings;
    const update = toUpdateOptions(empty, secrets);
    expect(problems(contract, 'BatchPoolUpdateOptions', update, 'request')).toEqual([]);
    expect(Object.keys(update).sort()).toEqual(
      SETTINGS.filter((r) => r.change === 'empty' && r.place === 'pool')
        .map((r) => r.key as string)
        .concat('virtualMachineConfiguration')
        .sort(),
    );
  });

  it('replaces the live settings with an updateproperties the model allows', () => {
    const replace = toReplaceOptions(
      {
        startTask: settings.startTask!,
        applicationPackageReferences: settings.applicationPackageReferences!,
        metadata: settings.metadata,
      },
      secrets,
    );
    expect(problems(contract, 'BatchPoolReplaceOptions', replace, 'request')).toEqual([]);
    expect(replace.applicationPackageReferences).toEqual(spec.applicationPackageReferences);
    expect(toReplaceOptions({ metadata: [] }).applicationPackageReferences).toEqual([]);
  });

  it('imports the pool as the same spec, with references to one Secret for what Azure does not return', () => {
    const imported = specFromSettings(readBack, 'full-pool-secrets');
    const again = { ...everySetting(), ...imported, image: { id: VERSION } };
    delete again.securityProfile; // as the image calls for it: the imported one is the pool's own
    const d = differences(
      desiredSettings(objectWith({ ...again, securityProfile: imported.securityProfile! }), undefined),
      readBack,
    );
    expect(d).toEqual({ live: [], empty: [], autoScale: false, unclaimed: false });
    expect(secretRefsOf(imported).map((r) => `${r.name}/${r.key}`)).toEqual([
      'full-pool-secrets/registry.myregistry.azurecr.io.password',
      'full-pool-secrets/user.render.password',
      'full-pool-secrets/mount.0.accountKey',
      'full-pool-secrets/mount.2.password',
      'full-pool-secrets/mount.3.accountKey',
      'full-pool-secrets/startTask.registry.password',
    ]);
  });
});

describe('an autoscaled pool through the mapping', () => {
  const spec = { ...everySetting(), autoScale: fullPoolSpec.autoScale };
  delete spec.targetDedicatedNodes;
  spec.targetLowPriorityNodes = 0;
  const settings = want(spec);
  const body = toCreateOptions(createParams(settings), secretsFor(spec)) as unknown as Record<
    string,
    unknown
  >;

  it('is created with the formula and no targets', () => {
    expect(problems(contract, 'BatchPoolCreateOptions', body, 'request')).toEqual([]);
    expect(body).toMatchObject({
      enableAutoScale: true,
      autoScaleFormula: '$TargetDedicatedNodes = 2;',
      autoScaleEvaluationInterval: 'PT15M',
    });
    expect(body.targetDedicatedNodes).toBeUndefined();
    expect(body.resizeTimeout).toBeUndefined();
  });

  it('reads back as the same autoscale, whatever way Azure writes the interval', () => {
    const got = { ...asAzureReturns(body), enableAutoScale: true, autoScaleEvaluationInterval: 'PT0H15M0S' };
    const have = toSettings(got)!;
    expect(have.autoScale?.formula).toBe('$TargetDedicatedNodes = 2;');
    expect(differences(settings, have).autoScale).toBe(false);
    const noInterval = want({ ...spec, autoScale: { formula: '$TargetDedicatedNodes = 2;' } });
    expect(differences(noInterval, have).autoScale).toBe(false);
    expect(specFromSettings(have).autoScale).toEqual({
      formula: '$TargetDedicatedNodes = 2;',
      evaluationInterval: 'PT0H15M0S',
    });
  });

  it('sets a formula with an enableautoscale the model allows', () => {
    const o = toEnableAutoScaleOptions({ formula: 'f', evaluationInterval: 'PT5M' });
    expect(problems(contract, 'BatchPoolEnableAutoScaleOptions', o, 'request')).toEqual([]);
    expect(o).toEqual({ autoScaleFormula: 'f', autoScaleEvaluationInterval: 'PT5M' });
  });
});

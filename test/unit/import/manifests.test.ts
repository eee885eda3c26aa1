import { describe, expect, it } from 'vitest';
import type { BatchPool } from '../../../src/api/types.ts';
import type { PoolSettings, PoolSnapshot } from '../../../src/azure/ports.ts';
import { plan } from '../../../src/controller/plan/index.ts';
import { importManifests, objectName } from '../../../src/import/manifests.ts';
import { batchPool, IMAGE, input, iso, snapshot, T0 } from '../../support/fixtures.ts';

// A pool made outside the operator, with what a GET reports of it (Azure's defaults filled in).
const made: PoolSettings = {
  vmSize: 'standard_d8s_v5',
  imageId: IMAGE,
  nodeAgentSkuId: 'batch.node.ubuntu 22.04',
  taskSlotsPerNode: 4,
  securityProfile: {
    securityType: 'trustedLaunch',
    uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
  },
  startTask: {
    commandLine: '/bin/sh -c "apt-get install -y blender"',
    userIdentity: { autoUser: { scope: 'pool', elevationLevel: 'admin' } },
    maxTaskRetryCount: 2,
    waitForSuccess: true,
  },
  networkConfiguration: {
    subnetId:
      '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s',
  },
  metadata: [{ name: 'team', value: 'lighting' }],
};
const foreign = (id: string, settings: PoolSettings = made): PoolSnapshot =>
  snapshot({ id, owner: {}, settings, targetDedicatedNodes: 40, currentDedicatedNodes: 40 });

const target = { accountName: 'render-account', namespace: 'vfx' };

describe('import', () => {
  it('writes a manifest that says what the pool is, with adoption Adopt and deletionPolicy Retain', () => {
    const { manifests, skipped } = importManifests([foreign('Render_Farm')], target);
    expect(skipped).toEqual([]);
    expect(manifests).toHaveLength(1);
    const m = manifests[0]!;
    expect(m.metadata).toEqual({ name: 'render-farm', namespace: 'vfx' });
    expect(m.spec).toMatchObject({
      accountRef: { name: 'render-account' },
      poolId: 'Render_Farm',
      adoption: 'Adopt',
      deletionPolicy: 'Retain',
      vmSize: 'standard_d8s_v5',
      image: { id: IMAGE },
      taskSlotsPerNode: 4,
      startTask: made.startTask,
      networkConfiguration: made.networkConfiguration,
      securityProfile: made.securityProfile,
      metadata: [{ name: 'team', value: 'lighting' }],
      targetDedicatedNodes: 40,
      targetLowPriorityNodes: 0,
    });
  });

  it('an imported manifest, once applied, takes the pool over without a write to Azure', () => {
    const pool = foreign('render-farm');
    const m = importManifests([pool], target).manifests[0]!;
    // What the apiserver stores: the schema's defaults, a uid and the finalizer the operator adds first.
    const base = batchPool('render-farm');
    const object: BatchPool = {
      ...m,
      metadata: { ...base.metadata, ...m.metadata },
      spec: { ...base.spec, ...m.spec },
    };
    object.status = {
      image: {
        id: IMAGE,
        exists: true,
        checkedAt: iso(T0 - 60_000),
        source: 'Gallery',
        versionId: IMAGE,
        osType: 'Linux',
      },
    };
    const r = plan(input(object, { observed: { pool } }));
    expect(r.action.kind).toBe('none');
    expect(r.status.phase).toBe('Ready');
    expect(r.events.map((e) => e.reason)).toContain('PoolAdopted');
  });

  it('leaves out pools it cannot describe or that a BatchPool manages, and says why', () => {
    const owned = snapshot({ id: 'owned' }, batchPool('owned'));
    const noSettings: PoolSnapshot = { ...foreign('cloud-service'), settings: undefined };
    const going: PoolSnapshot = { ...foreign('going'), state: 'deleting' };
    const { manifests, skipped } = importManifests([owned, noSettings, going, foreign('kept')], target);
    expect(manifests.map((m) => m.spec.poolId)).toEqual(['kept']);
    expect(skipped).toEqual([
      { poolId: 'cloud-service', reason: expect.stringContaining('cannot describe') },
      { poolId: 'going', reason: 'it is being deleted' },
      { poolId: 'owned', reason: 'a BatchPool already manages it (vfx/owned)' },
    ]);
  });

  it('gives pools whose IDs differ only in case or _ distinct object names', () => {
    const { manifests } = importManifests([foreign('a_b'), foreign('A-B'), foreign('a-b-')], target);
    expect(manifests.map((m) => m.metadata.name).sort()).toEqual(['a-b', 'a-b-2', 'a-b-3']);
    expect(objectName('__')).toBe('pool');
  });

  it('leaves Azure defaults out of the manifest (task slots 1, no metadata)', () => {
    const plain: PoolSettings = {
      vmSize: 'Standard_D2s_v5',
      imageId: IMAGE,
      nodeAgentSkuId: 'batch.node.ubuntu 22.04',
      taskSlotsPerNode: 1,
      metadata: [],
    };
    const m = importManifests([foreign('plain', plain)], target).manifests[0]!;
    expect(m.spec).not.toHaveProperty('taskSlotsPerNode');
    expect(m.spec).not.toHaveProperty('metadata');
    expect(m.spec).not.toHaveProperty('startTask');
  });

  it('writes every setting of a pool, with one Secret to create for what Azure does not return', () => {
    const full: PoolSettings = {
      ...made,
      displayName: 'Render farm',
      enableInterNodeCommunication: true,
      userAccounts: [{ name: 'render', elevationLevel: 'admin' }] as PoolSettings['userAccounts'],
      mountConfiguration: [
        { nfsMountConfiguration: { source: '10.0.0.4:/x', relativeMountPath: 'x' } },
        {
          azureFileShareConfiguration: {
            accountName: 'a',
            azureFileUrl: 'https://a.file.core.windows.net/s',
            relativeMountPath: 's',
          },
        },
      ] as PoolSettings['mountConfiguration'],
      dataDisks: [{ lun: 0, diskSizeGB: 64, caching: 'readwrite' }],
      applicationPackageReferences: [
        {
          applicationId:
            '/subscriptions/s/resourceGroups/r/providers/Microsoft.Batch/batchAccounts/a/applications/b',
        },
      ],
    };
    const { manifests, secrets } = importManifests([foreign('full', full)], target);
    const spec = manifests[0]!.spec;
    expect(spec).toMatchObject({
      displayName: 'Render farm',
      enableInterNodeCommunication: true,
      dataDisks: full.dataDisks,
      applicationPackageReferences: full.applicationPackageReferences,
      userAccounts: [
        {
          name: 'render',
          elevationLevel: 'admin',
          passwordSecretRef: { name: 'full-secrets', key: 'user.render.password' },
        },
      ],
    });
    expect(spec.mountConfiguration?.[1]?.azureFileShareConfiguration?.accountKeySecretRef).toEqual({
      name: 'full-secrets',
      key: 'mount.1.accountKey',
    });
    expect(secrets).toEqual([
      {
        namespace: 'vfx',
        name: 'full-secrets',
        keys: ['user.render.password', 'mount.1.accountKey'],
        pool: 'full',
      },
    ]);
  });

  it('writes an autoscaled pool with its formula and without targets', () => {
    const auto: PoolSettings = {
      ...made,
      autoScale: { formula: '$TargetDedicatedNodes = 4;', evaluationInterval: 'PT5M' },
    };
    const spec = importManifests([foreign('auto', auto)], target).manifests[0]!.spec;
    expect(spec.autoScale).toEqual(auto.autoScale);
    expect(spec).not.toHaveProperty('targetDedicatedNodes');
    expect(spec.targetLowPriorityNodes).toBe(0);
  });
});

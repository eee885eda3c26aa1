// The image and node agent rules of today's Azure, as the plan applies them: gallery versions that are not
// ready, definitions with no usable version, managed images retired for new pools (or published first),
// end-of-life dates, security types, node agent SKUs, quota.

import { describe, expect, it } from 'vitest';
import type { BatchPool, BatchPoolStatus } from '../../../src/api/types.ts';
import type { GalleryVersionFacts, ImageFacts, NodeAgentSku } from '../../../src/azure/ports.ts';
import { findCondition } from '../../../src/controller/conditions.ts';
import { plan, type PlanResult } from '../../../src/controller/plan/index.ts';
import { accountRegion } from '../../../src/controller/reconciler.ts';
import { batchPool, found, IMAGE, input, iso, NODE_AGENTS, snapshot, T0 } from '../../support/fixtures.ts';

const DAY = 86_400_000;
const SUB =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Compute';
const MANAGED = `${SUB}/images/ubuntu-2204`;
const DEFINITION = `${SUB}/galleries/g/images/ubuntu`;
const cond = (r: PlanResult, type: 'Ready' | 'Reconciling' | 'Stalled' | 'ImageAvailable') =>
  findCondition(r.status.conditions, type);
const kinds = (r: PlanResult) => r.events.map((e) => `${e.type}/${e.reason}`);

function version(over: Partial<GalleryVersionFacts> = {}): GalleryVersionFacts {
  return { id: IMAGE, provisioningState: 'Succeeded', replication: 'Completed', ...over };
}
const galleryVersion = (v: Partial<GalleryVersionFacts> = {}, securityType?: string): ImageFacts => ({
  kind: 'galleryVersion',
  definition: { osType: 'Linux', ...(securityType && { securityType }) },
  version: version(v),
});

/** A pass before the pool exists, with a fresh check of the image. */
function create(object: BatchPool, image: ImageFacts, extra: Partial<Parameters<typeof input>[1]> = {}) {
  return plan(input(object, { observed: { pool: undefined }, imageCheck: { image }, ...extra }));
}

describe('gallery versions as Azure judges them', () => {
  it('creates from a provisioned version replicated to the account region, and says so on ImageAvailable', () => {
    const r = create(batchPool(), galleryVersion());
    expect(r.action.kind).toBe('create');
    expect(cond(r, 'ImageAvailable')).toMatchObject({ status: 'True', reason: 'ImageFound' });
    expect(r.status.image).toMatchObject({
      source: 'Gallery',
      versionId: IMAGE,
      provisioningState: 'Succeeded',
      replication: 'Completed',
      region: 'westeurope',
      osType: 'Linux',
    });
  });

  it('waits while a version is provisioning or replicating, saying what for', () => {
    const provisioning = create(batchPool(), galleryVersion({ provisioningState: 'Creating' }));
    expect(provisioning.action.kind).toBe('none');
    expect(provisioning.status.phase).toBe('Pending');
    expect(cond(provisioning, 'Reconciling')).toMatchObject({ status: 'True', reason: 'ImageNotReady' });
    expect(cond(provisioning, 'ImageAvailable')?.message).toMatch(/provisioningState Creating/);
    const replicating = create(batchPool(), galleryVersion({ replication: 'Replicating', progress: 40 }));
    expect(replicating.action.kind).toBe('none');
    expect(cond(replicating, 'Reconciling')?.message).toBe(
      `Waiting for image version ${IMAGE} to be replicated to westeurope`,
    );
  });

  it('stalls on a failed version, or one not replicated to the region, naming what to do', () => {
    const failed = create(batchPool(), galleryVersion({ provisioningState: 'Failed' }));
    expect(cond(failed, 'Stalled')).toMatchObject({ status: 'True', reason: 'ImageProvisioningFailed' });
    const elsewhere = create(batchPool(), galleryVersion({ replication: 'NotTargeted' }));
    expect(elsewhere.action.kind).toBe('none');
    expect(cond(elsewhere, 'Stalled')).toMatchObject({ status: 'True', reason: 'ImageNotReplicated' });
    expect(cond(elsewhere, 'Stalled')?.message).toMatch(/add westeurope to the version's target regions/);
    expect(kinds(elsewhere)).toEqual(['Warning/ImageNotReplicated']);
  });

  it('refuses a version past its end of life, and warns once when the date is within 30 days', () => {
    const past = create(batchPool(), galleryVersion({ endOfLifeDate: iso(T0 - DAY) }));
    expect(past.action.kind).toBe('none');
    expect(cond(past, 'Stalled')).toMatchObject({ status: 'True', reason: 'ImageEndOfLife' });
    const soonFacts = galleryVersion({ endOfLifeDate: iso(T0 + 10 * DAY) });
    const soon = create(batchPool(), soonFacts);
    expect(soon.action.kind).toBe('create');
    expect(kinds(soon)).toContain('Warning/ImageEndOfLifeSoon');
    expect(cond(soon, 'ImageAvailable')?.message).toMatch(/reaches its end-of-life date on 2026-01-11/);
    // The next check finds the same date: no second Warning.
    const again = plan(
      input(
        { ...batchPool(), status: soon.status },
        {
          observed: { pool: snapshot() },
          imageCheck: { image: soonFacts },
          now: T0 + 60_000,
        },
      ),
    );
    expect(kinds(again)).not.toContain('Warning/ImageEndOfLifeSoon');
    expect(cond(again, 'Ready')?.message).toMatch(
      /; image version .* reaches its end-of-life date on 2026-01-11$/,
    );
  });

  it('a definition with no usable version is Stalled and ImageAvailable says False (not True)', () => {
    const defined = batchPool('render', { spec: { image: { id: DEFINITION } } });
    const none = create(defined, { kind: 'galleryImage', definition: { osType: 'Linux' } });
    expect(none.action.kind).toBe('none');
    expect(cond(none, 'Stalled')).toMatchObject({ status: 'True', reason: 'ImageNoUsableVersion' });
    expect(cond(none, 'ImageAvailable')).toMatchObject({ status: 'False', reason: 'ImageNoUsableVersion' });
    const newestReplicating = create(defined, {
      kind: 'galleryImage',
      definition: { osType: 'Linux' },
      newest: version({ id: `${DEFINITION}/versions/2.0.0`, replication: 'Replicating' }),
    });
    expect(newestReplicating.status.phase).toBe('Pending');
    const latest = create(defined, {
      kind: 'galleryImage',
      definition: { osType: 'Linux' },
      latest: version({ id: `${DEFINITION}/versions/1.9.0` }),
      newest: version({ id: `${DEFINITION}/versions/1.9.0` }),
    });
    expect(latest.action).toMatchObject({ kind: 'create', params: { imageId: DEFINITION } });
    expect(latest.status.image?.versionId).toBe(`${DEFINITION}/versions/1.9.0`);
  });
});

describe('managed images, retired for new pools on 31 March 2026', () => {
  const managed = (spec: Partial<BatchPool['spec']> = {}) =>
    batchPool('render', { spec: { image: { id: MANAGED }, ...spec } });

  it('sends nothing to Azure for a new pool and says how to migrate', () => {
    const r = create(managed(), { kind: 'managed', osType: 'Linux' });
    expect(r.action.kind).toBe('none');
    expect(cond(r, 'Stalled')).toMatchObject({ status: 'True', reason: 'ManagedImageRetired' });
    const message = cond(r, 'Stalled')?.message ?? '';
    expect(message).toMatch(/31 March 2026/);
    expect(message).toMatch(/Azure Compute Gallery image version replicated to the Batch account's region/);
    expect(message).toMatch(/spec\.image\.publishTo/);
    expect(cond(r, 'ImageAvailable')).toMatchObject({ status: 'False', reason: 'ManagedImageRetired' });
  });

  it('keeps managing a pool that already runs on one, and says its image source is retired', () => {
    const obj = managed({ targetDedicatedNodes: 4 });
    const pool = snapshot({ currentDedicatedNodes: 10, targetDedicatedNodes: 10 }, obj);
    const r = plan(
      input(
        { ...obj, status: { observedGeneration: 1, image: undefined } },
        {
          observed: { pool },
          imageCheck: { image: { kind: 'managed', osType: 'Linux' } },
        },
      ),
    );
    expect(r.action).toMatchObject({ kind: 'resize', params: { targetDedicatedNodes: 4 } });
    expect(r.status.image?.source).toBe('Managed');
    expect(cond(r, 'ImageAvailable')?.message).toMatch(/retired managed-image pools for new pools/);
  });

  it('with publishTo, publishes the managed image, waits for Azure, then creates from the version', () => {
    const publishTo = { gallery: `${SUB}/galleries/g`, definition: 'ubuntu', version: '1.0.0' };
    const versionId = `${SUB}/galleries/g/images/ubuntu/versions/1.0.0`;
    const obj = managed({ image: { id: MANAGED, publishTo } });
    const source: ImageFacts = { kind: 'managed', osType: 'Linux' };

    const publish = create(obj, source, { imageCheck: { image: source, published: { kind: 'missing' } } });
    expect(publish.action).toEqual({
      kind: 'publishImage',
      request: { sourceImageId: MANAGED, versionId, region: 'westeurope' },
    });
    expect(publish.status.phase).toBe('Pending');
    expect(cond(publish, 'ImageAvailable')).toMatchObject({ status: 'False', reason: 'ImagePublishing' });
    expect(publish.events.map((e) => `${e.reason}/${e.action}`)).toEqual(['ImagePublishing/Publish']);

    const creating = galleryVersion({ id: versionId, provisioningState: 'Creating' }, 'TrustedLaunch');
    const wait = create({ ...obj, status: publish.status }, source, {
      imageCheck: { image: source, published: creating },
    });
    expect(wait.action.kind).toBe('none');
    expect(cond(wait, 'Reconciling')?.message).toBe(
      `Waiting for Azure to finish image version ${versionId} (provisioningState Creating)`,
    );

    const ready = galleryVersion({ id: versionId }, 'TrustedLaunch');
    const made = create({ ...obj, status: wait.status }, source, {
      imageCheck: { image: source, published: ready },
    });
    expect(made.action).toMatchObject({
      kind: 'create',
      params: { imageId: versionId, securityProfile: { securityType: 'trustedLaunch' } },
    });
    expect(made.status.image).toMatchObject({ id: MANAGED, source: 'Managed', versionId });
  });
});

describe('security types', () => {
  it('gives a Trusted Launch image Trusted Launch with secure boot and vTPM, and says so', () => {
    const r = create(batchPool(), galleryVersion({}, 'TrustedLaunch'));
    expect(r.action).toMatchObject({
      kind: 'create',
      params: {
        securityProfile: {
          securityType: 'trustedLaunch',
          uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
        },
      },
    });
    expect(kinds(r)).toContain('Normal/SecurityProfileFromImage');
  });

  it('keeps what else the spec sets, and nothing for an image that only supports Trusted Launch', () => {
    const atHost = batchPool('render', { spec: { securityProfile: { encryptionAtHost: true } } });
    const merged = create(atHost, galleryVersion({}, 'TrustedLaunch'));
    expect(merged.action).toMatchObject({
      params: { securityProfile: { securityType: 'trustedLaunch', encryptionAtHost: true } },
    });
    const supported = create(batchPool(), galleryVersion({}, 'TrustedLaunchSupported'));
    expect(supported.action.kind).toBe('create');
    expect(supported.action.kind === 'create' && supported.action.params.securityProfile).toBeUndefined();
  });

  it('refuses a spec the image cannot boot with, naming both', () => {
    const cvm = batchPool('render', { spec: { securityProfile: { securityType: 'confidentialvm' } } });
    const r = create(cvm, galleryVersion({}, 'TrustedLaunch'));
    expect(r.action.kind).toBe('none');
    expect(cond(r, 'Stalled')).toMatchObject({ status: 'True', reason: 'SecurityTypeMismatch' });
    expect(cond(r, 'Stalled')?.message).toMatch(
      /securityType confidentialvm does not fit .* declares security type TrustedLaunch/,
    );
    const tl = batchPool('render', { spec: { securityProfile: { securityType: 'trustedLaunch' } } });
    expect(cond(create(tl, galleryVersion()), 'Stalled')?.reason).toBe('SecurityTypeMismatch');
  });
});

describe('node agent SKUs', () => {
  const withSku = (sku: string) => batchPool('render', { spec: { nodeAgentSkuId: sku } });

  it('refuses an SKU the account does not offer for the image OS, naming the valid ones', () => {
    const r = create(withSku('batch.node.windows amd64'), galleryVersion());
    expect(r.action.kind).toBe('none');
    expect(cond(r, 'Stalled')).toMatchObject({ status: 'True', reason: 'NodeAgentSkuUnsupported' });
    expect(cond(r, 'Stalled')?.message).toMatch(
      /not offered by this Batch account for Linux images.*Valid ones: batch\.node\.ubuntu 22\.04, batch\.node\.ubuntu 24\.04\./,
    );
  });

  it('refuses one past its end of support, and warns once within 90 days of it', () => {
    const skus: NodeAgentSku[] = [
      ...NODE_AGENTS,
      { id: 'batch.node.ubuntu 20.04', osType: 'linux', endOfLife: iso(T0 - DAY) },
      { id: 'batch.node.el 9', osType: 'linux', endOfLife: iso(T0 + 30 * DAY) },
    ];
    const retired = create(withSku('batch.node.ubuntu 20.04'), galleryVersion(), { nodeAgents: skus });
    expect(cond(retired, 'Stalled')).toMatchObject({ status: 'True', reason: 'NodeAgentSkuRetired' });
    const soon = create(withSku('batch.node.el 9'), galleryVersion(), { nodeAgents: skus });
    expect(soon.action.kind).toBe('create');
    expect(kinds(soon)).toContain('Warning/NodeAgentSkuEndOfLifeSoon');
    expect(soon.status.nodeAgent).toMatchObject({ skuId: 'batch.node.el 9', supported: true });
  });
});

describe('errors as Azure gives them', () => {
  /** Our resize to 10 ended at 4 with `code` (and `values`), observed now. */
  function failed(code: string, values?: { name: string; value: string }[]) {
    const obj = batchPool('render', {
      status: {
        observedGeneration: 1,
        image: { id: IMAGE, exists: true, checkedAt: iso(T0), source: 'Gallery', versionId: IMAGE },
        resize: {
          attempts: 1,
          lastIssuedAt: iso(T0 - 60_000),
          lastTarget: { dedicated: 10, lowPriority: 0 },
        },
      },
    });
    const pool = snapshot({
      currentDedicatedNodes: 4,
      resizeErrors: [
        { code, message: 'Desired number of nodes could not be allocated', ...(values && { values }) },
      ],
    });
    return { obj, pool, r: plan(input(obj, { observed: { pool } })) };
  }

  it("puts a resize error's values on the status and in the event", () => {
    const { r } = failed('AllocationFailed', [{ name: 'Reason', value: 'capacity in westeurope' }]);
    expect(r.status.resize?.lastError?.message).toBe(
      'Desired number of nodes could not be allocated. (Reason=capacity in westeurope)',
    );
    expect(r.events.find((e) => e.reason === 'ResizeError')?.message).toMatch(
      /\(Reason=capacity in westeurope\)/,
    );
  });

  it('stalls on a reached core quota with the advice, and still re-issues after the long backoff', () => {
    const { obj, pool, r } = failed('AccountCoreQuotaReached');
    expect(r.action.kind).toBe('none');
    expect(cond(r, 'Stalled')).toMatchObject({ status: 'True', reason: 'QuotaReached' });
    expect(cond(r, 'Stalled')?.message).toMatch(/Raise the quota .* every 10m/);
    expect(r.requeueAfterMs).toBeGreaterThan(7 * 60_000);
    const later = plan(input({ ...obj, status: r.status }, { observed: { pool }, now: T0 + 13 * 60_000 }));
    expect(later.action).toMatchObject({ kind: 'resize', afterError: 'AccountCoreQuotaReached' });
  });

  it('reads an unknown code as a failure worth a backoff, naming the code', () => {
    const { r } = failed('SomethingNewFromAzure');
    expect(r.status.phase).toBe('Backoff');
    expect(cond(r, 'Reconciling')?.message).toMatch(/^SomethingNewFromAzure at 4 dedicated of 10 dedicated/);
  });
});

describe('objects written before these checks existed', () => {
  it('a status with only id, exists and checkedAt keeps its pool managed, and asks for a fresh check', () => {
    const old: BatchPoolStatus = {
      observedGeneration: 1,
      phase: 'Ready',
      image: { id: IMAGE, exists: true, checkedAt: iso(T0 - 60_000) },
    };
    const r = plan(input(batchPool('render', { status: old }), { observed: { pool: snapshot() } }));
    expect(r.status.phase).toBe('Ready');
    const next = plan(
      input(batchPool('render', { status: old }), { observed: { pool: snapshot() }, imageCheck: found() }),
    );
    expect(next.status.image?.source).toBe('Gallery');
  });
});

describe('the account region', () => {
  const account = (endpoint: string, location?: string) => ({
    apiVersion: 'batch.pooloperator.dev/v1alpha1' as const,
    kind: 'BatchAccount' as const,
    metadata: { name: 'a' },
    spec: { endpoint, ...(location && { location }) },
  });
  it('is spec.location, or read from the endpoint host', () => {
    expect(accountRegion(account('https://prod.westeurope.batch.azure.com'))).toBe('westeurope');
    expect(accountRegion(account('https://prod.chinanorth2.batch.chinacloudapi.cn'))).toBe('chinanorth2');
    expect(accountRegion(account('https://127.0.0.1:8443'))).toBeUndefined();
    expect(accountRegion(account('https://127.0.0.1:8443', 'eastus'))).toBe('eastus');
  });
});

// Today's Azure against a real apiserver and the simulator: every Batch request at api-version 2025-06-01;
// gallery versions that are provisioning, failed, not replicated to the account's region, excluded from
// latest or near or past their end of life; a Trusted Launch definition; managed images refused for new
// pools, or published to a gallery first; node agent SKUs the account does not offer, or no longer.

import { ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchClient } from '../../src/azure/batch/client.ts';
import { OWNER_METADATA } from '../../src/azure/ports.ts';
import { e2ePlane, poolRequests } from '../support/e2e/plane.ts';
import { startHarness, type Harness } from '../support/e2e/harness.ts';
import { condition, isReadyAt } from '../support/e2e/kube-helpers.ts';

const DAY = 86_400_000;
const soon = (days: number) => new Date(Date.now() + days * DAY).toISOString();

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    supportedImages: [
      {
        nodeAgentSKUId: 'batch.node.ubuntu 24.04',
        imageReference: {
          publisher: 'canonical',
          offer: 'ubuntu-24_04-lts',
          sku: 'server',
          version: 'latest',
        },
        osType: 'linux',
        verificationType: 'verified',
      },
      {
        nodeAgentSKUId: 'batch.node.ubuntu 22.04',
        imageReference: {
          publisher: 'canonical',
          offer: '0001-com-ubuntu-server-jammy',
          sku: '22_04-lts',
          version: 'latest',
        },
        osType: 'linux',
        batchSupportEndOfLife: soon(60),
        verificationType: 'verified',
      },
      {
        nodeAgentSKUId: 'batch.node.ubuntu 20.04',
        imageReference: {
          publisher: 'canonical',
          offer: '0001-com-ubuntu-server-focal',
          sku: '20_04-lts',
          version: 'latest',
        },
        osType: 'linux',
        batchSupportEndOfLife: '2025-04-30T00:00:00Z',
        verificationType: 'verified',
      },
      {
        nodeAgentSKUId: 'batch.node.windows amd64',
        imageReference: {
          publisher: 'microsoftwindowsserver',
          offer: 'windowsserver',
          sku: '2022-datacenter',
          version: 'latest',
        },
        osType: 'windows',
        verificationType: 'verified',
      },
    ],
  });
});
afterAll(async () => {
  await h?.close();
});

/** A namespace and account; the pool specs name the image themselves. */
const setup = (prefix: string) => h.tenant(prefix, 'gallery-version');
const SKU = 'batch.node.ubuntu 24.04';

function batchClient(): BatchClient {
  const i = h.sim.info;
  const cred = new ClientSecretCredential(i.tenantId, i.clientId, i.clientSecret, {
    authorityHost: i.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: i.caPem },
  });
  return new BatchClient(i.batchUrl, cred, { ca: i.caPem });
}

describe('gallery images as Azure serves them', () => {
  it('waits for a version that is still provisioning, then creates the pool once Azure has finished it', async () => {
    const { ns, account } = await setup('provisioning');
    const version = h.sim.images.createGalleryImageVersion(`gal-${ns}`, 'ubuntu', '1.0.0', {
      provisioningState: 'Creating',
    });
    await h.kube.applyPool(ns, 'p', {
      accountRef: { name: account },
      image: { id: version },
      nodeAgentSkuId: SKU,
      poolId: `prov-${ns}`,
      targetDedicatedNodes: 2,
    });
    const waiting = await h.kube.waitForPool(
      ns,
      'p',
      (x) => condition(x, 'Reconciling')?.reason === 'ImageNotReady',
      'waiting for the version',
    );
    expect(condition(waiting, 'Reconciling')?.message).toMatch(/provisioningState Creating/);
    expect(condition(waiting, 'ImageAvailable')).toMatchObject({ status: 'False', reason: 'ImageNotReady' });
    expect(h.sim.pools.get(`prov-${ns}`)).toBeUndefined();
    h.sim.images.setVersionState(version, {
      provisioningState: 'Succeeded',
      regions: { [h.sim.info.location]: 'Completed' },
    });
    await h.kube.waitForPool(ns, 'p', isReadyAt(2), 'Ready once the version is provisioned');
  });

  it('stalls on a failed version, and on one not replicated to the account region (naming it), then resumes', async () => {
    const { ns, account } = await setup('replication');
    const failed = h.sim.images.createGalleryImageVersion(`gal-${ns}`, 'failed', '1.0.0', {
      provisioningState: 'Failed',
    });
    const elsewhere = h.sim.images.createGalleryImageVersion(`gal-${ns}`, 'elsewhere', '1.0.0', {
      regions: { eastus: 'Completed' },
    });
    const base = { accountRef: { name: account }, nodeAgentSkuId: SKU, targetDedicatedNodes: 2 };
    await h.kube.applyPool(ns, 'f', { ...base, image: { id: failed }, poolId: `failed-${ns}` });
    await h.kube.applyPool(ns, 'e', { ...base, image: { id: elsewhere }, poolId: `elsewhere-${ns}` });
    await h.kube.waitForPool(
      ns,
      'f',
      (x) => condition(x, 'Stalled')?.reason === 'ImageProvisioningFailed',
      'failed',
    );
    const e = await h.kube.waitForPool(
      ns,
      'e',
      (x) => condition(x, 'Stalled')?.reason === 'ImageNotReplicated',
      'not replicated',
    );
    expect(condition(e, 'Stalled')?.message).toMatch(
      new RegExp(`add ${h.sim.info.location} to the version's target regions`),
    );
    expect(e.status?.image).toMatchObject({ region: h.sim.info.location, replication: 'NotTargeted' });
    h.sim.images.setVersionState(elsewhere, {
      regions: { eastus: 'Completed', [h.sim.info.location]: 'Completed' },
    });
    await h.kube.waitForPool(ns, 'e', isReadyAt(2), 'Ready once replicated to the region');
    expect(h.sim.pools.get(`failed-${ns}`)).toBeUndefined();
  });

  it("follows a definition's latest usable version, not one excluded from latest, and records which", async () => {
    const { ns, account } = await setup('latest');
    const older = h.sim.images.createGalleryImageVersion(`gal-${ns}`, 'ubuntu', '1.2.0');
    h.sim.images.createGalleryImageVersion(`gal-${ns}`, 'ubuntu', '1.3.0', { excludeFromLatest: true });
    const definition = older.replace(/\/versions\/.*$/, '');
    await h.kube.applyPool(ns, 'p', {
      accountRef: { name: account },
      image: { id: definition },
      nodeAgentSkuId: SKU,
      poolId: `latest-${ns}`,
      targetDedicatedNodes: 2,
    });
    const p = await h.kube.waitForPool(ns, 'p', isReadyAt(2), 'Ready from the definition');
    expect(p.status?.image?.versionId).toBe(older);
    expect(h.sim.pools.get(`latest-${ns}`)?.resolvedImageId?.toLowerCase()).toBe(older.toLowerCase());
  });

  it('refuses a version past its end of life, and warns about one within 30 days of it', async () => {
    const { ns, account } = await setup('eol');
    const past = h.sim.images.createGalleryImageVersion(`gal-${ns}`, 'old', '1.0.0', {
      endOfLifeDate: '2026-01-01T00:00:00Z',
    });
    const near = h.sim.images.createGalleryImageVersion(`gal-${ns}`, 'near', '1.0.0', {
      endOfLifeDate: soon(10),
    });
    const base = { accountRef: { name: account }, nodeAgentSkuId: SKU, targetDedicatedNodes: 2 };
    await h.kube.applyPool(ns, 'past', { ...base, image: { id: past }, poolId: `past-${ns}` });
    await h.kube.applyPool(ns, 'near', { ...base, image: { id: near }, poolId: `near-${ns}` });
    const refused = await h.kube.waitForPool(
      ns,
      'past',
      (x) => condition(x, 'Stalled')?.reason === 'ImageEndOfLife',
      'Stalled ImageEndOfLife',
    );
    expect(condition(refused, 'Stalled')?.message).toMatch(/reached its end-of-life date 2026-01-01/);
    expect(h.sim.pools.get(`past-${ns}`)).toBeUndefined();
    const ready = await h.kube.waitForPool(ns, 'near', isReadyAt(2), 'Ready, with a warning');
    expect(condition(ready, 'Ready')?.message).toMatch(/reaches its end-of-life date on/);
    expect((await h.kube.waitForEvent(ns, 'near', 'ImageEndOfLifeSoon')).type).toBe('Warning');
  });

  it('creates a pool from a Trusted Launch definition with Trusted Launch, secure boot and vTPM', async () => {
    const { ns, account } = await setup('trusted');
    const version = h.sim.images.createGalleryImageVersion(`gal-${ns}`, 'tl', '1.0.0', {
      securityType: 'TrustedLaunch',
      hyperVGeneration: 'V2',
    });
    const definition = version.replace(/\/versions\/.*$/, '');
    const id = `tl-${ns}`;
    await h.kube.applyPool(ns, 'p', {
      accountRef: { name: account },
      image: { id: definition },
      nodeAgentSkuId: SKU,
      poolId: id,
      targetDedicatedNodes: 2,
    });
    await h.kube.waitForPool(ns, 'p', isReadyAt(2), 'Ready with Trusted Launch');
    const add = poolRequests(h.sim, 'create', id)[0];
    expect(add?.body?.securityType).toBe('trustedLaunch');
    const pool = await batchClient().getPool(id);
    expect(pool.virtualMachineConfiguration?.securityProfile).toMatchObject({
      securityType: 'trustedLaunch',
      uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
    });
    expect(h.sim.pools.get(id)?.nodesUnusableReason).toBeUndefined();
    expect((await h.kube.waitForEvent(ns, 'p', 'SecurityProfileFromImage')).note).toMatch(/TrustedLaunch/);
  });

  it('refuses a security type the image cannot boot, naming both, and sends nothing', async () => {
    const { ns, account } = await setup('mismatch');
    const version = h.sim.images.createGalleryImageVersion(`gal-${ns}`, 'tl', '1.0.0', {
      securityType: 'TrustedLaunch',
    });
    await h.kube.applyPool(ns, 'p', {
      accountRef: { name: account },
      image: { id: version },
      nodeAgentSkuId: SKU,
      securityProfile: { securityType: 'confidentialvm' },
      poolId: `cvm-${ns}`,
      targetDedicatedNodes: 2,
    });
    const p = await h.kube.waitForPool(
      ns,
      'p',
      (x) => condition(x, 'Stalled')?.reason === 'SecurityTypeMismatch',
      'Stalled SecurityTypeMismatch',
    );
    expect(condition(p, 'Stalled')?.message).toMatch(/confidentialvm does not fit .* TrustedLaunch/);
    expect(h.sim.pools.get(`cvm-${ns}`)).toBeUndefined();
  });
});

describe('managed images, retired for new pools', () => {
  it('stalls a new pool on a managed image with the retirement date and the migration, sending nothing', async () => {
    const { ns, account } = await setup('managed');
    const managed = h.sim.images.createManagedImage(`img-${ns}`);
    const since = h.sim.requests.cursor();
    await h.kube.applyPool(ns, 'p', {
      accountRef: { name: account },
      image: { id: managed },
      nodeAgentSkuId: SKU,
      poolId: `managed-${ns}`,
      targetDedicatedNodes: 2,
    });
    const p = await h.kube.waitForPool(
      ns,
      'p',
      (x) => condition(x, 'Stalled')?.reason === 'ManagedImageRetired',
      'Stalled ManagedImageRetired',
    );
    expect(condition(p, 'Stalled')?.message).toMatch(
      /31 March 2026.*gallery image version.*spec\.image\.publishTo/s,
    );
    expect(poolRequests(h.sim, 'create', undefined, since)).toEqual([]);
  });

  it('keeps managing a pool that already runs on a managed image, and says its image source is retired', async () => {
    const { ns, account } = await setup('legacy');
    const managed = h.sim.images.createManagedImage(`img-${ns}`);
    const id = `legacy-${ns}`;
    // The pool was made before 31 March 2026, when Batch still took managed images.
    const before = h.sim.compat.set({ allowManagedImages: true });
    await h.batch.create({
      id,
      vmSize: 'Standard_D4s_v5',
      imageId: managed,
      nodeAgentSkuId: SKU,
      targetDedicatedNodes: 4,
      targetLowPriorityNodes: 0,
      resizeTimeout: 'PT20M',
      metadata: [
        { name: OWNER_METADATA.namespace, value: ns },
        { name: OWNER_METADATA.name, value: 'p' },
      ],
    });
    h.sim.compat.set({ allowManagedImages: before.allowManagedImages });
    await h.kube.applyPool(ns, 'p', {
      accountRef: { name: account },
      image: { id: managed },
      nodeAgentSkuId: SKU,
      poolId: id,
      targetDedicatedNodes: 2,
    });
    const p = await h.kube.waitForPool(ns, 'p', isReadyAt(2), 'shrunk to 2 and Ready');
    expect(p.status?.image?.source).toBe('Managed');
    expect(condition(p, 'ImageAvailable')?.message).toMatch(/retired managed-image pools for new pools/);
    expect(condition(p, 'Ready')?.message).toMatch(/move to a gallery image version/);
  });

  it('with publishTo, publishes it as a gallery version replicated to the region and ends Ready on that version', async () => {
    const { ns, account } = await setup('publish');
    const managed = h.sim.images.createManagedImage(`img-${ns}`);
    // Its own gallery: the tenant's image already has a version 1.0.0 in gal-{ns}.
    const definition = h.sim.images.createGalleryImage(`pub-${ns}`, 'ubuntu', { osType: 'Linux' });
    const gallery = definition.replace(/\/images\/[^/]+$/, '');
    const id = `pub-${ns}`;
    await h.kube.applyPool(ns, 'p', {
      accountRef: { name: account },
      image: { id: managed, publishTo: { gallery, definition: 'ubuntu', version: '1.0.0' } },
      nodeAgentSkuId: SKU,
      poolId: id,
      targetDedicatedNodes: 2,
    });
    const ready = await h.kube.waitForPool(ns, 'p', isReadyAt(2), 'Ready on the published version', 90_000);
    const version = `${definition}/versions/1.0.0`;
    expect(ready.status?.image).toMatchObject({ id: managed, source: 'Managed' });
    expect(ready.status?.image?.versionId?.toLowerCase()).toBe(version.toLowerCase());
    expect(h.sim.pools.get(id)?.imageId?.toLowerCase()).toBe(version.toLowerCase());
    // One PUT of the version, and the pool created only after it (from the version, not the managed image).
    const ours = (e: { path: string }) => e.path.toLowerCase().includes(`pub-${ns}`.toLowerCase());
    const puts = h.sim.requests.list({ operation: 'GalleryImageVersions_CreateOrUpdate' }).filter(ours);
    expect(puts).toHaveLength(1);
    const add = poolRequests(h.sim, 'create', id);
    expect(add.map((e) => e.body?.imageId?.toLowerCase())).toEqual([version.toLowerCase()]);
    expect(add[0]!.seq).toBeGreaterThan(puts[0]!.seq);
    expect((await h.kube.waitForEvent(ns, 'p', 'ImagePublishing')).note).toMatch(/replicated to/);
  });
});

describe('node agent SKUs', () => {
  it('refuses one the account does not offer for the image OS, naming the valid ones', async () => {
    const { ns, base } = await setup('sku');
    await h.kube.applyPool(ns, 'p', {
      ...base,
      nodeAgentSkuId: 'batch.node.windows amd64',
      poolId: `sku-${ns}`,
      targetDedicatedNodes: 2,
    });
    const p = await h.kube.waitForPool(
      ns,
      'p',
      (x) => condition(x, 'Stalled')?.reason === 'NodeAgentSkuUnsupported',
      'Stalled NodeAgentSkuUnsupported',
    );
    expect(condition(p, 'Stalled')?.message).toMatch(
      /Valid ones: batch\.node\.ubuntu 22\.04, batch\.node\.ubuntu 24\.04\./,
    );
  });

  it('refuses one past its end of support, and warns about one within 90 days of it', async () => {
    const { ns, base } = await setup('skueol');
    await h.kube.applyPool(ns, 'old', {
      ...base,
      nodeAgentSkuId: 'batch.node.ubuntu 20.04',
      poolId: `old-${ns}`,
      targetDedicatedNodes: 2,
    });
    await h.kube.applyPool(ns, 'near', {
      ...base,
      nodeAgentSkuId: 'batch.node.ubuntu 22.04',
      poolId: `near-${ns}`,
      targetDedicatedNodes: 2,
    });
    await h.kube.waitForPool(
      ns,
      'old',
      (x) => condition(x, 'Stalled')?.reason === 'NodeAgentSkuRetired',
      'retired SKU',
    );
    expect(h.sim.pools.get(`old-${ns}`)).toBeUndefined();
    const near = await h.kube.waitForPool(ns, 'near', isReadyAt(2), 'Ready, with a warning');
    expect(condition(near, 'Ready')?.message).toMatch(
      /node agent SKU "batch\.node\.ubuntu 22\.04" reaches the end of Batch support/,
    );
    expect((await h.kube.waitForEvent(ns, 'near', 'NodeAgentSkuEndOfLifeSoon')).type).toBe('Warning');
  });
});

describe('the wire', () => {
  it('every Batch request the operator sent carried api-version 2025-06-01', () => {
    const batch = h.sim.requests.list({ api: 'batch', clientId: h.sim.info.clientId });
    expect(batch.length).toBeGreaterThan(20);
    expect(new Set(batch.map((e) => e.apiVersion))).toEqual(new Set(['2025-06-01']));
    expect(batch.filter((e) => e.status === 400 && /ApiVersion|RequestVersion/i.test(e.operation))).toEqual(
      [],
    );
    // On a management-plane account the pool requests went to ARM, at the same api-version.
    const arm = poolRequests(h.sim, undefined).filter((e) => e.api === 'arm');
    if (e2ePlane() === 'ResourceManager') expect(arm.length).toBeGreaterThan(5);
    else expect(arm).toEqual([]);
    expect(new Set(arm.map((e) => e.apiVersion))).toEqual(new Set(arm.length > 0 ? ['2025-06-01'] : []));
  });
});

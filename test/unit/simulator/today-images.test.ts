// Custom images as Azure takes them today: managed images and VHDs refused unless the compatibility
// switch is on, gallery image versions in every state (provisioning, replication per region, excluded from
// latest, end of life), a definition resolving to its latest usable version, publishing a managed image
// as a gallery version (a long-running operation that replicates over simulated time), the account's
// region on the management plane, and security types against the image's.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Simulator } from '../../../src/simulator/index.ts';
import { startSimulator } from '../../../src/simulator/index.ts';
import { computeClient, control, raw, tokenFor, vmConfig } from './helpers.ts';

let sim: Simulator;
let batchAuth: Record<string, string>;
let armAuth: Record<string, string>;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0 });
  batchAuth = { authorization: `Bearer ${await tokenFor(sim, 'https://batch.core.windows.net//.default')}` };
  armAuth = { authorization: `Bearer ${await tokenFor(sim, 'https://management.azure.com/.default')}` };
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
});

const API = 'api-version=2025-06-01';
const GALLERY_API = 'api-version=2025-03-03';
const add = (id: string, imageId: string, extra: Record<string, unknown> = {}) =>
  raw(sim, 'POST', `/pools?${API}`, {
    headers: batchAuth,
    body: {
      id,
      vmSize: 'Standard_D4s_v5',
      virtualMachineConfiguration: { ...vmConfig(imageId), ...extra },
      targetDedicatedNodes: 2,
    },
  });
const reason = (res: { json: { values?: { key: string; value: string }[] } }) =>
  res.json.values?.find((v) => v.key === 'Reason')?.value;
const arm = (method: string, path: string, body?: unknown) =>
  raw(sim, method, path, { headers: armAuth, ...(body === undefined ? {} : { body }) });

describe('managed images and VHDs', () => {
  test('accepted only with the allowManagedImages switch (a pool from before the retirement)', async () => {
    expect(sim.compat.current.allowManagedImages).toBe(false);
    sim.compat.set({ allowManagedImages: true });
    expect((await add('p', sim.images.createManagedImage('img'))).status).toBe(201);
  });

  test('refused by default: 400 InvalidPropertyValue virtualMachineImageId with the way to a gallery', async () => {
    const managed = await add('p', sim.images.createManagedImage('img'));
    expect([managed.status, managed.json.code, managed.json.values[0].value]).toEqual([
      400,
      'InvalidPropertyValue',
      'virtualMachineImageId',
    ]);
    expect(reason(managed)).toMatch(
      /retired on 31 March 2026: publish the image as an Azure Compute Gallery image version/,
    );
    const vhd = await add('v', 'https://account.blob.core.windows.net/vhds/ubuntu.vhd');
    expect(reason(vhd)).toBe(reason(managed));
    const malformed = await add('m', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/nope/x');
    expect(reason(malformed)).not.toContain('Microsoft.Compute/images/{imageName}');
    expect((await add('g', sim.images.createGalleryImageVersion('g', 'i', '1.0.0'))).status).toBe(201);
  });
});

describe('gallery image versions in every state', () => {
  test('a version still being created, or failed, cannot make a pool; once Succeeded it can', async () => {
    const creating = sim.images.createGalleryImageVersion('g', 'i', '1.0.0', {
      provisioningState: 'Creating',
    });
    const res = await add('p', creating);
    expect([res.status, res.json.code, reason(res)]).toEqual([
      400,
      'InvalidPropertyValue',
      'The specified image version cannot be used yet: its provisioningState is Creating.',
    ]);
    const failed = sim.images.createGalleryImageVersion('g', 'i', '2.0.0', { provisioningState: 'Failed' });
    expect(reason(await add('p', failed))).toContain('Failed');
    expect(
      sim.images.setVersionState(creating, {
        provisioningState: 'Succeeded',
        regions: { westeurope: 'Completed' },
      }),
    ).toBe(true);
    expect((await add('p', creating)).status).toBe(201);
  });

  test('a version not replicated to the account region is refused with the gallery message, per region', async () => {
    const id = sim.images.createGalleryImageVersion('g', 'i', '1.0.0', {
      regions: { eastus: 'Completed', westeurope: { state: 'Replicating', progress: 30 } },
    });
    const res = await add('p', id);
    expect(reason(res)).toBe(
      `The gallery image ${id} is not available in westeurope region. Please contact image owner to replicate to this region, or change your requested region.`,
    );
    const elsewhere = sim.images.createGalleryImageVersion('g', 'i', '1.1.0', {
      regions: { eastus: 'Completed' },
    });
    expect(reason(await add('p', elsewhere))).toContain('not available in westeurope');
    sim.images.setVersionState(id, { regions: { westeurope: 'Completed' } });
    expect((await add('p', id)).status).toBe(201);
    expect(sim.images.versionStatus(id)?.aggregatedState).toBe('Completed');
  });

  test('past its end of life a version still makes pools (end-of-life dates are informational)', async () => {
    const id = sim.images.createGalleryImageVersion('g', 'i', '1.0.0', {
      endOfLifeDate: '2020-01-01T00:00:00Z',
    });
    expect((await add('p', id)).status).toBe(201);
    const got = await arm('GET', `${id}?${GALLERY_API}`);
    expect(got.json.properties.publishingProfile.endOfLifeDate).toBe('2020-01-01T00:00:00Z');
  });

  test('a definition means its latest usable version: highest, not excluded, provisioned, replicated here', async () => {
    const v = (version: string, o = {}) => sim.images.createGalleryImageVersion('g', 'ubuntu', version, o);
    v('1.0.0');
    v('1.10.0'); // numerically above 1.9.0
    v('1.9.0');
    v('2.0.0', { excludeFromLatest: true });
    v('2.1.0', { provisioningState: 'Creating' });
    v('2.2.0', { regions: { eastus: 'Completed' } });
    v('2.3.0', { regions: { westeurope: 'Failed' } });
    const definition = v('0.1.0').replace(/\/versions\/[^/]+$/, '');
    const created = await add('p', definition);
    expect(created.status).toBe(201);
    // The pool keeps the definition ID; the view tells which version "latest" meant when it was created.
    expect(sim.pools.get('p')).toMatchObject({
      imageId: definition,
      resolvedImageId: `${definition}/versions/1.10.0`,
    });

    // A failed replica of the winner in this region moves latest down.
    sim.images.setVersionState(`${definition}/versions/1.10.0`, { regions: { westeurope: 'Failed' } });
    expect((await add('q', definition)).status).toBe(201);
    expect(sim.pools.get('q')?.resolvedImageId).toBe(`${definition}/versions/1.9.0`);

    // No usable version at all: Azure's "does not exist or cannot access it".
    const lonely = sim.images.createGalleryImageVersion('g', 'lonely', '1.0.0', { excludeFromLatest: true });
    const res = await add('r', lonely.replace(/\/versions\/[^/]+$/, ''));
    expect(reason(res)).toBe('The specified image does not exist or the Batch service cannot access it.');
  });

  test('excludeFromLatest per target region counts for that region only', async () => {
    const id = sim.images.createGalleryImageVersion('g', 'i', '1.0.0');
    const resource = (await arm('GET', `${id}?${GALLERY_API}`)).json;
    await computeClient(sim).galleryImageVersions.createOrUpdate('images-rg', 'g', 'i', '1.0.0', {
      location: resource.location,
      publishingProfile: {
        targetRegions: [{ name: 'West Europe', excludeFromLatest: true }, { name: 'East US' }],
      },
    });
    const res = await add('p', id.replace(/\/versions\/[^/]+$/, ''));
    expect(reason(res)).toBe('The specified image does not exist or the Batch service cannot access it.');
    expect((await add('p', id)).status).toBe(201); // the version itself is fine
  });

  test('$expand=ReplicationStatus shows the per-region states the Compute API defines', async () => {
    const id = sim.images.createGalleryImageVersion('g', 'i', '1.0.0', {
      provisioningState: 'Failed',
      regions: {
        westeurope: 'Completed',
        northeurope: 'Failed',
        eastus: { state: 'Replicating', progress: 12 },
      },
    });
    const got = await arm('GET', `${id}?${GALLERY_API}&%24expand=ReplicationStatus`);
    expect(got.json.properties.provisioningState).toBe('Failed');
    expect(got.json.properties.replicationStatus).toEqual({
      aggregatedState: 'Failed',
      summary: [
        { region: 'West Europe', state: 'Completed', details: '', progress: 100 },
        {
          region: 'North Europe',
          state: 'Failed',
          details: 'Failed with internal server error.',
          progress: 0,
        },
        { region: 'East US', state: 'Replicating', details: '', progress: 12 },
      ],
    });
    expect(got.json.properties.publishingProfile.targetRegions.map((r: { name: string }) => r.name)).toEqual([
      'West Europe',
      'North Europe',
      'East US',
    ]);
    // And through the SDK.
    const sdk = await computeClient(sim).galleryImageVersions.get('images-rg', 'g', 'i', '1.0.0', {
      expand: 'ReplicationStatus',
    });
    expect(sdk.replicationStatus?.summary?.map((s) => s.state)).toEqual([
      'Completed',
      'Failed',
      'Replicating',
    ]);
  });

  test('the control API creates versions in a state, changes them and reports them', async () => {
    const id = `/subscriptions/${sim.info.subscriptionId}/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i/versions/3.0.0`;
    const created = await control(sim, 'POST', '/images/gallery-version', {
      id,
      provisioningState: 'Creating',
      regions: { westeurope: 'Replicating' },
      securityType: 'TrustedLaunch',
      endOfLifeDate: '2030-01-01T00:00:00Z',
    });
    expect(created.status).toBe(201);
    expect(created.json.status.provisioningState).toBe('Creating');
    expect(
      (await control(sim, 'GET', `/images/status?id=${encodeURIComponent(id)}`)).json.regions[0],
    ).toMatchObject({
      key: 'westeurope',
      state: 'Replicating',
    });
    const changed = await control(sim, 'POST', '/images/version-state', {
      id,
      provisioningState: 'Succeeded',
      regions: { westeurope: 'Completed' },
    });
    expect(changed.json.aggregatedState).toBe('Completed');
    expect((await control(sim, 'POST', '/images/version-state', { id: `${id}x` })).status).toBe(404);
    expect(
      (await control(sim, 'POST', '/images/gallery-version', { id, provisioningState: 'Bogus' })).status,
    ).toBe(400);
    const definition = (await arm('GET', `${id.replace(/\/versions\/[^/]+$/, '')}?${GALLERY_API}`)).json;
    expect(definition.properties.features).toEqual([{ name: 'SecurityType', value: 'TrustedLaunch' }]);
  });
});

describe('publishing a managed image as a gallery image version (a long-running operation)', () => {
  const setup = async (target: Simulator = sim) => {
    const compute = computeClient(target);
    const source = target.images.createManagedImage('golden');
    await compute.galleries.createOrUpdate('images-rg', 'g', { location: 'westeurope' });
    await compute.galleryImages.createOrUpdate('images-rg', 'g', 'ubuntu', {
      location: 'westeurope',
      osType: 'Linux',
      osState: 'Generalized',
      hyperVGeneration: 'V2',
      identifier: { publisher: 'me', offer: 'ubuntu', sku: '24' },
      features: [{ name: 'SecurityType', value: 'TrustedLaunchSupported' }],
    });
    return { compute, source };
  };
  const versionPath = () =>
    `/subscriptions/${sim.info.subscriptionId}/resourceGroups/images-rg/providers/Microsoft.Compute/galleries/g/images/ubuntu/versions/1.0.0`;
  const putBody = (source: string) => ({
    location: 'westeurope',
    properties: {
      publishingProfile: { targetRegions: [{ name: 'West Europe' }, { name: 'East US' }] },
      storageProfile: { source: { id: source } },
    },
  });

  test('PUT answers 201 Creating with Azure-AsyncOperation and Location; the operation and replication advance with simulated time', async () => {
    const { source } = await setup();
    const put = await arm('PUT', `${versionPath()}?${GALLERY_API}`, putBody(source));
    expect(put.status).toBe(201);
    expect(put.json.properties.provisioningState).toBe('Creating');
    const asyncOp = new URL(String(put.headers['azure-asyncoperation']));
    expect(asyncOp.pathname).toMatch(
      new RegExp(
        `^/subscriptions/${sim.info.subscriptionId}/providers/Microsoft.Compute/locations/westeurope/capsOperations/[^/]+$`,
      ),
    );
    expect(asyncOp.searchParams.get('api-version')).toBe('2025-03-03');
    const monitor = new URL(String(put.headers.location));
    expect(monitor.searchParams.get('monitor')).toBe('true');
    expect(put.headers['retry-after']).toBe('1');

    const op = async () => (await arm('GET', `${asyncOp.pathname}${asyncOp.search}`)).json;
    const status = async () =>
      (await arm('GET', `${versionPath()}?${GALLERY_API}&%24expand=ReplicationStatus`)).json.properties;
    expect(await op()).toMatchObject({ status: 'InProgress', name: asyncOp.pathname.split('/').at(-1) });
    expect((await arm('GET', `${monitor.pathname}${monitor.search}`)).status).toBe(202);

    sim.clock.advance(30); // half of provisioningSeconds (60)
    let s = await status();
    expect(s.provisioningState).toBe('Creating');
    expect(s.replicationStatus.summary).toEqual([
      { region: 'West Europe', state: 'Replicating', details: '', progress: 50 },
      { region: 'East US', state: 'Replicating', details: '', progress: 8 },
    ]);
    // Not usable by Batch yet.
    expect((await add('early', versionPath())).json.code).toBe('InvalidPropertyValue');

    sim.clock.advance(30 + 150); // provisioned, and half way through replicationSeconds (300) for eastus
    s = await status();
    expect(s.provisioningState).toBe('Creating');
    expect(s.replicationStatus.summary.map((r: { state: string }) => r.state)).toEqual([
      'Completed',
      'Replicating',
    ]);
    expect(s.replicationStatus.aggregatedState).toBe('InProgress');

    sim.clock.advance(150);
    s = await status();
    expect([s.provisioningState, s.replicationStatus.aggregatedState]).toEqual(['Succeeded', 'Completed']);
    expect(await op()).toMatchObject({ status: 'Succeeded', endTime: expect.any(String) });
    const done = await arm('GET', `${monitor.pathname}${monitor.search}`);
    expect([done.status, done.json.properties.provisioningState]).toEqual([200, 'Succeeded']);
    expect((await add('p', versionPath())).status).toBe(201);
    expect(sim.requests.list({ operation: 'CapsOperations_Get' }).length).toBeGreaterThanOrEqual(3);
  });

  test('@azure/arm-compute polls the operation to the end (time moving fast)', async () => {
    const fast = await startSimulator({
      timeScale: 600,
      gallery: { provisioningSeconds: 60, replicationSeconds: 240, retryAfterSeconds: 0 },
    });
    try {
      const { compute, source } = await setup(fast);
      const poller = compute.galleryImageVersions.createOrUpdate('images-rg', 'g', 'ubuntu', '1.0.0', {
        location: 'westeurope',
        publishingProfile: { targetRegions: [{ name: 'West Europe' }, { name: 'East US' }] },
        storageProfile: { source: { id: source } },
      });
      const version = await poller;
      expect(version.provisioningState).toBe('Succeeded');
      const ops = fast.requests.list({ operation: 'CapsOperations_Get' });
      expect(ops.length).toBeGreaterThan(0);
      expect(fast.requests.list({ operation: 'GalleryImageVersions_CreateOrUpdate' })[0]?.status).toBe(201);
    } finally {
      await fast.close();
    }
  });

  test('a replication that fails ends the operation Failed with the gallery message; a missing source is a 400', async () => {
    const { source } = await setup();
    sim.images.setGallery({ failRegions: ['East US'] });
    const put = await arm('PUT', `${versionPath()}?${GALLERY_API}`, putBody(source));
    const asyncOp = new URL(String(put.headers['azure-asyncoperation']));
    sim.clock.advance(400);
    const op = (await arm('GET', `${asyncOp.pathname}${asyncOp.search}`)).json;
    expect(op.status).toBe('Failed');
    expect(op.error.message).toMatch(
      /^Gallery replication jobs failed in one or more regions\. .*\{region:eastus, detail:Failed with internal server error\.\}/,
    );
    const s = sim.images.versionStatus(versionPath());
    expect(s?.provisioningState).toBe('Failed');
    expect(s?.regions.map((r) => r.state)).toEqual(['Completed', 'Failed']);

    const missing = await arm(
      'PUT',
      `${versionPath().replace('1.0.0', '1.0.1')}?${GALLERY_API}`,
      putBody(`${source}-gone`),
    );
    expect([missing.status, missing.json.error.code]).toEqual([400, 'InvalidParameter']);
  });

  test('an update that adds a region replicates only that one (Updating)', async () => {
    const { source } = await setup();
    await arm('PUT', `${versionPath()}?${GALLERY_API}`, putBody(source));
    sim.clock.advance(400);
    const body = putBody(source);
    body.properties.publishingProfile.targetRegions.push({ name: 'North Europe' });
    const put = await arm('PUT', `${versionPath()}?${GALLERY_API}`, body);
    expect([put.status, put.json.properties.provisioningState]).toEqual([200, 'Updating']);
    expect(sim.images.versionStatus(versionPath())?.regions.map((r) => r.state)).toEqual([
      'Completed',
      'Completed',
      'Replicating',
    ]);
    // While the update runs the version is Updating, and Batch takes only provisioned versions.
    expect((await add('p', versionPath())).json.code).toBe('InvalidPropertyValue');
    sim.clock.advance(300);
    expect((await add('p', versionPath())).status).toBe(201);
  });
});

describe('the account on the management plane', () => {
  test('info names the region and the account; GET of the account shows its location, endpoint and quotas', async () => {
    expect(sim.info.location).toBe('westeurope');
    expect(sim.info.batchAccountId).toBe(
      `/subscriptions/${sim.info.subscriptionId}/resourceGroups/batch-rg/providers/Microsoft.Batch/batchAccounts/simbatch`,
    );
    const got = await arm('GET', `${sim.info.batchAccountId}?api-version=2025-06-01`);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({
      id: sim.info.batchAccountId,
      name: 'simbatch',
      type: 'Microsoft.Batch/batchAccounts',
      location: 'westeurope',
      properties: {
        accountEndpoint: sim.info.batchUrl.replace('https://', ''),
        provisioningState: 'Succeeded',
        poolAllocationMode: 'BatchService',
        poolQuota: 100,
        dedicatedCoreQuota: 900,
        lowPriorityCoreQuota: 100,
      },
    });
    expect(sim.requests.list({ operation: 'BatchAccount_Get' })).toHaveLength(1);
    const other = await arm('GET', sim.info.batchAccountId.replace('simbatch', 'other'));
    expect([other.status, other.json.error.code]).toEqual([404, 'ResourceNotFound']);
  });

  test('the VM sizes Batch offers in a region (Location_ListSupportedVirtualMachineSkus)', async () => {
    const list = async (region: string) =>
      (
        await arm(
          'GET',
          `/subscriptions/${sim.info.subscriptionId}/providers/Microsoft.Batch/locations/${region}/virtualMachineSkus`,
        )
      ).json.value.map((s: { name: string }) => s.name);
    expect(await list('westeurope')).toContain('Standard_D4s_v5');
    expect(await list('westeurope')).not.toContain('Standard_NC24ads_A100_v4');
    expect(await list('eastus')).toContain('Standard_NC24ads_A100_v4');
  });
});

describe('security types', () => {
  const definition = (securityType?: string, hyperVGeneration?: 'V1' | 'V2') =>
    sim.images.createGalleryImageVersion(
      'g',
      `def-${securityType ?? 'none'}-${hyperVGeneration ?? 'V2'}`,
      '1.0.0',
      {
        ...(securityType ? { securityType } : {}),
        ...(hyperVGeneration ? { hyperVGeneration } : {}),
      },
    );
  const trustedLaunch = {
    securityType: 'trustedLaunch',
    uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
  };

  test('the securityProfile is stored and returned; a Trusted Launch pool from a Trusted Launch image is fine', async () => {
    const image = definition('TrustedLaunch');
    const res = await add('p', image, { securityProfile: { ...trustedLaunch, encryptionAtHost: true } });
    expect(res.status).toBe(201);
    const got = (await raw(sim, 'GET', `/pools/p?${API}`, { headers: batchAuth })).json;
    expect(got.virtualMachineConfiguration.securityProfile).toEqual({
      ...trustedLaunch,
      encryptionAtHost: true,
    });
    expect(sim.pools.get('p')).toMatchObject({
      securityType: 'trustedlaunch',
      nodesUnusableReason: undefined,
    });
    expect(sim.requests.list({ operation: 'Pool_Add' })[0]?.body?.securityType).toBe('trustedLaunch');
  });

  test('a mismatch is accepted and marks the pool: its nodes are unusable (as Batch does)', async () => {
    const cases: [string | undefined, 'V1' | 'V2' | undefined, unknown, boolean][] = [
      ['TrustedLaunch', undefined, undefined, true],
      ['TrustedLaunchSupported', undefined, undefined, false],
      ['TrustedLaunchSupported', undefined, trustedLaunch, false],
      [undefined, undefined, trustedLaunch, true],
      ['Standard', undefined, trustedLaunch, true],
      ['ConfidentialVM', undefined, trustedLaunch, true],
      ['ConfidentialVmSupported', undefined, { securityType: 'confidentialvm' }, false],
      ['TrustedLaunchAndConfidentialVmSupported', undefined, { securityType: 'confidentialvm' }, false],
      ['TrustedLaunchSupported', 'V1', trustedLaunch, true],
    ];
    for (const [i, [type, gen, profile, unusable]] of cases.entries()) {
      const res = await add(
        `p${i}`,
        definition(type, gen),
        profile === undefined ? {} : { securityProfile: profile },
      );
      expect(res.status).toBe(201);
      const reasonText = sim.pools.get(`p${i}`)?.nodesUnusableReason;
      expect([type, gen, unusable, typeof reasonText]).toEqual([
        type,
        gen,
        unusable,
        unusable ? 'string' : 'undefined',
      ]);
    }
    expect(sim.pools.get('p0')?.nodesUnusableReason).toBe(
      "The image's security type is TrustedLaunch, which needs virtualMachineConfiguration.securityProfile.securityType trustedLaunch; the pool has none.",
    );
    // A managed image (allowed by the switch) has no Trusted Launch state.
    sim.compat.set({ allowManagedImages: true });
    expect(
      (await add('m', sim.images.createManagedImage('img'), { securityProfile: trustedLaunch })).status,
    ).toBe(201);
    expect(sim.pools.get('m')?.nodesUnusableReason).toBeDefined();
    // The counts still grow (Azure counts unusable nodes), and every node is unusable.
    sim.clock.advance(600);
    expect(sim.pools.get('p0')?.currentDedicatedNodes).toBe(2);
    expect(sim.pools.nodes('p0')?.map((n) => n.state)).toEqual(['unusable', 'unusable']);
    expect(sim.pools.nodes('p1')?.map((n) => n.state)).toEqual(['idle', 'idle']);
  });

  test("securityMismatch 'reject' refuses the create instead; an unknown securityType is a 400 either way", async () => {
    sim.account.setSecurityMismatch('reject');
    const res = await add('p', definition('TrustedLaunch'));
    expect([res.status, res.json.values[0].value]).toEqual([
      400,
      'virtualMachineConfiguration.securityProfile',
    ]);
    expect(
      (await control(sim, 'POST', '/account', { securityMismatch: 'unusableNodes' })).json.securityMismatch,
    ).toBe('unusableNodes');
    expect((await add('p', definition('TrustedLaunch'))).status).toBe(201);
    const bad = await add('q', definition('TrustedLaunch'), {
      securityProfile: { securityType: 'standard' },
    });
    expect([bad.status, bad.json.values[0].value]).toEqual([400, 'securityProfile.securityType']);
  });
});

describe('state across a restart', () => {
  test('a snapshot keeps gallery states, a publishing run in progress, quotas and the catalogue', async () => {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const stateDir = await mkdtemp(path.join(tmpdir(), 'sim-today-'));
    const first = await startSimulator({ timeScale: 0, stateDir });
    const fixed = first.images.createGalleryImageVersion('g', 'i', '1.0.0', {
      provisioningState: 'Creating',
      regions: { westeurope: 'Replicating' },
    });
    const source = first.images.createManagedImage('golden');
    first.images.createGalleryImage('g', 'run');
    const token = {
      authorization: `Bearer ${await tokenFor(first, 'https://management.azure.com/.default')}`,
    };
    const versionId = fixed.replace('/images/i/versions/1.0.0', '/images/run/versions/1.0.0');
    const put = await raw(first, 'PUT', `${versionId}?${GALLERY_API}`, {
      headers: token,
      body: { location: 'westeurope', properties: { storageProfile: { source: { id: source } } } },
    });
    expect(put.status).toBe(201);
    first.account.setQuotas({ pools: 3 });
    first.account.setVmSizes([{ name: 'Standard_X2', family: 'x', vCPUs: 2 }]);
    await first.close();

    const second = await startSimulator({ timeScale: 0, stateDir });
    try {
      expect(second.images.versionStatus(fixed)?.provisioningState).toBe('Creating');
      expect(second.images.versionStatus(versionId)?.provisioningState).toBe('Creating');
      second.clock.advance(60);
      expect(second.images.versionStatus(versionId)?.provisioningState).toBe('Succeeded');
      expect(second.account.quotas.pools).toBe(3);
      expect(second.account.vmSizes().map((s) => s.name)).toEqual(['Standard_X2']);
    } finally {
      await second.close();
    }
  });
});

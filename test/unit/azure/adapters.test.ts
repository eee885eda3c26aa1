// The image adapter (@azure/arm-compute) and AzureClients (identities per account) against the HTTPS simulator;
// the Batch data plane has its own tests (batch-data-plane.test.ts).

import { ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AzureClients } from '../../../src/azure/clients.ts';
import { ImagesAdapter, parseImageId } from '../../../src/azure/images.ts';
import { startSimulator, type Simulator } from '../../../src/simulator/index.ts';

let sim: Simulator;
let images: ImagesAdapter;

const retry = { minTimeoutMs: 10, maxTimeoutMs: 50, maxRetryTimeMs: 10_000, callTimeoutMs: 5_000 };

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 600, seed: 7 });
  const i = sim.info;
  const cred = new ClientSecretCredential(i.tenantId, i.clientId, i.clientSecret, {
    authorityHost: i.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: i.caPem },
  });
  images = new ImagesAdapter(cred, { armEndpoint: i.armEndpoint, ca: i.caPem, retry });
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(() => {
  sim.faults.clear();
});

describe('Image adapter against the simulator', () => {
  it('reads managed images, gallery versions and definitions as Batch will judge them; 404 is missing', async () => {
    const managed = sim.images.createManagedImage('img-i1');
    const version = sim.images.createGalleryImageVersion('gal', 'def', '2.0.0', {
      securityType: 'TrustedLaunch',
    });
    const definition = version.replace(/\/versions\/2\.0\.0$/, '');
    expect(await images.inspect(managed, 'westeurope')).toMatchObject({ kind: 'managed' });
    expect(await images.inspect(version, 'westeurope')).toEqual({
      kind: 'galleryVersion',
      definition: expect.objectContaining({ securityType: 'TrustedLaunch' }),
      version: { id: version, provisioningState: 'Succeeded', replication: 'Completed' },
    });
    expect(await images.inspect(definition, 'westeurope')).toMatchObject({
      kind: 'galleryImage',
      latest: { id: version },
      newest: { id: version },
    });
    sim.images.delete(managed);
    expect(await images.inspect(managed, 'westeurope')).toEqual({ kind: 'missing' });
    expect(await images.inspect(version.replace('2.0.0', '9.9.9'), 'westeurope')).toEqual({
      kind: 'missing',
    });
    const ops = sim.requests.list({ api: 'arm' }).map((e) => e.operation);
    expect(ops).toEqual(
      expect.arrayContaining([
        'Images_Get',
        'GalleryImageVersions_Get',
        'GalleryImages_Get',
        'GalleryImageVersions_ListByGalleryImage',
      ]),
    );
  });

  it('reports provisioning, replication to the region and end of life of a version', async () => {
    const eol = '2027-01-01T00:00:00.000Z';
    const v = sim.images.createGalleryImageVersion('gal2', 'def', '1.0.0', {
      provisioningState: 'Creating',
      regions: { westeurope: { state: 'Replicating', progress: 40 }, eastus: 'Completed' },
      endOfLifeDate: eol,
    });
    expect(await images.inspect(v, 'westeurope')).toMatchObject({
      version: { provisioningState: 'Creating', replication: 'Replicating', endOfLifeDate: eol },
    });
    sim.images.setVersionState(v, { provisioningState: 'Succeeded' });
    expect(await images.inspect(v, 'East US')).toMatchObject({
      version: { provisioningState: 'Succeeded', replication: 'Completed' },
    });
    expect(await images.inspect(v, 'northeurope')).toMatchObject({ version: { replication: 'NotTargeted' } });
  });

  it("takes a definition's latest as the gallery does: highest usable version not excluded from latest", async () => {
    sim.images.createGalleryImageVersion('gal3', 'def', '1.2.0');
    const excluded = sim.images.createGalleryImageVersion('gal3', 'def', '1.10.0', {
      excludeFromLatest: true,
    });
    const replicating = sim.images.createGalleryImageVersion('gal3', 'def', '1.9.0', {
      regions: { westeurope: 'Replicating' },
    });
    const definition = excluded.replace(/\/versions\/.*$/, '');
    const facts = await images.inspect(definition, 'westeurope');
    expect(facts).toMatchObject({
      kind: 'galleryImage',
      latest: { id: definition + '/versions/1.2.0' },
      newest: { id: replicating, replication: 'Replicating' },
    });
    const none = sim.images.createGalleryImage('gal4', 'empty');
    expect(await images.inspect(none, 'westeurope')).toEqual({
      kind: 'galleryImage',
      definition: expect.any(Object),
    });
  });

  it('publishes a managed image as a gallery version replicated to the region, and returns before it is done', async () => {
    const { provisioningSeconds, replicationSeconds } = sim.images.setGallery({});
    sim.images.setGallery({ provisioningSeconds: 600, replicationSeconds: 600 });
    try {
      const source = sim.images.createManagedImage('to-publish');
      const definition = sim.images.createGalleryImage('pub', 'ubuntu', {
        osType: 'Linux',
        location: 'westeurope',
      });
      const versionId = `${definition}/versions/1.0.0`;
      await images.publish({ sourceImageId: source, versionId, region: 'northeurope' });
      const put = sim.requests.list({ operation: 'GalleryImageVersions_CreateOrUpdate' });
      expect(put.map((e) => e.status)).toEqual([201]);
      const facts = await images.inspect(versionId, 'northeurope');
      expect(facts).toMatchObject({ kind: 'galleryVersion', version: { provisioningState: 'Creating' } });
      sim.clock.advance(1300);
      expect(await images.inspect(versionId, 'northeurope')).toMatchObject({
        version: { provisioningState: 'Succeeded', replication: 'Completed' },
      });
    } finally {
      sim.images.setGallery({ provisioningSeconds, replicationSeconds });
    }
  });

  it('parses image IDs case-insensitively', () => {
    expect(
      parseImageId('/SUBSCRIPTIONS/s/resourcegroups/rg/providers/microsoft.compute/images/x'),
    ).toMatchObject({ kind: 'managed', name: 'x' });
    expect(
      parseImageId(
        '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i/versions/1.0.0',
      ),
    ).toMatchObject({ kind: 'galleryVersion', version: '1.0.0' });
    expect(
      parseImageId('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i'),
    ).toMatchObject({ kind: 'galleryImage', image: 'i' });
    expect(parseImageId('nonsense')).toBeUndefined();
  });
});

describe('AzureClients', () => {
  it('uses the workload identity an account names', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(`${tmpdir()}/bpo-wi-`);
    const tokenFile = `${dir}/token`;
    const jwt = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    await writeFile(
      tokenFile,
      `${jwt({ alg: 'RS256' })}.${jwt({ sub: 'system:serviceaccount:ops:op', aud: 'api://AzureADTokenExchange' })}.sig`,
    );
    const i = sim.info;
    const azure = new AzureClients({
      identity: {
        tenantId: i.tenantId,
        clientId: i.clientId,
        federatedTokenFile: tokenFile,
        authorityHost: i.authorityHost,
        disableInstanceDiscovery: true,
        ca: i.caPem,
      },
      armEndpoint: i.armEndpoint,
      ca: i.caPem,
      retry,
    });
    const other = '11111111-2222-3333-4444-555555555555';
    const before = sim.requests.cursor();
    expect(
      await azure.batch({ endpoint: i.batchUrl, identity: { clientId: other } }).get('none'),
    ).toBeUndefined();
    expect(await azure.batch({ endpoint: i.batchUrl }).get('none')).toBeUndefined();
    const ids = sim.requests.list({ since: before, operation: 'Pool_Get' }).map((e) => e.clientId);
    expect(ids).toEqual([other, i.clientId]);
  });
});

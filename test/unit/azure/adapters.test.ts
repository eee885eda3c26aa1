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
  it('checks managed images, gallery versions and gallery images; 404 is missing', async () => {
    const managed = sim.images.createManagedImage('img-i1');
    const version = sim.images.createGalleryImageVersion('gal', 'def', '2.0.0');
    const definition = version.replace(/\/versions\/2\.0\.0$/, '');
    expect(await images.exists(managed)).toBe(true);
    expect(await images.exists(version)).toBe(true);
    expect(await images.exists(definition)).toBe(true);
    sim.images.delete(managed);
    expect(await images.exists(managed)).toBe(false);
    expect(await images.exists(version.replace('2.0.0', '9.9.9'))).toBe(false);
    const ops = sim.requests.list({ api: 'arm' }).map((e) => e.operation);
    expect(ops).toEqual(
      expect.arrayContaining(['Images_Get', 'GalleryImageVersions_Get', 'GalleryImages_Get']),
    );
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
    expect(await azure.batch({ endpoint: i.batchUrl, clientId: other }).get('none')).toBeUndefined();
    expect(await azure.batch({ endpoint: i.batchUrl }).get('none')).toBeUndefined();
    const ids = sim.requests.list({ since: before, operation: 'Pool_Get' }).map((e) => e.clientId);
    expect(ids).toEqual([other, i.clientId]);
  });
});

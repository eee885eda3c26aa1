// The ARM compute image API through @azure/arm-compute 25: create, read and delete managed
// images, galleries, gallery image definitions and versions, and ARM's 404s.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { ComputeManagementClient } from '@azure/arm-compute';
import type { Simulator } from '../../../src/simulator/index.ts';
import { startSimulator } from '../../../src/simulator/index.ts';
import { computeClient } from './helpers.ts';

let sim: Simulator;
let compute: ComputeManagementClient;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0 });
  compute = computeClient(sim);
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
});

describe('managed images', () => {
  test('create, get, list and delete through the SDK', async () => {
    const created = await compute.images.createOrUpdate('rg', 'img', {
      location: 'westeurope',
      tags: { team: 'a' },
      storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized' } },
    });
    expect(created.provisioningState).toBe('Succeeded');
    const id = `/subscriptions/${sim.info.subscriptionId}/resourceGroups/rg/providers/Microsoft.Compute/images/img`;
    expect(created.id).toBe(id);
    const got = await compute.images.get('rg', 'img');
    expect(got).toMatchObject({
      id,
      name: 'img',
      type: 'Microsoft.Compute/images',
      location: 'westeurope',
      tags: { team: 'a' },
      provisioningState: 'Succeeded',
      storageProfile: { osDisk: { osType: 'Linux', osState: 'Generalized' } },
    });
    const listed = [];
    for await (const image of compute.images.listByResourceGroup('rg')) listed.push(image.name);
    expect(listed).toEqual(['img']);
    expect(sim.images.exists(id.toUpperCase())).toBe(true); // resource IDs are case-insensitive
    await compute.images.delete('rg', 'img');
    expect(sim.images.exists(id)).toBe(false);
  });

  test('a missing image is a 404 ResourceNotFound CloudError with the gateway message', async () => {
    const err = await compute.images.get('rg', 'nope').catch((e: unknown) => e);
    expect(err).toMatchObject({
      statusCode: 404,
      code: 'ResourceNotFound',
      message: "The Resource 'Microsoft.Compute/images/nope' under resource group 'rg' was not found.",
    });
  });
});

describe('gallery images', () => {
  test('gallery, image definition and version: create in order, read with replication status, delete', async () => {
    await compute.galleries.createOrUpdate('rg', 'gal', { location: 'westeurope' });
    await compute.galleryImages.createOrUpdate('rg', 'gal', 'ubuntu', {
      location: 'westeurope',
      osType: 'Linux',
      osState: 'Generalized',
      identifier: { publisher: 'me', offer: 'ubuntu', sku: '22' },
    });
    const version = await compute.galleryImageVersions.createOrUpdate('rg', 'gal', 'ubuntu', '1.0.0', {
      location: 'westeurope',
      storageProfile: {
        // A snapshot the simulator does not know: taken as published at once (a managed image starts a
        // publishing run, tested below).
        source: { id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/snapshots/snap' },
      },
    });
    expect(version.provisioningState).toBe('Succeeded');

    const plain = await compute.galleryImageVersions.get('rg', 'gal', 'ubuntu', '1.0.0');
    expect(plain.replicationStatus).toBeUndefined();
    const expanded = await compute.galleryImageVersions.get('rg', 'gal', 'ubuntu', '1.0.0', {
      expand: 'ReplicationStatus',
    });
    expect(expanded.replicationStatus?.aggregatedState).toBe('Completed');
    expect(expanded.replicationStatus?.summary?.[0]).toMatchObject({ state: 'Completed', progress: 100 });
    expect((await compute.galleryImages.get('rg', 'gal', 'ubuntu')).identifier?.offer).toBe('ubuntu');
    expect((await compute.galleries.get('rg', 'gal')).provisioningState).toBe('Succeeded');

    const log = sim.requests.list({ operation: 'GalleryImageVersions_Get' });
    expect(log.map((e) => e.query)).toContainEqual(expect.stringContaining('%24expand=ReplicationStatus'));

    await compute.galleryImageVersions.delete('rg', 'gal', 'ubuntu', '1.0.0');
    await expect(compute.galleryImageVersions.get('rg', 'gal', 'ubuntu', '1.0.0')).rejects.toMatchObject({
      statusCode: 404,
    });
    // Deleting the gallery takes what is under it.
    await compute.galleries.delete('rg', 'gal');
    await expect(compute.galleryImages.get('rg', 'gal', 'ubuntu')).rejects.toMatchObject({ statusCode: 404 });
  });

  test('a version cannot be created under a missing image definition (ParentResourceNotFound)', async () => {
    await expect(
      compute.galleryImageVersions.createOrUpdate('rg', 'nogal', 'img', '1.0.0', { location: 'westeurope' }),
    ).rejects.toMatchObject({ statusCode: 404, code: 'ParentResourceNotFound' });
  });
});

// Simulator answers against Azure's own example payloads (test/unit/simulator/fixtures): the same
// keys with the same value types. Values differ by nature (ids, times); every known difference in
// keys is listed here, so a new one fails the test.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Simulator } from '../../../src/simulator/index.ts';
import { startSimulator } from '../../../src/simulator/index.ts';
import { raw, tokenFor, vmConfig } from './helpers.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const observed = fixture('observed-service-responses.json');

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * Differences in shape between `actual` and `expected`: a key on one side only, or a different
 * JSON type. Arrays compare their first elements. Paths in `ignore` are skipped.
 */
function shapeDiff(actual: Json, expected: Json, ignore: string[] = [], path = '$'): string[] {
  if (ignore.includes(path)) return [];
  const kind = (v: Json) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(actual) !== kind(expected)) return [`${path}: ${kind(actual)} instead of ${kind(expected)}`];
  if (Array.isArray(actual) && Array.isArray(expected)) {
    return actual.length > 0 && expected.length > 0
      ? shapeDiff(actual[0]!, expected[0]!, ignore, `${path}[]`)
      : [];
  }
  if (kind(actual) !== 'object') return [];
  const a = actual as Record<string, Json>;
  const e = expected as Record<string, Json>;
  const out: string[] = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(e)])) {
    const p = `${path}.${k}`;
    if (ignore.includes(p)) continue;
    if (!(k in e)) out.push(`${p}: not in the example`);
    else if (!(k in a)) out.push(`${p}: missing`);
    else out.push(...shapeDiff(a[k]!, e[k]!, ignore, p));
  }
  return out;
}

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

describe('Batch pool payloads', () => {
  test('GET pool has the keys and types of PoolGet_Basic (plus odata.metadata)', async () => {
    const example = fixture('PoolGet_Basic.json');
    const add = await raw(sim, 'POST', '/pools?api-version=2022-10-01.16.0', {
      headers: batchAuth,
      body: {
        id: 'pool',
        vmSize: 'standard_a1',
        startTask: { commandLine: "/bin/bash -c 'echo start task'" },
        virtualMachineConfiguration: {
          imageReference: { publisher: 'Canonical', offer: '0001-com-ubuntu-server-focal', sku: '20_04-lts' },
          nodeAgentSKUId: 'batch.node.ubuntu 20.04',
        },
        targetDedicatedNodes: 0,
        targetLowPriorityNodes: 0,
      },
    });
    expect(add.status).toBe(201);
    sim.clock.advance(60);
    const got = await raw(sim, 'GET', '/pools/pool?api-version=2022-10-01.16.0', { headers: batchAuth });
    expect(shapeDiff(got.json, example.responses['200'].body, ['$.odata.metadata'])).toEqual([]);
    // The recorded real answer right after add, too (it has no startTask but data disks).
    const recorded = observed.poolGetImmediatelyAfterAdd.body;
    expect(shapeDiff(got.json, recorded, ['$.startTask', '$.virtualMachineConfiguration.dataDisks'])).toEqual(
      [],
    );
  });

  test('list has the keys and types of PoolList_Basic', async () => {
    const example = fixture('PoolList_Basic.json');
    const list = await raw(sim, 'GET', '/pools?api-version=2022-10-01.16.0', { headers: batchAuth });
    expect(
      shapeDiff(list.json, example.responses['200'].body, [
        '$.odata.metadata',
        // The example pool is a cloud-service pool; the simulator's are virtual-machine pools.
        '$.value[].cloudServiceConfiguration',
        '$.value[].virtualMachineConfiguration',
      ]),
    ).toEqual([]);
  });

  test('a steady pool with a resize error looks like the recorded one', async () => {
    const image = sim.images.createManagedImage('shape-img');
    sim.faults.failNextResizes('failing', 1, { code: 'AllocationTimedout', message: 'x' });
    await raw(sim, 'POST', '/pools', {
      headers: batchAuth,
      body: {
        id: 'failing',
        vmSize: 'standard_a1',
        virtualMachineConfiguration: vmConfig(image),
        targetDedicatedNodes: 2,
      },
    });
    sim.clock.advance(3600);
    const got = await raw(sim, 'GET', '/pools/failing', { headers: batchAuth });
    const recorded = observed.poolGetSteadyWithResizeError.body;
    expect(got.json.resizeErrors).toHaveLength(1);
    expect(
      shapeDiff(got.json, recorded, [
        '$.displayName',
        '$.userAccounts',
        '$.virtualMachineConfiguration.imageReference',
      ]),
    ).toEqual([]);
  });

  test('error bodies have the keys and types of recorded Batch errors', async () => {
    const exists = await raw(sim, 'POST', '/pools', {
      headers: batchAuth,
      body: {
        id: 'pool',
        vmSize: 'a',
        virtualMachineConfiguration: {
          imageReference: { publisher: 'a', offer: 'b', sku: 'c' },
          nodeAgentSKUId: 'n',
        },
        targetDedicatedNodes: 1,
      },
    });
    expect(exists.status).toBe(409);
    expect(shapeDiff(exists.json, observed.poolAdd409PoolExists.body)).toEqual([]);

    const malformed = await raw(sim, 'POST', '/pools', {
      headers: batchAuth,
      body: {
        id: 'bad',
        vmSize: 'a',
        virtualMachineConfiguration: vmConfig(
          observed.poolAdd400BadVirtualMachineImageId.body.values[1].value,
        ),
        targetDedicatedNodes: 1,
      },
    });
    expect(shapeDiff(malformed.json, observed.poolAdd400BadVirtualMachineImageId.body)).toEqual([]);
    expect(malformed.json.values).toEqual(observed.poolAdd400BadVirtualMachineImageId.body.values);
    expect(malformed.statusMessage).toBe(observed.poolAdd400BadVirtualMachineImageId.statusText);

    const unauthenticated = await raw(sim, 'GET', '/pools');
    expect(shapeDiff(unauthenticated.json, observed.missingAuth400.body)).toEqual([]);
    expect(unauthenticated.statusMessage).toBe(observed.missingAuth400.statusText);

    const rule = sim.faults.throttle({ count: 1 });
    const throttled = await raw(sim, 'GET', '/pools', { headers: batchAuth });
    sim.faults.remove(rule.id);
    expect(throttled.status).toBe(429);
    expect(shapeDiff(throttled.json, observed.throttled429.body)).toEqual([]);
  });
});

describe('ARM image payloads', () => {
  test('a managed image has the envelope and (a subset of) the properties of Image_Get', async () => {
    const example = fixture('Image_Get.json').responses['200'].body;
    const id = sim.images.createManagedImage('myImage', { resourceGroup: 'myResourceGroup' });
    const got = await raw(sim, 'GET', `${id}?api-version=2026-04-01`, { headers: armAuth });
    expect(got.status).toBe(200);
    const diff = shapeDiff(got.json, example);
    // The simulator leaves out what only a real source disk has: blob URIs, snapshots, managed disks.
    expect(diff.every((d) => d.endsWith(': missing'))).toBe(true);
    expect(diff).toEqual([
      '$.properties.storageProfile.osDisk.blobUri: missing',
      '$.properties.storageProfile.osDisk.snapshot: missing',
      '$.properties.storageProfile.osDisk.managedDisk: missing',
    ]);
  });

  test('a gallery image version with $expand=ReplicationStatus matches the example', async () => {
    const example = fixture('GalleryImageVersion_Get_WithReplicationStatus.json').responses['200'].body;
    const id = sim.images.createGalleryImageVersion('myGalleryName', 'myGalleryImageName', '1.0.0');
    const got = await raw(sim, 'GET', `${id}?api-version=2025-12-03&%24expand=ReplicationStatus`, {
      headers: armAuth,
    });
    expect(got.status).toBe(200);
    expect(
      shapeDiff(got.json, example, [
        // ARM always returns the type; the example omits it.
        '$.type',
        // Optional parts the simulator does not model.
        '$.properties.publishingProfile.targetRegions[].encryption',
        '$.properties.storageProfile.dataDiskImages',
        '$.properties.safetyProfile.policyViolations',
      ]),
    ).toEqual([]);
  });
});

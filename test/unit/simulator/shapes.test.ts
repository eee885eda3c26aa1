// Simulator answers against Azure's own payloads (test/unit/simulator/fixtures, provenance in SOURCES.md):
// the 2025-06-01 REST examples (the same keys with the same value types; values differ by nature, every
// known difference in keys is listed here, so a new one fails the test), and the 2025-06-01 models read from
// Microsoft's SDK: every property the simulator returns for a pool, a supported image or an error exists in
// the model under that wire name, with a matching JSON type, all the way down.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Simulator } from '../../../src/simulator/index.ts';
import { startSimulator } from '../../../src/simulator/index.ts';
import { raw, tokenFor, vmConfig } from './helpers.ts';
import { SECRETS, fullPool } from './full-pool.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const observed = fixture('observed-service-responses.json');
const contract = fixture('batch-2025-06-01.models.json') as {
  models: Record<string, { fields: { rest: string; type: string; visibility: string[] }[] }>;
  enums: Record<string, string[]>;
};

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

/**
 * Where `value` leaves the 2025-06-01 model `type` (a Python type string from the SDK, e.g.
 * "Optional[list['ResizeError']]"): a property the model lacks, or a JSON type that does not fit.
 * Null is accepted for optional properties.
 */
function contractProblems(value: Json, type: string, path = '$'): string[] {
  const optional = /^Optional\[(.*)\]$/.exec(type);
  if (optional) return value === null ? [] : contractProblems(value, optional[1]!, path);
  const list = /^list\[(.*)\]$/.exec(type);
  if (list)
    return Array.isArray(value)
      ? value.flatMap((v, i) => contractProblems(v, list[1]!, `${path}[${i}]`))
      : [`${path}: ${typeof value} where the model has a list`];
  if (/^dict\[/.test(type))
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? []
      : [`${path}: not an object (the model has a map)`];
  if (type === 'str' || /^Union\[str, '\w+'\]$/.test(type) || type.startsWith('datetime.'))
    return typeof value === 'string' ? [] : [`${path}: ${typeof value} where the model has ${type}`];
  if (type === 'int' || type === 'float')
    return typeof value === 'number' ? [] : [`${path}: ${typeof value} where the model has ${type}`];
  if (type === 'bool')
    return typeof value === 'boolean' ? [] : [`${path}: ${typeof value} where the model has bool`];
  const model = /^'(\w+)'$/.exec(type)?.[1];
  const spec = model === undefined ? undefined : contract.models[model];
  if (!spec) return [`${path}: the test does not know the type ${type}`];
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [`${path}: not an object (the model has ${model})`];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const field = spec.fields.find((f) => f.rest === k);
    if (!field) out.push(`${path}.${k}: ${model} has no property "${k}"`);
    else out.push(...contractProblems(v, field.type, `${path}.${k}`));
  }
  return out;
}

/** A list body's items against a model, the list envelope's own keys (odata.*) allowed. */
function listProblems(body: { value: Json[] }, model: string): string[] {
  return body.value.flatMap((item, i) => contractProblems(item, `'${model}'`, `$.value[${i}]`));
}

/** A Batch answer's odata.metadata is outside the models (the SDKs ignore it). */
function withoutMetadata(body: Record<string, Json>): Record<string, Json> {
  const { ['odata.metadata']: _m, ...rest } = body;
  return rest;
}

const API = 'api-version=2025-06-01';
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

const addPool = (body: Record<string, unknown>) =>
  raw(sim, 'POST', `/pools?${API}`, { headers: batchAuth, body });
const getPool = async (id: string) =>
  (await raw(sim, 'GET', `/pools/${id}?${API}`, { headers: batchAuth })).json;

describe('Batch pool payloads (2025-06-01)', () => {
  test('the create example as written is refused today (standard_a1 and Ubuntu 20.04 are retired); fixed up, it creates a pool', async () => {
    const body = fixture('Pools_CreatePool_VirtualMachineConfiguration.json').parameters.pool;
    const refused = await addPool(body);
    expect([refused.status, refused.json.code]).toEqual([400, 'InvalidPropertyValue']);
    expect(refused.json.values[0]).toEqual({ key: 'PropertyName', value: 'nodeAgentSKUId' });
    const created = await addPool({
      ...body,
      vmSize: 'Standard_D2s_v5',
      virtualMachineConfiguration: {
        imageReference: { publisher: 'canonical', offer: 'ubuntu-24_04-lts', sku: 'server' },
        nodeAgentSKUId: 'batch.node.ubuntu 24.04',
      },
    });
    expect(created.status).toBe(201);
    expect(created.headers.etag).toMatch(/^0x8D/);
    expect(created.headers['last-modified']).toBeDefined();
  });

  test('GET pool has the keys and types of Pools_GetPool_Basic and only 2025-06-01 BatchPool properties', async () => {
    const example = fixture('Pools_GetPool_Basic.json');
    const add = await addPool({
      id: 'pool',
      vmSize: 'Standard_D2s_v5',
      startTask: { commandLine: "/bin/bash -c 'echo start task'" },
      virtualMachineConfiguration: {
        imageReference: { publisher: 'canonical', offer: 'ubuntu-24_04-lts', sku: 'server' },
        nodeAgentSKUId: 'batch.node.ubuntu 24.04',
      },
      targetDedicatedNodes: 0,
      targetLowPriorityNodes: 0,
      // Retired by 2025-06-01: sent by older clients, not stored, never returned.
      targetNodeCommunicationMode: 'simplified',
      certificateReferences: [],
    });
    expect(add.status).toBe(201);
    sim.clock.advance(60);
    const got = await getPool('pool');
    expect(shapeDiff(got, example.responses['200'].body, ['$.odata.metadata'])).toEqual([]);
    expect(contractProblems(withoutMetadata(got), "'BatchPool'")).toEqual([]);
    expect(got.targetNodeCommunicationMode).toBeUndefined();
    expect(got.currentNodeCommunicationMode).toBeUndefined();
    expect(got.certificateReferences).toBeUndefined();
    // The recorded real answer right after add, too (it has no startTask but data disks).
    const recorded = observed.poolGetImmediatelyAfterAdd.body;
    expect(shapeDiff(got, recorded, ['$.startTask', '$.virtualMachineConfiguration.dataDisks'])).toEqual([]);
  });

  test('a pool with a securityProfile (the 2025-06-01 create example) stores and returns it, as Pools_GetPool_SecurityProfile shows', async () => {
    const create = fixture('Pools_CreatePool_SecurityProfile.json').parameters.pool;
    const example = fixture('Pools_GetPool_SecurityProfile.json').responses['200'].body;
    const add = await addPool({
      ...create,
      // DC2s_v2 is not in the default catalogue and 18.04 is long retired; the rest is the example's.
      vmSize: 'Standard_D2s_v5',
      virtualMachineConfiguration: {
        ...create.virtualMachineConfiguration,
        nodeAgentSKUId: 'batch.node.ubuntu 24.04',
      },
      upgradePolicy: { mode: 'manual' },
    });
    expect(add.status).toBe(201);
    sim.clock.advance(600);
    const got = await getPool('mypool001');
    expect(got.virtualMachineConfiguration.securityProfile).toEqual(
      create.virtualMachineConfiguration.securityProfile,
    );
    expect(got.upgradePolicy).toEqual({ mode: 'manual' });
    expect(
      shapeDiff(got, example, [
        '$.odata.metadata',
        // Not in the 2025-06-01 BatchPool model: a leftover in the example.
        '$.currentNodeCommunicationMode',
        // Sent as null by the create example, left out by the get example.
        '$.virtualMachineConfiguration.securityProfile.uefiSettings.vTpmEnabled',
        '$.upgradePolicy',
      ]),
    ).toEqual([]);
    expect(contractProblems(withoutMetadata(got), "'BatchPool'")).toEqual([]);
  });

  test('a pool with every create property: its GET fits the 2025-06-01 BatchPool all the way down, without secrets', async () => {
    const gallery = sim.images.createGalleryImageVersion('g', 'ubuntu', '1.0.0');
    expect((await addPool(fullPool(gallery))).status).toBe(201);
    await addPool({
      id: 'auto',
      vmSize: 'Standard_D2s_v5',
      virtualMachineConfiguration: vmConfig(gallery),
      enableAutoScale: true,
      autoScaleFormula: '$TargetDedicatedNodes = $PendingTasks.GetSample(1);',
    });
    for (const id of ['full', 'auto']) {
      const got = await getPool(id);
      expect([id, contractProblems(withoutMetadata(got), "'BatchPool'")]).toEqual([id, []]);
      for (const secret of SECRETS) expect(JSON.stringify(got).includes(secret)).toBe(false);
    }
    expect((await getPool('auto')).autoScaleRun.error.code).toBe('AutoScaleFormulaEvaluationError');
  });

  test('list has the keys and types of Pools_ListPools_Basic; every pool in it fits BatchPool', async () => {
    const example = fixture('Pools_ListPools_Basic.json');
    const gallery = sim.images.createGalleryImageVersion('g', 'ubuntu', '1.0.0', {
      securityType: 'TrustedLaunch',
    });
    await addPool({
      id: 'custom',
      vmSize: 'Standard_D4s_v5',
      virtualMachineConfiguration: {
        ...vmConfig(gallery),
        securityProfile: {
          securityType: 'trustedLaunch',
          uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
        },
      },
      targetDedicatedNodes: 2,
      metadata: [{ name: 'owner', value: 'team-a' }],
      startTask: { commandLine: '/bin/true' },
    });
    await addPool({
      id: 'auto',
      vmSize: 'Standard_D2s_v5',
      virtualMachineConfiguration: {
        imageReference: { publisher: 'canonical', offer: 'ubuntu-24_04-lts', sku: 'server' },
        nodeAgentSKUId: 'batch.node.ubuntu 24.04',
      },
      enableAutoScale: true,
      autoScaleFormula: '$TargetDedicatedNodes=1;',
      autoScaleEvaluationInterval: 'PT5M',
    });
    sim.faults.failNextResizes('short', 1, {
      code: 'AllocationFailed',
      values: [{ name: 'Reason', value: 'simulated' }],
    });
    await addPool({
      id: 'short',
      vmSize: 'Standard_D2s_v5',
      virtualMachineConfiguration: vmConfig(gallery),
      targetDedicatedNodes: 3,
    });
    sim.clock.advance(3600);
    const list = await raw(sim, 'GET', `/pools?${API}`, { headers: batchAuth });
    expect(
      shapeDiff(list.json, example.responses['200'].body, [
        '$.odata.metadata',
        '$.value[].startTask',
        '$.value[].targetDedicatedNodes',
        '$.value[].targetLowPriorityNodes',
        '$.value[].autoScaleFormula',
        '$.value[].autoScaleEvaluationInterval',
        // The last formula evaluation of the autoscale pool (BatchPool.autoScaleRun; the example has none).
        '$.value[].autoScaleRun',
      ]),
    ).toEqual([]);
    expect(listProblems(list.json, 'BatchPool')).toEqual([]);
    const short = list.json.value.find((p: { id: string }) => p.id === 'short');
    expect(short.resizeErrors).toEqual([
      {
        code: 'AllocationFailed',
        message:
          'There was an error encountered while performing the last resize on the pool. Please try resizing the pool again.',
        values: [{ name: 'Reason', value: 'simulated' }],
      },
    ]);
  });

  test('the resize example body is accepted and is a BatchPoolResizeOptions', async () => {
    const body = fixture('PoolResize.json').parameters.poolResizeParameter;
    expect(contractProblems(body, "'BatchPoolResizeOptions'")).toEqual([]);
    await addPool({
      id: 'resizePool',
      vmSize: 'Standard_D2s_v5',
      virtualMachineConfiguration: vmConfig(sim.images.createGalleryImageVersion('g', 'i', '1.0.0')),
      targetDedicatedNodes: 0,
    });
    sim.clock.advance(60);
    const res = await raw(sim, 'POST', `/pools/resizePool/resize?${API}`, { headers: batchAuth, body });
    expect(res.status).toBe(202);
    expect(res.text).toBe('');
  });

  test('a steady pool with a resize error looks like the recorded one', async () => {
    const image = sim.images.createGalleryImageVersion('g', 'shape-img', '1.0.0');
    sim.faults.failNextResizes('failing', 1, { code: 'AllocationTimedout', message: 'x' });
    await addPool({
      id: 'failing',
      vmSize: 'Standard_D2s_v5',
      virtualMachineConfiguration: vmConfig(image),
      targetDedicatedNodes: 2,
    });
    sim.clock.advance(3600);
    const got = await getPool('failing');
    const recorded = observed.poolGetSteadyWithResizeError.body;
    expect(got.resizeErrors).toHaveLength(1);
    expect(
      shapeDiff(got, recorded, [
        '$.displayName',
        '$.userAccounts',
        '$.virtualMachineConfiguration.imageReference',
      ]),
    ).toEqual([]);
  });

  test('error bodies have the keys and types of recorded Batch errors and fit BatchError', async () => {
    await addPool({
      id: 'pool',
      vmSize: 'Standard_D2s_v5',
      virtualMachineConfiguration: vmConfig(sim.images.createGalleryImageVersion('g', 'i', '1.0.0')),
      targetDedicatedNodes: 1,
    });
    const exists = await addPool({
      id: 'pool',
      vmSize: 'Standard_D2s_v5',
      virtualMachineConfiguration: vmConfig(sim.images.createGalleryImageVersion('g', 'i', '1.0.0')),
      targetDedicatedNodes: 1,
    });
    expect(exists.status).toBe(409);
    expect(shapeDiff(exists.json, observed.poolAdd409PoolExists.body)).toEqual([]);
    expect(contractProblems(withoutMetadata(exists.json), "'BatchError'")).toEqual([]);

    const badImage = {
      id: 'bad',
      vmSize: 'Standard_D2s_v5',
      virtualMachineConfiguration: vmConfig(observed.poolAdd400BadVirtualMachineImageId.body.values[1].value),
      targetDedicatedNodes: 1,
    };
    const recorded = observed.poolAdd400BadVirtualMachineImageId.body;
    // Recorded in 2022, when the Reason still named the managed-image format: with managed images allowed
    // the body is the recording's, word for word.
    sim.compat.set({ allowManagedImages: true });
    const malformed = await addPool(badImage);
    sim.compat.set({ allowManagedImages: false });
    expect(shapeDiff(malformed.json, recorded)).toEqual([]);
    expect(malformed.json.values).toEqual(recorded.values);
    expect(malformed.statusMessage).toBe(observed.poolAdd400BadVirtualMachineImageId.statusText);
    expect(contractProblems(withoutMetadata(malformed.json), "'BatchError'")).toEqual([]);
    // Today the same shape and property, with a Reason that names the gallery format (our wording).
    const today = await addPool(badImage);
    expect(shapeDiff(today.json, recorded)).toEqual([]);
    expect(today.json.values.slice(0, 2)).toEqual(recorded.values.slice(0, 2));
    expect(today.json.values[2]).toMatchObject({
      key: 'Reason',
      value: expect.stringContaining('/galleries/'),
    });

    const unauthenticated = await raw(sim, 'GET', `/pools?${API}`);
    expect(shapeDiff(unauthenticated.json, observed.missingAuth400.body)).toEqual([]);
    expect(unauthenticated.statusMessage).toBe(observed.missingAuth400.statusText);

    const rule = sim.faults.throttle({ count: 1 });
    const throttled = await raw(sim, 'GET', `/pools?${API}`, { headers: batchAuth });
    sim.faults.remove(rule.id);
    expect(throttled.status).toBe(429);
    expect(shapeDiff(throttled.json, observed.throttled429.body)).toEqual([]);

    sim.compat.set({ allowRetiredApiVersions: false });
    const retired = await raw(sim, 'GET', '/pools?api-version=2022-10-01.16.0', { headers: batchAuth });
    expect(shapeDiff(retired.json, observed.poolAdd400BadVirtualMachineImageId.body)).toEqual([]);
    expect(contractProblems(withoutMetadata(retired.json), "'BatchError'")).toEqual([]);
  });
});

describe('supported images (2025-06-01)', () => {
  test('the list has the keys and types of the List Supported Images example; every entry fits BatchSupportedImage', async () => {
    const example = fixture('AccountListSupportedImages.json').responses['200'].body;
    const list = await raw(sim, 'GET', `/supportedimages?${API}`, { headers: batchAuth });
    expect(list.status).toBe(200);
    expect(list.json['odata.metadata']).toBe(`${sim.info.batchUrl}/$metadata#supportedimages`);
    expect(shapeDiff(list.json, example, ['$.odata.metadata'])).toEqual([]);
    expect(listProblems(list.json, 'BatchSupportedImage')).toEqual([]);
    expect(listProblems(example, 'BatchSupportedImage')).toEqual([]);
    const withEnd = list.json.value.find((i: { batchSupportEndOfLife?: string }) => i.batchSupportEndOfLife);
    expect(typeof withEnd.batchSupportEndOfLife).toBe('string');
    expect(contract.enums.OSType).toEqual(
      expect.arrayContaining(list.json.value.map((i: { osType: string }) => i.osType)),
    );
    expect(contract.enums.ImageVerificationType).toEqual(
      expect.arrayContaining(list.json.value.map((i: { verificationType: string }) => i.verificationType)),
    );
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

  test('a gallery image version with $expand=ReplicationStatus matches the example, in any state', async () => {
    const example = fixture('GalleryImageVersion_Get_WithReplicationStatus.json').responses['200'].body;
    const ignore = [
      // ARM always returns the type; the example omits it.
      '$.type',
      // Optional parts the simulator does not model.
      '$.properties.publishingProfile.targetRegions[].encryption',
      '$.properties.storageProfile.dataDiskImages',
      '$.properties.safetyProfile.policyViolations',
      // Written by the simulator although the example leaves them out (both are in the model).
      '$.properties.publishingProfile.excludeFromLatest',
    ];
    const id = sim.images.createGalleryImageVersion('myGalleryName', 'myGalleryImageName', '1.0.0');
    const got = await raw(sim, 'GET', `${id}?api-version=2025-03-03&%24expand=ReplicationStatus`, {
      headers: armAuth,
    });
    expect(got.status).toBe(200);
    expect(shapeDiff(got.json, example, ignore)).toEqual([]);

    const replicating = sim.images.createGalleryImageVersion('myGalleryName', 'myGalleryImageName', '2.0.0', {
      provisioningState: 'Creating',
      regions: { westeurope: 'Completed', eastus: { state: 'Replicating', progress: 40 } },
      endOfLifeDate: '2027-01-01T00:00:00Z',
    });
    const busy = await raw(sim, 'GET', `${replicating}?api-version=2025-03-03&%24expand=ReplicationStatus`, {
      headers: armAuth,
    });
    expect(
      shapeDiff(busy.json, example, [...ignore, '$.properties.publishingProfile.endOfLifeDate']),
    ).toEqual([]);
    expect(busy.json.properties.provisioningState).toBe('Creating');
    expect(busy.json.properties.replicationStatus).toEqual({
      aggregatedState: 'InProgress',
      summary: [
        { region: 'West Europe', state: 'Completed', details: '', progress: 100 },
        { region: 'East US', state: 'Replicating', details: '', progress: 40 },
      ],
    });
  });

  test('a gallery image definition has the keys and types of GalleryImage_Get (plus its features)', async () => {
    const example = fixture('GalleryImage_Get.json').responses['200'].body;
    const id = sim.images.createGalleryImage('myGallery', 'myGalleryImageName', {
      securityType: 'TrustedLaunchSupported',
      hyperVGeneration: 'V2',
    });
    const got = await raw(sim, 'GET', `${id}?api-version=2025-03-03`, { headers: armAuth });
    expect(got.status).toBe(200);
    expect(shapeDiff(got.json, example, ['$.type', '$.properties.features'])).toEqual([]);
    expect(got.json.properties.features).toEqual([{ name: 'SecurityType', value: 'TrustedLaunchSupported' }]);
  });
});

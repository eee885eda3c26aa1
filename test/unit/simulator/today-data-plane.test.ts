// The Batch data plane as it is today: api-versions (retired ones with and without the compatibility
// switch), List Supported Images, node agent SKUs with end of life, VM sizes per region, pool and core
// quotas, and resize errors with values. Raw HTTPS at api-version 2025-06-01 unless a test is about a
// retired version (what @azure/batch 10.2.0 sends) or the project's client.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Simulator } from '../../../src/simulator/index.ts';
import {
  DEFAULT_COMPAT,
  LEGACY_COMPAT,
  STRICT_COMPAT,
  startSimulator,
} from '../../../src/simulator/index.ts';
import { batchClient, control, raw, tokenFor, vmConfig } from './helpers.ts';

let sim: Simulator;
let auth: Record<string, string>;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0 });
  auth = { authorization: `Bearer ${await tokenFor(sim, 'https://batch.core.windows.net//.default')}` };
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
});

const API = 'api-version=2025-06-01';
const post = (path: string, body: unknown) => raw(sim, 'POST', path, { headers: auth, body });
const get = (path: string) => raw(sim, 'GET', path, { headers: auth });
const ubuntu2404 = {
  imageReference: { publisher: 'canonical', offer: 'ubuntu-24_04-lts', sku: 'server' },
  nodeAgentSKUId: 'batch.node.ubuntu 24.04',
};
const pool = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  vmSize: 'Standard_D4s_v5',
  virtualMachineConfiguration: ubuntu2404,
  targetDedicatedNodes: 1,
  ...extra,
});

describe('api-versions', () => {
  test('by default a retired version is 400 UnsupportedRequestVersion, an unknown one InvalidQueryParameterValue, none MissingRequiredQueryParameter', async () => {
    expect(sim.compat.current).toEqual(DEFAULT_COMPAT);
    expect(DEFAULT_COMPAT).toEqual(STRICT_COMPAT);
    const retired = await get('/pools?api-version=2024-07-01.20.0');
    expect([retired.status, retired.json.code]).toEqual([400, 'UnsupportedRequestVersion']);
    expect(retired.statusMessage).toBe('The specified request version is not supported.');
    expect(retired.json.values.slice(0, 2)).toEqual([
      { key: 'QueryParameterName', value: 'api-version' },
      { key: 'QueryParameterValue', value: '2024-07-01.20.0' },
    ]);
    const unknown = await get('/pools?api-version=2026-08-01');
    expect([unknown.status, unknown.json.code]).toEqual([400, 'InvalidQueryParameterValue']);
    const missing = await get('/pools');
    expect([missing.status, missing.json.code]).toEqual([400, 'MissingRequiredQueryParameter']);
    for (const q of [API, 'api-version=2025-06-01.21.0']) expect((await get(`/pools?${q}`)).status).toBe(200);

    // Every operation, writes too: what @azure/batch 10.2.0 sends (2022-10-01.16.0) makes no pool.
    const old = await post('/pools?api-version=2022-10-01.16.0', pool('old'));
    expect([old.status, old.json.code]).toEqual([400, 'UnsupportedRequestVersion']);
    expect(sim.pools.get('old')).toBeUndefined();
    expect((await get('/supportedimages?api-version=2023-05-01.17.0')).json.code).toBe(
      'UnsupportedRequestVersion',
    );
    // The project's client sends 2025-06-01 and is served.
    await batchClient(sim).listPools();
    expect(sim.requests.list({ operation: 'Pool_List' }).at(-1)).toMatchObject({
      apiVersion: '2025-06-01',
      status: 200,
    });
  });

  test('with allowRetiredApiVersions every api-version is served, as the 2022 simulator did', async () => {
    sim.compat.set({ allowRetiredApiVersions: true });
    for (const q of ['api-version=2022-10-01.16.0', API, 'api-version=2025-06-01.21.0', ''])
      expect((await get(`/pools?${q}`)).status).toBe(200);
    expect((await post('/pools?api-version=2022-10-01.16.0', pool('old'))).status).toBe(201);
    expect(sim.requests.list({ operation: 'Pool_Add' }).at(-1)?.apiVersion).toBe('2022-10-01.16.0');
  });

  test('the switch can be flipped through the control API, and reset restores the start-up value', async () => {
    expect((await control(sim, 'POST', '/compat', { allowRetiredApiVersions: true })).json).toMatchObject({
      allowRetiredApiVersions: true,
    });
    expect((await get('/pools?api-version=2022-10-01.16.0')).status).toBe(200);
    expect((await control(sim, 'POST', '/compat', { bogus: true })).status).toBe(400);
    sim.reset();
    expect((await control(sim, 'GET', '/compat')).json).toEqual(DEFAULT_COMPAT);
    expect((await get('/pools?api-version=2022-10-01.16.0')).status).toBe(400);
  });

  test('a simulator started legacy stays legacy across reset', async () => {
    const legacy = await startSimulator({ timeScale: 0, compat: LEGACY_COMPAT });
    try {
      const token = {
        authorization: `Bearer ${await tokenFor(legacy, 'https://batch.core.windows.net//.default')}`,
      };
      legacy.reset();
      expect(legacy.compat.current).toEqual(LEGACY_COMPAT);
      const old = await raw(legacy, 'GET', '/pools?api-version=2022-10-01.16.0', { headers: token });
      expect(old.status).toBe(200);
    } finally {
      await legacy.close();
    }
  });

  test('the served versions are configurable', async () => {
    const other = await startSimulator({ timeScale: 0, apiVersions: ['2026-08-01'] });
    try {
      const token = {
        authorization: `Bearer ${await tokenFor(other, 'https://batch.core.windows.net//.default')}`,
      };
      expect((await raw(other, 'GET', '/pools?api-version=2026-08-01', { headers: token })).status).toBe(200);
      expect((await raw(other, 'GET', `/pools?${API}`, { headers: token })).json.code).toBe(
        'InvalidQueryParameterValue',
      );
    } finally {
      await other.close();
    }
  });
});

describe('supported images and node agent SKUs', () => {
  test('GET /supportedimages lists Ubuntu 24.04 and 22.04 (end of life 2027-06-30), the retired 20.04 and Windows', async () => {
    const res = await get(`/supportedimages?${API}`);
    expect(res.status).toBe(200);
    const skus = new Set(res.json.value.map((i: { nodeAgentSKUId: string }) => i.nodeAgentSKUId));
    expect([...skus]).toEqual(
      expect.arrayContaining([
        'batch.node.ubuntu 24.04',
        'batch.node.ubuntu 22.04',
        'batch.node.ubuntu 20.04',
        'batch.node.windows amd64',
      ]),
    );
    const jammy = res.json.value.find(
      (i: { imageReference: { sku: string } }) => i.imageReference.sku === '22_04-lts',
    );
    expect(jammy).toMatchObject({
      nodeAgentSKUId: 'batch.node.ubuntu 22.04',
      osType: 'linux',
      verificationType: 'verified',
      batchSupportEndOfLife: '2027-06-30T00:00:00.0000000Z',
    });
    expect(sim.requests.list({ operation: 'Pool_ListSupportedImages' })).toHaveLength(1);
  });

  test('pages with maxresults and odata.nextLink, and filters with $filter (nested properties as paths)', async () => {
    const first = await get(`/supportedimages?${API}&maxresults=2`);
    expect(first.json.value).toHaveLength(2);
    const next = new URL(first.json['odata.nextLink']);
    expect(next.searchParams.get('api-version')).toBe('2025-06-01');
    const second = await get(`${next.pathname}${next.search}`);
    expect(second.json.value[0]).not.toEqual(first.json.value[0]);
    let all: unknown[] = [...first.json.value];
    for (let link: string | undefined = first.json['odata.nextLink']; link;) {
      const u = new URL(link);
      const page = await get(`${u.pathname}${u.search}`);
      all = [...all, ...page.json.value];
      link = page.json['odata.nextLink'];
    }
    expect(all).toEqual(sim.account.supportedImages());

    const filter = (f: string) => get(`/supportedimages?${API}&$filter=${encodeURIComponent(f)}`);
    const windows = await filter("osType eq 'windows'");
    expect(windows.json.value.every((i: { osType: string }) => i.osType === 'windows')).toBe(true);
    expect(windows.json.value.length).toBeGreaterThan(0);
    const dsvm = await filter(
      "imageReference/publisher eq 'microsoft-dsvm' and nodeAgentSKUId eq 'batch.node.ubuntu 24.04'",
    );
    expect(dsvm.json.value.map((i: { imageReference: { sku: string } }) => i.imageReference.sku)).toEqual([
      '2404',
    ]);
    expect((await filter('osType gt 3')).json.code).toBe('InvalidQueryParameterValue');
  });

  test('a node agent SKU Batch does not support, or one past its end of life, is 400 InvalidPropertyValue', async () => {
    const unknown = await post(
      `/pools?${API}`,
      pool('p', {
        virtualMachineConfiguration: { ...ubuntu2404, nodeAgentSKUId: 'batch.node.ubuntu 18.04' },
      }),
    );
    expect([unknown.status, unknown.json.code, unknown.json.values[0]]).toEqual([
      400,
      'InvalidPropertyValue',
      { key: 'PropertyName', value: 'nodeAgentSKUId' },
    ]);
    const focal = {
      imageReference: { publisher: 'canonical', offer: '0001-com-ubuntu-server-focal', sku: '20_04-lts' },
      nodeAgentSKUId: 'batch.node.ubuntu 20.04',
    };
    const retired = await post(`/pools?${API}`, pool('p', { virtualMachineConfiguration: focal }));
    expect([retired.status, retired.json.values[0].value]).toEqual([400, 'nodeAgentSKUId']);
    expect(retired.json.values[2].value).toContain('2025-04-23');

    // 22.04 works until its end of life, then no more (Azure/Batch#200).
    const jammy = { ...vmConfig(sim.images.createGalleryImageVersion('g', 'jammy', '1.0.0')) };
    expect((await post(`/pools?${API}`, pool('before', { virtualMachineConfiguration: jammy }))).status).toBe(
      201,
    );
    sim.clock.advance(Math.max(0, (Date.parse('2027-07-01T00:00:00Z') - sim.clock.now().getTime()) / 1000));
    const after = await post(`/pools?${API}`, pool('after', { virtualMachineConfiguration: jammy }));
    expect([after.status, after.json.values[0].value]).toEqual([400, 'nodeAgentSKUId']);
    expect(after.json.values[2].value).toContain('2027-06-30');
  });

  test('the list is configurable, in process and through the control API', async () => {
    sim.account.setSupportedImages([
      {
        nodeAgentSKUId: 'batch.node.ubuntu 26.04',
        imageReference: {
          publisher: 'canonical',
          offer: 'ubuntu-26_04-lts',
          sku: 'server',
          version: 'latest',
        },
        osType: 'linux',
        verificationType: 'verified',
      },
    ]);
    expect((await get(`/supportedimages?${API}`)).json.value).toHaveLength(1);
    expect((await post(`/pools?${API}`, pool('p'))).json.values[0].value).toBe('nodeAgentSKUId');
    const set = await control(sim, 'POST', '/account/supported-images', {
      value: [{ ...sim.account.supportedImages()[0], nodeAgentSKUId: 'batch.node.ubuntu 24.04' }],
    });
    expect(set.status).toBe(200);
    expect((await post(`/pools?${API}`, pool('p'))).status).toBe(201);
    expect((await control(sim, 'GET', '/account/supported-images')).json.value).toHaveLength(1);
  });
});

describe('VM sizes', () => {
  test('an unknown size, or one Batch does not offer in the account region, is 400 InvalidPropertyValue vmSize', async () => {
    const bogus = await post(`/pools?${API}`, pool('p', { vmSize: 'Standard_D5s_v5' }));
    expect([bogus.status, bogus.json.code, bogus.json.values]).toEqual([
      400,
      'InvalidPropertyValue',
      [
        { key: 'PropertyName', value: 'vmSize' },
        { key: 'PropertyValue', value: 'Standard_D5s_v5' },
        {
          key: 'Reason',
          value: 'The value provided for one of the properties in the request body is invalid.',
        },
      ],
    ]);
    // Standard_A sizes are retired for Batch.
    expect((await post(`/pools?${API}`, pool('p', { vmSize: 'standard_a1' }))).status).toBe(400);
    // Offered in eastus, not in westeurope (the default region).
    expect(sim.account.location).toBe('westeurope');
    expect(
      (await post(`/pools?${API}`, pool('p', { vmSize: 'Standard_NC24ads_A100_v4' }))).json.values[0].value,
    ).toBe('vmSize');
    // Names compare case-insensitively; GET shows the size lower-cased.
    expect((await post(`/pools?${API}`, pool('p', { vmSize: 'STANDARD_d4S_V5' }))).status).toBe(201);
    expect((await get(`/pools/p?${API}`)).json.vmSize).toBe('standard_d4s_v5');
  });

  test('the region and the catalogue are configurable', async () => {
    const east = await startSimulator({ timeScale: 0, location: 'eastus' });
    try {
      const token = {
        authorization: `Bearer ${await tokenFor(east, 'https://batch.core.windows.net//.default')}`,
      };
      const created = await raw(east, 'POST', `/pools?${API}`, {
        headers: token,
        body: pool('gpu', { vmSize: 'Standard_NC24ads_A100_v4' }),
      });
      expect(created.status).toBe(201);
      expect(east.info.location).toBe('eastus');
    } finally {
      await east.close();
    }
    sim.account.setVmSizes([{ name: 'Standard_Custom_v9', family: 'customFamily', vCPUs: 2 }]);
    expect((await post(`/pools?${API}`, pool('a', { vmSize: 'Standard_Custom_v9' }))).status).toBe(201);
    expect((await post(`/pools?${API}`, pool('b'))).status).toBe(400);
    const viaControl = await control(sim, 'POST', '/account/vm-sizes', {
      value: [{ name: 'Standard_D4s_v5', family: 'standardDSv5Family', vCPUs: 4, regions: ['westeurope'] }],
    });
    expect(viaControl.json.value).toHaveLength(1);
    expect((await post(`/pools?${API}`, pool('b'))).status).toBe(201);
  });
});

describe('quotas', () => {
  test('with ignoreAccountQuotas the quotas are not enforced (as the 2022 simulator did)', async () => {
    sim.compat.set({ ignoreAccountQuotas: true });
    sim.account.setQuotas({ pools: 1, dedicatedCores: 4 });
    expect((await post(`/pools?${API}`, pool('a', { targetDedicatedNodes: 10 }))).status).toBe(201);
    expect((await post(`/pools?${API}`, pool('b'))).status).toBe(201);
    sim.clock.advance(600);
    expect(sim.pools.get('a')).toMatchObject({ currentDedicatedNodes: 10, resizeErrors: [] });
  });

  test('enforced by default: one pool beyond the pool quota is 409 PoolQuotaReached; a deleting pool counts until it is gone', async () => {
    expect(sim.account.quotas).toEqual({ pools: 100, dedicatedCores: 900, lowPriorityCores: 100 });
    sim.account.setQuotas({ pools: 2 });
    expect((await post(`/pools?${API}`, pool('a'))).status).toBe(201);
    expect((await post(`/pools?${API}`, pool('b'))).status).toBe(201);
    const third = await post(`/pools?${API}`, pool('c'));
    expect([third.status, third.json.code, third.statusMessage]).toEqual([
      409,
      'PoolQuotaReached',
      'Pool quota for the account has been reached.',
    ]);
    // PoolExists wins over the quota.
    expect((await post(`/pools?${API}`, pool('a'))).json.code).toBe('PoolExists');
    expect((await raw(sim, 'DELETE', `/pools/a?${API}`, { headers: auth })).status).toBe(202);
    expect((await post(`/pools?${API}`, pool('c'))).json.code).toBe('PoolQuotaReached');
    sim.clock.advance(61);
    expect((await post(`/pools?${API}`, pool('c'))).status).toBe(201);
  });

  test('enforced by default: dedicated and Spot cores end a resize short with AccountCoreQuotaReached / AccountLowPriorityCoreQuotaReached', async () => {
    sim.account.setQuotas({ dedicatedCores: 20, lowPriorityCores: 8 });
    // Standard_D4s_v5: 4 vCPUs a node.
    await post(`/pools?${API}`, pool('a', { targetDedicatedNodes: 3 }));
    await post(`/pools?${API}`, pool('b', { targetDedicatedNodes: 5, targetLowPriorityNodes: 3 }));
    sim.clock.advance(600);
    expect(sim.pools.get('a')).toMatchObject({ currentDedicatedNodes: 3, resizeErrors: [] });
    const b = (await get(`/pools/b?${API}`)).json;
    expect([b.currentDedicatedNodes, b.currentLowPriorityNodes]).toEqual([2, 2]);
    expect(b.resizeErrors).toEqual([
      { code: 'AccountCoreQuotaReached', message: 'The specified account has reached core quota' },
      {
        code: 'AccountLowPriorityCoreQuotaReached',
        message: 'The specified account has reached low priority core quota',
      },
    ]);
    // Shrinking the other pool frees cores for the next resize.
    await post(`/pools/a/resize?${API}`, { targetDedicatedNodes: 0 });
    sim.clock.advance(60);
    await post(`/pools/b/resize?${API}`, { targetDedicatedNodes: 5, targetLowPriorityNodes: 2 });
    sim.clock.advance(600);
    const again = (await get(`/pools/b?${API}`)).json;
    expect([again.currentDedicatedNodes, again.currentLowPriorityNodes, again.resizeErrors]).toEqual([
      5,
      2,
      undefined,
    ]);
  });

  test('turning the quotas on at run time counts the pools that already exist', async () => {
    sim.compat.set({ ignoreAccountQuotas: true });
    sim.account.setQuotas({ dedicatedCores: 20 });
    await post(`/pools?${API}`, pool('a', { targetDedicatedNodes: 3 }));
    sim.clock.advance(600);
    sim.compat.set({ ignoreAccountQuotas: false });
    await post(`/pools?${API}`, pool('b', { targetDedicatedNodes: 5 }));
    sim.clock.advance(600);
    expect(sim.pools.get('b')).toMatchObject({
      currentDedicatedNodes: 2,
      resizeErrors: [
        { code: 'AccountCoreQuotaReached', message: 'The specified account has reached core quota' },
      ],
    });
    // Off again: nothing holds a resize back.
    sim.compat.set({ ignoreAccountQuotas: true });
    await post(`/pools/b/resize?${API}`, { targetDedicatedNodes: 9 });
    sim.clock.advance(600);
    expect(sim.pools.get('b')?.currentDedicatedNodes).toBe(9);
  });

  test('the quotas are set through the control API too', async () => {
    const res = await control(sim, 'POST', '/account', { quotas: { pools: 7 } });
    expect(res.json.quotas.pools).toBe(7);
    expect((await control(sim, 'POST', '/account', { quotas: { pools: -1 } })).status).toBe(400);
    expect((await control(sim, 'GET', '/account')).json).toMatchObject({
      location: 'westeurope',
      quotas: { pools: 7 },
      id: sim.info.batchAccountId,
    });
  });
});

describe('resize errors', () => {
  test('values set on an injected error reach resizeErrors[].values (name/value pairs), in our client too', async () => {
    sim.faults.failNextResizes('p', 1, {
      code: 'OverconstrainedAllocationRequestError',
      message: 'Allocation failed because the allocation condition is too restrictive.',
      values: [{ name: 'Reason', value: 'No capacity in the zones asked for' }],
    });
    await post(`/pools?${API}`, pool('p', { targetDedicatedNodes: 4 }));
    sim.clock.advance(600);
    const got = await batchClient(sim).getPool('p');
    expect(got.resizeErrors).toEqual([
      {
        code: 'OverconstrainedAllocationRequestError',
        message: 'Allocation failed because the allocation condition is too restrictive.',
        values: [{ name: 'Reason', value: 'No capacity in the zones asked for' }],
      },
    ]);
    const viaControl = await control(sim, 'POST', '/faults/pools/q', {
      failNext: 1,
      values: [{ name: 'Code', value: 'x' }],
    });
    expect(viaControl.json.pools.q.values).toEqual([{ name: 'Code', value: 'x' }]);
    expect(
      (await control(sim, 'POST', '/faults/pools/q', { failNext: 1, values: [{ key: 'x' }] })).status,
    ).toBe(400);
  });
});

// The management-plane pool API (Microsoft.Batch/batchAccounts/pools, 2025-06-01) through Microsoft's
// @azure/arm-batch pointed at api-version 2025-06-01, over the same pools the data plane serves: one pool, two
// planes, the identity on it, resize by PATCH of fixedScale, ETags, the delete operation, paging, and ARM's
// refusal of an identity the caller may not assign.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BatchManagementClient, type Pool } from '@azure/arm-batch';
import type { Simulator } from '../../../src/simulator/index.ts';
import { startSimulator } from '../../../src/simulator/index.ts';
import type { BatchClient } from '../../../src/azure/batch/client.ts';
import { batchClient, credential, raw, tokenFor } from './helpers.ts';
import { fullPool } from './full-pool.ts';
import { dataPoolToArm } from '../../../src/azure/arm/pool-shape.ts';
import { SubscriptionBuckets } from '../../../src/simulator/state/arm-throttle.ts';

const ARM_SCOPE = 'https://management.azure.com/.default';
const RG = 'batch-rg';
const ACCOUNT = 'simbatch';

let sim: Simulator;
let arm: BatchManagementClient;
let batch: BatchClient;
let image: string;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0 });
  arm = new BatchManagementClient(credential(sim), sim.info.subscriptionId, {
    endpoint: sim.info.armEndpoint,
    apiVersion: '2025-06-01',
    credentialScopes: [ARM_SCOPE],
    tlsOptions: { ca: sim.info.caPem },
    retryOptions: { maxRetries: 0 },
  });
  batch = batchClient(sim);
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
  image = sim.images.createGalleryImageVersion('gallery', 'ubuntu-2204', '1.0.0');
});

const armPool = (
  extra: Partial<Pool> = {},
  targets = { targetDedicatedNodes: 3, targetLowPriorityNodes: 0 },
): Pool => ({
  vmSize: 'Standard_D4s_v5',
  deploymentConfiguration: {
    virtualMachineConfiguration: { imageReference: { id: image }, nodeAgentSkuId: 'batch.node.ubuntu 22.04' },
  },
  scaleSettings: { fixedScale: { ...targets, resizeTimeout: 'PT15M' } },
  ...extra,
});

async function armRaw(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const auth = { authorization: `Bearer ${await tokenFor(sim, ARM_SCOPE)}` };
  return raw(sim, method, `${path}${path.includes('?') ? '&' : '?'}api-version=2025-06-01`, {
    headers: { ...auth, ...headers },
    ...(body === undefined ? {} : { body }),
  });
}

const poolPath = (name: string) => `${sim.info.batchAccountId}/pools/${name}`;

describe('one pool, two planes', () => {
  test('a pool created through ARM with an identity is the data plane pool, identity and all', async () => {
    const identity = sim.identities.create('render-puller');
    const created = await arm.poolOperations.create(RG, ACCOUNT, 'render', {
      ...armPool({
        identity: { type: 'UserAssigned', userAssignedIdentities: { [identity]: {} } },
      }),
    });
    const known = sim.identities.get(identity)!;
    expect(created).toMatchObject({
      id: poolPath('render'),
      name: 'render',
      type: 'Microsoft.Batch/batchAccounts/pools',
      provisioningState: 'Succeeded',
      allocationState: 'Resizing',
      scaleSettings: {
        fixedScale: { targetDedicatedNodes: 3, targetLowPriorityNodes: 0, resizeTimeout: 'PT15M' },
      },
      interNodeCommunication: 'Disabled',
      taskSlotsPerNode: 1,
      identity: {
        type: 'UserAssigned',
        userAssignedIdentities: { [identity]: { clientId: known.clientId, principalId: known.principalId } },
      },
    });
    expect(created.etag).toMatch(/^W\/"0x[0-9A-F]+"$/);
    expect(created.deploymentConfiguration?.virtualMachineConfiguration?.imageReference?.id).toBe(image);

    const onData = await batch.getPool('render');
    expect(onData).toMatchObject({
      id: 'render',
      targetDedicatedNodes: 3,
      allocationState: 'resizing',
      virtualMachineConfiguration: { imageReference: { virtualMachineImageId: image } },
      identity: {
        type: 'UserAssigned',
        userAssignedIdentities: [
          { resourceId: identity, clientId: known.clientId, principalId: known.principalId },
        ],
      },
    });
    expect(created.etag).toBe(`W/"${onData.eTag}"`);
  });

  test('a pool created on the data plane reads the same through ARM, PascalCase enums and all', async () => {
    const body = fullPool(image, 'full');
    await batch.createPool(body as never);
    const { body: dataSide } = await raw(sim, 'GET', '/pools/full?api-version=2025-06-01', {
      headers: { authorization: `Bearer ${await tokenFor(sim, 'https://batch.core.windows.net//.default')}` },
    }).then((r) => ({ body: r.json as Record<string, unknown> }));
    const got = await armRaw('GET', poolPath('full'));
    expect(got.status).toBe(200);
    expect(got.headers.etag).toBe(`W/"${String(dataSide.eTag)}"`);
    const props = got.json.properties;
    // Everything but the state ARM adds is the data-plane pool in ARM's shape.
    const expected = dataPoolToArm(dataSide, {
      provisioningState: 'Succeeded',
      provisioningStateTransitionTime: props.provisioningStateTransitionTime,
      allocationState: 'resizing',
      allocationStateTransitionTime: props.allocationStateTransitionTime,
      creationTime: props.creationTime,
      lastModified: props.lastModified,
      currentDedicatedNodes: 0,
      currentLowPriorityNodes: 0,
      resizeOperationStatus: props.resizeOperationStatus,
    });
    expect(props).toEqual(expected);
    expect(props).toMatchObject({
      taskSchedulingPolicy: { nodeFillType: 'Pack' },
      userAccounts: [expect.objectContaining({ elevationLevel: 'Admin' }), expect.anything()],
      resizeOperationStatus: {
        targetDedicatedNodes: 2,
        targetLowPriorityNodes: 1,
        resizeTimeout: 'PT20M',
        nodeDeallocationOption: 'Requeue',
      },
    });
    // Secrets stay with Azure on both planes.
    expect(JSON.stringify(got.json)).not.toMatch(/-secret/);
  });
});

describe('resize, stop, ETags', () => {
  test('a resize that ended short is read from resizeOperationStatus.errors and allocationState', async () => {
    sim.faults.setAllocation({ maxNodesPerResize: 5 });
    await arm.poolOperations.create(
      RG,
      ACCOUNT,
      'short',
      armPool({}, { targetDedicatedNodes: 8, targetLowPriorityNodes: 0 }),
    );
    sim.clock.advance(3600);
    const pool = await arm.poolOperations.get(RG, ACCOUNT, 'short');
    const onData = await batch.getPool('short');
    expect(onData.resizeErrors?.length).toBeGreaterThan(0);
    expect(pool).toMatchObject({
      allocationState: 'Steady',
      currentDedicatedNodes: onData.currentDedicatedNodes,
      resizeOperationStatus: {
        targetDedicatedNodes: 8,
        errors: onData.resizeErrors!.map((e) =>
          expect.objectContaining({ code: e.code, message: e.message }),
        ),
      },
    });
    expect(pool.currentDedicatedNodes).toBeLessThan(8);
    // Re-issuing the same target (what the operator does after AllocationFailed) starts a new resize.
    const again = await arm.poolOperations.update(RG, ACCOUNT, 'short', {
      scaleSettings: { fixedScale: { targetDedicatedNodes: 8 } },
    });
    expect(again.allocationState).toBe('Resizing');
    expect(again.resizeOperationStatus?.errors).toBeUndefined();
  });

  test('a PATCH of fixedScale resizes; one while a resize runs is refused; stopResize stops it', async () => {
    await arm.poolOperations.create(RG, ACCOUNT, 'grow', armPool());
    sim.clock.advance(3600);
    expect((await arm.poolOperations.get(RG, ACCOUNT, 'grow')).allocationState).toBe('Steady');
    const patched = await arm.poolOperations.update(RG, ACCOUNT, 'grow', {
      scaleSettings: {
        fixedScale: {
          targetDedicatedNodes: 8,
          resizeTimeout: 'PT10M',
          nodeDeallocationOption: 'TaskCompletion',
        },
      },
    });
    expect(patched).toMatchObject({
      allocationState: 'Resizing',
      scaleSettings: {
        fixedScale: { targetDedicatedNodes: 8, targetLowPriorityNodes: 0, resizeTimeout: 'PT10M' },
      },
      resizeOperationStatus: {
        targetDedicatedNodes: 8,
        nodeDeallocationOption: 'TaskCompletion',
        resizeTimeout: 'PT10M',
      },
    });
    expect(patched.resizeOperationStatus?.startTime?.toISOString()).toBe(sim.clock.now().toISOString());
    expect((await batch.getPool('grow')).targetDedicatedNodes).toBe(8);
    // A second resize while the first runs is refused, as on the data plane.
    const busy = await arm.poolOperations
      .update(RG, ACCOUNT, 'grow', { scaleSettings: { fixedScale: { targetDedicatedNodes: 9 } } })
      .catch((e: unknown) => e);
    expect(busy).toMatchObject({ statusCode: 409 });
    const stopped = await arm.poolOperations.stopResize(RG, ACCOUNT, 'grow');
    expect(stopped.allocationState).toBe('Stopping');
  });

  test('If-Match with a stale ETag is refused with 412 and the pool is not changed', async () => {
    const first = await arm.poolOperations.create(RG, ACCOUNT, 'etag', armPool());
    await arm.poolOperations.update(RG, ACCOUNT, 'etag', { metadata: [{ name: 'a', value: '1' }] });
    const stale = await arm.poolOperations
      .update(RG, ACCOUNT, 'etag', { metadata: [{ name: 'a', value: '2' }] }, { ifMatch: first.etag! })
      .catch((e: unknown) => e);
    expect(stale).toMatchObject({ statusCode: 412, code: 'ConditionNotMet' });
    expect((await batch.getPool('etag')).metadata).toEqual([{ name: 'a', value: '1' }]);
    const exists = await arm.poolOperations
      .create(RG, ACCOUNT, 'etag', armPool(), { ifNoneMatch: '*' })
      .catch((e: unknown) => e);
    expect(exists).toMatchObject({ statusCode: 412 });
  });

  test('settings Azure changes only on an empty pool are refused by a PATCH while it has nodes', async () => {
    await arm.poolOperations.create(RG, ACCOUNT, 'busy', armPool());
    sim.clock.advance(3600);
    const err = await arm.poolOperations
      .update(RG, ACCOUNT, 'busy', { taskSlotsPerNode: 4 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ statusCode: 400, code: 'PropertyCannotBeUpdated' });
  });
});

describe('delete and list', () => {
  test('delete is a long-running operation: 202 with Location and Retry-After, polled to its end', async () => {
    await arm.poolOperations.create(RG, ACCOUNT, 'gone', armPool());
    const del = await armRaw('DELETE', poolPath('gone'));
    expect(del.status).toBe(202);
    expect(del.headers['retry-after']).toBe('15');
    const location = new URL(String(del.headers.location));
    expect(location.pathname).toMatch(
      new RegExp(`^${sim.info.batchAccountId}/poolOperationResults/delete-gone-[0-9A-F]+$`, 'i'),
    );
    expect((await armRaw('GET', poolPath('gone'))).json.properties.provisioningState).toBe('Deleting');
    expect((await armRaw('GET', location.pathname)).status).toBe(202);
    sim.clock.advance(3600);
    expect((await armRaw('GET', location.pathname)).status).toBe(200);
    expect((await armRaw('GET', poolPath('gone'))).status).toBe(404);
    expect((await armRaw('DELETE', poolPath('gone'))).status).toBe(204);
  });

  test('the list pages with maxresults and nextLink through the SDK', async () => {
    for (const n of ['a', 'b', 'c', 'd', 'e']) await arm.poolOperations.create(RG, ACCOUNT, n, armPool());
    const first = await armRaw('GET', `${sim.info.batchAccountId}/pools?maxresults=2`);
    expect(first.json.value).toHaveLength(2);
    expect(first.json.nextLink).toBeDefined();
    const names: string[] = [];
    for await (const p of arm.poolOperations.listByBatchAccount(RG, ACCOUNT, { maxresults: 2 }))
      names.push(p.name!);
    expect(names).toEqual(['a', 'b', 'c', 'd', 'e']);
    const selected = await armRaw(
      'GET',
      `${sim.info.batchAccountId}/pools?$select=properties/allocationState,properties/currentDedicatedNodes`,
    );
    expect(Object.keys(selected.json.value[0].properties).sort()).toEqual([
      'allocationState',
      'currentDedicatedNodes',
    ]);
  });
});

describe('ARM throttling', () => {
  test('every answer says what is left of the subscription bucket for its kind of request', async () => {
    await arm.poolOperations.create(RG, ACCOUNT, 't', armPool());
    const a = await armRaw('GET', poolPath('t'));
    const b = await armRaw('GET', poolPath('t'));
    const reads = [a, b].map((r) => Number(r.headers['x-ms-ratelimit-remaining-subscription-reads']));
    // The bucket refills 25 a second, so two reads in a row show the same count or one less.
    expect(reads[1]).toBeLessThanOrEqual(reads[0]!);
    expect(reads[0]).toBeLessThan(250);
    const patched = await armRaw('PATCH', poolPath('t'), { properties: { metadata: [] } });
    expect(Number(patched.headers['x-ms-ratelimit-remaining-subscription-writes'])).toBeLessThan(200);
  });

  test('an empty bucket answers 429 SubscriptionRequestsThrottled with Retry-After, and refills', () => {
    let now = 0;
    const buckets = new SubscriptionBuckets(
      {
        reads: { capacity: 2, perSecond: 1 },
        writes: { capacity: 1, perSecond: 0.5 },
        deletes: { capacity: 1, perSecond: 1 },
      },
      () => now,
    );
    expect(buckets.take('sub', 'reads')).toEqual({ ok: true, remaining: 1 });
    expect(buckets.take('SUB', 'reads')).toEqual({ ok: true, remaining: 0 });
    expect(buckets.take('sub', 'reads')).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(buckets.take('other', 'reads')).toMatchObject({ ok: true });
    expect(buckets.take('sub', 'writes')).toMatchObject({ ok: true });
    expect(buckets.take('sub', 'writes')).toEqual({ ok: false, retryAfterSeconds: 2 });
    now = 1000;
    expect(buckets.take('sub', 'reads')).toMatchObject({ ok: true });
    expect(SubscriptionBuckets.kindOf('DELETE')).toBe('deletes');
    expect(SubscriptionBuckets.kindOf('PATCH')).toBe('writes');
  });
});

describe('identities ARM checks', () => {
  test('an identity the caller may not assign, or that does not exist, is refused with LinkedAuthorizationFailed', async () => {
    const locked = sim.identities.create('locked', { assignableBy: ['someone-else'] });
    const missing = `/subscriptions/${sim.info.subscriptionId}/resourceGroups/identities-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/never`;
    for (const id of [locked, missing]) {
      const err = await arm.poolOperations
        .create(
          RG,
          ACCOUNT,
          'refused',
          armPool({ identity: { type: 'UserAssigned', userAssignedIdentities: { [id]: {} } } }),
        )
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ statusCode: 403, code: 'LinkedAuthorizationFailed' });
      expect((err as Error).message).toContain(id);
    }
    expect(await batch.poolExists('refused')).toBe(false);
    const allowed = sim.identities.create('allowed', { assignableBy: [sim.info.clientId] });
    await arm.poolOperations.create(
      RG,
      ACCOUNT,
      'allowed',
      armPool({ identity: { type: 'UserAssigned', userAssignedIdentities: { [allowed]: {} } } }),
    );
    expect(
      Object.keys(
        (await arm.poolOperations.get(RG, ACCOUNT, 'allowed')).identity?.userAssignedIdentities ?? {},
      ),
    ).toEqual([allowed]);
  });

  test('a pool of another account is not found', async () => {
    const err = await arm.poolOperations.get(RG, 'otheraccount', 'x').catch((e: unknown) => e);
    expect(err).toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    const missing = await arm.poolOperations.get(RG, ACCOUNT, 'nope').catch((e: unknown) => e);
    expect(missing).toMatchObject({ statusCode: 404, code: 'PoolNotFound' });
  });
});

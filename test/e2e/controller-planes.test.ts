// The two planes side by side, against the real apiserver and the simulator: a pool whose nodes pull from a
// registry with the pool's own managed identity (management plane only) ends Ready with the identity on the
// pool; the same spec on a data-plane account is refused saying what to set; moving an account from one plane
// to the other writes nothing to its pools; and ARM throttling of the subscription is waited out while the
// account's data-plane work goes on. (Every other controller behaviour runs on both planes: the e2e and
// e2e-arm projects of vitest.config.ts.)

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchPoolSpec } from '../../src/api/types.ts';
import type { PoolAction } from '../../src/simulator/request-log.ts';
import { uniqueNamespace } from '../support/kubectl.ts';
import { startHarness, type Harness } from '../support/e2e/harness.ts';
import { condition, isReadyAt } from '../support/e2e/kube-helpers.ts';
import { poolRequests } from '../support/e2e/plane.ts';
import { sleep } from '../support/wait.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const WRITES: ReadonlySet<PoolAction> = new Set([
  'create',
  'resize',
  'stopResize',
  'delete',
  'update',
  'autoScale',
  'removeNodes',
]);

/** A namespace, an image, and an account on the given plane allowed there. */
async function tenant(prefix: string, plane: 'DataPlane' | 'ResourceManager') {
  const ns = await uniqueNamespace(prefix);
  const account = `acct-${ns}`;
  await setPlane(account, ns, plane);
  const image = h.sim.images.createGalleryImageVersion(`Gal-${ns}`, 'Ubuntu', '1.0.0');
  return { ns, account, base: { accountRef: { name: account }, image: { id: image } } };
}

function setPlane(account: string, ns: string, plane: 'DataPlane' | 'ResourceManager') {
  return h.kube.createAccount(
    account,
    h.sim.info.batchUrl,
    [ns],
    undefined,
    h.sim.info.location,
    plane === 'ResourceManager' ? h.sim.info.batchAccountId : undefined,
  );
}

function withRegistryIdentity(identity: string): Partial<BatchPoolSpec> {
  return {
    identity: { userAssignedIdentities: [identity] },
    containerConfiguration: {
      type: 'dockerCompatible',
      containerImageNames: ['renderfarm.azurecr.io/tools:1'],
      containerRegistries: [
        { registryServer: 'renderfarm.azurecr.io', identityReference: { resourceId: identity } },
      ],
    },
  };
}

describe('pool identities', () => {
  it('a pool with a user-assigned identity and a registry that uses it ends Ready; the pool carries the identity', async () => {
    const { ns, base } = await tenant('ident', 'ResourceManager');
    const id = `ident-${ns}`;
    const identity = h.sim.identities.create(`puller-${ns}`);
    const since = h.sim.requests.cursor();
    await h.kube.applyPool(ns, 'p', {
      ...base,
      poolId: id,
      targetDedicatedNodes: 2,
      ...withRegistryIdentity(identity),
    });
    await h.kube.waitForPool(ns, 'p', isReadyAt(2), 'Ready at 2');
    const creates = poolRequests(h.sim, 'create', id, since);
    expect(creates.map((e) => `${e.api} ${e.status}`)).toEqual(['arm 200']);
    // The simulator's data plane shows the identity Azure gave the pool, with its client ID.
    const pool = await h.batch.get(id);
    expect(pool?.settings?.identity).toEqual({ userAssignedIdentities: [identity] });
    expect(pool?.settings?.containerConfiguration?.containerRegistries?.[0]?.identityReference).toEqual({
      resourceId: identity,
    });
    expect(h.sim.identities.get(identity)?.clientId).toBeTruthy();
  });

  it('an identity the operator may not assign is refused by ARM, and the pool says why', async () => {
    const { ns, base } = await tenant('locked', 'ResourceManager');
    const identity = h.sim.identities.create(`locked-${ns}`, { assignableBy: ['someone-else'] });
    await h.kube.applyPool(ns, 'p', {
      ...base,
      poolId: `locked-${ns}`,
      targetDedicatedNodes: 1,
      ...withRegistryIdentity(identity),
    });
    const p = await h.kube.waitForPool(
      ns,
      'p',
      (x) => condition(x, 'Stalled')?.reason === 'AzureRejected',
      'Stalled AzureRejected',
    );
    expect(condition(p, 'Stalled')?.message).toMatch(/LinkedAuthorizationFailed/);
    expect(condition(p, 'Stalled')?.message).toContain('userAssignedIdentities/assign/action');
  });

  it('the same spec on a DataPlane account is refused, saying what to set, and nothing is written', async () => {
    const { ns, base } = await tenant('dpident', 'DataPlane');
    const identity = h.sim.identities.create(`puller-${ns}`);
    const since = h.sim.requests.cursor();
    await h.kube.applyPool(ns, 'p', {
      ...base,
      poolId: `dp-${ns}`,
      targetDedicatedNodes: 2,
      ...withRegistryIdentity(identity),
    });
    const p = await h.kube.waitForPool(
      ns,
      'p',
      (x) => condition(x, 'Stalled')?.reason === 'IdentityNeedsResourceManager',
      'Stalled IdentityNeedsResourceManager',
    );
    expect(condition(p, 'Stalled')?.message).toContain('Set spec.api: ResourceManager and spec.resourceId');
    expect((await h.kube.waitForEvent(ns, 'p', 'IdentityNeedsResourceManager')).type).toBe('Warning');
    expect(poolRequests(h.sim, 'create', undefined, since)).toEqual([]);
  });
});

describe('moving an account between planes', () => {
  it('switching spec.api either way leaves every pool untouched: no write on either plane', async () => {
    const { ns, account, base } = await tenant('switch', 'DataPlane');
    const ids = [`a-${ns}`, `b-${ns}`];
    await h.kube.applyPool(ns, 'a', { ...base, poolId: ids[0]!, targetDedicatedNodes: 3 });
    await h.kube.applyPool(ns, 'b', {
      ...base,
      poolId: ids[1]!,
      targetDedicatedNodes: 2,
      startTask: { commandLine: '/bin/true', waitForSuccess: true },
      metadata: [{ name: 'team', value: 'render' }],
      taskSlotsPerNode: 2,
    });
    await h.kube.waitForPool(ns, 'a', isReadyAt(3), 'a Ready');
    await h.kube.waitForPool(ns, 'b', isReadyAt(2), 'b Ready');

    for (const [plane, api] of [
      ['ResourceManager', 'arm'],
      ['DataPlane', 'batch'],
    ] as const) {
      const since = h.sim.requests.cursor();
      await setPlane(account, ns, plane);
      // The account's new observer lists the pools through the new plane; give the pools a few resyncs.
      await expect
        .poll(() => poolRequests(h.sim, 'list', undefined, since).filter((e) => e.api === api).length, {
          timeout: 20_000,
        })
        .toBeGreaterThan(1);
      await sleep(5000);
      const writes = poolRequests(h.sim, undefined, undefined, since).filter(
        (e) => WRITES.has(e.action!) && ids.includes(e.pool ?? ''),
      );
      expect(writes.map((e) => `${e.api} ${e.operation} ${e.pool}`)).toEqual([]);
      expect((await h.kube.getPool(ns, 'a'))?.status?.phase).toBe('Ready');
      expect((await h.kube.getPool(ns, 'b'))?.status?.phase).toBe('Ready');
    }
    // Back on the data plane, the next change is written there.
    const since = h.sim.requests.cursor();
    await h.kube.patchPool(ns, 'a', { spec: { targetDedicatedNodes: 4 } });
    await h.kube.waitForPool(ns, 'a', isReadyAt(4), 'a Ready at 4');
    expect(poolRequests(h.sim, 'resize', ids[0], since).map((e) => e.api)).toEqual(['batch']);
  });
});

describe('ARM throttling', () => {
  it('a 429 storm on the subscription is waited out for its Retry-After, and the data-plane work goes on', async () => {
    const { ns, base } = await tenant('storm', 'ResourceManager');
    const id = `storm-${ns}`;
    await h.kube.applyPool(ns, 'p', { ...base, poolId: id, targetDedicatedNodes: 2 });
    await h.kube.waitForPool(ns, 'p', isReadyAt(2), 'Ready at 2');
    const since = h.sim.requests.cursor();
    // The resize (a PATCH) is throttled twice; the budget holds every management-plane call meanwhile.
    const rule = h.sim.faults.throttle({
      scope: 'arm',
      operation: 'Pool_Update',
      count: 2,
      retryAfterSeconds: 3,
    });
    try {
      await h.kube.patchPool(ns, 'p', { spec: { targetDedicatedNodes: 5 } });
      await h.kube.waitForPool(ns, 'p', isReadyAt(5), 'Ready at 5', 60_000);
    } finally {
      h.sim.faults.remove(rule.id);
    }
    const arm = h.sim.requests.list({ since, api: 'arm' }).filter((e) => e.action !== undefined);
    const throttled = arm.filter((e) => e.status === 429);
    expect(throttled).toHaveLength(2);
    // Nothing more went to ARM until each Retry-After had passed.
    for (const t of throttled) {
      const next = arm.find((e) => e.seq > t.seq);
      expect(next).toBeDefined();
      expect(Date.parse(next!.time) - Date.parse(t.time)).toBeGreaterThanOrEqual(2900);
    }
    // The data plane was not paused with it: node counts were read while ARM was paused.
    const first = Date.parse(throttled[0]!.time);
    const duringPause = h.sim.requests
      .list({ since, api: 'batch', operation: 'Account_ListPoolNodeCounts' })
      .filter((e) => Date.parse(e.time) > first && Date.parse(e.time) < first + 2900);
    expect(duringPause.length).toBeGreaterThan(0);
    expect(poolRequests(h.sim, 'resize', id, since).filter((e) => e.status === 200)).toHaveLength(1);
  });
});

// The controller's guards against a real apiserver and the simulator: the image guard, custom-image limits,
// drift (out-of-band resize, stop and delete; a pool it does not own), the account guard with a per-account
// identity, and a 2,500-node target reached through repeated partial allocations.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINALIZER } from '../../src/api/types.ts';
import { kubectlOk, uniqueNamespace } from '../support/kubectl.ts';
import { startHarness, type Harness } from '../support/e2e/harness.ts';
import { condition, hasFinalizer, isReadyAt } from '../support/e2e/kube-helpers.ts';
import { sleep } from '../support/wait.ts';
import { accepted, planeResourceId, poolApi, poolOperation, poolRequests } from '../support/e2e/plane.ts';
import type { PoolAction } from '../../src/simulator/request-log.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const setup = (prefix: string) => h.tenant(prefix, 'gallery-version');

const forPool = (poolId: string, since = 0, action?: PoolAction) =>
  poolRequests(h.sim, action, poolId, since);

describe('controller: image guard', () => {
  it('stops resizing when the image is gone, says why, and resumes when it is back', async () => {
    const { ns, base, image } = await setup('image');
    const id = `img-${ns}`;
    await h.kube.applyPool(ns, 'p', { ...base, poolId: id, targetDedicatedNodes: 5 });
    await h.kube.waitForPool(ns, 'p', isReadyAt(5), 'Ready at 5');

    h.sim.images.delete(image);
    const lost = await h.kube.waitForPool(
      ns,
      'p',
      (p) => condition(p, 'ImageAvailable')?.status === 'False',
      'image lost',
    );
    expect(condition(lost, 'Stalled')).toMatchObject({ status: 'True', reason: 'ImageNotFound' });
    expect(condition(lost, 'Stalled')?.message).toContain(image);
    expect(condition(lost, 'Stalled')?.message).toMatch(/must exist for the whole life of a pool/);
    expect(condition(lost, 'Ready')?.status).toBe('False');
    expect(lost.status?.phase).toBe('Stalled');
    const warning = await h.kube.waitForEvent(ns, 'p', 'ImageNotFound');
    expect(warning.type).toBe('Warning');
    expect(warning.note).toContain(image);
    expect(await kubectlOk(['get', 'bp', '-n', ns])).toMatch(/p\s+5\s+5\s+\S+\s+Stalled/);

    await h.kube.patchPool(ns, 'p', { spec: { targetDedicatedNodes: 8 } });
    const since = h.sim.requests.cursor();
    await sleep(2500);
    expect(forPool(id, since, 'resize')).toHaveLength(0);
    expect((await h.kube.getPool(ns, 'p'))?.status?.observedGeneration).toBe(2);

    h.sim.images.create(image);
    await h.kube.waitForPool(ns, 'p', isReadyAt(8), 'Ready at 8 after the image is back');
    expect((await h.kube.events(ns, 'p')).map((e) => e.reason)).toContain('ImageRestored');
  });

  it('does not create a pool whose image does not exist', async () => {
    const { ns, account } = await setup('noimage');
    const missing = `/subscriptions/${h.sim.info.subscriptionId}/resourceGroups/images-rg/providers/Microsoft.Compute/galleries/never/images/never-${ns}/versions/1.0.0`;
    await h.kube.applyPool(ns, 'p', {
      accountRef: { name: account },
      image: { id: missing },
      poolId: `noimg-${ns}`,
      targetDedicatedNodes: 2,
    });
    const p = await h.kube.waitForPool(
      ns,
      'p',
      (x) => condition(x, 'Stalled')?.reason === 'ImageNotFound',
      'ImageNotFound',
    );
    expect(p.status?.phase).toBe('Stalled');
    await sleep(1000);
    expect(forPool(`noimg-${ns}`, 0, 'create')).toHaveLength(0);
    expect(h.sim.pools.get(`noimg-${ns}`)).toBeUndefined();
  });
});

describe('controller: images and specs Azure would refuse', () => {
  it('a gallery image definition with no usable version is Stalled before anything is sent to Azure', async () => {
    const { ns, account } = await setup('noversion');
    const version = h.sim.images.createGalleryImageVersion('gallery', `def-${ns}`, '1.0.0');
    const definition = version.replace(/\/versions\/[^/]+$/, '');
    h.sim.images.delete(version);
    const since = h.sim.requests.cursor();
    await h.kube.applyPool(ns, 'p', {
      accountRef: { name: account },
      image: { id: definition },
      poolId: `nover-${ns}`,
      targetDedicatedNodes: 2,
    });
    const p = await h.kube.waitForPool(
      ns,
      'p',
      (x) => condition(x, 'Stalled')?.reason === 'ImageNoUsableVersion',
      'Stalled ImageNoUsableVersion',
    );
    expect(condition(p, 'Stalled')?.message).toMatch(/has no version Azure would use/);
    expect(condition(p, 'ImageAvailable')).toMatchObject({ status: 'False', reason: 'ImageNoUsableVersion' });
    expect((await h.kube.waitForEvent(ns, 'p', 'ImageNoUsableVersion')).type).toBe('Warning');
    expect(poolRequests(h.sim, 'create', undefined, since)).toEqual([]);
  });

  it('a VM size Azure does not offer ends Stalled AzureRejected, naming the property and the reason', async () => {
    const { ns, base } = await setup('vmsize');
    await h.kube.applyPool(ns, 'p', {
      ...base,
      vmSize: 'Standard_Nope_v9',
      poolId: `vm-${ns}`,
      targetDedicatedNodes: 2,
    });
    const p = await h.kube.waitForPool(
      ns,
      'p',
      (x) => condition(x, 'Stalled')?.reason === 'AzureRejected',
      'Stalled AzureRejected',
    );
    const message = condition(p, 'Stalled')?.message ?? '';
    expect(message).toMatch(/InvalidPropertyValue/);
    // Batch's values (PropertyName=vmSize, …) on the data plane; ARM's details (PropertyName: vmSize; …).
    expect(message).toMatch(/PropertyName(=|: )vmSize/);
    expect(message).toMatch(
      /Reason(=|: )The value provided for one of the properties in the request body is invalid\./,
    );
    const warning = await h.kube.waitForEvent(ns, 'p', 'AzureRejected');
    expect(warning.type).toBe('Warning');
    expect(warning.note).toMatch(/PropertyName(=|: )vmSize(, |; )Reason(=|: )/);
    expect(h.sim.pools.get(`vm-${ns}`)).toBeUndefined();
  });
});

describe('controller: custom-image limits', () => {
  it('sums the pools that share an image, refuses a spec over 2,500 dedicated with the numbers, and warns about sharing', async () => {
    const { ns, base, image } = await setup('limits');
    await h.kube.applyPool(ns, 'first', { ...base, poolId: `first-${ns}`, targetDedicatedNodes: 2000 });
    await h.kube.waitForPool(ns, 'first', isReadyAt(2000), 'first Ready at 2000', 60_000);
    const since = h.sim.requests.cursor();
    // Same image, other spelling: image IDs compare case-insensitively.
    await h.kube.applyPool(ns, 'second', {
      ...base,
      image: { id: image.toLowerCase() },
      poolId: `second-${ns}`,
      targetDedicatedNodes: 1000,
    });
    const refused = await h.kube.waitForPool(
      ns,
      'second',
      (p) => condition(p, 'Stalled')?.status === 'True',
      'Stalled',
    );
    expect(condition(refused, 'Stalled')?.reason).toBe('ImageLimitExceeded');
    expect(condition(refused, 'Stalled')?.message).toMatch(/3000 dedicated/);
    expect(condition(refused, 'Stalled')?.message).toMatch(
      /2000 dedicated \+ 0 Spot claimed by other BatchPools/,
    );
    expect(condition(refused, 'Stalled')?.message).toMatch(/limit is 2500 dedicated and 1000 Spot/);
    const shared = await h.kube.waitForEvent(ns, 'second', 'ImageShared');
    expect(shared.type).toBe('Warning');
    expect(shared.note).toContain(`${ns}/first`);
    expect((await h.kube.waitForEvent(ns, 'second', 'ImageLimitExceeded')).type).toBe('Warning');
    // Which pool, if one was added, tells what went wrong.
    const adds = poolRequests(h.sim, 'create', undefined, since);
    expect(adds.map((e) => `${e.time} ${e.body ? JSON.stringify(e.body) : e.path}`)).toEqual([]);

    await h.kube.patchPool(ns, 'second', { spec: { targetDedicatedNodes: 500 } });
    await h.kube.waitForPool(ns, 'second', isReadyAt(500), 'second Ready at 500', 60_000);
  });
});

describe('controller: drift', () => {
  it('brings a pool resized out of band back to the spec', async () => {
    const { ns, base } = await setup('drift');
    const id = `drift-${ns}`;
    await h.kube.applyPool(ns, 'p', { ...base, poolId: id, targetDedicatedNodes: 4 });
    await h.kube.waitForPool(ns, 'p', isReadyAt(4), 'Ready at 4');
    await h.batch.resize(id, {
      targetDedicatedNodes: 1,
      targetLowPriorityNodes: 0,
      resizeTimeout: 'PT10M',
      nodeDeallocationOption: 'requeue',
    });
    const since = h.sim.requests.cursor();
    await h.kube.waitForEvent(ns, 'p', 'Drift');
    await h.kube.waitForPool(ns, 'p', isReadyAt(4), 'back at 4');
    expect((await h.batch.get(id))?.targetDedicatedNodes).toBe(4);
    // Noticed through the account observer: the account's pool list saw the change first, and the one GET
    // of this pool is the fresh read right before the resize that repairs it.
    const after = poolRequests(h.sim, undefined, undefined, since);
    const firstList = after.findIndex((e) => e.action === 'list');
    const firstGet = after.findIndex((e) => e.action === 'get' && e.pool === id);
    const repair = after.findIndex((e) => e.action === 'resize' && e.pool === id);
    expect(firstList).toBeGreaterThanOrEqual(0);
    expect(repair).toBeGreaterThan(firstList);
    if (firstGet >= 0) expect(firstGet).toBeGreaterThan(firstList);
    expect(after.slice(0, repair).filter((e) => e.action === 'get').length).toBeLessThanOrEqual(1);
  });

  it('re-issues a resize stopped out of band', async () => {
    const { ns, base } = await setup('stopped');
    const id = `stopped-${ns}`;
    h.sim.clock.setTimeScale(2);
    try {
      await h.kube.applyPool(ns, 'p', { ...base, poolId: id, targetDedicatedNodes: 30 });
      await h.kube.waitForPool(ns, 'p', (p) => p.status?.allocationState === 'resizing', 'resizing');
      await h.batch.stopResize(id);
      h.sim.clock.setTimeScale(100);
      await h.kube.waitForEvent(ns, 'p', 'Drift');
      await h.kube.waitForPool(ns, 'p', isReadyAt(30), 'Ready at 30');
    } finally {
      h.sim.clock.setTimeScale(100);
    }
  });

  it('re-creates a pool deleted out of band and says so', async () => {
    const { ns, base } = await setup('recreate');
    const id = `recreate-${ns}`;
    await h.kube.applyPool(ns, 'p', { ...base, poolId: id, targetDedicatedNodes: 3 });
    const before = await h.kube.waitForPool(ns, 'p', isReadyAt(3), 'Ready at 3');
    await h.batch.delete(id);
    const ev = await h.kube.waitForEvent(ns, 'p', 'PoolRecreated', 45_000);
    expect(ev.type).toBe('Warning');
    expect(ev.note).toMatch(/deleted outside the operator/);
    await h.kube.waitForPool(
      ns,
      'p',
      (p) => isReadyAt(3)(p) && p.status?.resize?.lastIssuedAt !== before.status?.resize?.lastIssuedAt,
      'Ready again',
    );
    // The first create, and the one after the pool was deleted out of band.
    expect(forPool(id, 0, 'create').filter(accepted)).toHaveLength(2);
    expect((await h.batch.get(id))?.owner.uid).toBe(before.metadata.uid);
  });

  it('leaves alone a pool with the same ID that it did not create, and says why', async () => {
    const { ns, base, image } = await setup('foreign');
    const id = `foreign-${ns}`;
    await h.batch.create({
      id,
      vmSize: 'Standard_D4s_v5',
      imageId: image,
      nodeAgentSkuId: 'batch.node.ubuntu 22.04',
      targetDedicatedNodes: 1,
      targetLowPriorityNodes: 0,
      resizeTimeout: 'PT15M',
      metadata: [],
    });
    const since = h.sim.requests.cursor();
    await h.kube.applyPool(ns, 'p', { ...base, poolId: id, targetDedicatedNodes: 5 });
    const p = await h.kube.waitForPool(ns, 'p', (x) => condition(x, 'Stalled')?.status === 'True', 'Stalled');
    expect(condition(p, 'Stalled')?.reason).toBe('PoolNotOwned');
    expect(condition(p, 'Stalled')?.message).toMatch(/was not created by this BatchPool/);
    await sleep(1500);
    const writes = forPool(id, since).filter((e) => e.action !== 'get' && e.action !== 'list');
    expect(writes).toEqual([]);
    await kubectlOk(['delete', '-n', ns, 'bp/p', '--timeout=30s']);
    expect(h.sim.pools.get(id)?.state).toBe('active');
  });
});

describe('controller: account guard', () => {
  it('does not act for a missing account or a namespace the account does not allow, and uses the account identity once allowed', async () => {
    const ns = await uniqueNamespace('account');
    const image = h.sim.images.createGalleryImageVersion(`gal-${ns}`, 'ubuntu', '1.0.0');
    const account = `acct-${ns}`;
    const id = `acct-${ns}`;
    await h.kube.applyPool(ns, 'p', {
      accountRef: { name: account },
      image: { id: image },
      poolId: id,
      targetDedicatedNodes: 2,
    });
    const missing = await h.kube.waitForPool(
      ns,
      'p',
      (x) => condition(x, 'Stalled')?.status === 'True',
      'AccountNotFound',
    );
    expect(condition(missing, 'Stalled')).toMatchObject({ reason: 'AccountNotFound' });
    expect(condition(missing, 'Stalled')?.message).toContain(account);
    expect(hasFinalizer(missing)).toBe(false);

    await h.kube.createAccount(
      account,
      h.sim.info.batchUrl,
      ['some-other-namespace'],
      undefined,
      h.sim.info.location,
      planeResourceId(h.sim),
    );
    const denied = await h.kube.waitForPool(
      ns,
      'p',
      (x) => condition(x, 'Stalled')?.reason === 'NamespaceNotAllowed',
      'NamespaceNotAllowed',
    );
    expect(condition(denied, 'Stalled')?.message).toMatch(new RegExp(`does not allow namespace ${ns}`));
    expect(forPool(id)).toHaveLength(0);

    const workloadClient = '0a1b2c3d-4e5f-4000-8000-00000000abcd';
    await h.kube.createAccount(
      account,
      h.sim.info.batchUrl,
      [ns],
      workloadClient,
      h.sim.info.location,
      planeResourceId(h.sim),
    );
    const ok = await h.kube.waitForPool(ns, 'p', isReadyAt(2), 'Ready at 2');
    expect(ok.metadata.finalizers).toContain(FINALIZER);
    const clients = new Set(forPool(id).map((e) => e.clientId));
    expect([...clients]).toEqual([workloadClient]);
  });
});

describe('controller: throttling', () => {
  it('waits out Retry-After on 429 and 503 instead of hammering, then carries on', async () => {
    const { ns, base } = await setup('throttle');
    const id = `throttle-${ns}`;
    await h.kube.applyPool(ns, 'p', { ...base, poolId: id, targetDedicatedNodes: 2 });
    await h.kube.waitForPool(ns, 'p', isReadyAt(2), 'Ready at 2');
    for (const [kind, target, status] of [
      ['throttle', 4, 429],
      ['unavailable', 6, 503],
    ] as const) {
      const since = h.sim.requests.cursor();
      const rule = h.sim.faults[kind]({
        scope: poolApi(),
        operation: poolOperation('resize'),
        count: 1,
        retryAfterSeconds: 2,
      });
      try {
        await h.kube.patchPool(ns, 'p', { spec: { targetDedicatedNodes: target } });
        await h.kube.waitForPool(ns, 'p', isReadyAt(target), `Ready at ${target}`);
      } finally {
        h.sim.faults.remove(rule.id);
      }
      const resizes = forPool(id, since, 'resize');
      expect(resizes.map((r) => (accepted(r) ? 'accepted' : r.status))).toEqual([status, 'accepted']);
      expect(Date.parse(resizes[1]!.time) - Date.parse(resizes[0]!.time)).toBeGreaterThanOrEqual(1900);
    }
  });
});

describe('controller: scale', () => {
  it('reaches a 2,500-node target through repeated partial allocations', async () => {
    const { ns, base } = await setup('big');
    const id = `big-${ns}`;
    // Each of the first four allocations gets only half of the missing nodes and ends with AllocationTimedout.
    h.sim.faults.failNextResizes(id, 4, { code: 'AllocationTimedout', fraction: 0.5 });
    await h.kube.applyPool(ns, 'p', {
      ...base,
      poolId: id,
      targetDedicatedNodes: 2500,
      resizeStrategy: { backoff: { initial: '1s', max: '2s' } },
    });
    const p = await h.kube.waitForPool(ns, 'p', isReadyAt(2500), 'Ready at 2500', 120_000);
    const resizes = forPool(id, 0, 'resize');
    expect(resizes.map(accepted)).toEqual([true, true, true, true]);
    // Timeouts that added nodes are ordinary progress: Normal events, and no Warning at all.
    const events = await h.kube.events(ns, 'p');
    expect(events.filter((e) => e.reason === 'ResizeError')).toEqual([]);
    const errors = events.filter((e) => e.reason === 'ResizeTimedOut');
    expect(errors.map((e) => e.type)).toEqual(['Normal', 'Normal', 'Normal', 'Normal']);
    expect(errors.map((e) => e.note.match(/ at (\d+) dedicated/)?.[1])).toEqual([
      '1250',
      '1875',
      '2187',
      '2343',
    ]);
    expect(p.status?.resize?.attempts).toBe(5);
    expect(p.status?.resize?.lastError).toBeUndefined();
  });
});

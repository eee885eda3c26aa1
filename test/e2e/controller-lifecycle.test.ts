// The controller against a real apiserver and the simulator: create, grow through allocation failures,
// stale errors, steps, spec changes while resizing, shrink, delete (Delete and Retain) and pause.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAUSED_ANNOTATION } from '../../src/api/types.ts';
import { kubectlOk } from '../support/kubectl.ts';
import { startHarness, type Harness } from '../support/e2e/harness.ts';
import { condition, hasFinalizer, isReadyAt } from '../support/e2e/kube-helpers.ts';
import { sleep } from '../support/wait.ts';
import { accepted, poolApi, poolOperation, poolRequests } from '../support/e2e/plane.ts';
import type { PoolAction } from '../../src/simulator/request-log.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const setup = (prefix: string) => h.tenant(prefix, 'gallery-version');

const requests = (action: PoolAction, poolId: string, since = 0) =>
  poolRequests(h.sim, action, poolId, since);

describe('controller: lifecycle', () => {
  it('creates the pool only after the finalizer is on and the image is confirmed, linked to the object, with the exact image ID', async () => {
    const { ns, base, image } = await setup('create');
    // While Azure cannot be read, the operator must already have put its finalizer on, and written nothing.
    const fault = h.sim.faults.unavailable({
      scope: poolApi(),
      operation: poolOperation('get'),
      seconds: 4,
      retryAfterSeconds: 1,
    });
    const since = h.sim.requests.cursor();
    await h.kube.applyPool(ns, 'render', { ...base, poolId: `render-${ns}`, targetDedicatedNodes: 3 });
    await h.kube.waitForPool(ns, 'render', hasFinalizer, 'finalizer', 3_500);
    expect(poolRequests(h.sim, 'create', undefined, since)).toHaveLength(0);
    h.sim.faults.remove(fault.id);

    const p = await h.kube.waitForPool(ns, 'render', isReadyAt(3), 'Ready at 3');
    const adds = poolRequests(h.sim, 'create', undefined, since);
    expect(adds).toHaveLength(1);
    const imageChecks = h.sim.requests.list({ since, operation: 'GalleryImageVersions_Get' });
    expect(imageChecks.length).toBeGreaterThan(0);
    expect(imageChecks[0]!.seq).toBeLessThan(adds[0]!.seq);

    const pool = (await h.batch.get(`render-${ns}`))!;
    expect(pool.imageId).toBe(image);
    expect(pool.owner).toEqual({ namespace: ns, name: 'render', uid: p.metadata.uid });
    expect(p.status).toMatchObject({
      poolId: `render-${ns}`,
      allocationState: 'steady',
      resize: { attempts: 1 },
      image: { id: image, exists: true },
    });
    expect(condition(p, 'Reconciling')?.status).toBe('False');
    expect(condition(p, 'Stalled')?.status).toBe('False');
    expect(condition(p, 'ImageAvailable')?.status).toBe('True');
    const reasons = (await h.kube.events(ns, 'render')).map((e) => e.reason);
    expect(reasons).toContain('PoolCreating');
  });

  it('grows to target through AllocationFailed (with backoff) and AllocationTimedout (re-issued at once), and kubectl tells the story', async () => {
    const { ns, base } = await setup('grow');
    const id = `grow-${ns}`;
    h.sim.faults.failNextResizes(id, 1, { code: 'AllocationFailed', fraction: 0.4 });
    await h.kube.applyPool(ns, 'grow', {
      ...base,
      poolId: id,
      targetDedicatedNodes: 20,
      resizeTimeout: 'PT25M',
      resizeStrategy: { backoff: { initial: '4s', max: '4s' } },
    });
    const backoff = await h.kube.waitForPool(
      ns,
      'grow',
      (p) => p.status?.phase === 'Backoff',
      'Backoff after AllocationFailed',
    );
    expect(backoff.status?.resize?.lastError?.code).toBe('AllocationFailed');
    expect(condition(backoff, 'Reconciling')).toMatchObject({ status: 'True', reason: 'Backoff' });
    const table = await kubectlOk(['get', 'bp', '-n', ns, '-o', 'wide']);
    expect(table).toMatch(/grow\s+20\s+\d+\s+\S+\s+Backoff\s+1\s+False/);
    expect(table).toMatch(/AllocationFailed/);

    h.sim.faults.failNextResizes(id, 1, { code: 'AllocationTimedout', fraction: 0.5 });
    const timedOut = await h.kube.waitForPool(
      ns,
      'grow',
      (p) => p.status?.resize?.lastError?.code === 'AllocationTimedout',
      'AllocationTimedout',
    );
    // A timeout is re-issued a second later (the resize already waited its resizeTimeout), so the
    // status that first shows it may already count the re-issued resize.
    expect([2, 3]).toContain(timedOut.status?.resize?.attempts);

    const done = await h.kube.waitForPool(ns, 'grow', isReadyAt(20), 'Ready at 20');
    expect(done.status?.resize?.attempts).toBe(3);
    expect(done.status?.resize?.lastError).toBeUndefined();
    const ev = await h.kube.events(ns, 'grow');
    // The failure is a Warning; the timeout that added nodes is ordinary progress, a Normal event.
    expect(ev.filter((e) => e.reason === 'ResizeError').map((e) => e.type)).toEqual(['Warning']);
    expect(ev.filter((e) => e.reason === 'ResizeTimedOut').map((e) => e.type)).toEqual(['Normal']);
    expect(ev.filter((e) => e.reason === 'ResizeIssued')).toHaveLength(2);
    expect(ev.find((e) => e.reason === 'ResizeError')?.note).toMatch(/AllocationFailed/);
    expect(requests('resize', id).filter((e) => e.status === 409)).toHaveLength(0);
    // The create and every re-issued (growing) resize carry the spec's resizeTimeout.
    expect(requests('create', id)[0]?.body).toMatchObject({
      targetDedicatedNodes: 20,
      resizeTimeout: 'PT25M',
    });
    const grows = requests('resize', id).filter(accepted);
    expect(grows).toHaveLength(2);
    for (const r of grows) expect(r.body).toMatchObject({ targetDedicatedNodes: 20, resizeTimeout: 'PT25M' });
  });

  it('gives up after resizeStrategy.maxAttempts failed resizes in a row, and says so', async () => {
    const { ns, base } = await setup('limit');
    const id = `limit-${ns}`;
    h.sim.faults.failNextResizes(id, 5, { code: 'AllocationFailed', fraction: 0.2 });
    await h.kube.applyPool(ns, 'p', {
      ...base,
      poolId: id,
      targetDedicatedNodes: 10,
      resizeStrategy: { maxAttempts: 2, backoff: { initial: '1s', max: '1s' } },
    });
    const p = await h.kube.waitForPool(ns, 'p', (x) => condition(x, 'Stalled')?.status === 'True', 'Stalled');
    expect(condition(p, 'Stalled')?.reason).toBe('ResizeAttemptsExhausted');
    expect(p.status?.resize?.attempts).toBe(2);
    await sleep(1500);
    expect(requests('resize', id)).toHaveLength(1);
    expect(await kubectlOk(['get', 'bp', '-n', ns])).toMatch(/p\s+10\s+\d+\s+\S+\s+Stalled\s+2\s+False/);
    h.sim.faults.clearPool(id);
  });

  it('recognises a resize error left over from an earlier target and acts on the new target at once', async () => {
    const { ns, base } = await setup('stale');
    const id = `stale-${ns}`;
    h.sim.faults.failNextResizes(id, 1, { code: 'AllocationFailed', fraction: 0.5 });
    // A long backoff: if the old error were taken as a failure of the new target, nothing would happen for an hour.
    await h.kube.applyPool(ns, 'stale', {
      ...base,
      poolId: id,
      targetDedicatedNodes: 10,
      resizeStrategy: { backoff: { initial: '1h', max: '2h' } },
    });
    await h.kube.waitForPool(ns, 'stale', (p) => p.status?.phase === 'Backoff', 'Backoff');
    await h.kube.patchPool(ns, 'stale', { spec: { targetDedicatedNodes: 7 } });
    const p = await h.kube.waitForPool(ns, 'stale', isReadyAt(7), 'Ready at 7', 15_000);
    expect(p.status?.resize?.attempts).toBe(1);
    expect(h.operator.decisions({ key: `${ns}/stale` }).map((d) => d.reason)).toContain('StaleResizeError');
  });

  it('grows a large pool in steps of maxNodesPerResize', async () => {
    const { ns, base } = await setup('steps');
    const id = `steps-${ns}`;
    await h.kube.applyPool(ns, 'steps', {
      ...base,
      poolId: id,
      targetDedicatedNodes: 250,
      resizeStrategy: { maxNodesPerResize: 100 },
    });
    await h.kube.waitForPool(ns, 'steps', isReadyAt(250), 'Ready at 250');
    const issued = (await h.kube.events(ns, 'steps'))
      .filter((e) => e.reason === 'PoolCreating' || e.reason === 'ResizeIssued')
      .map((e) => e.note);
    expect(issued[0]).toMatch(/with 100 dedicated nodes/);
    expect(issued[1]).toMatch(/to 200 dedicated \(a step towards 250 dedicated\)/);
    expect(issued[2]).toMatch(/to 250 dedicated, attempt/);
    expect(requests('resize', id)).toHaveLength(2);
  });

  it('drives low-priority nodes too, and kubectl -o wide shows them', async () => {
    const { ns, base } = await setup('lowpri');
    await h.kube.applyPool(ns, 'mixed', {
      ...base,
      poolId: `mixed-${ns}`,
      targetDedicatedNodes: 2,
      targetLowPriorityNodes: 3,
    });
    await h.kube.waitForPool(ns, 'mixed', isReadyAt(2, 3), 'Ready at 2 + 3');
    const wide = await kubectlOk(['get', 'bp', '-n', ns, '-o', 'wide']);
    expect(wide).toMatch(/mixed\s+2\s+2\s+5\s+Ready\s+1\s+True\s+\S+\s+3\s+3\s+mixed-\S+\s+Standard_D4s_v5/);
  });

  it('stops a running resize when the target changes, then issues the new one (no 409 loop), and shrinks', async () => {
    const { ns, base } = await setup('change');
    const id = `change-${ns}`;
    h.sim.clock.setTimeScale(2); // slow enough to change the spec while Azure is still allocating
    try {
      const since = h.sim.requests.cursor();
      await h.kube.applyPool(ns, 'change', { ...base, poolId: id, targetDedicatedNodes: 40 });
      await h.kube.waitForPool(ns, 'change', (p) => p.status?.allocationState === 'resizing', 'resizing');
      await h.kube.patchPool(ns, 'change', { spec: { targetDedicatedNodes: 12 } });
      await h.kube.waitForEvent(ns, 'change', 'ResizeStopping');
      h.sim.clock.setTimeScale(100);
      await h.kube.waitForPool(ns, 'change', isReadyAt(12), 'Ready at 12');
      const stops = requests('stopResize', id, since);
      expect(stops).toHaveLength(1);
      const resizes = requests('resize', id, since);
      expect(resizes.map(accepted)).toEqual([true]);
      expect(resizes[0]!.seq).toBeGreaterThan(stops[0]!.seq);

      // shrink, with the spec's nodeDeallocationOption
      const beforeShrink = h.sim.requests.cursor();
      await h.kube.patchPool(ns, 'change', {
        spec: { targetDedicatedNodes: 5, nodeDeallocationOption: 'taskcompletion' },
      });
      await h.kube.waitForPool(ns, 'change', isReadyAt(5), 'Ready at 5');
      expect(h.sim.pools.get(id)?.targetDedicatedNodes).toBe(5);
      const shrinks = requests('resize', id, beforeShrink);
      expect(shrinks.map((r) => r.body)).toEqual([
        {
          targetDedicatedNodes: 5,
          targetLowPriorityNodes: 0,
          resizeTimeout: 'PT20M',
          nodeDeallocationOption: 'taskcompletion',
        },
      ]);
    } finally {
      h.sim.clock.setTimeScale(100);
    }
  });

  it('pause stops all Azure writes until the annotation is removed', async () => {
    const { ns, base } = await setup('pause');
    const id = `pause-${ns}`;
    await h.kube.applyPool(ns, 'pause', { ...base, poolId: id, targetDedicatedNodes: 2 });
    await h.kube.waitForPool(ns, 'pause', isReadyAt(2), 'Ready at 2');
    await kubectlOk(['annotate', '-n', ns, 'bp/pause', `${PAUSED_ANNOTATION}=true`]);
    await h.kube.patchPool(ns, 'pause', { spec: { targetDedicatedNodes: 6 } });
    const paused = await h.kube.waitForPool(
      ns,
      'pause',
      (p) => condition(p, 'Reconciling')?.reason === 'Paused',
      'Paused',
    );
    expect(paused.status?.observedGeneration).toBe(paused.metadata.generation);
    const since = h.sim.requests.cursor();
    await sleep(2500);
    expect(requests('resize', id, since)).toHaveLength(0);
    await kubectlOk(['delete', '-n', ns, 'bp/pause', '--wait=false']);
    await sleep(1500);
    expect(h.sim.pools.get(id)?.state).toBe('active');
    expect(await h.kube.getPool(ns, 'pause')).toBeDefined();
    await kubectlOk(['annotate', '-n', ns, 'bp/pause', `${PAUSED_ANNOTATION}-`]);
    await h.kube.waitForGone(ns, 'pause');
    expect(requests('resize', id, since)).toHaveLength(0);
    expect(requests('delete', id, since)).toHaveLength(1);
  });

  it('deletes the Azure pool with deletionPolicy Delete, waiting until it is gone; keeps it with Retain', async () => {
    const { ns, base } = await setup('delete');
    await h.kube.applyPool(ns, 'del', { ...base, poolId: `del-${ns}`, targetDedicatedNodes: 1 });
    await h.kube.applyPool(ns, 'keep', {
      ...base,
      poolId: `keep-${ns}`,
      targetDedicatedNodes: 1,
      deletionPolicy: 'Retain',
    });
    await h.kube.waitForPool(ns, 'del', isReadyAt(1), 'Ready');
    await h.kube.waitForPool(ns, 'keep', isReadyAt(1), 'Ready');
    h.sim.clock.setTimeScale(10); // a deleting pool lingers for 2 s of wall time
    try {
      await kubectlOk(['delete', '-n', ns, 'bp/del', '--wait=false']);
      const deleting = await h.kube.waitForPool(ns, 'del', (p) => p.status?.phase === 'Deleting', 'Deleting');
      expect(hasFinalizer(deleting)).toBe(true);
      expect(h.sim.pools.get(`del-${ns}`)?.state).toBe('deleting');
      await h.kube.waitForGone(ns, 'del');
      expect(h.sim.pools.get(`del-${ns}`)).toBeUndefined();
    } finally {
      h.sim.clock.setTimeScale(100);
    }
    await kubectlOk(['delete', '-n', ns, 'bp/keep', '--timeout=30s']);
    expect(h.sim.pools.get(`keep-${ns}`)?.state).toBe('active');
    const reasons = (await h.kube.events(ns)).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['PoolDeleting', 'PoolDeleted', 'PoolRetained']));
  });

  it('a steady pool costs no GET (the account observer lists pools once per resync period), its own status writes do not wake it, and metrics show it', async () => {
    const { ns, base } = await setup('steady');
    const id = `steady-${ns}`;
    await h.kube.applyPool(ns, 'p', { ...base, poolId: id, targetDedicatedNodes: 2 });
    await h.kube.waitForPool(ns, 'p', isReadyAt(2), 'Ready at 2');
    await sleep(500);
    const since = h.sim.requests.cursor();
    const decisionsBefore = h.operator.decisions({ key: `${ns}/p` }).length;
    await sleep(6_000); // the e2e operator resyncs steady pools every 2 s (+ up to 25 % jitter)
    const decisions = h.operator.decisions({ key: `${ns}/p` }).length - decisionsBefore;
    expect(requests('get', id, since)).toHaveLength(0);
    const lists = poolRequests(h.sim, 'list', undefined, since);
    expect(lists.length).toBeGreaterThanOrEqual(2);
    expect(h.sim.requests.list({ since, operation: 'Account_ListPoolNodeCounts' }).length).toBe(lists.length);
    // one reconcile per resync (6 s / 2–2.5 s, plus one in flight at an edge); if our status writes woke the
    // pool, there would be about twice as many
    expect(decisions).toBeGreaterThanOrEqual(2);
    expect(decisions).toBeLessThanOrEqual(4);
    expect(requests('resize', id, since)).toHaveLength(0);

    // ... and Prometheus sees it
    const metrics = await (await fetch(`http://127.0.0.1:${h.operator.metricsPort}/metrics`)).text();
    expect(metrics).toContain(`batchpool_current_nodes{namespace="${ns}",name="p",priority="dedicated"} 2`);
    expect(metrics).toContain(`batchpool_resize_attempts_total{namespace="${ns}",name="p",code="none"} 1`);
    expect(metrics).toMatch(
      /controller_runtime_reconcile_total\{controller="batchpool",result="success"\} [1-9]/,
    );
    const list = poolApi() === 'arm' ? 'arm\\.pool\\.listObserved' : 'pool\\.listObserved';
    expect(metrics).toMatch(
      new RegExp(`azure_requests_total\\{service="batch",operation="${list}",code="200"\\} [1-9]`),
    );
    expect(metrics).toMatch(/workqueue_adds_total\{name="batchpool"\} [1-9]/);
  });

  it('stops on SIGTERM, draining in-flight work, with exit code 0', async () => {
    const code = await h.operator.stop();
    expect(code).toBe(0);
    expect(
      h.operator.logs.some((l) => l.includes('"controller stopped"') && l.includes('"drained":true')),
    ).toBe(true);
  });
});

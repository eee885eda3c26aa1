// Usable capacity and node recovery against the real apiserver, the simulator's compute nodes and the
// operator process: the USABLE column, an object written before these fields, Ready that waits for usable
// nodes, the three recovery modes and the breaker.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlOk } from '../support/kubectl.ts';
import { startHarness, type Harness } from '../support/e2e/harness.ts';
import { condition, isReadyAt } from '../support/e2e/kube-helpers.ts';
import { sleep } from '../support/wait.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const setup = (prefix: string) => h.tenant(prefix, 'gallery-version');

/** The simulator's request log for one pool and operation. */
const calls = (poolId: string, operation: string, since = 0) =>
  h.sim.requests
    .list({ since, api: 'batch', operation })
    .filter((e) => e.path.split('/')[2]?.toLowerCase() === poolId.toLowerCase());

const usableAtLeast = (n: number) => (p: { status?: { nodes?: { usable?: number } } }) =>
  (p.status?.nodes?.usable ?? 0) >= n;

describe('usable nodes', () => {
  it('an object written before these fields reconciles to Ready; kubectl get bp shows USABLE next to CURRENT', async () => {
    const { ns, base } = await setup('usable');
    // Only fields that existed before spec.readiness and spec.nodeRecovery.
    await h.kube.applyPool(ns, 'p', { ...base, poolId: `usable-${ns}`, targetDedicatedNodes: 3 });
    const ready = await h.kube.waitForPool(ns, 'p', isReadyAt(3), 'Ready at 3');
    expect(ready.spec).not.toHaveProperty('readiness');
    expect(ready.spec).not.toHaveProperty('nodeRecovery');
    expect(ready.status?.nodes).toMatchObject({ usable: 3, required: 3, dedicated: { total: 3, idle: 3 } });
    expect(ready.status).not.toHaveProperty('nodeRecovery');
    const table = await kubectlOk(['get', 'bp', '-n', ns]);
    expect(table.split('\n')[0]).toMatch(
      /^NAME\s+TARGET\s+CURRENT\s+USABLE\s+PHASE\s+ATTEMPTS\s+READY\s+AGE$/,
    );
    expect(table).toMatch(/\np\s+3\s+3\s+3\s+Ready\s+1\s+True\s/);
  });

  it('the apiserver refuses out-of-range recovery settings, naming the field', async () => {
    const { ns, base } = await setup('badrec');
    const refused = (spec: object) =>
      kubectlOk(['apply', '-f', '-'], {
        input: JSON.stringify({
          apiVersion: 'batch.pooloperator.dev/v1alpha1',
          kind: 'BatchPool',
          metadata: { name: 'bad', namespace: ns },
          spec: {
            ...base,
            vmSize: 'Standard_D4s_v5',
            nodeAgentSkuId: 'batch.node.ubuntu 22.04',
            targetDedicatedNodes: 1,
            ...spec,
          },
        }),
      }).then(
        () => '',
        (err: unknown) => String(err),
      );
    expect(await refused({ readiness: { minUsablePercent: 0 } })).toMatch(
      /spec\.readiness\.minUsablePercent/,
    );
    expect(await refused({ nodeRecovery: { mode: 'Reimage' } })).toMatch(/spec\.nodeRecovery\.mode/);
    expect(await refused({ nodeRecovery: { breaker: { window: '2d' } } })).toMatch(
      /spec\.nodeRecovery\.breaker\.window must be a Go duration from 1m to 24h/,
    );
    expect(await refused({ nodeRecovery: { maxActionsPerHour: 0 } })).toMatch(
      /spec\.nodeRecovery\.maxActionsPerHour/,
    );
  });
});

describe('node recovery', () => {
  it('None: at the target count with unusable nodes the pool is not Ready; it says why and touches nothing', async () => {
    const { ns, base } = await setup('none');
    const id = `none-${ns}`;
    h.sim.faults.setPoolNodeRates(id, { unusableRate: 1 });
    await h.kube.applyPool(ns, 'p', { ...base, poolId: id, targetDedicatedNodes: 2 });
    const p = await h.kube.waitForPool(
      ns,
      'p',
      (x) => condition(x, 'Stalled')?.reason === 'NodesUnusable',
      'Stalled NodesUnusable',
    );
    expect(p.status?.currentDedicatedNodes).toBe(2);
    expect(p.status?.nodes).toMatchObject({ usable: 0, dedicated: { unusable: 2 } });
    expect(condition(p, 'Ready')?.status).toBe('False');
    const msg = condition(p, 'Stalled')?.message ?? '';
    expect(msg).toContain('only 0 can run tasks (Ready needs 2): 2 unusable');
    expect(msg).toContain('DiskFull on 2 nodes: There is not enough disk space on the node.');
    expect(msg).toContain('spec.nodeRecovery.mode is None');
    expect((await h.kube.waitForEvent(ns, 'p', 'NodesUnusable')).type).toBe('Warning');
    expect(await kubectlOk(['get', 'bp', '-n', ns])).toMatch(/\np\s+2\s+2\s+0\s+Stalled\s/);
    await sleep(1500);
    expect(calls(id, 'Pool_RemoveNodes')).toEqual([]);
    expect(calls(id, 'ComputeNode_Reboot')).toEqual([]);
    // One filtered, selected list per pass, and only because the counts show bad nodes.
    const lists = calls(id, 'ComputeNode_List');
    expect(lists.length).toBeGreaterThan(0);
    expect(decodeURIComponent(lists[0]!.query).replace(/\+/g, ' ')).toMatch(/state eq 'unusable'/);
  });

  it('Remove: the bad nodes are removed, the pool resized back to the target, and it becomes Ready with every node usable', async () => {
    const { ns, base } = await setup('remove');
    const id = `remove-${ns}`;
    h.sim.faults.setPoolNodeRates(id, { unusableRate: 1 });
    await h.kube.applyPool(ns, 'p', {
      ...base,
      poolId: id,
      targetDedicatedNodes: 2,
      nodeRecovery: { mode: 'Remove' },
    });
    const removed = await h.kube.waitForEvent(ns, 'p', 'NodesRemoved');
    expect(removed.type).toBe('Normal');
    expect(removed.note).toMatch(/Removing 2 nodes of pool .*tvmps_\w+_d.*DiskFull on 2 nodes/);
    // The nodes Azure brings back come up fine.
    h.sim.faults.setPoolNodeRates(id, undefined);
    const ready = await h.kube.waitForPool(
      ns,
      'p',
      (x) => isReadyAt(2)(x) && usableAtLeast(2)(x),
      'Ready, 2 usable',
    );
    expect(ready.status?.nodes?.dedicated).toMatchObject({ total: 2, idle: 2 });
    expect(calls(id, 'Pool_RemoveNodes')).toHaveLength(1);
    const view = h.sim.pools.get(id);
    expect(view?.targetDedicatedNodes ?? view).toBe(2);
    const reasons = (await h.kube.events(ns, 'p')).map((e) => e.reason);
    expect(reasons).toContain('ResizeIssued');
    expect(reasons).not.toContain('Drift');
    const metrics = await (await fetch(`http://127.0.0.1:${h.operator.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/batchpool_node_recovery_actions_total\{kind="remove"\} [1-9]/);
    expect(metrics).toContain(`batchpool_nodes{namespace="${ns}",name="p",state="idle"} 2`);
  });

  it('Reboot: a node whose start task fails is rebooted once, then removed when it fails again', async () => {
    const { ns, base } = await setup('reboot');
    const id = `reboot-${ns}`;
    h.sim.faults.setPoolNodeRates(id, { startTaskFailureRate: 1 });
    await h.kube.applyPool(ns, 'p', {
      ...base,
      poolId: id,
      targetDedicatedNodes: 2,
      startTask: { commandLine: '/bin/sh -c true', waitForSuccess: true },
      nodeRecovery: { mode: 'Reboot' },
    });
    const rebooted = await h.kube.waitForEvent(ns, 'p', 'NodesRebooted');
    expect(rebooted.note).toMatch(/FailureExitCode on 2 nodes/);
    const removed = await h.kube.waitForEvent(ns, 'p', 'NodesRemoved', 40_000);
    expect(removed.note).toMatch(/Removing 2 nodes/);
    h.sim.faults.setPoolNodeRates(id, undefined);
    await h.kube.waitForPool(
      ns,
      'p',
      (x) => isReadyAt(2)(x) && usableAtLeast(2)(x),
      'Ready, 2 usable',
      40_000,
    );
    const reboots = calls(id, 'ComputeNode_Reboot').map((e) => e.path.split('/')[4]);
    const removal = calls(id, 'Pool_RemoveNodes');
    expect(new Set(reboots).size).toBe(2);
    expect(reboots).toHaveLength(2); // once each
    expect(removal).toHaveLength(1);
    expect(removal[0]!.seq).toBeGreaterThan(calls(id, 'ComputeNode_Reboot')[1]!.seq);
  });

  it('the breaker: an image whose every node is unusable ends Stalled with a Warning, and recovery stops', async () => {
    const { ns, base, image } = await setup('breaker');
    const id = `breaker-${ns}`;
    h.sim.faults.setImageNodeRates(image, { unusableRate: 1 });
    await h.kube.applyPool(ns, 'p', {
      ...base,
      poolId: id,
      targetDedicatedNodes: 4,
      nodeRecovery: { mode: 'Remove' },
    });
    const p = await h.kube.waitForPool(
      ns,
      'p',
      (x) => condition(x, 'Stalled')?.reason === 'NodeRecoveryHalted',
      'Stalled NodeRecoveryHalted',
    );
    const msg = condition(p, 'Stalled')?.message ?? '';
    expect(msg).toContain('4 of 4 settled nodes (100 %) failed with DiskFull');
    expect(msg).toContain('DiskFull on 4 nodes');
    expect(p.status?.nodeRecovery?.breaker).toMatchObject({ code: 'DiskFull', failing: 4, settled: 4 });
    const warning = await h.kube.waitForEvent(ns, 'p', 'NodeRecoveryHalted');
    expect(warning.type).toBe('Warning');
    await sleep(2000);
    expect(calls(id, 'Pool_RemoveNodes')).toEqual([]);
    expect((await h.kube.getPool(ns, 'p'))?.status?.phase).toBe('Stalled');
    h.sim.faults.setImageNodeRates(image, undefined);
  });
});

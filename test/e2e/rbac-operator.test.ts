// The operator as it is shipped: run under the batchpool-operator ServiceAccount's own token (the
// kubeconfig the global setup mints), so the ClusterRole and the Lease Role from deploy/ are all it
// has, with leader election on the real Lease name, against the simulator. A pool is created, grows
// through an AllocationFailed to its target and is deleted; nothing is refused along the way, and
// /metrics tells the story.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/simulator/index.ts';
import { DEFAULT_LEASE_NAME } from '../../src/ha/leader-election.ts';
import { installDeploy } from '../support/e2e/install.ts';
import { isReadyAt, KubeHelpers } from '../support/e2e/kube-helpers.ts';
import { startQuickSimulator } from '../support/e2e/simulators.ts';
import { kubectl, kubectlOk, uniqueNamespace } from '../support/kubectl.ts';
import { freePort } from '../support/net.ts';
import { fastPolling, leaderElection } from '../support/operator-profiles.ts';
import { OperatorProcess } from '../support/operator-process.ts';

const NS = 'batchpool-system';

let sim: Simulator;
let op: OperatorProcess;
let metricsPort: number;
const kube = new KubeHelpers();

beforeAll(async () => {
  const token = process.env.E2E_OPERATOR_KUBECONFIG;
  expect(token, 'the e2e global setup mints the ServiceAccount kubeconfig').toBeTruthy();
  await installDeploy();
  await kubectl(['delete', 'lease', DEFAULT_LEASE_NAME, '-n', NS, '--ignore-not-found']);
  sim = await startQuickSimulator({ seed: 7 });
  metricsPort = await freePort();
  op = await OperatorProcess.start({
    sim,
    metrics: metricsPort,
    profiles: [fastPolling, leaderElection()],
    env: { KUBECONFIG: token!, POD_NAMESPACE: NS, POD_NAME: 'rbac-operator-0' },
  });
});

afterAll(async () => {
  await op?.stop();
  await sim?.close();
});

describe('operator under its ServiceAccount token', () => {
  it('reconciles a pool to target and deletes it, with no request refused', async () => {
    const ns = await uniqueNamespace('sa-op');
    await kube.createAccount(`acct-${ns}`, sim.info.batchUrl, [ns], undefined, sim.info.location);
    const image = sim.images.createGalleryImageVersion(`Gal-${ns}`, 'Ubuntu', '1.0.0');
    const poolId = `render-${ns}`;
    sim.faults.failNextResizes(poolId, 1, { code: 'AllocationFailed', fraction: 0.5 });
    await kube.applyPool(ns, 'render', {
      accountRef: { name: `acct-${ns}` },
      image: { id: image },
      poolId,
      targetDedicatedNodes: 6,
    });
    await kube.waitForPool(ns, 'render', isReadyAt(6), 'Ready at 6');

    // While the pool exists, /metrics reports it, the reconciles and the Azure calls that made it.
    const m = await op.metrics(metricsPort);
    const pool = `namespace="${ns}",name="render"`;
    expect(m.get(`batchpool_target_nodes{${pool},priority="dedicated"}`)).toBe(6);
    expect(m.get(`batchpool_current_nodes{${pool},priority="dedicated"}`)).toBe(6);
    expect(m.get(`batchpool_image_available{${pool}}`)).toBe(1);
    expect(m.get(`leader_election_master_status{name="${DEFAULT_LEASE_NAME}"}`)).toBe(1);
    // A live pool asks to be looked at again, so its reconciles count as requeue_after.
    expect(
      m.get('controller_runtime_reconcile_total{controller="batchpool",result="requeue_after"}'),
    ).toBeGreaterThan(0);
    expect(m.get('controller_runtime_max_concurrent_reconciles{controller="batchpool"}')).toBe(4);
    const azure = [...m.entries()].filter(([k]) => k.startsWith('azure_requests_total{service="batch"'));
    expect(azure.reduce((n, [, v]) => n + v, 0)).toBeGreaterThan(0);

    await kubectlOk(['delete', 'batchpool', 'render', '-n', ns, '--wait=true', '--timeout=60s']);
    const after = await op.metrics(metricsPort);
    expect([...after.keys()].filter((k) => k.includes(pool))).toEqual([]);

    // An apiserver refusal names the ServiceAccount; Azure errors (of other files' leftovers) do not.
    const refused = op.logs.filter((l) =>
      l.includes('system:serviceaccount:batchpool-system:batchpool-operator'),
    );
    expect(refused).toEqual([]);
  });

  it('holds the shipped Lease, and hands it back on SIGTERM', async () => {
    const lease = JSON.parse(await kubectlOk(['get', 'lease', DEFAULT_LEASE_NAME, '-n', NS, '-o', 'json']));
    expect(lease.spec.holderIdentity).toMatch(/^rbac-operator-0_[0-9a-f]{8}$/);
    await op.stop();
    expect(op.exit?.code).toBe(0);
    const released = JSON.parse(
      await kubectlOk(['get', 'lease', DEFAULT_LEASE_NAME, '-n', NS, '-o', 'json']),
    );
    expect(released.spec.holderIdentity ?? '').toBe('');
  });
});

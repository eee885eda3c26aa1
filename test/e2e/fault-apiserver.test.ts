// The apiserver (and etcd) taken away while pools resize: their processes are killed and started again, so
// the operator's watch streams are cut and its writes fail for a while. Azure goes on resizing meanwhile.
// Afterwards the operator must catch up by itself: statuses true to Azure, every pool at its target, and a
// spec change made after the restart picked up (its watches came back).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPools, setTarget, setupFaultEnv, type FaultEnv } from '../support/e2e/fault-env.ts';
import { expectInvariants } from '../support/e2e/fault-invariants.ts';
import { RestartableCluster } from '../support/e2e/restartable-cluster.ts';
import type { OperatorProcess } from '../support/operator-process.ts';
import { sleep, until } from '../support/wait.ts';

let cluster: RestartableCluster;
let env: FaultEnv;
let op: OperatorProcess;
const outerKubeconfig = process.env.KUBECONFIG;

beforeAll(async () => {
  cluster = await RestartableCluster.start();
  process.env.KUBECONFIG = cluster.kubeconfig;
  env = await setupFaultEnv('fault-api');
  op = await env.startOperator();
}, 300_000);

afterAll(async () => {
  await env?.close();
  await cluster?.close();
  process.env.KUBECONFIG = outerKubeconfig;
}, 120_000);

const resizing = (id: string, target: number) => () => {
  const p = env.sim.pools.get(id);
  return p?.allocationState === 'resizing' && p.targetDedicatedNodes === target;
};

describe('the apiserver and etcd going away while pools resize', () => {
  it('kills etcd and the apiserver mid-resize, starts them again, and the operator catches up', async () => {
    await applyPools(env, [
      { name: 'a-1', target: 900 },
      { name: 'a-2', target: 1200 },
    ]);
    await until(resizing('a-2', 1200), 'a-2 resizing');
    await cluster.stopApiserver('SIGKILL');
    await cluster.stopEtcd('SIGKILL');
    await sleep(5000); // Azure finishes the resizes meanwhile; the operator cannot write a status.
    expect(op.alive()).toBe(true);
    await cluster.startEtcd();
    await cluster.startApiserver();
    await expectInvariants(env, 90_000);
    expect(op.alive()).toBe(true);
  });

  it('restarts the apiserver alone during a resize, then picks up a spec change made afterwards', async () => {
    await setTarget(env, 'a-1', 1300);
    await until(resizing('a-1', 1300), 'a-1 resizing to 1300');
    await cluster.stopApiserver('SIGTERM');
    await sleep(3000);
    await cluster.startApiserver();
    await setTarget(env, 'a-2', 400);
    await expectInvariants(env, 90_000);
    expect(env.sim.pools.get('a-2')?.currentDedicatedNodes).toBe(400);
    expect(op.alive()).toBe(true);
  });
});

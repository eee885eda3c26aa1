// Global setup of the e2e project: a real etcd + kube-apiserver for the whole run, started through
// the same test/cluster/with-cluster.sh a person uses by hand. When the run is already inside
// with-cluster.sh (E2E_API_URL set), that cluster is used as it is.
import { startCluster, type RunningCluster } from '../cluster/start-cluster.ts';

let cluster: RunningCluster | undefined;

export async function setup(): Promise<void> {
  if (process.env.E2E_API_URL) return;
  const started = Date.now();
  cluster = await startCluster({
    operatorServiceAccount: process.env.E2E_OPERATOR_SA ?? 'batchpool-system/batchpool-operator',
  });
  Object.assign(process.env, cluster.env);
  console.error(`e2e: cluster ready at ${cluster.env.E2E_API_URL} in ${Date.now() - started} ms`);
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
}

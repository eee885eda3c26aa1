// Global setup of the e2e project: a real etcd + kube-apiserver for the whole run, started through
// the same test/cluster/with-cluster.sh a person uses by hand. When the run is already inside
// with-cluster.sh (E2E_API_URL set), that cluster is used as it is.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const clusterDir = fileURLToPath(new URL('../cluster/', import.meta.url));

let holder: ChildProcess | undefined;

export async function setup(): Promise<void> {
  if (process.env.E2E_API_URL) return;
  const started = Date.now();
  holder = spawn('bash', [`${clusterDir}with-cluster.sh`, process.execPath, `${clusterDir}hold.js`], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: {
      ...process.env,
      E2E_OPERATOR_SA: process.env.E2E_OPERATOR_SA ?? 'batchpool-system/batchpool-operator',
    },
  });
  const exited = once(holder, 'exit').then(([code]) => {
    throw new Error(`with-cluster.sh exited (code ${String(code)}) before the cluster was ready`);
  });
  const lines = createInterface({ input: holder.stdout! });
  const firstLine = (async () => {
    for await (const line of lines) if (line.startsWith('{')) return line;
    throw new Error('with-cluster.sh closed its output before reporting the cluster');
  })();
  const line = await Promise.race([firstLine, exited]);
  const env = JSON.parse(line) as Record<string, string>;
  Object.assign(process.env, env);
  console.error(`e2e: cluster ready at ${env.E2E_API_URL} in ${Date.now() - started} ms`);
}

export async function teardown(): Promise<void> {
  if (!holder || holder.exitCode !== null) return;
  const exited = once(holder, 'exit');
  holder.stdin?.end();
  await exited;
}

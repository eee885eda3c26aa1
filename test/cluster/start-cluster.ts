// Starts the local control plane from Node: runs with-cluster.sh around hold.js, reads the
// cluster's environment from its first output line, and stops it by closing hold.js's stdin (the
// script then tears down exactly the processes it started). Used by the e2e global setup and the demo.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const clusterDir = fileURLToPath(new URL('./', import.meta.url));

export interface ClusterEnv {
  KUBECONFIG: string;
  E2E_ADMIN_KUBECONFIG: string;
  E2E_OPERATOR_KUBECONFIG?: string;
  E2E_API_URL: string;
  E2E_CLUSTER_DIR: string;
  E2E_KUBE_BIN: string;
  PATH: string;
}

export interface RunningCluster {
  env: ClusterEnv;
  stop(): Promise<void>;
}

export interface StartClusterOptions {
  /** namespace/name of a ServiceAccount to mint a token kubeconfig for (E2E_OPERATOR_KUBECONFIG). */
  operatorServiceAccount?: string;
  /** Where with-cluster.sh and build.sh report progress; default: inherit stderr. */
  stderr?: 'inherit' | 'ignore';
}

export async function startCluster(opts: StartClusterOptions = {}): Promise<RunningCluster> {
  const child = spawn('bash', [`${clusterDir}with-cluster.sh`, process.execPath, `${clusterDir}hold.js`], {
    stdio: ['pipe', 'pipe', opts.stderr ?? 'inherit'],
    env: {
      ...process.env,
      ...(opts.operatorServiceAccount ? { E2E_OPERATOR_SA: opts.operatorServiceAccount } : {}),
    },
  });
  const exited = once(child, 'exit');
  const failedEarly = exited.then(([code]) => {
    throw new Error(`with-cluster.sh exited (code ${String(code)}) before the cluster was ready`);
  });
  const firstLine = (async () => {
    for await (const line of createInterface({ input: child.stdout })) if (line.startsWith('{')) return line;
    throw new Error('with-cluster.sh closed its output before reporting the cluster');
  })();
  const line = await Promise.race([firstLine, failedEarly]);
  failedEarly.catch(() => undefined);
  return {
    env: JSON.parse(line) as ClusterEnv,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.end();
      await exited;
    },
  };
}

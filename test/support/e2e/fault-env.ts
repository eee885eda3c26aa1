// What every fault-injection case (and the soak) shares: a simulator, a namespace and an account for it, an
// image, BatchPools applied with kubectl, and the operator with fast polling. The invariants each case
// checks at the end are in fault-invariants.ts.
import { randomBytes } from 'node:crypto';
import { API_VERSION, type BatchPool } from '../../../src/api/types.ts';
import { startSimulator, type Simulator } from '../../../src/simulator/index.ts';
import { kubectl, kubectlOk, uniqueNamespace } from '../kubectl.ts';
import { fastPolling, type OperatorProfile } from '../operator-profiles.ts';
import { OperatorProcess, type OperatorOptions } from '../operator-process.ts';
import { applyAccount } from './accounts.ts';
import { planeResourceId } from './plane.ts';
import { RAISED_QUOTAS } from './simulators.ts';
import { installCrds } from './install.ts';

export interface FaultEnv {
  sim: Simulator;
  namespace: string;
  account: string;
  imageId: string;
  /** The gallery of imageId (image definition "ubuntu"), for new versions of the same image. */
  gallery: string;
  /** The operator with fast polling (and these profiles after it) against this simulator; close() stops it. */
  startOperator(
    o?: { profiles?: OperatorProfile[] } & Pick<OperatorOptions, 'keepLogs'>,
  ): Promise<OperatorProcess>;
  /** Stops the operators it started, removes the account and stops the simulator. */
  close(): Promise<void>;
}

export async function setupFaultEnv(prefix: string): Promise<FaultEnv> {
  await installCrds();
  const sim = await startSimulator({
    timeScale: 60,
    seed: prefix,
    // One simulated minute per wall second: a 1,000-node resize takes a few seconds, a delete one.
    allocation: { bootDelaySeconds: 30, nodesPerMinute: 300, shrinkDelaySeconds: 20, deleteDelaySeconds: 60 },
    quotas: RAISED_QUOTAS,
  });
  const namespace = await uniqueNamespace(prefix);
  const account = `${prefix}-${randomBytes(3).toString('hex')}`;
  await applyAccount({
    name: account,
    endpoint: sim.info.batchUrl,
    location: sim.info.location,
    allowedNamespaces: [namespace],
    ...(planeResourceId(sim) && { resourceManager: planeResourceId(sim) }),
  });
  // A gallery of this environment's own: the BatchPools a file leaves behind (they keep their finalizer once
  // its operator stops) must not count against the image limits of the next file, or of the same file run
  // again on the other plane.
  const gallery = `${account}-gallery`;
  const imageId = sim.images.createGalleryImageVersion(gallery, 'ubuntu', '1.0.0');
  const operators: OperatorProcess[] = [];
  return {
    sim,
    namespace,
    account,
    imageId,
    gallery,
    async startOperator(o = {}) {
      const op = await OperatorProcess.start({
        sim,
        profiles: [fastPolling, ...(o.profiles ?? [])],
        ...(o.keepLogs !== undefined && { keepLogs: o.keepLogs }),
      });
      operators.push(op);
      return op;
    },
    async close() {
      await Promise.all(operators.map((op) => op.stop()));
      await kubectl(['delete', 'batchaccount', account, '--ignore-not-found', '--wait=false']);
      await sim.close();
    },
  };
}

export interface PoolWish {
  name: string;
  target: number;
  deletionPolicy?: 'Delete' | 'Retain';
}

function poolManifest(env: FaultEnv, w: PoolWish): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: 'BatchPool',
    metadata: { name: w.name, namespace: env.namespace },
    spec: {
      accountRef: { name: env.account },
      vmSize: 'Standard_D4s_v5',
      image: { id: env.imageId },
      nodeAgentSkuId: 'batch.node.ubuntu 22.04',
      targetDedicatedNodes: w.target,
      resizeTimeout: 'PT15M',
      deletionPolicy: w.deletionPolicy ?? 'Delete',
      resizeStrategy: { backoff: { initial: '1s', max: '4s' } },
    },
  };
}

/** kubectl apply of several BatchPools in one call. */
export async function applyPools(env: FaultEnv, wishes: PoolWish[]): Promise<void> {
  await kubectlOk(['apply', '-f', '-'], {
    input: wishes.map((w) => JSON.stringify(poolManifest(env, w))).join('\n'),
  });
}

export async function listPools(env: FaultEnv): Promise<BatchPool[]> {
  const out = await kubectlOk(['get', 'batchpools', '-n', env.namespace, '-o', 'json'], {
    timeoutMs: 60_000,
  });
  return (JSON.parse(out) as { items: BatchPool[] }).items;
}

/** kubectl patch of a BatchPool's dedicated target, as a user changes it. */
export async function setTarget(env: FaultEnv, name: string, target: number): Promise<void> {
  await kubectlOk([
    'patch',
    'batchpool',
    name,
    '-n',
    env.namespace,
    '--type=merge',
    '-p',
    JSON.stringify({ spec: { targetDedicatedNodes: target } }),
  ]);
}

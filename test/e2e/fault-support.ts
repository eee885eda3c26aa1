// What every fault-injection case shares: a simulator, a namespace and an account for it, BatchPools applied
// with kubectl, and the invariants each case checks at the end — no duplicate Azure pool for one BatchPool, no
// Azure pool left behind by a deleted BatchPool, every status telling the truth about Azure, every pool at its
// target once the faults stop.
import { randomBytes } from 'node:crypto';
import { API_VERSION, type BatchPool } from '../../src/api/types.ts';
import { OWNER_METADATA } from '../../src/azure/ports.ts';
import { startSimulator, type SimPoolView, type Simulator } from '../../src/simulator/index.ts';
import { installCrds } from './api-fixtures.ts';
import { kubectl, kubectlOk, uniqueNamespace } from './support/kubectl.ts';

export interface FaultEnv {
  sim: Simulator;
  namespace: string;
  account: string;
  imageId: string;
  close(): Promise<void>;
}

export async function setupFaultEnv(prefix: string, o: { timeScale?: number } = {}): Promise<FaultEnv> {
  await installCrds();
  const sim = await startSimulator({
    timeScale: o.timeScale ?? 60,
    seed: prefix,
    // One simulated minute per wall second: a 1,000-node resize takes a few seconds, a delete one.
    allocation: { bootDelaySeconds: 30, nodesPerMinute: 300, shrinkDelaySeconds: 20, deleteDelaySeconds: 60 },
  });
  const namespace = await uniqueNamespace(prefix);
  const account = `${prefix}-${randomBytes(3).toString('hex')}`;
  await kubectlOk(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: API_VERSION,
      kind: 'BatchAccount',
      metadata: { name: account },
      spec: { endpoint: sim.info.batchUrl, allowedNamespaces: [namespace] },
    }),
  });
  const imageId = sim.images.createManagedImage(`${prefix}-image`);
  return {
    sim,
    namespace,
    account,
    imageId,
    async close() {
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

export function poolManifest(env: FaultEnv, w: PoolWish): Record<string, unknown> {
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

export function ownerOf(p: SimPoolView): { namespace?: string; name?: string } {
  const meta = Array.isArray(p.metadata) ? (p.metadata as { name: string; value: string }[]) : [];
  const get = (n: string) => meta.find((m) => m.name === n)?.value;
  return { namespace: get(OWNER_METADATA.namespace), name: get(OWNER_METADATA.name) };
}

/** Every invariant that does not hold right now, in words. */
export async function invariantProblems(env: FaultEnv): Promise<string[]> {
  const problems: string[] = [];
  const objects = await listPools(env);
  const azure = env.sim.pools.list().filter((p) => ownerOf(p).namespace === env.namespace);
  const byOwner = new Map<string, SimPoolView[]>();
  for (const p of azure) {
    const name = ownerOf(p).name ?? '?';
    byOwner.set(name, [...(byOwner.get(name) ?? []), p]);
  }
  for (const [name, pools] of byOwner) {
    if (pools.length > 1) problems.push(`duplicate: ${name} owns ${pools.map((p) => p.id).join(', ')}`);
    if (!objects.some((o) => o.metadata.name === name))
      problems.push(
        `left behind: Azure pool ${pools.map((p) => `${p.id} (${p.state})`).join(', ')} of deleted ${name}`,
      );
  }
  for (const o of objects) {
    const name = o.metadata.name;
    const poolId = o.spec.poolId ?? name;
    const pool = env.sim.pools.get(poolId);
    const target = o.spec.targetDedicatedNodes ?? 0;
    if (o.metadata.deletionTimestamp) {
      problems.push(`${name}: still deleting (Azure: ${pool ? pool.state : 'gone'})`);
      continue;
    }
    if (!pool) {
      problems.push(`${name}: no Azure pool ${poolId}`);
      continue;
    }
    if (
      pool.allocationState !== 'steady' ||
      pool.currentDedicatedNodes !== target ||
      pool.targetDedicatedNodes !== target
    )
      problems.push(
        `${name}: Azure pool ${pool.allocationState} at ${pool.currentDedicatedNodes}/${pool.targetDedicatedNodes}, spec ${target}`,
      );
    const s = o.status;
    if (s?.phase !== 'Ready' || s.observedGeneration !== o.metadata.generation)
      problems.push(
        `${name}: status ${s?.phase ?? 'none'} (observed ${s?.observedGeneration}, generation ${o.metadata.generation})`,
      );
    if (s?.currentDedicatedNodes !== pool.currentDedicatedNodes)
      problems.push(
        `${name}: status says ${s?.currentDedicatedNodes} nodes, Azure has ${pool.currentDedicatedNodes}`,
      );
    if (s?.poolId !== undefined && s.poolId !== poolId)
      problems.push(`${name}: status.poolId ${s.poolId} ≠ ${poolId}`);
  }
  return problems;
}

/** Waits until every invariant holds; throws with what still does not. */
export async function expectInvariants(env: FaultEnv, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let problems: string[];
  for (;;) {
    problems = await invariantProblems(env);
    if (problems.length === 0) return;
    if (Date.now() > end)
      throw new Error(`invariants do not hold after ${timeoutMs} ms:\n  ${problems.join('\n  ')}`);
    await sleep(500);
  }
}

/** Duplicate and left-behind pools are never allowed, not even while faults last. */
export function neverDuplicated(env: FaultEnv): string[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const p of env.sim.pools.list()) {
    const o = ownerOf(p);
    if (o.namespace !== env.namespace || !o.name) continue;
    const other = seen.get(o.name);
    if (other) problems.push(`duplicate: ${o.name} owns ${other} and ${p.id}`);
    seen.set(o.name, p.id);
  }
  return problems;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls a cheap in-process condition (simulator state) every millisecond. */
export async function until(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

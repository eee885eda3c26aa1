// The invariants every fault case (and the soak) checks: no two Azure pools owned by one BatchPool, no Azure
// pool left behind by a deleted one, every status telling the truth about Azure, every pool at its target
// once the faults stop.
import type { SimPoolView } from '../../../src/simulator/index.ts';
import { OWNER_METADATA } from '../../../src/azure/ports.ts';
import { sleep } from '../wait.ts';
import { listPools, type FaultEnv } from './fault-env.ts';

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

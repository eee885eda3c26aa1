// N pools of one account converging together: what a pool costs when the account's looks are shared. The
// fixed loop runs against the same simulator seed and pool IDs, so every pool meets the same allocation luck
// under both (the simulator draws each resize from its own stream: seed, pool, resize number).

import { sleep } from '../../src/clock.ts';
import { DEFAULT_SETTINGS } from '../../src/controller/plan/index.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { parseIsoDuration } from '../../src/simulator/state/duration.ts';
import { seededRandom } from '../../test/support/prng.ts';
import { connectAzure, type SimAzure } from '../../test/support/sim-azure.ts';
import { SimulatedTime } from '../support/simulated-time.ts';
import { tally, type CallTally } from '../support/tally.ts';
import type { Profile, TimeoutSetting } from './scenarios.ts';
import { runFleet, type FleetPool } from './operator-fleet.ts';

export interface FleetRecord {
  strategy: 'fixed loop' | 'batchpool-operator';
  profile: string;
  timeout: string;
  target: number;
  pools: number;
  seed: number;
  /** Per pool, simulated ms from the start to steady at target; undefined = never. */
  reachedAfterMs: (number | undefined)[];
  /** Every call to the account, all pools together. */
  calls: CallTally;
}

/** A frozen simulator for `n` pools of one cell, reset; the same seed gives the same allocation luck. */
export async function benchSimulator(
  profile: Profile,
  timeout: TimeoutSetting,
  n: number,
  seed: number,
  stateDir: string,
): Promise<Simulator> {
  const sim = await startSimulator({
    timeScale: 0,
    // Hashed text seeds: consecutive small integers give mulberry32 correlated first draws.
    seed: `convergence-${seed}`,
    stateDir,
    allocation: { ...timeout.allocation, failureProbability: profile.failureProbability },
    // Each pool may reach 2,500 Standard_D4s_v5 nodes (10,000 vCPUs): a quota a team asks Azure support for.
    quotas: { pools: n + 10, dedicatedCores: 10_000 * n },
  });
  sim.reset();
  return sim;
}

function poolsOf(sim: Simulator, n: number, target: number, timeout: TimeoutSetting): FleetPool[] {
  // An image per pool: Batch caps the nodes of all pools on one custom image at 2,500, and no image check
  // is shared, so the figure is the least an operator's fleet shares.
  return Array.from({ length: n }, (_, i) => ({
    account: 0,
    poolId: `fleet-${i}`,
    imageId: sim.images.createGalleryImageVersion(`bench${i}`, 'ubuntu', '1.0.0'),
    target,
    resizeTimeout: timeout.resizeTimeout,
  }));
}

/** The fixed loop of strategies.ts, one per pool, all on one simulated clock. */
async function fixedLoops(
  azure: SimAzure,
  time: SimulatedTime,
  pools: readonly FleetPool[],
  boundMs: number,
): Promise<(number | undefined)[]> {
  const reached = new Map<string, number | undefined>();
  const loop = async (p: FleetPool) => {
    const periodMs = parseIsoDuration(p.resizeTimeout)!;
    await azure.batch.create({
      id: p.poolId,
      vmSize: 'Standard_D4s_v5',
      imageId: p.imageId,
      nodeAgentSkuId: 'batch.node.ubuntu 22.04',
      targetDedicatedNodes: p.target,
      targetLowPriorityNodes: 0,
      resizeTimeout: p.resizeTimeout,
      metadata: [],
    });
    for (;;) {
      await sleep(time, periodMs);
      const pool = await azure.batch.get(p.poolId);
      if (pool?.allocationState === 'steady' && pool.currentDedicatedNodes === p.target) {
        reached.set(p.poolId, (pool.allocationStateTransitionTime ?? time.now()) - time.start);
        return;
      }
      if (time.elapsed() > boundMs) return reached.set(p.poolId, undefined);
      if (pool?.allocationState === 'steady')
        await azure.batch.resize(p.poolId, {
          targetDedicatedNodes: p.target,
          targetLowPriorityNodes: 0,
          resizeTimeout: p.resizeTimeout,
          nodeDeallocationOption: 'requeue',
        });
    }
  };
  for (const p of pools) void loop(p);
  await time.run(() => reached.size === pools.length, boundMs + 3600_000);
  return pools.map((p) => reached.get(p.poolId));
}

export async function runFleetCell(
  strategy: FleetRecord['strategy'],
  profile: Profile,
  timeout: TimeoutSetting,
  target: number,
  n: number,
  seed: number,
  boundMs: number,
  stateDir: string,
): Promise<FleetRecord> {
  const sim = await benchSimulator(profile, timeout, n, seed, stateDir);
  const time = new SimulatedTime(sim.clock);
  try {
    const pools = poolsOf(sim, n, target, timeout);
    const since = sim.requests.cursor();
    let reachedAfterMs: (number | undefined)[];
    if (strategy === 'fixed loop') {
      reachedAfterMs = await fixedLoops(connectAzure(sim), time, pools, boundMs);
    } else {
      const out = await runFleet({
        accounts: [{ name: 'bench', sim }],
        pools,
        time,
        settings: DEFAULT_SETTINGS,
        boundMs,
        random: seededRandom(seed * 7919),
      });
      reachedAfterMs = pools.map((p) => out.get(p.poolId)?.reachedAfterMs);
    }
    return {
      strategy,
      profile: profile.name,
      timeout: timeout.name,
      target,
      pools: n,
      seed,
      reachedAfterMs,
      calls: tally(sim.requests.list({ since })),
    };
  } finally {
    time.close();
    sim.reset();
    await sim.close();
  }
}

// One Batch account answering 429 while others converge: three accounts (simulators of one tenant, on one
// clock), pools in each, and the third account throttling every Batch call with a Retry-After for the first
// minutes. The operator is one process (one set of Azure clients, one request budget per account, one work
// queue shared by all accounts), so this measures whether a throttled account slows the others' pools.

import { mkdtemp, rm } from 'node:fs/promises';
import { ScaledClock, startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { DEFAULT_SETTINGS } from '../../src/controller/plan/index.ts';
import { seededRandom } from '../../test/support/prng.ts';
import { SimulatedTime } from '../support/simulated-time.ts';
import { tally, type CallTally } from '../support/tally.ts';
import { runFleet, type FleetPool } from './operator-fleet.ts';
import type { Profile, TimeoutSetting } from './scenarios.ts';

export interface StormSetting {
  /** Simulated seconds the throttled account answers 429, from the start; 0 = no storm. */
  seconds: number;
  retryAfterSeconds: number;
}

export interface StormRecord {
  storm: StormSetting;
  seed: number;
  /** Per account: each pool's simulated ms to target (undefined = never), and the account's calls. */
  accounts: { name: string; reachedAfterMs: (number | undefined)[]; calls: CallTally; throttled: number }[];
}

export const STORM_ACCOUNTS = ['calm-a', 'calm-b', 'throttled'];

export async function runStorm(
  storm: StormSetting,
  profile: Profile,
  timeout: TimeoutSetting,
  target: number,
  poolsPerAccount: number,
  seed: number,
  boundMs: number,
  stateDir: string,
): Promise<StormRecord> {
  const clock = new ScaledClock({ timeScale: 0 });
  // A directory of its own: a simulator starts from the snapshot it finds, and a shared clock must not.
  const dir = await mkdtemp(`${stateDir}-storm-`);
  const sims: Simulator[] = [];
  for (const [i, name] of STORM_ACCOUNTS.entries()) {
    sims.push(
      await startSimulator({
        clock,
        seed: `storm-${seed}-${i}`,
        stateDir: `${dir}/${name}`,
        account: { name: name.replace('-', '') },
        allocation: { ...timeout.allocation, failureProbability: profile.failureProbability },
        quotas: { pools: poolsPerAccount + 10, dedicatedCores: 10_000 * poolsPerAccount },
        ...(i > 0 && { sameTenantAs: sims[0]! }),
      }),
    );
  }
  const time = new SimulatedTime(sims[0]!.clock);
  try {
    const pools: FleetPool[] = [];
    for (const [a, sim] of sims.entries()) {
      for (let i = 0; i < poolsPerAccount; i++) {
        const gallery = `storm${a}x${i}`;
        // Images are checked on the first simulator's ARM and used by the account's own pools: both know it.
        const imageId = sim.images.createGalleryImageVersion(gallery, 'ubuntu', '1.0.0');
        if (a > 0) sims[0]!.images.createGalleryImageVersion(gallery, 'ubuntu', '1.0.0');
        pools.push({
          account: a,
          poolId: `p${a}-${i}`,
          imageId,
          target,
          resizeTimeout: timeout.resizeTimeout,
        });
      }
    }
    const cursors = sims.map((s) => s.requests.cursor());
    const throttled = sims[2]!;
    if (storm.seconds > 0) {
      // No wall-clock end on the rule: the storm ends on simulated time.
      const rule = throttled.faults.throttle({ scope: 'batch', retryAfterSeconds: storm.retryAfterSeconds });
      time.setTimeout(() => throttled.faults.remove(rule.id), storm.seconds * 1000);
    }
    const out = await runFleet({
      accounts: sims.map((sim, i) => ({ name: STORM_ACCOUNTS[i]!, sim })),
      pools,
      time,
      settings: DEFAULT_SETTINGS,
      boundMs,
      random: seededRandom(seed * 7919),
    });
    return {
      storm,
      seed,
      accounts: sims.map((sim, a) => ({
        name: STORM_ACCOUNTS[a]!,
        reachedAfterMs: pools.filter((p) => p.account === a).map((p) => out.get(p.poolId)?.reachedAfterMs),
        calls: tally(sim.requests.list({ since: cursors[a]! })),
        throttled: sim.requests.list({ since: cursors[a]! }).filter((e) => e.status === 429).length,
      })),
    };
  } finally {
    time.close();
    for (const s of sims.reverse()) await s.close();
    await rm(dir, { recursive: true, force: true });
  }
}

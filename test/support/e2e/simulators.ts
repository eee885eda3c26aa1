// The simulator settings the behaviour suites share: 100 simulated seconds per wall second and nodes that
// arrive fast, so a small pool is at its target about a second after its create.
import { startSimulator, type Simulator, type SimulatorOptions } from '../../../src/simulator/index.ts';

export const QUICK_ALLOCATION = {
  bootDelaySeconds: 20,
  nodesPerMinute: 3000,
  shrinkDelaySeconds: 10,
  stopDelaySeconds: 2,
  deleteDelaySeconds: 20,
} as const;

/**
 * The account quotas of the behaviour suites. The simulator enforces Azure's defaults (100 pools, 900
 * dedicated and 100 Spot vCPUs), which the 2,500-node and many-pool cases go far beyond; a team running
 * such pools has had its quotas raised through Azure support, so the suites run on raised quotas and the
 * quota cases set their own.
 */
export const RAISED_QUOTAS = { pools: 2000, dedicatedCores: 100_000, lowPriorityCores: 20_000 } as const;

export function startQuickSimulator(o: SimulatorOptions = {}): Promise<Simulator> {
  return startSimulator({
    timeScale: 100,
    seed: 42,
    allocation: QUICK_ALLOCATION,
    quotas: RAISED_QUOTAS,
    ...o,
  });
}

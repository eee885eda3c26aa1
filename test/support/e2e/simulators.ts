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

export function startQuickSimulator(o: SimulatorOptions = {}): Promise<Simulator> {
  return startSimulator({ timeScale: 100, seed: 42, allocation: QUICK_ALLOCATION, ...o });
}

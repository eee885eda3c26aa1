// The matrix the convergence benchmark runs: fault profiles × targets × resize-timeout settings.

import type { AllocationSettings } from '../../src/simulator/index.ts';

export interface Profile {
  name: string;
  /** Share of growing resizes that fail part-way (AllocationFailed after a random share of the nodes). */
  failureProbability: number;
}

export interface TimeoutSetting {
  name: string;
  resizeTimeout: string;
  allocation: Partial<AllocationSettings>;
}

export const PROFILES: Profile[] = [
  { name: 'no failures (ideal)', failureProbability: 0 },
  { name: '30% of allocations fail', failureProbability: 0.3 },
  { name: '50% of allocations fail', failureProbability: 0.5 },
  { name: '60% of allocations fail', failureProbability: 0.6 },
];

export const TARGETS = [300, 1000, 2500];

export const TIMEOUTS: TimeoutSetting[] = [
  {
    // What the source document advises for large pools, with the simulator's default arrival rate
    // (90 s boot, 300 nodes/min): one clean resize reaches 2,500 nodes in about 10 minutes.
    name: 'PT20M timeout, 300 nodes/min',
    resizeTimeout: 'PT20M',
    allocation: { bootDelaySeconds: 90, nodesPerMinute: 300 },
  },
  {
    // Too short for the arrival rate: at most 350 nodes arrive before the timeout cuts a resize.
    name: 'PT5M timeout (too short), 100 nodes/min',
    resizeTimeout: 'PT5M',
    allocation: { bootDelaySeconds: 90, nodesPerMinute: 100 },
  },
];

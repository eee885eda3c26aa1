// The three ways to drive one pool to its target, each against the simulator through the real Azure
// adapters, on a frozen simulator clock that only the strategy moves (so a day of simulated time takes
// a second): wait-once (Terraform), a fixed loop (a cron job or a person), and the operator as it runs.

import type { PoolSnapshot } from '../../src/azure/ports.ts';
import { parseIsoDuration } from '../../src/simulator/state/duration.ts';
import { DEFAULT_SETTINGS, type PlanSettings } from '../../src/controller/plan/index.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import type { Random } from '../../test/support/prng.ts';
import type { SimAzure } from '../../test/support/sim-azure.ts';
import { SimTime } from '../support/operator-harness.ts';
import { SimulatedTime } from '../support/simulated-time.ts';
import { runFleet } from './operator-fleet.ts';

export interface RunContext {
  sim: Simulator;
  azure: SimAzure;
  poolId: string;
  imageId: string;
  target: number;
  /** ISO-8601 duration, e.g. PT20M. */
  resizeTimeout: string;
  /** Give up (the result is "never") after this much simulated time. */
  boundMs: number;
  random: Random;
}

export interface Outcome {
  /** Simulated time from the first Azure write until the pool was steady at its target; undefined = never. */
  reachedAfterMs: number | undefined;
  /** Dedicated nodes when the strategy stopped. */
  finalNodes: number;
  /** Resizes issued (the create counts as the first). */
  resizes: number;
  /** Simulated time spent waiting out the configured resize backoff (operator only). */
  backoffMs?: number;
}

export interface Strategy {
  name: string;
  run(ctx: RunContext): Promise<Outcome>;
}

function atTarget(pool: PoolSnapshot | undefined, target: number): boolean {
  return !!pool && pool.allocationState === 'steady' && pool.currentDedicatedNodes === target;
}

function reachedAt(pool: PoolSnapshot, time: SimTime): number {
  // Azure says when the pool became steady, so polling granularity does not blur the figure.
  return (pool.allocationStateTransitionTime ?? time.now()) - time.start;
}

function createParams(ctx: RunContext, target: number) {
  return {
    id: ctx.poolId,
    vmSize: 'Standard_D4s_v5',
    imageId: ctx.imageId,
    nodeAgentSkuId: 'batch.node.ubuntu 22.04',
    targetDedicatedNodes: target,
    targetLowPriorityNodes: 0,
    resizeTimeout: ctx.resizeTimeout,
    metadata: [],
  };
}

/** Terraform's way: create the pool with its target, wait until it is steady, and stop there. */
export const waitOnce: Strategy = {
  name: 'wait-once',
  async run(ctx) {
    const time = new SimTime(ctx.sim);
    const pollMs = 30_000;
    await ctx.azure.batch.create(createParams(ctx, ctx.target));
    for (;;) {
      time.sleep(pollMs);
      const pool = await ctx.azure.batch.get(ctx.poolId);
      if (!pool) throw new Error(`pool ${ctx.poolId} vanished`);
      if (pool.allocationState === 'steady' || time.elapsed() > ctx.boundMs) {
        return {
          reachedAfterMs: atTarget(pool, ctx.target) ? reachedAt(pool, time) : undefined,
          finalNodes: pool.currentDedicatedNodes,
          resizes: 1,
        };
      }
    }
  },
};

/**
 * A cron job (or a person) every resize-timeout period: look at the pool, and if it is steady short of
 * its target, issue the resize again. It checks before it writes, so it never hits a running resize.
 */
export const fixedLoop: Strategy = {
  name: 'fixed loop',
  async run(ctx) {
    const time = new SimTime(ctx.sim);
    const periodMs = parseIsoDuration(ctx.resizeTimeout);
    if (periodMs === undefined) throw new Error(`bad resize timeout ${ctx.resizeTimeout}`);
    let resizes = 1;
    await ctx.azure.batch.create(createParams(ctx, ctx.target));
    for (;;) {
      time.sleep(periodMs);
      const pool = await ctx.azure.batch.get(ctx.poolId);
      if (!pool) throw new Error(`pool ${ctx.poolId} vanished`);
      if (atTarget(pool, ctx.target))
        return { reachedAfterMs: reachedAt(pool, time), finalNodes: pool.currentDedicatedNodes, resizes };
      if (time.elapsed() > ctx.boundMs)
        return { reachedAfterMs: undefined, finalNodes: pool.currentDedicatedNodes, resizes };
      if (pool.allocationState === 'steady') {
        await ctx.azure.batch.resize(ctx.poolId, {
          targetDedicatedNodes: ctx.target,
          targetLowPriorityNodes: 0,
          resizeTimeout: ctx.resizeTimeout,
          nodeDeallocationOption: 'requeue',
        });
        resizes += 1;
      }
    }
  },
};

/** What the operator is run with: plan settings (operator flags) and the BatchPool's resizeStrategy.backoff. */
export interface OperatorVariant {
  name?: string;
  settings?: Partial<PlanSettings>;
  backoff?: { initial: string; max: string };
}

/**
 * The operator as it runs (bench/convergence/operator-fleet.ts): work queue, account observer, reconcile and
 * Azure clients on simulated time, here with the pool alone in its account, so the observer's every look is
 * this pool's cost.
 */
export function operator(variant: OperatorVariant = {}): Strategy {
  const settings: PlanSettings = { ...DEFAULT_SETTINGS, ...variant.settings };
  return {
    name: variant.name ?? 'batchpool-operator',
    async run(ctx) {
      const time = new SimulatedTime(ctx.sim.clock);
      try {
        const outcomes = await runFleet({
          accounts: [{ name: 'bench', sim: ctx.sim }],
          pools: [
            {
              account: 0,
              poolId: ctx.poolId,
              imageId: ctx.imageId,
              target: ctx.target,
              resizeTimeout: ctx.resizeTimeout,
            },
          ],
          time,
          settings,
          ...(variant.backoff && { backoff: variant.backoff }),
          boundMs: ctx.boundMs,
          random: ctx.random,
        });
        return outcomes.get(ctx.poolId)!;
      } finally {
        time.close();
      }
    },
  };
}

/**
 * Not an alternative but a yardstick: re-issues the resize the instant the previous one settles (it reads the
 * simulator's own plan, which no client can see), with no backoff. Nothing can be faster under the same luck.
 */
export const oracle: Strategy = {
  name: 'oracle (lower bound)',
  async run(ctx) {
    const time = new SimTime(ctx.sim);
    let resizes = 1;
    await ctx.azure.batch.create(createParams(ctx, ctx.target));
    for (;;) {
      const view = ctx.sim.pools.get(ctx.poolId);
      if (!view) throw new Error(`pool ${ctx.poolId} vanished`);
      if (view.allocationEndsAt) time.sleep(Date.parse(view.allocationEndsAt) - time.now());
      const pool = await ctx.azure.batch.get(ctx.poolId);
      if (!pool) throw new Error(`pool ${ctx.poolId} vanished`);
      if (atTarget(pool, ctx.target))
        return { reachedAfterMs: reachedAt(pool, time), finalNodes: pool.currentDedicatedNodes, resizes };
      if (time.elapsed() > ctx.boundMs)
        return { reachedAfterMs: undefined, finalNodes: pool.currentDedicatedNodes, resizes };
      await ctx.azure.batch.resize(ctx.poolId, {
        targetDedicatedNodes: ctx.target,
        targetLowPriorityNodes: 0,
        resizeTimeout: ctx.resizeTimeout,
        nodeDeallocationOption: 'requeue',
      });
      resizes += 1;
    }
  },
};

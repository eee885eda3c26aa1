// The usable-capacity bench (bench/nodes.ts) in its smoke configuration, 50 nodes and one seed, so a change
// that breaks it shows here and not at the next full run; and how it charges recovery's calls against None.
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extraCalls, runBench, type NodeRun } from '../../../bench/nodes.ts';

const run = (seed: number, calls: [number, string][]): NodeRun =>
  ({ seed, calls: calls.map(([atMs, operation]) => ({ atMs, operation })) }) as NodeRun;

describe('bench:nodes', () => {
  it('charges recovery only for what None did not do in the same simulated time', () => {
    const none = [
      run(1, [
        [0, 'Pool_Add'],
        [60_000, 'Pool_Get'],
        [600_000, 'Pool_Get'],
      ]),
    ];
    const remove = [
      run(1, [
        [0, 'Pool_Add'],
        [60_000, 'Pool_Get'],
        [90_000, 'Pool_RemoveNodes'],
        [120_000, 'Pool_Get'],
      ]),
    ];
    // None's GET at 10 min falls after the Remove run ended, so it is not subtracted.
    expect(extraCalls(remove, none)).toEqual({ Pool_Add: 0, Pool_Get: 1, Pool_RemoveNodes: 1 });
  });

  it('runs end to end at --nodes 50 --seeds 1: recovery gets every node usable, the breaker stalls', async () => {
    const stateDir = path.join(os.tmpdir(), `bench-nodes-test-${process.pid}`);
    const { report, runs } = await runBench({ nodes: 50, seeds: 1, boundHours: 6, stateDir }).finally(() =>
      rm(stateDir, { recursive: true, force: true }),
    );
    const text = report.join('\n');
    for (const heading of [
      '### 50 nodes, 5 % come up unusable',
      '### Count-based Ready against usable capacity',
      '### What recovery costs in Azure calls',
      '### The breaker',
    ])
      expect(text).toContain(heading);
    const of = (scenario: string, broken = false) =>
      runs.find((r) => r.scenario === scenario && (r.afterStalled !== undefined) === broken)!;
    for (const mode of ['Reboot', 'Remove']) {
      expect(of(mode).usableAfterMs).toBeGreaterThan(0);
      expect(of(mode).end.usable).toBe(50);
      const breaker = of(mode, true);
      expect(breaker.stalled?.reason).toBe('NodeRecoveryHalted');
      expect(breaker.afterStalled).toMatchObject({ stillStalled: true, recovered: 0 });
    }
    expect(of('None', true).stalled?.reason).toBe('NodesUnusable');
    // Count-based Ready comes while the last nodes still boot: it counts all 50, fewer can work.
    const none = of('None');
    expect(none.countReady?.counted).toBe(50);
    expect(none.countReady!.usable).toBeLessThan(50);
  }, 60_000);
});

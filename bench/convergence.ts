// Convergence against the alternatives: for each fault profile, target and resize-timeout setting, run
// wait-once, a fixed loop and the operator against the simulator (through the real Azure SDKs) with the
// same seeds, and report simulated time to target (or "never"), Azure calls and writes.
//
// Then the operator with N pools of one account converging together (the account's looks shared out), and one
// account answering 429 while two others converge.
//
//   npm run bench:convergence -- [--seeds 5] [--bound-hours 48] [--json bench/results/convergence.json]
//                                [--fleet 10,100] [--fleet-seeds 1] [--storm-seeds 3] [--only TEXT] [--no-variants]

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROFILES, TARGETS, TIMEOUTS, type Profile, type TimeoutSetting } from './convergence/scenarios.ts';
import {
  fixedLoop,
  operator,
  oracle,
  waitOnce,
  type Outcome,
  type Strategy,
} from './convergence/strategies.ts';
import { machineLine } from '../test/support/machine.ts';
import { seededRandom } from '../test/support/prng.ts';
import { connectAzure } from '../test/support/sim-azure.ts';
import { tally, type CallTally } from './support/tally.ts';
import { benchSimulator, runFleetCell, type FleetRecord } from './convergence/fleet.ts';
import { runStorm, type StormRecord, type StormSetting } from './convergence/storm.ts';
import { formatSimDuration, mean, median } from './support/stats.ts';

export interface RunRecord {
  strategy: string;
  profile: string;
  timeout: string;
  target: number;
  seed: number;
  outcome: Outcome;
  calls: CallTally;
}

export async function runOne(
  strategy: Strategy,
  profile: Profile,
  timeout: TimeoutSetting,
  target: number,
  seed: number,
  boundMs: number,
  stateDir: string,
): Promise<RunRecord> {
  // A fresh simulator per run, so every strategy meets the same allocation luck for the same seed.
  const sim = await benchSimulator(profile, timeout, 1, seed, stateDir);
  try {
    const imageId = sim.images.createGalleryImageVersion('bench', 'ubuntu', '1.0.0');
    const azure = connectAzure(sim);
    const since = sim.requests.cursor();
    const outcome = await strategy.run({
      sim,
      azure,
      poolId: 'bench-pool',
      imageId,
      target,
      resizeTimeout: timeout.resizeTimeout,
      boundMs,
      random: seededRandom(seed * 7919),
    });
    return {
      strategy: strategy.name,
      profile: profile.name,
      timeout: timeout.name,
      target,
      seed,
      outcome,
      calls: tally(sim.requests.list({ since })),
    };
  } finally {
    sim.reset();
    await sim.close();
  }
}

interface CellSummary {
  strategy: string;
  reached: number;
  runs: number;
  /** Median over all runs, "never" counted as longer than any time; undefined when that lands on a never. */
  medianSeconds: number | undefined;
  /** Mean over all runs; undefined when any run never arrived. */
  meanSeconds: number | undefined;
  worstSeconds: number | undefined;
  medianCalls: number;
  meanCalls: number;
  medianWrites: number;
}

export function summarise(records: readonly RunRecord[]): CellSummary {
  const secs = records.map((r) =>
    r.outcome.reachedAfterMs === undefined ? Infinity : r.outcome.reachedAfterMs / 1000,
  );
  const all = records.every((r) => r.outcome.reachedAfterMs !== undefined);
  const finite = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? undefined : x);
  return {
    strategy: records[0]?.strategy ?? '?',
    reached: secs.filter(Number.isFinite).length,
    runs: records.length,
    medianSeconds: finite(median(secs)),
    meanSeconds: all ? mean(secs) : undefined,
    worstSeconds: all ? Math.max(...secs) : undefined,
    medianCalls: median(records.map((r) => r.calls.calls)) ?? 0,
    meanCalls: Math.round((mean(records.map((r) => r.calls.calls)) ?? 0) * 10) / 10,
    medianWrites: median(records.map((r) => r.calls.writes)) ?? 0,
  };
}

const HEADER = [
  '| resize timeout | profile | target | strategy | reached | median time | mean time | worst | median calls | mean calls | median writes |',
  '|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|',
];

function row(timeout: TimeoutSetting, profile: Profile, target: number, s: CellSummary): string {
  const f = formatSimDuration;
  return `| ${timeout.name} | ${profile.name} | ${target} | ${s.strategy} | ${s.reached}/${s.runs} | ${f(s.medianSeconds)} | ${f(s.meanSeconds)} | ${f(s.worstSeconds)} | ${s.medianCalls} | ${s.meanCalls} | ${s.medianWrites} |`;
}

/** Does the operator meet issue 6's bar in this cell: every target the others reach, no later, no more calls than the fixed loop? */
export function verdict(cells: readonly CellSummary[]): string {
  const op = cells.find((c) => c.strategy === 'batchpool-operator');
  const fixed = cells.find((c) => c.strategy === 'fixed loop');
  const others = cells.filter((c) => c.strategy === 'wait-once' || c.strategy === 'fixed loop');
  if (!op || !fixed) return '';
  const problems: string[] = [];
  if (others.some((c) => c.reached > op.reached)) problems.push('reaches fewer targets');
  for (const c of others) {
    if (c.reached === c.runs && (op.meanSeconds ?? Infinity) > (c.meanSeconds ?? Infinity))
      problems.push(`slower on average than ${c.strategy}`);
  }
  if (op.meanCalls > fixed.meanCalls)
    problems.push(`${op.meanCalls} calls vs ${fixed.meanCalls} for the fixed loop`);
  return problems.length ? `missed: ${problems.join('; ')}` : 'met';
}

function fleetRow(
  timeout: TimeoutSetting,
  profile: Profile,
  target: number,
  n: number,
  fixed: readonly FleetRecord[],
  op: readonly FleetRecord[],
): string {
  const summary = (rs: readonly FleetRecord[]) => {
    const times = rs.flatMap((r) => r.reachedAfterMs);
    const all = times.every((t) => t !== undefined);
    const secs = times.map((t) => (t ?? Infinity) / 1000);
    const pools = times.length;
    const calls = rs.reduce((sum, r) => sum + r.calls.calls, 0) / pools;
    // Each look is one page of pools and one of node counts (under 1,000 pools).
    const looks = (2 * rs.reduce((sum, r) => sum + (r.calls.byOperation.Pool_List ?? 0), 0)) / pools;
    return {
      mean: all ? mean(secs) : undefined,
      worst: all ? Math.max(...secs) : undefined,
      calls: Math.round(calls * 10) / 10,
      looks: Math.round(looks * 10) / 10,
    };
  };
  const f = summary(fixed);
  const o = summary(op);
  const problems: string[] = [];
  if ((o.mean ?? Infinity) > (f.mean ?? Infinity)) problems.push('slower');
  if (o.calls > f.calls) problems.push(`${(o.calls / f.calls).toFixed(1)}× the calls`);
  const verdict = problems.length ? `missed: ${problems.join('; ')}` : 'met';
  const t = formatSimDuration;
  return `| ${timeout.name} | ${profile.name} | ${target} | ${n} | ${t(f.mean)} | ${f.calls} | ${t(o.mean)} | ${t(o.worst)} | ${o.calls} | ${o.looks} | ${verdict} |`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '10' },
      'bound-hours': { type: 'string', default: '48' },
      json: { type: 'string', default: 'bench/results/convergence.json' },
      only: { type: 'string' },
      'no-variants': { type: 'boolean', default: false },
      fleet: { type: 'string', default: '10,100' },
      'fleet-seeds': { type: 'string', default: '1' },
      'storm-seeds': { type: 'string', default: '3' },
    },
  });
  const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => i + 1);
  const boundMs = Number(values['bound-hours']) * 3600_000;
  const stateDir = path.join(process.env.TMPDIR ?? '/tmp', `bench-convergence-${process.pid}`);
  const records: RunRecord[] = [];
  const started = Date.now();
  const runCell = async (strategy: Strategy, profile: Profile, timeout: TimeoutSetting, target: number) => {
    const cell: RunRecord[] = [];
    for (const seed of seeds)
      cell.push(await runOne(strategy, profile, timeout, target, seed, boundMs, stateDir));
    records.push(...cell);
    return { cell, summary: summarise(cell) };
  };
  const out: string[] = [
    `Command: \`npm run bench:convergence${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\``,
    `Machine: ${machineLine()}`,
    `Seeds: ${seeds.length} (convergence-1 … convergence-${seeds.length}); bound ${values['bound-hours']} simulated hours ("never" = not at target by then).`,
    'Times are simulated time from the first Azure write until Azure reports the pool steady at its target.',
    'Calls are Batch and ARM requests (token requests not counted); writes are add/resize/stop-resize/delete.',
    '',
    '### Alternatives',
    '',
    ...HEADER.map((h, i) => (i === 0 ? `${h} operator vs the others |` : `${h}---|`)),
  ];
  const log = (line: string) => {
    out.push(line);
    console.log(line);
  };
  for (const timeout of TIMEOUTS) {
    for (const profile of PROFILES) {
      for (const target of TARGETS) {
        if (values.only && !`${timeout.name} ${profile.name} ${target}`.includes(values.only)) continue;
        const summaries: CellSummary[] = [];
        for (const strategy of [waitOnce, fixedLoop, operator(), oracle]) {
          const { summary } = await runCell(strategy, profile, timeout, target);
          summaries.push(summary);
        }
        const v = verdict(summaries);
        for (const s of summaries)
          log(`${row(timeout, profile, target, s)} ${s.strategy === 'batchpool-operator' ? v : ''} |`);
      }
    }
  }

  // Issue 4: a 2,500-node target where half of all allocations fail, against one clean resize.
  const t20 = TIMEOUTS[0]!;
  const half = PROFILES.find((p) => p.failureProbability === 0.5)!;
  const clean = PROFILES.find((p) => p.failureProbability === 0)!;
  const ideal = (await runOne(oracle, clean, t20, 2500, 1, boundMs, stateDir)).outcome.reachedAfterMs! / 1000;
  const opRuns = records.filter(
    (r) =>
      r.strategy === 'batchpool-operator' &&
      r.profile === half.name &&
      r.timeout === t20.name &&
      r.target === 2500,
  );
  const oracleRuns = records.filter(
    (r) =>
      r.strategy === oracle.name && r.profile === half.name && r.timeout === t20.name && r.target === 2500,
  );
  if (opRuns.length) {
    out.push(
      '',
      `### 2,500 nodes, half of all allocations fail (${t20.name}): the operator against the ideal (one clean resize: ${formatSimDuration(ideal)})`,
      '',
      '| seed | operator | × ideal | backoff waited | (operator − backoff) × ideal | oracle | resizes | calls (GET pool / GET image / writes) |',
      '|---:|---:|---:|---:|---:|---:|---:|---|',
    );
    for (const r of opRuns) {
      const t = r.outcome.reachedAfterMs === undefined ? undefined : r.outcome.reachedAfterMs / 1000;
      const b = (r.outcome.backoffMs ?? 0) / 1000;
      const o = oracleRuns.find((x) => x.seed === r.seed)?.outcome.reachedAfterMs;
      const op = r.calls.byOperation;
      out.push(
        `| ${r.seed} | ${formatSimDuration(t)} | ${t === undefined ? '-' : (t / ideal).toFixed(2)} | ${formatSimDuration(b)} | ${t === undefined ? '-' : ((t - b) / ideal).toFixed(2)} | ${formatSimDuration(o === undefined ? undefined : o / 1000)} | ${r.outcome.resizes} | ${r.calls.calls} (${op.Pool_Get ?? 0} / ${op.Images_Get ?? 0} / ${r.calls.writes}) |`,
      );
    }
    console.log(out.slice(-opRuns.length - 4).join('\n'));
  }

  if (!values['no-variants']) {
    // How the operator's two knobs trade time for calls, at 2,500 nodes.
    out.push(
      '',
      '### Operator settings at 2,500 nodes: resize backoff (BatchPool spec) and resizing poll (operator flag)',
      '',
      ...HEADER,
    );
    const variants = [
      operator({ name: 'operator, defaults (backoff 30s..10m, poll 30s)' }),
      operator({ name: 'operator, backoff 30s..30s', backoff: { initial: '30s', max: '30s' } }),
      operator({ name: 'operator, poll 1m', settings: { resizingPollMs: 60_000 } }),
      operator({ name: 'operator, poll 2m', settings: { resizingPollMs: 120_000 } }),
      operator({
        name: 'operator, backoff 30s..30s, poll 2m',
        backoff: { initial: '30s', max: '30s' },
        settings: { resizingPollMs: 120_000 },
      }),
    ];
    for (const timeout of TIMEOUTS) {
      for (const profile of PROFILES.filter((p) => p.failureProbability > 0)) {
        if (values.only && !`${timeout.name} ${profile.name} 2500`.includes(values.only)) continue;
        for (const v of variants)
          log(row(timeout, profile, 2500, (await runCell(v, profile, timeout, 2500)).summary));
      }
    }
  }

  const fleetSizes = values.fleet ? values.fleet.split(',').map(Number) : [];
  const fleetSeeds = Array.from({ length: Number(values['fleet-seeds']) }, (_, i) => i + 1);
  const fleetRecords: FleetRecord[] = [];
  if (fleetSizes.length > 0) {
    out.push(
      '',
      `### N pools of one account converging together (seeds ${fleetSeeds.join(', ')}; an image per pool)`,
      '',
      'Calls per pool = all calls to the account / N. The fixed loop runs against the same seed and pool IDs, so each pool meets the same allocation luck under both. "Looks" are the observer\'s list calls (pools and node counts), shared by the account.',
      '',
      '| resize timeout | profile | target | N | fixed loop: mean time | calls per pool | operator: mean time | worst | calls per pool | of which looks | operator vs fixed loop |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    );
    for (const timeout of TIMEOUTS) {
      for (const profile of PROFILES) {
        for (const target of TARGETS) {
          if (values.only && !`${timeout.name} ${profile.name} ${target}`.includes(values.only)) continue;
          for (const n of fleetSizes) {
            const cell = { fixed: [] as FleetRecord[], op: [] as FleetRecord[] };
            for (const seed of fleetSeeds) {
              for (const [k, strategy] of [
                ['fixed', 'fixed loop'],
                ['op', 'batchpool-operator'],
              ] as const)
                cell[k].push(
                  await runFleetCell(strategy, profile, timeout, target, n, seed, boundMs, stateDir),
                );
            }
            fleetRecords.push(...cell.fixed, ...cell.op);
            log(fleetRow(timeout, profile, target, n, cell.fixed, cell.op));
          }
        }
      }
    }
  }

  const stormSeeds = Array.from({ length: Number(values['storm-seeds']) }, (_, i) => i + 1);
  const stormRecords: StormRecord[] = [];
  if (stormSeeds.length > 0 && !values.only) {
    const t20 = TIMEOUTS[0]!;
    const p30 = PROFILES.find((p) => p.failureProbability === 0.3)!;
    const settings: StormSetting[] = [
      { seconds: 0, retryAfterSeconds: 0 },
      { seconds: 600, retryAfterSeconds: 30 },
      { seconds: 600, retryAfterSeconds: 5 },
    ];
    out.push(
      '',
      `### One account answering 429 for 10 minutes (${t20.name}, ${p30.name}, 1000 nodes, 10 pools per account, seeds ${stormSeeds.join(', ')})`,
      '',
      'Three accounts, one operator (one work queue of 4, one request budget per account). From the start, every Batch call to the throttled account is answered 429 with the Retry-After shown, for 10 simulated minutes. Times are per pool from the apply; calls per pool include the 429s.',
      '',
      '| storm | account | reached | mean time | worst | calls per pool | 429s |',
      '|---|---|---:|---:|---:|---:|---:|',
    );
    for (const storm of settings) {
      const runs: StormRecord[] = [];
      for (const seed of stormSeeds)
        runs.push(await runStorm(storm, p30, t20, 1000, 10, seed, boundMs, stateDir));
      stormRecords.push(...runs);
      for (const [a, name] of runs[0]!.accounts.map((x) => x.name).entries()) {
        const times = runs.flatMap((r) => r.accounts[a]!.reachedAfterMs);
        const reached = times.filter((t): t is number => t !== undefined).map((t) => t / 1000);
        const pools = times.length;
        const calls = runs.reduce((sum, r) => sum + r.accounts[a]!.calls.calls, 0);
        const throttled = runs.reduce((sum, r) => sum + r.accounts[a]!.throttled, 0);
        const label =
          storm.seconds === 0
            ? 'none'
            : `${storm.seconds / 60} min, Retry-After ${storm.retryAfterSeconds} s`;
        log(
          `| ${label} | ${name} | ${reached.length}/${pools} | ${formatSimDuration(mean(reached))} | ${formatSimDuration(reached.length === pools ? Math.max(...reached) : undefined)} | ${(calls / pools).toFixed(1)} | ${throttled} |`,
        );
      }
    }
  }

  out.push('', `Wall time: ${((Date.now() - started) / 1000).toFixed(1)} s for ${records.length} runs.`);
  await mkdir(path.dirname(values.json), { recursive: true });
  await writeFile(
    values.json,
    JSON.stringify(
      { machine: machineLine(), seeds, boundMs, records, fleetRecords, stormRecords, report: out },
      null,
      2,
    ),
  );
  const md = values.json.replace(/\.json$/, '.md');
  await writeFile(md, `${out.join('\n')}\n`);
  console.log(`\nwrote ${values.json} and ${md}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();

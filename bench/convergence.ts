// Convergence against the alternatives: for each fault profile, target and resize-timeout setting, run
// wait-once, a fixed loop and the operator against the simulator (through the real Azure SDKs) with the
// same seeds, and report simulated time to target (or "never"), Azure calls and writes.
//
//   npm run bench:convergence -- [--seeds 5] [--bound-hours 48] [--json bench/results/convergence.json]

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startSimulator } from '../src/simulator/index.ts';
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
  const sim = await startSimulator({
    timeScale: 0,
    // Hashed text seeds: consecutive small integers give mulberry32 correlated first draws.
    seed: `convergence-${seed}`,
    stateDir,
    allocation: { ...timeout.allocation, failureProbability: profile.failureProbability },
    // 2,500 Standard_D4s_v5 nodes need 10,000 dedicated vCPUs: a quota a team asks Azure support for.
    quotas: { dedicatedCores: 10_000 },
  });
  try {
    sim.reset();
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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '10' },
      'bound-hours': { type: 'string', default: '48' },
      json: { type: 'string', default: 'bench/results/convergence.json' },
      only: { type: 'string' },
      'no-variants': { type: 'boolean', default: false },
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

  out.push('', `Wall time: ${((Date.now() - started) / 1000).toFixed(1)} s for ${records.length} runs.`);
  await mkdir(path.dirname(values.json), { recursive: true });
  await writeFile(
    values.json,
    JSON.stringify({ machine: machineLine(), seeds, boundMs, records, report: out }, null, 2),
  );
  const md = values.json.replace(/\.json$/, '.md');
  await writeFile(md, `${out.join('\n')}\n`);
  console.log(`\nwrote ${values.json} and ${md}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();

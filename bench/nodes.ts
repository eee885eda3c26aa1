// Usable capacity (issue 12): a pool whose nodes come up unusable or fail their start task, driven by the
// operator's real reconcile against the simulator through the real Azure SDKs on simulated time
// (bench/support/operator-harness.ts). For each spec.nodeRecovery mode: the simulated time until every node
// asked for is usable, how far count-based Ready (currentDedicatedNodes == target) overstates the usable
// capacity, and the Azure calls recovery costs over None; then the breaker, with every node unusable.
//
//   npm run bench:nodes -- [--nodes 1000] [--seeds 5] [--bound-hours 24] [--out bench/results/nodes.md]
//   npm run bench:nodes -- --nodes 50 --seeds 1 --out <file>   (the smoke run of test/unit/bench/nodes.test.ts)

import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { BatchPoolSpec } from '../src/api/types.ts';
import { DEFAULT_SETTINGS } from '../src/controller/plan/index.ts';
import { startSimulator, type NodeRates, type Simulator } from '../src/simulator/index.ts';
import { machineLine } from '../test/support/machine.ts';
import { seededRandom } from '../test/support/prng.ts';
import { connectAzure } from '../test/support/sim-azure.ts';
import { batchPool } from './convergence/operator-fleet.ts';
import { operatorHarness } from './support/operator-harness.ts';
import { formatSimDuration, mean, median } from './support/stats.ts';
import { tally, type CallTally } from './support/tally.ts';

type Mode = NonNullable<BatchPoolSpec['nodeRecovery']>['mode'];

export interface Scenario {
  name: string;
  /** The image's node rates: every pool of a broken image meets them. */
  rates: NodeRates;
  mode: Mode;
  maxActionsPerHour?: number;
  /** The breaker runs: stop an hour after the pool first goes Stalled. */
  untilStalled?: boolean;
}

/** What Azure and the nodes said at one moment (the truth, read from the simulator, not through Azure). */
export interface NodeSample {
  atMs: number;
  counted: number;
  usable: number;
  unusable: number;
  startTaskFailed: number;
}

export interface NodeRun {
  scenario: string;
  mode: Mode;
  seed: number;
  target: number;
  /** When Azure first said steady at the target: what count-based Ready would have called Ready. */
  countReady: NodeSample | undefined;
  /** Simulated time from the create until every node asked for was usable; undefined = never. */
  usableAfterMs: number | undefined;
  /** When the operator first said Ready (its pass, so up to a poll after the nodes). */
  readyAfterMs: number | undefined;
  stalled: { atMs: number; reason: string; recoveredBefore: number; callsBefore: CallTally } | undefined;
  /** The breaker runs: the hour after Stalled. */
  afterStalled?: { stillStalled: boolean; recovered: number; calls: number };
  end: NodeSample;
  rebooted: number;
  /** Reboots Azure refused with 409 (an unusable node cannot be rebooted): each still cost an action. */
  refusedReboots: number;
  removed: number;
  /** Batch and ARM calls, with their simulated time since the start, for comparing windows. */
  calls: { atMs: number; operation: string }[];
  tally: CallTally;
}

const POOL_ID = 'nodes-pool';
const HOUR_MS = 3_600_000;

function sample(sim: Simulator, atMs: number): NodeSample & { lastUsableAt: number } {
  const nodes = sim.pools.nodes(POOL_ID) ?? [];
  let usable = 0;
  let unusable = 0;
  let startTaskFailed = 0;
  let lastUsableAt = 0;
  for (const n of nodes) {
    if (n.state === 'idle' || n.state === 'running') {
      usable += 1;
      lastUsableAt = Math.max(lastUsableAt, Date.parse(String(n.stateTransitionTime)));
    } else if (n.state === 'unusable') unusable += 1;
    else if (n.state === 'starttaskfailed') startTaskFailed += 1;
  }
  return { atMs, counted: nodes.length, usable, unusable, startTaskFailed, lastUsableAt };
}

export async function runNodes(
  scenario: Scenario,
  target: number,
  seed: number,
  boundMs: number,
  stateDir: string,
): Promise<NodeRun> {
  const sim = await startSimulator({
    timeScale: 0,
    // The same text seed for every mode: the same node ids and the same fates for the same boots.
    seed: `nodes-${seed}`,
    stateDir,
    allocation: { bootDelaySeconds: 90, nodesPerMinute: 300 },
    quotas: { dedicatedCores: 10_000 },
  });
  try {
    sim.reset();
    const imageId = sim.images.createGalleryImageVersion('bench', 'ubuntu', '1.0.0');
    sim.faults.setImageNodeRates(imageId, scenario.rates);
    const azure = connectAzure(sim);
    const since = sim.requests.cursor();
    const object = batchPool(
      { account: 0, poolId: POOL_ID, imageId, target, resizeTimeout: 'PT20M' },
      'bench',
      sim.clock.now().getTime(),
    );
    // A start task that must succeed, else startTaskFailureRate has nothing to fail.
    object.spec.startTask = { commandLine: '/bin/sh -c true', waitForSuccess: true };
    object.spec.nodeRecovery = {
      mode: scenario.mode,
      ...(scenario.maxActionsPerHour && { maxActionsPerHour: scenario.maxActionsPerHour }),
    };
    const h = operatorHarness({ sim, azure, random: seededRandom(seed * 7919) }, object, DEFAULT_SETTINGS);
    const { time } = h;
    const recovered = () =>
      h.actions.reduce(
        (n, a) => n + (a.kind === 'rebootNodes' || a.kind === 'removeNodes' ? a.nodeIds.length : 0),
        0,
      );
    const callsNow = () =>
      sim.requests
        .list({ since })
        .filter((e) => e.api === 'batch' || e.api === 'arm')
        .map((e) => ({ atMs: Date.parse(e.simTime) - time.start, operation: e.operation }));
    let countReady: NodeSample | undefined;
    let usableAfterMs: number | undefined;
    let readyAfterMs: number | undefined;
    let stalled: NodeRun['stalled'];
    let afterStalled: NodeRun['afterStalled'];
    const steadyAtTarget = () => {
      const v = sim.pools.get(POOL_ID);
      return v?.allocationState === 'steady' && v.currentDedicatedNodes === target;
    };
    for (;;) {
      let wait = await h.pass();
      const status = h.kube.pools.get(h.key)?.status;
      const now = sample(sim, time.elapsed());
      countReady ??= steadyAtTarget() ? now : undefined;
      if (usableAfterMs === undefined && now.usable === target && now.counted === target)
        usableAfterMs = now.lastUsableAt - time.start;
      if (readyAfterMs === undefined && status?.phase === 'Ready') readyAfterMs = time.elapsed();
      if (!stalled && status?.phase === 'Stalled') {
        const reason = status.conditions?.find((c) => c.type === 'Stalled')?.reason ?? '?';
        const callsBefore = tally(sim.requests.list({ since }));
        stalled = { atMs: time.elapsed(), reason, recoveredBefore: recovered(), callsBefore };
      }
      if (scenario.untilStalled && stalled && time.elapsed() >= stalled.atMs + HOUR_MS) {
        afterStalled = {
          stillStalled: status?.phase === 'Stalled',
          recovered: recovered() - stalled.recoveredBefore,
          calls: callsNow().filter((c) => c.atMs > stalled!.atMs).length,
        };
        break;
      }
      if (!scenario.untilStalled && usableAfterMs !== undefined && readyAfterMs !== undefined) break;
      if (time.elapsed() > boundMs) break;
      // Stop where the create's allocation ends: count-based Ready is judged at that very moment.
      const endsAt = sim.pools.get(POOL_ID)?.allocationEndsAt;
      if (!countReady && endsAt && Date.parse(endsAt) - time.now() <= wait) {
        const step = Math.max(0, Date.parse(endsAt) - time.now());
        time.sleep(step);
        wait -= step;
        if (steadyAtTarget()) countReady = sample(sim, time.elapsed());
      }
      time.sleep(wait);
    }
    const kinds = (k: string) =>
      h.actions.reduce((n, a) => n + (a.kind === k && 'nodeIds' in a ? a.nodeIds.length : 0), 0);
    const { lastUsableAt: _, ...end } = sample(sim, time.elapsed());
    return {
      scenario: scenario.name,
      mode: scenario.mode,
      seed,
      target,
      countReady,
      usableAfterMs,
      readyAfterMs,
      stalled,
      ...(afterStalled && { afterStalled }),
      end,
      rebooted: kinds('rebootNodes'),
      refusedReboots: sim.requests
        .list({ since, operation: 'ComputeNode_Reboot' })
        .filter((e) => e.status === 409).length,
      removed: kinds('removeNodes'),
      calls: callsNow(),
      tally: tally(sim.requests.list({ since })),
    };
  } finally {
    sim.reset();
    await sim.close();
  }
}

/** Calls by operation in the first `ms` of a run. */
export function byOperationUntil(run: NodeRun, ms: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of run.calls) if (c.atMs <= ms) out[c.operation] = (out[c.operation] ?? 0) + 1;
  return out;
}

/**
 * What recovery costs over None for the same seed and the same simulated time (the recovery run's length):
 * per operation, the mean over seeds of (calls with recovery − calls with None).
 */
export function extraCalls(runs: readonly NodeRun[], none: readonly NodeRun[]): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const r of runs) {
    const base = none.find((n) => n.seed === r.seed);
    if (!base) continue;
    const until = r.calls.at(-1)?.atMs ?? 0;
    const a = byOperationUntil(r, until);
    const b = byOperationUntil(base, until);
    for (const op of new Set([...Object.keys(a), ...Object.keys(b)]))
      sums[op] = (sums[op] ?? 0) + (a[op] ?? 0) - (b[op] ?? 0);
  }
  return Object.fromEntries(Object.entries(sums).map(([op, s]) => [op, s / runs.length]));
}

const f = (ms: number | undefined) => formatSimDuration(ms === undefined ? undefined : ms / 1000);
const num = (x: number | undefined, digits = 1) =>
  x === undefined ? '-' : String(Math.round(x * 10 ** digits) / 10 ** digits);
/** Median and mean of times, "never" counted as longer than any time; the mean only when all arrived. */
function times(xs: readonly (number | undefined)[]): { median: string; mean: string; worst: string } {
  const arrived = xs.filter((x) => x !== undefined);
  const all = arrived.length === xs.length;
  const m = median(xs.map((x) => x ?? Infinity));
  return {
    median: f(m === undefined || !Number.isFinite(m) ? undefined : m),
    mean: all ? f(mean(arrived)) : 'never',
    worst: all ? f(Math.max(...arrived)) : 'never',
  };
}
const opsText = (ops: Record<string, number>) =>
  Object.entries(ops)
    .filter(([, n]) => Math.abs(n) >= 0.05)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, n]) => `${op} ${n > 0 ? '+' : ''}${num(n)}`)
    .join(', ') || 'none';

export interface BenchOptions {
  nodes: number;
  seeds: number;
  boundHours: number;
  stateDir: string;
  log?: (line: string) => void;
}

export const BAD_RATES: NodeRates = { unusableRate: 0.05, startTaskFailureRate: 0.03 };
export const BROKEN_IMAGE: NodeRates = { unusableRate: 1 };

export function scenarios(nodes: number): { recovery: Scenario[]; breaker: Scenario[] } {
  const bad = (mode: Mode, maxActionsPerHour?: number): Scenario => ({
    name: maxActionsPerHour ? `${mode}, maxActionsPerHour ${maxActionsPerHour}` : `${mode}`,
    rates: BAD_RATES,
    mode,
    ...(maxActionsPerHour && { maxActionsPerHour }),
  });
  // A budget sized to the pool: a fifth of it an hour, enough for its 8 % bad nodes and their replacements.
  const sized = Math.min(2500, Math.max(1, Math.ceil(nodes / 5)));
  return {
    recovery: [bad('None'), bad('Reboot'), bad('Remove'), bad('Reboot', sized), bad('Remove', sized)],
    breaker: (['None', 'Reboot', 'Remove'] as const).map((mode) => ({
      name: mode,
      rates: BROKEN_IMAGE,
      mode,
      untilStalled: true,
    })),
  };
}

export async function runBench(o: BenchOptions): Promise<{ report: string[]; runs: NodeRun[] }> {
  const log = o.log ?? (() => undefined);
  const seeds = Array.from({ length: o.seeds }, (_, i) => i + 1);
  const boundMs = o.boundHours * HOUR_MS;
  const started = Date.now();
  const runs: NodeRun[] = [];
  const cell = async (s: Scenario) => {
    const out: NodeRun[] = [];
    for (const seed of seeds) out.push(await runNodes(s, o.nodes, seed, boundMs, o.stateDir));
    runs.push(...out);
    log(`${s.name}${s.untilStalled ? ' (broken image)' : ''}: ${out.length} runs done`);
    return out;
  };
  const { recovery, breaker } = scenarios(o.nodes);
  const byMode = new Map<string, NodeRun[]>();
  for (const s of recovery) byMode.set(s.name, await cell(s));
  const none = byMode.get('None')!;

  const r: string[] = [
    `Machine: ${machineLine()}`,
    `Pool: ${o.nodes} dedicated Standard_D4s_v5 nodes, resizeTimeout PT20M, a start task with waitForSuccess; ` +
      "the simulator's node lifecycle defaults (creating 30 s, starting 60 s, start task 30 s, reboot 60 s) and " +
      'allocation at 90 s boot delay + 300 nodes/min. Operator defaults (poll 30 s, steady resync 5 m + up to 25 % ' +
      'jitter, breaker 50 % / 1h / 3 nodes, maxActionsPerHour 50), no account observer: every pass GETs its pool ' +
      'and its /nodecounts.',
    `Seeds: ${seeds.length} (nodes-1 … nodes-${seeds.length}); bound ${o.boundHours} simulated hours ("never" = ` +
      'not all usable by then). Times are simulated, from the create. "Usable" is idle or running, read from the ' +
      "simulator's node list, not through Azure.",
    '',
    `### ${o.nodes} nodes, ${BAD_RATES.unusableRate! * 100} % come up unusable, ${BAD_RATES.startTaskFailureRate! * 100} % fail their start task`,
    '',
    '| nodeRecovery | all usable | median time | mean time | worst | operator Ready (median) | went Stalled | nodes rebooted (mean) | of which refused, 409 | nodes removed (mean) | Azure calls (mean) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [name, rs] of byMode) {
    const t = times(rs.map((x) => x.usableAfterMs));
    const stalled = [...new Set(rs.map((x) => x.stalled?.reason).filter(Boolean))].join(', ');
    r.push(
      `| ${name} | ${rs.filter((x) => x.usableAfterMs !== undefined).length}/${rs.length} | ${t.median} | ${t.mean} | ${t.worst} | ${times(rs.map((x) => x.readyAfterMs)).median} | ${rs.filter((x) => x.stalled).length}/${rs.length}${stalled ? ` (${stalled})` : ''} | ${num(mean(rs.map((x) => x.rebooted)))} | ${num(mean(rs.map((x) => x.refusedReboots)))} | ${num(mean(rs.map((x) => x.removed)))} | ${num(mean(rs.map((x) => x.tally.calls)))} |`,
    );
  }

  r.push(
    '',
    '### Count-based Ready against usable capacity (nodeRecovery None)',
    '',
    'When Azure first says the pool is steady at its target (what `currentDedicatedNodes == target` calls Ready), ' +
      'and at the end of the bound:',
    '',
    '| seed | count-based Ready at | counted | usable then | overstated by (nodes, over usable) | counted at end | usable at end | unusable | start task failed | overstated by |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  const over = (s: NodeSample | undefined) =>
    s
      ? `${s.counted - s.usable}${s.usable > 0 ? ` (+${Math.round(((s.counted - s.usable) * 100) / s.usable)} %)` : ''}`
      : '-';
  for (const x of none) {
    const c = x.countReady;
    r.push(
      `| ${x.seed} | ${f(c?.atMs)} | ${c?.counted ?? '-'} | ${c?.usable ?? '-'} | ${over(c)} | ${x.end.counted} | ${x.end.usable} | ${x.end.unusable} | ${x.end.startTaskFailed} | ${over(x.end)} |`,
    );
  }
  const meanOf = (g: (x: NodeRun) => number | undefined) => mean(none.map(g).filter((v) => v !== undefined));
  const medOf = (g: (x: NodeRun) => number | undefined) => median(none.map(g).filter((v) => v !== undefined));
  for (const [label, agg] of [
    ['mean', meanOf],
    ['median', medOf],
  ] as const) {
    r.push(
      `| ${label} | ${f(agg((x) => x.countReady?.atMs))} | ${num(agg((x) => x.countReady?.counted))} | ${num(agg((x) => x.countReady?.usable))} | | ${num(agg((x) => x.end.counted))} | ${num(agg((x) => x.end.usable))} | ${num(agg((x) => x.end.unusable))} | ${num(agg((x) => x.end.startTaskFailed))} | |`,
    );
  }

  r.push(
    '',
    '### What recovery costs in Azure calls',
    '',
    'Per run, mean over seeds: the calls of the recovery run until the operator said Ready, and what None made ' +
      'in the same simulated time with the same seed; the difference is what recovery costs.',
    '',
    '| nodeRecovery | calls | None, same time | extra | extra by operation |',
    '|---|---:|---:|---:|---|',
  );
  for (const [name, rs] of byMode) {
    if (name === 'None') continue;
    const extra = extraCalls(rs, none);
    const total = mean(rs.map((x) => x.calls.length)) ?? 0;
    const base = mean(
      rs.map((x) => {
        const n = none.find((y) => y.seed === x.seed)!;
        const until = x.calls.at(-1)?.atMs ?? 0;
        return n.calls.filter((c) => c.atMs <= until).length;
      }),
    );
    r.push(`| ${name} | ${num(total)} | ${num(base)} | ${num(total - (base ?? 0))} | ${opsText(extra)} |`);
  }
  const noneOps = Object.fromEntries(
    Object.entries(
      none.reduce<Record<string, number>>((acc, x) => {
        for (const [op, n] of Object.entries(x.tally.byOperation)) acc[op] = (acc[op] ?? 0) + n;
        return acc;
      }, {}),
    ).map(([op, n]) => [op, n / none.length]),
  );
  r.push(
    '',
    `None itself over the whole ${o.boundHours} h (mean): ${num(mean(none.map((x) => x.tally.calls)))} calls: ${opsText(noneOps).replaceAll('+', '')}.`,
  );

  r.push(
    '',
    '### The breaker: every node comes up unusable (an image with unusableRate 1)',
    '',
    'Time to Stalled from the create; nodes rebooted or removed before; calls until Stalled; then the hour after.',
    '',
    '| nodeRecovery | Stalled | reason | median time | mean time | count-based Ready (median) | nodes recovered before (mean) | calls until Stalled (mean) | by operation (mean) | still Stalled an hour later | recovered in that hour | calls in that hour (mean) |',
    '|---|---:|---|---:|---:|---:|---:|---:|---|---:|---:|---:|',
  );
  for (const s of breaker) {
    const rs = await cell(s);
    const st = rs.map((x) => x.stalled);
    const t = times(st.map((x) => x?.atMs));
    const reasons = [...new Set(st.map((x) => x?.reason ?? 'never'))].join(', ');
    const ops: Record<string, number> = {};
    for (const x of st)
      for (const [op, n] of Object.entries(x?.callsBefore.byOperation ?? {}))
        ops[op] = (ops[op] ?? 0) + n / rs.length;
    r.push(
      `| ${s.name} | ${st.filter(Boolean).length}/${rs.length} | ${reasons} | ${t.median} | ${t.mean} | ${times(rs.map((x) => x.countReady?.atMs)).median} | ${num(mean(st.map((x) => x?.recoveredBefore ?? 0)))} | ${num(mean(st.map((x) => x?.callsBefore.calls ?? 0)))} | ${opsText(ops).replaceAll('+', '')} | ${rs.filter((x) => x.afterStalled?.stillStalled).length}/${rs.length} | ${num(mean(rs.map((x) => x.afterStalled?.recovered ?? 0)))} | ${num(mean(rs.map((x) => x.afterStalled?.calls ?? 0)))} |`,
    );
  }

  r.push(
    '',
    '### Per seed',
    '',
    `| seed | ${[...byMode.keys()].join(' | ')} |`,
    `|---:|${[...byMode.keys()].map(() => '---:').join('|')}|`,
  );
  for (const seed of seeds) {
    const cells = [...byMode.values()].map((rs) => {
      const x = rs.find((y) => y.seed === seed)!;
      return `${f(x.usableAfterMs)} (${x.rebooted}r/${x.removed}x, ${x.calls.length} calls)`;
    });
    r.push(`| ${seed} | ${cells.join(' | ')} |`);
  }
  r.push(
    '',
    'Each cell: time until all usable (rebooted / removed nodes, Azure calls).',
    '',
    `Wall time: ${((Date.now() - started) / 1000).toFixed(1)} s for ${runs.length} runs.`,
  );
  return { report: r, runs };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      nodes: { type: 'string', default: '1000' },
      seeds: { type: 'string', default: '5' },
      'bound-hours': { type: 'string', default: '24' },
      out: { type: 'string', default: 'bench/results/nodes.md' },
    },
  });
  const command = `npm run bench:nodes -- ${process.argv.slice(2).join(' ')}`.trim();
  const { report } = await runBench({
    nodes: Number(values.nodes),
    seeds: Number(values.seeds),
    boundHours: Number(values['bound-hours']),
    stateDir: path.join(os.tmpdir(), `bench-nodes-${process.pid}`),
    log: (line) => console.log(line),
  });
  const text = [`Command: \`${command.replace(/ --$/, '')}\``, ...report].join('\n');
  console.log(`\n${text}`);
  await mkdir(path.dirname(values.out), { recursive: true });
  await writeFile(values.out, `${text}\n`);
  console.log(`\nwrote ${values.out}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();

// The operator's fixed footprint: what each module the `run` entry point loads costs in memory before it has
// seen a single BatchPool. Each step runs in a fresh Node process that imports the modules of the steps
// before it (in the order src/main.ts needs them), then that step's module, and reports the process's
// memory after two full GCs; the table is the delta each step adds. So a library's cost is measured once,
// where it is first loaded, and shared dependencies are charged to whoever loads them first.
//
//   npm run bench:footprint -- [--entry src|tsc|dist] [--runs 3] [--node-args "..."] [--out FILE]
//
// --entry src (the default) loads the TypeScript sources through Node's type stripping, as the e2e suite and
// `npm start` run them; --entry tsc loads tsc's output (`npx tsc -p tsconfig.json --noEmit false --outDir
// .tsc-out`), one JavaScript file per source file, as the container ran before the bundle; --entry dist loads
// the bundle of `npm run build`, as the container runs it now. A bundle has no module boundaries to measure
// between, so for dist the table has one step: the chunk that `run` loads, with the libraries inside it.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { machineLine } from '../test/support/machine.ts';
import { REPO_ROOT } from '../test/support/paths.ts';

/** What one step loads: a package name, or a source module relative to src/ (without extension). */
const STEPS: readonly string[] = [
  'pino',
  'prom-client',
  'yaml',
  'p-retry',
  '@peculiar/x509',
  '@azure/core-rest-pipeline',
  '@azure-rest/core-client',
  '@azure/identity',
  '@azure/arm-compute',
  '@kubernetes/client-node',
  'src/log',
  'src/config',
  'src/observability/metrics',
  'src/observability/server',
  'src/azure/clients',
  'src/kube/client',
  'src/kube/informer',
  'src/controller/controller',
  'src/ha/leader-election',
  'src/main',
];

interface Sample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  code: number;
  ms: number;
}

// Runs in the child: imports, collects the garbage, reports. Plain JavaScript so that measuring compiled
// output needs no type stripping.
const CHILD = `
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const specs = JSON.parse(process.argv[1]);
const t0 = performance.now();
for (const s of specs) await import(s.startsWith('/') ? pathToFileURL(s).href : s);
const ms = performance.now() - t0;
gc(); gc();
const m = process.memoryUsage();
const code = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'code_space')?.space_used_size ?? 0;
console.log(JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, code, ms }));
`;

function sample(specs: string[], nodeArgs: string[]): Sample {
  const out = execFileSync(
    process.execPath,
    [...nodeArgs, '--input-type=module', '-e', CHILD, JSON.stringify(specs)],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!) as Sample;
}

/** Median of several runs per step: RSS moves by a MiB or two between identical processes. */
function median(specs: string[], nodeArgs: string[], runs: number): Sample {
  const all = Array.from({ length: runs }, () => sample(specs, nodeArgs));
  const mid = (k: keyof Sample) => all.map((s) => s[k]).sort((a, b) => a - b)[Math.floor(runs / 2)]!;
  return {
    rss: mid('rss'),
    heapUsed: mid('heapUsed'),
    heapTotal: mid('heapTotal'),
    external: mid('external'),
    code: mid('code'),
    ms: mid('ms'),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      entry: { type: 'string', default: 'src' },
      runs: { type: 'string', default: '3' },
      'node-args': { type: 'string', default: '' },
      out: { type: 'string' },
    },
  });
  const entry = values.entry;
  if (entry !== 'src' && entry !== 'tsc' && entry !== 'dist') throw new Error('--entry is src, tsc or dist');
  const runs = Number(values.runs);
  const nodeArgs = values['node-args'].split(' ').filter(Boolean);
  const resolve = (step: string) => {
    if (!step.startsWith('src/')) return step;
    const file = entry === 'src' ? `${step}.ts` : `.tsc-out/${step}.js`;
    const abs = path.join(REPO_ROOT, file);
    if (!existsSync(abs)) throw new Error(`${file} is missing`);
    return abs;
  };
  const mainChunk = () => {
    const dir = path.join(REPO_ROOT, 'dist/chunks');
    const found = existsSync(dir) ? readdirSync(dir).filter((f) => /^main-.*\.js$/.test(f)) : [];
    if (found.length !== 1) throw new Error('dist/chunks/main-*.js not found: npm run build');
    return path.join(dir, found[0]!);
  };
  // Importing one .ts file is what loads Node's type stripper; charge it to its own step.
  const firstTs = path.join(REPO_ROOT, 'src/clock.ts');
  const steps =
    entry === 'src'
      ? [...STEPS.slice(0, 10), 'src/clock', ...STEPS.slice(10)]
      : entry === 'tsc'
        ? STEPS
        : ['dist: the chunk of `run` (src/main.ts and every library it imports)'];

  const MiB = (n: number) => (n / 2 ** 20).toFixed(1);
  const lines: string[] = [
    `Machine: ${machineLine()}`,
    `Entry: ${{ src: 'src/*.ts (type stripping)', tsc: "tsc's output, one .js per source file", dist: 'the esbuild bundle (npm run build)' }[entry]}; Node flags: ${nodeArgs.join(' ') || '(none)'}; median of ${runs} fresh processes per step, after two full GCs`,
    '',
    '| step (cumulative) | RSS | Δ RSS | Δ heap used | Δ external | Δ code space | heap used | import time |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const print = (s: string) => {
    lines.push(s);
    console.log(s);
  };
  for (const l of lines) console.log(l);
  let prev = median([], nodeArgs, runs);
  print(`| node (nothing imported) | ${MiB(prev.rss)} | | | | | ${MiB(prev.heapUsed)} | |`);
  const specs: string[] = [];
  for (const step of steps) {
    specs.push(step === 'src/clock' ? firstTs : entry === 'dist' ? mainChunk() : resolve(step));
    const s = median(specs, nodeArgs, runs);
    const label = step === 'src/clock' ? 'type stripping (first .ts module)' : step;
    print(
      `| + ${label} | ${MiB(s.rss)} | ${MiB(s.rss - prev.rss)} | ${MiB(s.heapUsed - prev.heapUsed)} | ${MiB(s.external - prev.external)} | ${MiB(s.code - prev.code)} | ${MiB(s.heapUsed)} | ${s.ms.toFixed(0)} ms |`,
    );
    prev = s;
  }
  if (values.out) await writeFile(values.out, lines.join('\n') + '\n');
}

await main();

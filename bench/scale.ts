// Scale: thousands of BatchPools in a real local apiserver, one operator process, the simulator as Azure.
// For each level (default 1,000 then 5,000 pools): time from bulk apply until every pool is Ready, the
// operator's peak RSS and CPU time, reconcile latency (its Prometheus histogram), apply-to-create latency
// (object created → the operator's create decision, logged after Azure answered the pool add), Azure GETs per
// pool per hour at steady state, and kube API requests (apiserver_request_total). Before the bulk levels and
// after each, single BatchPools are applied one by one to measure apply-to-create latency with 1, 100, 1,000 …
// pools in the cluster.
//
// Beside our operator, each level also runs the Go peer (bench/peer: controller-runtime doing the Kubernetes
// half of the job) over the same BatchPools on the same apiserver, in a phase of its own: our operator
// starts fresh for the level, takes the bulk apply, the probes and the steady window, and is stopped; then
// the peer starts fresh over exactly the objects our operator left (same count, same size: our status, our
// finalizer), puts its own finalizer on each, reconciles all of them and is held as long as our operator's
// steady window (30 s at levels without one); then it is stopped too. Both are measured the same way
// (VmHWM and CPU time from /proc) and the table gives the ratio. --no-peer skips the peer (and then our
// operator runs as one process across all levels, as before the peer).
//
//   npm run bench:scale -- [--levels 1,100,1000,5000] [--probes 20] [--steady-window 400] [--operator-args "..."]
//                          [--no-peer] [--entry dist/cli.js | src/cli.ts] [--no-image-flags] [--node-args "..."]
//
// The operator runs as the container runs it: the bundle of `npm run build`, which the script builds first,
// started with the Node flags of the Dockerfile's ENTRYPOINT (--no-image-flags: without them); --entry
// src/cli.ts runs the TypeScript sources instead (about 90 MiB more RSS idle: see bench/footprint.ts).

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { API_VERSION, GROUP, VERSION, type BatchPool } from '../src/api/types.ts';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { startCluster } from '../test/cluster/start-cluster.ts';
import { applyAccount } from '../test/support/e2e/accounts.ts';
import { installCrds } from '../test/support/e2e/install.ts';
import { kubectlOk } from '../test/support/kubectl.ts';
import { machineLine } from '../test/support/machine.ts';
import { freePort } from '../test/support/net.ts';
import { OperatorProcess } from '../test/support/operator-process.ts';
import { execForm, parseDockerfile } from '../scripts/docker-recipe.ts';
import { REPO_ROOT } from '../test/support/paths.ts';
import { buildPeer, PeerProcess, peerControllerRuntimeVersion } from './support/peer-process.ts';
import { median, percentile } from './support/stats.ts';
import { tally } from './support/tally.ts';

const NS = 'scale';
const ACCOUNT = 'scale';
/** The peer's finalizer: not ours, so the peer never takes ours off (see bench/peer/main.go). */
const PEER_FINALIZER = 'bench.pooloperator.dev/peer';
/** How long the peer is held after its first pass at a level without a steady window. */
const PEER_SETTLE_S = 30;

/** Quantile from a Prometheus histogram (linear inside the bucket, as histogram_quantile does). */
export function histogramQuantile(buckets: { le: number; count: number }[], q: number): number | undefined {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of sorted) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return prevLe;
      return prevLe + ((b.le - prevLe) * (rank - prevCount)) / Math.max(1, b.count - prevCount);
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

function bucketsOf(samples: Map<string, number>, name: string): { le: number; count: number }[] {
  const out: { le: number; count: number }[] = [];
  for (const [k, v] of samples) {
    if (!k.startsWith(`${name}_bucket{`)) continue;
    const le = /le="([^"]+)"/.exec(k)?.[1];
    if (le) out.push({ le: le === '+Inf' ? Infinity : Number(le), count: v });
  }
  return out;
}

function diffBuckets(after: { le: number; count: number }[], before: { le: number; count: number }[]) {
  return after.map((b) => ({ le: b.le, count: b.count - (before.find((x) => x.le === b.le)?.count ?? 0) }));
}

async function apiserverRequests(): Promise<number> {
  const text = await kubectlOk(['get', '--raw', '/metrics'], { timeoutMs: 60_000 });
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith('apiserver_request_total{')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

interface Bench {
  sim: Simulator;
  custom: CustomObjectsApi;
  op: OperatorProcess;
  metricsPort: number;
  /** Wall time the operator logged its create decision, per pool name. */
  created: Map<string, number>;
  /** Requests this script made to the apiserver (subtracted from apiserver_request_total). */
  ownRequests: number;
}

function manifest(sim: Simulator, name: string): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: 'BatchPool',
    metadata: { name, namespace: NS },
    spec: {
      accountRef: { name: ACCOUNT },
      vmSize: 'Standard_D4s_v5',
      // One image per pool, as the source document advises (pools on one image share its node limits).
      image: { id: sim.images.createGalleryImageVersion(`gal-${name}`, 'ubuntu', '1.0.0') },
      nodeAgentSkuId: 'batch.node.ubuntu 22.04',
      targetDedicatedNodes: 2,
    },
  };
}

/** Creates the pools with a few requests in flight; returns when each create was answered. */
async function createPools(b: Bench, names: string[], inFlight = 16): Promise<Map<string, number>> {
  const at = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++]!;
      await b.custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: 'batchpools',
        body: manifest(b.sim, name),
      });
      b.ownRequests += 1;
      at.set(name, Date.now());
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return at;
}

async function listPools(b: Bench): Promise<BatchPool[]> {
  b.ownRequests += 1;
  const r = (await b.custom.listNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: NS,
    plural: 'batchpools',
  })) as { items: BatchPool[] };
  return r.items;
}

async function waitAllReady(b: Bench, count: number, timeoutMs: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    const items = await listPools(b);
    const ready = items.filter((p) => p.status?.phase === 'Ready').length;
    b.op.sample();
    if (ready >= count) return Date.now();
    if (Date.now() - start > timeoutMs) throw new Error(`only ${ready}/${count} Ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

async function probeLatency(b: Bench, level: number, probes: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < probes; i++) {
    const name = `probe-${level}-${i}`;
    const at = (await createPools(b, [name], 1)).get(name)!;
    const end = Date.now() + 60_000;
    while (!b.created.has(name)) {
      if (Date.now() > end) throw new Error(`no create for ${name}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    out.push(b.created.get(name)! - at);
    await new Promise((r) => setTimeout(r, 250));
  }
  return out;
}

const reconcilesIn = (m: Map<string, number>) =>
  bucketsOf(m, 'controller_runtime_reconcile_time_seconds').find((x) => !Number.isFinite(x.le))?.count ?? 0;

/** Waits until a process's reconcile histogram has counted `count` reconciles. */
async function waitReconciled(
  metrics: () => Promise<Map<string, number>>,
  count: number,
  timeoutMs: number,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (reconcilesIn(await metrics()) < count) {
    if (Date.now() > end) throw new Error(`fewer than ${count} reconciles after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * The peer's phase of a level (`before`: taken just before it was started): from its start until it has reconciled every pool, its work queue is empty and
 * every pool carries its finalizer (the first pass); then `holdS` more seconds, sampled every 2 s.
 */
async function peerPhase(
  b: Bench,
  peer: PeerProcess,
  count: number,
  holdS: number,
  before: { t0: number; req0: number; own0: number },
) {
  const { t0, req0, own0 } = before;
  const end = t0 + 30 * 60_000;
  for (;;) {
    peer.sample();
    const m = await peer.metrics();
    let depth = 0;
    for (const [k, v] of m)
      if (k.startsWith('workqueue_depth{') && k.includes('name="batchpool"')) depth += v;
    if (reconcilesIn(m) >= count && depth === 0) {
      const items = await listPools(b);
      const marked = items.filter((p) => p.metadata.finalizers?.includes(PEER_FINALIZER)).length;
      if (marked >= count) break;
    }
    if (Date.now() > end)
      throw new Error(`the peer did not finish its first pass:\n${peer.recent.slice(-30).join('\n')}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const firstPassS = (Date.now() - t0) / 1000;
  const cpuFirstPass = peer.sample().cpuSeconds;
  const holdEnd = Date.now() + holdS * 1000;
  while (Date.now() < holdEnd) {
    peer.sample();
    await new Promise((r) => setTimeout(r, Math.min(2000, Math.max(0, holdEnd - Date.now()))));
  }
  const m = await peer.metrics();
  const req1 = await apiserverRequests();
  return {
    firstPassS,
    cpuFirstPass,
    lifeS: (Date.now() - t0) / 1000,
    heapMiB: (m.get('go_memstats_heap_inuse_bytes') ?? 0) / 2 ** 20,
    reconciles: reconcilesIn(m),
    writes: {
      finalizer: m.get('batchpool_peer_writes_total{kind="finalizer"}') ?? 0,
      status: m.get('batchpool_peer_writes_total{kind="status"}') ?? 0,
    },
    requests: req1 - req0 - (b.ownRequests - own0),
  };
}

/** The Node flags the image starts the operator with: those between `node` and the script in ENTRYPOINT. */
function imageNodeFlags(): string[] {
  const stages = parseDockerfile(readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8'));
  const entry = stages.at(-1)!.instructions.findLast((i) => i.op === 'ENTRYPOINT');
  return entry ? execForm('ENTRYPOINT', entry.args).slice(1, -1) : [];
}

/** The container's entry point is the bundle; measure that, not the TypeScript sources. */
function buildBundle(): void {
  const r = spawnSync(process.execPath, ['scripts/build.ts'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`npm run build failed (${r.status ?? r.signal})`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      levels: { type: 'string', default: '1,100,1000,5000' },
      probes: { type: 'string', default: '20' },
      'steady-window': { type: 'string', default: '400' },
      'steady-at': { type: 'string', default: '1000,5000' },
      'operator-args': { type: 'string', default: '' },
      out: { type: 'string', default: 'bench/results/scale' },
      /** The operator's entry point; by default the bundle the container runs, built first (npm run build). */
      entry: { type: 'string', default: 'dist/cli.js' },
      /** Extra Node flags for the operator, e.g. "--max-old-space-size=192". */
      'node-args': { type: 'string', default: '' },
      /** Preload bench/support/reuse-kube-dispatcher.ts: one kube HTTP dispatcher instead of one per request. */
      'kube-dispatcher-fix': { type: 'boolean', default: false },
      /** Start the bundle with plain `node`, without the Node flags of the Dockerfile's ENTRYPOINT. */
      'no-image-flags': { type: 'boolean', default: false },
      /** Skip the Go peer (bench/peer) and its phase at each level. */
      'no-peer': { type: 'boolean', default: false },
    },
  });
  const levels = values.levels.split(',').map(Number);
  const steadyAt = new Set(values['steady-at'].split(',').map(Number));
  const probes = Number(values.probes);
  const windowS = Number(values['steady-window']);
  const operatorArgs = values['operator-args'].split(' ').filter(Boolean);
  const asImage = values.entry === 'dist/cli.js' && !values['no-image-flags'];
  if (values.entry === 'dist/cli.js') buildBundle();
  const nodeArgs = [...(asImage ? imageNodeFlags() : []), ...values['node-args'].split(' ').filter(Boolean)];
  const report: string[] = [
    `Machine: ${machineLine()}`,
    `Operator: ${values.entry}; operator flags: ${operatorArgs.join(' ') || '(defaults)'}; Node flags: ${nodeArgs.join(' ') || '(none)'}${asImage ? " (the image's ENTRYPOINT)" : ''}; kube dispatcher fix: ${values['kube-dispatcher-fix'] ? 'on' : 'off'}`,
    '',
  ];
  const log = (s: string) => {
    report.push(s);
    console.log(s);
  };

  const peerBin = values['no-peer'] ? undefined : await buildPeer();
  if (peerBin)
    report.splice(
      2,
      0,
      `Peer: bench/peer on controller-runtime ${peerControllerRuntimeVersion()}, default flags (one worker, leader election off, managedFields stripped in the cache), finalizer ${PEER_FINALIZER}; each level runs our operator, then the peer, over the same pools`,
    );
  const cluster = await startCluster({ stderr: 'ignore' });
  Object.assign(process.env, cluster.env);
  const sim = await startSimulator({
    timeScale: 60,
    seed: 'scale',
    allocation: { bootDelaySeconds: 30, nodesPerMinute: 300 },
    // Thousands of pools of Standard_D4s_v5 nodes, far beyond Azure's default quotas (100 pools, 900
    // vCPUs): a fleet this size runs on quotas raised through Azure support.
    quotas: { pools: 20_000, dedicatedCores: 200_000, lowPriorityCores: 200_000 },
  });
  let op: OperatorProcess | undefined;
  let peer: PeerProcess | undefined;
  try {
    await installCrds();
    await kubectlOk(['create', 'namespace', NS]);
    await applyAccount({
      name: ACCOUNT,
      endpoint: sim.info.batchUrl,
      location: sim.info.location,
      allowedNamespaces: [NS],
    });
    const kc = new KubeConfig();
    kc.loadFromDefault();
    const metricsPort = await freePort();
    const created = new Map<string, number>();
    const recent: string[] = [];
    process.on('exit', (code) => {
      if (code !== 0) console.error(`last operator log lines:\n${recent.slice(-30).join('\n')}`);
    });
    const startOperator = () =>
      OperatorProcess.start({
        sim,
        metrics: metricsPort,
        entry: values.entry,
        nodeArgs: [
          ...(values['kube-dispatcher-fix']
            ? ['--import', new URL('./support/reuse-kube-dispatcher.ts', import.meta.url).pathname]
            : []),
          ...nodeArgs,
        ],
        keepLogs: false,
        args: operatorArgs,
        onLine: (line) => {
          recent.push(line);
          if (recent.length > 200) recent.shift();
          if (!line.includes('"action":"create"') || !line.includes('"msg":"decision"')) return;
          const j = JSON.parse(line) as { key: string; time: string };
          const name = j.key.slice(j.key.indexOf('/') + 1);
          if (!created.has(name)) created.set(name, Date.parse(j.time));
        },
      });
    op = await startOperator();
    let opStartedAt = Date.now();
    const b: Bench = {
      sim,
      custom: kc.makeApiClient(CustomObjectsApi),
      op,
      metricsPort,
      created,
      ownRequests: 0,
    };
    log('| pools in cluster | apply-to-create p50 | p99 | max | (single BatchPools applied one by one) |');
    log('|---:|---:|---:|---:|---|');
    const levelRows: string[] = [];
    const sideRows: string[] = [];
    let total = 0;
    for (const level of levels) {
      if (!op.alive()) {
        // A fresh operator for this level (the last one made way for the peer); it first reconciles the pools
        // already there, outside the bulk apply's window.
        op = b.op = await startOperator();
        opStartedAt = Date.now();
        const existing = (await listPools(b)).length;
        await waitReconciled(() => op!.metrics(metricsPort), existing, 10 * 60_000);
      }
      const names = Array.from({ length: level - total }, (_, i) => `pool-${total + i}`);
      const m0 = await op.metrics(metricsPort);
      const req0 = await apiserverRequests();
      const own0 = b.ownRequests;
      const cpu0 = op.sample().cpuSeconds;
      const t0 = Date.now();
      const at = await createPools(b, names);
      const applied = Date.now();
      total = level;
      const probesBefore = [...created.keys()].filter((n) => n.startsWith('probe-')).length;
      const tReady = await waitAllReady(b, total + probesBefore, 30 * 60_000);
      const m1 = await op.metrics(metricsPort);
      const req1 = await apiserverRequests();
      const { peakRssKiB, cpuSeconds } = op.sample();
      const heapMiB = (m1.get('nodejs_heap_size_used_bytes') ?? 0) / 2 ** 20;
      const rssNowMiB = (m1.get('process_resident_memory_bytes') ?? 0) / 2 ** 20;
      const lat = names.map((n) => (created.get(n) ?? NaN) - at.get(n)!).filter(Number.isFinite);
      const rec = diffBuckets(
        bucketsOf(m1, 'controller_runtime_reconcile_time_seconds'),
        bucketsOf(m0, 'controller_runtime_reconcile_time_seconds'),
      );
      const reconciles = rec.find((x) => !Number.isFinite(x.le))?.count ?? 0;
      const q = (x: number) => ((histogramQuantile(rec, x) ?? NaN) * 1000).toFixed(1);
      levelRows.push(
        `| ${names.length} → ${total} | ${((applied - t0) / 1000).toFixed(1)} s | ${((tReady - t0) / 1000).toFixed(1)} s | ${(peakRssKiB / 1024).toFixed(0)} MiB (now ${rssNowMiB.toFixed(0)}, heap ${heapMiB.toFixed(0)}) | ${(cpuSeconds - cpu0).toFixed(1)} s | ${reconciles} | ${q(0.5)} / ${q(0.99)} ms | ${median(lat) ?? '-'} / ${percentile(lat, 99) ?? '-'} ms | ${req1 - req0 - (b.ownRequests - own0)} |`,
      );
      const p = await probeLatency(b, total, probes);
      log(
        `| ${total} | ${median(p)} ms | ${percentile(p, 99)} ms | ${Math.max(...p)} ms | ${probes} probes |`,
      );
      if (steadyAt.has(level)) {
        // Steady state: nobody changes anything; count what the operator asks of Azure and of the apiserver.
        const since = sim.requests.cursor();
        const r0 = await apiserverRequests();
        const o0 = b.ownRequests;
        const c0 = op.sample().cpuSeconds;
        await new Promise((r) => setTimeout(r, windowS * 1000));
        const t = tally(sim.requests.list({ since }));
        const r1 = await apiserverRequests();
        const pools = total + probes * (levels.indexOf(level) + 1);
        const perHour = (n: number) => ((n / pools) * 3600) / windowS;
        levelRows.push(
          `| steady at ${pools} pools, ${windowS} s | | | ${(op.sample().peakRssKiB / 1024).toFixed(0)} MiB | ${(op.sample().cpuSeconds - c0).toFixed(1)} s | | | Batch pool GETs ${perHour(t.byOperation.Pool_Get ?? 0).toFixed(2)} and image GETs ${perHour(t.byOperation.Images_Get ?? 0).toFixed(2)} per pool per hour; writes ${t.writes} | ${r1 - r0 - (b.ownRequests - o0)} |`,
        );
      }
      if (peerBin) {
        // Our operator's phase ends once every pool (the probes too) is Ready, so that the peer finds each
        // object as our operator leaves it at rest and has no status of its own to write over ours.
        const count = (await listPools(b)).length;
        await waitAllReady(b, count, 10 * 60_000);
        const ourM = await op.metrics(metricsPort);
        await op.stop();
        const ours = op.sample();
        const ourLifeS = (Date.now() - opStartedAt) / 1000;
        const holdS = steadyAt.has(level) ? windowS : PEER_SETTLE_S;
        const before = { t0: Date.now(), req0: await apiserverRequests(), own0: b.ownRequests };
        peer = await PeerProcess.start(peerBin, await freePort());
        const r = await peerPhase(b, peer, count, holdS, before);
        await peer.stop();
        const theirs = peer.sample();
        peer = undefined;
        const mib = (kib: number) => (kib / 1024).toFixed(0);
        const ourHeap = ((ourM.get('nodejs_heap_size_used_bytes') ?? 0) / 2 ** 20).toFixed(0);
        sideRows.push(
          `| ${count}${level === 1 ? ' (idle: level 1 and its probes)' : ''} | **${mib(ours.peakRssKiB)} MiB** (heap used ${ourHeap}) | ${ours.cpuSeconds.toFixed(1)} s in ${ourLifeS.toFixed(0)} s | **${mib(theirs.peakRssKiB)} MiB** (heap in use ${r.heapMiB.toFixed(0)}) | ${theirs.cpuSeconds.toFixed(1)} s in ${r.lifeS.toFixed(0)} s (first pass ${r.cpuFirstPass.toFixed(1)} s) | ${r.firstPassS.toFixed(1)} s, then ${holdS} s held | ${r.reconciles} | ${r.writes.finalizer} / ${r.writes.status} | ${r.requests} | **${(ours.peakRssKiB / theirs.peakRssKiB).toFixed(2)}×** |`,
        );
      }
    }
    log('');
    log(
      '| bulk apply | apply took | until all Ready | operator peak RSS | operator CPU | reconciles | reconcile p50 / p99 | apply-to-create p50 / p99 | kube API requests by the operator |',
    );
    log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of levelRows) log(r);
    if (peerBin) {
      log('');
      log(
        '| pools in cluster | our operator: peak RSS | our CPU | Go peer: peak RSS | peer CPU | peer until all reconciled | peer reconciles | peer writes (finalizer / status) | kube API requests by the peer | peak RSS ours / peer |',
      );
      log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
      for (const r of sideRows) log(r);
    }
  } finally {
    await peer?.stop();
    await op?.stop();
    await sim.close();
    await cluster.stop();
    await mkdir(path.dirname(values.out), { recursive: true });
    await writeFile(`${values.out}.md`, `${report.join('\n')}\n`);
    console.log(`wrote ${values.out}.md`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();

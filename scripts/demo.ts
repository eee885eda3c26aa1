// `npm run demo`: the embedded default. Starts a real kube-apiserver (built once from Go modules),
// the Azure simulator with a realistic fault profile, and the operator; applies the BatchAccount and
// sample BatchPools from deploy/examples/; shows `kubectl get batchpools` while they converge,
// deletes one pool's image half-way (and restores it) to show the image guard; then stops
// everything it started. Ctrl-C stops everything at any point.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { startCluster, type RunningCluster } from '../test/cluster/start-cluster.ts';
import { kubectlOk } from '../test/support/kubectl.ts';
import { OperatorProcess } from '../test/support/operator-process.ts';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const { values: flags } = parseArgs({
  options: {
    'time-scale': { type: 'string', default: '30' },
    seed: { type: 'string', default: '7' },
    'max-minutes': { type: 'string', default: '6' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (flags.help) {
  console.log(`usage: npm run demo -- [--time-scale X] [--seed S] [--max-minutes M] [--keep]

  --time-scale X   simulated seconds per wall second (default 30: a 25-minute resize timeout passes in 50 s)
  --seed S         seed of the simulator's random faults (default 7)
  --max-minutes M  give up on the story after M wall minutes (default 6)
  --keep           keep everything running after the story until Ctrl-C`);
  process.exit(0);
}
const timeScale = Number(flags['time-scale']);
const maxMs = Number(flags['max-minutes']) * 60_000;

const t0 = Date.now();
const elapsed = (): string => `${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s`;
const say = (msg: string): void => console.log(`\x1b[1m[demo ${elapsed()}]\x1b[0m ${msg}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const cleanups: (() => Promise<void>)[] = [];
let stopping = false;
async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say('stopping everything the demo started…');
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    say('stopped.');
  }
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(130));
process.on('SIGTERM', () => void stopAll(143));

async function buildControlPlane(): Promise<string> {
  say(
    'step 1/5: the local Kubernetes control plane (kube-apiserver, etcd, kubectl v1.35 built from Go modules)',
  );
  say('          a first run builds them — about 4–8 minutes on two cores; later runs reuse the cache');
  const child = spawn('bash', [path.join(root, 'test/cluster/build.sh')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    for (const line of d.split('\n')) if (line.startsWith('build.sh:')) say(`          ${line}`);
  });
  const ticker = setInterval(() => say('          …still building the control plane'), 30_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearInterval(ticker);
  if (code !== 0) throw new Error(`test/cluster/build.sh failed (exit ${String(code)})`);
  return out.trim();
}

interface Obj {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: Record<string, unknown> & { image?: { id: string }; endpoint?: string };
}

async function loadExamples(): Promise<Obj[]> {
  const dir = path.join(root, 'deploy/examples');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
  const docs: Obj[] = [];
  for (const f of files.sort()) {
    for (const doc of YAML.parseAllDocuments(await readFile(path.join(dir, f), 'utf8'))) {
      const obj = doc.toJSON() as Obj | null;
      if (obj?.kind) docs.push(obj);
    }
  }
  return docs;
}

const DEMO_QUOTAS = { pools: 100, dedicatedCores: 4000, lowPriorityCores: 500 } as const;

async function main(): Promise<void> {
  const bin = await buildControlPlane();
  process.env.K8S_TEST_BIN = bin;
  const work = await mkdtemp(path.join(tmpdir(), 'batchpool-demo-'));

  say('step 2/5: starting etcd + kube-apiserver on 127.0.0.1');
  const cluster: RunningCluster = await startCluster({ stderr: 'ignore' });
  cleanups.push(() => cluster.stop());
  // kubectl of the apiserver's own version, from the cluster's PATH.
  process.env.PATH = cluster.env.PATH;
  const kubectl = (args: string[], input?: string): Promise<string> =>
    kubectlOk(args, { kubeconfig: cluster.env.KUBECONFIG, ...(input === undefined ? {} : { input }) });
  say(`          apiserver ready at ${cluster.env.E2E_API_URL}`);

  say(`step 3/5: starting the Azure simulator (profile "realistic", time x${timeScale}, seed ${flags.seed})`);
  const sim: Simulator = await startSimulator({
    timeScale,
    seed: flags.seed,
    profile: 'realistic',
    stateDir: path.join(work, 'simulator'),
    // The render farm alone needs 2,400 dedicated vCPUs (600 × Standard_D4s_v5), beyond Azure's default
    // of 900 per account: the quota its team would have asked Azure support to raise.
    quotas: DEMO_QUOTAS,
  });
  cleanups.push(() => sim.close());
  say(
    `          Batch ${sim.info.batchUrl}, ARM ${sim.info.armEndpoint}, Entra ID ${sim.info.authorityHost}`,
  );
  say(
    `          the account's quotas: ${DEMO_QUOTAS.pools} pools, ${DEMO_QUOTAS.dedicatedCores} dedicated and ${DEMO_QUOTAS.lowPriorityCores} Spot vCPUs`,
  );

  const examples = await loadExamples();
  const pools = examples.filter((o) => o.kind === 'BatchPool');
  const account = examples.find((o) => o.kind === 'BatchAccount');
  if (!account || pools.length === 0) throw new Error('deploy/examples has no BatchAccount or BatchPools');
  for (const p of pools) {
    if (!p.spec.image) continue;
    sim.images.create(p.spec.image.id);
    // A gallery image definition is usable only once it has a version: publish one, as a build would.
    if (/\/galleries\/[^/]+\/images\/[^/]+$/i.test(p.spec.image.id))
      sim.images.create(`${p.spec.image.id}/versions/1.0.0`);
  }
  say(
    `          created the custom images of ${pools.length} pools in the simulator (as an image build would)`,
  );

  say('step 4/5: installing the CRDs and starting the operator');
  await kubectl(['apply', '-k', path.join(root, 'crds')]);
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
  const namespaces = ['vfx', 'genomics'];
  for (const ns of namespaces) await kubectl(['create', 'namespace', ns]);
  const operatorLog = path.join(work, 'operator.log');
  const logStream = createWriteStream(operatorLog);
  // Default flags, as installed; probes and metrics on free loopback ports: the defaults (:8080, :8081)
  // are for a pod, not a laptop.
  const operator = await OperatorProcess.start({
    sim,
    env: { KUBECONFIG: cluster.env.KUBECONFIG, LOG_LEVEL: process.env.LOG_LEVEL || 'info' },
    health: 'any-port',
    metrics: 'any-port',
    keepLogs: false,
    onLine: (line) => logStream.write(`${line}\n`),
  });
  cleanups.push(async () => {
    await operator.stop(10_000);
  });
  void operator.exited.then(({ code, signal }) => {
    if (!stopping) {
      say(
        `the operator exited unexpectedly (code ${String(code)}, signal ${String(signal)}); log: ${operatorLog}`,
      );
      void stopAll(1);
    }
  });
  say(`          operator running (pid ${operator.pid}); its JSON log: ${operatorLog}`);

  say('step 5/5: applying the BatchAccount and the sample BatchPools from deploy/examples/');
  // The examples point at a real Azure account; the demo points the account at the simulator and
  // shortens the re-resize backoff, because the operator waits in wall time while the simulator's
  // clock runs fast.
  account.spec.endpoint = sim.info.batchUrl;
  await kubectl(['apply', '-f', '-'], YAML.stringify(account));
  const placement: Record<string, string> = { 'genomics-align': 'genomics' };
  for (const p of pools) {
    p.metadata.namespace = placement[p.metadata.name] ?? 'vfx';
    p.spec.resizeStrategy = {
      ...(p.spec.resizeStrategy as object | undefined),
      backoff: { initial: '3s', max: '20s' },
    };
    p.spec.deletionPolicy = 'Delete';
    await kubectl(['apply', '-f', '-'], YAML.stringify(p));
  }
  for (const p of pools) {
    const target = Number(p.spec.targetDedicatedNodes ?? 0) + Number(p.spec.targetLowPriorityNodes ?? 0);
    say(
      `          ${p.metadata.namespace}/${p.metadata.name}: ${target} nodes from ${String(p.spec.image?.id)}`,
    );
  }

  // The image story, as the source document tells it: the largest pool loses its image part-way to
  // its target (after a resize came up short), so its re-issued resizes fail with AllocationFailed;
  // the operator finds out why, stops resizing and says so; the image comes back and growth resumes.
  const victim = pools
    .filter((p) => Number(p.spec.targetDedicatedNodes ?? 0) > 0)
    .sort((a, b) => Number(b.spec.targetDedicatedNodes) - Number(a.spec.targetDedicatedNodes))[0]!;
  const victimImage = victim.spec.image!.id;
  let imageStory: 'waiting' | 'deleted' | 'noticed' | 'restored' = 'waiting';
  let storyAt = 0;

  const deadline = Date.now() + maxMs;
  let allReady = false;
  while (Date.now() < deadline) {
    const table = await kubectl(['get', 'batchpools', '-A', '-o', 'wide']);
    console.log(
      `\n--- kubectl get batchpools -A -o wide   (wall ${elapsed()}, simulated ${sim.clock.now().toISOString().slice(11, 19)})`,
    );
    console.log(table.trimEnd());
    const list = JSON.parse(await kubectl(['get', 'batchpools', '-A', '-o', 'json'])) as {
      items: {
        metadata: { name: string };
        status?: {
          currentDedicatedNodes?: number;
          resize?: { lastError?: { code: string } };
          conditions?: { type: string; status: string; reason: string; message: string }[];
        };
      }[];
    };
    const v = list.items.find((i) => i.metadata.name === victim.metadata.name);
    const cur = v?.status?.currentDedicatedNodes ?? 0;
    const imageCondition = v?.status?.conditions?.find((c) => c.type === 'ImageAvailable');
    if (
      imageStory === 'waiting' &&
      v?.status?.resize?.lastError &&
      cur < Number(victim.spec.targetDedicatedNodes)
    ) {
      sim.images.delete(victimImage);
      imageStory = 'deleted';
      storyAt = Date.now();
      say(
        `deleted the image of ${victim.metadata.name} at ${cur} nodes: from now on its resizes fail with AllocationFailed`,
      );
    } else if (
      imageStory === 'deleted' &&
      (imageCondition?.status === 'False' || Date.now() - storyAt > 120_000)
    ) {
      imageStory = 'noticed';
      storyAt = Date.now();
      if (imageCondition?.status === 'False') {
        say(
          `the operator noticed: ImageAvailable=False (${imageCondition.reason}): ${imageCondition.message}`,
        );
      } else {
        say('the operator has not reported the missing image within 2 minutes');
      }
      const events = await kubectl([
        'get',
        'events',
        '-n',
        victim.metadata.namespace!,
        '--field-selector',
        'type=Warning',
      ]);
      console.log(
        `\n--- kubectl get events -n ${victim.metadata.namespace} --field-selector type=Warning\n${events.trimEnd()}`,
      );
    } else if (imageStory === 'noticed' && Date.now() - storyAt > 12_000) {
      sim.images.create(victimImage);
      imageStory = 'restored';
      say(`restored the image of ${victim.metadata.name}: the operator resumes growth by itself`);
    }
    allReady =
      imageStory === 'restored' &&
      list.items.length === pools.length &&
      list.items.every((i) => i.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    if (allReady) break;
    await sleep(4_000);
  }

  const calls = sim.requests.list({ api: 'batch' });
  const writes = calls.filter((c) => c.method !== 'GET' && c.method !== 'HEAD').length;
  say(
    allReady
      ? `every pool reached its target and is Ready after ${elapsed().trim()} of wall time`
      : `the story did not finish within ${flags['max-minutes']} minutes; see ${operatorLog}`,
  );
  say(`Azure Batch calls made by the operator: ${calls.length} (${writes} writes)`);
  if (flags.keep) {
    say('--keep: everything stays up; KUBECONFIG for your own kubectl:');
    console.log(`  export KUBECONFIG=${cluster.env.KUBECONFIG} PATH=${cluster.env.E2E_KUBE_BIN}:$PATH`);
    say('press Ctrl-C to stop');
    await new Promise(() => undefined);
  }
  await stopAll(allReady ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  void stopAll(1);
});

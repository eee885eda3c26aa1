// Azure requests at steady state: how many Batch and ARM calls the operator makes per account per hour, with
// the per-account observer (src/azure/observer.ts) and without it (one GET per pool per look), at 100, 1,000
// and 5,000 pools over 3 accounts (one simulator each). The real reconcile, work queue, observers, image
// check sharing and Azure adapters run against the simulators; an in-memory Kubernetes stands in for the
// apiserver (it costs no Azure call). Time is scaled: the operator's intervals are divided by --scale and
// the simulators run --scale times faster, so --minutes of simulated steady state take minutes/scale.
//
//   npm run bench:requests -- [--levels 100,1000,5000] [--accounts 3] [--scale 60] [--minutes 60]
//                             [--pools-per-image 10] [--modes account,pool]

import { parseArgs } from 'node:util';
import { API_VERSION, FINALIZER, GROUP, VERSION, type BatchPool } from '../src/api/types.ts';
import { AzureClients } from '../src/azure/clients.ts';
import { realClock } from '../src/clock.ts';
import { AccountObservers } from '../src/controller/account-observers.ts';
import { DEFAULT_SETTINGS, type PlanSettings } from '../src/controller/plan/index.ts';
import { WorkQueue } from '../src/controller/queue.ts';
import { reconcile, type ReconcilerDeps } from '../src/controller/reconciler.ts';
import { makeLogger } from '../src/log.ts';
import { startSimulator, type Simulator } from '../src/simulator/index.ts';
import { machineLine } from '../test/support/machine.ts';
import { MemoryKube } from '../test/support/memory-kube.ts';

const { values } = parseArgs({
  options: {
    levels: { type: 'string', default: '100,1000,5000' },
    accounts: { type: 'string', default: '3' },
    scale: { type: 'string', default: '60' },
    minutes: { type: 'string', default: '60' },
    'pools-per-image': { type: 'string', default: '10' },
    modes: { type: 'string', default: 'account,pool' },
  },
});
const LEVELS = values.levels.split(',').map(Number);
const ACCOUNTS = Number(values.accounts);
const SCALE = Number(values.scale);
const MINUTES = Number(values.minutes);
const PER_IMAGE = Number(values['pools-per-image']);
const MODES = values.modes.split(',') as ('account' | 'pool')[];

const log = makeLogger('silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Row {
  mode: string;
  pools: number;
  batchPerAccountHour: number;
  batchPerAccountMinute: number;
  armPerHour: number;
  byOperation: Record<string, number>;
  readyAfterS: number;
}

async function run(mode: 'account' | 'pool', pools: number): Promise<Row> {
  const perAccount = Math.ceil(pools / ACCOUNTS);
  const sims: Simulator[] = [];
  for (let a = 0; a < ACCOUNTS; a++) {
    sims.push(
      await startSimulator({
        timeScale: SCALE,
        seed: `requests-${a}`,
        account: { name: `acct${a}` },
        quotas: { pools: perAccount + 10, dedicatedCores: 10 * perAccount + 100 },
      }),
    );
  }
  const settings: PlanSettings = {
    resizingPollMs: DEFAULT_SETTINGS.resizingPollMs / SCALE,
    steadyResyncMs: DEFAULT_SETTINGS.steadyResyncMs / SCALE,
    imageRecheckMs: DEFAULT_SETTINGS.imageRecheckMs / SCALE,
    imageCheckIntervalMs: DEFAULT_SETTINGS.imageCheckIntervalMs / SCALE,
  };
  const queue = { current: undefined as WorkQueue | undefined };
  try {
    const kube = new MemoryKube();
    // One client per simulator: each has its own tenant and CA, so each account gets its own AzureClients.
    const clients = sims.map(
      (s) =>
        new AzureClients({
          identity: {
            tenantId: s.info.tenantId,
            clientId: s.info.clientId,
            clientSecret: s.info.clientSecret,
            authorityHost: s.info.authorityHost,
            disableInstanceDiscovery: true,
            ca: s.info.caPem,
          },
          armEndpoint: s.info.armEndpoint,
          ca: s.info.caPem,
          imageAnswerTtlMs: settings.imageRecheckMs,
        }),
    );
    const byEndpoint = new Map(sims.map((s, i) => [s.info.batchUrl, clients[i]!]));
    for (let a = 0; a < ACCOUNTS; a++) {
      kube.putAccount({
        apiVersion: API_VERSION,
        kind: 'BatchAccount',
        metadata: { name: `acct${a}` },
        spec: {
          endpoint: sims[a]!.info.batchUrl,
          location: sims[a]!.info.location,
          allowedNamespaces: ['*'],
        },
      });
    }
    const keys: string[] = [];
    const images = new Map<string, string>();
    for (let i = 0; i < pools; i++) {
      const a = i % ACCOUNTS;
      const gallery = `g${Math.floor(i / ACCOUNTS / PER_IMAGE)}`;
      let imageId = images.get(`${a}/${gallery}`);
      if (!imageId) {
        imageId = sims[a]!.images.createGalleryImageVersion(gallery, 'ubuntu', '1.0.0');
        images.set(`${a}/${gallery}`, imageId);
      }
      const pool: BatchPool = {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'BatchPool',
        metadata: {
          name: `p${i}`,
          namespace: 'bench',
          uid: `uid-${i}`,
          generation: 1,
          creationTimestamp: new Date().toISOString(),
          finalizers: [FINALIZER],
        },
        spec: {
          accountRef: { name: `acct${a}` },
          vmSize: 'Standard_D2s_v5',
          image: { id: imageId },
          nodeAgentSkuId: 'batch.node.ubuntu 22.04',
          targetDedicatedNodes: 1,
          targetLowPriorityNodes: 0,
        },
      };
      kube.put(pool);
      keys.push(`bench/p${i}`);
    }
    const observers = new AccountObservers({
      clock: realClock,
      settings,
      log,
      onChange: (account, poolIds) => {
        for (const p of kube.pools.values()) {
          if (p.spec.accountRef.name === account && poolIds.has(p.spec.poolId ?? p.metadata.name)) {
            queue.current?.add(`${p.metadata.namespace}/${p.metadata.name}`);
          }
        }
      },
    });
    const deps: ReconcilerDeps = {
      kube,
      events: { record: () => Promise.resolve() },
      azure: {
        batch: (t) => byEndpoint.get(t.endpoint)!.batch(t),
        images: (t) => byEndpoint.get(t.endpoint)!.images(t),
      },
      clock: realClock,
      random: Math.random,
      settings,
      log,
      account: (name) => kube.accounts.get(name),
      pools: (imageId) => [...kube.pools.values()].filter((p) => p.spec.image.id === imageId),
      ...(mode === 'account' && { observer: (acct, batch) => observers.of(acct, batch) }),
    };
    const q = new WorkQueue({
      clock: realClock,
      concurrency: 16,
      random: Math.random,
      handler: (key) => reconcile(key, deps),
    });
    queue.current = q;
    const started = Date.now();
    for (const k of keys) q.add(k);
    q.start();
    const ready = () => [...kube.pools.values()].every((p) => p.status?.phase === 'Ready');
    while (!ready()) {
      if (Date.now() - started > 20 * 60_000) throw new Error(`${mode}/${pools}: not Ready in 20 min`);
      await sleep(500);
    }
    const readyAfterS = (Date.now() - started) / 1000;
    // Let the last creates' busy ticks and requeues pass, then count a steady window.
    await sleep((2 * DEFAULT_SETTINGS.steadyResyncMs) / SCALE);
    const cursors = sims.map((s) => s.requests.cursor());
    await sleep((MINUTES * 60_000) / SCALE);
    const byOperation: Record<string, number> = {};
    let batch = 0;
    let arm = 0;
    sims.forEach((s, i) => {
      for (const e of s.requests.list({ since: cursors[i]! })) {
        if (e.api === 'batch') batch++;
        else if (e.api === 'arm') arm++;
        else continue;
        byOperation[e.operation] = (byOperation[e.operation] ?? 0) + 1;
      }
    });
    await q.shutdown(5_000);
    observers.stopAll();
    const perHour = 60 / MINUTES;
    return {
      mode,
      pools,
      batchPerAccountHour: (batch * perHour) / ACCOUNTS,
      batchPerAccountMinute: (batch * perHour) / ACCOUNTS / 60,
      armPerHour: arm * perHour,
      byOperation: Object.fromEntries(
        Object.entries(byOperation).map(([k, v]) => [k, Math.round(v * perHour)]),
      ),
      readyAfterS,
    };
  } finally {
    await queue.current?.shutdown(1_000);
    await Promise.all(sims.map((s) => s.close()));
  }
}

console.log(machineLine());
console.log(
  `levels ${LEVELS.join(',')} over ${ACCOUNTS} accounts; ${MINUTES} simulated minutes of steady state at ` +
    `time scale ${SCALE}; ${PER_IMAGE} pools per image`,
);
console.log(
  '| mode | pools | Batch requests per account per hour | per account per minute | ARM requests per hour | by operation (per hour, all accounts) | all Ready after (s) |',
);
console.log('|---|---:|---:|---:|---:|---|---:|');
for (const pools of LEVELS) {
  for (const mode of MODES) {
    const r = await run(mode, pools);
    const ops = Object.entries(r.byOperation)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    console.log(
      `| ${mode === 'account' ? 'per-account observer' : 'GET per pool'} | ${pools} | ` +
        `${Math.round(r.batchPerAccountHour)} | ${r.batchPerAccountMinute.toFixed(2)} | ${Math.round(r.armPerHour)} | ${ops} | ${r.readyAfterS.toFixed(0)} |`,
    );
  }
}

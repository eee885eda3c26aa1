// Cost of a reconcile: CPU time per call of the pure planner (no-op, resize decision, create) and of the
// whole reconcile (src/controller/reconciler.ts) against the in-memory Kubernetes and Azure of test/support,
// so only the operator's own work is measured — no network, no SDK.
//
//   npm run bench:reconcile -- [--iterations 20000] [--out bench/results/reconcile.md]

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { BatchPool } from '../src/api/types.ts';
import { DEFAULT_SETTINGS, plan, type PlanInput } from '../src/controller/plan/index.ts';
import { reconcile, type ReconcilerDeps } from '../src/controller/reconciler.ts';
import { makeLogger } from '../src/log.ts';
import { MemoryKube } from '../test/support/memory-kube.ts';
import { batchPool, found, IMAGE, input, snapshot, T0 } from '../test/support/fixtures.ts';
import { MemoryAzure } from '../test/support/memory-azure.ts';
import { machineLine } from '../test/support/machine.ts';

interface Result {
  name: string;
  iterations: number;
  cpuMicros: number;
  wallMicros: number;
}

async function measure(name: string, iterations: number, fn: (i: number) => unknown): Promise<Result> {
  for (let i = 0; i < Math.min(2000, iterations); i++) await fn(i); // warm up the JIT
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await fn(i);
  const wall = Number(process.hrtime.bigint() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { name, iterations, cpuMicros: (cpu.user + cpu.system) / iterations, wallMicros: wall / iterations };
}

/** A BatchPool whose status is what plan says after one pass over `observed` (so a second pass changes nothing). */
function settled(object: BatchPool, rest: Partial<PlanInput>): BatchPool {
  const r = plan(input(object, rest));
  return { ...object, status: r.status };
}

const indexes = new WeakMap<BatchPool[], Map<string, BatchPool[]>>();
function byImage(pools: BatchPool[]): Map<string, BatchPool[]> {
  let index = indexes.get(pools);
  if (!index) {
    index = new Map();
    for (const p of pools) {
      const id = p.spec.image.id.toLowerCase();
      index.set(id, [...(index.get(id) ?? []), p]);
    }
    indexes.set(pools, index);
  }
  return index;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      iterations: { type: 'string', default: '20000' },
      out: { type: 'string', default: 'bench/results/reconcile.md' },
    },
  });
  const n = Number(values.iterations);
  const results: Result[] = [];

  // ---------------------------------------------------------------- the pure planner
  const ready = settled(batchPool('render'), {
    observed: { pool: snapshot() },
    imageCheck: found(),
  });
  const readyInput = input(ready, { observed: { pool: snapshot({}, ready) }, now: T0 + 60_000 });
  results.push(await measure('plan: no-op (steady at target)', n, () => plan(readyInput)));

  const grown = batchPool('render', { spec: { targetDedicatedNodes: 500 } });
  const issued = plan(input(grown, { observed: { pool: snapshot({}, grown) }, imageCheck: found() }));
  const failed = snapshot(
    {
      targetDedicatedNodes: 500,
      currentDedicatedNodes: 212,
      resizeErrors: [{ code: 'AllocationFailed', message: 'Please try resizing the pool again.' }],
      allocationStateTransitionTime: T0 + 1000,
    },
    grown,
  );
  const seen = plan(
    input({ ...grown, status: issued.status }, { observed: { pool: failed }, now: T0 + 2000 }),
  );
  const resizeInput = input(
    { ...grown, status: seen.status },
    { observed: { pool: failed }, now: T0 + 3_600_000 },
  );
  const check = plan(resizeInput);
  if (check.action.kind !== 'resize') throw new Error(`expected a resize decision, got ${check.action.kind}`);
  results.push(
    await measure('plan: resize decision (re-issue after AllocationFailed)', n, () => plan(resizeInput)),
  );

  const fresh = batchPool('fresh', { spec: { targetDedicatedNodes: 300 } });
  const createInput = input(fresh, { observed: { pool: undefined }, imageCheck: found() });
  results.push(await measure('plan: create', n, () => plan(createInput)));

  // ---------------------------------------------------------------- the whole reconcile, in memory
  const deps = (kube: MemoryKube, azure: MemoryAzure, others: BatchPool[] = []): ReconcilerDeps => ({
    kube,
    events: kube,
    azure,
    clock: { now: () => T0 + 3_600_000, setTimeout: () => undefined, clearTimeout: () => undefined },
    random: () => 0.5,
    settings: DEFAULT_SETTINGS,
    log: makeLogger('silent'),
    account: () => ({
      apiVersion: 'batch.pooloperator.dev/v1alpha1',
      kind: 'BatchAccount',
      metadata: { name: 'acct' },
      spec: { endpoint: 'https://acct.westeurope.batch.azure.com', allowedNamespaces: ['*'] },
    }),
    // As the controller does since it keeps an image index: only the pools on the same image.
    pools: (imageId: string) => {
      const id = imageId.toLowerCase();
      return [...kube.pools.values(), ...(byImage(others).get(id) ?? [])].filter(
        (p) => p.spec.image.id.toLowerCase() === id,
      );
    },
  });

  for (const crowd of [0, 5000]) {
    const others = Array.from({ length: crowd }, (_, i) =>
      batchPool(`other-${i}`, { spec: { image: { id: `${IMAGE}-${i}` } } }),
    );
    const kube = new MemoryKube();
    const azure = new MemoryAzure();
    azure.imageIds.add(IMAGE);
    const steady = {
      ...ready,
      status: {
        ...ready.status,
        image: { id: IMAGE, exists: true, checkedAt: new Date(T0 + 3_590_000).toISOString() },
      },
    };
    kube.put(steady);
    azure.pools.set('render', snapshot({}, steady));
    const d = deps(kube, azure, others);
    await reconcile('vfx/render', d); // settle the status once
    const writes = kube.calls.filter((c) => c === 'patchStatus').length;
    results.push(
      await measure(
        `reconcile: no-op (GET, plan, no write)${crowd ? `, ${crowd} other pools in the cache` : ''}`,
        n,
        () => reconcile('vfx/render', d),
      ),
    );
    if (kube.calls.filter((c) => c === 'patchStatus').length !== writes)
      throw new Error('the no-op reconcile wrote a status');
  }

  {
    const kube = new MemoryKube();
    const azure = new MemoryAzure();
    azure.imageIds.add(IMAGE);
    const d = deps(kube, azure);
    const object = { ...grown, status: seen.status };
    results.push(
      await measure(
        'reconcile: resize decision (GET, image check, plan, resize, event, status write)',
        Math.min(n, 5000),
        () => {
          kube.put(object);
          azure.pools.set('render', structuredClone(failed));
          return reconcile('vfx/render', d);
        },
      ),
    );
    if (!azure.calls.includes('resize')) throw new Error('no resize was issued');
  }

  const lines = [
    `Machine: ${machineLine()}`,
    '',
    '| what | iterations | CPU per call | wall per call | calls per CPU-second |',
    '|---|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.iterations} | ${r.cpuMicros.toFixed(1)} µs | ${r.wallMicros.toFixed(1)} µs | ${Math.round(1e6 / r.cpuMicros)} |`,
    ),
  ];
  console.log(lines.join('\n'));
  await mkdir(path.dirname(values.out), { recursive: true });
  await writeFile(values.out, `${lines.join('\n')}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();

// The operator as it runs, for the convergence benchmarks: the real work queue, account observers, reconcile,
// Azure clients (request budget, retries, shared image checks) and the controller's rule for which BatchPools
// an observer tick wakes, on simulated time (bench/support/simulated-time.ts). Only the apiserver is replaced,
// by an in-memory Kubernetes, which costs no Azure call. Any number of pools over any number of accounts, so
// that what one account's look costs can be shared out over its pools.

import { API_VERSION, FINALIZER, type BatchPool } from '../../src/api/types.ts';
import { AzureClients } from '../../src/azure/clients.ts';
import type { AccountTarget, Azure, BatchPools, PoolSnapshot } from '../../src/azure/ports.ts';
import { AccountObservers } from '../../src/controller/account-observers.ts';
import { touchedBy } from '../../src/controller/controller.ts';
import { parseDuration } from '../../src/controller/duration.ts';
import type { PlanSettings } from '../../src/controller/plan/index.ts';
import { WorkQueue } from '../../src/controller/queue.ts';
import { reconcile, type ReconcilerDeps } from '../../src/controller/reconciler.ts';
import { makeLogger } from '../../src/log.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import { MemoryKube } from '../../test/support/memory-kube.ts';
import type { Random } from '../../test/support/prng.ts';
import type { SimulatedTime } from '../support/simulated-time.ts';

export interface FleetAccount {
  name: string;
  sim: Simulator;
}

export interface FleetPool {
  /** Index into the accounts. */
  account: number;
  poolId: string;
  imageId: string;
  target: number;
  /** ISO-8601 duration, e.g. PT20M. */
  resizeTimeout: string;
}

export interface FleetOptions {
  /** Every simulator shares the clock `time` runs on; the Azure identity, CA and ARM endpoint are the first's. */
  accounts: readonly FleetAccount[];
  pools: readonly FleetPool[];
  time: SimulatedTime;
  settings: PlanSettings;
  /** The BatchPools' resizeStrategy.backoff. */
  backoff?: { initial: string; max: string };
  boundMs: number;
  random: Random;
  /** Reconciles at once (the operator's --concurrency, default 4). */
  concurrency?: number;
}

export interface PoolOutcome {
  /** Simulated time from the apply until Azure reported the pool steady at its target; undefined = never. */
  reachedAfterMs: number | undefined;
  finalNodes: number;
  /** Resizes issued (the create counts as the first). */
  resizes: number;
  /** Simulated time spent waiting out the configured resize backoff. */
  backoffMs: number;
}

const RESIZE_EVENTS = new Set(['PoolCreating', 'PoolRecreated', 'ResizeIssued']);
const silentLog = makeLogger('silent');

/** The BatchPool a benchmark applies for one pool: the fewest fields a real one has. */
export function batchPool(p: FleetPool, account: string, createdAt: number): BatchPool {
  return {
    apiVersion: API_VERSION,
    kind: 'BatchPool',
    metadata: {
      name: p.poolId,
      namespace: 'bench',
      uid: `uid-${p.poolId}`,
      generation: 1,
      creationTimestamp: new Date(createdAt).toISOString(),
      finalizers: [FINALIZER],
    },
    spec: {
      accountRef: { name: account },
      poolId: p.poolId,
      vmSize: 'Standard_D4s_v5',
      image: { id: p.imageId },
      nodeAgentSkuId: 'batch.node.ubuntu 22.04',
      targetDedicatedNodes: p.target,
      targetLowPriorityNodes: 0,
      resizeTimeout: p.resizeTimeout,
    },
  };
}

/** Keeps the newest snapshot of each pool the operator read, by GET or in an account's list. */
function recording(batch: BatchPools, seen: Map<string, PoolSnapshot>): BatchPools {
  return new Proxy(batch, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop === 'get')
        return async (id: string) => {
          const pool = await target.get(id);
          if (pool) seen.set(id, pool);
          return pool;
        };
      if (prop === 'listObserved')
        return async () => {
          const pools = await target.listObserved();
          for (const p of pools) seen.set(p.id, p);
          return pools;
        };
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Drives every pool to its target; resolves when all are there (Ready, and Azure steady at it) or at the bound. */
export async function runFleet(o: FleetOptions): Promise<Map<string, PoolOutcome>> {
  const { time, settings } = o;
  const first = o.accounts[0]!.sim.info;
  const kube = new MemoryKube();
  for (const a of o.accounts)
    kube.putAccount({
      apiVersion: API_VERSION,
      kind: 'BatchAccount',
      metadata: { name: a.name },
      spec: { endpoint: a.sim.info.batchUrl, location: a.sim.info.location, allowedNamespaces: ['*'] },
    });
  const keys = new Map<string, FleetPool>();
  for (const p of o.pools) {
    const obj = batchPool(p, o.accounts[p.account]!.name, time.now());
    if (o.backoff) obj.spec.resizeStrategy = { backoff: o.backoff };
    kube.put(obj);
    keys.set(`bench/${p.poolId}`, p);
  }
  // One client set for all accounts, as in the operator: one request budget per account endpoint.
  const clients = new AzureClients({
    identity: {
      tenantId: first.tenantId,
      clientId: first.clientId,
      clientSecret: first.clientSecret,
      authorityHost: first.authorityHost,
      disableInstanceDiscovery: true,
      ca: first.caPem,
    },
    armEndpoint: first.armEndpoint,
    ca: first.caPem,
    clock: time,
    // p-retry's backoff between inline retries waits on a real timer, which simulated time cannot see (time
    // would run on under it). Without it, an inline retry follows at once; Retry-After and the budget's
    // pauses still wait, on the simulated clock.
    retry: { minTimeoutMs: 0, maxTimeoutMs: 0 },
  });
  const seen = new Map<string, PoolSnapshot>();
  const batches = new Map<string, BatchPools>();
  const azure: Azure = {
    batch: (t: AccountTarget) => {
      let b = batches.get(t.endpoint);
      if (!b) batches.set(t.endpoint, (b = recording(clients.batch(t), seen)));
      return b;
    },
    images: (t) => clients.images(t),
  };
  const observers = new AccountObservers({
    clock: time,
    settings,
    log: silentLog,
    onChange: (account, poolIds) => {
      for (const [key] of keys) {
        const p = kube.pools.get(key);
        if (p && touchedBy(p, account, poolIds)) queue.add(key);
      }
    },
  });
  const deps: ReconcilerDeps = {
    kube,
    events: kube,
    azure,
    clock: time,
    random: o.random,
    settings,
    log: silentLog,
    account: (name) => kube.accounts.get(name),
    pools: (imageId) => [...kube.pools.values()].filter((p) => p.spec.image.id === imageId),
    observer: (account, batch) => observers.of(account, batch),
  };
  const queue = new WorkQueue({
    clock: time,
    concurrency: o.concurrency ?? 4,
    random: o.random,
    handler: (key) => reconcile(key, deps),
  });

  const reached = new Map<string, number>();
  const done = () => {
    for (const [key, p] of keys) {
      if (reached.has(key)) continue;
      const pool = seen.get(p.poolId);
      const ready = kube.pools.get(key)?.status?.phase === 'Ready';
      if (ready && pool?.allocationState === 'steady' && pool.currentDedicatedNodes === p.target) {
        // Azure says when the pool became steady, so the poll cadence does not blur the figure.
        reached.set(key, (pool.allocationStateTransitionTime ?? time.now()) - time.start);
      }
    }
    return reached.size === keys.size;
  };
  for (const key of keys.keys()) queue.add(key);
  queue.start();
  try {
    await time.run(done, o.boundMs);
  } finally {
    observers.stopAll();
    // Reconciles still waiting on simulated time never finish: the clock stops with the run.
    void queue.shutdown(0);
  }

  const out = new Map<string, PoolOutcome>();
  for (const [key, p] of keys) {
    const events = kube.events.filter((e) => e.object === key);
    out.set(p.poolId, {
      reachedAfterMs: reached.get(key),
      finalNodes: seen.get(p.poolId)?.currentDedicatedNodes ?? 0,
      resizes: events.filter((e) => RESIZE_EVENTS.has(e.reason)).length,
      // "Retrying in 1m2s" on each ResizeError event is the backoff the plan chose.
      backoffMs: events
        .filter((e) => e.reason === 'ResizeError')
        .reduce((sum, e) => sum + (parseDuration(/Retrying in (\S+?)\.?$/.exec(e.message)?.[1]) ?? 0), 0),
    });
  }
  return out;
}

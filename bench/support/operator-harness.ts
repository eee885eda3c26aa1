// The operator as the benchmarks run it: the real `reconcile` (src/controller/reconciler.ts) against the
// simulator through the real Azure adapters, with an in-memory Kubernetes (MemoryKube) in place of the
// apiserver, on a frozen simulator clock that only the benchmark moves (so a day of simulated time takes
// seconds). Each pass returns the requeue delay the reconcile asked for, as the work queue would wait it; the
// kube side costs no Azure calls. No account observer: every pass GETs its pool (docs/controller.md).

import { API_VERSION, type BatchPool } from '../../src/api/types.ts';
import type { Azure, BatchPools, PoolSnapshot } from '../../src/azure/ports.ts';
import { reconcile, type ReconcilerDeps } from '../../src/controller/reconciler.ts';
import type { Action } from '../../src/controller/plan/index.ts';
import type { PlanSettings } from '../../src/controller/plan/index.ts';
import { makeLogger } from '../../src/log.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import { MemoryKube } from '../../test/support/memory-kube.ts';
import type { Random } from '../../test/support/prng.ts';
import type { SimAzure } from '../../test/support/sim-azure.ts';

/** Simulated time, moved only by the benchmark: the simulator clock is frozen (time scale 0). */
export class SimTime {
  readonly start: number;
  readonly #sim: Simulator;
  constructor(sim: Simulator) {
    this.#sim = sim;
    this.start = sim.clock.now().getTime();
  }
  now(): number {
    return this.#sim.clock.now().getTime();
  }
  elapsed(): number {
    return this.now() - this.start;
  }
  sleep(ms: number): void {
    this.#sim.clock.advance(Math.max(0, ms) / 1000);
  }
}

export interface HarnessContext {
  sim: Simulator;
  azure: SimAzure;
  random: Random;
}

export interface OperatorHarness {
  kube: MemoryKube;
  /** namespace/name of the BatchPool. */
  key: string;
  time: SimTime;
  /** The pool as the last reconcile's GET saw it. */
  lastSeen(): PoolSnapshot | undefined;
  /** The Azure writes that succeeded, in order. */
  actions: Action[];
  /** One reconcile; returns how long the work queue would wait before the next. */
  pass(): Promise<number>;
}

const silentLog = makeLogger('silent');

export function operatorHarness(
  ctx: HarnessContext,
  object: BatchPool,
  settings: PlanSettings,
): OperatorHarness {
  const time = new SimTime(ctx.sim);
  const kube = new MemoryKube();
  kube.put(object);
  kube.putAccount({
    apiVersion: API_VERSION,
    kind: 'BatchAccount',
    metadata: { name: object.spec.accountRef.name },
    spec: { endpoint: ctx.sim.info.batchUrl, location: ctx.sim.info.location, allowedNamespaces: ['*'] },
  });
  // Remember the last pool the reconcile saw, to read when Azure says it became steady.
  let lastSeen: PoolSnapshot | undefined;
  const a = ctx.azure.batch;
  const batch: BatchPools = {
    get: async (id) => (lastSeen = await a.get(id)),
    create: (p, secrets) => a.create(p, secrets),
    resize: (id, p) => a.resize(id, p),
    stopResize: (id) => a.stopResize(id),
    delete: (id) => a.delete(id),
    replaceLiveSettings: (id, l, secrets) => a.replaceLiveSettings(id, l, secrets),
    updateEmptyPool: (id, e, secrets) => a.updateEmptyPool(id, e, secrets),
    enableAutoScale: (id, s) => a.enableAutoScale(id, s),
    disableAutoScale: (id) => a.disableAutoScale(id),
    list: () => a.list(),
    nodeAgentSkus: () => a.nodeAgentSkus(),
    nodeCounts: (id) => a.nodeCounts(id),
    listObserved: () => a.listObserved(),
    listNodeCounts: () => a.listNodeCounts(),
    badNodes: (id) => a.badNodes(id),
    removeNodes: (id, nodes, p) => a.removeNodes(id, nodes, p),
    rebootNode: (id, node) => a.rebootNode(id, node),
  };
  const azure: Azure = { batch: () => batch, images: () => ctx.azure.images };
  const actions: Action[] = [];
  const deps: ReconcilerDeps = {
    kube,
    events: kube,
    azure,
    clock: { now: () => time.now(), setTimeout: () => undefined, clearTimeout: () => undefined },
    random: ctx.random,
    settings,
    log: silentLog,
    account: (name) => kube.accounts.get(name),
    pools: () => [...kube.pools.values()],
    onAction: (_obj, action) => void actions.push(action),
  };
  const key = `${object.metadata.namespace}/${object.metadata.name}`;
  return {
    kube,
    key,
    time,
    lastSeen: () => lastSeen,
    actions,
    async pass() {
      try {
        const r = await reconcile(key, deps);
        return r.requeueAfterMs ?? settings.steadyResyncMs;
      } catch {
        return 1000; // the work queue's first backoff step
      }
    },
  };
}

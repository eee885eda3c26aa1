// Compute nodes (2025-06-01 BatchNode) of a pool, kept cheap: a pool holds no node records until someone
// asks about its nodes or its allocation plan changes (a resize, a stop, a delete, a node removal); then its
// nodes are brought in line with the counts the pool reports, as small records. A node's state is not stored:
// it follows from when its current boot began (allocation, reboot, reimage, recovery after preemption), a
// fate drawn once per boot from the seed, and the clock. The counts the pool reports (currentDedicatedNodes,
// currentLowPriorityNodes) are the truth; the node list always has exactly that many nodes, unusable,
// preempted and leaving ones included, as on Azure.
import { createHash } from 'node:crypto';
import type { AllocationPlan, NodeCounts } from './allocation.ts';
import { countsAt } from './allocation.ts';
import { createPrng } from '../prng.ts';

export interface NodeSettings {
  /** Simulated seconds a new (or recovered) node spends in `creating`. */
  creatingSeconds: number;
  /** Simulated seconds in `starting` (after creating, rebooting or reimaging). */
  startingSeconds: number;
  /** Simulated seconds the start task runs (`waitingforstarttask` when waitForSuccess is set). */
  startTaskSeconds: number;
  /** Simulated seconds in `rebooting` after a reboot. */
  rebootSeconds: number;
  /** Simulated seconds in `reimaging` after a reimage. */
  reimageSeconds: number;
  /** Probability (0..1) that a node boot ends `unusable`. */
  unusableRate: number;
  /** Probability (0..1) that the start task of a boot fails (`starttaskfailed` with waitForSuccess). */
  startTaskFailureRate: number;
  /** Expected preemptions per Spot node per simulated hour (0 = none). */
  spotPreemptionsPerHour: number;
  /** Simulated seconds between a preemption and each attempt to get the capacity back. */
  spotReseekSeconds: number;
  /** Probability (0..1) that an attempt to get preempted Spot capacity back finds it. */
  spotCapacity: number;
}

export const DEFAULT_NODE_SETTINGS: NodeSettings = {
  creatingSeconds: 30,
  startingSeconds: 60,
  startTaskSeconds: 30,
  rebootSeconds: 60,
  reimageSeconds: 180,
  unusableRate: 0,
  startTaskFailureRate: 0,
  spotPreemptionsPerHour: 0,
  spotReseekSeconds: 300,
  spotCapacity: 1,
};

/** The rates that can also be set per image and per pool. */
export const RATE_KEYS = ['unusableRate', 'startTaskFailureRate', 'spotPreemptionsPerHour'] as const;
export type NodeRates = Partial<Pick<NodeSettings, (typeof RATE_KEYS)[number]>>;

/** Learn batch/batch-spot-vms: the platform tries to restore preempted VMs only in the first 48 hours. */
const RESEEK_WINDOW_MS = 48 * 3600_000;

export type BootKind = 'allocate' | 'reboot' | 'reimage' | 'recover';
export type NodeFate = 'ok' | 'unusable' | 'starttaskfailed';

export interface NodeRecord {
  id: string;
  /** Ordinal within the pool (names the node's random stream and its IP address). */
  n: number;
  dedicated: boolean;
  allocatedAt: number;
  /** When the current boot began. */
  bootAt: number;
  /** Boots so far minus one (0 for the first). */
  boot: number;
  via: BootKind;
  fate: NodeFate;
  /** Spot nodes: when this boot is preempted, and when it gets capacity back (null: not within 48 hours). */
  preemptAt?: number;
  recoverAt?: number | null;
  /** When the node began to leave the pool, and when it is gone. */
  leavingAt?: number;
  goneAt?: number;
}

/** What a node's state depends on besides itself. */
export interface NodeContext {
  seed: string;
  poolId: string;
  settings: NodeSettings;
  rates: Required<NodeRates>;
  /** The pool's start task, as stored (with the service's defaults). */
  startTask: Record<string, unknown> | undefined;
  /** Set when every node of the pool is unusable (security type mismatch). */
  unusableReason: string | undefined;
}

export interface NodeStatus {
  state: string;
  since: number;
  /** Start task: when it began and ended (if it has), on the current boot. */
  startTask?: { startTime: number; endTime?: number; failed: boolean };
}

const TYPES = ['dedicated', 'lowPriority'] as const;

function nodeId(seed: string, poolId: string, n: number, dedicated: boolean): string {
  // Azure names nodes tvmps_<64 hex>_d (dedicated) or _p (Spot/low-priority).
  const hex = createHash('sha256').update(`${seed}|${poolId}|${n}`).digest('hex');
  return `tvmps_${hex}_${dedicated ? 'd' : 'p'}`;
}

export function nodeIp(n: number): string {
  const host = n + 4; // Azure keeps the first four addresses of a subnet
  return `10.0.${(host >> 8) & 255}.${host & 255}`;
}

function hasStartTask(ctx: NodeContext): boolean {
  return ctx.startTask !== undefined;
}

function waitsForStartTask(ctx: NodeContext): boolean {
  return ctx.startTask !== undefined && ctx.startTask.waitForSuccess !== false;
}

/** Begins a boot: draws its fate and (for Spot) when it is preempted, from the seed. */
export function beginBoot(
  node: NodeRecord,
  at: number,
  via: BootKind,
  ctx: NodeContext,
  first = false,
): void {
  if (!first) node.boot += 1;
  node.bootAt = at;
  node.via = via;
  const random = createPrng(`${ctx.seed}|node|${ctx.poolId}|${node.n}|${node.boot}`);
  const u = random.next();
  const s = random.next();
  const p = random.next();
  if (ctx.unusableReason !== undefined || u < ctx.rates.unusableRate) node.fate = 'unusable';
  else if (hasStartTask(ctx) && s < ctx.rates.startTaskFailureRate) node.fate = 'starttaskfailed';
  else node.fate = 'ok';
  const rate = ctx.rates.spotPreemptionsPerHour;
  if (!node.dedicated && rate > 0) node.preemptAt = at + (-Math.log(1 - p) / rate) * 3600_000;
  else delete node.preemptAt;
  delete node.recoverAt;
}

/** When a preempted node gets its capacity back (Infinity: not within Azure's 48 hours). */
function recoveryAt(node: NodeRecord, ctx: NodeContext): number {
  const preemptedAt = node.preemptAt ?? Infinity;
  const step = Math.max(1, ctx.settings.spotReseekSeconds) * 1000;
  if (ctx.settings.spotCapacity <= 0) return Infinity;
  const random = createPrng(`${ctx.seed}|reseek|${ctx.poolId}|${node.n}|${node.boot}`);
  for (let t = preemptedAt + step; t - preemptedAt <= RESEEK_WINDOW_MS; t += step)
    if (random.next() < ctx.settings.spotCapacity) return t;
  return Infinity;
}

/** Plays a Spot node's preemptions and recoveries up to `now`. */
export function advance(node: NodeRecord, now: number, ctx: NodeContext): void {
  for (let guard = 0; guard < 10_000; guard++) {
    if (node.leavingAt !== undefined || node.preemptAt === undefined || node.preemptAt > now) return;
    if (node.recoverAt === undefined) {
      const at = recoveryAt(node, ctx);
      node.recoverAt = Number.isFinite(at) ? at : null;
    }
    const back = node.recoverAt ?? Infinity;
    if (back > now) return;
    // Re-seek: the preempted node gets a VM again and joins as a new boot (creating, starting, start task).
    beginBoot(node, back, 'recover', ctx);
  }
}

export function nodeStatus(node: NodeRecord, now: number, ctx: NodeContext): NodeStatus {
  if (node.leavingAt !== undefined && now >= node.leavingAt)
    return { state: 'leavingpool', since: node.leavingAt };
  if (node.preemptAt !== undefined && now >= node.preemptAt)
    return { state: 'preempted', since: node.preemptAt };
  const s = ctx.settings;
  const first =
    node.via === 'reboot'
      ? { state: 'rebooting', ms: s.rebootSeconds * 1000 }
      : node.via === 'reimage'
        ? { state: 'reimaging', ms: s.reimageSeconds * 1000 }
        : { state: 'creating', ms: s.creatingSeconds * 1000 };
  const startingAt = node.bootAt + first.ms;
  if (now < startingAt) return { state: first.state, since: node.bootAt };
  const readyAt = startingAt + s.startingSeconds * 1000;
  if (now < readyAt) return { state: 'starting', since: startingAt };
  if (node.fate === 'unusable') return { state: 'unusable', since: readyAt };
  if (!hasStartTask(ctx)) return { state: 'idle', since: readyAt };
  const endAt = readyAt + s.startTaskSeconds * 1000;
  const failed = node.fate === 'starttaskfailed';
  const startTask =
    now < endAt ? { startTime: readyAt, failed: false } : { startTime: readyAt, endTime: endAt, failed };
  if (!waitsForStartTask(ctx)) return { state: 'idle', since: readyAt, startTask };
  if (now < endAt) return { state: 'waitingforstarttask', since: readyAt, startTask };
  return { state: failed ? 'starttaskfailed' : 'idle', since: endAt, startTask };
}

/** When the k-th (0-based, per node type) node of a pool arrived under `plan`, if the plan brought it. */
function arrivalAt(
  plan: AllocationPlan | undefined,
  t: (typeof TYPES)[number],
  index: number,
): number | undefined {
  if (plan?.kind !== 'resize' || index < plan.from[t] || plan.reach[t] <= plan.from[t]) return undefined;
  const k = index - plan.from[t] + 1;
  return plan.startedAt + plan.timing.bootDelayMs + Math.ceil((k * 60_000) / plan.timing.nodesPerMinute);
}

/** What a pool must offer for its nodes to be synced. */
export interface NodeHost {
  id: string;
  plan: AllocationPlan | undefined;
  /** The last finished resize plan (arrival times of nodes nobody has looked at yet). */
  lastPlan?: AllocationPlan | undefined;
  current: NodeCounts;
  nodes?: NodeRecord[];
  nodeSeq?: number;
}

/**
 * Brings the pool's node records in line with its counts at `at`: nodes that have left are dropped, nodes the
 * allocation brought are added (with the arrival times the plan gives them), Spot nodes are played forward.
 */
export function syncNodes(pool: NodeHost, at: number, ctx: NodeContext): NodeRecord[] {
  const counts = pool.plan ? countsAt(pool.plan, at) : pool.current;
  let nodes = (pool.nodes ?? []).filter((n) => n.goneAt === undefined || n.goneAt > at);
  for (const t of TYPES) {
    const dedicated = t === 'dedicated';
    const live = nodes.filter((n) => n.dedicated === dedicated);
    const missing = counts[t] - live.length;
    if (missing > 0) {
      const plan = pool.plan ?? pool.lastPlan;
      for (let k = 0; k < missing; k++) {
        const n = pool.nodeSeq ?? 0;
        pool.nodeSeq = n + 1;
        const arrived = Math.min(at, arrivalAt(plan, t, live.length + k) ?? at);
        const node: NodeRecord = {
          id: nodeId(ctx.seed, pool.id, n, dedicated),
          n,
          dedicated,
          allocatedAt: arrived,
          bootAt: arrived,
          boot: 0,
          via: 'allocate',
          fate: 'ok',
        };
        beginBoot(node, arrived, 'allocate', ctx, true);
        nodes.push(node);
      }
    } else if (missing < 0) {
      // More records than the counts say (a stop or a timeout kept fewer): drop the leaving, then the newest.
      const drop = new Set(
        [...live]
          .sort((a, b) => Number(b.leavingAt !== undefined) - Number(a.leavingAt !== undefined) || b.n - a.n)
          .slice(0, -missing),
      );
      nodes = nodes.filter((n) => !drop.has(n));
    }
  }
  for (const node of nodes) advance(node, at, ctx);
  pool.nodes = nodes;
  return nodes;
}

/** Shrink preference (our choice): broken nodes first, then nodes not yet ready, then idle ones; newest first. */
function shrinkRank(state: string): number {
  if (state === 'unusable' || state === 'starttaskfailed' || state === 'preempted') return 0;
  if (state === 'idle' || state === 'running') return 2;
  return 1;
}

/** Marks the nodes a shrinking resize removes: `leavingpool` from `at`, gone at `goneAt`. */
export function markShrink(
  nodes: NodeRecord[],
  remove: NodeCounts,
  at: number,
  goneAt: number,
  ctx: NodeContext,
): void {
  for (const t of TYPES) {
    if (remove[t] <= 0) continue;
    const dedicated = t === 'dedicated';
    const candidates = nodes
      .filter((n) => n.dedicated === dedicated && n.leavingAt === undefined)
      .map((n) => ({ n, rank: shrinkRank(nodeStatus(n, at, ctx).state) }))
      .sort((a, b) => a.rank - b.rank || b.n.n - a.n.n);
    for (const { n } of candidates.slice(0, remove[t])) {
      n.leavingAt = at;
      n.goneAt = goneAt;
    }
  }
}

/** The 2025-06-01 BatchNodeCounts of one node type, every field present. */
export function emptyCounts(): Record<string, number> {
  return {
    creating: 0,
    idle: 0,
    offline: 0,
    preempted: 0,
    rebooting: 0,
    reimaging: 0,
    running: 0,
    starting: 0,
    startTaskFailed: 0,
    leavingPool: 0,
    unknown: 0,
    unusable: 0,
    waitingForStartTask: 0,
    deallocated: 0,
    deallocating: 0,
    total: 0,
    upgradingOS: 0,
  };
}

/** BatchNodeState wire value → BatchNodeCounts field. */
export const COUNT_FIELD: Record<string, string> = {
  creating: 'creating',
  idle: 'idle',
  offline: 'offline',
  preempted: 'preempted',
  rebooting: 'rebooting',
  reimaging: 'reimaging',
  running: 'running',
  starting: 'starting',
  starttaskfailed: 'startTaskFailed',
  leavingpool: 'leavingPool',
  unknown: 'unknown',
  unusable: 'unusable',
  waitingforstarttask: 'waitingForStartTask',
  deallocated: 'deallocated',
  deallocating: 'deallocating',
  upgradingos: 'upgradingOS',
};

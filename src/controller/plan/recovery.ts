// Nodes that Azure counts but that cannot run tasks, once the pool is at its target count: decide whether it
// is Ready (enough usable nodes), whether to wait (nodes still booting, Spot capacity re-sought), report
// (nodeRecovery None), recover (reboot or remove, within the hourly budget), or stop recovering because the
// nodes keep failing the same way (the breaker). The memory these decisions need is status.nodeRecovery, so
// a restarted operator decides the same.

import { DEFAULTS, type BatchPoolStatus } from '../../api/types.ts';
import type { BadNode, PoolNodeCounts, PoolSnapshot } from '../../azure/ports.ts';
import { Reason } from '../conditions.ts';
import { formatDuration, parseDuration } from '../duration.ts';
import { NONE, type Planner } from './context.ts';
import { fmt } from './messages.ts';
import {
  badCountOf,
  errorsText,
  groupErrors,
  nodeList,
  notUsableText,
  requiredUsable,
  usableOf,
  type ErrorGroup,
} from './nodes.ts';
import { poolTargets } from './targets.ts';
import type { Action, PlanResult, Targets } from './types.ts';

export type NodeRecoveryStatus = NonNullable<BatchPoolStatus['nodeRecovery']>;
type Breaker = NonNullable<NodeRecoveryStatus['breaker']>;

const HOUR_MS = 3_600_000;
/** Azure's removenodes takes at most 100 node IDs per call. */
export const MAX_REMOVE_PER_CALL = 100;
/** Reboots are one call per node: at most this many in one pass. */
export const MAX_REBOOTS_PER_PASS = 100;

/** Ready after all (enough usable nodes), while this recovery action goes out for the rest. */
export interface ReadyWith {
  ready: Action;
  note: string;
}

export type RecoveryDecision =
  | { kind: 'report' }
  | { kind: 'halted'; breaker: Breaker }
  | { kind: 'budget'; freeAt: number }
  | { kind: 'wait' }
  | { kind: 'reboot'; nodes: BadNode[] }
  | { kind: 'remove'; nodes: BadNode[] };

/**
 * The recovery memory for this spec: a new generation starts the breaker's count afresh. `badNow` is the IDs
 * of the nodes listed bad in this pass, when the node counts were read (undefined when they were not).
 */
export function recoveryMemory(
  prev: NodeRecoveryStatus | undefined,
  generation: number,
  now: number,
  badNow?: ReadonlySet<string>,
) {
  const m: NodeRecoveryStatus = prev ? structuredClone(prev) : { generation };
  if (m.generation !== generation) {
    // Boots before a spec change failed under the old spec: they no longer count for the breaker.
    m.generation = generation;
    m.countFrom = new Date(now).toISOString();
    delete m.breaker;
  }
  // A reboot is remembered for an hour: a node bad again after that is rebooted again. A node that has not
  // been seen well since stays remembered, to be removed: when the hourly budget was spent on the reboots,
  // forgetting them as the next hour begins would spend that hour rebooting the same nodes, forever.
  if (m.rebooted) {
    m.rebooted = m.rebooted.filter(
      (r) => now - Date.parse(r.at) < HOUR_MS || badNow === undefined || badNow.has(r.nodeId),
    );
    if (m.rebooted.length === 0) delete m.rebooted;
  }
  if (m.hourStartedAt && now - Date.parse(m.hourStartedAt) >= HOUR_MS) {
    delete m.hourStartedAt;
    delete m.actionsThisHour;
  }
  return m;
}

/**
 * The breaker: the most common error among the bad nodes whose boot began in the window (or since the
 * breaker opened, while it is open, so it does not close by the mere passing of time), as a share of the
 * settled nodes (usable or bad). It opens above failurePercent once at least minNodes fail that way.
 */
export function breakerOf(
  p: Planner,
  m: NodeRecoveryStatus,
  counts: PoolNodeCounts,
  bad: readonly BadNode[],
): Breaker | undefined {
  const b = p.object.spec.nodeRecovery?.breaker;
  const windowMs = parseDuration(b?.window ?? DEFAULTS.breakerWindow) ?? HOUR_MS;
  const percent = b?.failurePercent ?? DEFAULTS.breakerFailurePercent;
  const minNodes = b?.minNodes ?? DEFAULTS.breakerMinNodes;
  const countFrom = m.countFrom ? Date.parse(m.countFrom) : -Infinity;
  const since = Math.max(
    countFrom,
    m.breaker ? Math.min(Date.parse(m.breaker.openedAt), p.in.now) - windowMs : p.in.now - windowMs,
  );
  const fresh = bad.filter((n) => n.lastBootTime === undefined || n.lastBootTime >= since);
  const top: ErrorGroup | undefined = groupErrors(fresh)[0];
  const settled = usableOf(counts) + badCountOf(counts);
  if (!top || top.count < minNodes || top.count * 100 <= percent * settled) return undefined;
  return m.breaker?.code === top.code
    ? { ...m.breaker, failing: top.count, settled }
    : { openedAt: p.nowIso, code: top.code, failing: top.count, settled };
}

export function decideRecovery(
  p: Planner,
  m: NodeRecoveryStatus,
  counts: PoolNodeCounts,
  bad: readonly BadNode[],
): RecoveryDecision {
  const mode = p.object.spec.nodeRecovery?.mode ?? DEFAULTS.nodeRecoveryMode;
  if (mode === 'None') return { kind: 'report' };
  const breaker = breakerOf(p, m, counts, bad);
  if (breaker) return { kind: 'halted', breaker };
  if (bad.length === 0) return { kind: 'wait' };
  const max = p.object.spec.nodeRecovery?.maxActionsPerHour ?? DEFAULTS.maxActionsPerHour;
  const left = max - (m.actionsThisHour ?? 0);
  if (left <= 0) return { kind: 'budget', freeAt: Date.parse(m.hourStartedAt!) + HOUR_MS };
  const rebooted = new Set((m.rebooted ?? []).map((r) => r.nodeId));
  const toRemove = mode === 'Remove' ? [...bad] : bad.filter((n) => rebooted.has(n.id));
  if (toRemove.length > 0) {
    return { kind: 'remove', nodes: toRemove.slice(0, Math.min(left, MAX_REMOVE_PER_CALL)) };
  }
  return { kind: 'reboot', nodes: bad.slice(0, Math.min(left, MAX_REBOOTS_PER_PASS)) };
}

function spend(m: NodeRecoveryStatus, n: number, nowIso: string): void {
  m.hourStartedAt ??= nowIso;
  m.actionsThisHour = (m.actionsThisHour ?? 0) + n;
}

function minus(t: Targets, nodes: readonly BadNode[]): Targets {
  const dedicated = nodes.filter((n) => n.dedicated).length;
  return {
    dedicated: Math.max(0, t.dedicated - dedicated),
    lowPriority: Math.max(0, t.lowPriority - (nodes.length - dedicated)),
  };
}

/** What is wrong with the counted nodes: the states, and the bad nodes' errors grouped by code. */
function shortText(p: Planner, counts: PoolNodeCounts, bad: readonly BadNode[], required: number): string {
  const errors = groupErrors(bad);
  return (
    `Pool ${p.poolId} has ${fmt(p.desired)} nodes, but only ${usableOf(counts)} can run tasks ` +
    `(Ready needs ${required}): ${notUsableText(counts)}` +
    (errors.length ? `. Node errors: ${errorsText(errors)}` : '')
  );
}

/**
 * The pool is at its target count. Undefined = nothing here stops Ready (the caller says Ready); else what
 * to do about the nodes that cannot run tasks.
 */
export function planUsable(p: Planner, pool: PoolSnapshot): PlanResult | ReadyWith | undefined {
  const counts = p.in.observed?.nodeCounts;
  if (!counts) return undefined;
  const required = requiredUsable(p.object, p.desired);
  const usable = usableOf(counts);
  const bad = p.in.observed?.badNodes ?? [];
  const m = p.nodeRecovery;
  const decision = badCountOf(counts) > 0 ? decideRecovery(p, m, counts, bad) : { kind: 'wait' as const };
  if (decision.kind !== 'halted') delete m.breaker;
  const short = usable < required;
  const what = shortText(p, counts, bad, required);
  switch (decision.kind) {
    case 'halted': {
      m.breaker = decision.breaker;
      if (!short) return undefined;
      const b = decision.breaker;
      return p.stalled(
        Reason.NodeRecoveryHalted,
        `${what}. Node recovery stopped: ${b.failing} of ${b.settled} settled nodes (${Math.round((b.failing * 100) / b.settled)} %) ` +
          `failed with ${b.code} on a new boot, more than spec.nodeRecovery.breaker.failurePercent allows; that ` +
          'is the image or the pool configuration, not bad luck. Fix it (a new image, node agent SKU or start ' +
          'task) and recovery resumes; the breaker also closes when the failing share drops',
      );
    }
    case 'report':
      if (!short) return undefined;
      return p.stalled(
        Reason.NodesUnusable,
        `${what}. spec.nodeRecovery.mode is None, so the operator only reports them: set it to Reboot or ` +
          'Remove, or reboot or remove the nodes yourself',
      );
    case 'wait':
      if (!short) return undefined;
      return p.working('Starting', Reason.NodesStarting, what, NONE, p.poll());
    case 'budget': {
      if (!short) return undefined;
      const wait = Math.max(1000, decision.freeAt - p.in.now);
      const max = p.object.spec.nodeRecovery?.maxActionsPerHour ?? DEFAULTS.maxActionsPerHour;
      return p.working(
        'Recovering',
        Reason.RecoveryBudgetSpent,
        `${what}. The recovery budget (spec.nodeRecovery.maxActionsPerHour ${max}) is spent; recovery goes on ` +
          `in ${formatDuration(wait)}`,
        NONE,
        Math.min(wait, p.resync()),
      );
    }
    case 'reboot':
    case 'remove':
      return recover(p, pool, decision, what, short);
  }
}

function recover(
  p: Planner,
  pool: PoolSnapshot,
  d: { kind: 'reboot' | 'remove'; nodes: BadNode[] },
  what: string,
  short: boolean,
): PlanResult | ReadyWith {
  const m = p.nodeRecovery;
  const ids = d.nodes.map((n) => n.id);
  spend(m, ids.length, p.nowIso);
  const why = errorsText(groupErrors(d.nodes));
  if (d.kind === 'reboot') {
    m.rebooted = [
      ...(m.rebooted ?? []),
      ...ids.map((nodeId) => ({ kind: 'reboot' as const, nodeId, at: p.nowIso })),
    ];
    p.event(
      'Normal',
      'NodesRebooted',
      `Rebooting ${ids.length} node${ids.length === 1 ? '' : 's'} of pool ${p.poolId} (spec.nodeRecovery.mode ` +
        `Reboot; a node still bad afterwards is removed): ${nodeList(ids)}. ${why}`,
      'RecoverNodes',
    );
  } else {
    const gone = new Set(ids);
    if (m.rebooted) m.rebooted = m.rebooted.filter((r) => !gone.has(r.nodeId));
    if (m.rebooted?.length === 0) delete m.rebooted;
    m.removedTo = minus(poolTargets(pool), d.nodes);
    p.event(
      'Normal',
      'NodesRemoved',
      `Removing ${ids.length} node${ids.length === 1 ? '' : 's'} of pool ${p.poolId} (spec.nodeRecovery.mode ` +
        `${p.object.spec.nodeRecovery?.mode ?? 'Remove'}); Azure lowers the target by as many and the operator ` +
        `resizes back to ${fmt(p.desired)}: ${nodeList(ids)}. ${why}`,
      'RecoverNodes',
    );
  }
  const action =
    d.kind === 'reboot'
      ? { kind: 'rebootNodes' as const, poolId: p.poolId, nodeIds: ids }
      : {
          kind: 'removeNodes' as const,
          poolId: p.poolId,
          nodeIds: ids,
          params: {
            resizeTimeout: p.resizeParams(p.desired).resizeTimeout,
            nodeDeallocationOption: p.resizeParams(p.desired).nodeDeallocationOption,
          },
        };
  const doing = `${d.kind === 'reboot' ? 'Rebooting' : 'Removing'} ${ids.length} of them`;
  if (!short) return { ready: action, note: `${what}; ${doing}` };
  return p.working('Recovering', Reason.RecoveringNodes, `${what}. ${doing}`, action, p.poll());
}

/** After a removal of ours lowered the targets: wait while Azure removes, then resize back to the spec. */
export function removedByUs(p: Planner, pool: PoolSnapshot): Targets | undefined {
  const to = p.nodeRecovery.removedTo;
  const t = poolTargets(pool);
  return to && to.dedicated === t.dedicated && to.lowPriority === t.lowPriority ? to : undefined;
}

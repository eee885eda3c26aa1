// What the counted nodes are worth: how many can run tasks (usable), how many Ready needs, and what is wrong
// with the rest, in words a person can act on. Pure; the counts come from /nodecounts, the errors from the
// one filtered list of bad nodes the reconciler makes when the counts show any.

import { DEFAULTS, type BatchPool, type BatchPoolStatus } from '../../api/types.ts';
import type { BadNode, NodeCountState, NodeStateCounts, PoolNodeCounts } from '../../azure/ports.ts';
import { NODE_COUNT_STATES } from '../../azure/ports.ts';
import { sentence } from './messages.ts';
import type { Targets } from './types.ts';

export type NodesStatus = NonNullable<BatchPoolStatus['nodes']>;

/**
 * Batch schedules tasks only onto idle nodes and running nodes with a free slot; every other state is a node
 * on its way in, on its way out, or broken (docs/api.md, "Usable nodes").
 */
export const USABLE_STATES: readonly NodeCountState[] = ['idle', 'running'];
/** States the operator can recover (spec.nodeRecovery); preempted Spot nodes are Azure's to re-seek. */
export const BAD_STATES: readonly NodeCountState[] = ['unusable', 'startTaskFailed'];

const sum = (c: NodeStateCounts, states: readonly NodeCountState[]) =>
  states.reduce((n, s) => n + (c[s] ?? 0), 0);

function both(c: PoolNodeCounts, states: readonly NodeCountState[]): number {
  return sum(c.dedicated, states) + sum(c.lowPriority, states);
}

export function usableOf(c: PoolNodeCounts): number {
  return both(c, USABLE_STATES);
}

export function badCountOf(c: PoolNodeCounts): number {
  return both(c, BAD_STATES);
}

/** Usable nodes Ready needs: minUsablePercent of the whole target, rounded up (never more than the target). */
export function requiredUsable(object: BatchPool, desired: Targets): number {
  const pct = object.spec.readiness?.minUsablePercent ?? DEFAULTS.minUsablePercent;
  const total = desired.dedicated + desired.lowPriority;
  return Math.min(total, Math.ceil((total * pct) / 100));
}

function compactCounts(c: NodeStateCounts): NodesStatus['dedicated'] {
  const out: Record<string, number> = { total: c.total };
  for (const s of NODE_COUNT_STATES) if (c[s]) out[s] = c[s];
  return out;
}

export function nodesStatusOf(c: PoolNodeCounts, required: number, nowIso: string): NodesStatus {
  return {
    usable: usableOf(c),
    required,
    dedicated: compactCounts(c.dedicated),
    lowPriority: compactCounts(c.lowPriority),
    observedAt: nowIso,
  };
}

/** How people read a state, in the order the message names them. */
const STATE_WORDS: [NodeCountState, string][] = [
  ['unusable', 'unusable'],
  ['startTaskFailed', 'start task failed'],
  ['preempted', 'preempted (Spot; Azure seeks them back)'],
  ['offline', 'offline'],
  ['unknown', 'unknown'],
  ['creating', 'being created'],
  ['starting', 'starting'],
  ['waitingForStartTask', 'running the start task'],
  ['rebooting', 'rebooting'],
  ['reimaging', 'reimaging'],
  ['leavingPool', 'leaving the pool'],
  ['upgradingOS', 'upgrading the OS'],
  ['deallocating', 'deallocating'],
  ['deallocated', 'deallocated'],
];

/** "2 unusable, 1 start task failed, 3 starting": the nodes that count but cannot run tasks. */
export function notUsableText(c: PoolNodeCounts): string {
  return STATE_WORDS.map(([s, word]) => [both(c, [s]), word] as const)
    .filter(([n]) => n > 0)
    .map(([n, word]) => `${n} ${word}`)
    .join(', ');
}

export interface ErrorGroup {
  code: string;
  count: number;
  /** One node's message for the code, as an example. */
  message: string;
}

/** The bad nodes' errors by code, most common first (a node counts once per code it reports). */
export function groupErrors(bad: readonly BadNode[]): ErrorGroup[] {
  const groups = new Map<string, ErrorGroup>();
  for (const node of bad) {
    for (const code of new Set(node.errors.map((e) => e.code))) {
      const g = groups.get(code);
      if (g) g.count += 1;
      else groups.set(code, { code, count: 1, message: node.errors.find((e) => e.code === code)!.message });
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}

/** "DiskFull on 2 nodes: There is not enough disk space on the node.; FailureExitCode on 1 node: …" */
export function errorsText(groups: readonly ErrorGroup[]): string {
  return groups
    .map(
      (g) =>
        `${g.code} on ${g.count} node${g.count === 1 ? '' : 's'}${g.message ? `: ${sentence(g.message)}` : ''}`,
    )
    .join(' ');
}

/** The first few node IDs, and how many more: events name nodes, but not a thousand of them. */
export function nodeList(ids: readonly string[], max = 5): string {
  const shown = ids.slice(0, max).join(', ');
  return ids.length > max ? `${shown} and ${ids.length - max} more` : shown;
}

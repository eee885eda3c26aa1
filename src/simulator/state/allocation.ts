// How a resize unfolds over simulated time. A resize is planned once, when it starts: how many
// nodes it will reach (`reach`, lowered by faults and limits), why it stops short, and when it ends.
// Every later read computes the node counts from the plan and the clock, so no timer runs per pool.

export interface NodeCounts {
  dedicated: number;
  lowPriority: number;
}

/** A resize error as it appears on the pool (`resizeErrors[]`). */
export interface ResizeError {
  code: string;
  message: string;
  values?: { name: string; value: string }[];
}

export interface AllocationTiming {
  /** Simulated time from the start of a resize until the first node arrives. */
  bootDelayMs: number;
  /** Nodes that arrive per simulated minute, per node type, once booting is over. */
  nodesPerMinute: number;
  /** Simulated time until removed nodes have left the pool. */
  shrinkDelayMs: number;
}

export interface ResizePlan {
  kind: 'resize';
  startedAt: number;
  from: NodeCounts;
  target: NodeCounts;
  /** The counts the resize will get to if the timeout does not cut it first. */
  reach: NodeCounts;
  /** Why `reach` falls short of `target` (if it does and it is not just slowness). */
  failure: ResizeError | undefined;
  /** Every such reason, when there is more than one (e.g. both core quotas); `failure` is the first. */
  failures?: ResizeError[];
  deadline: number;
  timing: AllocationTiming;
  endAt: number;
  final: NodeCounts;
  errors: ResizeError[];
}

export interface StopPlan {
  kind: 'stop';
  startedAt: number;
  endAt: number;
  final: NodeCounts;
  errors: ResizeError[];
}

export type AllocationPlan = ResizePlan | StopPlan;

const TYPES = ['dedicated', 'lowPriority'] as const;
type NodeType = (typeof TYPES)[number];
const NODE_WORDS: Record<NodeType, string> = { dedicated: 'dedicated', lowPriority: 'low priority' };

export const resizeErrors = {
  timedOut: (t: NodeType): ResizeError => ({
    code: 'AllocationTimedout',
    message: `Desired number of ${NODE_WORDS[t]} nodes could not be allocated as the resize timeout was reached`,
  }),
  stopped: (t: NodeType): ResizeError => ({
    code: 'ResizeStopped',
    message: `Desired number of ${NODE_WORDS[t]} nodes could not be allocated due to a stop resize operation`,
  }),
  /** "The specified account has reached core quota" (MicrosoftDocs/azure-docs#53298: "Values: n/a"). */
  coreQuota: (): ResizeError => ({
    code: 'AccountCoreQuotaReached',
    message: 'The specified account has reached core quota',
  }),
  /** The Spot/low-priority counterpart (code from Azure/azure-sdk-for-net BatchErrorCodeStrings.cs). */
  lowPriorityCoreQuota: (): ResizeError => ({
    code: 'AccountLowPriorityCoreQuotaReached',
    message: 'The specified account has reached low priority core quota',
  }),
  /** The text the Batch documentation shows for a pool whose custom image is gone. */
  allocationFailed: (reason?: string): ResizeError => ({
    code: 'AllocationFailed',
    message:
      'There was an error encountered while performing the last resize on the pool. Please try resizing the pool again.',
    ...(reason === undefined ? {} : { values: [{ name: 'Reason', value: reason }] }),
  }),
};

function countAt(plan: ResizePlan, t: NodeType, time: number): number {
  const from = plan.from[t];
  const reach = plan.reach[t];
  if (reach < from) return time >= plan.startedAt + plan.timing.shrinkDelayMs ? reach : from;
  const arrived = Math.floor(
    (Math.max(0, time - plan.startedAt - plan.timing.bootDelayMs) * plan.timing.nodesPerMinute) / 60_000,
  );
  return from + Math.min(reach - from, arrived);
}

function naturalEnd(plan: Omit<ResizePlan, 'endAt' | 'final' | 'errors'>, t: NodeType): number {
  const from = plan.from[t];
  const reach = plan.reach[t];
  if (reach < from) return plan.startedAt + plan.timing.shrinkDelayMs;
  if (reach === from) return plan.startedAt;
  const perNode = 60_000 / plan.timing.nodesPerMinute;
  return plan.startedAt + plan.timing.bootDelayMs + Math.ceil((reach - from) * perNode);
}

/** Plans a resize that starts at `startedAt`; the caller has already applied faults and limits to `reach`. */
export function planResize(input: {
  startedAt: number;
  from: NodeCounts;
  target: NodeCounts;
  reach: NodeCounts;
  failure?: ResizeError | undefined;
  /** All the reasons (failure is then the first of them). */
  failures?: ResizeError[];
  timeoutMs: number;
  timing: AllocationTiming;
}): ResizePlan {
  const base = {
    kind: 'resize' as const,
    startedAt: input.startedAt,
    from: input.from,
    target: input.target,
    reach: input.reach,
    failure: input.failure ?? input.failures?.[0],
    ...(input.failures && input.failures.length > 1 ? { failures: input.failures } : {}),
    deadline: input.startedAt + input.timeoutMs,
    timing: input.timing,
  };
  const grows = TYPES.some((t) => base.target[t] > base.from[t]);
  // Even a resize that changes nothing takes a moment before the pool is steady again.
  const minimumEnd = input.startedAt + (grows ? input.timing.bootDelayMs : Math.min(5_000, input.timeoutMs));
  const natural = Math.max(minimumEnd, ...TYPES.map((t) => naturalEnd(base, t)));
  const short = TYPES.filter((t) => base.reach[t] < base.target[t] && base.target[t] > base.from[t]);
  let endAt: number;
  let errors: ResizeError[];
  if (natural > base.deadline || (short.length > 0 && base.failure === undefined)) {
    endAt = base.deadline;
    const plan = { ...base, endAt, final: base.from, errors: [] };
    const final = {
      dedicated: countAt(plan, 'dedicated', endAt),
      lowPriority: countAt(plan, 'lowPriority', endAt),
    };
    errors = TYPES.filter((t) => final[t] < base.target[t] && base.target[t] > base.from[t]).map(
      resizeErrors.timedOut,
    );
    return { ...base, endAt, final, errors };
  }
  endAt = natural;
  errors = short.length > 0 && base.failure ? (base.failures ?? [base.failure]) : [];
  return { ...base, endAt, final: { ...base.reach }, errors };
}

/** Node counts while the plan runs (and its final counts once it is over). */
export function countsAt(plan: AllocationPlan, time: number): NodeCounts {
  if (plan.kind === 'stop' || time >= plan.endAt) return plan.final;
  return { dedicated: countAt(plan, 'dedicated', time), lowPriority: countAt(plan, 'lowPriority', time) };
}

/** Stops a running resize at `time`: the pool keeps what it has, and reports what it did not get. */
export function planStop(
  running: AllocationPlan | undefined,
  current: NodeCounts,
  target: NodeCounts,
  time: number,
  stopDelayMs: number,
): StopPlan {
  const final = running ? countsAt(running, time) : current;
  const errors = TYPES.filter((t) => final[t] < target[t]).map(resizeErrors.stopped);
  return { kind: 'stop', startedAt: time, endAt: time + stopDelayMs, final, errors };
}

// The operator's Prometheus metrics. The controller-runtime and workqueue names are kept exactly,
// so the dashboards and alerts people already run for Go operators work unchanged; the batchpool_*
// and azure_* series are ours. The controller talks to the typed facade below and never to
// prom-client, and each OperatorMetrics owns its own Registry (no global state, tests isolate).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type ReconcileResult = 'success' | 'error' | 'requeue' | 'requeue_after';
export const RECONCILE_RESULTS: readonly ReconcileResult[] = ['success', 'error', 'requeue', 'requeue_after'];

/** controller-runtime's reconcile_time_seconds buckets. */
const RECONCILE_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25,
  1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
/** client-go workqueue buckets: 10 ns · 10^i for i = 0..11. */
const QUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) => 1e-8 * 10 ** i);
const AZURE_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface PoolSample {
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
  currentDedicatedNodes: number;
  currentLowPriorityNodes: number;
  /** undefined while the image has not been checked yet: no series rather than a guess. */
  imageAvailable?: boolean;
  /** Nodes by state (dedicated and Spot together), from status.nodes; undefined before Azure was asked. */
  nodes?: Readonly<Record<string, number>>;
  /** Nodes that can run tasks (status.nodes.usable). */
  usableNodes?: number;
}

export type RecoveryKind = 'reboot' | 'remove';

/** Per-queue recorder, the shape of client-go's workqueue MetricsProvider. */
export interface QueueMetrics {
  /** An item was added (deduplicated adds count too, as in client-go). */
  add(): void;
  depth(n: number): void;
  /** An item was re-added with rate-limited backoff. */
  retry(): void;
  /** Seconds an item waited in the queue before a worker took it. */
  queued(seconds: number): void;
  /** Seconds a worker spent on an item. */
  worked(seconds: number): void;
  /** Sum of the in-flight items' running time, and the longest of them (sample every second or so). */
  inFlight(unfinishedSeconds: number, longestSeconds: number): void;
}

export interface OperatorMetrics {
  readonly registry: Registry;
  reconcile: {
    /** Declares a controller and its worker count; zero-fills its reconcile_total series. */
    register(controller: string, maxConcurrentReconciles: number): void;
    /** One finished reconcile. An 'error' result also counts in reconcile_errors_total. */
    observe(controller: string, result: ReconcileResult, seconds: number): void;
    activeWorkers(controller: string, n: number): void;
  };
  queue(name: string): QueueMetrics;
  leader: {
    /** leader_election_master_status{name}: 1 while this replica holds the Lease. */
    set(name: string, leading: boolean): void;
  };
  pool: {
    set(namespace: string, name: string, sample: PoolSample): void;
    /**
     * One resize issued to Azure. `code` is the resize error code the attempt answers
     * (e.g. AllocationFailed, AllocationTimedout), or "none" for the first attempt toward a target.
     */
    resizeAttempt(namespace: string, name: string, code: string): void;
    /** Drops every series of a deleted BatchPool, so the exposition does not grow without bound. */
    forget(namespace: string, name: string): void;
    /** Nodes sent a reboot or removed by node recovery (one per node, not per call). */
    recovered(kind: RecoveryKind, nodes: number): void;
  };
  azure: {
    /** One Azure call: `code` is the HTTP status, or a transport error name such as ECONNRESET. */
    observe(service: AzureService, operation: string, code: number | string, seconds: number): void;
  };
  /**
   * Each Batch account's request budget (src/azure/request-budget.ts). `account` is the endpoint's host: one
   * series per account, however many pools and identities use it.
   */
  accountBudget: {
    /** A request may go, after waiting this long for a token. */
    sent(account: string, waitedSeconds: number): void;
    /** A 429 or 503 paused the account for this many more seconds. */
    throttled(account: string, pausedSeconds: number): void;
    /** A call failed at once, because its wait would have outlasted the inline limit. */
    refused(account: string): void;
  };
  /** The text exposition, and the Content-Type to serve it with. */
  render(): Promise<string>;
  readonly contentType: string;
}

export type AzureService = 'batch' | 'compute' | 'identity';

export interface MetricsOptions {
  /** Node process metrics (CPU, memory, event loop lag, GC); default true. */
  processMetrics?: boolean;
}

export function createMetrics(opts: MetricsOptions = {}): OperatorMetrics {
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const reg = [registry];

  const reconcileTotal = new Counter({
    name: 'controller_runtime_reconcile_total',
    help: 'Total number of reconciliations per controller',
    labelNames: ['controller', 'result'] as const,
    registers: reg,
  });
  const reconcileErrors = new Counter({
    name: 'controller_runtime_reconcile_errors_total',
    help: 'Total number of reconciliation errors per controller',
    labelNames: ['controller'] as const,
    registers: reg,
  });
  const reconcileTime = new Histogram({
    name: 'controller_runtime_reconcile_time_seconds',
    help: 'Length of time per reconciliation per controller',
    labelNames: ['controller'] as const,
    buckets: RECONCILE_BUCKETS,
    registers: reg,
  });
  const maxConcurrent = new Gauge({
    name: 'controller_runtime_max_concurrent_reconciles',
    help: 'Maximum number of concurrent reconciles per controller',
    labelNames: ['controller'] as const,
    registers: reg,
  });
  const activeWorkers = new Gauge({
    name: 'controller_runtime_active_workers',
    help: 'Number of currently used workers per controller',
    labelNames: ['controller'] as const,
    registers: reg,
  });

  const qDepth = new Gauge({
    name: 'workqueue_depth',
    help: 'Current depth of workqueue',
    labelNames: ['name'] as const,
    registers: reg,
  });
  const qAdds = new Counter({
    name: 'workqueue_adds_total',
    help: 'Total number of adds handled by workqueue',
    labelNames: ['name'] as const,
    registers: reg,
  });
  const qRetries = new Counter({
    name: 'workqueue_retries_total',
    help: 'Total number of retries handled by workqueue',
    labelNames: ['name'] as const,
    registers: reg,
  });
  const qLatency = new Histogram({
    name: 'workqueue_queue_duration_seconds',
    help: 'How long in seconds an item stays in workqueue before being requested',
    labelNames: ['name'] as const,
    buckets: QUEUE_BUCKETS,
    registers: reg,
  });
  const qWork = new Histogram({
    name: 'workqueue_work_duration_seconds',
    help: 'How long in seconds processing an item from workqueue takes',
    labelNames: ['name'] as const,
    buckets: QUEUE_BUCKETS,
    registers: reg,
  });
  const qUnfinished = new Gauge({
    name: 'workqueue_unfinished_work_seconds',
    help:
      'How many seconds of work has been done that is in progress and has not been observed by ' +
      'work_duration. Large values indicate stuck threads.',
    labelNames: ['name'] as const,
    registers: reg,
  });
  const qLongest = new Gauge({
    name: 'workqueue_longest_running_processor_seconds',
    help: 'How many seconds has the longest running processor for workqueue been running.',
    labelNames: ['name'] as const,
    registers: reg,
  });

  const leaderStatus = new Gauge({
    name: 'leader_election_master_status',
    help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master.',
    labelNames: ['name'] as const,
    registers: reg,
  });

  const poolTarget = new Gauge({
    name: 'batchpool_target_nodes',
    help: 'Target node count of a BatchPool, by priority (dedicated, lowpriority)',
    labelNames: ['namespace', 'name', 'priority'] as const,
    registers: reg,
  });
  const poolCurrent = new Gauge({
    name: 'batchpool_current_nodes',
    help: 'Current node count of the Azure Batch pool, by priority (dedicated, lowpriority)',
    labelNames: ['namespace', 'name', 'priority'] as const,
    registers: reg,
  });
  const poolResizes = new Counter({
    name: 'batchpool_resize_attempts_total',
    help: 'Resizes issued to Azure, by the resize error code the attempt answers ("none" for the first)',
    labelNames: ['namespace', 'name', 'code'] as const,
    registers: reg,
  });
  const poolImage = new Gauge({
    name: 'batchpool_image_available',
    help: '1 when the custom VM image of a BatchPool exists, 0 when it is gone',
    labelNames: ['namespace', 'name'] as const,
    registers: reg,
  });

  const poolNodes = new Gauge({
    name: 'batchpool_nodes',
    help: 'Nodes of the Azure Batch pool by state (dedicated and Spot together), from its node counts',
    labelNames: ['namespace', 'name', 'state'] as const,
    registers: reg,
  });
  const poolUsable = new Gauge({
    name: 'batchpool_usable_nodes',
    help: 'Nodes of the Azure Batch pool that can run tasks (idle or running), dedicated and Spot',
    labelNames: ['namespace', 'name'] as const,
    registers: reg,
  });
  const recoveryActions = new Counter({
    name: 'batchpool_node_recovery_actions_total',
    help: 'Nodes rebooted or removed by node recovery, by kind (reboot, remove)',
    labelNames: ['kind'] as const,
    registers: reg,
  });
  for (const kind of ['reboot', 'remove']) recoveryActions.inc({ kind }, 0);

  const azureRequests = new Counter({
    name: 'azure_requests_total',
    help: 'Requests to Azure, by service (batch, compute, identity), operation and HTTP status or error',
    labelNames: ['service', 'operation', 'code'] as const,
    registers: reg,
  });
  const azureDuration = new Histogram({
    name: 'azure_request_duration_seconds',
    help: 'Latency of requests to Azure, by service and operation',
    labelNames: ['service', 'operation'] as const,
    buckets: AZURE_BUCKETS,
    registers: reg,
  });

  const accountRequests = new Counter({
    name: 'batchpool_azure_account_requests_total',
    help: 'Requests let through to a Batch account by its request budget, by account (endpoint host)',
    labelNames: ['account'] as const,
    registers: reg,
  });
  const accountThrottled = new Counter({
    name: 'batchpool_azure_throttled_total',
    help: 'Answers 429 or 503 from a Batch account, each of which paused every call to it',
    labelNames: ['account'] as const,
    registers: reg,
  });
  const accountPaused = new Counter({
    name: 'batchpool_azure_paused_seconds_total',
    help: 'Seconds a Batch account was paused because it answered 429 or 503',
    labelNames: ['account'] as const,
    registers: reg,
  });
  const accountRefused = new Counter({
    name: 'batchpool_azure_budget_refused_total',
    help: 'Calls failed at once (back to the queue) because the account budget would have kept them too long',
    labelNames: ['account'] as const,
    registers: reg,
  });
  const accountWait = new Histogram({
    name: 'batchpool_azure_budget_wait_seconds',
    help: 'How long requests waited for a token of their Batch account request budget',
    labelNames: ['account'] as const,
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: reg,
  });

  // Which resize codes (and node states) each pool has used, so forget() can remove exactly those series.
  const resizeCodes = new Map<string, Set<string>>();
  const nodeStates = new Map<string, Set<string>>();
  const queues = new Map<string, QueueMetrics>();

  const azureObserve = (service: AzureService, operation: string, code: number | string, seconds: number) => {
    azureRequests.inc({ service, operation, code: String(code) });
    azureDuration.observe({ service, operation }, seconds);
  };

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),

    reconcile: {
      register(controller, n) {
        maxConcurrent.set({ controller }, n);
        activeWorkers.set({ controller }, 0);
        for (const result of RECONCILE_RESULTS) reconcileTotal.inc({ controller, result }, 0);
        reconcileErrors.inc({ controller }, 0);
      },
      observe(controller, result, seconds) {
        reconcileTotal.inc({ controller, result });
        if (result === 'error') reconcileErrors.inc({ controller });
        reconcileTime.observe({ controller }, seconds);
      },
      activeWorkers(controller, n) {
        activeWorkers.set({ controller }, n);
      },
    },

    queue(name) {
      let q = queues.get(name);
      if (!q) {
        qDepth.set({ name }, 0);
        qAdds.inc({ name }, 0);
        qRetries.inc({ name }, 0);
        q = {
          add: () => qAdds.inc({ name }),
          depth: (n) => qDepth.set({ name }, n),
          retry: () => qRetries.inc({ name }),
          queued: (s) => qLatency.observe({ name }, s),
          worked: (s) => qWork.observe({ name }, s),
          inFlight: (unfinished, longest) => {
            qUnfinished.set({ name }, unfinished);
            qLongest.set({ name }, longest);
          },
        };
        queues.set(name, q);
      }
      return q;
    },

    leader: {
      set(name, leading) {
        leaderStatus.set({ name }, leading ? 1 : 0);
      },
    },

    pool: {
      set(namespace, name, s) {
        poolTarget.set({ namespace, name, priority: 'dedicated' }, s.targetDedicatedNodes);
        poolTarget.set({ namespace, name, priority: 'lowpriority' }, s.targetLowPriorityNodes);
        poolCurrent.set({ namespace, name, priority: 'dedicated' }, s.currentDedicatedNodes);
        poolCurrent.set({ namespace, name, priority: 'lowpriority' }, s.currentLowPriorityNodes);
        if (s.imageAvailable !== undefined) poolImage.set({ namespace, name }, s.imageAvailable ? 1 : 0);
        if (s.usableNodes !== undefined) poolUsable.set({ namespace, name }, s.usableNodes);
        if (s.nodes) {
          const key = `${namespace}/${name}`;
          const seen = nodeStates.get(key) ?? new Set<string>();
          nodeStates.set(key, seen);
          // A state that emptied reads 0, not its last value.
          for (const state of seen) if (!(state in s.nodes)) poolNodes.set({ namespace, name, state }, 0);
          for (const [state, n] of Object.entries(s.nodes)) {
            seen.add(state);
            poolNodes.set({ namespace, name, state }, n);
          }
        }
      },
      recovered(kind, nodes) {
        recoveryActions.inc({ kind }, nodes);
      },
      resizeAttempt(namespace, name, code) {
        const key = `${namespace}/${name}`;
        let codes = resizeCodes.get(key);
        if (!codes) resizeCodes.set(key, (codes = new Set()));
        codes.add(code);
        poolResizes.inc({ namespace, name, code });
      },
      forget(namespace, name) {
        for (const priority of ['dedicated', 'lowpriority']) {
          poolTarget.remove({ namespace, name, priority });
          poolCurrent.remove({ namespace, name, priority });
        }
        poolImage.remove({ namespace, name });
        poolUsable.remove({ namespace, name });
        const key = `${namespace}/${name}`;
        for (const state of nodeStates.get(key) ?? []) poolNodes.remove({ namespace, name, state });
        nodeStates.delete(key);
        for (const code of resizeCodes.get(key) ?? []) poolResizes.remove({ namespace, name, code });
        resizeCodes.delete(key);
      },
    },

    azure: { observe: azureObserve },

    accountBudget: {
      sent(account, waitedSeconds) {
        accountRequests.inc({ account });
        accountWait.observe({ account }, waitedSeconds);
      },
      throttled(account, pausedSeconds) {
        accountThrottled.inc({ account });
        accountPaused.inc({ account }, pausedSeconds);
      },
      refused(account) {
        accountRefused.inc({ account });
      },
    },
  };
}

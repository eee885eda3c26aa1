// Composition root of `batchpool-operator run`: configuration, wiring, probes and metrics, leader election,
// and signals. SIGINT/SIGTERM stop the watches and the queue, give in-flight reconciles a bounded time,
// hand the Lease back, and exit 0. Losing the Lease exits 1, as controller-runtime does: a replica that
// may no longer write to Azure must stop at once and be restarted as a standby.

import { KubeSecretReader } from './kube/secrets.ts';
import { KubeConfig } from '@kubernetes/client-node';
import { AzureClients } from './azure/clients.ts';
import { NODE_COUNT_STATES } from './azure/ports.ts';
import type { BatchPoolStatus } from './api/types.ts';
import { realClock } from './clock.ts';
import { ConfigError, parseConfig, RUN_USAGE, type Config } from './config.ts';
import { AccountCredentialChecker, KubeAccountStatusSink } from './controller/account-credentials.ts';
import { Controller } from './controller/controller.ts';
import { LeaderElector } from './ha/leader-election.ts';
import { describe } from './errors.ts';
import { AccountSecrets, KubeSecretSource } from './kube/account-secrets.ts';
import { KubeClient } from './kube/client.ts';
import os from 'node:os';
import { KubeEventRecorder } from './kube/events.ts';
import { makeLogger } from './log.ts';
import { reuseDispatchers } from './kube/dispatcher.ts';
import { createMetrics, type AzureService } from './observability/metrics.ts';
import { startObservabilityServers, type ObservabilityServers } from './observability/server.ts';

const CONTROLLER = 'batchpool';

function loadKubeConfig(cfg: Config): KubeConfig {
  const kc = new KubeConfig();
  if (cfg.kubeconfig) kc.loadFromFile(cfg.kubeconfig);
  else kc.loadFromDefault();
  return reuseDispatchers(kc);
}

export async function runCommand(argv: string[]): Promise<number> {
  let cfg: Config;
  try {
    const parsed = parseConfig(argv, process.env);
    if (parsed === 'help') {
      console.log(RUN_USAGE);
      return 0;
    }
    cfg = parsed;
  } catch (err) {
    console.error(
      `batchpool-operator run: ${err instanceof Error ? err.message : String(err)}\n\n${RUN_USAGE}`,
    );
    return err instanceof ConfigError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
      ? 2
      : 1;
  }
  const log = makeLogger(cfg.logLevel);
  let kc: KubeConfig;
  try {
    kc = loadKubeConfig(cfg);
  } catch (err) {
    console.error(
      `batchpool-operator run: cannot load the kubeconfig: ${err instanceof Error ? err.message : String(err)}`,
    );
    return 1;
  }
  const clock = realClock;
  const metrics = createMetrics();
  metrics.reconcile.register(CONTROLLER, cfg.concurrency);
  // Batch on either plane (pools, node counts, nodes; the management plane's operations are arm.pool.*) is
  // service batch; the image checks are compute.
  const azureService = (op: string): AzureService =>
    /^(arm\.)?(pool|account|computeNode)\./.test(op) ? 'batch' : 'compute';
  const secrets = new AccountSecrets(new KubeSecretSource(kc, cfg.secretNamespace), {
    clock,
    refreshMs: cfg.accountSecretRefreshMs,
  });
  const azure = new AzureClients({
    identity: cfg.identity,
    secrets,
    armEndpoint: cfg.armEndpoint,
    ...(cfg.ca && { ca: cfg.ca }),
    clock,
    imageAnswerTtlMs: cfg.settings.imageRecheckMs,
    retry: {
      callTimeoutMs: cfg.azureCallTimeoutMs,
      maxRetryTimeMs: cfg.azureRetryBudgetMs,
      onAttempt: (op, code, seconds) => metrics.azure.observe(azureService(op), op, code, seconds),
    },
    budget: {
      ratePerSecond: cfg.azureAccountRatePerSecond,
      burst: cfg.azureAccountBurst,
      events: metrics.accountBudget,
    },
  });
  const events = new KubeEventRecorder(kc, {
    clock,
    onError: (err) => log.warn({ error: describe(err) }, 'event not recorded'),
  });
  const credentialChecks = new AccountCredentialChecker({
    credential: (identity) => azure.credential(identity),
    sink: new KubeAccountStatusSink(kc, process.env.POD_NAME || os.hostname()),
    clock,
    log,
    intervalMs: cfg.accountCredentialCheckMs,
    // Called only once both exist and the checker has started.
    onRecovered: (name) => controller.wakePoolsOf(name),
  });
  const controller = new Controller({
    kc,
    onAccount: credentialChecks,
    kube: new KubeClient(kc),
    azure,
    secrets: new KubeSecretReader(kc),
    events,
    clock,
    log,
    settings: cfg.settings,
    concurrency: cfg.concurrency,
    hooks: {
      queue: metrics.queue(CONTROLLER),
      reconciled: (_key, outcome, ms) => metrics.reconcile.observe(CONTROLLER, outcome, ms / 1000),
      poolStatus: (obj, st) =>
        metrics.pool.set(obj.metadata.namespace ?? '', obj.metadata.name, {
          targetDedicatedNodes: obj.spec.targetDedicatedNodes ?? 0,
          targetLowPriorityNodes: obj.spec.targetLowPriorityNodes ?? 0,
          currentDedicatedNodes: st.currentDedicatedNodes ?? 0,
          currentLowPriorityNodes: st.currentLowPriorityNodes ?? 0,
          ...(st.image && { imageAvailable: st.image.exists }),
          ...(st.nodes && { nodes: nodesByState(st.nodes), usableNodes: st.nodes.usable ?? 0 }),
        }),
      poolDeleted: (obj) => metrics.pool.forget(obj.metadata.namespace ?? '', obj.metadata.name),
      actionTaken: (obj, action) => {
        if (action.kind === 'rebootNodes') metrics.pool.recovered('reboot', action.nodeIds.length);
        if (action.kind === 'removeNodes') metrics.pool.recovered('remove', action.nodeIds.length);
        if (action.kind !== 'resize' && action.kind !== 'create') return;
        const code = (action.kind === 'resize' && action.afterError) || 'none';
        metrics.pool.resizeAttempt(obj.metadata.namespace ?? '', obj.metadata.name, code);
      },
    },
  });
  const le = cfg.leaderElection;
  const elector = le
    ? new LeaderElector({
        kubeConfig: kc,
        namespace: le.namespace,
        name: le.name,
        durations: cfg.leaderElectionDurations,
        log,
        onLeadershipChange: (leading) => metrics.leader.set(le.name, leading),
      })
    : undefined;

  let started = false;
  let servers: ObservabilityServers | undefined;
  try {
    servers = await startObservabilityServers({
      metricsBindAddress: cfg.metricsAddr,
      healthProbeBindAddress: cfg.healthAddr,
      metrics,
      // A standby is ready too: only the leader waits for its caches.
      readiness: {
        cachesSynced: () => started || (elector !== undefined && !elector.isLeader()),
        ...(elector && { leadership: () => elector.leadership() }),
      },
      log,
    });
  } catch (err) {
    log.warn(
      { error: err instanceof Error ? err.message : String(err) },
      'probe/metrics endpoints not started',
    );
  }

  const stopSignal = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info(
    {
      concurrency: cfg.concurrency,
      settings: cfg.settings,
      armEndpoint: cfg.armEndpoint,
      leaderElection: le ? { ...le, ...cfg.leaderElectionDurations } : false,
      identity: cfg.identity.federatedTokenFile
        ? 'workload'
        : cfg.identity.clientSecret
          ? 'client-secret'
          : 'default-chain',
    },
    'starting',
  );
  const begin = async () => {
    await controller.start();
    credentialChecks.start();
    started = true;
  };
  let lost: Promise<string> = new Promise(() => {});
  if (elector) {
    lost = elector
      .run(
        () => begin(),
        () => {},
      )
      .then((reason) => `lease ${reason}`);
  } else {
    void begin().catch((err: unknown) => log.error({ error: describe(err) }, 'controller failed to start'));
  }
  const why = await Promise.race([stopSignal, lost]);
  const leaseLost = why === 'lease lost';
  log.info({ reason: why, drainTimeoutMs: cfg.drainTimeoutMs }, 'stopping');
  await credentialChecks.stop();
  await controller.stop(leaseLost ? 0 : cfg.drainTimeoutMs);
  if (elector && !leaseLost) await elector.release().catch(() => {});
  await servers?.close();
  // Keep-alive sockets and SDK timers may outlive us; they must not keep a stopped operator running.
  const code = leaseLost ? 1 : 0;
  setTimeout(() => process.exit(code), 2000).unref();
  return code;
}

/** status.nodes as one count per state, dedicated and Spot together; every state is present. */
function nodesByState(n: NonNullable<BatchPoolStatus['nodes']>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const state of NODE_COUNT_STATES)
    out[state] = (n.dedicated?.[state] ?? 0) + (n.lowPriority?.[state] ?? 0);
  return out;
}

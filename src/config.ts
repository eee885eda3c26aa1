// Configuration, parsed once from flags and the environment. Every problem is reported in one error.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatDuration, parseDuration } from './controller/duration.ts';
import { DEFAULT_SETTINGS, type PlanSettings } from './controller/plan/index.ts';
import type { IdentityConfig } from './azure/credentials.ts';
import { DEFAULT_DURATIONS, type ElectionDurations } from './ha/leader-election.ts';
import { RETRY_POLICY } from './retry-policy.ts';

export interface Config {
  kubeconfig?: string;
  concurrency: number;
  settings: PlanSettings;
  drainTimeoutMs: number;
  /** host:port for /healthz and /readyz; empty = off. */
  healthAddr: string;
  /** host:port for /metrics; empty = off. */
  metricsAddr: string;
  leaderElection?: { namespace: string; name: string };
  /** Lease timings, used when leaderElection is on; validated as the elector requires. */
  leaderElectionDurations: ElectionDurations;
  logLevel: string;
  identity: IdentityConfig;
  armEndpoint: string;
  /** Extra CA (PEM) trusted for Batch, ARM and the authority host. */
  ca?: string;
  /** Azure call budget. */
  azureCallTimeoutMs: number;
  azureRetryBudgetMs: number;
  /** Each Batch account's request budget: tokens per second and the most held at once. */
  azureAccountRatePerSecond: number;
  azureAccountBurst: number;
  /** The operator's namespace: BatchAccount secretRefs name Secrets here. */
  secretNamespace: string;
  /** How old a copy of an account Secret may get before it is read again. */
  accountSecretRefreshMs: number;
  /** How often each BatchAccount's identity is checked for a token (its CredentialsReady condition). */
  accountCredentialCheckMs: number;
}

export const RUN_USAGE = `usage: batchpool-operator run [flags]

Watches BatchPools cluster-wide and keeps each Azure Batch pool at its target size.

flags:
  --kubeconfig PATH            kubeconfig to use (default: $KUBECONFIG, then in-cluster, then ~/.kube/config)
  --concurrency N              reconciles in flight at once (default 4)
  --resizing-poll DURATION     how often to look at a pool that is resizing (default 30s)
  --steady-resync DURATION     how often to look at a pool that needs nothing (default 5m, plus up to 25% jitter)
  --image-recheck DURATION     how often to re-check a missing image (default 1m)
  --image-check-interval DURATION  how often to re-check an image that exists (default 10m)
  --drain-timeout DURATION     on SIGTERM/SIGINT, how long in-flight reconciles may finish (default 30s)
  --health-addr HOST:PORT      serve /healthz and /readyz here (default :8081; "" = off)
  --metrics-addr HOST:PORT     serve Prometheus /metrics here (default :8080; "" = off)
  --leader-elect               only the replica holding the Lease reconciles
  --leader-election-namespace NS   namespace of the Lease (default $POD_NAMESPACE, else batchpool-system)
  --leader-election-id NAME    name of the Lease (default batchpool-operator-leader)
  --leader-election-lease-duration DURATION  a standby takes the Lease once it has not changed for this long
                               (default 15s; whole seconds)
  --leader-election-renew-deadline DURATION  the leader gives up when it cannot renew for this long
                               (default 10s; less than the lease duration)
  --leader-election-retry-period DURATION  pause between attempts to acquire or renew
                               (default 2s; less than the renew deadline)
  --log-level LEVEL            pino level (default info; $LOG_LEVEL)
  --azure-call-timeout DURATION  per-attempt timeout of an Azure call (default 30s)
  --azure-retry-budget DURATION  total time one Azure call may spend retrying before the queue backs off (default 15s)
  --azure-account-rate N       requests per second to one Batch account, all its pools and identities together
                               (default 50; a 429 or 503 pauses the account for its Retry-After)
  --azure-account-burst N      requests one Batch account may get at once after a quiet spell (default 100)
  --account-secret-refresh DURATION  how long a copy of a BatchAccount's Secret (spec.identity.secretRef) is used
                               before it is read again, so a rotated Secret is picked up (default 30s)
  --account-credential-check DURATION  how often a BatchAccount's identity is checked for a token, for its
                               CredentialsReady condition (default 1m)

environment:
  AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST
                               the usual meaning: workload identity when a federated token file is set,
                               else a client secret, else the default credential chain
  BATCHPOOL_ARM_ENDPOINT       ARM endpoint for image checks (default https://management.azure.com)
  BATCHPOOL_CA_FILE            extra CA (PEM file) to trust for Azure endpoints (tests, demos)
  BATCHPOOL_DISABLE_INSTANCE_DISCOVERY  "true" to skip Entra instance discovery (the simulator)
  POD_NAMESPACE                the operator's namespace, where BatchAccount secretRefs are read
                               (default batchpool-system)`;

export class ConfigError extends Error {}

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): Config | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', short: 'h' },
      kubeconfig: { type: 'string' },
      concurrency: { type: 'string' },
      'resizing-poll': { type: 'string' },
      'steady-resync': { type: 'string' },
      'image-recheck': { type: 'string' },
      'image-check-interval': { type: 'string' },
      'drain-timeout': { type: 'string' },
      'health-addr': { type: 'string' },
      'metrics-addr': { type: 'string' },
      'leader-elect': { type: 'boolean' },
      'leader-election-namespace': { type: 'string' },
      'leader-election-id': { type: 'string' },
      'leader-election-lease-duration': { type: 'string' },
      'leader-election-renew-deadline': { type: 'string' },
      'leader-election-retry-period': { type: 'string' },
      'log-level': { type: 'string' },
      'azure-call-timeout': { type: 'string' },
      'azure-retry-budget': { type: 'string' },
      'azure-account-rate': { type: 'string' },
      'azure-account-burst': { type: 'string' },
      'account-secret-refresh': { type: 'string' },
      'account-credential-check': { type: 'string' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const problems: string[] = [];
  const duration = (flag: keyof typeof values, fallback: number): number => {
    const v = values[flag];
    if (v === undefined) return fallback;
    const ms = parseDuration(String(v));
    if (ms === undefined || ms <= 0) {
      problems.push(`--${flag}: "${String(v)}" is not a duration like 30s or 5m`);
      return fallback;
    }
    return ms;
  };
  const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    problems.push(`--concurrency: "${values.concurrency}" is not a positive integer`);

  const rate =
    values['azure-account-rate'] === undefined
      ? RETRY_POLICY.accountBudget.ratePerSecond
      : Number(values['azure-account-rate']);
  if (!Number.isFinite(rate) || rate <= 0)
    problems.push(
      `--azure-account-rate: "${values['azure-account-rate']}" is not a number of requests per second > 0`,
    );
  const burst =
    values['azure-account-burst'] === undefined
      ? RETRY_POLICY.accountBudget.burst
      : Number(values['azure-account-burst']);
  if (!Number.isInteger(burst) || burst < 1)
    problems.push(`--azure-account-burst: "${values['azure-account-burst']}" is not a positive integer`);

  const election = electionDurations(
    {
      leaseDurationMs: duration('leader-election-lease-duration', DEFAULT_DURATIONS.leaseDurationMs),
      renewDeadlineMs: duration('leader-election-renew-deadline', DEFAULT_DURATIONS.renewDeadlineMs),
      retryPeriodMs: duration('leader-election-retry-period', DEFAULT_DURATIONS.retryPeriodMs),
    },
    problems,
  );

  let ca: string | undefined;
  if (env.BATCHPOOL_CA_FILE) {
    try {
      ca = readFileSync(env.BATCHPOOL_CA_FILE, 'utf8');
    } catch (err) {
      problems.push(`BATCHPOOL_CA_FILE: cannot read ${env.BATCHPOOL_CA_FILE} (${(err as Error).message})`);
    }
  }
  const armEndpoint = env.BATCHPOOL_ARM_ENDPOINT || 'https://management.azure.com';
  if (!/^https:\/\//.test(armEndpoint))
    problems.push(`BATCHPOOL_ARM_ENDPOINT: "${armEndpoint}" must be an https URL`);
  const authorityHost = env.AZURE_AUTHORITY_HOST || undefined;
  if (authorityHost && !/^https:\/\//.test(authorityHost))
    problems.push(`AZURE_AUTHORITY_HOST: "${authorityHost}" must be an https URL`);

  const config: Config = {
    ...((values.kubeconfig ?? env.KUBECONFIG) && { kubeconfig: values.kubeconfig ?? env.KUBECONFIG }),
    concurrency,
    settings: {
      resizingPollMs: duration('resizing-poll', DEFAULT_SETTINGS.resizingPollMs),
      steadyResyncMs: duration('steady-resync', DEFAULT_SETTINGS.steadyResyncMs),
      imageRecheckMs: duration('image-recheck', DEFAULT_SETTINGS.imageRecheckMs),
      imageCheckIntervalMs: duration('image-check-interval', DEFAULT_SETTINGS.imageCheckIntervalMs),
    },
    drainTimeoutMs: duration('drain-timeout', 30_000),
    healthAddr: values['health-addr'] ?? ':8081',
    metricsAddr: values['metrics-addr'] ?? ':8080',
    ...(values['leader-elect'] && {
      leaderElection: {
        namespace: values['leader-election-namespace'] ?? (env.POD_NAMESPACE || 'batchpool-system'),
        name: values['leader-election-id'] ?? 'batchpool-operator-leader',
      },
    }),
    leaderElectionDurations: election,
    logLevel: values['log-level'] ?? env.LOG_LEVEL ?? 'info',
    identity: {
      ...(env.AZURE_TENANT_ID && { tenantId: env.AZURE_TENANT_ID }),
      ...(env.AZURE_CLIENT_ID && { clientId: env.AZURE_CLIENT_ID }),
      ...(env.AZURE_CLIENT_SECRET && { clientSecret: env.AZURE_CLIENT_SECRET }),
      ...(env.AZURE_FEDERATED_TOKEN_FILE && { federatedTokenFile: env.AZURE_FEDERATED_TOKEN_FILE }),
      ...(authorityHost && { authorityHost }),
      disableInstanceDiscovery: /^(1|true|yes)$/i.test(env.BATCHPOOL_DISABLE_INSTANCE_DISCOVERY ?? ''),
      ...(ca && { ca }),
    },
    armEndpoint,
    ...(ca && { ca }),
    azureCallTimeoutMs: duration('azure-call-timeout', 30_000),
    azureRetryBudgetMs: duration('azure-retry-budget', 15_000),
    azureAccountRatePerSecond: rate,
    azureAccountBurst: burst,
    secretNamespace: env.POD_NAMESPACE || 'batchpool-system',
    accountSecretRefreshMs: duration('account-secret-refresh', 30_000),
    accountCredentialCheckMs: duration('account-credential-check', 60_000),
  };
  if (problems.length) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  return config;
}

// The elector's own rules (validateDurations), checked here so the error names the flag to change.
function electionDurations(d: ElectionDurations, problems: string[]): ElectionDurations {
  const show = (ms: number) => (ms % 1000 ? `${ms}ms` : formatDuration(ms));
  if (d.leaseDurationMs % 1000 !== 0)
    problems.push(
      `--leader-election-lease-duration: ${show(d.leaseDurationMs)} must be whole seconds (Lease.spec is in seconds)`,
    );
  if (d.renewDeadlineMs >= d.leaseDurationMs)
    problems.push(
      `--leader-election-renew-deadline: ${show(d.renewDeadlineMs)} must be less than --leader-election-lease-duration (${show(d.leaseDurationMs)})`,
    );
  if (d.retryPeriodMs >= d.renewDeadlineMs)
    problems.push(
      `--leader-election-retry-period: ${show(d.retryPeriodMs)} must be less than --leader-election-renew-deadline (${show(d.renewDeadlineMs)})`,
    );
  return d;
}

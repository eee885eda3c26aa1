// The `run` flags for leader election and the metrics server, ready to merge into config.ts's
// parseArgs options, and their parsing into the LeaderElector's and the servers' options. Kept here
// so the composition root only has to spread them in; names follow the Deployment's args.
import { parseDuration } from '../controller/duration.ts';
import { DEFAULT_DURATIONS, DEFAULT_LEASE_NAME, validateDurations } from './leader-election.ts';
import type { ElectionDurations } from './leader-election.ts';

export const HA_FLAG_OPTIONS = {
  'leader-elect': { type: 'boolean' },
  'leader-election-namespace': { type: 'string' },
  'leader-election-id': { type: 'string' },
  'leader-elect-lease-duration': { type: 'string' },
  'leader-elect-renew-deadline': { type: 'string' },
  'leader-elect-retry-period': { type: 'string' },
  'metrics-addr': { type: 'string' },
} as const;

export const HA_USAGE = `  --leader-elect               elect a leader on a Lease; only the leader reconciles (default off)
  --leader-election-namespace NS  namespace of the Lease (default $POD_NAMESPACE, else batchpool-system)
  --leader-election-id NAME    name of the Lease (default ${DEFAULT_LEASE_NAME})
  --leader-elect-lease-duration DURATION  a standby takes over after this long without renewal (default 15s)
  --leader-elect-renew-deadline DURATION  the leader gives up after failing to renew this long (default 10s)
  --leader-elect-retry-period DURATION    between acquire/renew attempts (default 2s)
  --metrics-addr HOST:PORT     serve /metrics here (default :8080; "0" = off)`;

export interface HaConfig {
  leaderElection?: { namespace: string; name: string; durations: ElectionDurations };
  metricsAddr: string;
}

type HaValues = {
  [K in keyof typeof HA_FLAG_OPTIONS]?: (typeof HA_FLAG_OPTIONS)[K]['type'] extends 'boolean'
    ? boolean
    : string;
};

/** Parses the HA flags; problems are appended to `problems` (config.ts reports them all at once). */
export function parseHaFlags(values: HaValues, env: NodeJS.ProcessEnv, problems: string[]): HaConfig {
  const duration = (flag: keyof HaValues, fallback: number): number => {
    const v = values[flag];
    if (v === undefined) return fallback;
    const ms = parseDuration(String(v));
    if (ms === undefined || ms <= 0) {
      problems.push(`--${flag}: "${String(v)}" is not a duration like 15s`);
      return fallback;
    }
    return ms;
  };
  const durations: ElectionDurations = {
    leaseDurationMs: duration('leader-elect-lease-duration', DEFAULT_DURATIONS.leaseDurationMs),
    renewDeadlineMs: duration('leader-elect-renew-deadline', DEFAULT_DURATIONS.renewDeadlineMs),
    retryPeriodMs: duration('leader-elect-retry-period', DEFAULT_DURATIONS.retryPeriodMs),
  };
  if (values['leader-elect']) {
    try {
      validateDurations(durations);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  return {
    ...(values['leader-elect']
      ? {
          leaderElection: {
            namespace: values['leader-election-namespace'] || env.POD_NAMESPACE || 'batchpool-system',
            name: values['leader-election-id'] || DEFAULT_LEASE_NAME,
            durations,
          },
        }
      : {}),
    metricsAddr: values['metrics-addr'] ?? ':8080',
  };
}

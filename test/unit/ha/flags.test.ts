import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HA_FLAG_OPTIONS, parseHaFlags } from '../../../src/ha/flags.ts';

function parse(args: string[], env: NodeJS.ProcessEnv = {}) {
  const { values } = parseArgs({ args, options: HA_FLAG_OPTIONS, strict: true });
  const problems: string[] = [];
  return { config: parseHaFlags(values, env, problems), problems };
}

describe('leader election and metrics flags', () => {
  it('leaves leader election off by default and serves metrics on :8080', () => {
    expect(parse([])).toEqual({ config: { metricsAddr: ':8080' }, problems: [] });
  });

  it('takes the Deployment args: Lease in the pod namespace, controller-runtime durations', () => {
    const { config, problems } = parse(['--leader-elect', '--metrics-addr=:8080'], { POD_NAMESPACE: 'ops' });
    expect(problems).toEqual([]);
    expect(config.leaderElection).toEqual({
      namespace: 'ops',
      name: 'batchpool-operator-leader',
      durations: { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
    });
  });

  it('reports bad or unsafe durations', () => {
    expect(parse(['--leader-elect', '--leader-elect-retry-period=soon']).problems).toEqual([
      '--leader-elect-retry-period: "soon" is not a duration like 15s',
    ]);
    expect(
      parse(['--leader-elect', '--leader-elect-lease-duration=10s', '--leader-elect-renew-deadline=10s'])
        .problems[0],
    ).toMatch(/lease duration must be longer than the renew deadline/);
  });
});

import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/config.ts';
import { makeLogger } from '../../../src/log.ts';

describe('parseConfig', () => {
  it('reads the standard Azure variables and the operator flags', () => {
    const c = parseConfig(['--concurrency', '8', '--resizing-poll', '10s', '--steady-resync', '6m'], {
      AZURE_TENANT_ID: 't',
      AZURE_CLIENT_ID: 'c',
      AZURE_FEDERATED_TOKEN_FILE: '/var/run/token',
      AZURE_AUTHORITY_HOST: 'https://login.example',
      BATCHPOOL_DISABLE_INSTANCE_DISCOVERY: 'true',
    });
    if (c === 'help') throw new Error();
    expect(c.concurrency).toBe(8);
    expect(c.settings).toMatchObject({ resizingPollMs: 10_000, steadyResyncMs: 360_000 });
    expect(c.identity).toMatchObject({
      tenantId: 't',
      clientId: 'c',
      federatedTokenFile: '/var/run/token',
      authorityHost: 'https://login.example',
      disableInstanceDiscovery: true,
    });
    expect(c.armEndpoint).toBe('https://management.azure.com');
  });

  it('lists every problem at once', () => {
    expect(() =>
      parseConfig(['--concurrency', '0', '--resizing-poll', 'soon'], {
        BATCHPOOL_ARM_ENDPOINT: 'http://x',
        BATCHPOOL_CA_FILE: '/no/such/file',
      }),
    ).toThrow(ConfigError);
    try {
      parseConfig(['--concurrency', '0', '--resizing-poll', 'soon'], { BATCHPOOL_ARM_ENDPOINT: 'http://x' });
    } catch (err) {
      expect((err as Error).message).toMatch(/--resizing-poll/);
      expect((err as Error).message).toMatch(/--concurrency/);
      expect((err as Error).message).toMatch(/BATCHPOOL_ARM_ENDPOINT/);
    }
  });
});

describe('the Batch account request budget flags', () => {
  it('default to 50 requests per second with a burst of 100, and are read from the flags', () => {
    const d = parseConfig([], {});
    if (d === 'help') throw new Error();
    expect([d.azureAccountRatePerSecond, d.azureAccountBurst]).toEqual([50, 100]);
    const c = parseConfig(['--azure-account-rate', '2.5', '--azure-account-burst', '10'], {});
    if (c === 'help') throw new Error();
    expect([c.azureAccountRatePerSecond, c.azureAccountBurst]).toEqual([2.5, 10]);
  });

  it('refuse a rate that is not above 0 and a burst that is not a positive integer', () => {
    expect(() => parseConfig(['--azure-account-rate', '0', '--azure-account-burst', '1.5'], {})).toThrow(
      /--azure-account-rate[\s\S]*--azure-account-burst/,
    );
    expect(() => parseConfig(['--azure-account-rate', 'fast'], {})).toThrow(/--azure-account-rate/);
  });
});

describe('leader-election timings', () => {
  const problemsOf = (argv: string[]): string => {
    try {
      parseConfig(argv, {});
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it("default to controller-runtime's 15s / 10s / 2s", () => {
    const c = parseConfig(['--leader-elect'], {});
    if (c === 'help') throw new Error();
    expect(c.leaderElectionDurations).toEqual({
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
  });

  it('are read from the flags as Go-style durations', () => {
    const c = parseConfig(
      [
        '--leader-elect',
        '--leader-election-lease-duration',
        '1m',
        '--leader-election-renew-deadline',
        '45s',
        '--leader-election-retry-period',
        '1500ms',
      ],
      {},
    );
    if (c === 'help') throw new Error();
    expect(c.leaderElectionDurations).toEqual({
      leaseDurationMs: 60_000,
      renewDeadlineMs: 45_000,
      retryPeriodMs: 1_500,
    });
  });

  it('refuse a renew deadline not shorter than the lease duration, naming the flag', () => {
    expect(problemsOf(['--leader-election-lease-duration', '10s'])).toMatch(
      /--leader-election-renew-deadline: 10s must be less than --leader-election-lease-duration \(10s\)/,
    );
  });

  it('refuse a retry period not shorter than the renew deadline, naming the flag', () => {
    expect(problemsOf(['--leader-election-retry-period', '10s'])).toMatch(
      /--leader-election-retry-period: 10s must be less than --leader-election-renew-deadline \(10s\)/,
    );
  });

  it('refuse a lease duration in fractions of a second and a value that is not a duration', () => {
    expect(problemsOf(['--leader-election-lease-duration', '15500ms'])).toMatch(
      /--leader-election-lease-duration: 15500ms must be whole seconds/,
    );
    expect(problemsOf(['--leader-election-retry-period', 'often'])).toMatch(
      /--leader-election-retry-period: "often" is not a duration/,
    );
  });
});

describe('logger', () => {
  it('never prints a secret or a token', () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    const log = makeLogger('info', sink);
    log.info(
      {
        identity: { clientId: 'c', clientSecret: 's3cret' },
        token: 'eyJtoken',
        headers: { authorization: 'Bearer eyJ' },
      },
      'x',
    );
    expect(out).not.toMatch(/s3cret|eyJ/);
    expect(out).toMatch(/"clientId":"c"/);
  });
});

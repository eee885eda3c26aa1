// The CredentialsReady condition and events of a BatchAccount, from the credential check: written when the
// outcome changes and only then, a Warning when the identity stops working, the pools woken when it works again.
import { describe, expect, it } from 'vitest';
import type { TokenCredential } from '@azure/identity';
import type { BatchAccount, BatchAccountStatus } from '../../../src/api/types.ts';
import { AccountCredentialChecker, type AccountEvent } from '../../../src/controller/account-credentials.ts';
import { AccountSecretError } from '../../../src/kube/account-secrets.ts';
import { makeLogger } from '../../../src/log.ts';
import { FakeClock } from '../../support/fake-clock.ts';

function account(identity?: BatchAccount['spec']['identity']): BatchAccount {
  return {
    apiVersion: 'batch.pooloperator.dev/v1alpha1',
    kind: 'BatchAccount',
    metadata: { name: 'prod', uid: 'u1', generation: 2 },
    spec: { endpoint: 'https://prod.westeurope.batch.azure.com', ...(identity && { identity }) },
  };
}

function setup() {
  const clock = new FakeClock();
  let failWith: Error | undefined;
  const writes: BatchAccountStatus[] = [];
  const events: AccountEvent[] = [];
  const recovered: string[] = [];
  const cred = {
    description: 'client secret from Secret batchpool-system/prod-app key clientSecret',
    getToken: () =>
      failWith
        ? Promise.reject(failWith)
        : Promise.resolve({ token: 't', expiresOnTimestamp: Date.now() + 1e6 }),
  } as TokenCredential;
  const checker = new AccountCredentialChecker({
    credential: () => cred,
    sink: {
      patchStatus: (_a, s) => {
        writes.push(s);
        return Promise.resolve();
      },
      event: (_a, e) => {
        events.push(e);
        return Promise.resolve();
      },
    },
    clock,
    log: makeLogger('silent'),
    intervalMs: 60_000,
    onRecovered: (n) => recovered.push(n),
  });
  return { clock, checker, writes, events, recovered, fail: (e: Error | undefined) => (failWith = e) };
}

const identity = { clientId: '00000000-0000-0000-0000-00000000000a', secretRef: { name: 'prod-app' } };

describe('AccountCredentialChecker', () => {
  it('says which Secret gives the token; writes nothing more while nothing changes', async () => {
    const t = setup();
    t.checker.seen(account(identity));
    await t.checker.checkSoon('prod');
    expect(t.writes).toHaveLength(1);
    expect(t.writes[0]!.conditions).toEqual([
      expect.objectContaining({
        type: 'CredentialsReady',
        status: 'True',
        reason: 'TokenIssued',
        observedGeneration: 2,
        message: expect.stringContaining(
          'with the client secret from Secret batchpool-system/prod-app key clientSecret',
        ),
      }),
    ]);
    expect(t.events).toEqual([]);
    await t.checker.checkSoon('prod');
    expect(t.writes).toHaveLength(1);
  });

  it('a broken Secret: False with the Secret’s reason and a Warning; fixed: True, a Normal event, pools woken', async () => {
    const t = setup();
    t.fail(
      new AccountSecretError('SecretKeyMissing', 'Secret batchpool-system/prod-app has no key clientSecret'),
    );
    t.checker.seen(account(identity));
    t.checker.start();
    await t.checker.checkSoon('prod');
    const failed = t.writes.at(-1)!.conditions![0]!;
    expect(failed).toMatchObject({ status: 'False', reason: 'SecretKeyMissing' });
    expect(failed.message).toMatch(
      /no token for client .*: Secret batchpool-system\/prod-app has no key clientSecret/,
    );
    expect(t.events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'SecretKeyMissing' })]);
    // The periodic check sees the same failure: nothing written, no new event.
    await t.clock.advance(60_000);
    await t.checker.checkSoon('prod');
    expect(t.writes).toHaveLength(1);
    t.fail(undefined);
    await t.clock.advance(60_000);
    await t.checker.checkSoon('prod');
    expect(t.writes.at(-1)!.conditions![0]).toMatchObject({ status: 'True', reason: 'TokenIssued' });
    expect(t.events.at(-1)).toMatchObject({ type: 'Normal', reason: 'CredentialsWork' });
    expect(t.recovered).toEqual(['prod']);
    await t.checker.stop();
  });

  it('an Entra ID refusal is AuthenticationFailed; an unreachable one EntraUnreachable', async () => {
    const t = setup();
    t.fail(
      Object.assign(new Error('AADSTS7000215: Invalid client secret provided.'), {
        name: 'AuthenticationError',
      }),
    );
    t.checker.seen(account(identity));
    await t.checker.checkSoon('prod');
    expect(t.writes.at(-1)!.conditions![0]).toMatchObject({ reason: 'AuthenticationFailed' });
    t.fail(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    await t.checker.checkSoon('prod');
    expect(t.writes.at(-1)!.conditions![0]).toMatchObject({ reason: 'EntraUnreachable' });
  });

  it('leaves accounts that name no identity alone', async () => {
    const t = setup();
    t.checker.seen(account());
    await t.checker.checkSoon('prod');
    expect(t.writes).toEqual([]);
  });
});

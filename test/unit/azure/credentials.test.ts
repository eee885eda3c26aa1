// Which credential a BatchAccount's spec.identity selects, and the Secret-held ones end to end against the
// simulator's Entra ID: client secret and client certificate, a fixed and a rotated Secret, and every way
// a Secret can be wrong, with messages that name the Secret and key and never the value.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiException } from '@kubernetes/client-node';
import { AzureClients } from '../../../src/azure/clients.ts';
import { azureFailure } from '../../../src/azure/errors.ts';
import {
  AccountIdentityError,
  CredentialCache,
  credentialMode,
  type IdentityConfig,
} from '../../../src/azure/credentials.ts';
import { AccountSecrets, type SecretSource } from '../../../src/kube/account-secrets.ts';
import type { Simulator } from '../../../src/simulator/index.ts';
import { generateClientCertificate, startSimulator } from '../../../src/simulator/index.ts';
import { FakeClock } from '../../support/fake-clock.ts';

const BATCH = 'https://batch.core.windows.net//.default';
const TENANT = '72f988bf-0000-4000-8000-000000000001';
const OTHER_TENANT = '5e4d3c2b-0000-4000-8000-00000000c000';
const SECRET_APP = '2b3c4d5e-0000-4000-8000-00000000a001';
const CERT_APP = '2b3c4d5e-0000-4000-8000-00000000a002';
const GOOD = 'the-right-client-secret-Q7x';
const NEXT = 'the-next-client-secret-Z9y';

/** An in-memory namespace of Secrets; `forbidden` names answer 403, as RBAC with resourceNames does. */
class FakeSecrets implements SecretSource {
  readonly namespace = 'batchpool-system';
  readonly secrets = new Map<string, { rv: number; data: Record<string, string> }>();
  readonly forbidden = new Set<string>();
  reads = 0;
  down = false;
  put(name: string, data: Record<string, string>) {
    const rv = (this.secrets.get(name)?.rv ?? 0) + 1;
    const enc = Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    );
    this.secrets.set(name, { rv, data: enc });
  }
  get(name: string) {
    this.reads++;
    if (this.down) return Promise.reject(new Error('connect ECONNREFUSED'));
    if (this.forbidden.has(name))
      return Promise.reject(new ApiException(403, 'Forbidden', '{"reason":"Forbidden"}', {}));
    const s = this.secrets.get(name);
    return Promise.resolve(s && { resourceVersion: String(s.rv), data: s.data });
  }
}

let sim: Simulator;
let cert: { certPem: string; keyPem: string };
let tokenFile: string;

beforeAll(async () => {
  cert = await generateClientCertificate();
  sim = await startSimulator({
    timeScale: 0,
    entraClients: [
      { tenantId: TENANT, clientId: SECRET_APP, secrets: [GOOD, NEXT] },
      { tenantId: OTHER_TENANT, clientId: CERT_APP, certificates: [cert.certPem] },
    ],
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'bpo-cred-'));
  tokenFile = path.join(dir, 'token');
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  await writeFile(tokenFile, `${part({ alg: 'RS256' })}.${part({ sub: 'system:serviceaccount:x:y' })}.c2ln`);
});
afterAll(async () => {
  await sim?.close();
});

function cfg(o: Partial<IdentityConfig> = {}): IdentityConfig {
  return {
    tenantId: sim.info.tenantId,
    clientId: sim.info.clientId,
    clientSecret: sim.info.clientSecret,
    authorityHost: sim.info.authorityHost,
    disableInstanceDiscovery: true,
    ca: sim.info.caPem,
    ...o,
  };
}
const claims = (t: string) => JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString('utf8'));
async function tokenClaims(c: { getToken(s: string): Promise<{ token: string } | null> }) {
  return claims((await c.getToken(BATCH))!.token) as { appid: string; tid: string };
}
async function failure(p: Promise<unknown>) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected the call to fail').toBeDefined();
  return azureFailure(err, Date.now());
}

describe('credentialMode', () => {
  const base: IdentityConfig = {
    tenantId: TENANT,
    clientId: 'op',
    clientSecret: 's',
    disableInstanceDiscovery: true,
  };
  it('nothing: the operator’s own identity', () => {
    expect(credentialMode(base, undefined)).toEqual({ kind: 'operator' });
    expect(credentialMode(base, {})).toEqual({ kind: 'operator' });
  });
  it('clientId alone: workload identity in the account’s tenant, else the operator’s', () => {
    const wi = { ...base, federatedTokenFile: '/var/run/token' };
    expect(credentialMode(wi, { clientId: SECRET_APP })).toEqual({
      kind: 'workload',
      tenantId: TENANT,
      clientId: SECRET_APP,
    });
    expect(credentialMode(wi, { clientId: SECRET_APP, tenantId: OTHER_TENANT })).toMatchObject({
      kind: 'workload',
      tenantId: OTHER_TENANT,
    });
  });
  it('clientId alone without a federated token file is an error, never the operator’s client secret', () => {
    expect(() => credentialMode(base, { clientId: SECRET_APP })).toThrow(AccountIdentityError);
    expect(() => credentialMode(base, { clientId: SECRET_APP })).toThrow(/AZURE_FEDERATED_TOKEN_FILE/);
  });
  it('the operator’s own client ID in its own tenant is the operator’s identity', () => {
    expect(credentialMode(base, { clientId: 'op' })).toEqual({ kind: 'operator' });
  });
  it('clientId and secretRef: the Secret, in the account’s tenant', () => {
    expect(
      credentialMode(base, { clientId: CERT_APP, tenantId: OTHER_TENANT, secretRef: { name: 's' } }),
    ).toEqual({
      kind: 'secretRef',
      tenantId: OTHER_TENANT,
      clientId: CERT_APP,
      secretRef: { name: 's' },
    });
  });
  it('no tenant anywhere is an error', () => {
    expect(() =>
      credentialMode({ ...base, tenantId: undefined }, { clientId: 'x', secretRef: { name: 's' } }),
    ).toThrow(/tenantId/);
  });
});

describe('CredentialCache against the simulator', () => {
  it('workload identity for an account client ID, with the operator on a client secret of its own', async () => {
    // The simulator takes an assertion for a client it has no registration of as a federated token.
    const federated = '2b3c4d5e-0000-4000-8000-00000000a0ff';
    const cache = new CredentialCache(cfg({ federatedTokenFile: tokenFile }));
    expect((await tokenClaims(cache.get({ clientId: federated }))).appid).toBe(federated);
    // Without the token file, the same identity fails rather than borrowing the operator's secret.
    const noWi = new CredentialCache(cfg());
    const since = sim.requests.cursor();
    const f = await failure(noWi.get({ clientId: federated }).getToken(BATCH));
    expect(f).toMatchObject({ kind: 'terminal', code: 'WorkloadIdentityUnavailable' });
    expect(sim.requests.list({ since, api: 'entra' })).toEqual([]);
  });

  it('a client secret and a certificate from Secrets, each token issued to its own client and tenant', async () => {
    const src = new FakeSecrets();
    src.put('app-secret', { clientSecret: GOOD });
    src.put('app-cert', { clientCertificate: `${cert.certPem}${cert.keyPem}` });
    const cache = new CredentialCache(cfg(), new AccountSecrets(src, { clock: new FakeClock() }));
    expect(
      await tokenClaims(cache.get({ clientId: SECRET_APP, secretRef: { name: 'app-secret' } })),
    ).toMatchObject({
      appid: SECRET_APP,
      tid: TENANT,
    });
    const byCert = cache.get({ clientId: CERT_APP, tenantId: OTHER_TENANT, secretRef: { name: 'app-cert' } });
    expect(await tokenClaims(byCert)).toMatchObject({ appid: CERT_APP, tid: OTHER_TENANT });
    // The operator's own identity is untouched.
    expect((await tokenClaims(cache.get(undefined))).appid).toBe(sim.info.clientId);
  });

  it('a wrong secret is a terminal AADSTS7000215 that names no secret; fixing the Secret is picked up at once', async () => {
    const src = new FakeSecrets();
    const wrong = 'wrong-secret-value-8k2';
    src.put('s', { clientSecret: wrong });
    const clock = new FakeClock();
    const cred = new CredentialCache(cfg(), new AccountSecrets(src, { clock })).get({
      clientId: SECRET_APP,
      secretRef: { name: 's' },
    });
    const f = await failure(cred.getToken(BATCH));
    expect(f.kind).toBe('terminal');
    // Which client, tenant and Secret were used, then Entra ID's reason without its per-attempt IDs.
    expect(f.message).toMatch(
      new RegExp(
        `^client ${SECRET_APP} in tenant ${TENANT} with the client secret from Secret batchpool-system/s key clientSecret: AADSTS7000215: Invalid client secret provided`,
      ),
    );
    expect(f.message).not.toMatch(/Trace ID|Correlation ID|Timestamp/);
    expect(JSON.stringify(f)).not.toContain(wrong);
    src.put('s', { clientSecret: GOOD });
    // No clock advance: a refused login makes the next read go to the apiserver.
    expect((await tokenClaims(cred)).appid).toBe(SECRET_APP);
  });

  it('re-reads a Secret after the refresh interval, keeping the credential while the resourceVersion stays', async () => {
    const src = new FakeSecrets();
    src.put('s', { clientSecret: GOOD });
    const clock = new FakeClock();
    const secrets = new AccountSecrets(src, { clock, refreshMs: 30_000 });
    const cred = new CredentialCache(cfg(), secrets).get({ clientId: SECRET_APP, secretRef: { name: 's' } });
    await cred.getToken(BATCH);
    const tokenCalls = () => sim.requests.list({ api: 'entra', clientId: SECRET_APP }).length;
    const before = tokenCalls();
    await clock.advance(10_000);
    await cred.getToken(BATCH);
    expect(src.reads).toBe(1);
    await clock.advance(30_000);
    await cred.getToken(BATCH);
    expect(src.reads).toBe(2);
    // Same resourceVersion: the same credential, so MSAL's cache answered both without Entra ID.
    expect(tokenCalls()).toBe(before);
    // Rotated: a new credential, which logs in with the new secret.
    src.put('s', { clientSecret: NEXT });
    await clock.advance(30_000);
    expect((await tokenClaims(cred)).appid).toBe(SECRET_APP);
    expect(tokenCalls()).toBe(before + 1);
  });

  it('names the Secret and the key for each way a Secret is wrong, never the value', async () => {
    const src = new FakeSecrets();
    const value = 'secret-value-that-must-not-leak-3J';
    src.put('wrong-key', { password: value });
    src.put('both', { clientSecret: value, clientCertificate: value });
    src.put('bad-pem', {
      clientCertificate: `-----BEGIN CERTIFICATE-----\n${value}\n-----END CERTIFICATE-----\n`,
    });
    src.put('no-key', { clientCertificate: cert.certPem });
    src.put('key-only', { clientSecret: cert.keyPem });
    src.put('empty', { clientSecret: '' });
    src.forbidden.add('not-listed');
    const cache = new CredentialCache(cfg(), new AccountSecrets(src, { clock: new FakeClock() }));
    const cases: [string, string | undefined, string, RegExp][] = [
      ['missing', undefined, 'SecretNotFound', /Secret batchpool-system\/missing does not exist/],
      [
        'wrong-key',
        undefined,
        'SecretKeyMissing',
        /Secret batchpool-system\/wrong-key has no key clientSecret \(it has password\)/,
      ],
      ['wrong-key', 'other', 'SecretKeyMissing', /has no key other/],
      ['both', undefined, 'SecretKeyAmbiguous', /set spec.identity.secretRef.key/],
      [
        'bad-pem',
        undefined,
        'CertificateInvalid',
        /Secret batchpool-system\/bad-pem key clientCertificate: .*not a valid X.509/,
      ],
      ['no-key', undefined, 'CertificateInvalid', /no "-----BEGIN PRIVATE KEY-----" block/],
      ['key-only', undefined, 'CertificateInvalid', /holds a private key but no/],
      ['empty', undefined, 'SecretValueEmpty', /key clientSecret is empty/],
      [
        'not-listed',
        undefined,
        'SecretForbidden',
        /may not read Secret batchpool-system\/not-listed: add not-listed to the resourceNames/,
      ],
    ];
    for (const [name, key, code, message] of cases) {
      const f = await failure(
        cache.get({ clientId: SECRET_APP, secretRef: { name, ...(key && { key }) } }).getToken(BATCH),
      );
      expect(f, name).toMatchObject({ kind: 'terminal', code });
      expect(f.message, name).toMatch(message);
      expect(JSON.stringify(f), name).not.toContain(value);
      expect(JSON.stringify(f), name).not.toContain('PRIVATE KEY-----\nMI');
    }
  });

  it('an apiserver that does not answer is unreachable (try again), not a person’s problem', async () => {
    const src = new FakeSecrets();
    src.down = true;
    const cache = new CredentialCache(cfg(), new AccountSecrets(src, { clock: new FakeClock() }));
    const f = await failure(cache.get({ clientId: SECRET_APP, secretRef: { name: 's' } }).getToken(BATCH));
    expect(f).toMatchObject({ kind: 'unreachable', code: 'CredentialUnavailableError' });
    expect(f.message).toMatch(/cannot read Secret batchpool-system\/s/);
  });
});

describe('AzureClients', () => {
  it('calls Batch as the client the account’s Secret holds, and the errors reach the caller as CallErrors', async () => {
    const src = new FakeSecrets();
    src.put('app', { clientSecret: GOOD });
    src.put('broken', { clientSecret: 'nope' });
    const azure = new AzureClients({
      identity: cfg(),
      armEndpoint: sim.info.armEndpoint,
      ca: sim.info.caPem,
      retry: { retries: 0 },
      secrets: new AccountSecrets(src, { clock: new FakeClock() }),
    });
    const since = sim.requests.cursor();
    const endpoint = sim.info.batchUrl;
    expect(
      await azure
        .batch({ endpoint, identity: { clientId: SECRET_APP, secretRef: { name: 'app' } } })
        .get('x'),
    ).toBeUndefined();
    const gets = sim.requests.list({ since, operation: 'Pool_Get' });
    expect(gets.map((e) => e.clientId)).toEqual([SECRET_APP]);
    const err = await azure
      .batch({ endpoint, identity: { clientId: SECRET_APP, secretRef: { name: 'broken' } } })
      .get('x')
      .then(
        () => undefined,
        (e: unknown) => e as { failure: { kind: string; message: string } },
      );
    expect(err?.failure.kind).toBe('terminal');
    expect(err?.failure.message).toMatch(/AADSTS7000215/);
  });
});

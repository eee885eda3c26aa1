// The simulated Entra ID with app registrations besides the operator's own: client secrets and client
// certificates (private_key_jwt), in the simulator's tenant and in another one, through the real
// @azure/identity credentials, and the AADSTS errors Entra ID answers for what is wrong.
import { createSign, constants, sign as cryptoSign } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ClientCertificateCredential, ClientSecretCredential } from '@azure/identity';
import type { Simulator } from '../../../src/simulator/index.ts';
import { generateClientCertificate, startSimulator } from '../../../src/simulator/index.ts';
import { parseEntraClients } from '../../../src/simulator/cli.ts';
import { certificateThumbprints, verifyClientAssertion } from '../../../src/simulator/tokens.ts';

const BATCH = 'https://batch.core.windows.net//.default';
const SECRET_APP = '1a2b3c4d-0000-4000-8000-00000000a001';
const CERT_APP = '1a2b3c4d-0000-4000-8000-00000000a002';
const OTHER_TENANT = '9f8e7d6c-0000-4000-8000-00000000b000';
const FOREIGN_APP = '1a2b3c4d-0000-4000-8000-00000000a003';
const SECRET = 'app-secret-value-1';
let sim: Simulator;
let cert: { certPem: string; keyPem: string };
let stranger: { certPem: string; keyPem: string };

beforeAll(async () => {
  [cert, stranger] = await Promise.all([generateClientCertificate(), generateClientCertificate('CN=other')]);
  sim = await startSimulator({
    timeScale: 0,
    entraClients: [
      { tenantId: '72f988bf-0000-4000-8000-000000000001', clientId: SECRET_APP, secrets: [SECRET] },
      { tenantId: '72f988bf-0000-4000-8000-000000000001', clientId: CERT_APP, certificates: [cert.certPem] },
      { tenantId: OTHER_TENANT, clientId: FOREIGN_APP, secrets: ['foreign-secret'] },
    ],
  });
});
afterAll(async () => {
  await sim?.close();
});

const opts = () => ({
  authorityHost: sim.info.authorityHost,
  disableInstanceDiscovery: true,
  tlsOptions: { ca: sim.info.caPem },
});
const claims = (t: string) => JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString('utf8'));

describe('registered clients', () => {
  test('a client secret gets a token issued to that client', async () => {
    const c = new ClientSecretCredential(sim.info.tenantId, SECRET_APP, SECRET, opts());
    const t = claims((await c.getToken(BATCH)).token);
    expect(t).toMatchObject({
      appid: SECRET_APP,
      tid: sim.info.tenantId,
      aud: 'https://batch.core.windows.net/',
    });
  });

  test('a client in another tenant gets a token from that tenant only', async () => {
    const c = new ClientSecretCredential(OTHER_TENANT, FOREIGN_APP, 'foreign-secret', opts());
    expect(claims((await c.getToken(BATCH)).token)).toMatchObject({ appid: FOREIGN_APP, tid: OTHER_TENANT });
    const wrongTenant = new ClientSecretCredential(sim.info.tenantId, FOREIGN_APP, 'foreign-secret', opts());
    await expect(wrongTenant.getToken(BATCH)).rejects.toThrow(/AADSTS700016/);
  });

  test('a wrong secret is AADSTS7000215; the operator secret does not work for another client', async () => {
    const wrong = new ClientSecretCredential(sim.info.tenantId, SECRET_APP, 'not-it', opts());
    await expect(wrong.getToken(BATCH)).rejects.toThrow(/AADSTS7000215/);
    const borrowed = new ClientSecretCredential(sim.info.tenantId, SECRET_APP, sim.info.clientSecret, opts());
    await expect(borrowed.getToken(BATCH)).rejects.toThrow(/AADSTS7000215/);
  });

  test('a certificate registered on the app signs assertions that get tokens (PS256, x5t#S256)', async () => {
    const c = new ClientCertificateCredential(
      sim.info.tenantId,
      CERT_APP,
      { certificate: `${cert.certPem}\n${cert.keyPem}` },
      opts(),
    );
    expect(claims((await c.getToken(BATCH)).token)).toMatchObject({ appid: CERT_APP });
    const last = sim.requests.list({ api: 'entra', operation: 'Token' }).at(-1);
    expect(last).toMatchObject({ status: 200, clientId: CERT_APP });
  });

  test('a certificate that is not registered is AADSTS700027', async () => {
    const c = new ClientCertificateCredential(
      sim.info.tenantId,
      CERT_APP,
      { certificate: `${stranger.certPem}\n${stranger.keyPem}` },
      opts(),
    );
    await expect(c.getToken(BATCH)).rejects.toThrow(/AADSTS700027/);
  });

  test('a secret for a certificate-only app is refused, and an assertion for a secret-only app', async () => {
    const c = new ClientSecretCredential(sim.info.tenantId, CERT_APP, 'x', opts());
    await expect(c.getToken(BATCH)).rejects.toThrow(/AADSTS7000215/);
    const a = new ClientCertificateCredential(
      sim.info.tenantId,
      SECRET_APP,
      { certificate: `${cert.certPem}\n${cert.keyPem}` },
      opts(),
    );
    await expect(a.getToken(BATCH)).rejects.toThrow(/AADSTS700027/);
  });
});

describe('verifyClientAssertion', () => {
  const aud = 'https://login.example/tenant/oauth2/v2.0/token';
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const good = { iss: CERT_APP, sub: CERT_APP, aud, exp: now + 600, nbf: now, jti: 'j' };
  function rs256(payload: object, key = cert.keyPem, pem = cert.certPem): string {
    const head = b64({ alg: 'RS256', typ: 'JWT', x5t: certificateThumbprints(pem).x5t });
    const body = b64(payload);
    const sig = createSign('sha256').update(`${head}.${body}`).sign(key).toString('base64url');
    return `${head}.${body}.${sig}`;
  }
  function ps256(payload: object): string {
    const head = b64({ alg: 'PS256', typ: 'JWT', 'x5t#S256': certificateThumbprints(cert.certPem).x5tS256 });
    const body = b64(payload);
    const sig = cryptoSign('sha256', Buffer.from(`${head}.${body}`), {
      key: cert.keyPem,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    }).toString('base64url');
    return `${head}.${body}.${sig}`;
  }
  const check = (jwt: string) =>
    verifyClientAssertion(jwt, { clientId: CERT_APP, audiences: [aud], certificates: [cert.certPem] });
  const code = (jwt: string) => {
    const r = check(jwt);
    return r.ok ? 0 : r.code;
  };

  test('accepts RS256 with x5t and PS256 with x5t#S256', () => {
    expect(check(rs256(good)).ok).toBe(true);
    expect(check(ps256(good)).ok).toBe(true);
  });

  test('refuses each thing Entra ID checks, with its code', () => {
    expect(code('not.a.jwt')).toBe(50027);
    expect(code(rs256({ ...good, iss: 'someone-else' }))).toBe(700021);
    expect(code(rs256({ ...good, aud: 'https://login.example/other/oauth2/v2.0/token' }))).toBe(700023);
    expect(code(rs256({ ...good, exp: now - 3600 }))).toBe(700024);
    expect(code(rs256(good, stranger.keyPem, stranger.certPem))).toBe(700027);
    // Signed by another key, but naming the registered certificate's thumbprint.
    const forged = rs256(good, stranger.keyPem, cert.certPem);
    expect(check(forged)).toMatchObject({
      ok: false,
      code: 700027,
      text: expect.stringMatching(/invalid signature/),
    });
  });
});

describe('CLI --entra-client', () => {
  test('parses secrets, secret files and certificates, merging one client', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sim-clients-'));
    await writeFile(path.join(dir, 'cert.pem'), cert.certPem);
    await writeFile(path.join(dir, 'secret'), 's2\n');
    const parsed = parseEntraClients(
      [
        `${SECRET_APP}:secret=s1`,
        `${SECRET_APP}:secret-file=${path.join(dir, 'secret')}`,
        `${CERT_APP}@${OTHER_TENANT}:cert=${path.join(dir, 'cert.pem')}`,
      ],
      'tenant-a',
    );
    expect(parsed).toEqual([
      { tenantId: 'tenant-a', clientId: SECRET_APP, secrets: ['s1', 's2'] },
      { tenantId: OTHER_TENANT, clientId: CERT_APP, certificates: [cert.certPem] },
    ]);
    expect(() => parseEntraClients(['nonsense'], undefined)).toThrow(/is not CLIENT_ID/);
  });
});

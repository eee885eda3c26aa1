// The Entra ID half and the token checks in front of Batch and ARM, through the real
// @azure/identity credentials: client secret and workload identity (federated token file).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { WorkloadIdentityCredential } from '@azure/identity';
import type { Simulator } from '../../../src/simulator/index.ts';
import { startSimulator } from '../../../src/simulator/index.ts';
import {
  batchClient,
  computeClient,
  credential,
  raw,
  rejection,
  scopedTo,
  tokenFor,
  vmConfig,
} from './helpers.ts';

const BATCH = 'https://batch.core.windows.net//.default';
const ARM = 'https://management.azure.com/.default';
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 0 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
});

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

async function federatedTokenFile(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sim-wi-'));
  const file = path.join(dir, 'token');
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const jwt = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss: 'https://kubernetes.default.svc', sub: 'system:serviceaccount:ops:batchpool-operator', aud: 'api://AzureADTokenExchange', exp: Math.floor(Date.now() / 1000) + 3600 })}.c2lnbmF0dXJl`;
  await writeFile(file, jwt);
  return file;
}

describe('tokens', () => {
  test('ClientSecretCredential gets tokens whose audience follows the scope and whose appid is the client', async () => {
    const batchToken = claims(await tokenFor(sim, BATCH));
    expect(batchToken.aud).toBe('https://batch.core.windows.net/');
    expect(batchToken.appid).toBe(sim.info.clientId);
    expect(batchToken.tid).toBe(sim.info.tenantId);
    expect(claims(await tokenFor(sim, ARM)).aud).toBe('https://management.azure.com/');
  });

  test('a wrong secret or an unknown client gets AAD errors, not tokens', async () => {
    const wrongSecret = credential(sim, { clientSecret: 'nope' });
    await expect(wrongSecret.getToken(BATCH)).rejects.toThrow(/AADSTS7000215/);
    const unknownClient = credential(sim, { clientId: '11111111-2222-3333-4444-555555555555' });
    await expect(unknownClient.getToken(BATCH)).rejects.toThrow(/AADSTS700016/);
  });

  test('a client assertion that is not a JWT is refused', async () => {
    const res = await raw(sim, 'POST', `/${sim.info.tenantId}/oauth2/v2.0/token`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'any-client',
        scope: BATCH,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: 'not-a-jwt',
      }).toString(),
    });
    expect([res.status, res.json.error]).toEqual([400, 'invalid_client']);
    expect(res.json.error_description).toMatch(/^AADSTS50027:/);
  });

  test('WorkloadIdentityCredential exchanges a federated token for a token of the client it names', async () => {
    const clientId = 'aaaaaaaa-0000-4000-8000-00000000000a';
    const cred = new WorkloadIdentityCredential({
      tenantId: sim.info.tenantId,
      clientId,
      tokenFilePath: await federatedTokenFile(),
      authorityHost: sim.info.authorityHost,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: sim.info.caPem },
    });
    const image = sim.images.createGalleryImageVersion('gallery', 'img', '1.0.0');
    const batch = batchClient(sim, cred);
    await batch.createPool({
      id: 'wi',
      vmSize: 'Standard_D2s_v5',
      virtualMachineConfiguration: vmConfig(image),
      targetDedicatedNodes: 1,
    });
    await computeClient(sim, cred).galleryImageVersions.get('images-rg', 'gallery', 'img', '1.0.0');
    const calls = sim.requests.list().filter((e) => e.api === 'batch' || e.api === 'arm');
    expect(calls.map((e) => [e.operation, e.clientId])).toEqual([
      ['Pool_Add', clientId],
      ['GalleryImageVersions_Get', clientId],
    ]);
    const tokenCalls = sim.requests.list({ operation: 'Token' });
    expect(tokenCalls.every((e) => e.clientId === clientId && e.status === 200)).toBe(true);
  });
});

describe('checks in front of Batch and ARM', () => {
  test('Batch without Authorization is 400 MissingRequiredHeader', async () => {
    const res = await raw(sim, 'GET', '/pools?api-version=2025-06-01');
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('MissingRequiredHeader');
    expect(res.json.values).toEqual([{ key: 'HeaderName', value: 'Authorization' }]);
    expect(res.json.message.value).toContain(`RequestId:${String(res.headers['request-id'])}`);
  });

  test('Batch with a token for the ARM audience (the unwrapped-credential mistake) is 401', async () => {
    const wrong = batchClient(sim, scopedTo(credential(sim), ARM));
    const err = await rejection(wrong.listPools());
    expect([err.statusCode, err.code]).toEqual([401, 'AuthenticationFailed']);
    expect(err.details.values?.[0]?.value).toContain('audience');
  });

  test('Batch with a tampered token is 401; with shared-key auth it is 401 too', async () => {
    const token = await tokenFor(sim, BATCH);
    const tampered = `${token.slice(0, -4)}AAAA`;
    const res = await raw(sim, 'GET', '/pools', { headers: { authorization: `Bearer ${tampered}` } });
    expect([res.status, res.json.code]).toEqual([401, 'AuthenticationFailed']);
    const sharedKey = await raw(sim, 'GET', '/pools', { headers: { authorization: 'SharedKey acct:c2ln' } });
    expect(sharedKey.status).toBe(401);
  });

  test('ARM without a token, with a Batch token, or with garbage is 401 with ARM error codes', async () => {
    const imagePath = `/subscriptions/${sim.info.subscriptionId}/resourceGroups/rg/providers/Microsoft.Compute/images/x?api-version=2026-04-01`;
    const none = await raw(sim, 'GET', imagePath);
    expect([none.status, none.json.error.code]).toEqual([401, 'AuthenticationFailed']);
    const batchToken = await tokenFor(sim, BATCH);
    const wrong = await raw(sim, 'GET', imagePath, { headers: { authorization: `Bearer ${batchToken}` } });
    expect([wrong.status, wrong.json.error.code]).toEqual([401, 'InvalidAuthenticationTokenAudience']);
    const garbage = await raw(sim, 'GET', imagePath, { headers: { authorization: 'Bearer x.y.z' } });
    expect([garbage.status, garbage.json.error.code]).toEqual([401, 'InvalidAuthenticationToken']);
  });

  test('a client without access (denied) gets 403 from both services', async () => {
    sim.access.deny(sim.info.clientId);
    const err = await rejection(batchClient(sim).listPools());
    expect([err.statusCode, err.code]).toEqual([403, 'Forbidden']);
    await expect(computeClient(sim).images.get('rg', 'x')).rejects.toMatchObject({
      statusCode: 403,
      code: 'AuthorizationFailed',
    });
    sim.access.allow(sim.info.clientId);
    expect((await batchClient(sim).listPools()).value).toHaveLength(0);
  });

  test('the discovery document is same-origin and names the token endpoint; other tenants are unknown', async () => {
    const doc = await raw(sim, 'GET', `/${sim.info.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(doc.status).toBe(200);
    expect(doc.json.issuer).toBe(`${sim.info.authorityHost}/${sim.info.tenantId}/v2.0`);
    expect(doc.json.token_endpoint).toBe(`${sim.info.authorityHost}/${sim.info.tenantId}/oauth2/v2.0/token`);
    expect(typeof doc.json.authorization_endpoint).toBe('string');
    expect(typeof doc.json.jwks_uri).toBe('string');
    const other = await raw(sim, 'GET', '/some-other-tenant/v2.0/.well-known/openid-configuration');
    expect([other.status, other.json.error]).toEqual([400, 'invalid_tenant']);
  });
});

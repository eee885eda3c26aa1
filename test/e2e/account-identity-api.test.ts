// BatchAccount spec.identity as the apiserver checks it: tenantId and secretRef are additive within
// v1alpha1, so an account written before them is stored and read back unchanged, and what cannot work is
// refused with a message that names the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, kubectlOk } from '../support/kubectl.ts';
import { account } from '../support/e2e/api-manifests.ts';
import { installCrds } from '../support/e2e/install.ts';

const CLIENT = '6f1c3a4e-0b8d-4c2e-9a7f-1d2e3f4a5b6c';
const TENANT = '0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5';

async function rejected(manifest: Record<string, unknown>): Promise<string> {
  const r = await kubectl(['create', '--dry-run=server', '-f', '-'], { input: JSON.stringify(manifest) });
  expect(r.code, 'the apiserver should refuse it').not.toBe(0);
  return r.stderr;
}

beforeAll(async () => {
  await installCrds();
});

const created: string[] = [];
afterAll(async () => {
  for (const n of created) await kubectl(['delete', 'batchaccount', n, '--ignore-not-found', '--wait=false']);
});

describe('BatchAccount spec.identity', () => {
  it('keeps accounts written before tenantId and secretRef exactly as they were', async () => {
    const suffix = Date.now().toString(36);
    const before = [
      account(`old-none-${suffix}`),
      account(`old-wi-${suffix}`, { identity: { clientId: CLIENT } }),
    ];
    for (const m of before) {
      await kubectlOk(['create', '-f', '-'], { input: JSON.stringify(m) });
      created.push((m.metadata as { name: string }).name);
      const back = JSON.parse(
        await kubectlOk(['get', 'batchaccount', (m.metadata as { name: string }).name, '-o', 'json']),
      );
      expect(back.spec).toEqual(m.spec);
    }
  });

  it.each([
    ['clientId and tenantId', { clientId: CLIENT, tenantId: TENANT }],
    ['a Secret with the default key', { clientId: CLIENT, secretRef: { name: 'render-farm-app' } }],
    [
      'a Secret and key in another tenant',
      { clientId: CLIENT, tenantId: TENANT, secretRef: { name: 'render.farm-app', key: 'tls.pem' } },
    ],
  ])('accepts %s', async (_name, identity) => {
    await kubectlOk(['create', '--dry-run=server', '-f', '-'], {
      input: JSON.stringify(account('a', { identity })),
    });
  });

  it.each([
    [
      'a secretRef without clientId',
      { secretRef: { name: 's' } },
      ['spec.identity', 'secretRef needs spec.identity.clientId'],
    ],
    [
      'a tenantId without clientId',
      { tenantId: TENANT },
      ['spec.identity', 'tenantId needs spec.identity.clientId'],
    ],
    [
      'a tenantId that is not a GUID',
      { clientId: CLIENT, tenantId: 'contoso.onmicrosoft.com' },
      ['spec.identity.tenantId', 'must be a GUID'],
    ],
    [
      'a Secret name with upper case',
      { clientId: CLIENT, secretRef: { name: 'Render_App' } },
      ['spec.identity.secretRef.name', 'must be a Secret name'],
    ],
    [
      'a Secret key with a slash',
      { clientId: CLIENT, secretRef: { name: 's', key: 'a/b' } },
      ['spec.identity.secretRef.key', 'must be a Secret key'],
    ],
    [
      'a secretRef without a name',
      { clientId: CLIENT, secretRef: { key: 'clientSecret' } },
      ['spec.identity.secretRef.name', 'Required'],
    ],
  ])('refuses %s', async (_name, identity, fragments) => {
    const err = await rejected(account('a', { identity }));
    for (const f of fragments) expect(err).toContain(f);
  });
});

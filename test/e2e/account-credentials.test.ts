// BatchAccounts with their own app registration's credential in a Secret, against a real apiserver and the
// simulator's Entra ID, with the operator under its ServiceAccount's own token and the shipped RBAC, to which
// the Secret names are added the way docs/operations.md says (a kustomize patch of the account-secrets
// Role). One account uses a client secret, one a client certificate in another tenant: their pools become
// Ready through Batch calls made with tokens issued to those clients. A wrong secret and a Secret the Role does
// not name are told on the BatchAccount (CredentialsReady), its events and its pool; fixing the Secret heals
// both. No secret value appears in the operator's log, in any event or in any status.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, type BatchAccount } from '../../src/api/types.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import { generateClientCertificate } from '../../src/simulator/index.ts';
import { installDeploy } from '../support/e2e/install.ts';
import { condition, isReadyAt, KubeHelpers } from '../support/e2e/kube-helpers.ts';
import { startQuickSimulator } from '../support/e2e/simulators.ts';
import { kubectl, kubectlOk, uniqueNamespace } from '../support/kubectl.ts';
import { fastPolling } from '../support/operator-profiles.ts';
import { OperatorProcess } from '../support/operator-process.ts';
import { REPO_ROOT } from '../support/paths.ts';
import { sleep } from '../support/wait.ts';

const NS = 'batchpool-system';
const SECRET_APP = '3c4d5e6f-0000-4000-8000-00000000e001';
const CERT_APP = '3c4d5e6f-0000-4000-8000-00000000e002';
const CERT_TENANT = '8a7b6c5d-0000-4000-8000-00000000e0f0';
const GOOD = `good-${Math.random().toString(36).slice(2)}-Xy7`;
const WRONG = `wrong-${Math.random().toString(36).slice(2)}-Qz3`;
const SECRETS = { secret: 'e2e-cred-secret', cert: 'e2e-cred-cert', wrong: 'e2e-cred-wrong' } as const;
const NOT_LISTED = 'e2e-cred-not-in-role';

let sim: Simulator;
let op: OperatorProcess;
let cert: { certPem: string; keyPem: string };
let ns: string;
let overlay: string;
const kube = new KubeHelpers();

async function applySecret(name: string, data: Record<string, string>): Promise<void> {
  const body = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NS }, stringData: data };
  await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(body) });
}

async function applyAccount(name: string, identity: Record<string, unknown>): Promise<void> {
  const body = {
    apiVersion: API_VERSION,
    kind: 'BatchAccount',
    metadata: { name },
    spec: { endpoint: sim.info.batchUrl, location: sim.info.location, allowedNamespaces: [ns], identity },
  };
  await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(body) });
}

async function getAccount(name: string): Promise<BatchAccount> {
  return JSON.parse(await kubectlOk(['get', 'batchaccount', name, '-o', 'json'])) as BatchAccount;
}

async function waitForAccount(name: string, pred: (a: BatchAccount) => boolean, what: string) {
  const end = Date.now() + 30_000;
  let last: BatchAccount | undefined;
  while (Date.now() < end) {
    last = await getAccount(name);
    if (pred(last)) return last;
    await sleep(200);
  }
  throw new Error(
    `timed out waiting for BatchAccount ${name}: ${what}\nlast: ${JSON.stringify(last?.status)}`,
  );
}

const credentials = (a: BatchAccount) => a.status?.conditions?.find((c) => c.type === 'CredentialsReady');

beforeAll(async () => {
  const token = process.env.E2E_OPERATOR_KUBECONFIG;
  expect(token, 'the e2e global setup mints the ServiceAccount kubeconfig').toBeTruthy();
  await installDeploy();
  // The platform team's overlay: the shipped base, with this installation's account Secrets added to the
  // Role (the azure-example overlay replaces the list; adding keeps the base's name for other test files).
  overlay = mkdtempSync(join(tmpdir(), 'bpo-cred-overlay-'));
  const add = Object.values(SECRETS)
    .map((n) => `  - op: add\n    path: /rules/0/resourceNames/-\n    value: ${n}`)
    .join('\n');
  writeFileSync(
    join(overlay, 'kustomization.yaml'),
    `resources: [${relative(overlay, join(REPO_ROOT, 'deploy/base'))}]\npatches:\n- target: {kind: Role, name: batchpool-operator-account-secrets}\n  patch: |-\n${add
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n')}\n`,
  );
  await kubectlOk(['apply', '-k', overlay]);

  cert = await generateClientCertificate('CN=render-farm batch client');
  sim = await startQuickSimulator({
    seed: 11,
    entraClients: [
      { tenantId: '72f988bf-0000-4000-8000-000000000001', clientId: SECRET_APP, secrets: [GOOD] },
      { tenantId: CERT_TENANT, clientId: CERT_APP, certificates: [cert.certPem] },
    ],
  });
  await applySecret(SECRETS.secret, { clientSecret: GOOD });
  await applySecret(SECRETS.cert, { 'tls.pem': `${cert.certPem}${cert.keyPem}` });
  await applySecret(SECRETS.wrong, { clientSecret: WRONG });
  await applySecret(NOT_LISTED, { clientSecret: GOOD });
  ns = await uniqueNamespace('acct-cred');
  op = await OperatorProcess.start({
    sim,
    profiles: [fastPolling],
    args: ['--account-credential-check', '1s', '--account-secret-refresh', '1s'],
    env: { KUBECONFIG: token!, POD_NAMESPACE: NS, POD_NAME: 'cred-operator-0' },
  });
});

afterAll(async () => {
  await op?.stop();
  await sim?.close();
  for (const p of ['secret', 'cert', 'wrong', 'missing'])
    await kubectl(['delete', 'batchpool', p, '-n', ns, '--wait=false', '--ignore-not-found']);
  for (const p of ['secret', 'cert', 'wrong', 'missing'])
    await kubectl([
      'patch',
      'batchpool',
      p,
      '-n',
      ns,
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":null}}',
    ]);
  for (const a of ['secret', 'cert', 'wrong', 'missing'])
    await kubectl(['delete', 'batchaccount', `cred-${a}-${ns}`, '--ignore-not-found', '--wait=false']);
  await kubectl(['delete', 'secret', ...Object.values(SECRETS), NOT_LISTED, '-n', NS, '--ignore-not-found']);
  // Back to the shipped RBAC for the files after this one.
  await installDeploy();
  if (overlay) rmSync(overlay, { recursive: true, force: true });
});

describe('BatchAccount credentials from Secrets', () => {
  it('a client secret and a client certificate: pools Ready, every Batch call made as the account’s client', async () => {
    const image = sim.images.createGalleryImageVersion(`Gal-${ns}`, 'Ubuntu', '1.0.0');
    await applyAccount(`cred-secret-${ns}`, { clientId: SECRET_APP, secretRef: { name: SECRETS.secret } });
    await applyAccount(`cred-cert-${ns}`, {
      clientId: CERT_APP,
      tenantId: CERT_TENANT,
      secretRef: { name: SECRETS.cert, key: 'tls.pem' },
    });
    for (const p of ['secret', 'cert'])
      await kube.applyPool(ns, p, {
        accountRef: { name: `cred-${p}-${ns}` },
        image: { id: image },
        poolId: `cred-${p}-${ns}`,
        targetDedicatedNodes: 2,
      });
    for (const p of ['secret', 'cert']) await kube.waitForPool(ns, p, isReadyAt(2), 'Ready at 2', 60_000);

    const batchCallers = (poolId: string) =>
      new Set(
        sim.requests
          .list({ api: 'batch' })
          .filter((e) => e.path.includes(poolId))
          .map((e) => e.clientId),
      );
    expect([...batchCallers(`cred-secret-${ns}`)]).toEqual([SECRET_APP]);
    expect([...batchCallers(`cred-cert-${ns}`)]).toEqual([CERT_APP]);
    // The tokens: one client secret login in the simulator's tenant, one certificate assertion in the other.
    const tokens = sim.requests.list({ api: 'entra', operation: 'Token' });
    expect(tokens.filter((e) => e.clientId === SECRET_APP && e.status === 200).length).toBeGreaterThan(0);
    const certLogins = tokens.filter((e) => e.clientId === CERT_APP);
    expect(certLogins.length).toBeGreaterThan(0);
    expect(certLogins.every((e) => e.status === 200 && e.path.startsWith(`/${CERT_TENANT}/`))).toBe(true);

    const secretAccount = await waitForAccount(
      `cred-secret-${ns}`,
      (a) => credentials(a)?.status === 'True',
      'CredentialsReady',
    );
    expect(credentials(secretAccount)?.message).toContain(
      `client secret from Secret ${NS}/${SECRETS.secret} key clientSecret`,
    );
    const certAccount = await waitForAccount(
      `cred-cert-${ns}`,
      (a) => credentials(a)?.status === 'True',
      'CredentialsReady',
    );
    expect(credentials(certAccount)?.message).toMatch(
      new RegExp(
        `client certificate [0-9A-F]{40} \\(valid until .*\\) from Secret ${NS}/${SECRETS.cert} key tls.pem`,
      ),
    );
  });

  it('a wrong secret is told on the account, its events and its pool; the fixed Secret heals both', async () => {
    const image = sim.images.createGalleryImageVersion(`Gal2-${ns}`, 'Ubuntu', '1.0.0');
    const name = `cred-wrong-${ns}`;
    await applyAccount(name, { clientId: SECRET_APP, secretRef: { name: SECRETS.wrong } });
    await kube.applyPool(ns, 'wrong', {
      accountRef: { name },
      image: { id: image },
      poolId: `cred-wrong-${ns}`,
      targetDedicatedNodes: 1,
    });
    const account = await waitForAccount(
      name,
      (a) => credentials(a)?.status === 'False',
      'CredentialsReady=False',
    );
    expect(credentials(account)).toMatchObject({ reason: 'AuthenticationFailed' });
    expect(credentials(account)?.message).toMatch(
      new RegExp(
        `no token for client ${SECRET_APP}: client ${SECRET_APP} in tenant .* with the client secret from Secret ${NS}/${SECRETS.wrong} key clientSecret: AADSTS7000215: Invalid client secret provided`,
      ),
    );
    expect(credentials(account)?.message).not.toMatch(/Trace ID|Correlation ID/);
    const pool = await kube.waitForPool(
      ns,
      'wrong',
      (p) => /AADSTS7000215/.test(condition(p, 'Ready')?.message ?? ''),
      'Ready message naming AADSTS7000215',
    );
    expect(condition(pool, 'Ready')?.message).toContain(`Secret ${NS}/${SECRETS.wrong} key clientSecret`);
    const events = JSON.parse(
      await kubectlOk(['get', 'events.events.k8s.io', '-n', 'default', '-o', 'json']),
    ) as { items: { regarding: { kind: string; name: string }; reason: string; type: string }[] };
    expect(
      events.items.filter((e) => e.regarding.kind === 'BatchAccount' && e.regarding.name === name),
    ).toEqual([expect.objectContaining({ type: 'Warning', reason: 'AuthenticationFailed' })]);
    // Nothing was created in Azure meanwhile.
    expect(sim.requests.list({ api: 'batch' }).filter((e) => e.path.includes(`cred-wrong-${ns}`))).toEqual(
      [],
    );

    await applySecret(SECRETS.wrong, { clientSecret: GOOD });
    await waitForAccount(
      name,
      (a) => credentials(a)?.status === 'True',
      'CredentialsReady=True after the fix',
    );
    await kube.waitForPool(ns, 'wrong', isReadyAt(1), 'Ready at 1 after the fix', 60_000);
  });

  it('a Secret the Role does not name is SecretForbidden, naming the Role to change', async () => {
    const image = sim.images.createGalleryImageVersion(`Gal3-${ns}`, 'Ubuntu', '1.0.0');
    const name = `cred-missing-${ns}`;
    await applyAccount(name, { clientId: SECRET_APP, secretRef: { name: NOT_LISTED } });
    await kube.applyPool(ns, 'missing', {
      accountRef: { name },
      image: { id: image },
      poolId: `cred-missing-${ns}`,
      targetDedicatedNodes: 1,
    });
    const account = await waitForAccount(
      name,
      (a) => credentials(a)?.reason === 'SecretForbidden',
      'SecretForbidden',
    );
    expect(credentials(account)?.message).toContain(
      `the operator may not read Secret ${NS}/${NOT_LISTED}: add ${NOT_LISTED} to the resourceNames of the Role batchpool-operator-account-secrets`,
    );
    await kube.waitForPool(
      ns,
      'missing',
      (p) => (condition(p, 'Ready')?.message ?? '').includes(`may not read Secret ${NS}/${NOT_LISTED}`),
      'Ready message naming the Secret',
    );
  });

  it('no secret value in the operator log, any event or any status', async () => {
    const keyBody = cert.keyPem.split('\n').filter((l) => l && !l.startsWith('-----'));
    const needles = [
      GOOD,
      WRONG,
      Buffer.from(GOOD).toString('base64'),
      Buffer.from(WRONG).toString('base64'),
      ...keyBody.slice(0, 3),
    ];
    const haystacks: [string, string][] = [
      ['operator log', op.logs.join('\n')],
      ['events', await kubectlOk(['get', 'events.events.k8s.io', '-A', '-o', 'json'])],
      ['core events', await kubectlOk(['get', 'events', '-A', '-o', 'json'])],
      ['batchaccounts', await kubectlOk(['get', 'batchaccounts', '-o', 'json'])],
      ['batchpools', await kubectlOk(['get', 'batchpools', '-n', ns, '-o', 'json'])],
    ];
    // The check has something to look at: the log has the decisions and the events the failures.
    expect(haystacks[0]![1]).toContain('account credentials checked');
    expect(haystacks[1]![1]).toContain('AuthenticationFailed');
    for (const [what, text] of haystacks)
      for (const needle of needles) expect(text.includes(needle), `${what} contains a secret`).toBe(false);
  });
});

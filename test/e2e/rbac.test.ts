// The operator's RBAC, proven against a real apiserver with the ServiceAccount's own token (minted
// by the global setup for batchpool-system/batchpool-operator), not as admin: every permission in
// the documented list is granted, the calls the controller makes succeed, and verbs it does not
// need are refused.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import * as k8s from '@kubernetes/client-node';
import { installDeploy } from '../support/e2e/install.ts';
import { kubectl, kubectlOk, uniqueNamespace } from '../support/kubectl.ts';
import {
  ACCOUNT_SECRET,
  OPERATOR_NAMESPACE,
  OPERATOR_PERMISSIONS,
  REFUSED,
} from '../unit/deploy/operator-permissions.ts';
import { DEFAULT_LEASE_NAME } from '../../src/ha/leader-election.ts';

const G = 'batch.pooloperator.dev';
const V = 'v1alpha1';
let saKubeconfig: string;
let ns: string;
let kc: k8s.KubeConfig;
let accountName: string;

function status(err: unknown): number | undefined {
  return err instanceof k8s.ApiException ? (err as k8s.ApiException<unknown>).code : undefined;
}

async function refusedWith403(call: () => Promise<unknown>): Promise<void> {
  const outcome = await call().then(
    () => 'allowed',
    (e: unknown) => status(e),
  );
  expect(outcome).toBe(403);
}

beforeAll(async () => {
  saKubeconfig = process.env.E2E_OPERATOR_KUBECONFIG ?? '';
  expect(saKubeconfig, 'the e2e global setup mints the ServiceAccount kubeconfig').not.toBe('');
  await installDeploy();
  ns = await uniqueNamespace('rbac');
  // The examples, pointed at a closed loopback port instead of Azure: an operator that other test
  // files run against this cluster may see them, and must not reach out of the machine.
  accountName = `rbac-${ns}`;
  const account = parse(readFileSync('deploy/examples/batchaccount.yaml', 'utf8'));
  account.metadata.name = accountName;
  account.spec.endpoint = 'https://127.0.0.1:9';
  account.spec.allowedNamespaces = [ns];
  await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(account) });
  const pool = parse(readFileSync('deploy/examples/spot-smoke-test.yaml', 'utf8'));
  pool.spec.accountRef.name = accountName;
  await kubectlOk(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify(pool) });
  kc = new k8s.KubeConfig();
  kc.loadFromFile(saKubeconfig);
});

afterAll(async () => {
  // The test put a finalizer on the pool; take it off so the objects can go.
  await kubectl([
    'patch',
    'batchpool',
    'spot-smoke-test',
    '-n',
    ns,
    '--type=merge',
    '-p',
    '{"metadata":{"finalizers":null}}',
  ]);
  await kubectl(['delete', 'batchpool', 'spot-smoke-test', '-n', ns, '--ignore-not-found', '--wait=false']);
  await kubectl(['delete', 'batchaccount', accountName, '--ignore-not-found', '--wait=false']);
});

describe('operator ServiceAccount (real token)', () => {
  it('is who the tests think it is', async () => {
    const who = JSON.parse(await kubectlOk(['auth', 'whoami', '-o', 'json'], { kubeconfig: saKubeconfig }));
    expect(who.status.userInfo.username).toBe(
      `system:serviceaccount:${OPERATOR_NAMESPACE}:batchpool-operator`,
    );
  });

  it('may do everything in the documented permission list', async () => {
    const answers: string[] = [];
    for (const p of OPERATOR_PERMISSIONS) {
      const [resource, sub] = p.resource.split('/');
      const qualified = p.apiGroup ? `${resource}.${p.apiGroup}` : resource!;
      const target = p.resourceNames ? `${qualified}/${p.resourceNames[0]}` : qualified;
      const where = p.scope === 'cluster' ? ['-n', ns] : ['-n', p.scope];
      for (const verb of p.verbs) {
        const args = ['auth', 'can-i', verb, target, ...where, ...(sub ? ['--subresource', sub] : [])];
        const r = await kubectl(args, { kubeconfig: saKubeconfig });
        answers.push(`${verb} ${target}${sub ? `/${sub}` : ''}: ${r.stdout.trim()}`);
      }
    }
    expect(answers.filter((a) => !a.endsWith(': yes'))).toEqual([]);
    // Cluster-wide list/watch, as the informers do.
    for (const verb of ['list', 'watch'])
      for (const res of [`batchpools.${G}`, `batchaccounts.${G}`])
        expect(
          (await kubectlOk(['auth', 'can-i', verb, res, '-A'], { kubeconfig: saKubeconfig })).trim(),
        ).toBe('yes');
  });

  it('is refused every verb it does not need', async () => {
    const answers: string[] = [];
    for (const args of REFUSED) {
      const r = await kubectl(['auth', 'can-i', ...args], { kubeconfig: saKubeconfig });
      answers.push(`${args.join(' ')}: ${r.stdout.trim()}`);
    }
    expect(answers.filter((a) => !a.endsWith(': no'))).toEqual([]);
  });

  it('lists, watches, reads accounts, patches finalizers and status, and records events', async () => {
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const list = await custom.listClusterCustomObject({ group: G, version: V, plural: 'batchpools' });
    expect((list as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name)).toContain(
      'spot-smoke-test',
    );
    await custom.getClusterCustomObject({
      group: G,
      version: V,
      plural: 'batchaccounts',
      name: accountName,
    });

    // A watch from the list's resourceVersion delivers the pool as ADDED.
    const seen = await new Promise<string>((resolve, reject) => {
      let ctl: AbortController | undefined;
      void new k8s.Watch(kc)
        .watch(
          `/apis/${G}/${V}/batchpools`,
          {},
          (phase, obj: { metadata: { name: string } }) => {
            if (obj.metadata.name === 'spot-smoke-test') {
              ctl?.abort();
              resolve(phase);
            }
          },
          (err: unknown) =>
            err ? reject(err instanceof Error ? err : new Error('watch ended with an error')) : undefined,
        )
        .then((c) => (ctl = c), reject);
    });
    expect(seen).toBe('ADDED');

    const json = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    await custom.patchNamespacedCustomObject(
      {
        group: G,
        version: V,
        namespace: ns,
        plural: 'batchpools',
        name: 'spot-smoke-test',
        body: { metadata: { finalizers: ['batch.pooloperator.dev/finalizer'] } },
      },
      json,
    );
    const patched = await custom.patchNamespacedCustomObjectStatus(
      {
        group: G,
        version: V,
        namespace: ns,
        plural: 'batchpools',
        name: 'spot-smoke-test',
        body: { status: { observedGeneration: 1, phase: 'Pending' } },
      },
      json,
    );
    expect((patched as { status: { phase: string } }).status.phase).toBe('Pending');

    const events = kc.makeApiClient(k8s.EventsV1Api);
    await events.createNamespacedEvent({
      namespace: ns,
      body: {
        // Not generateName "spot-smoke-test.": v1.35 rejects a generateName that ends in a dot.
        metadata: { name: `spot-smoke-test.${Date.now().toString(16)}` },
        eventTime: new k8s.V1MicroTime(),
        reportingController: `${G}/batchpool-operator`,
        reportingInstance: 'rbac-test',
        action: 'Resize',
        reason: 'ResizeIssued',
        type: 'Normal',
        note: 'rbac e2e',
        regarding: { apiVersion: `${G}/${V}`, kind: 'BatchPool', name: 'spot-smoke-test', namespace: ns },
      },
    });
  });

  it('gets a 403 from the apiserver for calls it must never make', async () => {
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const leases = kc.makeApiClient(k8s.CoordinationV1Api);
    await refusedWith403(() =>
      custom.deleteNamespacedCustomObject({
        group: G,
        version: V,
        namespace: ns,
        plural: 'batchpools',
        name: 'spot-smoke-test',
      }),
    );
    await refusedWith403(() =>
      custom.createNamespacedCustomObject({
        group: G,
        version: V,
        namespace: ns,
        plural: 'batchpools',
        body: { apiVersion: `${G}/${V}`, kind: 'BatchPool', metadata: { name: 'sneaky' }, spec: {} },
      }),
    );
    await refusedWith403(() =>
      custom.patchClusterCustomObject(
        {
          group: G,
          version: V,
          plural: 'batchaccounts',
          name: accountName,
          body: { spec: { allowedNamespaces: ['*'] } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      ),
    );
    await refusedWith403(() => core.listSecretForAllNamespaces());
    await refusedWith403(() =>
      core.readNamespacedSecret({ name: 'anything', namespace: OPERATOR_NAMESPACE }),
    );
    await refusedWith403(() => core.listPodForAllNamespaces());
    await refusedWith403(() =>
      leases.createNamespacedLease({
        namespace: 'default',
        body: { metadata: { name: DEFAULT_LEASE_NAME }, spec: {} },
      }),
    );
    await refusedWith403(() =>
      leases.readNamespacedLease({ name: 'kube-apiserver-x', namespace: 'kube-system' }),
    );
  });

  it('may create, read and renew its own Lease but touch no other Lease in its namespace', async () => {
    const leases = kc.makeApiClient(k8s.CoordinationV1Api);
    const admin = new k8s.KubeConfig();
    admin.loadFromFile(process.env.E2E_ADMIN_KUBECONFIG ?? process.env.KUBECONFIG ?? '');
    const adminLeases = admin.makeApiClient(k8s.CoordinationV1Api);
    await adminLeases
      .deleteNamespacedLease({ name: DEFAULT_LEASE_NAME, namespace: OPERATOR_NAMESPACE })
      .catch(() => undefined);
    await adminLeases
      .createNamespacedLease({
        namespace: OPERATOR_NAMESPACE,
        body: { metadata: { name: 'another-component' }, spec: { holderIdentity: 'x' } },
      })
      .catch((e: unknown) => (status(e) === 409 ? undefined : Promise.reject(e as Error)));

    const created = await leases.createNamespacedLease({
      namespace: OPERATOR_NAMESPACE,
      body: {
        metadata: { name: DEFAULT_LEASE_NAME },
        spec: { holderIdentity: 'me', renewTime: new k8s.V1MicroTime() },
      },
    });
    const read = await leases.readNamespacedLease({
      name: DEFAULT_LEASE_NAME,
      namespace: OPERATOR_NAMESPACE,
    });
    await leases.replaceNamespacedLease({
      name: DEFAULT_LEASE_NAME,
      namespace: OPERATOR_NAMESPACE,
      body: { ...read, spec: { ...read.spec, renewTime: new k8s.V1MicroTime() } },
    });
    expect(created.metadata?.name).toBe(DEFAULT_LEASE_NAME);
    await refusedWith403(() =>
      leases.readNamespacedLease({ name: 'another-component', namespace: OPERATOR_NAMESPACE }),
    );
    await refusedWith403(() =>
      leases.deleteNamespacedLease({ name: DEFAULT_LEASE_NAME, namespace: OPERATOR_NAMESPACE }),
    );
    await adminLeases.deleteNamespacedLease({ name: DEFAULT_LEASE_NAME, namespace: OPERATOR_NAMESPACE });
  });

  it('reads the account Secret its Role names, and no other Secret: no list, no watch, no write', async () => {
    const other = 'not-an-account-secret';
    for (const name of [ACCOUNT_SECRET, other])
      await kubectlOk(
        [
          'create',
          'secret',
          'generic',
          name,
          '-n',
          OPERATOR_NAMESPACE,
          '--from-literal=clientSecret=rbac-e2e',
        ],
        {},
      ).catch(() => undefined);
    try {
      const core = kc.makeApiClient(k8s.CoreV1Api);
      const got = await core.readNamespacedSecret({ name: ACCOUNT_SECRET, namespace: OPERATOR_NAMESPACE });
      expect(Object.keys(got.data ?? {})).toEqual(['clientSecret']);
      await refusedWith403(() => core.readNamespacedSecret({ name: other, namespace: OPERATOR_NAMESPACE }));
      await refusedWith403(() => core.listNamespacedSecret({ namespace: OPERATOR_NAMESPACE }));
      await refusedWith403(() =>
        core.listNamespacedSecret({
          namespace: OPERATOR_NAMESPACE,
          fieldSelector: `metadata.name=${ACCOUNT_SECRET}`,
          watch: true,
        }),
      );
      await refusedWith403(() =>
        core.patchNamespacedSecret(
          { name: ACCOUNT_SECRET, namespace: OPERATOR_NAMESPACE, body: { data: {} } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        ),
      );
      await refusedWith403(() => core.readNamespacedSecret({ name: ACCOUNT_SECRET, namespace: 'default' }));
    } finally {
      await kubectl([
        'delete',
        'secret',
        ACCOUNT_SECRET,
        other,
        '-n',
        OPERATOR_NAMESPACE,
        '--ignore-not-found',
      ]);
    }
  });
});

// The install path a platform team uses: `kubectl apply -k deploy/` against a real apiserver. The
// apiserver-only cluster has no controllers, so the Deployment creates no pods; what is proven here
// is that the manifests are valid, complete and idempotent, and that the overlay renders.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubectl, kubectlOk } from '../support/kubectl.ts';

const NS = 'batchpool-system';

describe('kubectl apply -k deploy/', () => {
  it('installs the namespace, CRDs, RBAC, Deployment, Service and PDB', async () => {
    const out = await kubectlOk(['apply', '-k', 'deploy/']);
    for (const obj of [
      'namespace/batchpool-system',
      'customresourcedefinition.apiextensions.k8s.io/batchpools.batch.pooloperator.dev',
      'customresourcedefinition.apiextensions.k8s.io/batchaccounts.batch.pooloperator.dev',
      'serviceaccount/batchpool-operator',
      'clusterrole.rbac.authorization.k8s.io/batchpool-operator',
      'clusterrolebinding.rbac.authorization.k8s.io/batchpool-operator',
      'role.rbac.authorization.k8s.io/batchpool-operator-leader-election',
      'rolebinding.rbac.authorization.k8s.io/batchpool-operator-leader-election',
      'configmap/batchpool-operator-config',
      'deployment.apps/batchpool-operator',
      'service/batchpool-operator-metrics',
      'poddisruptionbudget.policy/batchpool-operator',
    ])
      expect(out).toContain(obj);

    await kubectlOk([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/batchpools.batch.pooloperator.dev',
    ]);
    const dep = JSON.parse(
      await kubectlOk(['get', 'deployment', 'batchpool-operator', '-n', NS, '-o', 'json']),
    );
    expect(dep.spec.replicas).toBe(2);
    expect(dep.spec.template.spec.serviceAccountName).toBe('batchpool-operator');
    expect(dep.spec.template.metadata.labels['azure.workload.identity/use']).toBe('true');
    const sa = JSON.parse(
      await kubectlOk(['get', 'serviceaccount', 'batchpool-operator', '-n', NS, '-o', 'json']),
    );
    expect(sa.metadata.annotations).toHaveProperty('azure.workload.identity/client-id');
    const pdb = JSON.parse(await kubectlOk(['get', 'pdb', 'batchpool-operator', '-n', NS, '-o', 'json']));
    expect(pdb.spec.minAvailable).toBe(1);
    // The PDB and Service select the Deployment's pods.
    const svc = JSON.parse(
      await kubectlOk(['get', 'service', 'batchpool-operator-metrics', '-n', NS, '-o', 'json']),
    );
    for (const selector of [svc.spec.selector, pdb.spec.selector.matchLabels])
      for (const [k, v] of Object.entries(selector)) expect(dep.spec.template.metadata.labels[k]).toBe(v);
  });

  it('is idempotent: a second apply changes no object, and the server sees no diff', async () => {
    const versions = async () =>
      Object.fromEntries(
        JSON.parse(await kubectlOk(['get', '-k', 'deploy/', '-o', 'json'])).items.map(
          (o: { kind: string; metadata: { name: string; resourceVersion: string } }) => [
            `${o.kind}/${o.metadata.name}`,
            o.metadata.resourceVersion,
          ],
        ),
      );
    const before = await versions();
    // Namespace, 2 CRDs, ServiceAccount, ClusterRole(+Binding), 2 Roles (+Bindings), ConfigMap, Deployment,
    // Service, PodDisruptionBudget.
    expect(Object.keys(before)).toHaveLength(14);
    await kubectlOk(['apply', '-k', 'deploy/']);
    // (kubectl prints "configured" for the PodDisruptionBudget every time, though nothing changes.)
    expect(await versions()).toEqual(before);
    const diff = await kubectl(['diff', '-k', 'deploy/']);
    expect(diff.stderr).toBe('');
    expect(diff.code).toBe(0);
  });

  it('also applies server-side, as Argo CD and Flux do', async () => {
    const out = await kubectlOk(['apply', '--server-side', '--force-conflicts', '-k', 'deploy/']);
    expect(out).toContain('deployment.apps/batchpool-operator serverside-applied');
  });

  it('the Deployment passes the restricted Pod Security Standard of its namespace', async () => {
    // Dry-run a Pod from the Deployment's template: the namespace enforces "restricted", so the
    // apiserver's PodSecurity admission rejects any template that is not hardened enough.
    const dep = JSON.parse(
      await kubectlOk(['get', 'deployment', 'batchpool-operator', '-n', NS, '-o', 'json']),
    );
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'pss-check', namespace: NS, labels: dep.spec.template.metadata.labels },
      spec: dep.spec.template.spec,
    };
    const r = await kubectl(['apply', '--dry-run=server', '-f', '-'], { input: JSON.stringify(pod) });
    expect(r.stderr).not.toMatch(/violates PodSecurity/);
    expect(r.code).toBe(0);
  });

  it('renders the optional monitoring component on top of the base', async () => {
    // kustomize wants relative paths: an overlay in a temp dir reaching back to the repository.
    const dir = mkdtempSync(join(tmpdir(), 'bpo-overlay-'));
    try {
      const base = relative(dir, resolve('deploy/base'));
      const component = relative(dir, resolve('deploy/components/monitoring'));
      writeFileSync(join(dir, 'kustomization.yaml'), `resources: [${base}]\ncomponents: [${component}]\n`);
      const kinds = (await kubectlOk(['kustomize', dir])).match(/^kind: \S+$/gm) ?? [];
      expect(kinds).toEqual(
        expect.arrayContaining(['kind: ServiceMonitor', 'kind: PrometheusRule', 'kind: Deployment']),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders and validates the Azure example overlay', async () => {
    const out = await kubectlOk(['apply', '--dry-run=server', '-k', 'deploy/overlays/azure-example']);
    expect(out).toContain('serviceaccount/batchpool-operator configured (server dry run)');
    const rendered = await kubectlOk(['kustomize', 'deploy/overlays/azure-example']);
    expect(rendered).toContain('azure.workload.identity/client-id: 11111111-2222-3333-4444-555555555555');
    expect(rendered).toContain('image: registry.example.com/platform/batchpool-operator:0.1.0');
    // The account Secrets the installation lists, in place of the base's one name.
    expect(rendered).toContain('  resourceNames:\n  - render-farm-entra-app\n  - genomics-entra-cert\n');
    expect(rendered).not.toContain('batchaccount-credentials');
  });
});

// The harness itself: a real apiserver with RBAC on, the admin identity, and the operator's
// ServiceAccount token that later suites run the operator with.
import { describe, expect, it } from 'vitest';
import { kubectl, kubectlOk } from '../support/kubectl.ts';

describe('local control plane', () => {
  it('serves Kubernetes v1.35 and kubectl of the same version', async () => {
    const out = JSON.parse(await kubectlOk(['version', '-o', 'json']));
    expect(out.serverVersion.gitVersion).toMatch(/^v1\.35\./);
    expect(out.clientVersion.gitVersion).toBe(out.serverVersion.gitVersion);
  });

  it('authorizes with RBAC: the admin may do anything, a fresh ServiceAccount nothing', async () => {
    expect((await kubectlOk(['auth', 'can-i', '*', '*'])).trim()).toBe('yes');
    const sa = process.env.E2E_OPERATOR_KUBECONFIG;
    expect(sa, 'global setup mints a ServiceAccount kubeconfig').toBeTruthy();
    const denied = await kubectl(['get', 'namespaces'], { kubeconfig: sa! });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/forbidden/i);
  });
});

// Installing the project into the e2e cluster the way a user would, shared by every suite that needs it.
import { join } from 'node:path';
import { kubectlOk } from '../kubectl.ts';
import { REPO_ROOT } from '../paths.ts';

export const CRD_NAMES = ['batchpools.batch.pooloperator.dev', 'batchaccounts.batch.pooloperator.dev'];

/** Applies crds/ (server-side, so it coexists with other test files doing the same) and waits until served. */
export async function installCrds(): Promise<void> {
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-k', join(REPO_ROOT, 'crds')]);
  await waitForCrds();
}

/** `kubectl apply -k deploy/`: namespace, CRDs, RBAC, Deployment and the rest; waits until the CRDs are served. */
export async function installDeploy(): Promise<void> {
  await kubectlOk(['apply', '-k', join(REPO_ROOT, 'deploy')]);
  await waitForCrds();
}

async function waitForCrds(): Promise<void> {
  await kubectlOk([
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    ...CRD_NAMES.map((n) => `crd/${n}`),
  ]);
}

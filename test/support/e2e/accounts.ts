// BatchAccounts in the e2e cluster, applied with kubectl as a cluster admin would.
import { API_VERSION } from '../../../src/api/types.ts';
import { kubectlOk } from '../kubectl.ts';

export interface AccountWish {
  name: string;
  endpoint: string;
  allowedNamespaces: string[];
  /** A workload-identity client ID for this account's calls. */
  clientId?: string;
  /** The account's Azure region (spec.location); the simulator's own by default in the e2e helpers. */
  location?: string;
  /** spec.resourceId, with spec.api ResourceManager: its pools are written through the management plane. */
  resourceManager?: string;
}

export async function applyAccount(a: AccountWish): Promise<void> {
  await kubectlOk(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: API_VERSION,
      kind: 'BatchAccount',
      metadata: { name: a.name },
      spec: {
        endpoint: a.endpoint,
        ...(a.location && { location: a.location }),
        allowedNamespaces: a.allowedNamespaces,
        ...(a.clientId && { identity: { clientId: a.clientId } }),
        ...(a.resourceManager && { api: 'ResourceManager', resourceId: a.resourceManager }),
      },
    }),
  });
}

// Manifests for the api-*.test.ts files: a small valid BatchPool and BatchAccount that each test changes.
import { API_VERSION } from '../../../src/api/types.ts';

export const IMAGE_PREFIX = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers';
export const MANAGED_IMAGE = `${IMAGE_PREFIX}/Microsoft.Compute/images/render-ubuntu`;

/** A small valid BatchPool: every test changes one thing about it. */
export function pool(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: 'BatchPool',
    metadata: { name },
    spec: {
      accountRef: { name: 'prod-westeurope' },
      vmSize: 'Standard_D4s_v5',
      image: { id: MANAGED_IMAGE },
      nodeAgentSkuId: 'batch.node.ubuntu 22.04',
      targetDedicatedNodes: 3,
      ...spec,
    },
  };
}

export function account(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: 'BatchAccount',
    metadata: { name },
    spec: { endpoint: 'https://prodbatch.westeurope.batch.azure.com', allowedNamespaces: ['vfx'], ...spec },
  };
}

/** Deletes one key of the spec: `without(pool('x'), 'vmSize')`. */
export function without(manifest: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = structuredClone(manifest) as { spec: Record<string, unknown> };
  delete copy.spec[key];
  return copy;
}

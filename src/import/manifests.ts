// BatchPool manifests for pools that already exist, ready for a GitOps repository. Each says what the pool
// is (so the operator finds nothing to change when it is applied) and `adoption: Adopt`, so the operator
// takes the pool over instead of reporting it as foreign. `deletionPolicy: Retain` keeps a pool someone
// imported from being deleted by a careless `kubectl delete`; the owner turns it to Delete when they mean it.

import { API_VERSION, BATCHPOOL_KIND, type BatchPool } from '../api/types.ts';
import type { PoolSnapshot } from '../azure/ports.ts';
import { specFromSettings } from '../controller/plan/settings.ts';
import { secretRefsOf } from '../controller/secrets.ts';

export interface ImportTarget {
  /** The BatchAccount the manifests name in spec.accountRef. */
  accountName: string;
  namespace: string;
}

export type Skipped = { poolId: string; reason: string };

/** A Secret a manifest references, with the keys to create in it (Azure never returns secrets). */
export interface SecretToCreate {
  namespace: string;
  name: string;
  keys: string[];
  /** The BatchPool that references it. */
  pool: string;
}

export interface ImportResult {
  manifests: BatchPool[];
  skipped: Skipped[];
  secrets: SecretToCreate[];
}

export function importManifests(pools: readonly PoolSnapshot[], target: ImportTarget): ImportResult {
  const manifests: BatchPool[] = [];
  const skipped: Skipped[] = [];
  const secrets: SecretToCreate[] = [];
  const names = new Set<string>();
  for (const pool of [...pools].sort((a, b) => a.id.localeCompare(b.id))) {
    const why = skipReason(pool);
    if (why || !pool.settings) {
      skipped.push({ poolId: pool.id, reason: why ?? 'no settings' });
      continue;
    }
    const name = uniqueName(objectName(pool.id), names);
    const settings = specFromSettings(pool.settings, `${name}-secrets`);
    const spec: BatchPool['spec'] = {
      accountRef: { name: target.accountName },
      poolId: pool.id,
      adoption: 'Adopt',
      deletionPolicy: 'Retain',
      ...settings,
      // An autoscaled pool has no targets of its own: the formula sizes it.
      ...(settings.autoScale
        ? { targetLowPriorityNodes: 0 }
        : {
            targetDedicatedNodes: pool.targetDedicatedNodes,
            targetLowPriorityNodes: pool.targetLowPriorityNodes,
          }),
    };
    manifests.push({
      apiVersion: API_VERSION,
      kind: BATCHPOOL_KIND,
      metadata: { name, namespace: target.namespace },
      spec,
    });
    const refs = secretRefsOf(spec);
    for (const secret of new Set(refs.map((r) => r.name))) {
      secrets.push({
        namespace: target.namespace,
        name: secret,
        keys: refs.filter((r) => r.name === secret).map((r) => r.key),
        pool: name,
      });
    }
  }
  return { manifests, skipped, secrets };
}

function skipReason(pool: PoolSnapshot): string | undefined {
  if (pool.state === 'deleting') return 'it is being deleted';
  if (pool.owner.namespace || pool.owner.name) {
    return `a BatchPool already manages it (${pool.owner.namespace ?? '?'}/${pool.owner.name ?? '?'})`;
  }
  if (!pool.settings) {
    return 'it is not a virtual-machine-configuration pool on a custom image, which a BatchPool cannot describe';
  }
  return undefined;
}

/** A Kubernetes object name (a DNS subdomain) from a pool ID, which also allows upper case and _. */
export function objectName(poolId: string): string {
  const name = poolId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return name || 'pool';
}

function uniqueName(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let i = 2; taken.has(candidate); i++) candidate = `${name}-${i}`;
  taken.add(candidate);
  return candidate;
}

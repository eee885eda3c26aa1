// The Secret references of a BatchPool spec (every `…SecretRef` field): what the reconciler reads before it
// plans, and what `import` asks the owner to create.

import type { BatchPoolSpec } from '../api/types.ts';
import type { SecretKeyRef } from '../azure/ports.ts';

/** Every distinct Secret key the spec references, in the order they appear. */
export function secretRefsOf(spec: BatchPoolSpec | Record<string, unknown>): SecretKeyRef[] {
  const out = new Map<string, SecretKeyRef>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const item of v) walk(item);
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    for (const [k, sub] of Object.entries(v)) {
      if (k.endsWith('SecretRef') && isRef(sub))
        out.set(`${sub.name}/${sub.key}`, { name: sub.name, key: sub.key });
      // Free-form extension settings hold no references.
      else if (k !== 'settings') walk(sub);
    }
  };
  walk(spec);
  return [...out.values()];
}

function isRef(v: unknown): v is SecretKeyRef {
  const r = v as Partial<SecretKeyRef> | null;
  return typeof r === 'object' && r !== null && typeof r.name === 'string' && typeof r.key === 'string';
}

/** Why a Secret key could not be had; the message names the Secret and key, never a value. */
export type SecretProblem = SecretKeyRef & {
  why: 'SecretNotFound' | 'KeyNotFound' | 'Forbidden' | 'NotAJsonObject';
};

export function describeSecretProblem(p: SecretProblem, namespace: string): string {
  const where = `Secret ${namespace}/${p.name}`;
  switch (p.why) {
    case 'SecretNotFound':
      return `${where} does not exist`;
    case 'KeyNotFound':
      return `${where} has no key ${p.key}`;
    case 'Forbidden':
      return `the operator may not read ${where} (grant it get on that Secret: see deploy/examples/pool-secrets-rbac.yaml)`;
    case 'NotAJsonObject':
      return `${where}, key ${p.key}, must hold a JSON object (extension protectedSettings)`;
  }
}

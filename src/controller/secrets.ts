// The Secret references of a BatchPool spec (every `…SecretRef` field): what the reconciler reads before it
// plans, and what `import` asks the owner to create.

import type { BatchPoolSpec } from '../api/types.ts';
import { parseJsonObject } from '../azure/batch/mapping.ts';
import { SecretValues, type SecretKeyRef } from '../azure/ports.ts';
import type { SecretReader } from '../kube/secrets.ts';

/** A Secret key the spec references; `json` when its value must be a JSON object (protectedSettings). */
export type SpecSecretRef = SecretKeyRef & { json?: true };

/** Every distinct Secret key the spec references, in the order they appear. */
export function secretRefsOf(spec: BatchPoolSpec | Record<string, unknown>): SpecSecretRef[] {
  const out = new Map<string, SpecSecretRef>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const item of v) walk(item);
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    for (const [k, sub] of Object.entries(v)) {
      if (k.endsWith('SecretRef') && isRef(sub)) {
        const id = `${sub.name}/${sub.key}`;
        const json = k === 'protectedSettingsSecretRef' || out.get(id)?.json === true;
        out.set(id, { name: sub.name, key: sub.key, ...(json && { json: true as const }) });
      } else if (k !== 'settings') walk(sub); // free-form extension settings hold no references
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

/** What the reconciler read: the values (for the write) and what it could not have (for the plan). */
export interface SecretsRead {
  values: SecretValues;
  problems: SecretProblem[];
}

/** Reads every Secret key the spec references, each Secret once. */
export async function readSecrets(
  reader: SecretReader | undefined,
  namespace: string,
  spec: BatchPoolSpec,
): Promise<SecretsRead> {
  const refs = secretRefsOf(spec);
  const values: [SecretKeyRef, string][] = [];
  const problems: SecretProblem[] = [];
  for (const ref of refs) {
    const got = reader ? await reader.read(namespace, ref.name, ref.key) : { kind: 'Forbidden' as const };
    if (got.kind !== 'ok') problems.push({ name: ref.name, key: ref.key, why: got.kind });
    else if (ref.json && !parseJsonObject(got.value)) {
      problems.push({ name: ref.name, key: ref.key, why: 'NotAJsonObject' });
    } else values.push([{ name: ref.name, key: ref.key }, got.value]);
  }
  return { values: new SecretValues(values), problems };
}

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  ACCOUNT_SECRET,
  OPERATOR_NAMESPACE,
  OPERATOR_PERMISSIONS,
  type Permission,
} from './operator-permissions.ts';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

function load(path: string): { kind: string; metadata: { name: string; namespace?: string }; rules: Rule[] } {
  const docs = parseAllDocuments(
    readFileSync(new URL(`../../../deploy/base/${path}`, import.meta.url), 'utf8'),
  );
  expect(docs).toHaveLength(1);
  return docs[0]!.toJS();
}

/** One "group resource verb [names]" line per permission, so a diff reads plainly. */
function flatten(rules: Rule[]): string[] {
  return rules
    .flatMap((r) =>
      r.apiGroups.flatMap((g) =>
        r.resources.flatMap((res) =>
          r.verbs.map((v) => `${g || 'core'} ${res} ${v} ${(r.resourceNames ?? []).join(',')}`),
        ),
      ),
    )
    .sort();
}

function expected(file: Permission['file']): string[] {
  return flatten(
    OPERATOR_PERMISSIONS.filter((p) => p.file === file).map((p) => ({
      apiGroups: [p.apiGroup],
      resources: [p.resource],
      verbs: p.verbs,
      ...(p.resourceNames ? { resourceNames: p.resourceNames } : {}),
    })),
  );
}

describe('shipped RBAC', () => {
  it('the ClusterRole grants exactly the documented cluster-wide permissions', () => {
    const role = load('rbac/cluster_role.yaml');
    expect(role.kind).toBe('ClusterRole');
    expect(flatten(role.rules)).toEqual(expected('rbac/cluster_role.yaml'));
    expect(
      OPERATOR_PERMISSIONS.filter((p) => p.file === 'rbac/cluster_role.yaml').map((p) => p.scope),
    ).not.toContain(OPERATOR_NAMESPACE);
  });

  it('the leader-election Role grants exactly the documented Lease permissions, in the operator namespace', () => {
    const role = load('rbac/leader_election_role.yaml');
    expect(role.kind).toBe('Role');
    expect(role.metadata.namespace).toBe(OPERATOR_NAMESPACE);
    expect(flatten(role.rules)).toEqual(expected('rbac/leader_election_role.yaml'));
  });

  it('the account-secrets Role grants get on named Secrets only, in the operator namespace', () => {
    const role = load('rbac/account_secrets_role.yaml');
    expect(role.kind).toBe('Role');
    expect(role.metadata.namespace).toBe(OPERATOR_NAMESPACE);
    expect(flatten(role.rules)).toEqual(expected('rbac/account_secrets_role.yaml'));
    // An empty (or absent) resourceNames would grant every Secret of the namespace.
    for (const r of role.rules) {
      expect(r.resources).toEqual(['secrets']);
      expect(r.verbs).toEqual(['get']);
      expect(r.resourceNames?.length ?? 0).toBeGreaterThan(0);
    }
    expect(role.rules.flatMap((r) => r.resourceNames)).toEqual([ACCOUNT_SECRET]);
  });

  it('grants no wildcard and nothing on secrets (but the named ones above), pods or RBAC', () => {
    const all = [...load('rbac/cluster_role.yaml').rules, ...load('rbac/leader_election_role.yaml').rules];
    expect(
      load('rbac/account_secrets_role.yaml').rules.flatMap((r) => [...r.resources, ...r.verbs]),
    ).not.toContain('*');
    const words = all.flatMap((r) => [...r.apiGroups, ...r.resources, ...r.verbs]);
    expect(words).not.toContain('*');
    expect(words.filter((w) => /secret|pod|rbac|delete|escalate|bind|impersonate/.test(w))).toEqual([]);
  });

  it('binds every role to the operator ServiceAccount', () => {
    for (const f of [
      'rbac/cluster_role_binding.yaml',
      'rbac/leader_election_role_binding.yaml',
      'rbac/account_secrets_role_binding.yaml',
    ]) {
      const b = load(f) as unknown as { subjects: { kind: string; name: string; namespace: string }[] };
      expect(b.subjects).toEqual([
        { kind: 'ServiceAccount', name: 'batchpool-operator', namespace: OPERATOR_NAMESPACE },
      ]);
    }
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { OPERATOR_NAMESPACE, OPERATOR_PERMISSIONS } from './operator-permissions.ts';

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

function expected(scope: string): string[] {
  return flatten(
    OPERATOR_PERMISSIONS.filter((p) => p.scope === scope).map((p) => ({
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
    expect(flatten(role.rules)).toEqual(expected('cluster'));
  });

  it('the leader-election Role grants exactly the documented Lease permissions, in the operator namespace', () => {
    const role = load('rbac/leader_election_role.yaml');
    expect(role.kind).toBe('Role');
    expect(role.metadata.namespace).toBe(OPERATOR_NAMESPACE);
    expect(flatten(role.rules)).toEqual(expected(OPERATOR_NAMESPACE));
  });

  it('grants no wildcard and nothing on secrets, pods or RBAC', () => {
    const all = [...load('rbac/cluster_role.yaml').rules, ...load('rbac/leader_election_role.yaml').rules];
    const words = all.flatMap((r) => [...r.apiGroups, ...r.resources, ...r.verbs]);
    expect(words).not.toContain('*');
    expect(words.filter((w) => /secret|pod|rbac|delete|escalate|bind|impersonate/.test(w))).toEqual([]);
  });

  it('binds both roles to the operator ServiceAccount', () => {
    for (const f of ['rbac/cluster_role_binding.yaml', 'rbac/leader_election_role_binding.yaml']) {
      const b = load(f) as unknown as { subjects: { kind: string; name: string; namespace: string }[] };
      expect(b.subjects).toEqual([
        { kind: 'ServiceAccount', name: 'batchpool-operator', namespace: OPERATOR_NAMESPACE },
      ]);
    }
  });
});

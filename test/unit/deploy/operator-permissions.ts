// Every Kubernetes permission batchpool-operator needs, and why: the one list that the shipped
// ClusterRole/Role (deploy/base/rbac/) must match exactly (test/unit/deploy/rbac.test.ts) and that the
// e2e RBAC test checks against a real apiserver with the ServiceAccount's own token.
import { DEFAULT_LEASE_NAME } from '../../../src/ha/leader-election.ts';

export const OPERATOR_NAMESPACE = 'batchpool-system';
export const OPERATOR_SERVICE_ACCOUNT = 'batchpool-operator';
/** The one account Secret the base Role names; installations list theirs with a patch. */
export const ACCOUNT_SECRET = 'batchaccount-credentials';

export interface Permission {
  apiGroup: string;
  resource: string;
  verbs: string[];
  /** 'cluster' = ClusterRole (all namespaces); otherwise the Role's namespace. */
  scope: 'cluster' | typeof OPERATOR_NAMESPACE;
  /** The file under deploy/base/ that grants it. */
  file: 'rbac/cluster_role.yaml' | 'rbac/leader_election_role.yaml' | 'rbac/account_secrets_role.yaml';
  resourceNames?: string[];
  why: string;
}

const G = 'batch.pooloperator.dev';

export const OPERATOR_PERMISSIONS: Permission[] = [
  {
    apiGroup: G,
    resource: 'batchpools',
    verbs: ['get', 'list', 'watch'],
    scope: 'cluster',
    file: 'rbac/cluster_role.yaml',
    why: 'the informer lists and watches BatchPools in every namespace; reconcile reads the latest copy',
  },
  {
    apiGroup: G,
    resource: 'batchpools',
    verbs: ['patch', 'update'],
    scope: 'cluster',
    file: 'rbac/cluster_role.yaml',
    why: 'adds and removes the finalizer (metadata patch)',
  },
  {
    apiGroup: G,
    resource: 'batchpools/status',
    verbs: ['get', 'patch', 'update'],
    scope: 'cluster',
    file: 'rbac/cluster_role.yaml',
    why: 'status, conditions and observedGeneration go through the status subresource only',
  },
  {
    apiGroup: G,
    resource: 'batchpools/finalizers',
    verbs: ['update'],
    scope: 'cluster',
    file: 'rbac/cluster_role.yaml',
    why: 'needed where OwnerReferencesPermissionEnforcement is on, to set finalizers/blockOwnerDeletion',
  },
  {
    apiGroup: G,
    resource: 'batchaccounts',
    verbs: ['get', 'list', 'watch'],
    scope: 'cluster',
    file: 'rbac/cluster_role.yaml',
    why: 'a BatchPool names its BatchAccount (endpoint, allowedNamespaces, identity)',
  },
  {
    apiGroup: G,
    resource: 'batchaccounts/status',
    verbs: ['patch'],
    scope: 'cluster',
    file: 'rbac/cluster_role.yaml',
    why: 'the CredentialsReady condition: whether the identity the account names gets a token',
  },
  {
    apiGroup: 'events.k8s.io',
    resource: 'events',
    verbs: ['create', 'patch'],
    scope: 'cluster',
    file: 'rbac/cluster_role.yaml',
    why: 'Events on BatchPools (resize issued, AllocationFailed, image missing), in the pool namespace',
  },
  {
    apiGroup: '',
    resource: 'events',
    verbs: ['create', 'patch'],
    scope: 'cluster',
    file: 'rbac/cluster_role.yaml',
    why: 'the same Events through the core API, for clients and recorders that use it',
  },
  {
    apiGroup: 'coordination.k8s.io',
    resource: 'leases',
    verbs: ['create'],
    scope: OPERATOR_NAMESPACE,
    file: 'rbac/leader_election_role.yaml',
    why: 'leader election creates its Lease on first start (create cannot be limited by name)',
  },
  {
    apiGroup: 'coordination.k8s.io',
    resource: 'leases',
    verbs: ['get', 'update'],
    scope: OPERATOR_NAMESPACE,
    resourceNames: [DEFAULT_LEASE_NAME],
    file: 'rbac/leader_election_role.yaml',
    why: 'leader election reads and renews (replace with resourceVersion) its one Lease',
  },
  {
    apiGroup: '',
    resource: 'secrets',
    verbs: ['get'],
    scope: OPERATOR_NAMESPACE,
    resourceNames: [ACCOUNT_SECRET],
    file: 'rbac/account_secrets_role.yaml',
    why: 'reads the client secret or certificate a BatchAccount names in spec.identity.secretRef, by name only',
  },
];

/** Requests the operator has no business making; each must be refused. [verb, resource, flags…] */
export const REFUSED: string[][] = [
  ['delete', `batchpools.${G}`, '--all-namespaces'],
  ['create', `batchpools.${G}`, '-n', 'default'],
  ['deletecollection', `batchpools.${G}`, '-n', 'default'],
  ['update', `batchaccounts.${G}`],
  ['patch', `batchaccounts.${G}`],
  ['create', `batchaccounts.${G}`],
  ['delete', `batchaccounts.${G}`],
  ['get', 'secrets', '-n', OPERATOR_NAMESPACE],
  ['get', 'secrets/someone-elses-secret', '-n', OPERATOR_NAMESPACE],
  ['get', `secrets/${ACCOUNT_SECRET}`, '-n', 'default'],
  ['list', 'secrets', '-n', OPERATOR_NAMESPACE],
  ['watch', 'secrets', '-n', OPERATOR_NAMESPACE],
  ['watch', `secrets/${ACCOUNT_SECRET}`, '-n', OPERATOR_NAMESPACE],
  ['update', `secrets/${ACCOUNT_SECRET}`, '-n', OPERATOR_NAMESPACE],
  ['patch', `secrets/${ACCOUNT_SECRET}`, '-n', OPERATOR_NAMESPACE],
  ['delete', `secrets/${ACCOUNT_SECRET}`, '-n', OPERATOR_NAMESPACE],
  ['create', 'secrets', '-n', OPERATOR_NAMESPACE],
  ['list', 'secrets', '--all-namespaces'],
  ['update', `batchaccounts.${G}`, '--subresource', 'status'],
  ['list', 'pods', '--all-namespaces'],
  ['list', 'configmaps', '-n', OPERATOR_NAMESPACE],
  ['create', 'leases.coordination.k8s.io', '-n', 'default'],
  ['get', 'leases.coordination.k8s.io/kube-controller-manager', '-n', 'kube-system'],
  ['update', 'leases.coordination.k8s.io/someone-elses-lease', '-n', OPERATOR_NAMESPACE],
  ['delete', 'leases.coordination.k8s.io', '-n', OPERATOR_NAMESPACE],
  ['delete', 'events', '-n', 'default'],
  ['list', 'namespaces'],
  ['update', 'customresourcedefinitions.apiextensions.k8s.io'],
  ['create', 'clusterrolebindings.rbac.authorization.k8s.io'],
  ['impersonate', 'serviceaccounts', '-n', OPERATOR_NAMESPACE],
];

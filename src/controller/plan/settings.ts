// What the pool's settings should be, and which of them differ from the pool Azure has: the ones Azure changes
// on a pool with nodes (applied in place), the ones it changes only on an empty pool (spec.updateStrategy), and
// autoscaling (its own operations). Which is which is the table in src/azure/settings-table.ts.
//
// A setting the spec leaves out is left as Azure has it (Azure fills in defaults such as taskSlotsPerNode 1),
// except the live ones (start task, application packages, metadata), which Azure replaces whole: no start task
// in the spec means none on the pool. Values are compared after filling in the defaults Azure documents (on both
// sides, so it does not matter whether a GET reports them), durations by length, and without Secret references,
// which Azure never returns: a pool the operator created never differs from its own spec.

import type { BatchPool, BatchPoolSpec, NameValue, SecurityProfile } from '../../api/types.ts';
import {
  OWNER_METADATA,
  type EmptyPoolSettings,
  type PoolSettings,
  type SecretKeyRef,
} from '../../azure/ports.ts';
import {
  AZURE_DEFAULTS,
  DURATION_PATHS,
  SETTINGS,
  VM_KEYS,
  type SettingKey,
} from '../../azure/settings-table.ts';
import { isoDurationMs } from '../duration.ts';
import { deepEqual } from '../../json.ts';
import { publishing, securityProfileFor } from './image.ts';
import { ownerMetadata } from './ownership.ts';

/** The spec's settings; securityProfile as the image's security type calls for, when it can be had. */
export function desiredSettings(
  object: BatchPool,
  image: { versionId?: string; securityType?: string } | undefined,
): PoolSettings {
  const s = object.spec;
  const imageId = (publishing(object) && image?.versionId) || s.image.id;
  const security = securityProfileFor(s.securityProfile, image?.securityType, imageId);
  const profile = 'profile' in security ? security.profile : s.securityProfile;
  const out: Record<string, unknown> = {
    vmSize: s.vmSize,
    imageId,
    nodeAgentSkuId: s.nodeAgentSkuId,
    metadata: [...(s.metadata ?? []), ...ownerMetadata(object)],
  };
  for (const r of SETTINGS) {
    if (r.key in out || r.key === 'securityProfile') continue;
    const v = (s as Record<string, unknown>)[r.key];
    if (v !== undefined) out[r.key] = v;
  }
  if (profile) out.securityProfile = profile;
  return out as PoolSettings;
}

const OWNER_NAMES: ReadonlySet<string> = new Set(Object.values(OWNER_METADATA));

/**
 * The spec fields that say what a pool already is: the inverse of desiredSettings for a pool the operator did
 * not create (import). Only what differs from Azure's defaults is written, so the manifest stays short and a
 * spec made from a pool never differs from it (see differences).
 */
export type SettingsSpec = Pick<BatchPoolSpec, 'vmSize' | 'image' | 'nodeAgentSkuId' | 'metadata'> &
  Omit<PoolSettings, 'vmSize' | 'imageId' | 'nodeAgentSkuId' | 'metadata'>;

/**
 * The spec of an existing pool. Azure never returns secrets, so a setting that needs one (a user's password, a
 * storage key, a registry password) gets a reference to `secretName` with a key named after the setting; that
 * Secret must be created with those keys (secretRefsOf lists them) before the manifest is applied.
 */
export function specFromSettings(have: PoolSettings, secretName = 'batchpool-secrets'): SettingsSpec {
  const metadata = have.metadata.filter((m) => !OWNER_NAMES.has(m.name));
  const out: Record<string, unknown> = {
    vmSize: have.vmSize,
    image: { id: have.imageId },
    nodeAgentSkuId: have.nodeAgentSkuId,
  };
  for (const r of SETTINGS) {
    if (r.place === 'special' && r.key !== 'autoScale') continue;
    const v = have[r.key];
    if (v === undefined) continue;
    // A top-level default (taskSlotsPerNode 1, no inter-node communication) is left out.
    if (r.key in AZURE_DEFAULTS && deepEqual(v, AZURE_DEFAULTS[r.key])) continue;
    out[r.key] = structuredClone(v);
  }
  if (metadata.length > 0) out.metadata = metadata.map((m) => ({ name: m.name, value: m.value }));
  addSecretPlaceholders(out, secretName);
  return out as SettingsSpec;
}

/** Puts a Secret reference wherever the spec needs one that Azure does not return. */
function addSecretPlaceholders(spec: Record<string, unknown>, secretName: string): void {
  const ref = (key: string): SecretKeyRef => ({
    name: secretName,
    key: key.replace(/[^-._a-zA-Z0-9]+/g, '-'),
  });
  const s = spec as Partial<PoolSettings>;
  for (const u of s.userAccounts ?? []) u.passwordSecretRef = ref(`user.${u.name}.password`);
  for (const [i, m] of (s.mountConfiguration ?? []).entries()) {
    const blob = m.azureBlobFileSystemConfiguration;
    if (blob && !blob.identityReference) blob.accountKeySecretRef = ref(`mount.${i}.accountKey`);
    if (m.cifsMountConfiguration) m.cifsMountConfiguration.passwordSecretRef = ref(`mount.${i}.password`);
    if (m.azureFileShareConfiguration) {
      m.azureFileShareConfiguration.accountKeySecretRef = ref(`mount.${i}.accountKey`);
    }
  }
  for (const r of s.containerConfiguration?.containerRegistries ?? []) {
    if (r.username) r.passwordSecretRef = ref(`registry.${r.registryServer ?? 'docker.io'}.password`);
  }
  const registry = s.startTask?.containerSettings?.registry;
  if (registry?.username) registry.passwordSecretRef = ref('startTask.registry.password');
}

export interface Differences {
  /** Spec fields Azure changes on a pool with nodes. */
  live: string[];
  /** Spec fields Azure changes only on an empty pool, with what each is in the spec and in Azure. */
  empty: { field: string; want: string; have: string }[];
  /** spec.autoScale differs: autoscaling to be turned on, off, or given a new formula or interval. */
  autoScale: boolean;
  /** The owner entries are missing from the pool's metadata (a pool that is being adopted). */
  unclaimed: boolean;
}

export function differences(want: PoolSettings, have: PoolSettings): Differences {
  const live: string[] = [];
  const empty: Differences['empty'] = [];
  let autoScale = false;
  for (const r of SETTINGS) {
    const w = want[r.key];
    const h = have[r.key];
    // An empty-pool setting, or the identity, the spec leaves out is left as Azure has it (an identity given
    // to the pool outside the operator, before spec.identity existed, stays).
    if ((r.change === 'empty' || r.key === 'identity') && w === undefined) continue;
    if (sameSetting(r.key, w, h)) continue;
    if (r.change === 'live') live.push(r.field);
    else if (r.change === 'autoScale') autoScale = true;
    else empty.push({ field: r.field, want: show(w), have: show(h) });
  }
  const ownerNames = new Set(have.metadata.filter((m) => OWNER_NAMES.has(m.name)).map((m) => m.name));
  const unclaimed = ![OWNER_METADATA.namespace, OWNER_METADATA.name].every((n) => ownerNames.has(n));
  return { live, empty, autoScale, unclaimed };
}

/** One setting on both sides, as Azure would report each. */
function sameSetting(key: SettingKey, want: unknown, have: unknown): boolean {
  switch (key) {
    case 'vmSize':
    case 'imageId':
      return String(want).toLowerCase() === String(have).toLowerCase();
    case 'metadata':
      return deepEqual(userMetadata(want as NameValue[]), userMetadata(have as NameValue[]));
    case 'identity':
      // Resource IDs are case-insensitive, and the order is not the pool's.
      return deepEqual(identityIds(want), identityIds(have));
    case 'securityProfile':
      return deepEqual(
        asAzureReports(key, lowerSecurityType(want)),
        asAzureReports(key, lowerSecurityType(have)),
      );
    case 'applicationPackageReferences':
      // None and an empty list are the same to updateproperties; an application is named by its ARM ID on the
      // way in, and compared by its name (the last segment, as Azure compares it, case-insensitively).
      return deepEqual(
        asAzureReports(key, appsByName(emptyToNone(want))),
        asAzureReports(key, appsByName(emptyToNone(have))),
      );
    default:
      return deepEqual(asAzureReports(key, want), asAzureReports(key, have));
  }
}

/**
 * A setting as a GET would show it: Azure's documented defaults filled in, Secret references dropped (Azure
 * never returns a secret), durations as milliseconds.
 */
export function asAzureReports(key: SettingKey, value: unknown): unknown {
  const v = value === undefined && key in AZURE_DEFAULTS ? AZURE_DEFAULTS[key] : value;
  return normalise(v, key);
}

function normalise(value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((item) => normalise(item, `${path}[]`));
  if (typeof value === 'string' && DURATION_PATHS.includes(path)) return isoDurationMs(value) ?? value;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || k.endsWith('SecretRef')) continue;
    out[k] = v;
  }
  // The defaults of this object's fields, where the object is present and leaves them out.
  for (const [p, d] of Object.entries(AZURE_DEFAULTS)) {
    const dot = p.lastIndexOf('.');
    if (dot < 0 || p.slice(0, dot) !== path) continue;
    const field = p.slice(dot + 1);
    if (!(field in out)) out[field] = structuredClone(d);
  }
  for (const [k, v] of Object.entries(out)) {
    if (typeof v === 'object' && v !== null) out[k] = normalise(v, `${path}.${k}`);
    else if (typeof v === 'string') out[k] = normalise(v, `${path}.${k}`);
  }
  return out;
}

/** The PATCH that carries the empty-pool differences: the VM configuration travels whole. */
export function emptyPoolPatch(want: PoolSettings, d: Differences): EmptyPoolSettings {
  const fields = new Set(d.empty.map((e) => e.field));
  const rows = SETTINGS.filter((r) => r.change === 'empty');
  const vm = rows.some((r) => VM_KEYS.includes(r.key) && fields.has(r.field));
  const out: Record<string, unknown> = {};
  for (const r of rows) {
    const send = fields.has(r.field) || (vm && VM_KEYS.includes(r.key));
    const v = want[r.key];
    if (send && v !== undefined) out[r.key] = v;
  }
  return out;
}

/** The user's entries, in name order; the owner entries are the operator's business. */
function identityIds(v: unknown): string[] {
  const ids = (v as PoolSettings['identity'])?.userAssignedIdentities ?? [];
  return ids.map((id) => id.toLowerCase()).sort();
}

function userMetadata(items: readonly NameValue[] | undefined): NameValue[] {
  return (items ?? [])
    .filter((m) => !OWNER_NAMES.has(m.name))
    .map((m) => ({ name: m.name, value: m.value }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Azure spells the security type in more than one case (trustedLaunch, TrustedLaunch). */
function lowerSecurityType(p: unknown): unknown {
  const s = p as SecurityProfile | undefined;
  return s && { ...s, ...(s.securityType && { securityType: s.securityType.toLowerCase() }) };
}

function appsByName(v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  return (v as { applicationId: string; version?: string }[]).map((a) => ({
    ...a,
    applicationId: (a.applicationId.split('/').pop() ?? a.applicationId).toLowerCase(),
  }));
}

function emptyToNone(v: unknown): unknown {
  return Array.isArray(v) && v.length === 0 ? undefined : v;
}

function show(v: unknown): string {
  return v === undefined ? '(not set)' : typeof v === 'string' ? v : JSON.stringify(v);
}

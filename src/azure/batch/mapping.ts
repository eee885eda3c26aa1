// Between the port (src/azure/ports.ts) and the 2025-06-01 wire types: what the controller asks for becomes a
// BatchPoolCreateOptions (or a PATCH, or an updateproperties), and a BatchPool becomes the PoolSnapshot the plan
// decides on. Pure, so the contract test can check every name it sends and reads.
//
// The settings are copied by the BatchPool schema (src/api/schema.ts), not by hand: the spec uses Azure's names,
// so a field goes to the wire under its own name, with three exceptions the walk knows: a `…SecretRef` goes as
// the secret's value under the name without the suffix (passwordSecretRef → password; protectedSettingsSecretRef
// → protectedSettings, a JSON object), `userName` of a start task's user identity is `username` on the wire,
// and a free-form object (x-kubernetes-preserve-unknown-fields) goes as written. Back from the wire only what
// the schema names is read (read-only and unknown fields are left behind, secrets are never there), and enum
// values are matched to the schema's spelling case-insensitively (Azure writes TrustedLaunch and
// trustedLaunch). Where a setting sits (pool or virtualMachineConfiguration) and how Azure changes it is
// src/azure/settings-table.ts. The contract test (test/unit/azure/mapping-full.test.ts) checks what this
// writes against the 2025-06-01 models.

import { batchPoolSpecSchema } from '../../api/schema.ts';
import type { JSONSchemaProps } from '../../api/openapi.ts';
import type { NameValue } from '../../api/types.ts';
import {
  NODE_COUNT_STATES,
  OWNER_METADATA,
  SecretValues,
  type BadNode,
  type CreatePoolParams,
  type EmptyPoolSettings,
  type LiveSettings,
  type NodeAgentSku,
  type NodeStateCounts,
  type PoolNodeCounts,
  type PoolSettings,
  type PoolSnapshot,
  type ResizeParams,
  type SecretKeyRef,
} from '../ports.ts';
import { SETTINGS, VM_KEYS, type SettingKey } from '../settings-table.ts';
import {
  KnownAllocationState,
  type BatchMetadataItem,
  type BatchNode,
  type BatchNodeCounts,
  type BatchPool,
  type BatchPoolNodeCounts,
  type BatchPoolCreateOptions,
  type BatchPoolEnableAutoScaleOptions,
  type BatchPoolReplaceOptions,
  type BatchPoolResizeOptions,
  type BatchPoolUpdateOptions,
  type BatchSupportedImage,
  type VirtualMachineConfiguration,
} from './wire.ts';

const SPEC_PROPS = batchPoolSpecSchema.properties as Record<string, JSONSchemaProps>;
const SECRET_SUFFIX = 'SecretRef';
/** Spec names that differ from the wire's (the spec once followed an older API). */
const RENAMED: Readonly<Record<string, string>> = { userName: 'username' };
const NO_SECRETS = new SecretValues();

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A spec value as the wire wants it, with every Secret reference replaced by its value. */
function toWire(schema: JSONSchemaProps | undefined, value: unknown, secrets: SecretValues): unknown {
  if (value === undefined || value === null || !schema) return value;
  if (schema['x-kubernetes-preserve-unknown-fields']) return structuredClone(value);
  if (Array.isArray(value)) return value.map((item) => toWire(schema.items, item, secrets));
  if (!isObject(value) || !schema.properties) return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (k.endsWith(SECRET_SUFFIX)) {
      const wireKey = k.slice(0, -SECRET_SUFFIX.length);
      out[wireKey] = secretValue(wireKey, v as SecretKeyRef, secrets);
      continue;
    }
    out[RENAMED[k] ?? k] = toWire(schema.properties[k], v, secrets);
  }
  return out;
}

function secretValue(wireKey: string, ref: SecretKeyRef, secrets: SecretValues): unknown {
  const value = secrets.get(ref);
  if (wireKey !== 'protectedSettings') return value;
  const parsed = parseJsonObject(value);
  if (!parsed) {
    throw new Error(`Secret ${ref.name}, key ${ref.key}: protectedSettings must be a JSON object`);
  }
  return parsed;
}

/** A JSON object, or undefined for anything else (the text itself is never shown: it is a secret). */
export function parseJsonObject(text: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A wire value in the spec's terms: only what the schema names, enums spelt as the schema spells them. */
function fromWire(schema: JSONSchemaProps | undefined, value: unknown): unknown {
  if (value === undefined || value === null || !schema) return undefined;
  if (schema['x-kubernetes-preserve-unknown-fields']) return structuredClone(value);
  if (schema.type === 'array') {
    return Array.isArray(value) ? value.map((item) => fromWire(schema.items, item)) : undefined;
  }
  if (schema.type === 'object') {
    if (!isObject(value) || !schema.properties) return undefined;
    const out: Json = {};
    for (const [k, sub] of Object.entries(schema.properties)) {
      if (k.endsWith(SECRET_SUFFIX)) continue; // Azure never returns a secret
      const v = fromWire(sub, value[RENAMED[k] ?? k]);
      if (v !== undefined) out[k] = v;
      // A required string Azure leaves out is empty (an environment variable without a value).
      else if (sub.type === 'string' && schema.required?.includes(k)) out[k] = '';
    }
    return out;
  }
  if (schema.enum && typeof value === 'string') {
    const lower = value.toLowerCase();
    return schema.enum.find((e) => String(e).toLowerCase() === lower) ?? value;
  }
  return value;
}

const settingToWire = (key: SettingKey, value: unknown, secrets: SecretValues) =>
  toWire(SPEC_PROPS[key], value, secrets);

/** Name/value pairs (metadata): the same two fields on both sides. */
function pairs(items: readonly NameValue[]): BatchMetadataItem[] {
  return items.map(({ name, value }) => ({ name, value }));
}

/** The rows of one place, with their values in `s`, as wire properties. */
function placed(
  s: Partial<PoolSettings>,
  place: 'pool' | 'vm',
  secrets: SecretValues,
  change?: 'live' | 'empty',
): Json {
  const out: Json = {};
  for (const r of SETTINGS) {
    if (r.place !== place || (change && r.change !== change)) continue;
    const v = s[r.key];
    if (v !== undefined) out[r.key] = settingToWire(r.key, v, secrets);
  }
  return out;
}

function toVmConfiguration(
  s: Partial<PoolSettings> & Pick<PoolSettings, 'imageId' | 'nodeAgentSkuId'>,
  secrets: SecretValues,
): VirtualMachineConfiguration {
  return {
    imageReference: { virtualMachineImageId: s.imageId },
    nodeAgentSKUId: s.nodeAgentSkuId,
    ...placed(s, 'vm', secrets),
  };
}

/** The start task as the wire has it (for callers that send one on its own). */
export function toStartTask(t: NonNullable<PoolSettings['startTask']>, secrets = NO_SECRETS) {
  return settingToWire('startTask', t, secrets) as NonNullable<BatchPoolCreateOptions['startTask']>;
}

export function toCreateOptions(c: CreatePoolParams, secrets = NO_SECRETS): BatchPoolCreateOptions {
  const sizing = c.autoScale
    ? {
        enableAutoScale: true,
        autoScaleFormula: c.autoScale.formula,
        ...(c.autoScale.evaluationInterval && {
          autoScaleEvaluationInterval: c.autoScale.evaluationInterval,
        }),
      }
    : {
        targetDedicatedNodes: c.targetDedicatedNodes,
        targetLowPriorityNodes: c.targetLowPriorityNodes,
        resizeTimeout: c.resizeTimeout,
      };
  return {
    id: c.id,
    vmSize: c.vmSize,
    virtualMachineConfiguration: toVmConfiguration(c, secrets),
    ...sizing,
    metadata: pairs(c.metadata),
    ...placed(c, 'pool', secrets),
  };
}

/** updateproperties replaces all three: no start task removes it, and each list is the whole list. */
export function toReplaceOptions(l: LiveSettings, secrets = NO_SECRETS): BatchPoolReplaceOptions {
  return {
    ...(l.startTask && { startTask: toStartTask(l.startTask, secrets) }),
    applicationPackageReferences: (settingToWire(
      'applicationPackageReferences',
      l.applicationPackageReferences ?? [],
      secrets,
    ) ?? []) as BatchPoolReplaceOptions['applicationPackageReferences'],
    metadata: pairs(l.metadata),
  };
}

/**
 * A PATCH of what Azure changes only on an empty pool. The VM configuration goes whole (Azure replaces it, and
 * the update model says it "must be specified"), so every setting inside it travels together.
 */
export function toUpdateOptions(e: EmptyPoolSettings, secrets = NO_SECRETS): BatchPoolUpdateOptions {
  const vm = VM_KEYS.some((k) => (e as Partial<PoolSettings>)[k] !== undefined);
  if (vm && (e.imageId === undefined || e.nodeAgentSkuId === undefined)) {
    throw new Error('a VM configuration update needs both the image and the node agent SKU');
  }
  return {
    ...placed(e, 'pool', secrets, 'empty'),
    ...(vm && {
      virtualMachineConfiguration: toVmConfiguration(
        { ...e, imageId: e.imageId!, nodeAgentSkuId: e.nodeAgentSkuId! },
        secrets,
      ),
    }),
  };
}

export function toEnableAutoScaleOptions(
  a: NonNullable<PoolSettings['autoScale']>,
): BatchPoolEnableAutoScaleOptions {
  return {
    autoScaleFormula: a.formula,
    ...(a.evaluationInterval && { autoScaleEvaluationInterval: a.evaluationInterval }),
  };
}

// ---------------------------------------------------------------- back from the wire

/** The pool's settings as the operator writes them; undefined for a pool that is not a VM pool on an image ID. */
export function toSettings(p: BatchPool): PoolSettings | undefined {
  const vm = p.virtualMachineConfiguration;
  const imageId = vm?.imageReference.virtualMachineImageId;
  if (!vm || !imageId || !p.vmSize) return undefined;
  const out: Json = {
    vmSize: p.vmSize,
    imageId,
    nodeAgentSkuId: vm.nodeAgentSKUId,
    metadata: (p.metadata ?? []).map((m) => ({ name: m.name, value: m.value })),
  };
  const wire = { pool: p as unknown as Json, vm: vm as unknown as Json };
  for (const r of SETTINGS) {
    if (r.place === 'special' || r.key === 'vmSize') continue;
    const v = fromWire(SPEC_PROPS[r.key], wire[r.place][r.key]);
    if (v !== undefined) out[r.key] = v;
  }
  // BatchPool.identity is read-only on the data plane: the management plane gave the pool these.
  const identities = (p.identity?.userAssignedIdentities ?? []).map((i) => i.resourceId);
  if (identities.length > 0) out.identity = { userAssignedIdentities: identities };
  if (p.enableAutoScale && p.autoScaleFormula) {
    out.autoScale = {
      formula: p.autoScaleFormula,
      ...(p.autoScaleEvaluationInterval && { evaluationInterval: p.autoScaleEvaluationInterval }),
    };
  }
  return out as PoolSettings;
}

export function toResizeOptions(p: ResizeParams): BatchPoolResizeOptions {
  return {
    targetDedicatedNodes: p.targetDedicatedNodes,
    targetLowPriorityNodes: p.targetLowPriorityNodes,
    resizeTimeout: p.resizeTimeout,
    nodeDeallocationOption: p.nodeDeallocationOption,
  };
}

const ALLOCATION_STATES = new Set<string>(KnownAllocationState);

function epochMs(t: string | undefined): number | undefined {
  if (t === undefined) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * What the controller decides on, from a pool as the service returned it. Enums are compared
 * case-insensitively and unknown values fall back to the safe reading (a state Azure adds later is not
 * "deleting"; an allocation state it adds is taken as steady, as before). Fields a $select left out read as
 * their zero values.
 */
export function toSnapshot(p: BatchPool): PoolSnapshot {
  const alloc = String(p.allocationState ?? 'steady').toLowerCase();
  const meta = new Map((p.metadata ?? []).map((m) => [m.name, m.value]));
  const transition = epochMs(p.allocationStateTransitionTime);
  return {
    id: p.id ?? '',
    ...(p.eTag && { eTag: p.eTag }),
    state: String(p.state ?? 'active').toLowerCase() === 'deleting' ? 'deleting' : 'active',
    allocationState: (ALLOCATION_STATES.has(alloc) ? alloc : 'steady') as PoolSnapshot['allocationState'],
    ...(transition !== undefined && { allocationStateTransitionTime: transition }),
    currentDedicatedNodes: p.currentDedicatedNodes ?? 0,
    currentLowPriorityNodes: p.currentLowPriorityNodes ?? 0,
    targetDedicatedNodes: p.targetDedicatedNodes ?? 0,
    targetLowPriorityNodes: p.targetLowPriorityNodes ?? 0,
    resizeErrors: (p.resizeErrors ?? []).map((e) => ({
      code: e.code ?? 'Unknown',
      message: e.message ?? '',
      ...(e.values?.length && {
        values: e.values.map((v) => ({ name: v.name ?? '', value: v.value ?? '' })),
      }),
    })),
    owner: {
      ...(meta.has(OWNER_METADATA.namespace) && { namespace: meta.get(OWNER_METADATA.namespace) }),
      ...(meta.has(OWNER_METADATA.name) && { name: meta.get(OWNER_METADATA.name) }),
      ...(meta.has(OWNER_METADATA.uid) && { uid: meta.get(OWNER_METADATA.uid) }),
    },
    ...(p.virtualMachineConfiguration?.imageReference?.virtualMachineImageId && {
      imageId: p.virtualMachineConfiguration.imageReference.virtualMachineImageId,
    }),
    ...(p.vmSize && { vmSize: p.vmSize }),
  };
}

/** A snapshot with the pool's settings, for the reads that compare them with a spec. */
export function toSnapshotWithSettings(p: BatchPool): PoolSnapshot {
  const settings = toSettings(p);
  return { ...toSnapshot(p), ...(settings && { settings }) };
}

function toStateCounts(c: BatchNodeCounts | undefined): NodeStateCounts {
  const out = { total: c?.total ?? 0 } as NodeStateCounts;
  for (const state of NODE_COUNT_STATES) out[state] = c?.[state] ?? 0;
  return out;
}

export function toPoolNodeCounts(c: BatchPoolNodeCounts): PoolNodeCounts {
  return { dedicated: toStateCounts(c.dedicated), lowPriority: toStateCounts(c.lowPriority) };
}

/** The fields badNodes selects: enough to name a node, say what is wrong, and tell a new boot from an old. */
export const BAD_NODE_SELECT = [
  'id',
  'state',
  'isDedicated',
  'lastBootTime',
  'errors',
  'startTaskInfo',
] as const;
export const BAD_NODE_FILTER = "state eq 'unusable' or state eq 'starttaskfailed'";

/**
 * A listed node as the plan reads it. An unusable node says why in `errors`; a failed start task usually has
 * none there, so its failureInfo (with the exit code) stands in, and a node with neither is "Unknown".
 */
export function toBadNode(n: Pick<BatchNode, 'id' | 'state'> & Partial<BatchNode>): BadNode {
  const state = String(n.state).toLowerCase() === 'unusable' ? 'unusable' : 'starttaskfailed';
  const errors = (n.errors ?? []).map((e) => ({ code: e.code ?? 'Unknown', message: e.message ?? '' }));
  const failure = n.startTaskInfo?.failureInfo;
  if (errors.length === 0 && state === 'starttaskfailed' && failure) {
    const exit = n.startTaskInfo?.exitCode;
    errors.push({
      code: failure.code ?? 'StartTaskFailed',
      message: `${failure.message ?? 'The start task failed'}${exit !== undefined ? ` (exit code ${exit})` : ''}`,
    });
  }
  if (errors.length === 0) errors.push({ code: 'Unknown', message: 'Azure gave no error for this node' });
  const boot = n.lastBootTime ? Date.parse(n.lastBootTime) : NaN;
  return {
    id: n.id,
    state,
    dedicated: n.isDedicated !== false,
    ...(Number.isFinite(boot) && { lastBootTime: boot }),
    errors,
  };
}

export function toNodeAgentSku(i: BatchSupportedImage): NodeAgentSku {
  return {
    id: i.nodeAgentSKUId,
    osType: String(i.osType).toLowerCase(),
    ...(i.batchSupportEndOfLife !== undefined && { endOfLife: i.batchSupportEndOfLife }),
  };
}

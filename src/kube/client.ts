// KubeApi on @kubernetes/client-node 2.x: custom objects by group/version/plural, finalizers through JSON
// patches guarded by `test`, status through a merge patch on the /status subresource.

import {
  ApiException,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import {
  BATCHACCOUNT_PLURAL,
  BATCHPOOL_PLURAL,
  GROUP,
  VERSION,
  type BatchAccount,
  type BatchPool,
  type BatchPoolStatus,
} from '../api/types.ts';
import { CallError, kindOfStatus, type Failure } from '../errors.ts';
import { RETRY_POLICY } from '../retry-policy.ts';
import type { KubeApi } from './ports.ts';
import { mergePatch } from './merge-patch.ts';

const GVP = { group: GROUP, version: VERSION, plural: BATCHPOOL_PLURAL } as const;

/** Kubernetes error code, or undefined for a non-HTTP failure. */
export function kubeStatus(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * ApiException.body is the raw response text; pull the Status reason and message out of it. The HTTP
 * status is left out: the Failure carries it, and describe() puts it in front.
 */
function kubeMessage(err: unknown): string {
  if (err instanceof ApiException) {
    try {
      const body = JSON.parse(String(err.body)) as { message?: string; reason?: string };
      return `${body.reason ?? ''}: ${body.message ?? ''}`.replace(/^: /, '').trim();
    } catch {
      return String(err.body ?? err.message);
    }
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * A failed apiserver call in the project's vocabulary. A conflict — a stale resourceVersion, or a failed
 * `test` op, which the apiserver answers with 422 — means "someone changed it": re-read and try again soon.
 */
export function kubeFailure(err: unknown): Failure {
  const s = kubeStatus(err);
  const message = kubeMessage(err);
  if (s === undefined) return { kind: 'unreachable', message };
  if (s === 409 || s === 422) {
    return { kind: 'conflict', status: s, message, retryAfterMs: RETRY_POLICY.kubeConflictRetryAfterMs };
  }
  return { kind: kindOfStatus(s), status: s, message };
}

function rethrow(err: unknown, what: string): never {
  throw new CallError(what, kubeFailure(err), { cause: err });
}

export class KubeClient implements KubeApi {
  readonly custom: CustomObjectsApi;

  constructor(kc: KubeConfig) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  async getPool(namespace: string, name: string): Promise<BatchPool | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({ ...GVP, namespace, name })) as BatchPool;
    } catch (err) {
      if (kubeStatus(err) === 404) return undefined;
      rethrow(err, `get BatchPool ${namespace}/${name}`);
    }
  }

  async getAccount(name: string): Promise<BatchAccount | undefined> {
    try {
      return (await this.custom.getClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural: BATCHACCOUNT_PLURAL,
        name,
      })) as BatchAccount;
    } catch (err) {
      if (kubeStatus(err) === 404) return undefined;
      rethrow(err, `get BatchAccount ${name}`);
    }
  }

  async listPools(): Promise<{ items: BatchPool[]; metadata?: { resourceVersion?: string } }> {
    try {
      return (await this.custom.listClusterCustomObject(GVP)) as { items: BatchPool[] };
    } catch (err) {
      rethrow(err, 'list BatchPools');
    }
  }

  async listAccounts(): Promise<{ items: BatchAccount[]; metadata?: { resourceVersion?: string } }> {
    try {
      return (await this.custom.listClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural: BATCHACCOUNT_PLURAL,
      })) as { items: BatchAccount[] };
    } catch (err) {
      rethrow(err, 'list BatchAccounts');
    }
  }

  async addFinalizer(pool: BatchPool, finalizer: string): Promise<BatchPool> {
    const current = pool.metadata.finalizers;
    const body = current
      ? [
          { op: 'test', path: '/metadata/finalizers', value: current },
          { op: 'add', path: '/metadata/finalizers/-', value: finalizer },
        ]
      : [
          { op: 'test', path: '/metadata/resourceVersion', value: pool.metadata.resourceVersion },
          { op: 'add', path: '/metadata/finalizers', value: [finalizer] },
        ];
    try {
      return (await this.custom.patchNamespacedCustomObject(
        { ...GVP, namespace: pool.metadata.namespace ?? '', name: pool.metadata.name, body },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      )) as BatchPool;
    } catch (err) {
      rethrow(err, `add finalizer to ${pool.metadata.namespace}/${pool.metadata.name}`);
    }
  }

  async removeFinalizer(pool: BatchPool, finalizer: string): Promise<void> {
    const i = pool.metadata.finalizers?.indexOf(finalizer) ?? -1;
    if (i < 0) return;
    const body = [
      { op: 'test', path: `/metadata/finalizers/${i}`, value: finalizer },
      { op: 'remove', path: `/metadata/finalizers/${i}` },
    ];
    try {
      await this.custom.patchNamespacedCustomObject(
        { ...GVP, namespace: pool.metadata.namespace ?? '', name: pool.metadata.name, body },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );
    } catch (err) {
      if (kubeStatus(err) === 404) return;
      rethrow(err, `remove finalizer from ${pool.metadata.namespace}/${pool.metadata.name}`);
    }
  }

  /** The object as stored after the patch; undefined when there was nothing to send or it is gone. */
  async patchStatus(
    pool: BatchPool,
    previous: BatchPoolStatus | undefined,
    next: BatchPoolStatus,
  ): Promise<BatchPool | undefined> {
    const patch = mergePatch(previous ?? {}, next);
    if (patch === undefined) return undefined;
    try {
      return (await this.custom.patchNamespacedCustomObjectStatus(
        {
          ...GVP,
          namespace: pool.metadata.namespace ?? '',
          name: pool.metadata.name,
          body: { status: patch },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      )) as BatchPool;
    } catch (err) {
      if (kubeStatus(err) === 404) return undefined;
      rethrow(err, `patch status of ${pool.metadata.namespace}/${pool.metadata.name}`);
    }
  }
}

// One level-triggered reconcile of one BatchPool: read it → guard the account → finalizer before the first
// Azure write → observe Azure (pool GET; image check only when plan says so) → plan → act → record events →
// write status once, only if it changed → say when to look again. "Not done yet" is a result; exceptions are
// failed calls, and the queue backs those off.

import { FINALIZER, type BatchAccount, type BatchPool, type BatchPoolStatus } from '../api/types.ts';
import type { Azure, BatchPools } from '../azure/ports.ts';
import { classifyCall } from '../azure/retry.ts';
import { describe as describeError } from '../azure/errors.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { deepEqual } from '../kube/merge-patch.ts';
import type { EventRecorder, KubeApi } from '../kube/ports.ts';
import { Reason, setCondition } from './conditions.ts';
import {
  imageUsage,
  isPaused,
  needsImageCheck,
  plan,
  poolIdOf,
  type AccountState,
  type Action,
  type PlanResult,
  type PlanSettings,
  type PlannedEvent,
} from './plan.ts';
import type { HandlerResult } from './queue.ts';
import { statusAfterFailedAction } from './status.ts';

export interface ReconcilerDeps {
  kube: KubeApi;
  events: EventRecorder;
  azure: Azure;
  clock: Clock;
  random: () => number;
  settings: PlanSettings;
  log: Logger;
  /** BatchAccount by name (normally the informer cache). */
  account: (name: string) => BatchAccount | undefined | Promise<BatchAccount | undefined>;
  /**
   * The BatchPools that use this image (normally from the informer cache's image index), to sum
   * custom-image usage. Returning more is harmless — imageUsage filters — but costs a scan per reconcile.
   */
  pools: (imageId: string) => readonly BatchPool[];
  /** Told the status each reconcile settled on (metrics). */
  onStatus?: (obj: BatchPool, status: BatchPoolStatus) => void;
  /** Told every Azure write that succeeded, with the plan's reason (metrics). */
  onAction?: (obj: BatchPool, action: Action, reason: string) => void;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export function keyOf(o: { metadata: { namespace?: string; name: string } }): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

export function accountState(pool: BatchPool, account: BatchAccount | undefined): AccountState {
  const name = pool.spec.accountRef.name;
  if (!account) return { kind: 'missing', name };
  const allowed = account.spec.allowedNamespaces ?? [];
  const ns = pool.metadata.namespace ?? '';
  if (allowed.includes('*') || allowed.includes(ns)) return { kind: 'ok', name };
  return { kind: 'not-allowed', name, allowedNamespaces: allowed };
}

const ACTION_OF_EVENT: Record<string, string> = {
  PoolCreating: 'Create',
  PoolRecreated: 'Create',
  ResizeIssued: 'Resize',
  ResizeStopping: 'StopResize',
  PoolDeleting: 'Delete',
  PoolDeleted: 'Delete',
  PoolRetained: 'Delete',
  PoolLeftInAzure: 'Delete',
};

async function act(
  action: Action,
  batch: BatchPools | undefined,
  kube: KubeApi,
  obj: BatchPool,
): Promise<void> {
  if (action.kind === 'removeFinalizer') return kube.removeFinalizer(obj, FINALIZER);
  if (action.kind === 'none') return;
  if (!batch) throw new Error(`no Batch client for action ${action.kind}`);
  switch (action.kind) {
    case 'create':
      return batch.create(action.params);
    case 'resize':
      return batch.resize(action.poolId, action.params);
    case 'stopResize':
      return batch.stopResize(action.poolId);
    case 'delete':
      return batch.delete(action.poolId);
  }
}

function withAzureProblem(
  status: BatchPoolStatus,
  obj: BatchPool,
  stalled: boolean,
  message: string,
  nowIso: string,
): BatchPoolStatus {
  const g = obj.metadata.generation;
  let c = setCondition(
    status.conditions,
    { type: 'Ready', status: 'False', reason: Reason.AzureError, message },
    g,
    nowIso,
  );
  c = setCondition(
    c,
    { type: 'Reconciling', status: stalled ? 'False' : 'True', reason: Reason.AzureError, message },
    g,
    nowIso,
  );
  if (stalled)
    c = setCondition(c, { type: 'Stalled', status: 'True', reason: 'AzureRejected', message }, g, nowIso);
  return { ...status, ...(stalled && { phase: 'Stalled' as const }), conditions: c };
}

export async function reconcile(key: string, d: ReconcilerDeps): Promise<HandlerResult> {
  const { namespace, name } = splitKey(key);
  let obj = await d.kube.getPool(namespace, name);
  if (!obj) return {};
  const deleting = !!obj.metadata.deletionTimestamp;
  const hasFinalizer = obj.metadata.finalizers?.includes(FINALIZER) ?? false;
  if (deleting && !hasFinalizer) return {};

  const account = await d.account(obj.spec.accountRef.name);
  const acct = accountState(obj, account);
  const now = d.clock.now();
  const nowIso = new Date(now).toISOString();
  const log = d.log.child({ key, poolId: poolIdOf(obj) });

  // The finalizer goes on before anything could write to Azure.
  if (!deleting && acct.kind === 'ok' && !hasFinalizer) obj = await d.kube.addFinalizer(obj, FINALIZER);

  const previous = obj.status;
  let batch: BatchPools | undefined;
  let result: PlanResult;
  try {
    let observed: { pool: Awaited<ReturnType<BatchPools['get']>> } | undefined;
    let imageCheck: { exists: boolean } | undefined;
    const retain = (obj.spec.deletionPolicy ?? 'Delete') === 'Retain';
    if (acct.kind === 'ok' && account && !(deleting && (retain || isPaused(obj)))) {
      const target = {
        endpoint: account.spec.endpoint,
        ...(account.spec.identity?.clientId && { clientId: account.spec.identity.clientId }),
      };
      batch = d.azure.batch(target);
      const pool = await batch.get(poolIdOf(obj));
      observed = { pool };
      if (!deleting && needsImageCheck(obj, pool, now, d.settings)) {
        imageCheck = { exists: await d.azure.images(target).exists(obj.spec.image.id) };
      }
    }
    result = plan({
      object: obj,
      account: acct,
      ...(observed && { observed }),
      ...(imageCheck && { imageCheck }),
      usage: imageUsage(obj, d.pools(obj.spec.image.id)),
      now,
      random: d.random,
      settings: d.settings,
    });
  } catch (err) {
    // Observing failed: say so on the object, then let the queue back off (or wait, if only a person can fix it).
    const c = classifyCall(err);
    const terminal = c.kind === 'terminal';
    const msg = `Could not read the pool or image from Azure: ${describeError(c)}`;
    log.warn(
      { action: 'observe', reason: Reason.AzureError, error: describeError(c), kind: c.kind },
      'decision',
    );
    if (previous || terminal) {
      await writeStatus(d, obj, previous, withAzureProblem(previous ?? {}, obj, terminal, msg, nowIso));
    }
    if (terminal) return { requeueAfterMs: d.settings.steadyResyncMs };
    throw err;
  }

  const { action } = result;
  let status = result.status;
  let requeueAfterMs = result.requeueAfterMs;
  let events: PlannedEvent[] = result.events;
  let failure: Error | undefined;
  try {
    await act(action, batch, d.kube, obj);
    if (action.kind !== 'none') d.onAction?.(obj, action, result.reason);
  } catch (err) {
    const c = classifyCall(err);
    const msg = `${action.kind} failed: ${describeError(c)}`;
    // Planned events describe a call that did not happen; keep only the observations.
    events = events.filter((e) => !ACTION_OF_EVENT[e.reason]);
    if (c.kind === 'conflict' || c.kind === 'not-found') {
      // Azure changed under us (resized elsewhere, created meanwhile, gone): look again at the next poll.
      status = statusAfterFailedAction(previous ?? {}, status, msg, obj.metadata.generation, nowIso);
      // Not sooner than a resize poll: a pool that keeps answering 409 must not be hammered.
      requeueAfterMs = Math.min(requeueAfterMs ?? d.settings.resizingPollMs, d.settings.resizingPollMs);
    } else if (c.kind === 'terminal') {
      status = withAzureProblem(
        statusAfterFailedAction(previous ?? {}, status, msg, obj.metadata.generation, nowIso),
        obj,
        true,
        `Azure rejected ${action.kind}: ${describeError(c)}`,
        nowIso,
      );
      events.push({
        type: 'Warning',
        reason: 'AzureRejected',
        message: `Azure rejected ${action.kind} of pool ${poolIdOf(obj)}: ${describeError(c)}`,
      });
      requeueAfterMs = d.settings.steadyResyncMs;
    } else {
      status = statusAfterFailedAction(previous ?? {}, status, msg, obj.metadata.generation, nowIso);
      failure = err instanceof Error ? err : new Error(String(err));
    }
    log.warn(
      { action: action.kind, reason: result.reason, error: describeError(c), kind: c.kind },
      'action failed',
    );
  }

  log.info(
    {
      action: action.kind,
      reason: result.reason,
      phase: status.phase,
      requeueAfterMs,
      ...(failure !== undefined && { failed: true }),
    },
    'decision',
  );
  for (const e of events)
    await d.events.record(obj, { ...e, action: ACTION_OF_EVENT[e.reason] ?? 'Observe' });
  if (action.kind === 'removeFinalizer' && failure === undefined) return {};
  d.onStatus?.(obj, status);
  await writeStatus(d, obj, previous, status);
  if (failure !== undefined) throw failure;
  return requeueAfterMs === undefined ? {} : { requeueAfterMs };
}

async function writeStatus(
  d: ReconcilerDeps,
  obj: BatchPool,
  previous: BatchPoolStatus | undefined,
  next: BatchPoolStatus,
) {
  if (deepEqual(previous ?? {}, next)) return;
  await d.kube.patchStatus(obj, previous, next);
}

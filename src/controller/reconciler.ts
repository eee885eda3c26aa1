// One level-triggered reconcile of one BatchPool: read it → finalizer before the first Azure write → observe
// Azure (what plan/observe says to look at) → plan → act → record events → write status once, only if it
// changed → say when to look again. Every decision, including what a failed call means (planFailure), is the
// plan's; this file only carries them out. "Not done yet" is a result; a thrown error goes to the queue.

import { FINALIZER, type BatchAccount, type BatchPool, type BatchPoolStatus } from '../api/types.ts';
import {
  SecretValues,
  type AccountTarget,
  type Azure,
  type BadNode,
  type BatchPools,
  type ImageChecker,
  type PoolNodeCounts,
  type PoolSnapshot,
  type WriteConditions,
} from '../azure/ports.ts';
import type { AccountObserver } from '../azure/observer.ts';
import type { Clock } from '../clock.ts';
import { describe, failureOf } from '../errors.ts';
import { deepEqual } from '../json.ts';
import type { Logger } from '../log.ts';
import { splitKey } from '../kube/object-key.ts';
import type { EventRecorder, KubeApi } from '../kube/ports.ts';
import type { SecretReader } from '../kube/secrets.ts';
import { readSecrets, secretRefsOf } from './secrets.ts';
import { publishedVersionId, publishing } from './plan/image.ts';
import {
  imageUsage,
  needsBadNodes,
  needsImageCheck,
  plan,
  planFailure,
  poolIdOf,
  resizeDeadline,
  shouldObserve,
  type AccountState,
  type Action,
  type Decision,
  type PlanInput,
  type PlanResult,
  type PlanSettings,
} from './plan/index.ts';
import type { HandlerResult } from './queue.ts';

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
  /**
   * Reads the Secret keys a spec references (src/kube/secrets.ts). Without one, every reference counts as
   * not readable and the pool is not written.
   */
  secrets?: SecretReader;
  /**
   * The account's observer (src/azure/observer.ts), normally one per BatchAccount; without one, every
   * reconcile GETs its pool.
   */
  observer?: (account: BatchAccount, batch: BatchPools) => AccountObserver;
  /** Told the status each reconcile settled on (metrics). */
  onStatus?: (obj: BatchPool, status: BatchPoolStatus) => void;
  /** Told every Azure write that succeeded, with the plan's reason (metrics). */
  onAction?: (obj: BatchPool, action: Action, reason: Decision) => void;
}

export function accountState(pool: BatchPool, account: BatchAccount | undefined): AccountState {
  const name = pool.spec.accountRef.name;
  if (!account) return { kind: 'missing', name };
  const allowed = account.spec.allowedNamespaces ?? [];
  const ns = pool.metadata.namespace ?? '';
  if (allowed.includes('*') || allowed.includes(ns)) {
    const region = accountRegion(account);
    return {
      kind: 'ok',
      name,
      ...(region && { region }),
      ...(account.spec.api && { api: account.spec.api }),
    };
  }
  return { kind: 'not-allowed', name, allowedNamespaces: allowed };
}

/** spec.location, or the region in a Batch endpoint's host: {account}.{region}.batch.{cloud suffix}. */
export function accountRegion(account: BatchAccount): string | undefined {
  if (account.spec.location) return account.spec.location;
  try {
    const labels = new URL(account.spec.endpoint).hostname.toLowerCase().split('.');
    return labels.length >= 4 && labels[2] === 'batch' && /^[a-z0-9]+$/.test(labels[1]!)
      ? labels[1]
      : undefined;
  } catch {
    return undefined;
  }
}

export function targetOf(account: BatchAccount): AccountTarget {
  const { endpoint, identity, api, resourceId } = account.spec;
  return {
    endpoint,
    ...(identity && { identity }),
    ...(api === 'ResourceManager' && resourceId && { resourceManager: { resourceId } }),
  };
}

interface Clients {
  batch: BatchPools;
  images: ImageChecker;
}

async function act(
  action: Action,
  azure: Clients | undefined,
  kube: KubeApi,
  obj: BatchPool,
  secrets: SecretValues,
  conditions: WriteConditions,
) {
  if (action.kind === 'removeFinalizer') return kube.removeFinalizer(obj, FINALIZER);
  if (action.kind === 'none') return;
  if (!azure) throw new Error(`no Azure client for action ${action.kind}`);
  const { batch } = azure;
  switch (action.kind) {
    case 'publishImage':
      return azure.images.publish(action.request);
    case 'create':
      return batch.create(action.params, secrets);
    case 'resize':
      return batch.resize(action.poolId, action.params, conditions);
    case 'stopResize':
      return batch.stopResize(action.poolId, conditions);
    case 'updateLive':
      return batch.replaceLiveSettings(action.poolId, action.settings, secrets, conditions);
    case 'updateEmpty':
      return batch.updateEmptyPool(action.poolId, action.settings, secrets, conditions);
    case 'enableAutoScale':
      return batch.enableAutoScale(action.poolId, action.autoScale, conditions);
    case 'disableAutoScale':
      return batch.disableAutoScale(action.poolId, conditions);
    case 'delete':
      return batch.delete(action.poolId);
    case 'removeNodes':
      return batch.removeNodes(action.poolId, action.nodeIds, action.params);
    case 'rebootNodes':
      return rebootEach(batch, action.poolId, action.nodeIds);
  }
}

/**
 * A node Azure will not reboot now (409: it is unusable, busy, leaving) or that is gone counts as rebooted:
 * Reboot mode then removes it if it is still bad at the next pass. Any other failure fails the action.
 */
async function rebootEach(batch: BatchPools, poolId: string, nodeIds: readonly string[]): Promise<void> {
  for (const nodeId of nodeIds) {
    try {
      await batch.rebootNode(poolId, nodeId);
    } catch (err) {
      const kind = failureOf(err).kind;
      if (kind !== 'conflict' && kind !== 'not-found') throw err;
    }
  }
}

/** The bad nodes, listed only when the counts show some (one filtered call). */
async function observeBadNodes(
  batch: BatchPools,
  obj: BatchPool,
  poolId: string,
  counts: PoolNodeCounts | undefined,
): Promise<BadNode[] | undefined> {
  return needsBadNodes(obj, counts) ? await batch.badNodes(poolId) : undefined;
}

interface Observed {
  clients: Clients;
  observed: NonNullable<PlanInput['observed']>;
  observer: AccountObserver | undefined;
  /** The pools came from the account's view, not a GET: a write decided on them must read them fresh first. */
  fromView: boolean;
}

/**
 * The pool (and a BlueGreen rollout's other pool) as the account's observer last saw it, or by GET when there
 * is no observer, `fresh` is asked for, the operator wrote to the pool after the view began, or the view
 * shows an ETag whose settings were never read.
 */
async function observePools(
  d: ReconcilerDeps,
  obj: BatchPool,
  account: BatchAccount,
  now: number,
  fresh: boolean,
): Promise<Observed> {
  const target = targetOf(account);
  const clients = { batch: d.azure.batch(target), images: d.azure.images(target) };
  const observer = d.observer?.(account, clients.batch);
  // Twice the long cadence: only a first look, or an observer whose timer stopped, waits for a tick here.
  const view = observer && !fresh ? await observer.view(now - 2 * d.settings.steadyResyncMs) : undefined;
  let fromView = false;
  const read = async (id: string): Promise<PoolSnapshot | undefined> => {
    if (view && observer && !observer.writtenSince(id, view)) {
      const seen = view.pools.get(id);
      const settings = seen && observer.settings(id, seen.eTag);
      if (!seen || settings) {
        fromView = true;
        return seen && { ...seen, settings };
      }
    }
    const pool = await clients.batch.get(id);
    if (pool) observer?.remember(pool);
    return pool;
  };
  const poolId = poolIdOf(obj);
  const pool = await read(poolId);
  const poolFromView = fromView;
  const bg = obj.status?.update?.blueGreen;
  const otherId = bg && (bg.to.poolId === poolId ? bg.from.poolId : bg.to.poolId);
  const other = otherId ? { poolId: otherId, pool: await read(otherId) } : undefined;
  // Counts as fresh as the pool: the view's with the view's pool, the pool's own with a GET.
  const nodeCounts =
    pool && (poolFromView && view ? view.nodeCounts.get(poolId) : await clients.batch.nodeCounts(poolId));
  const badNodes = await observeBadNodes(clients.batch, obj, poolId, nodeCounts);
  return {
    clients,
    observer,
    observed: {
      pool,
      ...(other && { other }),
      ...(nodeCounts && { nodeCounts }),
      ...(badNodes && { badNodes }),
    },
    fromView,
  };
}

/** The image check plan/observe asks for, if it asks; throws a CallError when a read fails. */
async function checkImage(
  d: ReconcilerDeps,
  obj: BatchPool,
  clients: Clients,
  pool: PoolSnapshot | undefined,
  region: string | undefined,
  now: number,
): Promise<Pick<PlanInput, 'imageCheck' | 'nodeAgents'>> {
  if (!needsImageCheck(obj, pool, now, d.settings)) return {};
  const image = await clients.images.inspect(obj.spec.image.id, region);
  const publishTo = publishing(obj);
  const published = publishTo
    ? await clients.images.inspect(publishedVersionId(publishTo), region)
    : undefined;
  const nodeAgents = await clients.batch.nodeAgentSkus();
  return { imageCheck: { image, ...(published && { published }) }, nodeAgents };
}

/** The pool an action writes to, if it writes to one. */
function writtenPool(action: Action): string | undefined {
  if (action.kind === 'create') return action.params.id;
  return 'poolId' in action ? action.poolId : undefined;
}

/**
 * The ETag of the pool a write goes to, as the read the write was decided on saw it: Azure refuses the write
 * (412, a conflict: the next pass looks again) if someone changed the pool since.
 */
function writeConditions(action: Action, observed: PlanInput['observed']): WriteConditions {
  const poolId = writtenPool(action);
  if (poolId === undefined || !observed) return {};
  const pool =
    observed.pool?.id === poolId
      ? observed.pool
      : observed.other?.poolId === poolId
        ? observed.other.pool
        : undefined;
  return pool?.eTag ? { ifMatch: pool.eTag } : {};
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

  const input: PlanInput = {
    object: obj,
    account: acct,
    usage: imageUsage(obj, d.pools(obj.spec.image.id)),
    now,
    random: d.random,
    settings: d.settings,
  };
  // The Secret keys the settings reference, read before planning: the plan sees only what is missing.
  let secrets = NO_SECRETS;
  if (!deleting && acct.kind === 'ok' && secretRefsOf(obj.spec).length > 0) {
    const read = await readSecrets(d.secrets, namespace, obj.spec);
    secrets = read.values;
    input.secrets = { problems: read.problems };
  }
  let clients: Clients | undefined;
  let observer: AccountObserver | undefined;
  let planned: PlanResult | undefined;
  if (account && shouldObserve(obj, acct)) {
    try {
      const region = acct.kind === 'ok' ? acct.region : undefined;
      const seen = await observePools(d, obj, account, now, false);
      ({ clients, observer } = seen);
      input.observed = seen.observed;
      Object.assign(input, await checkImage(d, obj, clients, seen.observed.pool, region, now));
      planned = plan(input);
      // A write is decided on a GET of its pool: the account's view may be up to a tick old.
      if (seen.fromView && writtenPool(planned.action) !== undefined) {
        input.observed = (await observePools(d, obj, account, now, true)).observed;
        planned = plan(input);
      }
    } catch (err) {
      const f = failureOf(err);
      log.warn({ action: 'observe', reason: 'AzureError', error: describe(f), kind: f.kind }, 'decision');
      const fp = planFailure({
        object: obj,
        failure: f,
        stage: { kind: 'observe' },
        settings: d.settings,
        nowIso,
      });
      if (fp.status) await writeStatus(d, obj, fp.status);
      if (fp.requeueAfterMs === undefined) throw err;
      return { requeueAfterMs: fp.requeueAfterMs };
    }
  }
  const result = planned ?? plan(input);
  const conditions = writeConditions(result.action, input.observed);
  return carryOut(d, obj, result, { clients, observer }, nowIso, log, secrets, conditions);
}

const NO_SECRETS = new SecretValues();

/** Acts on the plan, then records its events and status (or, when the act failed, planFailure's). */
async function carryOut(
  d: ReconcilerDeps,
  obj: BatchPool,
  result: PlanResult,
  { clients, observer }: { clients: Clients | undefined; observer: AccountObserver | undefined },
  nowIso: string,
  log: Logger,
  secrets: SecretValues,
  conditions: WriteConditions,
): Promise<HandlerResult> {
  const { action } = result;
  let { status, events, requeueAfterMs } = result;
  let failure: unknown;
  const written = writtenPool(action);
  try {
    await act(action, clients, d.kube, obj, secrets, conditions);
    if (action.kind !== 'none') d.onAction?.(obj, action, result.reason);
  } catch (err) {
    const f = failureOf(err);
    log.warn(
      { action: action.kind, reason: result.reason, error: describe(f), kind: f.kind },
      'action failed',
    );
    const fp = planFailure({
      object: obj,
      failure: f,
      stage: { kind: 'act', planned: result },
      settings: d.settings,
      nowIso,
    });
    ({ events, requeueAfterMs } = fp);
    status = fp.status ?? status;
    if (requeueAfterMs === undefined) failure = err;
  }
  // Even a failed write may have reached Azure (a timeout): the next look at the pool is a GET either way.
  if (written !== undefined && clients) observer?.wrote(written);
  const deadline = resizeDeadline(obj, status);
  if (deadline !== undefined) observer?.lookAt(deadline);
  const failed = failure !== undefined;
  log.info(
    {
      action: action.kind,
      reason: result.reason,
      phase: status.phase,
      requeueAfterMs,
      ...(failed && { failed }),
    },
    'decision',
  );
  for (const e of events) await d.events.record(obj, e);
  if (action.kind === 'removeFinalizer' && !failed) return {};
  d.onStatus?.(obj, status);
  await writeStatus(d, obj, status);
  if (failed) throw failure;
  return requeueAfterMs === undefined ? {} : { requeueAfterMs };
}

async function writeStatus(d: ReconcilerDeps, obj: BatchPool, next: BatchPoolStatus) {
  if (deepEqual(obj.status ?? {}, next)) return;
  await d.kube.patchStatus(obj, obj.status, next);
}

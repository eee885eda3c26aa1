// Every sentence the plan writes into conditions and events, one builder per situation, so that the decision
// modules read as a table and the wording can be reviewed in one place. A condition message is a phrase; an
// event message is a sentence with its own full stop.

import { IMAGE_LIMITS, PAUSED_ANNOTATION } from '../../api/types.ts';
import type { PoolOwner } from '../../azure/ports.ts';
import { formatDuration } from '../duration.ts';
import type { Targets } from './types.ts';

export const IMAGE_ADVICE =
  'A custom image must exist for the whole life of a pool built from it; if it (or the resource it was made ' +
  'from) is deleted, the pool cannot be scaled. Restore the image, or create a new BatchPool from an image that exists.';

/** Azure's text as one sentence: its own final period kept, one added only when it has none. */
export function sentence(text: string): string {
  const t = text.trim();
  return t === '' || /[.!?…]$/.test(t) ? t : `${t}.`;
}

/** Node counts as people read them: targetLowPriorityNodes are Spot nodes since low-priority VMs retired. */
export function fmt(t: Targets): string {
  return t.lowPriority ? `${t.dedicated} dedicated + ${t.lowPriority} Spot` : `${t.dedicated} dedicated`;
}

/** A resize error's message with the values Azure gave with it (Reason=…), as one text. */
export function errorText(e: {
  message: string;
  values?: readonly { name: string; value: string }[];
}): string {
  const values = (e.values ?? []).filter((v) => v.name && v.value).map((v) => `${v.name}=${v.value}`);
  return values.length ? `${sentence(e.message)} (${values.join(', ')})` : e.message;
}

function ownerText(o: PoolOwner): string {
  return o.namespace || o.name ? `BatchPool ${o.namespace ?? '?'}/${o.name ?? '?'}` : 'no BatchPool';
}

/** Conditions (phrases, no full stop). */
export const phrase = {
  paused: (why: string) => `Paused by annotation ${PAUSED_ANNOTATION}: ${why}`,
  waitingToObserve: 'Waiting to observe Azure',
  removingFinalizer: 'Removing the finalizer',
  waitingForDelete: (poolId: string) => `Waiting for Azure to delete pool ${poolId}`,
  deleting: (poolId: string) => `Deleting pool ${poolId}`,
  deletedOutOfBand: (poolId: string) =>
    `Pool ${poolId} is being deleted outside the operator; it will be re-created once gone`,
  removingNodes: (poolId: string, current: Targets, to: Targets) =>
    `Waiting for Azure to remove nodes of pool ${poolId} (${fmt(current)} now, down to ${fmt(to)}); then it is resized back to the spec`,
  stopping: (poolId: string) => `Waiting for the stopped resize of pool ${poolId} to settle`,
  growing: (creating: boolean, current: Targets, running: Targets, attempt: number) =>
    `${creating ? 'Creating' : 'Resizing'}: ${fmt(current)} of ${fmt(running)}, attempt ${attempt}`,
  stoppingToReissue: (running: Targets, desired: Targets) =>
    `Stopping the resize to ${fmt(running)} to issue ${fmt(desired)}`,
  atTarget: (poolId: string, desired: Targets) => `Pool ${poolId} has ${fmt(desired)} nodes, as asked`,
  waitingForImage: (imageId: string) => `Waiting to confirm image ${imageId}`,
  waitingForImageBeforeCreate: (imageId: string) =>
    `Waiting to confirm image ${imageId} before creating the pool`,
  backoff: (code: string, current: Targets, desired: Targets, attempts: number, nextAt: string) =>
    `${code} at ${fmt(current)} of ${fmt(desired)} after attempt ${attempts}; next attempt at ${nextAt}`,
  reissuingAfterTimeout: (current: Targets, desired: Targets, attempts: number) =>
    `The resize timed out at ${fmt(current)} of ${fmt(desired)} (attempt ${attempts}); issuing the next one now`,
  resizing: (to: Targets, stepNote: string, attempts: number) =>
    `Resizing to ${fmt(to)}${stepNote}, attempt ${attempts}`,
  creating: (poolId: string, first: Targets) => `Creating pool ${poolId} with ${fmt(first)} nodes`,
  readFailed: (why: string) => `Could not read the pool or image from Azure: ${why}`,
  actionFailed: (action: string, why: string) => `${action} failed: ${why}`,
  rejected: (action: string, why: string) => `Azure rejected ${action}: ${why}`,
  rejectedHeld: (r: {
    action: string;
    attempts: number;
    since: string;
    nextAttemptAt: string;
    message: string;
  }) =>
    `Azure rejected ${r.action}: ${r.message} (${r.attempts} time${r.attempts === 1 ? '' : 's'} since ${r.since}); ` +
    `it is tried again at ${r.nextAttemptAt}, or at once when the spec changes`,
} as const;

/** Why a pool is paused, for the `paused` phrase. */
export const pausedBecause = {
  deletion: 'deletion waits until the annotation is removed',
  runningResizeDiffers: (running: Targets) =>
    `the running resize to ${fmt(running)} no longer matches the spec`,
  stoppedOutOfBand: 'the resize was stopped outside the operator',
  reissueDue: (code: string) => `a resize would be re-issued after ${code}`,
  resizeDue: (poolId: string, current: Targets, desired: Targets) =>
    `pool ${poolId} is at ${fmt(current)}, the spec asks for ${fmt(desired)}`,
  createDue: (poolId: string) => `pool ${poolId} does not exist and will not be created`,
  publishDue: (versionId: string) => `the managed image would be published as ${versionId}`,
} as const;

/** Why a resize is issued, appended to the ResizeIssued event. */
export const resizeBecause = {
  stoppedOutOfBand: 'the previous resize was stopped outside the operator',
  reissue: (code: string, current: Targets) => `re-issuing after ${code} at ${fmt(current)}`,
  drift: (staleNote: string) => `restoring the spec after an out-of-band resize${staleNote}`,
  targetChanged: (staleNote: string) => `the target changed${staleNote}`,
  nextStep: (current: Targets, staleNote: string) => `continuing from ${fmt(current)}${staleNote}`,
  afterNodeRemoval: (current: Targets) =>
    `replacing the nodes removed by node recovery (${fmt(current)} left; Azure lowered the target by as many)`,
  staleNote: (code: string | undefined) =>
    code ? ` (ignoring ${code} left over from an earlier resize)` : '',
} as const;

/** Messages of the Stalled condition (and its Warning event). */
export const stalled = {
  accountMissing: (account: string) =>
    `BatchAccount ${account} does not exist; nothing is done in Azure until it does.`,
  identityNeedsResourceManager: (account: string) =>
    `spec.identity needs an account whose pools are written through the management plane: the Batch data ` +
    `plane cannot give a pool managed identities (Learn: batch/managed-identity-pools). Set spec.api: ` +
    `ResourceManager and spec.resourceId on BatchAccount ${account} (the pools stay as they are), or remove ` +
    `spec.identity.`,
  identityNotOnPool: (field: string, id: string) =>
    `${field} names identity ${id}, which is not in spec.identity.userAssignedIdentities: the nodes can use ` +
    `only the pool's own identities. Add it there, or name one that is.`,
  namespaceNotAllowed: (account: string, namespace: string, allowed: readonly string[]) =>
    `BatchAccount ${account} does not allow namespace ${namespace} ` +
    `(allowedNamespaces: [${allowed.join(', ')}]); ask a cluster admin to add it.`,
  poolNotOwned: (poolId: string, account: string, owner: PoolOwner) =>
    `An Azure Batch pool with ID ${poolId} already exists in account ${account} and was not created by ` +
    `this BatchPool (its metadata names ${ownerText(owner)}); it is left untouched. Choose another spec.poolId, or delete that pool.`,
  imageLimit: (
    imageId: string,
    want: Targets,
    desired: Targets,
    others: { dedicated: number; lowPriority: number; count: number },
  ) =>
    `Image ${imageId} would carry ${want.dedicated} dedicated and ${want.lowPriority} Spot nodes ` +
    `(this pool ${fmt(desired)}${others.count ? `, ${others.dedicated} dedicated + ${others.lowPriority} Spot claimed by other BatchPools on the same image` : ''}); ` +
    `the custom-image limit is ${IMAGE_LIMITS.dedicated} dedicated and ${IMAGE_LIMITS.lowPriority} Spot nodes per image. ` +
    `Lower the targets or use a distinct image. Nothing was sent to Azure.`,
  imageMissing: (imageId: string) =>
    `Image ${imageId} does not exist, so no resize is issued. ${IMAGE_ADVICE}`,
  attemptsExhausted: (attempts: number, desired: Targets, code: string, current: Targets, max: number) =>
    `${attempts} resizes in a row ended short of ${fmt(desired)} (last: ${code} at ${fmt(current)}); ` +
    `resizeStrategy.maxAttempts is ${max}. Change the target or raise maxAttempts to try again.`,
} as const;

/** Event notes (sentences). */
export const note = {
  imageNotFound: (imageId: string) =>
    `Image ${imageId} does not exist: no resize will be issued. ${IMAGE_ADVICE}`,
  imageRestored: (imageId: string) => `Image ${imageId} exists again; resizing resumes.`,
  imageShared: (imageId: string, sharedWith: readonly string[]) =>
    `Image ${imageId} is also used by ${sharedWith.join(', ')}: pools that share an image share ` +
    `its node limits (${IMAGE_LIMITS.dedicated} dedicated / ${IMAGE_LIMITS.lowPriority} Spot); use one image per pool.`,
  resizeIssued: (poolId: string, to: Targets, stepNote: string, attempts: number, why: string) =>
    `Resizing pool ${poolId} to ${fmt(to)}${stepNote}, attempt ${attempts}: ${why}`,
  stepTowards: (desired: Targets) => ` (a step towards ${fmt(desired)})`,
  poolLeftInAzure: (poolId: string, accountProblem: string) =>
    `Pool ${poolId} was not deleted: ${accountProblem}`,
  poolRetained: (poolId: string) => `Pool ${poolId} kept in Azure (deletionPolicy: Retain).`,
  poolDeleted: (poolId: string) => `Pool ${poolId} is gone from Azure.`,
  poolNotOwnedOnDelete: (poolId: string, owner: PoolOwner) =>
    `Pool ${poolId} was not created by this BatchPool (its metadata names ${ownerText(owner)}); left in Azure.`,
  poolDeleting: (poolId: string) => `Deleting pool ${poolId} (deletionPolicy: Delete).`,
  driftResizing: (poolId: string, running: Targets, desired: Targets) =>
    `Pool ${poolId} is being resized outside the operator to ${fmt(running)}; restoring ${fmt(desired)}.`,
  driftResized: (poolId: string, targets: Targets, desired: Targets) =>
    `Pool ${poolId} was resized outside the operator to ${fmt(targets)}; restoring ${fmt(desired)}.`,
  driftStopped: (poolId: string, current: Targets) =>
    `The resize of pool ${poolId} was stopped outside the operator at ${fmt(current)}; restoring the spec.`,
  resizeStopping: (poolId: string, desired: Targets, running: Targets) =>
    `The spec asks for ${fmt(desired)} while pool ${poolId} is resizing to ${fmt(running)}: stopping that resize first.`,
  targetReached: (poolId: string, desired: Targets, attempts: number | undefined) =>
    `Pool ${poolId} reached ${fmt(desired)} nodes${attempts ? ` after ${attempts} resize${attempts === 1 ? '' : 's'}` : ''}.`,
  resizeError: (
    poolId: string,
    issued: Targets,
    code: string,
    current: Targets,
    attempts: number,
    azureMessage: string,
    retry: { now: true } | { inMs: number },
  ) =>
    `Resize of pool ${poolId} to ${fmt(issued)} ended with ${code} at ${fmt(current)} (attempt ${attempts}): ` +
    `${sentence(azureMessage)} ${'now' in retry ? 'Re-issuing it now: it already waited its resizeTimeout.' : `Retrying in ${formatDuration(retry.inMs)}.`}`,
  resizeTimedOut: (poolId: string, issued: Targets, from: Targets, current: Targets, attempts: number) =>
    `Resize of pool ${poolId} to ${fmt(issued)} reached its resizeTimeout at ${fmt(current)} nodes (from ` +
    `${fmt(from)}, attempt ${attempts}); Azure was still allocating, so the next resize goes out now.`,
  poolRecreated: (poolId: string, first: Targets) =>
    `Pool ${poolId} was deleted outside the operator; re-creating it with ${fmt(first)} nodes.`,
  poolCreating: (poolId: string, imageId: string, first: Targets) =>
    `Creating pool ${poolId} from image ${imageId} with ${fmt(first)} nodes.`,
  rejected: (action: string, poolId: string, why: string) =>
    `Azure rejected ${action} of pool ${poolId}: ${why}`,
} as const;

/** Images and node agents: what Azure will and will not build from, and what to do about it. */
export const imageSay = {
  managedRetired: (imageId: string) =>
    `Image ${imageId} is a managed image: Azure Batch stopped creating pools from managed images on 31 March 2026, ` +
    'so nothing was sent to Azure. Publish it as an Azure Compute Gallery image version replicated to the Batch ' +
    "account's region (a gallery image version whose source is this managed image) and name that version in " +
    'spec.image.id of a new BatchPool — or set spec.image.publishTo (gallery, definition, version) and the operator ' +
    'publishes it and builds the pool from the version.',
  managedStillRunning: (imageId: string) =>
    `pool runs on managed image ${imageId}; Azure retired managed-image pools for new pools on 31 March 2026 — ` +
    'move to a gallery image version before you need a new pool',
  noUsableVersion: (imageId: string) =>
    `Image definition ${imageId} has no version Azure would use: none that is not excluded from latest, has ` +
    "finished provisioning and is replicated to the Batch account's region. Publish a version (or replicate one to " +
    'the region), or name a version in spec.image.id.',
  provisioning: (versionId: string, state: string) =>
    `Waiting for Azure to finish image version ${versionId} (provisioningState ${state})`,
  provisioningFailed: (versionId: string) =>
    `Image version ${versionId} failed to provision (provisioningState Failed): Azure cannot build nodes from it. ` +
    'Fix or re-create the version, or use another one.',
  notTargeted: (versionId: string, region: string | undefined) =>
    `Image version ${versionId} is not replicated to the Batch account's region${region ? ` ${region}` : ''}: ` +
    `add ${region ?? 'that region'} to the version's target regions (publishingProfile.targetRegions).`,
  replicationFailed: (versionId: string, region: string | undefined) =>
    `Replication of image version ${versionId} to ${region ?? "the Batch account's region"} failed: update the ` +
    'version to replicate it again (remove the region from its target regions and add it back).',
  replicating: (versionId: string, region: string | undefined) =>
    `Waiting for image version ${versionId} to be replicated to ${region ?? "the Batch account's region"}`,
  endOfLife: (versionId: string, date: string) =>
    `Image version ${versionId} reached its end-of-life date ${date.slice(0, 10)}: the operator creates and grows no ` +
    'pool from it (Azure itself still would). Publish a new version and use it in a new BatchPool.',
  endOfLifeSoon: (versionId: string, date: string) =>
    `image version ${versionId} reaches its end-of-life date on ${date.slice(0, 10)}`,
  securityNeeded: (imageId: string, declared: string) =>
    `Image ${imageId} declares security type ${declared}, which needs spec.securityProfile.securityType to match.`,
  securityMismatch: (imageId: string, declared: string, wanted: string) =>
    `spec.securityProfile.securityType ${wanted} does not fit image ${imageId}, whose definition declares security ` +
    `type ${declared}; nothing was sent to Azure (nodes that cannot boot the image would come up unusable). Set a ` +
    'securityType the image supports, or leave spec.securityProfile out to take the image’s own.',
  skuUnsupported: (skuId: string, osType: string | undefined, valid: readonly string[]) =>
    `Node agent SKU "${skuId}" is not offered by this Batch account${osType ? ` for ${osType} images` : ''}; nothing ` +
    `was sent to Azure. ${valid.length ? `Valid ones: ${valid.join(', ')}.` : 'The account lists none for that OS.'}`,
  skuRetired: (skuId: string, date: string, valid: readonly string[]) =>
    `Node agent SKU "${skuId}" reached the end of Batch support on ${date.slice(0, 10)}: Batch accepts no new pools ` +
    `with it. ${valid.length ? `Supported ones: ${valid.join(', ')}.` : ''}`.trim(),
  skuRetiredRunning: (skuId: string, date: string) =>
    `node agent SKU "${skuId}" reached the end of Batch support on ${date.slice(0, 10)}; move the image and SKU on`,
  skuEndOfLifeSoon: (skuId: string, date: string) =>
    `node agent SKU "${skuId}" reaches the end of Batch support on ${date.slice(0, 10)}`,
  publishing: (versionId: string) => `Publishing the managed image as gallery image version ${versionId}`,
  publishStarted: (imageId: string, versionId: string, region: string | undefined) =>
    `Publishing managed image ${imageId} as gallery image version ${versionId}${region ? `, replicated to ${region}` : ''}; ` +
    'the pool is created once Azure has finished it.',
  securityFromImage: (imageId: string, declared: string, profile: string) =>
    `Image ${imageId} declares security type ${declared}: the pool is created with ${profile}.`,
  quota: (code: string, why: string, waitText: string) =>
    `A Batch account quota is reached (${code}): ${why} Raise the quota (Azure portal: the Batch account's Quotas, ` +
    `or a support request) or lower the targets; the operator tries again every ${waitText}.`,
} as const;

/** Changes to a pool's settings, and pools taken over (spec.updateStrategy, spec.adoption). */
export const updateSay = {
  fields: (fields: readonly string[]) => fields.join(', '),
  differences: (d: readonly { field: string; want: string; have: string }[]) =>
    d.map((x) => `${x.field} is ${x.want} in the spec but ${x.have} in Azure`).join('; '),
  liveUpdated: (poolId: string, fields: readonly string[]) =>
    `Updated ${updateSay.fields(fields)} of pool ${poolId} in place; nodes already in the pool pick up a new ` +
    'start task when they restart or are reimaged.',
  adoptWaiting: (poolId: string) =>
    `Pool ${poolId} exists and spec.adoption is Adopt: waiting to check the image before comparing it with the spec`,
  claiming: (poolId: string) => `Writing the owner entries into the metadata of the adopted pool ${poolId}`,
  claimed: (poolId: string) => `Pool ${poolId} adopted: its owner entries are written into its metadata.`,
  updatingLive: (poolId: string, fields: readonly string[]) =>
    `Updating ${updateSay.fields(fields)} of pool ${poolId} in place`,
  refused: (poolId: string, fields: readonly string[], nodes: number) =>
    `The spec changes ${updateSay.fields(fields)}, which Azure changes only on an empty pool, and pool ` +
    `${poolId} has ${nodes} node${nodes === 1 ? '' : 's'}; spec.updateStrategy is Manual, so nothing was ` +
    'changed. Revert the change, set the targets to 0 (the change is applied once the pool is empty), or set ' +
    'spec.updateStrategy to DrainAndUpdate',
  draining: (poolId: string, fields: readonly string[], nodes: number) =>
    `Shrinking pool ${poolId} to 0 (${nodes} node${nodes === 1 ? '' : 's'} left) to change ` +
    `${updateSay.fields(fields)}, which Azure changes only on an empty pool`,
  drainIssued: (fields: readonly string[]) =>
    `emptying the pool to change ${updateSay.fields(fields)} (spec.updateStrategy: DrainAndUpdate)`,
  applying: (poolId: string, fields: readonly string[]) =>
    `Changing ${updateSay.fields(fields)} of the empty pool ${poolId}`,
  emptyUpdated: (poolId: string, fields: readonly string[]) =>
    `Changed ${updateSay.fields(fields)} of the empty pool ${poolId}; it now grows back to its targets.`,
  adoptionMismatch: (poolId: string, diff: string) =>
    `Pool ${poolId} exists in Azure and spec.adoption is Adopt, but it differs from the spec in settings Azure ` +
    `changes only on an empty pool: ${diff}. Nothing was written. Make the spec match the pool (batchpool-operator ` +
    'import prints one that does), then the operator takes the pool over',
  adopted: (poolId: string) =>
    `Pool ${poolId} matches the spec and is now managed by this BatchPool (spec.adoption: Adopt).`,
  observing: (poolId: string, current: Targets, targets: Targets, allocationState: string) =>
    `Observing pool ${poolId} (spec.adoption: Observe; the operator never writes to it): ${fmt(current)} ` +
    `nodes, targets ${fmt(targets)}, ${allocationState}`,
  observedMissing: (poolId: string) =>
    `Pool ${poolId} does not exist in Azure; with spec.adoption Observe the operator never creates it`,
  observeReleased: (poolId: string) =>
    `Pool ${poolId} left in Azure untouched (spec.adoption: Observe never writes to it).`,
};

/** A BlueGreen rollout: the new pool grows beside the old one, takes over, and the old one goes. */
export const blueGreenSay = {
  started: (from: string, to: string, fields: readonly string[]) =>
    `Starting a blue-green rollout of ${updateSay.fields(fields)}: pool ${to} is created with the new ` +
    `settings beside pool ${from}, which keeps serving until ${to} reaches the targets.`,
  creating: (from: string, to: string, fields: readonly string[]) =>
    `Creating pool ${to} with the new ${updateSay.fields(fields)}; pool ${from} keeps serving`,
  growing: (from: string, to: string, current: Targets, desired: Targets) =>
    `Growing pool ${to} (${fmt(current)} of ${fmt(desired)} nodes) with the new settings; pool ${from} keeps serving`,
  switched: (from: string, to: string, current: Targets) =>
    `Pool ${to} reached ${fmt(current)} nodes with the new settings and now serves (status.poolId); pool ` +
    `${from} is shrunk to 0 and deleted.`,
  retiring: (from: string, to: string, current: Targets) =>
    `Pool ${to} serves; retiring the old pool ${from} (${fmt(current)} nodes left)`,
  deletingOld: (from: string) => `Deleting the old pool ${from}, now empty (blue-green rollout).`,
  completed: (from: string, to: string) =>
    `Blue-green rollout done: pool ${from} is gone and pool ${to} serves.`,
  aborting: (to: string) =>
    `The spec no longer matches pool ${to}, started for a blue-green rollout: deleting it before going on`,
  aborted: (to: string) =>
    `Deleting pool ${to}: the spec changed since the blue-green rollout created it (it is started again if the ` +
    'spec still differs from the serving pool).',
  pairTaken: (to: string, owner: PoolOwner) =>
    `A blue-green rollout needs pool ID ${to}, but a pool with that ID exists and was not created by this ` +
    `BatchPool (its metadata names ${ownerText(owner)}); nothing was changed. Delete that pool, or choose ` +
    'another spec.updateStrategy.',
};

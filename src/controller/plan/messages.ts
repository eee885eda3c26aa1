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

export function fmt(t: Targets): string {
  return t.lowPriority
    ? `${t.dedicated} dedicated + ${t.lowPriority} low-priority`
    : `${t.dedicated} dedicated`;
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
  resizing: (to: Targets, stepNote: string, attempts: number) =>
    `Resizing to ${fmt(to)}${stepNote}, attempt ${attempts}`,
  creating: (poolId: string, first: Targets) => `Creating pool ${poolId} with ${fmt(first)} nodes`,
  readFailed: (why: string) => `Could not read the pool or image from Azure: ${why}`,
  actionFailed: (action: string, why: string) => `${action} failed: ${why}`,
  rejected: (action: string, why: string) => `Azure rejected ${action}: ${why}`,
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
} as const;

/** Why a resize is issued, appended to the ResizeIssued event. */
export const resizeBecause = {
  stoppedOutOfBand: 'the previous resize was stopped outside the operator',
  reissue: (code: string, current: Targets) => `re-issuing after ${code} at ${fmt(current)}`,
  drift: (staleNote: string) => `restoring the spec after an out-of-band resize${staleNote}`,
  targetChanged: (staleNote: string) => `the target changed${staleNote}`,
  nextStep: (current: Targets, staleNote: string) => `continuing from ${fmt(current)}${staleNote}`,
  staleNote: (code: string | undefined) =>
    code ? ` (ignoring ${code} left over from an earlier resize)` : '',
} as const;

/** Messages of the Stalled condition (and its Warning event). */
export const stalled = {
  accountMissing: (account: string) =>
    `BatchAccount ${account} does not exist; nothing is done in Azure until it does.`,
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
    `Image ${imageId} would carry ${want.dedicated} dedicated and ${want.lowPriority} low-priority nodes ` +
    `(this pool ${fmt(desired)}${others.count ? `, ${others.dedicated} dedicated + ${others.lowPriority} low-priority claimed by other BatchPools on the same image` : ''}); ` +
    `the custom-image limit is ${IMAGE_LIMITS.dedicated} dedicated and ${IMAGE_LIMITS.lowPriority} low-priority nodes per image. ` +
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
    `its node limits (${IMAGE_LIMITS.dedicated} dedicated / ${IMAGE_LIMITS.lowPriority} low-priority); use one image per pool.`,
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
    `Pool ${poolId} reached ${fmt(desired)} nodes${attempts ? ` (attempt ${attempts})` : ''}.`,
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
  poolRecreated: (poolId: string, first: Targets) =>
    `Pool ${poolId} was deleted outside the operator; re-creating it with ${fmt(first)} nodes.`,
  poolCreating: (poolId: string, imageId: string, first: Targets) =>
    `Creating pool ${poolId} from image ${imageId} with ${fmt(first)} nodes.`,
  rejected: (action: string, poolId: string, why: string) =>
    `Azure rejected ${action} of pool ${poolId}: ${why}`,
} as const;

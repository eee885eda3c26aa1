// What the Batch service checks and fills in on the way into a pool: the add body, node targets,
// resize timeouts, and the defaults a GET shows afterwards. Failures are the service's 400s.
import type { NodeCounts } from './allocation.ts';
import { DEFAULT_RESIZE_TIMEOUT, MIN_RESIZE_TIMEOUT_MS, parseIsoDuration } from './duration.ts';
import { batchErrors } from './errors.ts';
import type { ImageStore } from './images.ts';
import { parseResourceId } from './images.ts';

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Properties the service owns; an add body's values for them are not stored. */
const SERVICE_OWNED = new Set([
  'id',
  'url',
  'eTag',
  'lastModified',
  'creationTime',
  'state',
  'stateTransitionTime',
  'allocationState',
  'allocationStateTransitionTime',
  'resizeErrors',
  'currentDedicatedNodes',
  'currentLowPriorityNodes',
  'targetDedicatedNodes',
  'targetLowPriorityNodes',
  'resizeTimeout',
  'stats',
  'autoScaleRun',
  'currentNodeCommunicationMode',
]);

/** The Reason Azure gives for a malformed virtualMachineImageId (recorded answer). */
const IMAGE_ID_REASON =
  'The specified resource id must be of the format /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/images/{imageName}, /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/galleries/{galleryName}/images/{galleryImageName}/versions/{galleryImageVersionName}, or /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/galleries/{galleryName}/images/{galleryImageName}';

export interface AddInput {
  id: string;
  target: NodeCounts;
  resizeTimeout: { text: string; ms: number };
  /** Lower-cased custom image ID, when the pool uses one. */
  imageKey: string | undefined;
  /** What the pool stores of the body, with the service's defaults filled in. */
  spec: Record<string, unknown>;
}

/** Checks a pool-add body the way the service does (except for "does the pool exist"). */
export function readAddBody(body: Record<string, unknown>, images: ImageStore): AddInput {
  const id = requireString(body, 'id');
  if (!ID_PATTERN.test(id)) throw batchErrors.invalidProperty('id', id);
  requireString(body, 'vmSize');
  const vmc = body.virtualMachineConfiguration as Record<string, unknown> | undefined;
  if (vmc === undefined && body.cloudServiceConfiguration === undefined)
    throw batchErrors.missingProperty('virtualMachineConfiguration');
  const autoScale = body.enableAutoScale === true;
  if (!autoScale && body.targetDedicatedNodes === undefined && body.targetLowPriorityNodes === undefined)
    throw batchErrors.missingProperty('targetDedicatedNodes and/or targetLowPriorityNodes');
  const target = readTargets(body, { dedicated: 0, lowPriority: 0 });
  const resizeTimeout = readResizeTimeout(body.resizeTimeout);
  const imageKey = vmc === undefined ? undefined : readImage(vmc, images);

  const spec: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (!SERVICE_OWNED.has(k)) spec[k] = v;
  if (typeof spec.vmSize === 'string') spec.vmSize = spec.vmSize.toLowerCase();
  spec.enableAutoScale = autoScale;
  spec.enableInterNodeCommunication ??= false;
  spec.taskSlotsPerNode ??= 1;
  spec.taskSchedulingPolicy ??= { nodeFillType: 'Spread' };
  withServiceDefaults(spec);
  return { id, target, resizeTimeout, imageKey, spec };
}

/** The lower-cased custom image ID (or undefined for a marketplace image); 400 when unusable. */
function readImage(vmc: Record<string, unknown>, images: ImageStore): string | undefined {
  if (typeof vmc !== 'object' || vmc === null)
    throw batchErrors.invalidProperty('virtualMachineConfiguration', JSON.stringify(vmc));
  if (typeof vmc.nodeAgentSKUId !== 'string') throw batchErrors.missingProperty('nodeAgentSKUId');
  const ref = vmc.imageReference as Record<string, unknown> | undefined;
  if (typeof ref !== 'object' || ref === null) throw batchErrors.missingProperty('imageReference');
  if (ref.virtualMachineImageId === undefined) {
    if (ref.publisher === undefined || ref.offer === undefined || ref.sku === undefined)
      throw batchErrors.missingProperty('imageReference.publisher, offer and sku, or virtualMachineImageId');
    return undefined;
  }
  const imageId =
    typeof ref.virtualMachineImageId === 'string'
      ? ref.virtualMachineImageId
      : JSON.stringify(ref.virtualMachineImageId);
  const parsed = parseResourceId(imageId);
  if (!parsed || parsed.kind === 'gallery')
    throw batchErrors.invalidProperty('virtualMachineImageId', imageId, IMAGE_ID_REASON);
  if (!images.usableForBatch(imageId))
    throw batchErrors.invalidProperty(
      'virtualMachineImageId',
      imageId,
      'The specified image does not exist or the Batch service cannot access it.',
    );
  return imageId.toLowerCase();
}

/** Fills in what the service fills in on a GET (as in the PoolGet example of the REST API specs). */
export function withServiceDefaults(spec: Record<string, unknown>): void {
  const startTask = spec.startTask as Record<string, unknown> | undefined;
  if (startTask && typeof startTask === 'object') {
    spec.startTask = {
      ...startTask,
      userIdentity: startTask.userIdentity ?? { autoUser: { scope: 'pool', elevationLevel: 'nonadmin' } },
      maxTaskRetryCount: startTask.maxTaskRetryCount ?? 0,
      waitForSuccess: startTask.waitForSuccess ?? true,
    };
  }
  const vmc = spec.virtualMachineConfiguration as { imageReference?: Record<string, unknown> } | undefined;
  const ref = vmc?.imageReference;
  if (ref && ref.virtualMachineImageId === undefined && ref.version === undefined) ref.version = 'latest';
}

function requireString(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  if (v === undefined || v === null || v === '') throw batchErrors.missingProperty(name);
  if (typeof v !== 'string') throw batchErrors.invalidProperty(name, JSON.stringify(v));
  return v;
}

/** Targets from a body; a target the body leaves out keeps its `fallback` value. */
export function readTargets(body: Record<string, unknown>, fallback: NodeCounts): NodeCounts {
  const read = (name: string, dflt: number): number => {
    const v = body[name];
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      throw batchErrors.invalidProperty(name, JSON.stringify(v));
    return v;
  };
  return {
    dedicated: read('targetDedicatedNodes', fallback.dedicated),
    lowPriority: read('targetLowPriorityNodes', fallback.lowPriority),
  };
}

export function readResizeTimeout(value: unknown): { text: string; ms: number } {
  if (value === undefined) return { text: DEFAULT_RESIZE_TIMEOUT, ms: 15 * 60_000 };
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const ms = typeof value === 'string' ? parseIsoDuration(value) : undefined;
  if (ms === undefined) throw batchErrors.invalidProperty('resizeTimeout', text);
  if (ms < MIN_RESIZE_TIMEOUT_MS)
    throw batchErrors.invalidProperty(
      'resizeTimeout',
      text,
      'The resize timeout must be at least 5 minutes.',
    );
  return { text, ms };
}

// What the Batch service checks and fills in on the way into a pool: the add body, node targets,
// resize timeouts, and the defaults a GET shows afterwards. Failures are the service's 400s.
//
// The simulator serves the 2025-06-01 data plane: a pool stores only what BatchPoolCreateOptions has (and
// virtualMachineConfiguration / imageReference only their 2025-06-01 fields), so a GET never returns a property
// the 2025-06-01 BatchPool model lacks (targetNodeCommunicationMode, cloudServiceConfiguration,
// certificateReferences, ... sent by older clients are dropped: our choice, Azure's behaviour for unknown
// properties is not documented).
import type { CompatOptions } from '../compat.ts';
import { DEFAULT_COMPAT } from '../compat.ts';
import type { BatchAccount } from './account.ts';
import type { NodeCounts } from './allocation.ts';
import { DEFAULT_RESIZE_TIMEOUT, MIN_RESIZE_TIMEOUT_MS, parseIsoDuration } from './duration.ts';
import { BatchError, batchErrors } from './errors.ts';
import type { BatchImageProblem, ImageStore } from './images.ts';
import { parseResourceId } from './images.ts';
import type { SecurityMismatchMode } from './security.ts';
import { poolSecurityType, securityMismatch } from './security.ts';
import { parseFormula } from './autoscale.ts';
import { checkPoolRules, withRulesDefaults } from './pool-rules.ts';

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** BatchPoolCreateOptions (2025-06-01) minus id, targets and resizeTimeout, which the pool keeps apart. */
export const CREATE_FIELDS: ReadonlySet<string> = new Set([
  'displayName',
  'vmSize',
  'virtualMachineConfiguration',
  'enableAutoScale',
  'autoScaleFormula',
  'autoScaleEvaluationInterval',
  'enableInterNodeCommunication',
  'networkConfiguration',
  'startTask',
  'applicationPackageReferences',
  'taskSlotsPerNode',
  'taskSchedulingPolicy',
  'userAccounts',
  'metadata',
  'mountConfiguration',
  'upgradePolicy',
]);

/** VirtualMachineConfiguration (2025-06-01). */
const VMC_FIELDS: ReadonlySet<string> = new Set([
  'imageReference',
  'nodeAgentSKUId',
  'windowsConfiguration',
  'dataDisks',
  'licenseType',
  'containerConfiguration',
  'diskEncryptionConfiguration',
  'nodePlacementConfiguration',
  'extensions',
  'osDisk',
  'securityProfile',
  'serviceArtifactReference',
]);

/** BatchVmImageReference (2025-06-01) minus the read-only exactVersion. */
const IMAGE_REFERENCE_FIELDS: ReadonlySet<string> = new Set([
  'publisher',
  'offer',
  'sku',
  'version',
  'virtualMachineImageId',
  'sharedGalleryImageId',
  'communityGalleryImageId',
]);

/** The Reason Azure gave for a malformed virtualMachineImageId while managed images were accepted (recorded). */
const IMAGE_ID_REASON =
  'The specified resource id must be of the format /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/images/{imageName}, /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/galleries/{galleryName}/images/{galleryImageName}/versions/{galleryImageVersionName}, or /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/galleries/{galleryName}/images/{galleryImageName}';

/** The same Reason once only Azure Compute Gallery images are accepted (our wording: the recorded one minus managed images). */
const GALLERY_ID_REASON =
  'The specified resource id must be of the format /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/galleries/{galleryName}/images/{galleryImageName}/versions/{galleryImageVersionName} or /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/galleries/{galleryName}/images/{galleryImageName}';

/** Our wording: Learn batch-custom-image-pools-to-azure-compute-gallery-migration-guide gives the date, not the error. */
export const MANAGED_IMAGE_RETIRED_REASON =
  'Custom image pools from managed images and VHD blobs were retired on 31 March 2026: publish the image as an Azure Compute Gallery image version replicated to the region of the Batch account and use its ID (or the image definition ID).';

const NOT_FOUND_REASON = 'The specified image does not exist or the Batch service cannot access it.';

/** Batch returns this generic text as the Reason for a VM size it does not offer (recorded, Azure/doAzureParallel#299). */
const INVALID_VALUE_REASON = 'The value provided for one of the properties in the request body is invalid.';

export interface AddContext {
  images: ImageStore;
  account: BatchAccount;
  compat: Readonly<CompatOptions>;
  securityMismatch: SecurityMismatchMode;
  /** Simulated time of the request (end-of-life checks). */
  now: number;
}

export interface AddInput {
  id: string;
  target: NodeCounts;
  resizeTimeout: { text: string; ms: number };
  /** Lower-cased custom image ID, when the pool uses one. */
  imageKey: string | undefined;
  /** What the pool stores of the body, with the service's defaults filled in. */
  spec: Record<string, unknown>;
  /** vCPUs per node of the pool's VM size (core quotas). */
  coresPerNode: number;
  /** Why the pool's nodes would be unusable (a security-type mismatch), if they would. */
  nodesUnusableReason: string | undefined;
  /** The image resource the pool's first nodes come from (a definition's latest usable version). */
  resolvedImageId: string | undefined;
}

/** Checks a pool-add body the way the service does (except for "does the pool exist" and quotas). */
export function readAddBody(
  body: Record<string, unknown>,
  ctx: Partial<AddContext> & { images: ImageStore },
): AddInput {
  const id = requireString(body, 'id');
  if (!ID_PATTERN.test(id)) throw batchErrors.invalidProperty('id', id);
  const vmSize = requireString(body, 'vmSize');
  const vmc = body.virtualMachineConfiguration as Record<string, unknown> | undefined;
  if (vmc === undefined || vmc === null) throw batchErrors.missingProperty('virtualMachineConfiguration');
  if (body.enableAutoScale !== undefined && typeof body.enableAutoScale !== 'boolean')
    throw batchErrors.invalidProperty('enableAutoScale', JSON.stringify(body.enableAutoScale));
  const autoScale = body.enableAutoScale === true;
  if (!autoScale && body.targetDedicatedNodes === undefined && body.targetLowPriorityNodes === undefined)
    throw batchErrors.missingProperty('targetDedicatedNodes and/or targetLowPriorityNodes');
  const target = readTargets(body, { dedicated: 0, lowPriority: 0 });
  const resizeTimeout = readResizeTimeout(body.resizeTimeout);
  const autoScaleSettings = readAutoScale(body, autoScale);
  const compat = ctx.compat ?? DEFAULT_COMPAT;
  const now = ctx.now ?? Date.now();
  checkPoolRules(body, { cores: ctx.account?.coresOf(vmSize) ?? 256 });
  const image = readImage(vmc, ctx.images, compat, ctx.account?.location);
  if (ctx.account) {
    checkNodeAgent(vmc, ctx.account, now);
    const offered = ctx.account.vmSize(vmSize);
    if ('missing' in offered) throw batchErrors.invalidProperty('vmSize', vmSize, INVALID_VALUE_REASON);
  }
  const nodesUnusableReason = checkSecurity(vmc, image, ctx.images, ctx.securityMismatch ?? 'unusableNodes');

  const spec: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (CREATE_FIELDS.has(k)) spec[k] = v;
  spec.virtualMachineConfiguration = pick(vmc, VMC_FIELDS);
  const ref = (spec.virtualMachineConfiguration as Record<string, unknown>).imageReference;
  if (ref && typeof ref === 'object')
    (spec.virtualMachineConfiguration as Record<string, unknown>).imageReference = pick(
      ref as Record<string, unknown>,
      IMAGE_REFERENCE_FIELDS,
    );
  spec.vmSize = vmSize.toLowerCase();
  spec.enableAutoScale = autoScale;
  // BatchPool (2025-06-01): autoScaleFormula and autoScaleEvaluationInterval are "set only if the Pool
  // automatically scales"; the interval's default is 15 minutes.
  delete spec.autoScaleFormula;
  delete spec.autoScaleEvaluationInterval;
  if (autoScaleSettings) {
    spec.autoScaleFormula = autoScaleSettings.formula;
    spec.autoScaleEvaluationInterval = autoScaleSettings.interval;
  }
  spec.enableInterNodeCommunication ??= false;
  spec.taskSlotsPerNode ??= 1;
  spec.taskSchedulingPolicy ??= { nodeFillType: 'Spread' };
  withServiceDefaults(spec);
  return {
    id,
    target,
    resizeTimeout,
    imageKey: image?.key,
    spec,
    coresPerNode: ctx.account?.coresOf(vmSize) ?? 1,
    nodesUnusableReason,
    resolvedImageId: image?.resolvedId,
  };
}

function pick(obj: Record<string, unknown>, keep: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (keep.has(k)) out[k] = v;
  return out;
}

interface ImageChoice {
  key: string;
  id: string;
  managed: boolean;
  /** The resource Batch would build nodes from (for a definition: its latest usable version). */
  resolvedId: string;
}

/** The custom image (or undefined for a marketplace image); 400 when Batch would not use it. */
function readImage(
  vmc: Record<string, unknown>,
  images: ImageStore,
  compat: Readonly<CompatOptions>,
  region: string | undefined,
): ImageChoice | undefined {
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
  const vhd = /^https?:\/\/.+(\.vhd(\?.*)?$|\.blob\.core\.windows\.net\/)/i.test(imageId);
  if (vhd && !compat.allowManagedImages)
    throw batchErrors.invalidProperty('virtualMachineImageId', imageId, MANAGED_IMAGE_RETIRED_REASON);
  if (!parsed || parsed.kind === 'gallery')
    throw batchErrors.invalidProperty(
      'virtualMachineImageId',
      imageId,
      compat.allowManagedImages ? IMAGE_ID_REASON : GALLERY_ID_REASON,
    );
  if (parsed.kind === 'image' && !compat.allowManagedImages)
    throw batchErrors.invalidProperty('virtualMachineImageId', imageId, MANAGED_IMAGE_RETIRED_REASON);
  const resolved = images.resolveForBatch(imageId, region);
  if (!resolved.ok)
    throw batchErrors.invalidProperty(
      'virtualMachineImageId',
      imageId,
      problemReason(resolved.problem, imageId, region ?? images.location),
    );
  return {
    key: imageId.toLowerCase(),
    id: imageId,
    managed: parsed.kind === 'image',
    resolvedId: resolved.resource.id,
  };
}

function problemReason(problem: BatchImageProblem, imageId: string, region: string): string {
  switch (problem.kind) {
    case 'missing':
    case 'noUsableVersion':
      return NOT_FOUND_REASON;
    case 'notProvisioned':
      // Our wording; Azure's exact answer for a version that is still being created is not documented.
      return `The specified image version cannot be used yet: its provisioningState is ${problem.provisioningState}.`;
    case 'notReplicated':
      // The Compute gallery's own message for a version without a replica in the region (GalleryImageNotFound).
      return `The gallery image ${imageId} is not available in ${region} region. Please contact image owner to replicate to this region, or change your requested region.`;
  }
}

/** The node agent SKU must be one Batch supports (List Supported Images) and not past its end of life. */
function checkNodeAgent(vmc: Record<string, unknown>, account: BatchAccount, now: number): void {
  const sku = vmc.nodeAgentSKUId as string;
  const status = account.nodeAgentSku(sku, now);
  if (status.kind === 'unknown')
    throw batchErrors.invalidProperty(
      'nodeAgentSKUId',
      sku,
      'The specified node agent SKU is not supported by the Batch service (see List Supported Images).',
    );
  if (status.kind === 'retired')
    throw batchErrors.invalidProperty(
      'nodeAgentSKUId',
      sku,
      `Batch stopped accepting new pools for this node agent SKU at its end of life (batchSupportEndOfLife ${status.endOfLife}).`,
    );
  const ref = vmc.imageReference as Record<string, unknown>;
  if (ref.virtualMachineImageId === undefined) {
    const entry = account.marketplaceImage(ref);
    if (entry?.batchSupportEndOfLife && Date.parse(entry.batchSupportEndOfLife) <= now)
      throw batchErrors.invalidProperty(
        'imageReference',
        `${String(ref.publisher)}:${String(ref.offer)}:${String(ref.sku)}`,
        `Batch stopped accepting new pools for this image at its end of life (batchSupportEndOfLife ${entry.batchSupportEndOfLife}).`,
      );
  }
}

const SECURITY_TYPES = new Set(['trustedlaunch', 'confidentialvm']);

/** Validates securityProfile; returns why the nodes would be unusable, or throws in 'reject' mode. */
function checkSecurity(
  vmc: Record<string, unknown>,
  image: ImageChoice | undefined,
  images: ImageStore,
  mode: SecurityMismatchMode,
): string | undefined {
  const profile = vmc.securityProfile;
  if (profile !== undefined && profile !== null) {
    if (typeof profile !== 'object' || Array.isArray(profile))
      throw batchErrors.invalidProperty('securityProfile', JSON.stringify(profile));
    const t = (profile as { securityType?: unknown }).securityType;
    if (t !== undefined && t !== null && (typeof t !== 'string' || !SECURITY_TYPES.has(t.toLowerCase())))
      throw batchErrors.invalidProperty(
        'securityProfile.securityType',
        JSON.stringify(t),
        'Known values are trustedLaunch and confidentialvm.',
      );
  }
  if (!image) return undefined;
  const reason = securityMismatch(poolSecurityType(profile ?? undefined), {
    definition: images.definitionOf(image.id),
    managed: image.managed,
  });
  if (reason && mode === 'reject')
    throw batchErrors.invalidProperty(
      'virtualMachineConfiguration.securityProfile',
      JSON.stringify(profile ?? null),
      reason,
    );
  return reason;
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
  withRulesDefaults(spec);
  const vmc = spec.virtualMachineConfiguration as { imageReference?: Record<string, unknown> } | undefined;
  const ref = vmc?.imageReference;
  if (ref && ref.virtualMachineImageId === undefined && ref.version === undefined) ref.version = 'latest';
}

const MAX_EVALUATION_INTERVAL_MS = 168 * 3_600_000;

/**
 * The autoscale settings of a create body (2025-06-01 BatchPoolCreateOptions): with enableAutoScale the
 * formula is required and the targets must not be given; without it the formula must not be given. The
 * interval is 5 minutes to 168 hours (default PT15M). The code of the combination errors is our choice
 * among Batch's codes (InvalidAutoScalingSettings: "The specified auto-scale settings are not valid").
 */
export function readAutoScale(
  body: Record<string, unknown>,
  autoScale: boolean,
): { formula: string; interval: string } | undefined {
  const settingsError = (name: string, reason: string) =>
    new BatchError(400, 'InvalidAutoScalingSettings', 'The specified autoscale settings are not valid.', [
      { key: 'PropertyName', value: name },
      { key: 'Reason', value: reason },
    ]);
  if (!autoScale) {
    if (body.autoScaleFormula !== undefined && body.autoScaleFormula !== null)
      throw settingsError(
        'autoScaleFormula',
        'autoScaleFormula must not be specified if enableAutoScale is false.',
      );
    return undefined;
  }
  for (const name of ['targetDedicatedNodes', 'targetLowPriorityNodes'])
    if (body[name] !== undefined && body[name] !== null)
      throw settingsError(name, `${name} must not be specified if enableAutoScale is true.`);
  const formula = body.autoScaleFormula;
  if (formula === undefined || formula === null || formula === '')
    throw batchErrors.missingProperty('autoScaleFormula');
  if (typeof formula !== 'string')
    throw batchErrors.invalidProperty('autoScaleFormula', JSON.stringify(formula));
  parseFormula(formula);
  const intervalValue = body.autoScaleEvaluationInterval;
  if (intervalValue === undefined || intervalValue === null)
    return { formula, interval: DEFAULT_RESIZE_TIMEOUT };
  const interval = typeof intervalValue === 'string' ? intervalValue : JSON.stringify(intervalValue);
  const ms = typeof intervalValue === 'string' ? parseIsoDuration(intervalValue) : undefined;
  if (ms === undefined) throw batchErrors.invalidProperty('autoScaleEvaluationInterval', interval);
  if (ms < MIN_RESIZE_TIMEOUT_MS || ms > MAX_EVALUATION_INTERVAL_MS)
    throw batchErrors.invalidProperty(
      'autoScaleEvaluationInterval',
      interval,
      'The autoscale evaluation interval must be between 5 minutes and 168 hours.',
    );
  return { formula, interval };
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

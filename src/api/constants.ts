// The API's names and numbers, written by hand. They live apart from types.ts because schema.ts
// needs the defaults and limits at run time while types.ts is derived from schema.ts: kept here,
// nothing imports in a circle. types.ts re-exports all of them.

export const GROUP = 'batch.pooloperator.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export const BATCHPOOL_KIND = 'BatchPool';
export const BATCHPOOL_PLURAL = 'batchpools';
export const BATCHACCOUNT_KIND = 'BatchAccount';
export const BATCHACCOUNT_PLURAL = 'batchaccounts';

/** Finalizer that guards the Azure pool; put on before the first Azure write. */
export const FINALIZER = `${GROUP}/pool`;
/** Annotation that stops all Azure writes for one object while it is "true". */
export const PAUSED_ANNOTATION = `${GROUP}/paused`;

/**
 * Defaults the apiserver applies from the schema; repeated here for code paths that read raw
 * objects. The schema's builders check at compile time that each is a value its field admits.
 */
export const DEFAULTS = {
  resizeTimeout: 'PT20M',
  deletionPolicy: 'Delete',
  nodeDeallocationOption: 'requeue',
  targetLowPriorityNodes: 0,
  backoffInitial: '30s',
  backoffMax: '10m',
  updateStrategy: 'Manual',
  minUsablePercent: 100,
  nodeRecoveryMode: 'None',
  maxActionsPerHour: 50,
  breakerFailurePercent: 50,
  breakerWindow: '1h',
  breakerMinNodes: 3,
} as const;

/** Custom-image node limits, counted across every pool that uses the same image. */
export const IMAGE_LIMITS = { dedicated: 2500, lowPriority: 1000 } as const;

/** Go-style durations (what CEL's duration() parses), limited to whole ms, s, m and h. */
export const GO_DURATION_REGEX = '^([0-9]{1,6}(ms|s|m|h))+$';

// Behaviours of the 2022 simulator that today's Azure no longer has, kept switchable in one place.
// Every switch is off by default: the simulator is Azure as it is today (see docs/simulator.md). A switch
// turns one retired behaviour back on, for a test that shows how the operator meets a pool made in that
// era, or for a client that still speaks it.

export interface CompatOptions {
  /**
   * Accept every api-version, including those Batch has retired (all before 2025-06-01) and none at all,
   * as the 2022 simulator did (@azure/batch 10.2.0 sends 2022-10-01.16.0). False: a retired version is
   * 400 UnsupportedRequestVersion, an unknown one 400 InvalidQueryParameterValue, a missing one 400
   * MissingRequiredQueryParameter.
   */
  allowRetiredApiVersions: boolean;
  /**
   * Accept pools from managed images (Microsoft.Compute/images), retired for Batch on 31 March 2026.
   * False: such a pool (and one from a VHD URL) is refused with 400 InvalidPropertyValue.
   */
  allowManagedImages: boolean;
  /**
   * Do not enforce the account's pool and core quotas (the 2022 simulator had none; the scale benchmark and
   * the 2,500-node e2e tests go far beyond Azure's default quotas). False: the pool quota is a 409
   * PoolQuotaReached on create, the core quotas are AccountCoreQuotaReached /
   * AccountLowPriorityCoreQuotaReached resize errors. Tests that flip this need `quotas` sized for them.
   */
  ignoreAccountQuotas: boolean;
}

/** Azure as it is today: every compatibility behaviour off. */
export const STRICT_COMPAT: Readonly<CompatOptions> = Object.freeze({
  allowRetiredApiVersions: false,
  allowManagedImages: false,
  ignoreAccountQuotas: false,
});

/** What the simulator does unless told otherwise: today's Azure. */
export const DEFAULT_COMPAT: Readonly<CompatOptions> = STRICT_COMPAT;

/** The 2022 simulator: every retired behaviour on. */
export const LEGACY_COMPAT: Readonly<CompatOptions> = Object.freeze({
  allowRetiredApiVersions: true,
  allowManagedImages: true,
  ignoreAccountQuotas: true,
});

const KEYS = Object.keys(DEFAULT_COMPAT) as (keyof CompatOptions)[];

/** Checks a partial compat object (from options, the CLI or the control API); throws TypeError on junk. */
export function readCompat(input: unknown, base: Readonly<CompatOptions> = DEFAULT_COMPAT): CompatOptions {
  const out: CompatOptions = { ...base };
  if (input === undefined) return out;
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new TypeError('compat must be an object');
  for (const [k, v] of Object.entries(input)) {
    if (!KEYS.includes(k as keyof CompatOptions))
      throw new TypeError(`unknown compat option "${k}" (known: ${KEYS.join(', ')})`);
    if (typeof v !== 'boolean') throw new TypeError(`compat.${k} must be true or false`);
    out[k as keyof CompatOptions] = v;
  }
  return out;
}

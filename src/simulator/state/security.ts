// A pool's security type (virtualMachineConfiguration.securityProfile) against the image's.
//
// A gallery image definition declares its security type as the feature {name: "SecurityType", value}. Which
// VM security types each value admits follows the Compute gallery: "TrustedLaunch" and "ConfidentialVM" images
// can only start VMs of that type; the "...Supported" values also start Standard VMs; an image without the
// feature (and a managed image, which cannot hold Trusted Launch state) only Standard VMs, and a Generation 1
// image never a Trusted Launch one ("SecurityType can be specified only with TVM capable image (Gen2 image with
// TVM tags)", Azure/azure-cli#17599; the values Azure CLI treats as Trusted-Launch capable:
// TrustedLaunchSupported, TrustedLaunch, TrustedLaunchAndConfidentialVmSupported — azure-cli vm module,
// is_trusted_launch_supported).
//
// What Batch does with a mismatch: it accepts the pool and its nodes come up unusable
// (MicrosoftDocs/azure-docs#116656: a Trusted Launch custom image in a pool "get[s] an Unusable node"). The
// plain Compute API refuses such a VM with 400 (kubermatic/machine-controller#2020), so `securityMismatch:
// 'reject'` makes the simulator refuse the create instead (400 InvalidPropertyValue, our choice of body).
import type { ArmResource } from './images.ts';

export type VmSecurityType = 'standard' | 'trustedlaunch' | 'confidentialvm';

/** What to do with a pool whose security type the image does not admit. */
export type SecurityMismatchMode = 'unusableNodes' | 'reject';

const ADMITS: Record<string, VmSecurityType[]> = {
  standard: ['standard'],
  trustedlaunch: ['trustedlaunch'],
  trustedlaunchsupported: ['standard', 'trustedlaunch'],
  confidentialvm: ['confidentialvm'],
  confidentialvmsupported: ['standard', 'confidentialvm'],
  trustedlaunchandconfidentialvmsupported: ['standard', 'trustedlaunch', 'confidentialvm'],
};

/** The SecurityType feature of a gallery image definition ("Standard" when it has none). */
export function imageSecurityType(definition: ArmResource | undefined): string {
  const features = definition?.properties.features;
  if (!Array.isArray(features)) return 'Standard';
  const f = (features as { name?: unknown; value?: unknown }[]).find(
    (x) => typeof x?.name === 'string' && x.name.toLowerCase() === 'securitytype',
  );
  return typeof f?.value === 'string' ? f.value : 'Standard';
}

/** The pool's security type from its securityProfile (absent = Standard). */
export function poolSecurityType(profile: unknown): VmSecurityType {
  const t = (profile as { securityType?: unknown } | undefined)?.securityType;
  if (typeof t !== 'string') return 'standard';
  const lower = t.toLowerCase();
  return lower === 'trustedlaunch' || lower === 'confidentialvm' ? lower : 'standard';
}

/**
 * Why nodes of this pool could not start from this image, or undefined when they can. `definition` is the gallery
 * image definition (undefined for a managed image); `managed` says it is a managed image.
 */
export function securityMismatch(
  pool: VmSecurityType,
  image: { definition: ArmResource | undefined; managed: boolean },
): string | undefined {
  const declared = image.managed ? 'Standard' : imageSecurityType(image.definition);
  const admits = ADMITS[declared.toLowerCase()] ?? ['standard'];
  const generation = image.definition?.properties.hyperVGeneration;
  const gen1 = typeof generation === 'string' && generation.toUpperCase() === 'V1';
  const label = { standard: 'Standard', trustedlaunch: 'trustedLaunch', confidentialvm: 'confidentialvm' }[
    pool
  ];
  if (pool === 'trustedlaunch' && gen1)
    return `The pool's securityType trustedLaunch needs a Generation 2 image; the image is HyperVGeneration V1.`;
  if (!admits.includes(pool))
    return pool === 'standard'
      ? `The image's security type is ${declared}, which needs virtualMachineConfiguration.securityProfile.securityType ${declared.toLowerCase().startsWith('confidential') ? 'confidentialvm' : 'trustedLaunch'}; the pool has none.`
      : `The pool's securityType ${label} is not supported by the image's security type ${declared}.`;
  return undefined;
}

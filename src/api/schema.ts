// OpenAPI v3 schemas of BatchPool and BatchAccount: the one hand-written source of both the CRDs in
// crds/ and the TypeScript types in types.ts, which the builders derive from what is written here (a
// field is added here and nowhere else). The descriptions are what `kubectl explain` shows, so they are
// written for someone who has never seen this operator or Azure Batch. The CEL rules
// (x-kubernetes-validations) make the apiserver itself reject what Azure would reject later, or
// what could never be carried out (changing a pool's VM size in place); every message names the
// field and the rule. Strings and lists that rules read carry maxLength/maxItems so that the
// apiserver's CEL cost estimate stays inside its budget.

import { IMAGE_LIMITS, DEFAULTS, GO_DURATION_REGEX } from './constants.ts';
import { nodeRecovery, nodeRecoveryStatus, nodesStatus, readiness } from './nodes-schema.ts';
import type { ValidationRule } from './openapi.ts';
import { bool, immutable, int, int64, list, obj, str } from './openapi.ts';
import {
  applicationPackageReferences,
  containerConfiguration,
  containerRegistry,
  dataDisks,
  diskEncryptionConfiguration,
  extensions,
  identityReference,
  IDENTITY_ID_REGEX,
  licenseType,
  mountConfiguration,
  nodePlacementConfiguration,
  osDisk,
  serviceArtifactReference,
  taskSchedulingPolicy,
  upgradePolicy,
  userAccounts,
  windowsConfiguration,
} from './pool-settings-schema.ts';

// ---------------------------------------------------------------- shared pieces

/**
 * Azure resource IDs are case-insensitive in their fixed segments (`resourceGroups` comes back as
 * `resourcegroups` from some tools), so the fixed segments match in any case. The names the user
 * chose ({sub}, {rg}, {name}…) are taken as written: Azure compares them case-insensitively too,
 * and the operator must compare image IDs case-insensitively (see docs/api.md).
 */
const ARM_PREFIX = '^/(?i:subscriptions)/[^/]+/(?i:resourceGroups)/[^/]+/(?i:providers)/';
export const IMAGE_ID_REGEX =
  ARM_PREFIX +
  '(?i:Microsoft[.]Compute)/((?i:images)/[^/]+|(?i:galleries)/[^/]+/(?i:images)/[^/]+(/(?i:versions)/[^/]+)?)$';
export const MANAGED_IMAGE_ID_REGEX = ARM_PREFIX + '(?i:Microsoft[.]Compute)/(?i:images)/[^/]+$';
export const GALLERY_ID_REGEX = ARM_PREFIX + '(?i:Microsoft[.]Compute)/(?i:galleries)/[^/]+$';
export const SUBNET_ID_REGEX =
  ARM_PREFIX + '(?i:Microsoft[.]Network)/(?i:virtualNetworks)/[^/]+/(?i:subnets)/[^/]+$';
/** Azure Batch pool IDs: letters, digits, hyphens and underscores, at most 64 characters. */
export const POOL_ID_REGEX = '^[A-Za-z0-9_-]{1,64}$';
/** The ISO-8601 durations a resize timeout accepts: days, hours, minutes, seconds, whole numbers. */
export const ISO_DURATION_REGEX = '^P([0-9]{1,3}D)?(T([0-9]{1,6}H)?([0-9]{1,6}M)?([0-9]{1,6}S)?)?$';
export { GO_DURATION_REGEX };
const GUID_REGEX = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const DNS_LABEL_REGEX = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS_SUBDOMAIN_REGEX = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

const isoDurationOk = `(self.matches('${ISO_DURATION_REGEX}') && self != 'P' && !self.endsWith('T'))`;
// CEL durations take Go syntax, not ISO-8601: the time part after `T` (e.g. `1H30M`) becomes a Go
// duration by lower-casing it (`1h30m`); whole days are read as an integer, so `P1D` passes.
const isoAtLeast5m =
  `!${isoDurationOk} || ` +
  `(self.contains('D') && int(self.substring(1, self.indexOf('D'))) > 0) || ` +
  `(self.contains('T') && duration(self.substring(self.indexOf('T') + 1).lowerAscii()) >= duration('5m'))`;
const goDurationOk = (field: string) =>
  `(has(self.${field}) && self.${field}.matches('${GO_DURATION_REGEX}'))`;

function nameValueList(what: string, maxItems: number) {
  return list(
    what,
    obj(
      'One name/value pair.',
      {
        name: str('The name. Unique within the list.', { minLength: 1, maxLength: 256 }),
        value: str('The value.', { maxLength: 4096 }),
      },
      { required: ['name', 'value'] },
    ),
    { maxItems, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
  );
}

/** The standard metav1.Condition shape, so kstatus, Flux and Argo CD read the conditions as usual. */
function conditions(what: string) {
  return list(
    what,
    obj(
      'One aspect of the current state, in the standard Kubernetes condition shape.',
      {
        type: str('The condition type in CamelCase, e.g. Ready.', {
          maxLength: 316,
          pattern:
            '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
        }),
        status: str('True, False or Unknown.', { enum: ['True', 'False', 'Unknown'] }),
        reason: str(
          'A CamelCase word saying why the condition is in this status, for programs to match on.',
          {
            minLength: 1,
            maxLength: 1024,
            pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
          },
        ),
        message: str('A sentence for people saying what happened and, when stuck, what to do.', {
          maxLength: 32768,
        }),
        lastTransitionTime: str('When the status last changed (RFC 3339).', { format: 'date-time' }),
        observedGeneration: int64(
          'The metadata.generation the condition was computed from; older than metadata.generation means stale.',
          { minimum: 0 },
        ),
      },
      { required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'] },
    ),
    { maxItems: 16, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
  );
}

// ---------------------------------------------------------------- BatchPool

// Written as Azure's documents write them (2,500), which reads better in prose.
const DEDICATED_LIMIT = IMAGE_LIMITS.dedicated.toLocaleString('en-US');
const LOW_PRIORITY_LIMIT = IMAGE_LIMITS.lowPriority.toLocaleString('en-US');

const publishTo = obj(
  'Publish the managed image named in spec.image.id as an Azure Compute Gallery image version, and build ' +
    'the pool from that version: the migration Azure asks for since managed-image pools were retired on ' +
    '31 March 2026. The operator creates the version (source: the managed image, replicated to the Batch ' +
    "account's region), waits for Azure to finish it, then creates the pool. The image definition must " +
    'exist already (its OS type, generation and security type must suit the managed image). Read only when ' +
    'the pool is created; it has no effect on an existing pool.',
  {
    gallery: str(
      'Resource ID of the Azure Compute Gallery: /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{gallery}.',
      {
        maxLength: 1024,
        'x-kubernetes-validations': [
          {
            rule: `self.matches('${GALLERY_ID_REGEX}')`,
            message:
              'spec.image.publishTo.gallery must be a gallery resource ID: /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{gallery}',
          },
        ],
      },
    ),
    definition: str('Name of the image definition in that gallery.', {
      minLength: 1,
      maxLength: 80,
      pattern: '^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$',
    }),
    version: str('The version to create, major.minor.patch (e.g. 1.0.0).', {
      maxLength: 32,
      pattern: '^[0-9]+[.][0-9]+[.][0-9]+$',
    }),
  },
  { required: ['gallery', 'definition', 'version'] },
);

const image = obj(
  'The custom VM image every node of the pool boots from, named by its Azure resource ID: an Azure ' +
    'Compute Gallery image version, or an image definition (its latest version). Since 31 March 2026 Azure ' +
    'creates new pools only from gallery images; a managed image is accepted here for pools that already ' +
    'exist on one, and for publishTo, which publishes it as a gallery version. Use a distinct image for ' +
    'every pool: pools that share an image (or images made from the same snapshot) share its node limits ' +
    `of ${DEDICATED_LIMIT} dedicated and ${LOW_PRIORITY_LIMIT} Spot nodes. The image must stay in Azure for ` +
    'the whole life of the pool; if it is deleted, resizes fail with AllocationFailed. A new image (e.g. ' +
    'a new gallery version) is a one-line change: Azure changes the image only on an empty pool, and ' +
    'spec.updateStrategy says how the operator gets there.',
  {
    id: str(
      'Azure resource ID of the image, in one of three forms: a gallery image version ' +
        '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{gallery}/images/{image}/versions/{major.minor.patch}; ' +
        'a gallery image definition .../providers/Microsoft.Compute/galleries/{gallery}/images/{image}, ' +
        'which means its latest version at the time the pool is created; or a managed image ' +
        '.../providers/Microsoft.Compute/images/{name} (retired by Azure for new pools; see publishTo). The fixed segments ' +
        '(subscriptions, resourceGroups, providers, Microsoft.Compute, images, galleries, versions) are ' +
        'matched case-insensitively, as Azure does. The image must be in the same subscription and region ' +
        "as the Batch account (a gallery image needs a replica in the account's region), and the identity " +
        'the operator uses needs read access to it. Changing it follows spec.updateStrategy.',
      {
        minLength: 1,
        maxLength: 1024,
        'x-kubernetes-validations': [
          {
            rule: `self.matches('${IMAGE_ID_REGEX}')`,
            message:
              'spec.image.id must be the Azure resource ID of a gallery image version ' +
              '(/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{gallery}/images/{image}/versions/{version}), ' +
              'a gallery image definition (.../providers/Microsoft.Compute/galleries/{gallery}/images/{image}) ' +
              'or a managed image (.../providers/Microsoft.Compute/images/{name})',
          },
          {
            rule: "!self.matches('(?i)/versions/') || self.matches('/[0-9]+[.][0-9]+[.][0-9]+$')",
            message:
              'spec.image.id: a gallery image version must be numbered major.minor.patch (e.g. .../versions/1.4.0); ' +
              'to follow the latest version, name the image definition and leave out /versions/{version}',
          },
        ],
      },
    ),
    publishTo,
  },
  {
    required: ['id'],
    'x-kubernetes-validations': [
      {
        rule: `!has(self.publishTo) || self.id.matches('${MANAGED_IMAGE_ID_REGEX}')`,
        message:
          'spec.image.publishTo publishes a managed image: spec.image.id must then be a managed image ' +
          '(.../providers/Microsoft.Compute/images/{name}); a gallery image needs no publishing',
        fieldPath: '.publishTo',
      },
    ],
  },
);

function hostEndpointSettings(field: string, what: string) {
  return obj(`Access control of ${what}.`, {
    mode: str('Audit or Enforce.', { enum: ['Audit', 'Enforce'] }),
    inVMAccessControlProfileReferenceId: str(
      'ARM resource ID of an in-VM access control profile version: /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/galleries/{gallery}/inVMAccessControlProfiles/{profile}/versions/{version}.',
      {
        maxLength: 1024,
        'x-kubernetes-validations': [
          {
            rule: "self.matches('^/(?i:subscriptions)/[^/]+/(?i:resourceGroups)/[^/]+/(?i:providers)/(?i:Microsoft[.]Compute)/(?i:galleries)/[^/]+/(?i:inVMAccessControlProfiles)/[^/]+/(?i:versions)/[^/]+$')",
            message: `${field}.inVMAccessControlProfileReferenceId must be an in-VM access control profile version ID`,
          },
        ],
      },
    ),
  });
}

const securityProfile = obj(
  'The security features of the nodes. When absent, the operator takes them from the gallery image ' +
    'definition: an image whose security type is TrustedLaunch gets Trusted Launch with secure boot and ' +
    'vTPM, a ConfidentialVM image gets confidential VMs; an image that merely supports them gets neither. ' +
    'Set it to choose yourself; a choice the image cannot boot with is refused, naming both. ' +
    'Azure changes it only on an empty pool: see spec.updateStrategy.',
  {
    securityType: str(
      'trustedLaunch (secure boot, vTPM; needs a Generation 2 image that supports it) or confidentialvm.',
      { enum: ['trustedLaunch', 'confidentialvm'] },
    ),
    encryptionAtHost: bool('Encrypt the nodes’ disks, including temp disks and caches, at the VM host.'),
    uefiSettings: obj('UEFI settings of Trusted Launch and confidential VMs.', {
      secureBootEnabled: bool('Boot only signed boot loaders and kernels.'),
      vTpmEnabled: bool('Give every node a virtual TPM.'),
    }),
    proxyAgentSettings: obj('The Metadata Security Protocol (proxy agent) of the nodes.', {
      enabled: bool('Turn the Metadata Security Protocol on. Azure default false.'),
      imds: hostEndpointSettings('spec.securityProfile.proxyAgentSettings.imds', 'the IMDS endpoint'),
      wireServer: hostEndpointSettings(
        'spec.securityProfile.proxyAgentSettings.wireServer',
        'the WireServer endpoint',
      ),
    }),
  },
  {
    'x-kubernetes-validations': [
      {
        rule: '!has(self.uefiSettings) || has(self.securityType)',
        message:
          'spec.securityProfile.uefiSettings needs spec.securityProfile.securityType (trustedLaunch or confidentialvm)',
        fieldPath: '.uefiSettings',
      },
    ],
  },
);

const BACKOFF_DEFAULT = { initial: DEFAULTS.backoffInitial, max: DEFAULTS.backoffMax };

const resizeStrategy = obj(
  'How the operator drives a pool to its target when Azure does not get there in one go. Large pools ' +
    'from custom images often stop short: a resize ends with an error such as AllocationFailed, or the ' +
    'resize timeout expires first (above about 300 nodes several resizes may be needed). The operator then ' +
    'issues the resize again, waiting longer after each failure (backoff), until the pool is at its ' +
    'target, maxAttempts is reached, or a person must act (the image is gone, the spec is refused). ' +
    'Optional; every field has a default.',
  {
    maxNodesPerResize: int(
      'Grow by at most this many nodes per resize, approaching a large target in steps; 0 asks Azure for the ' +
        'whole target at once. Shrinking always goes straight to the target. Default 0.',
      { minimum: 0, maximum: IMAGE_LIMITS.dedicated, default: 0 },
    ),
    backoff: obj(
      'Wait between a failed resize and the next one. The wait starts at `initial` and doubles after each ' +
        'consecutive failure up to `max`; it resets once the pool reaches its target or the target changes. ' +
        'A resize that ended with AllocationTimedout is re-issued at once: it has already waited its whole ' +
        'resizeTimeout. Durations in Go syntax: 30s, 2m, 1h30m.',
      {
        initial: str(`The first wait. Go duration, at least 1s. Default ${DEFAULTS.backoffInitial}.`, {
          maxLength: 32,
          default: DEFAULTS.backoffInitial,
        }),
        max: str(`The longest wait. Go duration, at most 24h. Default ${DEFAULTS.backoffMax}.`, {
          maxLength: 32,
          default: DEFAULTS.backoffMax,
        }),
      },
      {
        // Spelled out rather than `{}`: the apiserver checks a default against the CEL rules without
        // first filling in the defaults nested inside it.
        default: BACKOFF_DEFAULT,
        'x-kubernetes-validations': [
          {
            rule: `${goDurationOk('initial')} && ${goDurationOk('max')}`,
            message:
              'spec.resizeStrategy.backoff.initial and .max must be Go durations of whole numbers with units ms, s, m or h (e.g. 30s, 10m, 1h30m)',
          },
          {
            rule:
              `!(${goDurationOk('initial')} && ${goDurationOk('max')}) || ` +
              "(duration(self.initial) >= duration('1s') && duration(self.max) <= duration('24h') && duration(self.initial) <= duration(self.max))",
            message:
              'spec.resizeStrategy.backoff must satisfy 1s <= initial <= max <= 24h (the defaults are initial 30s, max 10m)',
          },
        ],
      },
    ),
    maxAttempts: int(
      'Give up after this many consecutive failed resizes for the same target: the pool is then reported ' +
        'Stalled until the spec changes. Leave it out to keep trying for as long as it takes.',
      { minimum: 1, maximum: 1000 },
    ),
  },
  { default: { maxNodesPerResize: 0, backoff: BACKOFF_DEFAULT } },
);

const inboundNatPool = obj(
  'A range of public ports on the load balancer that reaches one port on every node.',
  {
    name: str(
      'Name of the NAT pool, unique within the pool: letters, digits, underscores, periods and hyphens, ' +
        'starting with a letter or digit, ending with a letter, digit or underscore, at most 77 characters.',
      {
        maxLength: 77,
        pattern: '^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$',
      },
    ),
    protocol: str('tcp or udp.', { enum: ['tcp', 'udp'] }),
    backendPort: int(
      'The port on each node, 1..65535, except 29876 and 29877, which Azure Batch reserves (2025-06-01; earlier ' +
        'API versions also reserved 22 and 3389).',
      {
        minimum: 1,
        maximum: 65535,
        'x-kubernetes-validations': [
          {
            rule: '!(self in [29876, 29877])',
            message:
              'spec.networkConfiguration.endpointConfiguration.inboundNATPools[].backendPort must not be 29876 or 29877 (reserved by Azure Batch)',
          },
        ],
      },
    ),
    frontendPortRangeStart: int(
      'First public port, 1..65534, outside 50000..55000 (reserved by Azure Batch).',
      {
        minimum: 1,
        maximum: 65534,
      },
    ),
    frontendPortRangeEnd: int(
      'Last public port, 1..65534, outside 50000..55000; the range must hold at least 40 ports ' +
        '(one per node the pool can reach through it).',
      { minimum: 1, maximum: 65534 },
    ),
    networkSecurityGroupRules: list(
      'Network security group rules for this endpoint, at most 25 across the pool; without any, Azure allows ' +
        'inbound access to backendPort from everywhere.',
      obj(
        'One network security group rule.',
        {
          priority: int(
            'Priority 150..4096, unique within the pool; the lower the number, the earlier the rule applies.',
            { minimum: 150, maximum: 4096 },
          ),
          access: str('allow or deny.', { enum: ['allow', 'deny'] }),
          sourceAddressPrefix: str('A single IP address, a subnet (CIDR), a default tag, or * for all.', {
            minLength: 1,
            maxLength: 128,
          }),
          sourcePortRanges: list(
            "Source ports: '*' (all), a port (22) or a range (100-200). Azure default ['*'].",
            str('A port, a range or *.', { maxLength: 16, pattern: '^([*]|[0-9]{1,5}(-[0-9]{1,5})?)$' }),
            { maxItems: 16, 'x-kubernetes-list-type': 'atomic' },
          ),
        },
        { required: ['priority', 'access', 'sourceAddressPrefix'] },
      ),
      { maxItems: 25, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['priority'] },
    ),
  },
  {
    required: ['name', 'protocol', 'backendPort', 'frontendPortRangeStart', 'frontendPortRangeEnd'],
    'x-kubernetes-validations': [
      {
        rule: 'self.frontendPortRangeEnd - self.frontendPortRangeStart + 1 >= 40',
        message:
          'inboundNATPools[]: the frontend port range (frontendPortRangeStart..frontendPortRangeEnd) must hold at least 40 ports',
      },
      {
        rule: 'self.frontendPortRangeEnd < 50000 || self.frontendPortRangeStart > 55000',
        message:
          'inboundNATPools[]: the frontend port range must not touch 50000..55000, which Azure Batch reserves',
      },
    ],
  },
);

const networkConfiguration = obj(
  'Optional network settings of the pool. Azure changes them only on an empty pool: see ' +
    'spec.updateStrategy. Note that inbound NAT pools can lower the node limits of custom-image pools.',
  {
    subnetId: str(
      'Resource ID of the virtual-network subnet the nodes join: ' +
        '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}. ' +
        'It needs enough free addresses for the whole target.',
      {
        maxLength: 1024,
        'x-kubernetes-validations': [
          {
            rule: `self.matches('${SUBNET_ID_REGEX}')`,
            message:
              'spec.networkConfiguration.subnetId must be a subnet resource ID: /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}',
          },
        ],
      },
    ),
    endpointConfiguration: obj('Inbound access to the nodes from outside.', {
      inboundNATPools: list(
        'Up to 5 NAT pools; their frontend port ranges must not overlap.',
        inboundNatPool,
        {
          maxItems: 5,
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          'x-kubernetes-validations': [
            {
              rule:
                'self.all(a, self.all(b, a.name == b.name || ' +
                'a.frontendPortRangeEnd < b.frontendPortRangeStart || b.frontendPortRangeEnd < a.frontendPortRangeStart))',
              message:
                'spec.networkConfiguration.endpointConfiguration.inboundNATPools: frontend port ranges must not overlap',
            },
            {
              rule: 'self.all(a, self.exists_one(b, a.backendPort == b.backendPort))',
              message:
                'spec.networkConfiguration.endpointConfiguration.inboundNATPools: each backendPort may be used only once',
            },
            {
              rule:
                'self.map(p, has(p.networkSecurityGroupRules) ? p.networkSecurityGroupRules.size() : 0)' +
                '.sum() <= 25',
              message:
                'spec.networkConfiguration.endpointConfiguration.inboundNATPools[].networkSecurityGroupRules: at most 25 rules across the pool',
            },
            {
              rule:
                'self.all(a, !has(a.networkSecurityGroupRules) || a.networkSecurityGroupRules.all(r, ' +
                'self.all(b, b.name == a.name || !has(b.networkSecurityGroupRules) || ' +
                '!b.networkSecurityGroupRules.exists(q, q.priority == r.priority))))',
              message:
                'spec.networkConfiguration.endpointConfiguration.inboundNATPools[].networkSecurityGroupRules: priorities must be unique across the pool',
            },
          ],
        },
      ),
    }),
    publicIPAddressConfiguration: obj(
      'The public IP addresses of the nodes.',
      {
        provision: str(
          'batchmanaged (Azure creates them; the default), usermanaged (from ipAddressIds) or ' +
            'nopublicipaddresses (no public IPs; no inbound NAT pools then).',
          { enum: ['batchmanaged', 'usermanaged', 'nopublicipaddresses'] },
        ),
        ipAddressIds: list(
          'Public IP resources to use with usermanaged; each serves up to 100 dedicated and 100 Spot nodes.',
          str(
            'ARM resource ID: /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/publicIPAddresses/{ip}.',
            {
              maxLength: 1024,
              'x-kubernetes-validations': [
                {
                  rule: "self.matches('^/(?i:subscriptions)/[^/]+/(?i:resourceGroups)/[^/]+/(?i:providers)/(?i:Microsoft[.]Network)/(?i:publicIPAddresses)/[^/]+$')",
                  message:
                    'spec.networkConfiguration.publicIPAddressConfiguration.ipAddressIds[] must be public IP address IDs: /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/publicIPAddresses/{ip}',
                },
              ],
            },
          ),
          { maxItems: 100, 'x-kubernetes-list-type': 'set' },
        ),
        ipFamilies: list(
          'IPv4 (single stack) or IPv4 and IPv6 (dual stack).',
          str('IPv4 or IPv6.', { enum: ['IPv4', 'IPv6'] }),
          { maxItems: 2, 'x-kubernetes-list-type': 'set' },
        ),
        ipTags: list(
          'IP tags of the public addresses.',
          obj('One IP tag.', {
            ipTagType: str('The tag type, e.g. FirstPartyUsage.', { maxLength: 128 }),
            tag: str('The tag, e.g. SQL.', { maxLength: 128 }),
          }),
          { maxItems: 16, 'x-kubernetes-list-type': 'atomic' },
        ),
      },
      {
        'x-kubernetes-validations': [
          {
            rule: "!has(self.ipAddressIds) || (has(self.provision) && self.provision == 'usermanaged')",
            message:
              'spec.networkConfiguration.publicIPAddressConfiguration.ipAddressIds needs provision usermanaged',
            fieldPath: '.ipAddressIds',
          },
        ],
      },
    ),
    dynamicVNetAssignmentScope: str(
      'none (the default) or job: let each job put its nodes in the subnet the job names (needs no subnetId here).',
      { enum: ['none', 'job'] },
    ),
    enableAcceleratedNetworking: bool(
      'Accelerated networking (SR-IOV) on the nodes; the VM size must support it. Azure default false.',
    ),
  },
  {
    'x-kubernetes-validations': [
      {
        rule: "!(has(self.publicIPAddressConfiguration) && has(self.publicIPAddressConfiguration.provision) && self.publicIPAddressConfiguration.provision == 'nopublicipaddresses' && has(self.endpointConfiguration))",
        message:
          'spec.networkConfiguration.endpointConfiguration cannot be set with publicIPAddressConfiguration.provision nopublicipaddresses',
        fieldPath: '.endpointConfiguration',
      },
    ],
  },
);

const startTask = obj(
  'A command every node runs when it joins the pool (or restarts), e.g. to install software. Passed ' +
    'through to Azure Batch.',
  {
    commandLine: str(
      'The command. It is not run in a shell: for shell features (environment expansion, pipes) ' +
        'run e.g. /bin/sh -c "…" or cmd /c "…".',
      { minLength: 1, maxLength: 8192 },
    ),
    environmentSettings: nameValueList('Environment variables for the command.', 64),
    resourceFiles: list(
      'Files downloaded to the node before the command runs.',
      obj(
        'One file or container to download; set exactly one of httpUrl, storageContainerUrl and autoStorageContainerName.',
        {
          autoStorageContainerName: str(
            "Name of a container in the Batch account's auto-storage account to copy.",
            { minLength: 1, maxLength: 63 },
          ),
          httpUrl: str('URL of one file; needs filePath. A SAS token may be part of it.', {
            maxLength: 2048,
          }),
          storageContainerUrl: str('URL of an Azure Blob container (with read and list access) to copy.', {
            maxLength: 2048,
          }),
          filePath: str('Where to put it, relative to the task working directory.', { maxLength: 1024 }),
          fileMode: str('Octal Linux file mode such as 0755; ignored on Windows. Default 0770.', {
            maxLength: 4,
            pattern: '^0?[0-7]{3}$',
          }),
          blobPrefix: str(
            'Download only the blobs whose names start with this (with storageContainerUrl or autoStorageContainerName).',
            { maxLength: 1024 },
          ),
          identityReference: identityReference(
            'spec.startTask.resourceFiles[].identityReference',
            'to read httpUrl or storageContainerUrl',
          ),
        },
        {
          'x-kubernetes-validations': [
            {
              // Written so that an object valid before autoStorageContainerName existed stays valid.
              rule: '[has(self.httpUrl), has(self.storageContainerUrl), has(self.autoStorageContainerName)].filter(x, x).size() == 1',
              message:
                'spec.startTask.resourceFiles[]: set exactly one of httpUrl, storageContainerUrl and autoStorageContainerName',
            },
            {
              rule: '!has(self.blobPrefix) || !has(self.httpUrl)',
              message:
                'spec.startTask.resourceFiles[]: blobPrefix goes with storageContainerUrl or autoStorageContainerName, not httpUrl',
            },
            {
              rule: '!has(self.httpUrl) || has(self.filePath)',
              message: 'spec.startTask.resourceFiles[]: filePath is required with httpUrl',
            },
          ],
        },
      ),
      { maxItems: 100, 'x-kubernetes-list-type': 'atomic' },
    ),
    maxTaskRetryCount: int('How often a failed start task is retried; -1 means without limit. Default 0.', {
      minimum: -1,
      maximum: 100,
    }),
    waitForSuccess: bool(
      'Keep the node from running tasks until the start task has succeeded. Recommended when tasks need ' +
        'what it installs.',
    ),
    containerSettings: obj(
      'Run the start task in a container (the pool needs spec.containerConfiguration).',
      {
        imageName: str('The image, as `docker pull` takes it; without a tag, :latest.', {
          minLength: 1,
          maxLength: 1024,
        }),
        containerRunOptions: str('Extra options of the container create command.', { maxLength: 4096 }),
        registry: containerRegistry('spec.startTask.containerSettings.registry'),
        workingDirectory: str('taskWorkingDirectory (the Azure default) or containerImageDefault.', {
          enum: ['taskWorkingDirectory', 'containerImageDefault'],
        }),
        containerHostBatchBindMounts: list(
          'Batch directories mounted into the container; absent: the whole Batch root (Linux) or temp drive (Windows).',
          obj('One bind mount.', {
            source: str('Shared, Startup, VfsMounts, Task, JobPrep or Applications.', {
              enum: ['Shared', 'Startup', 'VfsMounts', 'Task', 'JobPrep', 'Applications'],
            }),
            isReadOnly: bool('Mount read-only. Default false.'),
          }),
          { maxItems: 6, 'x-kubernetes-list-type': 'atomic' },
        ),
      },
      { required: ['imageName'] },
    ),
    userIdentity: obj(
      'The user the command runs as; set userName or autoUser, not both. Default: a non-admin task user.',
      {
        userName: str('A user account defined on the pool.', { maxLength: 256 }),
        autoUser: obj('An automatic user Azure Batch creates.', {
          scope: str('task (a user per task) or pool (one user shared by every task on the node).', {
            enum: ['task', 'pool'],
          }),
          elevationLevel: str('nonadmin or admin.', { enum: ['nonadmin', 'admin'] }),
        }),
      },
      {
        'x-kubernetes-validations': [
          {
            rule: '!(has(self.userName) && has(self.autoUser))',
            message: 'spec.startTask.userIdentity: set userName or autoUser, not both',
          },
        ],
      },
    ),
  },
  { required: ['commandLine'] },
);

const autoScale = obj(
  'Let Azure size the pool with an autoscale formula instead of fixed targets (enableAutoScale, ' +
    'autoScaleFormula, autoScaleEvaluationInterval). The operator then never resizes the pool: it creates it ' +
    'with the formula, keeps the formula and interval as written here (enableautoscale), and still checks ' +
    'the image, the node agent and the settings. targetDedicatedNodes must then be left out and ' +
    'targetLowPriorityNodes left at 0; removing autoScale turns autoscaling off (disableautoscale) and the ' +
    'targets apply again. Azure changes settings that need an empty pool only when the formula has emptied ' +
    'it (spec.updateStrategy DrainAndUpdate does not drain an autoscaled pool).',
  {
    formula: str(
      'The autoscale formula, e.g. `$TargetDedicatedNodes = min(10, $PendingTasks.GetSample(1));` (see ' +
        "Azure's 'Create a formula to automatically scale compute nodes'). Azure checks it when it is set.",
      { minLength: 1, maxLength: 8192 },
    ),
    evaluationInterval: str(
      'How often Azure evaluates the formula, ISO-8601, PT5M..PT168H. Azure default PT15M.',
      {
        maxLength: 32,
        'x-kubernetes-validations': [
          {
            rule: isoDurationOk,
            message:
              'spec.autoScale.evaluationInterval must be an ISO-8601 duration such as PT15M (P[nD][T[nH][nM][nS]], whole numbers)',
          },
          {
            rule: isoAtLeast5m,
            message: 'spec.autoScale.evaluationInterval must be at least 5 minutes (PT5M), as Azure requires',
          },
          {
            rule:
              `!${isoDurationOk} || ((!self.contains('D') || int(self.substring(1, self.indexOf('D'))) < 7 || ` +
              `(int(self.substring(1, self.indexOf('D'))) == 7 && !self.contains('T'))) && ` +
              `(!self.contains('T') || duration(self.substring(self.indexOf('T') + 1).lowerAscii()) <= duration('168h')))`,
            message:
              'spec.autoScale.evaluationInterval must be at most 168 hours (PT168H or P7D), as Azure requires',
          },
        ],
      },
    ),
  },
  { required: ['formula'] },
);
function blueGreenPool(description: string) {
  return obj(
    description,
    {
      poolId: str('The Azure pool ID.'),
      exists: bool('Whether the pool existed when last seen.'),
      currentDedicatedNodes: int('Dedicated nodes it had.'),
      currentLowPriorityNodes: int('Spot nodes it had.'),
      targetDedicatedNodes: int('Its dedicated target.'),
      targetLowPriorityNodes: int('Its Spot target.'),
    },
    { required: ['poolId'] },
  );
}

const poolSpecRules: ValidationRule[] = [
  {
    // targetLowPriorityNodes defaults to 0 and defaults are applied before validation, so
    // `has(self.targetLowPriorityNodes)` is always true here and cannot express "a target was
    // given". A pool of only low-priority nodes therefore names a non-zero count.
    rule:
      'has(self.autoScale) || has(self.targetDedicatedNodes) || ' +
      '(has(self.targetLowPriorityNodes) && self.targetLowPriorityNodes > 0)',
    message:
      'spec.targetDedicatedNodes is required unless spec.targetLowPriorityNodes is above 0 or spec.autoScale is set: ' +
      'a pool needs a target size (targetLowPriorityNodes defaults to 0, so it alone does not count)',
    fieldPath: '.targetDedicatedNodes',
    reason: 'FieldValueRequired',
  },
  {
    rule:
      '!has(self.autoScale) || (!has(self.targetDedicatedNodes) && ' +
      '(!has(self.targetLowPriorityNodes) || self.targetLowPriorityNodes == 0))',
    message:
      'spec.autoScale: the formula sizes the pool, so spec.targetDedicatedNodes must be left out and ' +
      'spec.targetLowPriorityNodes left at 0',
    fieldPath: '.autoScale',
    reason: 'FieldValueForbidden',
  },
  {
    rule:
      '!has(self.licenseType) && !has(self.windowsConfiguration) || ' +
      "!self.nodeAgentSkuId.startsWith('batch.node.') || self.nodeAgentSkuId.startsWith('batch.node.windows')",
    message:
      'spec.licenseType and spec.windowsConfiguration are for Windows pools: spec.nodeAgentSkuId must then be a ' +
      'Windows node agent (batch.node.windows ...)',
    fieldPath: '.nodeAgentSkuId',
  },
  {
    rule: '!has(self.startTask) || !has(self.startTask.containerSettings) || has(self.containerConfiguration)',
    message:
      'spec.startTask.containerSettings needs spec.containerConfiguration (a pool set up for containers)',
    fieldPath: '.startTask',
  },
  {
    rule:
      '!has(self.upgradePolicy) || !has(self.upgradePolicy.rollingUpgradePolicy) || ' +
      '!has(self.upgradePolicy.rollingUpgradePolicy.enableCrossZoneUpgrade) || ' +
      "(has(self.nodePlacementConfiguration) && has(self.nodePlacementConfiguration.policy) && self.nodePlacementConfiguration.policy == 'zonal')",
    message:
      'spec.upgradePolicy.rollingUpgradePolicy.enableCrossZoneUpgrade needs spec.nodePlacementConfiguration.policy zonal',
    fieldPath: '.upgradePolicy',
  },
  {
    rule: 'has(self.poolId) == has(oldSelf.poolId)',
    message:
      'spec.poolId cannot be added or removed after creation: it names the Azure pool; to change it, create a new BatchPool instead',
    fieldPath: '.poolId',
    reason: 'FieldValueForbidden',
  },
];

export const batchPoolSpecSchema = obj(
  'What the Azure Batch pool should look like. The operator creates the pool from a custom VM image, ' +
    'drives it to the target node counts (issuing the resize again, with backoff, when Azure stops short), ' +
    'checks that the image still exists, and deletes or keeps the pool when this object is deleted. ' +
    'accountRef and poolId are fixed when the object is created. Azure changes the start task and metadata ' +
    'of a pool with nodes, and the operator applies such changes in place; the rest (VM size, image, node ' +
    'agent, security profile, task slots, network) Azure changes only on an empty pool, and ' +
    'spec.updateStrategy says how the operator gets there.',
  {
    accountRef: obj(
      'The cluster-scoped BatchAccount (set up by a cluster admin) whose Azure Batch account hosts the pool. ' +
        "The account must list this object's namespace in spec.allowedNamespaces. Immutable.",
      {
        name: str('Name of the BatchAccount.', {
          minLength: 1,
          maxLength: 253,
          'x-kubernetes-validations': [
            {
              rule: `self.matches('${DNS_SUBDOMAIN_REGEX}')`,
              message:
                'spec.accountRef.name must be the name of a BatchAccount: lower-case letters, digits, - and . (a DNS subdomain name)',
            },
          ],
        }),
      },
      {
        required: ['name'],
        'x-kubernetes-validations': [
          immutable('spec.accountRef', 'a pool cannot move to another Batch account'),
        ],
      },
    ),
    poolId: str(
      'ID of the pool in Azure Batch: at most 64 letters, digits, hyphens and underscores, unique within ' +
        'the Batch account (Azure compares IDs case-insensitively). Defaults to metadata.name, which then has ' +
        'to follow the same rule. Immutable, and cannot be added or removed later.',
      {
        minLength: 1,
        maxLength: 64,
        'x-kubernetes-validations': [
          {
            rule: `self.matches('${POOL_ID_REGEX}')`,
            message:
              'spec.poolId must be 1 to 64 characters of letters, digits, - and _ (the Azure Batch pool ID rule)',
          },
          immutable('spec.poolId', 'it names the Azure pool'),
        ],
      },
    ),
    vmSize: str(
      'Azure VM size of every node, e.g. Standard_D4s_v5. The Batch account needs quota for it in its ' +
        'region, and the image must suit it (generation, architecture). Azure changes it only on an empty pool: see spec.updateStrategy.',
      {
        minLength: 1,
        maxLength: 64,
        'x-kubernetes-validations': [
          {
            rule: "self.matches('^[A-Za-z0-9_-]+$')",
            message:
              'spec.vmSize must be an Azure VM size name: letters, digits, _ and - (e.g. Standard_D4s_v5)',
          },
        ],
      },
    ),
    image,
    nodeAgentSkuId: str(
      "The Batch node agent that matches the image's operating system, e.g. `batch.node.ubuntu 22.04` " +
        'or `batch.node.windows amd64`; it always starts with `batch.node.`. A mismatch leaves nodes unusable.' +
        ' Azure changes it only on an empty pool: see spec.updateStrategy.',
      {
        minLength: 1,
        maxLength: 64,
        'x-kubernetes-validations': [
          {
            rule: "self.startsWith('batch.node.')",
            message: 'spec.nodeAgentSkuId must start with "batch.node." (e.g. "batch.node.ubuntu 22.04")',
          },
        ],
      },
    ),
    securityProfile,
    targetDedicatedNodes: int(
      `Number of dedicated nodes to keep, 0..${IMAGE_LIMITS.dedicated}. ${DEDICATED_LIMIT} is Azure's ` +
        'limit for a custom image, counted across every pool that uses the same image or snapshot (one more ' +
        'reason for a distinct image per pool). Required unless targetLowPriorityNodes is above 0. ' +
        'Changing it resizes the pool.',
      { minimum: 0, maximum: IMAGE_LIMITS.dedicated },
    ),
    targetLowPriorityNodes: int(
      `Number of Spot nodes to keep, 0..${IMAGE_LIMITS.lowPriority}: cheaper, but Azure may take them back ` +
        '(preempt them) and seeks replacements by itself. The field keeps Azure’s name: low-priority VMs were ' +
        'retired on 30 September 2025 and the same target now means Spot. ' +
        `${LOW_PRIORITY_LIMIT} is the custom-image limit, counted across every pool that uses the same image. ` +
        `Default ${DEFAULTS.targetLowPriorityNodes}.`,
      { minimum: 0, maximum: IMAGE_LIMITS.lowPriority, default: DEFAULTS.targetLowPriorityNodes },
    ),
    resizeTimeout: str(
      'How long Azure may work on one resize before giving up, as an ISO-8601 duration: PT20M, PT1H, ' +
        'PT1H30M, P1D (days, hours, minutes and seconds, whole numbers). At least 5 minutes (PT5M), as ' +
        `Azure requires. Default ${DEFAULTS.resizeTimeout}. Azure recommends 20-30 minutes for large pools ` +
        'from custom images (e.g. PT25M for several hundred nodes); when a resize times out short of the ' +
        'target, the operator issues another one (see resizeStrategy).',
      {
        maxLength: 32,
        default: DEFAULTS.resizeTimeout,
        'x-kubernetes-validations': [
          {
            rule: isoDurationOk,
            message:
              'spec.resizeTimeout must be an ISO-8601 duration such as PT20M or PT1H30M (P[nD][T[nH][nM][nS]], whole numbers)',
          },
          {
            rule: isoAtLeast5m,
            message: 'spec.resizeTimeout must be at least 5 minutes (PT5M), the minimum Azure Batch accepts',
          },
        ],
      },
    ),
    nodeDeallocationOption: str(
      'What happens to tasks running on nodes that a shrink removes: requeue (stop them and queue them ' +
        'again; the default), terminate (stop them; they fail), taskcompletion (let them finish first), ' +
        'retaineddata (let them finish and keep their data until it expires).',
      {
        enum: ['requeue', 'terminate', 'taskcompletion', 'retaineddata'],
        default: DEFAULTS.nodeDeallocationOption,
      },
    ),
    resizeStrategy,
    readiness,
    nodeRecovery,
    identity: obj(
      'Managed identities the nodes of the pool run with (BatchPoolIdentity): they let the nodes pull from a ' +
        'container registry, read storage and fetch resource files without keys, through the identityReference ' +
        'fields. Only the management plane can give a pool identities, so the account must have spec.api ' +
        'ResourceManager; on a DataPlane account the pool is refused with a message saying so. The operator ' +
        'needs Managed Identity Operator on each identity. Azure gives a changed identity only to nodes created ' +
        'after the change.',
      {
        userAssignedIdentities: list(
          'Resource IDs of user-assigned managed identities: ' +
            '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}.',
          str('A user-assigned identity resource ID.', {
            maxLength: 1024,
            'x-kubernetes-validations': [
              {
                rule: `self.matches('${IDENTITY_ID_REGEX}')`,
                message:
                  'spec.identity.userAssignedIdentities[] must be a user-assigned identity ID: /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}',
              },
            ],
          }),
          { minItems: 1, maxItems: 20, 'x-kubernetes-list-type': 'set' },
        ),
      },
      { required: ['userAssignedIdentities'] },
    ),
    deletionPolicy: str(
      'What happens to the Azure pool when this object is deleted: Delete (the default) deletes it; ' +
        'Retain keeps it running in Azure, unmanaged.',
      { enum: ['Delete', 'Retain'], default: DEFAULTS.deletionPolicy },
    ),
    taskSlotsPerNode: int(
      'How many tasks may run at once on one node, 1..256 (Azure also caps it at 4 per core). Azure default 1.' +
        ' Azure changes it only on an empty pool: see spec.updateStrategy.',
      {
        minimum: 1,
        maximum: 256,
      },
    ),
    startTask,
    metadata: nameValueList(
      'Name/value pairs stored on the Azure pool, for your own tooling. The operator may add its own ' +
        'entries to the Azure pool as well.',
      32,
    ),
    networkConfiguration,
    displayName: str(
      'A display name for the pool in Azure (any Unicode, at most 1024 characters). Azure changes it only on ' +
        'an empty pool: see spec.updateStrategy.',
      { maxLength: 1024 },
    ),
    enableInterNodeCommunication: bool(
      'Let the nodes talk to each other directly (e.g. MPI). It limits how large the pool can grow. Azure ' +
        'default false; Azure changes it only on an empty pool.',
    ),
    containerConfiguration,
    dataDisks,
    diskEncryptionConfiguration,
    nodePlacementConfiguration,
    extensions,
    osDisk,
    serviceArtifactReference,
    licenseType,
    windowsConfiguration,
    applicationPackageReferences,
    taskSchedulingPolicy,
    userAccounts,
    mountConfiguration,
    upgradePolicy,
    autoScale,
    updateStrategy: str(
      'How a change to a setting Azure changes only on an empty pool (vmSize, image.id, nodeAgentSkuId, ' +
        'securityProfile, taskSlotsPerNode, networkConfiguration) reaches a pool that has nodes. Manual (the ' +
        'default): nothing is touched; the pool is reported Stalled with the fields named, until the change ' +
        'is reverted, the targets are set to 0 (then the change is applied once the pool is empty, and the ' +
        'targets can be raised again), or another strategy is chosen. DrainAndUpdate: the operator shrinks ' +
        'the pool to 0 (with nodeDeallocationOption, so running tasks are treated as it says), applies the ' +
        'change, and grows the pool back to its targets; the pool has no nodes in between. Changes Azure makes ' +
        'on a pool with nodes (startTask, metadata) are always applied in place, whatever the strategy. ' +
        'BlueGreen: the operator creates a second Azure pool with the new settings (the pool ID alternates ' +
        'between spec.poolId and spec.poolId with "-bg" appended), grows it to the targets, then moves ' +
        'status.poolId to it, shrinks the old pool to 0 (with nodeDeallocationOption) and deletes it. The ' +
        'nodes never drop below the targets, at the cost of both pools for a while (quota for both); jobs ' +
        'name a pool by ID, so submitters follow status.poolId.',
      { enum: ['Manual', 'DrainAndUpdate', 'BlueGreen'], default: DEFAULTS.updateStrategy },
    ),
    adoption: str(
      'What the operator does when an Azure pool with this pool ID already exists and was not created by ' +
        'it. Absent: nothing; the pool is left untouched and reported (Stalled, PoolNotOwned). Adopt: the ' +
        'operator compares the pool with this spec; if a setting Azure changes only on an empty pool differs ' +
        'it reports each difference (Stalled, AdoptionMismatch) and writes nothing; otherwise it takes the ' +
        'pool over and manages it from then on, writing its owner entries into the pool metadata with its ' +
        'first write. Observe: the operator only mirrors the pool into status and never writes to it, not ' +
        'even when this object is deleted. A pool that another BatchPool owns is never adopted.',
      { enum: ['Adopt', 'Observe'] },
    ),
  },
  {
    required: ['accountRef', 'vmSize', 'image', 'nodeAgentSkuId'],
    'x-kubernetes-validations': poolSpecRules,
  },
);

export const batchPoolStatusSchema = obj(
  'What the operator last observed and did. Written only by the operator, through the status subresource.',
  {
    observedGeneration: int64(
      'The metadata.generation this status describes; while it is older, the operator has not acted on the latest spec yet.',
    ),
    poolId: str(
      'ID of the Azure pool this object manages: spec.poolId (or metadata.name), until a BlueGreen rollout ' +
        'moves it to the other pool ID.',
    ),
    phase: str(
      'One word for people: Pending (not yet acted on), Creating, Resizing, Backoff (waiting to retry a ' +
        'resize), Updating (changing the settings of the pool, see status.update), Starting (at the target ' +
        'count, waiting for nodes to become usable), Recovering (rebooting or removing nodes that cannot run ' +
        'tasks, see spec.nodeRecovery), Ready (enough usable nodes at target), ' +
        'Stalled (needs a person; see the Stalled condition), Paused (the paused annotation holds a write ' +
        'that is due), Deleting.',
      {
        enum: [
          'Pending',
          'Creating',
          'Resizing',
          'Backoff',
          'Updating',
          'Starting',
          'Recovering',
          'Ready',
          'Stalled',
          'Paused',
          'Deleting',
        ],
      },
    ),
    allocationState: str('The allocation state Azure reports for the pool: steady, resizing or stopping.', {
      enum: ['steady', 'resizing', 'stopping'],
    }),
    currentDedicatedNodes: int('Dedicated nodes the pool has now, as Azure reports it.', { minimum: 0 }),
    currentLowPriorityNodes: int(
      'Spot nodes the pool has now, as Azure reports it (preempted ones included, as Azure counts them).',
      { minimum: 0 },
    ),
    resize: obj(
      'Progress towards the current target.',
      {
        attempts: int(
          'Resizes issued for the current target; creating the pool counts as the first. It starts again at 1 ' +
            'when the target changes and is kept once the target is reached, so a Ready pool says how many ' +
            'resizes it took.',
          { minimum: 0 },
        ),
        lastIssuedAt: str('When the last resize (or create) was issued.', { format: 'date-time' }),
        nextAttemptAt: str('When the next resize is due, while waiting out a backoff.', {
          format: 'date-time',
        }),
        failuresWithoutProgress: int(
          'Failed resizes in a row that added no node. The backoff doubles with each; a failure that added ' +
            'nodes waits only the initial backoff and starts the count again.',
          { minimum: 0 },
        ),
        lastIssuedFrom: obj(
          'The node counts the pool had when the last resize was issued, to tell a resize that made progress.',
          {
            dedicated: int('Dedicated nodes the pool had.', { minimum: 0 }),
            lowPriority: int('Spot nodes the pool had.', { minimum: 0 }),
          },
          { required: ['dedicated', 'lowPriority'] },
        ),
        lastTarget: obj(
          'The targets of the resize last issued, so a restarted operator knows what it asked for.',
          {
            dedicated: int('Dedicated nodes asked for.', { minimum: 0 }),
            lowPriority: int('Spot nodes asked for.', { minimum: 0 }),
          },
          { required: ['dedicated', 'lowPriority'] },
        ),
        lastError: obj(
          'The last error Azure reported for a resize of this pool.',
          {
            code: str(
              'Azure error code as Azure spells it, e.g. AllocationFailed, AllocationTimedout, AccountCoreQuotaReached.',
            ),
            message: str('Azure error message, followed by the values Azure gave with it (e.g. Reason=…).'),
            observedAt: str('When the operator saw it.', { format: 'date-time' }),
          },
          { required: ['code', 'message', 'observedAt'] },
        ),
      },
      { required: ['attempts'] },
    ),
    rejected: obj(
      'An Azure write that Azure refused in a way only a person can fix (a 4xx other than a conflict or a ' +
        'quota). It is tried again after nextAttemptAt — 5 minutes after the first refusal, doubling per ' +
        'refusal up to 1 hour — and at once when the spec changes.',
      {
        action: str('The write refused: create, resize, stopResize, updateLive, updateEmpty or delete.'),
        generation: int64('The metadata.generation of the spec it was refused for.'),
        attempts: int('Refusals in a row for that spec.', { minimum: 1 }),
        since: str('When it was first refused.', { format: 'date-time' }),
        nextAttemptAt: str('When it is tried again.', { format: 'date-time' }),
        message: str("Azure's answer."),
      },
      { required: ['action', 'attempts', 'since', 'nextAttemptAt', 'message'] },
    ),
    adoptedAt: str(
      'When the operator took over a pool that existed before this object (spec.adoption: Adopt). Its owner ' +
        'entries go into the pool metadata with its first write to the pool.',
      { format: 'date-time' },
    ),
    update: obj(
      'A change to settings Azure changes only on an empty pool, while it is on its way (absent when there is none).',
      {
        fields: list(
          'The spec fields that differ from the Azure pool.',
          str('A field path such as spec.image.id.'),
          { 'x-kubernetes-list-type': 'atomic' },
        ),
        strategy: str('The spec.updateStrategy followed.', {
          enum: ['Manual', 'DrainAndUpdate', 'BlueGreen'],
        }),
        state: str(
          'Refused (Manual: waiting for a person), Draining (shrinking to 0 first), Applying (the pool is ' +
            'empty and the change is being made); for BlueGreen: Creating (the new pool), Growing (the new ' +
            'pool towards the targets), Retiring (the new pool serves; the old one shrinks and is deleted), or ' +
            'Aborting (the spec no longer asks for the new pool: it is deleted).',
          { enum: ['Refused', 'Draining', 'Applying', 'Creating', 'Growing', 'Retiring', 'Aborting'] },
        ),
        since: str('When the operator first saw the change.', { format: 'date-time' }),
        blueGreen: obj(
          'The two Azure pools of a BlueGreen rollout, with their node counts as last seen.',
          {
            from: blueGreenPool('The pool that served when the rollout began; it is deleted at the end.'),
            to: blueGreenPool(
              'The pool with the new settings; status.poolId moves to it once it reaches the targets.',
            ),
          },
          { required: ['from', 'to'] },
        ),
      },
      { required: ['fields', 'strategy', 'state', 'since'] },
    ),
    image: obj(
      'The last check of the image in Azure.',
      {
        id: str('The image ID checked (spec.image.id).'),
        exists: bool('Whether the image existed.'),
        checkedAt: str('When it was checked.', { format: 'date-time' }),
        versionId: str(
          'The gallery image version the pool is built from, or would be: spec.image.id itself, the latest ' +
            'version of the definition it names, or the version published from a managed image.',
        ),
        provisioningState: str('Azure’s provisioningState of that version, e.g. Succeeded or Creating.'),
        region: str('The Batch account’s region the version must be replicated to.'),
        replication: str(
          'Replication of the version to that region: Completed, Replicating, Failed, or NotTargeted ' +
            '(the region is not among its target regions).',
        ),
        endOfLifeDate: str('The version’s end-of-life date, if it has one.', { format: 'date-time' }),
        securityType: str('The security type the image definition declares (features SecurityType).'),
        osType: str('Linux or Windows, as the image says.'),
        source: str(
          'Gallery, or Managed for a managed image: Azure retired managed-image pools on 31 March 2026.',
          { enum: ['Gallery', 'Managed'] },
        ),
      },
      { required: ['id', 'exists', 'checkedAt'] },
    ),
    nodes: nodesStatus,
    nodeRecovery: nodeRecoveryStatus,
    nodeAgent: obj('The last check of spec.nodeAgentSkuId against the account’s supported images.', {
      skuId: str('The node agent SKU checked.'),
      supported: bool('Whether the account offers it for the image’s operating system.'),
      endOfLife: str('When Batch ends support for it (batchSupportEndOfLife), if it has a date.', {
        format: 'date-time',
      }),
      checkedAt: str('When it was checked.', { format: 'date-time' }),
    }),
    conditions: conditions(
      'Ready (True only at target, with the image present and the latest generation observed), Reconciling ' +
        '(True while creating, resizing or waiting to retry), Stalled (True when only a person can fix it: ' +
        'image gone, limit exceeded, account not allowed, Azure refused the spec) and ImageAvailable. ' +
        'Ready, Reconciling and Stalled follow kstatus, so Flux and Argo CD can judge health.',
    ),
  },
);

export const batchPoolSchema = obj(
  'BatchPool is an Azure Batch pool built from a custom VM image and kept at its target size by ' +
    'batchpool-operator. Write it in Git or apply it with kubectl; read its state with `kubectl get batchpools` ' +
    '(short name bp).',
  {
    apiVersion: str('The versioned schema of this object: batch.pooloperator.dev/v1alpha1.'),
    kind: str('BatchPool.'),
    // The apiserver owns the metadata schema and refuses anything but a bare type here.
    metadata: { type: 'object' },
    spec: batchPoolSpecSchema,
    status: batchPoolStatusSchema,
  },
  {
    required: ['spec'],
    'x-kubernetes-validations': [
      {
        rule: `!has(self.spec) || has(self.spec.poolId) || self.metadata.name.matches('${POOL_ID_REGEX}')`,
        message:
          'metadata.name becomes the Azure pool ID when spec.poolId is not set, so it must then be 1 to 64 characters ' +
          'of letters, digits, - and _ (no dots): set spec.poolId or choose another name',
        // Reported at spec.poolId, the field that fixes it (the apiserver refuses a fieldPath into metadata).
        fieldPath: '.spec.poolId',
        reason: 'FieldValueRequired',
      },
    ],
  },
);

// ---------------------------------------------------------------- BatchAccount

/** /subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.Batch/batchAccounts/{name}, case-insensitive words. */
const BATCH_ACCOUNT_ID_REGEX =
  '^/(?i:subscriptions)/[^/]+/(?i:resourceGroups)/[^/]+/(?i:providers)/(?i:Microsoft[.]Batch)/(?i:batchAccounts)/[a-z0-9]{3,24}$';

export const batchAccountSpecSchema = obj(
  'An Azure Batch account that BatchPools may use, and which namespaces may use it. Set up by a cluster ' +
    'admin. The operator talks to Azure Batch with Microsoft Entra ID tokens (shared keys are not enough for ' +
    'custom-image pools); the identity needs rights on the Batch account and read access to the images.',
  {
    endpoint: str(
      'URL of the Batch account, https://{account}.{region}.batch.azure.com, as shown on its Overview page ' +
        'in the Azure portal. Scheme, host and optional port only.',
      {
        minLength: 1,
        maxLength: 2048,
        'x-kubernetes-validations': [
          {
            rule: "isURL(self) && url(self).getScheme() == 'https' && url(self).getHostname() != ''",
            message:
              'spec.endpoint must be an https:// URL of the Batch account (e.g. https://prodbatch.westeurope.batch.azure.com)',
          },
          {
            rule: "!isURL(self) || (url(self).getEscapedPath() in ['', '/'] && url(self).getQuery().size() == 0)",
            message: 'spec.endpoint must be only scheme, host and optional port: no path and no query',
          },
        ],
      },
    ),
    api: str(
      'Which plane writes the pools of this account. DataPlane (also when absent): the Batch service API at the ' +
        'endpoint, with the role Azure Batch Data Contributor. ResourceManager: the management plane, ' +
        'Microsoft.Batch/batchAccounts/pools in Azure Resource Manager (as Terraform and Bicep use it), with ' +
        'Contributor or a custom role on the account; it needs spec.resourceId, and it is the only plane that ' +
        'can give a pool managed identities (BatchPool spec.identity). Node-level work (node counts, removing ' +
        'or rebooting nodes) uses the endpoint on both. The pools are the same on both planes: switching an ' +
        'existing account writes nothing to its pools.',
      // No schema default: an account written before this field reads back exactly as it was written.
      { enum: ['DataPlane', 'ResourceManager'] },
    ),
    resourceId: str(
      "The account's Azure Resource Manager ID: " +
        '/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Batch/batchAccounts/{name}, ' +
        'as shown under Properties (Resource ID) in the Azure portal. Needed when spec.api is ResourceManager.',
      {
        maxLength: 1024,
        'x-kubernetes-validations': [
          {
            rule: `self.matches('${BATCH_ACCOUNT_ID_REGEX}')`,
            message:
              'spec.resourceId must be a Batch account resource ID: /subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Batch/batchAccounts/{name}',
          },
        ],
      },
    ),
    location: str(
      'The Azure region of the Batch account as ARM names it, e.g. westeurope. Optional: the operator reads ' +
        'it from the endpoint (https://{account}.{region}.batch.azure.com) when it is not set. A gallery image ' +
        'version must be replicated to this region before a pool can use it.',
      { minLength: 1, maxLength: 64, pattern: '^[a-z0-9]+$' },
    ),
    allowedNamespaces: list(
      'Namespaces whose BatchPools may use this account. Empty or absent: none. ["*"]: every namespace ' +
        '("*" must then be the only entry).',
      str('A namespace name, or "*".', {
        maxLength: 63,
        'x-kubernetes-validations': [
          {
            rule: `self == '*' || self.matches('${DNS_LABEL_REGEX}')`,
            message:
              'spec.allowedNamespaces[] must be a namespace name (lower-case letters, digits and -, at most 63) or "*"',
          },
        ],
      }),
      {
        maxItems: 256,
        'x-kubernetes-list-type': 'set',
        'x-kubernetes-validations': [
          {
            rule: "!('*' in self) || self.size() == 1",
            message: 'spec.allowedNamespaces: "*" (every namespace) must be the only entry',
          },
        ],
      },
    ),
    identity: obj(
      'Which Microsoft Entra identity the operator uses for this account. Absent: its own identity. ' +
        "clientId alone: workload identity as that client (the operator pod's federated token, which the " +
        "app registration or managed identity must trust). clientId and secretRef: that app registration's " +
        "client secret or certificate, read from a Secret in the operator's namespace. The operator's own " +
        'client secret is never used for another client ID.',
      {
        clientId: str(
          "Client ID (a GUID) of the app registration or managed identity to use for this account instead of the operator's own.",
          {
            maxLength: 36,
            'x-kubernetes-validations': [
              {
                rule: `self.matches('${GUID_REGEX}')`,
                message: 'spec.identity.clientId must be a GUID such as 00000000-0000-0000-0000-000000000000',
              },
            ],
          },
        ),
        tenantId: str(
          "Microsoft Entra tenant (directory) ID, a GUID, that clientId belongs to. Absent: the operator's own tenant (AZURE_TENANT_ID).",
          {
            maxLength: 36,
            'x-kubernetes-validations': [
              {
                rule: `self.matches('${GUID_REGEX}')`,
                message: 'spec.identity.tenantId must be a GUID such as 00000000-0000-0000-0000-000000000000',
              },
            ],
          },
        ),
        secretRef: obj(
          "A Secret in the operator's namespace (batchpool-system by default) that holds clientId's credential: " +
            'a client secret, or a PEM client certificate with its unencrypted private key. The operator may read ' +
            'only the Secrets its Role names (see docs/operations.md).',
          {
            name: str("Name of the Secret, in the operator's namespace.", {
              minLength: 1,
              maxLength: 253,
              'x-kubernetes-validations': [
                {
                  rule: `self.matches('${DNS_SUBDOMAIN_REGEX}')`,
                  message:
                    'spec.identity.secretRef.name must be a Secret name: lower-case letters, digits, - and . (a DNS subdomain name)',
                },
              ],
            }),
            key: str(
              'Key of the Secret that holds the credential. A value with a "-----BEGIN CERTIFICATE-----" block is a ' +
                'client certificate (PEM certificate and private key together); any other value is a client secret. ' +
                'Absent: clientSecret, or clientCertificate when the Secret has no clientSecret.',
              {
                minLength: 1,
                maxLength: 253,
                'x-kubernetes-validations': [
                  {
                    rule: "self.matches('^[-._a-zA-Z0-9]+$')",
                    message:
                      'spec.identity.secretRef.key must be a Secret key: letters, digits, -, _ and . (e.g. clientSecret)',
                  },
                ],
              },
            ),
          },
          { required: ['name'] },
        ),
      },
      {
        'x-kubernetes-validations': [
          {
            rule: '!has(self.secretRef) || has(self.clientId)',
            message:
              'spec.identity.secretRef needs spec.identity.clientId: the client ID of the app registration the secret or certificate belongs to',
          },
          {
            rule: '!has(self.tenantId) || has(self.clientId)',
            message:
              "spec.identity.tenantId needs spec.identity.clientId: the operator's own identity always uses its own tenant",
          },
        ],
      },
    ),
  },
  {
    required: ['endpoint'],
    'x-kubernetes-validations': [
      {
        rule: "!has(self.api) || self.api != 'ResourceManager' || has(self.resourceId)",
        message:
          'spec.resourceId is required when spec.api is ResourceManager: the management plane addresses the account by its resource ID',
        fieldPath: '.resourceId',
        reason: 'FieldValueRequired',
      },
    ],
  },
);

export const batchAccountStatusSchema = obj(
  'What the operator last observed about the account. Written only by the operator, through the status subresource.',
  {
    observedGeneration: int64('The metadata.generation this status describes.'),
    conditions: conditions('Conditions of the account, e.g. Ready when the operator can reach it.'),
  },
);

export const batchAccountSchema = obj(
  'BatchAccount (cluster-scoped) names an Azure Batch account that BatchPools in the allowed namespaces may ' +
    'use. Short name ba.',
  {
    apiVersion: str('The versioned schema of this object: batch.pooloperator.dev/v1alpha1.'),
    kind: str('BatchAccount.'),
    // The apiserver owns the metadata schema and refuses anything but a bare type here.
    metadata: { type: 'object' },
    spec: batchAccountSpecSchema,
    status: batchAccountStatusSchema,
  },
  { required: ['spec'] },
);

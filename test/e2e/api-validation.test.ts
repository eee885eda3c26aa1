// The apiserver itself rejects BatchPools and BatchAccounts that Azure would refuse or that could
// never be carried out, each with a message that names the field and the rule. Table-driven: every
// row is one manifest (or one update of an existing object) a user might plausibly write.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, kubectlOk, uniqueNamespace } from '../support/kubectl.ts';
import { account, IMAGE_PREFIX, MANAGED_IMAGE, pool, without } from '../support/e2e/api-manifests.ts';
import { installCrds } from '../support/e2e/install.ts';

interface Rejection {
  name: string;
  manifest: Record<string, unknown>;
  /** Every fragment must appear in kubectl's error: the field, then the words of the rule. */
  expect: string[];
}

const gallery = `${IMAGE_PREFIX}/Microsoft.Compute/galleries/renderGallery/images/ubuntu`;
const imageRule = 'must be the Azure resource ID of a gallery image version';
const natPool = (overrides: Record<string, unknown>) => ({
  name: 'ssh',
  protocol: 'tcp',
  backendPort: 2222,
  frontendPortRangeStart: 15000,
  frontendPortRangeEnd: 15099,
  ...overrides,
});
const withNat = (...pools: Record<string, unknown>[]) => ({
  networkConfiguration: { endpointConfiguration: { inboundNATPools: pools } },
});

const creates: Rejection[] = [
  // image.id shapes
  {
    name: 'image id without the image name',
    manifest: pool('p', { image: { id: `${IMAGE_PREFIX}/Microsoft.Compute/images/` } }),
    expect: ['spec.image.id', imageRule],
  },
  {
    name: 'image id of another provider',
    manifest: pool('p', { image: { id: `${IMAGE_PREFIX}/Microsoft.Storage/images/x` } }),
    expect: ['spec.image.id', imageRule],
  },
  {
    name: 'image id of a virtual machine',
    manifest: pool('p', { image: { id: `${IMAGE_PREFIX}/Microsoft.Compute/virtualMachines/vm1` } }),
    expect: ['spec.image.id', imageRule],
  },
  {
    name: 'a marketplace image URN instead of a resource ID',
    manifest: pool('p', { image: { id: 'Canonical:0001-com-ubuntu-server-jammy:22_04-lts:latest' } }),
    expect: ['spec.image.id', imageRule],
  },
  {
    name: 'image id without the leading slash',
    manifest: pool('p', { image: { id: `${IMAGE_PREFIX.slice(1)}/Microsoft.Compute/images/x` } }),
    expect: ['spec.image.id', imageRule],
  },
  {
    name: 'image id of a gallery, not an image',
    manifest: pool('p', { image: { id: `${IMAGE_PREFIX}/Microsoft.Compute/galleries/renderGallery` } }),
    expect: ['spec.image.id', imageRule],
  },
  {
    name: 'gallery image version not numbered major.minor.patch',
    manifest: pool('p', { image: { id: `${gallery}/versions/1.4` } }),
    expect: ['spec.image.id', 'major.minor.patch'],
  },
  // publishing a managed image, security profiles
  {
    name: 'publishTo for a gallery image, which needs no publishing',
    manifest: pool('p', {
      image: {
        id: `${gallery}/versions/1.4.0`,
        publishTo: {
          gallery: `${IMAGE_PREFIX}/Microsoft.Compute/galleries/g`,
          definition: 'd',
          version: '1.0.0',
        },
      },
    }),
    expect: ['spec.image.publishTo', 'publishes a managed image'],
  },
  {
    name: 'publishTo a gallery named by name, not by resource ID',
    manifest: pool('p', {
      image: { id: MANAGED_IMAGE, publishTo: { gallery: 'g', definition: 'd', version: '1.0.0' } },
    }),
    expect: ['spec.image.publishTo.gallery', 'must be a gallery resource ID'],
  },
  {
    name: 'publishTo a version not numbered major.minor.patch',
    manifest: pool('p', {
      image: {
        id: MANAGED_IMAGE,
        publishTo: {
          gallery: `${IMAGE_PREFIX}/Microsoft.Compute/galleries/g`,
          definition: 'd',
          version: 'latest',
        },
      },
    }),
    expect: ['spec.image.publishTo.version', 'should match'],
  },
  {
    name: 'an unknown security type',
    manifest: pool('p', { securityProfile: { securityType: 'standard' } }),
    expect: ['spec.securityProfile.securityType', 'Unsupported value'],
  },
  {
    name: 'UEFI settings without a security type',
    manifest: pool('p', { securityProfile: { uefiSettings: { secureBootEnabled: false } } }),
    expect: ['spec.securityProfile.uefiSettings', 'needs spec.securityProfile.securityType'],
  },
  // node counts
  {
    name: '2501 dedicated nodes',
    manifest: pool('p', { targetDedicatedNodes: 2501 }),
    expect: ['spec.targetDedicatedNodes', 'less than or equal to 2500'],
  },
  {
    name: '1001 low-priority nodes',
    manifest: pool('p', { targetLowPriorityNodes: 1001 }),
    expect: ['spec.targetLowPriorityNodes', 'less than or equal to 1000'],
  },
  {
    name: 'negative dedicated nodes',
    manifest: pool('p', { targetDedicatedNodes: -1 }),
    expect: ['spec.targetDedicatedNodes', 'greater than or equal to 0'],
  },
  {
    name: 'no target at all',
    manifest: without(pool('p'), 'targetDedicatedNodes'),
    expect: ['spec.targetDedicatedNodes', 'Required value', 'unless spec.targetLowPriorityNodes is above 0'],
  },
  {
    name: 'only a zero low-priority target',
    manifest: pool('p', { targetDedicatedNodes: undefined, targetLowPriorityNodes: 0 }),
    expect: ['spec.targetDedicatedNodes', 'Required value', 'unless spec.targetLowPriorityNodes is above 0'],
  },
  // resizeTimeout
  {
    name: 'resizeTimeout PT4M',
    manifest: pool('p', { resizeTimeout: 'PT4M' }),
    expect: ['spec.resizeTimeout', 'at least 5 minutes (PT5M)'],
  },
  {
    name: 'resizeTimeout PT299S',
    manifest: pool('p', { resizeTimeout: 'PT299S' }),
    expect: ['spec.resizeTimeout', 'at least 5 minutes (PT5M)'],
  },
  {
    name: 'resizeTimeout "20 minutes"',
    manifest: pool('p', { resizeTimeout: '20 minutes' }),
    expect: ['spec.resizeTimeout', 'must be an ISO-8601 duration'],
  },
  {
    name: 'resizeTimeout in .NET TimeSpan form 00:20:00',
    manifest: pool('p', { resizeTimeout: '00:20:00' }),
    expect: ['spec.resizeTimeout', 'must be an ISO-8601 duration'],
  },
  // poolId
  {
    name: 'a 65-character poolId',
    manifest: pool('p', { poolId: 'p'.repeat(65) }),
    expect: ['spec.poolId', 'Too long: may not be more than 64'],
  },
  {
    name: 'a poolId with a space',
    manifest: pool('p', { poolId: 'render farm' }),
    expect: ['spec.poolId', '1 to 64 characters of letters, digits, - and _'],
  },
  {
    name: 'a poolId with a dot',
    manifest: pool('p', { poolId: 'render.farm' }),
    expect: ['spec.poolId', '1 to 64 characters of letters, digits, - and _'],
  },
  {
    name: 'no poolId and a metadata.name with a dot',
    manifest: pool('render.farm'),
    expect: ['spec.poolId', 'metadata.name becomes the Azure pool ID', 'no dots'],
  },
  // enums
  {
    name: 'unknown nodeDeallocationOption',
    manifest: pool('p', { nodeDeallocationOption: 'drain' }),
    expect: ['spec.nodeDeallocationOption', 'Unsupported value: "drain"', '"requeue"'],
  },
  {
    name: 'unknown deletionPolicy',
    manifest: pool('p', { deletionPolicy: 'Orphan' }),
    expect: ['spec.deletionPolicy', 'Unsupported value: "Orphan"', '"Delete", "Retain"'],
  },
  // required fields
  ...['vmSize', 'image', 'nodeAgentSkuId', 'accountRef'].map((field) => ({
    name: `missing ${field}`,
    manifest: without(pool('p'), field),
    expect: [`spec.${field}: Required value`],
  })),
  // other fields
  {
    name: 'a node agent SKU without batch.node.',
    manifest: pool('p', { nodeAgentSkuId: 'ubuntu 22.04' }),
    expect: ['spec.nodeAgentSkuId', 'must start with "batch.node."'],
  },
  {
    name: 'a VM size with spaces',
    manifest: pool('p', { vmSize: 'Standard D4s v5' }),
    expect: ['spec.vmSize', 'must be an Azure VM size name'],
  },
  {
    name: 'a backoff that starts above its maximum',
    manifest: pool('p', { resizeStrategy: { backoff: { initial: '20m' } } }),
    expect: ['spec.resizeStrategy.backoff', '1s <= initial <= max <= 24h'],
  },
  {
    name: 'a backoff in ISO-8601 instead of Go syntax',
    manifest: pool('p', { resizeStrategy: { backoff: { initial: 'PT30S' } } }),
    expect: ['spec.resizeStrategy.backoff', 'must be Go durations'],
  },
  {
    name: '257 task slots per node',
    manifest: pool('p', { taskSlotsPerNode: 257 }),
    expect: ['spec.taskSlotsPerNode', 'less than or equal to 256'],
  },
  {
    name: 'a start-task resource file with two sources',
    manifest: pool('p', {
      startTask: {
        commandLine: 'echo',
        resourceFiles: [{ httpUrl: 'https://x/y', storageContainerUrl: 'https://x', filePath: 'y' }],
      },
    }),
    expect: [
      'spec.startTask.resourceFiles[0]',
      'set exactly one of httpUrl, storageContainerUrl and autoStorageContainerName',
    ],
  },
  {
    name: 'a subnet ID that is a virtual network',
    manifest: pool('p', {
      networkConfiguration: { subnetId: `${IMAGE_PREFIX}/Microsoft.Network/virtualNetworks/vnet` },
    }),
    expect: ['spec.networkConfiguration.subnetId', 'must be a subnet resource ID'],
  },
  {
    name: 'an inbound NAT pool on a port Azure Batch reserves',
    manifest: pool('p', withNat(natPool({ backendPort: 29876 }))),
    expect: ['inboundNATPools[0].backendPort', 'must not be 29876 or 29877'],
  },
  {
    name: 'an inbound NAT pool with fewer than 40 frontend ports',
    manifest: pool('p', withNat(natPool({ frontendPortRangeEnd: 15010 }))),
    expect: ['inboundNATPools[0]', 'must hold at least 40 ports'],
  },
  {
    name: 'overlapping inbound NAT pools',
    manifest: pool(
      'p',
      withNat(
        natPool({}),
        natPool({ name: 'rdp', frontendPortRangeStart: 15050, frontendPortRangeEnd: 15200 }),
      ),
    ),
    expect: ['inboundNATPools', 'frontend port ranges must not overlap'],
  },
  // BatchAccount
  {
    name: 'a BatchAccount with an http endpoint',
    manifest: account('a', { endpoint: 'http://prodbatch.westeurope.batch.azure.com' }),
    expect: ['spec.endpoint', 'must be an https:// URL'],
  },
  {
    name: 'a BatchAccount endpoint that is not a URL',
    manifest: account('a', { endpoint: 'prodbatch.westeurope.batch.azure.com' }),
    expect: ['spec.endpoint', 'must be an https:// URL'],
  },
  {
    name: 'a BatchAccount endpoint with a path',
    manifest: account('a', { endpoint: 'https://prodbatch.westeurope.batch.azure.com/pools' }),
    expect: ['spec.endpoint', 'no path and no query'],
  },
  {
    name: 'a BatchAccount with a clientId that is not a GUID',
    manifest: account('a', { identity: { clientId: 'operator-identity' } }),
    expect: ['spec.identity.clientId', 'must be a GUID'],
  },
  {
    name: 'a BatchAccount allowing "*" and a named namespace',
    manifest: account('a', { allowedNamespaces: ['*', 'vfx'] }),
    expect: ['spec.allowedNamespaces', '"*" (every namespace) must be the only entry'],
  },
  {
    name: 'a BatchAccount allowing an invalid namespace name',
    manifest: account('a', { allowedNamespaces: ['VFX_Team'] }),
    expect: ['spec.allowedNamespaces[0]', 'must be a namespace name'],
  },
  {
    name: 'a BatchAccount location written as a display name',
    manifest: account('a', { location: 'West Europe' }),
    expect: ['spec.location', 'should match'],
  },
  {
    name: 'a BatchAccount without an endpoint',
    manifest: account('a', { endpoint: undefined }),
    expect: ['spec.endpoint: Required value'],
  },
];

interface UpdateRejection {
  name: string;
  /** Which of the existing pools to change. */
  target: 'full' | 'bare';
  patch: { type: 'merge' | 'json'; body: unknown };
  expect: string[];
}

const immutable = (field: string) => [field, 'is immutable', 'create a new BatchPool'];
const updates: UpdateRejection[] = [
  {
    name: 'change accountRef',
    target: 'full',
    patch: { type: 'merge', body: { spec: { accountRef: { name: 'other-account' } } } },
    expect: immutable('spec.accountRef'),
  },
  {
    name: 'change poolId',
    target: 'full',
    patch: { type: 'merge', body: { spec: { poolId: 'renamed' } } },
    expect: immutable('spec.poolId'),
  },
  {
    name: 'remove poolId',
    target: 'full',
    patch: { type: 'json', body: [{ op: 'remove', path: '/spec/poolId' }] },
    expect: ['spec.poolId', 'cannot be added or removed after creation', 'create a new BatchPool'],
  },
  {
    name: 'add poolId',
    target: 'bare',
    patch: { type: 'merge', body: { spec: { poolId: 'bare' } } },
    expect: ['spec.poolId', 'cannot be added or removed after creation', 'create a new BatchPool'],
  },
];

const seen: { name: string; message: string }[] = [];

describe('the apiserver rejects invalid BatchPools and BatchAccounts', () => {
  let ns: string;
  const suffix = randomBytes(3).toString('hex');

  beforeAll(async () => {
    await installCrds();
    ns = await uniqueNamespace('api-invalid');
    await kubectlOk(['apply', '-n', ns, '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          pool('full', {
            poolId: 'full',
            image: { id: `${gallery}/versions/1.4.0` },
            securityProfile: { securityType: 'trustedLaunch' },
            taskSlotsPerNode: 2,
            networkConfiguration: {
              subnetId: `${IMAGE_PREFIX}/Microsoft.Network/virtualNetworks/v/subnets/s`,
            },
          }),
          pool('bare'),
        ],
      }),
    });
  });

  afterAll(() => {
    // For the record (e.g. a report): API_E2E_MESSAGES=path writes every rejection message there.
    const out = process.env.API_E2E_MESSAGES;
    if (out) writeFileSync(out, seen.map((s) => `${s.name}\n  ${s.message}`).join('\n'));
  });

  it('accepts the unchanged base manifests, so each rejection below is due to its one change', async () => {
    for (const m of [pool('p'), account(`a-${suffix}`)]) {
      await kubectlOk(['create', '--dry-run=server', '-n', ns, '-f', '-'], { input: JSON.stringify(m) });
    }
  });

  it.each(creates)('rejects $name', async ({ name, manifest, expect: fragments }) => {
    if (manifest.kind === 'BatchAccount') (manifest.metadata as { name: string }).name = `a-${suffix}`;
    const r = await kubectl(['create', '-n', ns, '-f', '-'], { input: JSON.stringify(manifest) });
    const message = r.stderr.trim();
    seen.push({ name, message });
    expect(r.code, r.stdout).not.toBe(0);
    expect(message).toMatch(/is invalid/);
    for (const f of fragments) expect(message).toContain(f);
  });

  it.each(updates)(
    'rejects an update that would $name',
    async ({ name, target, patch, expect: fragments }) => {
      const r = await kubectl([
        'patch',
        'batchpool',
        target,
        '-n',
        ns,
        '--type',
        patch.type,
        '-p',
        JSON.stringify(patch.body),
      ]);
      const message = r.stderr.trim();
      seen.push({ name: `update: ${name}`, message });
      expect(r.code, r.stdout).not.toBe(0);
      expect(message).toMatch(/is invalid/);
      for (const f of fragments) expect(message).toContain(f);
      expect(
        await kubectlOk(['get', 'batchpool', target, '-n', ns, '-o', 'jsonpath={.metadata.generation}']),
      ).toBe('1');
    },
  );

  it('refuses a misspelt field instead of dropping it and defaulting the real one', async () => {
    // Without kubectl's strict field validation a typo would be pruned in silence and resizeTimeout
    // would quietly default to PT20M.
    const r = await kubectl(['create', '-n', ns, '-f', '-'], {
      input: JSON.stringify(pool('typo', { resizeTimout: 'PT25M' })),
    });
    seen.push({ name: 'a misspelt field (resizeTimout)', message: r.stderr.trim() });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unknown field "spec.resizeTimout"');
  });

  it('accepts changes to what Azure changes on an empty pool (the operator applies them per spec.updateStrategy)', async () => {
    await kubectlOk([
      'patch',
      'batchpool',
      'full',
      '-n',
      ns,
      '--type',
      'merge',
      '-p',
      JSON.stringify({
        spec: {
          vmSize: 'Standard_D8s_v5',
          image: { id: `${gallery}/versions/1.5.0` },
          nodeAgentSkuId: 'batch.node.ubuntu 24.04',
          taskSlotsPerNode: 8,
          securityProfile: { securityType: 'confidentialvm' },
          networkConfiguration: {
            subnetId: `${IMAGE_PREFIX}/Microsoft.Network/virtualNetworks/v/subnets/other`,
          },
          updateStrategy: 'DrainAndUpdate',
        },
      }),
    ]);
    await kubectlOk([
      'patch',
      'batchpool',
      'bare',
      '-n',
      ns,
      '--type',
      'merge',
      '-p',
      JSON.stringify({ spec: { securityProfile: { securityType: 'trustedLaunch' }, taskSlotsPerNode: 2 } }),
    ]);
    expect(
      await kubectlOk(['get', 'batchpool', 'full', '-n', ns, '-o', 'jsonpath={.metadata.generation}']),
    ).toBe('2');
  });

  it('rejects an unknown update strategy or adoption mode, naming the values it takes', async () => {
    for (const [field, value] of [
      ['updateStrategy', 'Rolling'],
      ['adoption', 'Steal'],
    ] as const) {
      const r = await kubectl(['create', '--dry-run=server', '-n', ns, '-f', '-'], {
        input: JSON.stringify(pool('p', { [field]: value })),
      });
      seen.push({ name: `spec.${field}: ${value}`, message: r.stderr.trim() });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`spec.${field}: Unsupported value: "${value}"`);
    }
  });

  it('accepts changes to the fields that may change: the targets, the timeout, the strategy', async () => {
    await kubectlOk([
      'patch',
      'batchpool',
      'full',
      '-n',
      ns,
      '--type',
      'merge',
      '-p',
      JSON.stringify({
        spec: {
          targetDedicatedNodes: 2500,
          targetLowPriorityNodes: 1000,
          resizeTimeout: 'PT1H',
          nodeDeallocationOption: 'retaineddata',
          deletionPolicy: 'Retain',
          resizeStrategy: { maxNodesPerResize: 500, maxAttempts: 10, backoff: { initial: '1m', max: '1h' } },
          metadata: [{ name: 'team', value: 'vfx' }],
        },
      }),
    ]);
    expect(
      await kubectlOk(['get', 'batchpool', 'full', '-n', ns, '-o', 'jsonpath={.metadata.generation}']),
    ).toBe('3');
  });
});

describe('the apiserver accepts the edge cases users may write', () => {
  const accepted: [string, Record<string, unknown>][] = [
    ['resizeTimeout PT5M, the minimum', pool('p', { resizeTimeout: 'PT5M' })],
    ['resizeTimeout PT300S', pool('p', { resizeTimeout: 'PT300S' })],
    ['resizeTimeout PT1H', pool('p', { resizeTimeout: 'PT1H' })],
    ['resizeTimeout P1D', pool('p', { resizeTimeout: 'P1D' })],
    [
      '2500 dedicated and 1000 low-priority nodes',
      pool('p', { targetDedicatedNodes: 2500, targetLowPriorityNodes: 1000 }),
    ],
    ['only low-priority nodes', pool('p', { targetDedicatedNodes: undefined, targetLowPriorityNodes: 4 })],
    ['a pool scaled to zero', pool('p', { targetDedicatedNodes: 0 })],
    [
      'an inbound NAT pool to SSH (port 22 is no longer reserved in 2025-06-01)',
      pool('p', withNat(natPool({ backendPort: 22 }))),
    ],
    ['a 64-character poolId', pool('p', { poolId: `${'p'.repeat(62)}_-` })],
    ['a gallery image version', pool('p', { image: { id: `${gallery}/versions/10.20.30` } })],
    ['a gallery image definition (latest version)', pool('p', { image: { id: gallery } })],
    [
      'an image ID in lower case, as some tools print it',
      pool('p', { image: { id: IMAGE_PREFIX.toLowerCase() + '/microsoft.compute/images/render-ubuntu' } }),
    ],
    ['a BatchAccount on a local simulator', account('a', { endpoint: 'https://127.0.0.1:8443' })],
    ['a BatchAccount for every namespace', account('a', { allowedNamespaces: ['*'] })],
    [
      'a BatchAccount with a workload identity',
      account('a', { identity: { clientId: '6f1c3a4e-0b8d-4c2e-9a7f-1d2e3f4a5b6c' } }),
    ],
  ];
  let ns: string;
  beforeAll(async () => {
    await installCrds();
    ns = await uniqueNamespace('api-valid');
  });
  it.each(accepted)('%s', async (_name, manifest) => {
    await kubectlOk(['create', '--dry-run=server', '-n', ns, '-f', '-'], { input: JSON.stringify(manifest) });
  });
});

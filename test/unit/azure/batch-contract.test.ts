// The contract test of the 2025-06-01 data plane: the adapter runs against the simulator through the real
// client, every request it sends is captured as it left the client, and each is checked against the
// contract (test/contract/azure-batch-2025-06-01.json, Microsoft's Python SDK azure-batch 15.1.0): a
// contract operation for its method and path, api-version 2025-06-01 exactly once, and a body that is the
// operation's model recursively (an unknown property or a wrong JSON type fails, naming the path). What the
// snapshot mapping reads is checked against the BatchPool model the same way. The generated types already
// make a wrong name a compile error; this covers the JSON actually sent and read.

import { ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContract } from '../../../scripts/batch-wire/contract.ts';
import { makeBatchDataPlane, type BatchDataPlane } from '../../../src/azure/batch/adapter.ts';
import type { SentRequest } from '../../../src/azure/batch/client.ts';
import { toSnapshot } from '../../../src/azure/batch/mapping.ts';
import type { BatchPool } from '../../../src/azure/batch/wire.ts';
import { OWNER_METADATA, SecretValues, type CreatePoolParams } from '../../../src/azure/ports.ts';
import { startSimulator, type Simulator } from '../../../src/simulator/index.ts';
import { pathProblem, problems, recordReads } from '../../contract/validate.ts';

const contract = loadContract();

/** The body model of each operation that has one (Python SDK: the operation's body parameter). */
const BODY_MODEL: Record<string, string> = {
  create_pool: 'BatchPoolCreateOptions',
  update_pool: 'BatchPoolUpdateOptions',
  replace_pool_properties: 'BatchPoolReplaceOptions',
  resize_pool_internal: 'BatchPoolResizeOptions',
  remove_nodes_internal: 'BatchNodeRemoveOptions',
  reboot_node_internal: 'BatchNodeRebootOptions',
  reimage_node_internal: 'BatchNodeReimageOptions',
};
/** Operations whose body is optional (the Python SDK sends none without options). */
const OPTIONAL_BODY = new Set(['reboot_node_internal', 'reimage_node_internal']);

const routes = contract.operations.map((o) => ({
  ...o,
  pattern: new RegExp(`^${o.path.replace(/\{\w+\}/g, '[^/]+')}$`),
}));

function operationOf(r: SentRequest): string | undefined {
  const path = new URL(r.url).pathname;
  return routes.find((o) => o.method === r.method && o.pattern.test(path))?.op;
}

/** Everything wrong with one request, against the contract. */
function requestProblems(r: SentRequest): string[] {
  const op = operationOf(r);
  const name = `${r.method} ${new URL(r.url).pathname}`;
  if (!op) return [`${name}: no operation of the contract has this method and path`];
  const out: string[] = [];
  const versions = new URL(r.url).searchParams.getAll('api-version');
  if (versions.length !== 1 || versions[0] !== '2025-06-01')
    out.push(`${name}: api-version ${JSON.stringify(versions)}, expected ["2025-06-01"]`);
  const model = BODY_MODEL[op];
  if (!model) {
    if (r.body !== undefined) out.push(`${name}: ${op} takes no body`);
    return out;
  }
  if (r.body === undefined) {
    if (!OPTIONAL_BODY.has(op)) out.push(`${name}: ${op} needs a ${model} body`);
    return out;
  }
  if (r.headers['content-type'] !== 'application/json; odata=minimalmetadata')
    out.push(`${name}: content-type ${r.headers['content-type']}`);
  return [...out, ...problems(contract, model, JSON.parse(r.body), 'request').map((p) => `${op} ${p}`)];
}

let sim: Simulator;
let batch: BatchDataPlane;
const sent: SentRequest[] = [];

beforeAll(async () => {
  sim = await startSimulator({ timeScale: 600, seed: 11 });
  const i = sim.info;
  const cred = new ClientSecretCredential(i.tenantId, i.clientId, i.clientSecret, {
    authorityHost: i.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: i.caPem },
  });
  batch = makeBatchDataPlane(cred, i.batchUrl, {
    ca: i.caPem,
    retry: { minTimeoutMs: 10, maxTimeoutMs: 50 },
    onRequest: (r) => sent.push(r),
  });
});
afterAll(async () => {
  await sim?.close();
});

const PASSWORD = { name: 'pool-secrets', key: 'render-password' };
const SECRETS = new SecretValues([[PASSWORD, 'not-a-real-password']]);

/** A pool with every pass-through setting the spec has today, so every name the mapping writes is sent. */
function everything(id: string, imageId: string): CreatePoolParams {
  return {
    id,
    vmSize: 'Standard_D4s_v5',
    imageId,
    nodeAgentSkuId: 'batch.node.ubuntu 22.04',
    targetDedicatedNodes: 2,
    targetLowPriorityNodes: 1,
    resizeTimeout: 'PT20M',
    taskSlotsPerNode: 4,
    // The start task runs as this user (Azure requires a user it names to be a pool user account).
    userAccounts: [{ name: 'render', passwordSecretRef: PASSWORD }],
    metadata: [
      { name: OWNER_METADATA.namespace, value: 'vfx' },
      { name: OWNER_METADATA.name, value: id },
      { name: OWNER_METADATA.uid, value: 'uid-1' },
    ],
    startTask: {
      commandLine: '/bin/sh -c "apt-get install -y foo"',
      environmentSettings: [{ name: 'MODE', value: 'render' }],
      resourceFiles: [
        { httpUrl: 'https://acct.blob.core.windows.net/c/setup.sh', filePath: 'setup.sh', fileMode: '0755' },
        { storageContainerUrl: 'https://acct.blob.core.windows.net/assets' },
      ],
      userIdentity: { userName: 'render' },
      maxTaskRetryCount: 2,
      waitForSuccess: true,
    },
    networkConfiguration: {
      subnetId:
        '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/nodes',
      endpointConfiguration: {
        inboundNATPools: [
          {
            name: 'ssh',
            protocol: 'tcp',
            backendPort: 2222,
            frontendPortRangeStart: 40000,
            frontendPortRangeEnd: 40099,
          },
        ],
      },
    },
  };
}

describe('the 2025-06-01 contract', () => {
  it('holds for every request the adapter sends through a pool lifecycle', async () => {
    const imageId = sim.images.createGalleryImageVersion('g', 'contract', '1.0.0');
    const before = sim.requests.cursor();
    sent.length = 0;
    expect(await batch.get('c1')).toBeUndefined();
    await batch.create(everything('c1', imageId), SECRETS);
    await batch.create(
      {
        ...everything('c2', imageId),
        startTask: {
          commandLine: 'true',
          userIdentity: { autoUser: { scope: 'task', elevationLevel: 'nonadmin' } },
        },
      },
      SECRETS,
    );
    await batch.get('c1');
    await batch.stopResize('c1');
    for (;;) {
      const p = await batch.get('c1');
      if (p?.allocationState === 'steady') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const option of ['requeue', 'terminate', 'taskcompletion', 'retaineddata'] as const)
      await batch
        .resize('c1', {
          targetDedicatedNodes: 1,
          targetLowPriorityNodes: 0,
          resizeTimeout: 'PT15M',
          nodeDeallocationOption: option,
        })
        .catch(() => undefined); // a 409 while the previous resize runs is fine: the body was sent
    await batch.delete('c1');
    await batch.delete('c2');

    const ops = new Set(sent.map(operationOf));
    expect(ops).toEqual(
      new Set([
        'get_pool',
        'create_pool',
        'stop_pool_resize_internal',
        'resize_pool_internal',
        'delete_pool_internal',
      ]),
    );
    expect(sent.flatMap(requestProblems)).toEqual([]);
    // The service's side agrees: every Batch request it answered named 2025-06-01.
    const log = sim.requests.list({ since: before, api: 'batch' });
    expect(log.length).toBe(sent.length);
    for (const e of log) expect(new URLSearchParams(e.query).getAll('api-version')).toEqual(['2025-06-01']);
  });

  it("holds for the client's other operations", async () => {
    sent.length = 0;
    const c = batch.client;
    const tries: Promise<unknown>[] = [
      c.updatePool(
        'c9',
        {
          metadata: [{ name: 'k', value: 'v' }],
          startTask: { commandLine: 'true', userIdentity: { username: 'u' } },
        },
        { ifMatch: '0x1' },
      ),
      c.replacePoolProperties('c9', { applicationPackageReferences: [], metadata: [] }),
      c.removeNodes('c9', {
        nodeList: ['tvm-1'],
        nodeDeallocationOption: 'taskcompletion',
        resizeTimeout: 'PT10M',
      }),
      c.rebootNode('c9', 'tvm-1'),
      c.rebootNode('c9', 'tvm-1', { nodeRebootOption: 'requeue' }),
      c.reimageNode('c9', 'tvm-1', { nodeReimageOption: 'terminate' }),
      c.listPools({ filter: "startswith(id,'c')", select: ['id', 'state'], maxResults: 10 }),
      c.poolExists('c9'),
      c.listPoolNodeCounts(),
      c.listNodes('c9', { select: ['id', 'state'] }),
      c.listSupportedImages(),
    ];
    // The simulator does not serve all of these; what matters here is what was sent.
    await Promise.allSettled(tries);
    expect(sent).toHaveLength(tries.length);
    expect(sent.flatMap(requestProblems)).toEqual([]);
  });

  it('holds for every field the snapshot mapping reads, which are fields of BatchPool', async () => {
    const imageId = sim.images.createGalleryImageVersion('g', 'contract-read', '1.0.0');
    sim.faults.failNextResizes('c3', 1, { code: 'AllocationFailed', fraction: 0.5 });
    await batch.create(everything('c3', imageId), SECRETS);
    let pool: BatchPool;
    for (;;) {
      pool = await batch.client.getPool('c3');
      if (pool.allocationState === 'steady') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(pool.resizeErrors?.length).toBeGreaterThan(0);
    const { value, paths } = recordReads(pool);
    const snap = toSnapshot(value);
    expect(snap.resizeErrors[0]?.code).toBe('AllocationFailed');
    expect([...paths].sort()).toEqual(
      expect.arrayContaining([
        'allocationState',
        'allocationStateTransitionTime',
        'currentDedicatedNodes',
        'currentLowPriorityNodes',
        'id',
        'metadata[].name',
        'metadata[].value',
        'resizeErrors[].code',
        'resizeErrors[].message',
        'resizeErrors[].values',
        'state',
        'targetDedicatedNodes',
        'targetLowPriorityNodes',
        'virtualMachineConfiguration.imageReference.virtualMachineImageId',
        'vmSize',
      ]),
    );
    expect([...paths].flatMap((p) => pathProblem(contract, 'BatchPool', p) ?? [])).toEqual([]);
    // And the values read have the contract's types, in the answer the simulator gave.
    const read = Object.fromEntries(
      Object.entries(pool).filter(([k]) =>
        [...paths].some((p) => p === k || p.startsWith(`${k}.`) || p.startsWith(`${k}[]`)),
      ),
    );
    expect(problems(contract, 'BatchPool', read, 'response')).toEqual([]);
  });
});

describe('the contract check itself', () => {
  it('names the path of an unknown property, a wrong type, a read-only field and a missing required one', () => {
    expect(
      problems(
        contract,
        'BatchPoolCreateOptions',
        {
          id: 'p',
          vmSize: 'x',
          targetDedicatedNodes: '3',
          resizeTimeout: '20 minutes',
          virtualMachineConfiguration: {
            imageReference: { virtualMachineImageId: '/x', exactVersion: '1.0.0' },
            nodeAgentSKUId: 'n',
          },
          startTask: { commandLine: 'true', userIdentity: { userName: 'u' } },
          networkConfiguration: { endpointConfiguration: {} },
          targetNodeCommunicationMode: 'simplified',
        },
        'request',
      ),
    ).toEqual([
      'targetDedicatedNodes: expected an integer, got string "3"',
      'resizeTimeout: expected an ISO 8601 duration, got string "20 minutes"',
      'virtualMachineConfiguration.imageReference.exactVersion: BatchVmImageReference.exactVersion is read-only',
      'startTask.userIdentity.userName: UserIdentity has no property "userName"',
      'networkConfiguration.endpointConfiguration.inboundNATPools: BatchPoolEndpointConfiguration requires inboundNATPools',
      'targetNodeCommunicationMode: BatchPoolCreateOptions has no property "targetNodeCommunicationMode"',
    ]);
    expect(
      problems(contract, 'BatchPoolResizeOptions', { nodeDeallocationOption: 'Requeue' }, 'request'),
    ).toEqual([
      'nodeDeallocationOption: "Requeue" is not a BatchNodeDeallocationOption (requeue, terminate, taskcompletion, retaineddata)',
    ]);
  });

  it('lets a response carry OData annotations, omit what $select left out and use enum values added later', () => {
    expect(
      problems(
        contract,
        'BatchPoolListResult',
        {
          'odata.metadata': 'https://a/$metadata#pools',
          value: [
            {
              id: 'p',
              state: 'upgrading',
              stats: {
                url: 'u',
                startTime: '2026-01-01T00:00:00Z',
                lastUpdateTime: '2026-01-01T00:00:00.1234567Z',
                resourceStats: { diskReadIOps: '12' },
              },
            },
          ],
          'odata.nextLink': 'https://a/pools?$skiptoken=p',
        },
        'response',
      ),
    ).toEqual([]);
    expect(pathProblem(contract, 'BatchPool', 'resizeErrors[].values[].name')).toBeUndefined();
    expect(pathProblem(contract, 'BatchPool', 'targetNodeCommunicationMode')).toMatch(/no property/);
    expect(pathProblem(contract, 'BatchPool', 'vmSize[]')).toMatch(/not a list/);
  });
});

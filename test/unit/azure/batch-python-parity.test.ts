// Our client and Microsoft's Python SDK azure-batch 15.1.0, call for call: the Python side is a recording of
// what the SDK sent to a local stub (test/contract/azure-batch-py-15.1.0-requests.json, made by
// test/contract/capture-azure-batch-py.py); the same calls with the same inputs go from our client to a stub
// here, and method, path and query, headers and body must match. Allowed differences, each the transport's
// and not the SDK's: requests adds `Accept: */*` where the SDK sets no Accept, and writes JSON with spaces,
// so a body's Content-Length differs.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchClient } from '../../../src/azure/batch/client.ts';
import { startHttpsStub, stubCredential, type Arrived, type HttpsStub } from './support/https-stub.ts';

interface Recorded {
  method: string;
  url: string;
  headers: Record<string, string>;
  clientRequestId: boolean;
  body?: unknown;
}

const recording = JSON.parse(
  readFileSync(
    join(import.meta.dirname, '..', '..', 'contract', 'azure-batch-py-15.1.0-requests.json'),
    'utf8',
  ),
) as { sdk: string; calls: { call: string; requests: Recorded[] }[] };

/** The same calls capture-azure-batch-py.py makes, with the same inputs (durations as Python writes them). */
const CALLS: Record<string, (c: BatchClient) => Promise<unknown>> = {
  createPool: (c) =>
    c.createPool({
      id: 'p',
      vmSize: 'Standard_D4s_v5',
      virtualMachineConfiguration: {
        imageReference: { virtualMachineImageId: '/subscriptions/s/x' },
        nodeAgentSKUId: 'batch.node.ubuntu 22.04',
        securityProfile: {
          securityType: 'trustedLaunch',
          uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
        },
      },
      targetDedicatedNodes: 2,
      targetLowPriorityNodes: 0,
      resizeTimeout: 'PT20M00S',
      startTask: { commandLine: 'true', userIdentity: { username: 'u' } },
      metadata: [{ name: 'k', value: 'v' }],
    }),
  getPool: (c) => c.getPool('p 1', { select: ['id', 'state'], expand: ['stats'] }),
  listPools: (c) => c.listPools({ filter: "startswith(id,'op-')", select: ['id', 'state'], maxResults: 5 }),
  poolExists: (c) => c.poolExists('p'),
  updatePool: (c) =>
    c.updatePool(
      'p',
      { metadata: [{ name: 'k', value: 'v' }] },
      { ifMatch: '0x8D1', ocpDate: new Date('2026-12-01T10:00:00Z'), serviceTimeoutSeconds: 30 },
    ),
  replacePoolProperties: (c) =>
    c.replacePoolProperties('p', { applicationPackageReferences: [], metadata: [] }),
  resizePool: (c) =>
    c.resizePool(
      'p',
      {
        targetDedicatedNodes: 3,
        targetLowPriorityNodes: 0,
        resizeTimeout: 'PT15M00S',
        nodeDeallocationOption: 'taskcompletion',
      },
      { ifMatch: '0x8D2' },
    ),
  stopPoolResize: (c) => c.stopPoolResize('p'),
  deletePool: (c) => c.deletePool('p'),
  removeNodes: (c) => c.removeNodes('p', { nodeList: ['tvm-1'], nodeDeallocationOption: 'requeue' }),
  rebootNode: (c) => c.rebootNode('p', 'tvm-1', { nodeRebootOption: 'requeue' }),
  reimageNode: (c) => c.reimageNode('p', 'tvm-1', { nodeReimageOption: 'terminate' }),
  listPoolNodeCounts: (c) => c.listPoolNodeCounts({ filter: "poolId eq 'p'", maxResults: 10 }),
  listNodes: (c) => c.listNodes('p', { filter: "state eq 'idle'", select: ['id', 'state'] }),
  listSupportedImages: (c) => c.listSupportedImages({ filter: "osType eq 'linux'" }),
};

const VOLATILE = new Set([
  'authorization',
  'host',
  'user-agent',
  'client-request-id',
  'connection',
  'accept-encoding',
]);

/** A request reduced to what both sides must agree on. */
function comparable(r: Recorded): Recorded {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) {
    if (k === 'accept' && v === '*/*') continue; // requests' default, not the SDK's
    if (k === 'content-length' && v !== '0') continue; // JSON spacing differs
    headers[k] = v;
  }
  return { ...r, headers };
}

function fromStub(a: Arrived): Recorded {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(a.headers))
    if (!VOLATILE.has(k) && typeof v === 'string') headers[k] = v;
  return {
    method: a.method,
    url: a.url,
    headers: Object.fromEntries(Object.entries(headers).sort(([x], [y]) => (x < y ? -1 : 1))),
    clientRequestId: typeof a.headers['client-request-id'] === 'string',
    ...(a.body && { body: JSON.parse(a.body) as unknown }),
  };
}

let stub: HttpsStub;

beforeAll(async () => {
  stub = await startHttpsStub();
  stub.answer = (a) => {
    const path = a.url.split('?')[0]!;
    if (a.method === 'GET') return { status: 200, body: { id: 'p', value: [] } };
    if (a.method === 'POST' && path === '/pools') return { status: 201 };
    if (path.endsWith('/updateproperties')) return { status: 204 };
    return { status: a.method === 'POST' || a.method === 'DELETE' ? 202 : 200 };
  };
});
afterAll(async () => {
  await stub.close();
});

describe(`our client sends what ${recording.sdk} sends`, () => {
  it('covers every call of the recording', () => {
    expect(Object.keys(CALLS).sort()).toEqual(recording.calls.map((c) => c.call).sort());
  });

  for (const { call, requests } of recording.calls) {
    it(call, async () => {
      const c = new BatchClient(stub.endpoint, stubCredential(), { ca: stub.ca });
      stub.arrived = [];
      await CALLS[call]!(c);
      expect(stub.arrived.map(fromStub).map(comparable)).toEqual(requests.map(comparable));
    });
  }
});

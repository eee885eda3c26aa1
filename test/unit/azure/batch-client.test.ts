// The 2025-06-01 client on the wire, against a bare HTTPS stub that records what arrives and answers as told:
// for each operation the method, path, query, headers and body the Python SDK azure-batch 15.1.0 sends
// (azure/batch/_operations/_operations.py), the status codes it accepts, paging, and how a refusal becomes
// the project's error. The simulator does not serve node counts, nodes or supported images; the stub does.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BATCH_SCOPE,
  BatchClient,
  allItems,
  quote,
  type SentRequest,
} from '../../../src/azure/batch/client.ts';
import { azureFailure } from '../../../src/azure/errors.ts';
import {
  startHttpsStub,
  stubCredential,
  type Answer,
  type Arrived,
  type HttpsStub,
} from './support/https-stub.ts';

let stub: HttpsStub;
let endpoint: string;
let ca: string;
let arrived: Arrived[] = [];
const credential = stubCredential();
const scopes = credential.scopes;

beforeAll(async () => {
  stub = await startHttpsStub();
  ({ endpoint, ca } = stub);
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => {
  stub.arrived = arrived = [];
  stub.answer = () => ({ status: 200 });
});

function client(onRequest?: (r: SentRequest) => void): BatchClient {
  return new BatchClient(`${endpoint}/`, credential, { ca, ...(onRequest && { onRequest }) });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const JSON_BODY = 'application/json; odata=minimalmetadata';

function only(): Arrived {
  expect(arrived).toHaveLength(1);
  return arrived[0]!;
}

describe('BatchClient requests', () => {
  it('creates a pool: POST /pools, odata content type, no accept, a client-request-id, answer 201', async () => {
    stub.answer = () => ({
      status: 201,
      headers: { etag: '0x1', 'last-modified': 'Tue, 01 Dec 2026 00:00:00 GMT' },
    });
    const result = await client().createPool({
      id: 'p',
      vmSize: 'Standard_D4s_v5',
      virtualMachineConfiguration: {
        imageReference: { virtualMachineImageId: '/subscriptions/s/x' },
        nodeAgentSKUId: 'batch.node.ubuntu 22.04',
      },
    });
    const a = only();
    expect(a.method).toBe('POST');
    expect(a.url).toBe('/pools?api-version=2025-06-01');
    expect(a.headers['content-type']).toBe(JSON_BODY);
    expect(a.headers.accept).toBeUndefined();
    expect(a.headers['client-request-id']).toMatch(UUID);
    expect(a.headers['x-ms-client-request-id']).toBeUndefined();
    expect(a.headers['ocp-date']).toBeUndefined();
    expect(a.headers.authorization).toBe('Bearer stub-token');
    expect(JSON.parse(a.body)).toMatchObject({
      id: 'p',
      virtualMachineConfiguration: { nodeAgentSKUId: 'batch.node.ubuntu 22.04' },
    });
    expect(result).toEqual({
      eTag: '0x1',
      lastModified: 'Tue, 01 Dec 2026 00:00:00 GMT',
      requestId: 'rid-1',
    });
    expect(scopes.at(-1)).toEqual([BATCH_SCOPE]);
  });

  it('gets a pool with $select and $expand as comma lists, accept application/json', async () => {
    stub.answer = () => ({ status: 200, body: { id: 'p', state: 'active' } });
    const pool = await client().getPool('p 1', { select: ['id', 'state'], expand: ['stats'] });
    const a = only();
    expect(a.method).toBe('GET');
    expect(a.url).toBe('/pools/p%201?api-version=2025-06-01&$select=id,state&$expand=stats');
    expect(a.headers.accept).toBe('application/json');
    expect(a.headers['content-type']).toBeUndefined();
    expect(pool).toEqual({ id: 'p', state: 'active' });
  });

  it('sends the conditional headers, ocp-date, timeOut and a given client-request-id only when asked', async () => {
    stub.answer = () => ({ status: 200 });
    const since = new Date('2026-12-01T10:00:00Z');
    await client().updatePool(
      'p',
      { metadata: [{ name: 'a', value: 'b' }] },
      {
        ifMatch: '0x8D1',
        ifNoneMatch: '*',
        ifUnmodifiedSince: since,
        ocpDate: since,
        clientRequestId: '9c4d50ee-2d56-4cd3-8152-34347dc9f2b0',
        serviceTimeoutSeconds: 30,
      },
    );
    const a = only();
    expect(a.method).toBe('PATCH');
    expect(a.url).toBe('/pools/p?api-version=2025-06-01&timeOut=30');
    expect(a.headers).toMatchObject({
      'if-match': '"0x8D1"',
      'if-none-match': '*',
      'if-unmodified-since': 'Tue, 01 Dec 2026 10:00:00 GMT',
      'ocp-date': 'Tue, 01 Dec 2026 10:00:00 GMT',
      'client-request-id': '9c4d50ee-2d56-4cd3-8152-34347dc9f2b0',
      'content-type': JSON_BODY,
    });
    expect(JSON.parse(a.body)).toEqual({ metadata: [{ name: 'a', value: 'b' }] });
  });

  it('sends each pool write to its path and accepts only its status code', async () => {
    const c = client();
    const cases: [() => Promise<unknown>, string, string, number][] = [
      [() => c.resizePool('p', { targetDedicatedNodes: 3 }), 'POST', '/pools/p/resize', 202],
      [() => c.stopPoolResize('p'), 'POST', '/pools/p/stopresize', 202],
      [() => c.deletePool('p'), 'DELETE', '/pools/p', 202],
      [
        () => c.replacePoolProperties('p', { applicationPackageReferences: [], metadata: [] }),
        'POST',
        '/pools/p/updateproperties',
        204,
      ],
      [() => c.removeNodes('p', { nodeList: ['n1'] }), 'POST', '/pools/p/removenodes', 202],
    ];
    for (const [call, method, path, status] of cases) {
      stub.arrived = arrived = [];
      stub.answer = () => ({ status });
      await call();
      expect(only()).toMatchObject({ method, url: `${path}?api-version=2025-06-01` });
      stub.arrived = arrived = [];
      stub.answer = () => ({ status: status === 204 ? 202 : 204 });
      const err = await call().catch((e: unknown) => e);
      expect(azureFailure(err, Date.now())).toMatchObject({ kind: 'terminal' });
    }
  });

  it('sends body-less POST and DELETE with Content-Length: 0 and no content type, ETags quoted', async () => {
    stub.answer = () => ({ status: 202 });
    await client().stopPoolResize('p', { ifMatch: '0x2' });
    await client().deletePool('p', { ifMatch: '"0x3"' });
    expect(
      arrived.map((a) => [
        a.method,
        a.body,
        a.headers['content-type'],
        a.headers['content-length'],
        a.headers['if-match'],
      ]),
    ).toEqual([
      ['POST', '', undefined, '0', '"0x2"'],
      ['DELETE', '', undefined, '0', '"0x3"'],
    ]);
  });

  it('answers pool exists from HEAD: 200 true, 404 false', async () => {
    stub.answer = () => ({ status: 200 });
    expect(await client().poolExists('p')).toBe(true);
    stub.answer = () => ({ status: 404 });
    expect(await client().poolExists('p')).toBe(false);
    expect(arrived.map((a) => `${a.method} ${a.url}`)).toEqual([
      'HEAD /pools/p?api-version=2025-06-01',
      'HEAD /pools/p?api-version=2025-06-01',
    ]);
  });

  it('reboots and reimages a node with a body only when options are given', async () => {
    stub.answer = () => ({ status: 202 });
    const c = client();
    await c.rebootNode('p', 'tvm-1');
    await c.rebootNode('p', 'tvm-1', { nodeRebootOption: 'taskcompletion' });
    await c.reimageNode('p', 'tvm-1', { nodeReimageOption: 'requeue' });
    await c.reimageNode('p', 'tvm-1');
    expect(arrived.map((a) => [a.method, a.url, a.headers['content-type'], a.body])).toEqual([
      ['POST', '/pools/p/nodes/tvm-1/reboot?api-version=2025-06-01', undefined, ''],
      [
        'POST',
        '/pools/p/nodes/tvm-1/reboot?api-version=2025-06-01',
        JSON_BODY,
        '{"nodeRebootOption":"taskcompletion"}',
      ],
      [
        'POST',
        '/pools/p/nodes/tvm-1/reimage?api-version=2025-06-01',
        JSON_BODY,
        '{"nodeReimageOption":"requeue"}',
      ],
      ['POST', '/pools/p/nodes/tvm-1/reimage?api-version=2025-06-01', undefined, ''],
    ]);
  });

  it('lists node counts, nodes and supported images with their query names', async () => {
    stub.answer = (a) =>
      a.url.startsWith('/nodecounts')
        ? { status: 200, body: { value: [{ poolId: 'p' }] } }
        : a.url.startsWith('/supportedimages')
          ? { status: 200, body: { value: [{ nodeAgentSKUId: 'batch.node.ubuntu 22.04' }] } }
          : { status: 200, body: { value: [{ id: 'tvm-1', state: 'idle' }] } };
    const c = client();
    expect((await c.listPoolNodeCounts({ filter: "poolId eq 'p'", maxResults: 10 })).value).toEqual([
      { poolId: 'p' },
    ]);
    expect(
      (await c.listNodes('p', { filter: "state eq 'idle'", select: ['id', 'state'] })).value,
    ).toHaveLength(1);
    expect((await c.listSupportedImages({ filter: "osType eq 'linux'" })).value).toHaveLength(1);
    expect(arrived.map((a) => a.url)).toEqual([
      '/nodecounts?api-version=2025-06-01&maxresults=10&$filter=poolId%20eq%20%27p%27',
      '/pools/p/nodes?api-version=2025-06-01&$filter=state%20eq%20%27idle%27&$select=id,state',
      '/supportedimages?api-version=2025-06-01&$filter=osType%20eq%20%27linux%27',
    ]);
    expect(arrived.every((a) => a.headers.accept === 'application/json')).toBe(true);
  });

  it('encodes like the Python SDK (quote with safe=""), sub-delimiters included', () => {
    expect(quote("startswith(id,'op-')")).toBe('startswith%28id%2C%27op-%27%29');
    expect(quote('a b/c*!~._-')).toBe('a%20b%2Fc%2A%21~._-');
  });

  it("follows odata.nextLink on the account's origin with our api-version, and refuses any other host", async () => {
    stub.answer = (a) =>
      a.url.includes('$skiptoken')
        ? { status: 200, body: { value: [{ id: 'b' }] } }
        : {
            status: 200,
            body: {
              value: [{ id: 'a' }],
              'odata.nextLink': `${endpoint}/pools?api-version=2022-10-01.16.0&maxresults=1&$skiptoken=a%2Fb`,
            },
          };
    const c = client();
    const ids: string[] = [];
    for await (const p of allItems((nextLink) =>
      c.listPools({ maxResults: 1, ...(nextLink && { nextLink }) }),
    ))
      ids.push(p.id);
    expect(ids).toEqual(['a', 'b']);
    expect(arrived.map((a) => a.url)).toEqual([
      '/pools?api-version=2025-06-01&maxresults=1',
      '/pools?api-version=2025-06-01&maxresults=1&$skiptoken=a%2Fb',
    ]);
    await expect(c.listPools({ nextLink: 'https://elsewhere.example/pools?x=1' })).rejects.toThrow(
      /refusing to follow a next link/,
    );
    expect(arrived).toHaveLength(2);
  });

  it('tells onRequest what was sent, without the token', async () => {
    const seen: SentRequest[] = [];
    stub.answer = () => ({ status: 202 });
    await client((r) => seen.push(r)).resizePool('p', { targetDedicatedNodes: 1 });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: `${endpoint}/pools/p/resize?api-version=2025-06-01`,
      body: '{"targetDedicatedNodes":1}',
    });
    expect(seen[0]!.headers['content-type']).toBe(JSON_BODY);
    expect(JSON.stringify(seen)).not.toContain('stub-token');
  });
});

describe('BatchClient errors', () => {
  const batchBody = (code: string, value: string, values?: { key: string; value: string }[]) => ({
    'odata.metadata': `${endpoint}/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element`,
    code,
    message: { lang: 'en-US', value: `${value}\nRequestId:rid-1\nTime:2026-12-01T00:00:00.0000000Z` },
    ...(values && { values }),
  });

  it('turns a Batch error body into a RestError that errors.ts reads: status, code, message and detail', async () => {
    stub.answer = () => ({
      status: 400,
      body: batchBody(
        'InvalidPropertyValue',
        'The value provided for one of the properties in the request body is invalid.',
        [
          { key: 'PropertyName', value: 'virtualMachineImageId' },
          {
            key: 'PropertyValue',
            value: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/x',
          },
          { key: 'Reason', value: 'Managed images are not supported.' },
        ],
      ),
    });
    const err = await client()
      .createPool({ id: 'p', vmSize: 'x' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'RestError', statusCode: 400, code: 'InvalidPropertyValue' });
    expect((err as Error).message).toMatch(/^The value provided .* is invalid\.\nRequestId:rid-1/);
    expect(azureFailure(err, Date.now())).toEqual({
      kind: 'terminal',
      status: 400,
      code: 'InvalidPropertyValue',
      message:
        'The value provided for one of the properties in the request body is invalid. ' +
        '(PropertyName=virtualMachineImageId, Reason=Managed images are not supported.)',
    });
  });

  it('sorts 404, 409 and 412 and keeps Retry-After on 429 and 503', async () => {
    const now = Date.now();
    const c = client();
    const fail = async (a: Answer) => {
      stub.answer = () => a;
      return azureFailure(await c.getPool('p').catch((e: unknown) => e), now);
    };
    expect(
      await fail({ status: 404, body: batchBody('PoolNotFound', 'The specified pool does not exist.') }),
    ).toMatchObject({
      kind: 'not-found',
      code: 'PoolNotFound',
      message: 'The specified pool does not exist.',
    });
    expect(
      await fail({
        status: 409,
        body: batchBody('PoolBeingDeleted', 'The specified pool has been marked for deletion.'),
      }),
    ).toMatchObject({
      kind: 'conflict',
      code: 'PoolBeingDeleted',
    });
    expect(
      await fail({ status: 412, body: batchBody('ConditionNotMet', 'The condition specified was not met.') }),
    ).toMatchObject({
      kind: 'conflict',
    });
    expect(
      await fail({
        status: 429,
        headers: { 'retry-after': '7' },
        body: batchBody('TooManyRequests', 'Slow down.'),
      }),
    ).toMatchObject({ kind: 'transient', status: 429, retryAfterMs: 7000 });
    expect(await fail({ status: 503, headers: { 'retry-after': '2' } })).toMatchObject({
      kind: 'transient',
      status: 503,
      retryAfterMs: 2000,
    });
    expect(
      await fail({ status: 409, body: batchBody('PoolQuotaReached', 'The pool quota was reached.') }),
    ).toMatchObject({
      kind: 'quota',
    });
  });

  it('does not retry: one 503 is one request (retries are the adapter’s)', async () => {
    stub.answer = () => ({ status: 503, headers: { 'retry-after': '0' } });
    await expect(client().getPool('p')).rejects.toMatchObject({ statusCode: 503 });
    expect(arrived).toHaveLength(1);
  });

  it('takes a refused connection as unreachable', async () => {
    const c = new BatchClient('https://127.0.0.1:1', credential, { ca });
    const err = await c.getPool('p').catch((e: unknown) => e);
    expect(azureFailure(err, Date.now()).kind).toBe('unreachable');
  });
});

import { createRestError, type PathUncheckedResponse } from '@azure-rest/core-client';
import { RestError as CoreRestError, createHttpHeaders } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { azureFailure, retryAfterMs } from '../../../src/azure/errors.ts';
import { describe as describeError } from '../../../src/errors.ts';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const classify = (e: unknown) => azureFailure(e, NOW);

/** A failed call as our core-client-based clients throw it: createRestError, the parsed body on `details`. */
function restError(status: number, body: unknown, headers: Record<string, string> = {}) {
  const response: PathUncheckedResponse = { status: String(status), headers, body, request: {} as never };
  const e = createRestError(response);
  e.details = body;
  return e;
}

function batchError(status: number, code: string, headers: Record<string, string> = {}) {
  return restError(
    status,
    { code, message: { lang: 'en-US', value: `${code} happened.\nRequestId:abc\nTime:2026` } },
    headers,
  );
}

describe('classify', () => {
  it.each([
    [404, 'PoolNotFound', 'not-found'],
    [409, 'PoolExists', 'conflict'],
    [409, 'OperationInvalidForCurrentState', 'conflict'],
    [412, 'ConditionNotMet', 'conflict'],
    [409, 'PoolQuotaReached', 'quota'],
    [429, 'TooManyRequests', 'transient'],
    [503, 'ServerBusy', 'transient'],
    [500, 'InternalError', 'transient'],
    [408, 'OperationTimedOut', 'transient'],
    [400, 'InvalidPropertyValue', 'terminal'],
    [403, 'Forbidden', 'terminal'],
    [501, 'NotImplemented', 'terminal'],
  ])('Batch %d %s → %s', (status, code, kind) => {
    const c = classify(batchError(status, code));
    expect(c).toMatchObject({ kind, status, code });
    expect(c.message).toBe(`${code} happened.`);
  });

  it('reads Retry-After from a throttled Batch call', () => {
    expect(classify(batchError(429, 'TooManyRequests', { 'retry-after': '3' })).retryAfterMs).toBe(3000);
    expect(classify(batchError(503, 'ServerBusy', { 'retry-after': '1' })).retryAfterMs).toBe(1000);
    expect(classify(batchError(500, 'X', { 'retry-after': '1' })).retryAfterMs).toBeUndefined();
  });

  it('classifies ARM (core-rest-pipeline) errors', () => {
    const e = new CoreRestError("The Resource 'Microsoft.Compute/images/x' was not found.", {
      statusCode: 404,
      code: 'ResourceNotFound',
    });
    expect(classify(e)).toMatchObject({ kind: 'not-found', code: 'ResourceNotFound' });
    const t = new CoreRestError('slow down', {
      statusCode: 429,
      response: {
        headers: createHttpHeaders({ 'retry-after-ms': '1500' }),
        status: 429,
        request: {} as never,
      },
    });
    expect(classify(t)).toMatchObject({ kind: 'transient', retryAfterMs: 1500 });
  });

  it('takes dropped connections, timeouts and unreachable token endpoints as unreachable', () => {
    expect(classify(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).kind).toBe(
      'unreachable',
    );
    expect(classify(new CoreRestError('send failed', { code: 'REQUEST_SEND_ERROR' })).kind).toBe(
      'unreachable',
    );
    expect(classify(new CoreRestError('aborted', { code: 'REQUEST_ABORTED_ERROR' })).kind).toBe(
      'unreachable',
    );
    expect(classify(Object.assign(new Error('t'), { name: 'TimeoutError' })).kind).toBe('unreachable');
    expect(classify(Object.assign(new Error('x'), { name: 'CredentialUnavailableError' })).kind).toBe(
      'unreachable',
    );
    expect(classify(Object.assign(new Error('AADSTS7000215'), { name: 'AuthenticationError' })).kind).toBe(
      'terminal',
    );
    expect(classify(new Error('a bug')).kind).toBe('terminal');
  });
});

describe('classify: why Azure refused', () => {
  // A Batch 400 as the service sends it (reference: observed-service-responses.json), thrown by our client.
  function invalidImage(reason: string) {
    const value =
      'The value provided for one of the properties in the request body is invalid.\nRequestId:525a\nTime:2022';
    return restError(400, {
      'odata.metadata':
        'https://acct.westeurope.batch.azure.com/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element',
      code: 'InvalidPropertyValue',
      message: { lang: 'en-US', value },
      values: [
        { key: 'PropertyName', value: 'virtualMachineImageId' },
        {
          key: 'PropertyValue',
          value: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/def',
        },
        { key: 'Reason', value: reason },
      ],
    });
  }

  it("appends a Batch error's values (PropertyName, Reason) to its first line, without the value sent", () => {
    const c = classify(
      invalidImage('The specified image does not exist or the Batch service cannot access it.'),
    );
    expect(c).toMatchObject({ kind: 'terminal', status: 400, code: 'InvalidPropertyValue' });
    expect(c.message).toBe(
      'The value provided for one of the properties in the request body is invalid. ' +
        '(PropertyName=virtualMachineImageId, Reason=The specified image does not exist or the Batch service cannot access it.)',
    );
    expect(describeError(c)).toMatch(
      /^400 InvalidPropertyValue The value provided .* \(PropertyName=virtualMachineImageId, Reason=/,
    );
  });

  it('bounds a long reason and never carries a token', () => {
    const c = classify(invalidImage(`${'x'.repeat(2000)} Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln`));
    expect(c.message.length).toBeLessThan(900);
    expect(c.message).toContain('(PropertyName=virtualMachineImageId, Reason=xxx');
    expect(c.message).toContain('…');
    const t = classify(invalidImage('token Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln was refused'));
    expect(t.message).not.toMatch(/eyJ/);
    expect(t.message).toContain('Reason=token Bearer [redacted] was refused');
  });

  it("appends ARM's error.details", () => {
    const e = restError(400, {
      error: {
        code: 'InvalidParameter',
        message: 'The template deployment failed.',
        details: [
          { code: 'GalleryImageVersionNotFound', target: 'imageReference', message: 'No version found.' },
        ],
      },
    });
    expect(classify(e).message).toBe(
      'The template deployment failed. (GalleryImageVersionNotFound (imageReference): No version found.)',
    );
  });

  it('leaves a message without details as it was', () => {
    expect(classify(batchError(404, 'PoolNotFound')).message).toBe('PoolNotFound happened.');
  });
});

describe('retryAfterMs', () => {
  it('parses seconds, HTTP dates and the millisecond headers', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs({ 'retry-after': '2' }, now)).toBe(2000);
    expect(retryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }, now)).toBe(5000);
    expect(retryAfterMs({ 'x-ms-retry-after-ms': '250' }, now)).toBe(250);
    expect(retryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

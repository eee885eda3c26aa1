import { RestError as MsRestError } from '@azure/ms-rest-js';
import { RestError as CoreRestError, createHttpHeaders } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { classify, retryAfterMs } from '../../../src/azure/errors.ts';

function batchError(status: number, code: string, headers: Record<string, string> = {}) {
  const e = new MsRestError('x', code, status) as MsRestError & { body: unknown; message: unknown };
  e.body = { code, message: { lang: 'en-US', value: `${code} happened.\nRequestId:abc\nTime:2026` } };
  // ms-rest-js puts the {lang, value} object on `message`
  (e as { message: unknown }).message = { lang: 'en-US', value: `${code} happened.\nRequestId:abc` };
  (e as { response: unknown }).response = { headers: { get: (n: string) => headers[n] } };
  return e;
}

describe('classify', () => {
  it.each([
    [404, 'PoolNotFound', 'not-found'],
    [409, 'PoolExists', 'conflict'],
    [409, 'OperationInvalidForCurrentState', 'conflict'],
    [412, 'ConditionNotMet', 'conflict'],
    [429, 'TooManyRequests', 'retryable'],
    [503, 'ServerBusy', 'retryable'],
    [500, 'InternalError', 'retryable'],
    [408, 'OperationTimedOut', 'retryable'],
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
    expect(classify(t)).toMatchObject({ kind: 'retryable', retryAfterMs: 1500 });
  });

  it('treats dropped connections, timeouts and unreachable token endpoints as retryable', () => {
    expect(classify(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).kind).toBe(
      'retryable',
    );
    expect(classify(new CoreRestError('send failed', { code: 'REQUEST_SEND_ERROR' })).kind).toBe('retryable');
    expect(classify(new MsRestError('aborted', 'REQUEST_ABORTED_ERROR')).kind).toBe('retryable');
    expect(classify(Object.assign(new Error('t'), { name: 'TimeoutError' })).kind).toBe('retryable');
    expect(classify(Object.assign(new Error('x'), { name: 'CredentialUnavailableError' })).kind).toBe(
      'retryable',
    );
    expect(classify(Object.assign(new Error('AADSTS7000215'), { name: 'AuthenticationError' })).kind).toBe(
      'terminal',
    );
    expect(classify(new Error('a bug')).kind).toBe('terminal');
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

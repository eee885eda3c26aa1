// Clients built on @azure-rest/core-client throw createRestError's RestError, which keeps no body; the
// parsed error goes on `details` (our Batch client, @azure/arm-compute, @azure/batch 13). azureFailure reads
// the first line and the detail from there.

import { createRestError, type PathUncheckedResponse } from '@azure-rest/core-client';
import { describe, expect, it } from 'vitest';
import { azureFailure } from '../../../src/azure/errors.ts';

const NOW = Date.parse('2026-12-01T00:00:00Z');

function response(status: number, body: unknown): PathUncheckedResponse {
  return { status: String(status), headers: {}, body, request: {} as never };
}

describe('azureFailure of a core-client RestError', () => {
  it('reads a Batch error from details, as @azure/batch 13 throws it (message still the {lang, value} object)', () => {
    const body = {
      code: 'InvalidPropertyValue',
      message: {
        lang: 'en-US',
        value: 'The value provided for one of the properties in the request body is invalid.\nRequestId:r',
      },
      values: [
        { key: 'PropertyName', value: 'securityProfile' },
        { key: 'Reason', value: 'The image requires Trusted Launch.' },
      ],
    };
    const err = createRestError(response(400, body));
    err.details = body;
    expect(azureFailure(err, NOW)).toEqual({
      kind: 'terminal',
      status: 400,
      code: 'InvalidPropertyValue',
      message:
        'The value provided for one of the properties in the request body is invalid. ' +
        '(PropertyName=securityProfile, Reason=The image requires Trusted Launch.)',
    });
  });

  it("reads ARM's error.details from details, as @azure/arm-compute throws it", () => {
    const body = {
      error: {
        code: 'InvalidParameter',
        message: 'The template deployment failed.',
        details: [
          { code: 'GalleryImageVersionNotFound', target: 'imageReference', message: 'No version found.' },
        ],
      },
    };
    const err = createRestError(response(400, body));
    err.details = body;
    expect(azureFailure(err, NOW)).toMatchObject({
      code: 'InvalidParameter',
      message:
        'The template deployment failed. (GalleryImageVersionNotFound (imageReference): No version found.)',
    });
  });
});

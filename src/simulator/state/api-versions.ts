// The data-plane api-versions the simulator serves, and what Batch answers for the others.
//
// Batch serves 2025-06-01 (the TypeSpec SDKs send "2025-06-01", the REST examples "2025-06-01.21.0").
// Every earlier version is on Batch's retirement list (Azure/Batch#140, comment of 2026-05-15; the policy in
// Learn rest/api/batchservice/batch-api-status: "After removal, all requests using these API versions or SDKs
// will fail"). The answers:
//   retired  → 400 UnsupportedRequestVersion "The specified request version is not supported." (Learn
//              rest/api/batchservice/batch-status-and-error-codes; Azure/azure-sdk-for-net
//              BatchErrorCodeStrings.cs: "The specified version of the Batch REST API is not supported.")
//   unknown  → 400 InvalidQueryParameterValue (what Batch sent for a version it did not know,
//              Azure/azure-sdk-for-python#19224)
//   missing  → 400 MissingRequiredQueryParameter (Azure/azure-sdk-for-js#22398)
// The `values` on these errors (QueryParameterName/QueryParameterValue/Reason) are the simulator's choice,
// in the shape Learn's error-code page shows for InvalidQueryParameterValue.
import { BatchError } from './errors.ts';

export const DEFAULT_API_VERSIONS: readonly string[] = Object.freeze(['2025-06-01', '2025-06-01.21.0']);

/** The first version Batch still serves; anything dated before it is retired. */
export const OLDEST_SUPPORTED = '2025-06-01';

const VERSION_SHAPE = /^(\d{4}-\d{2}-\d{2})(?:\.\d+\.\d+)?$/;

export type ApiVersionClass = 'supported' | 'retired' | 'unknown' | 'missing';

export function classifyApiVersion(
  version: string | null,
  supported: readonly string[] = DEFAULT_API_VERSIONS,
): ApiVersionClass {
  if (version === null || version === '') return 'missing';
  const lower = version.toLowerCase();
  if (supported.some((s) => s.toLowerCase() === lower)) return 'supported';
  const m = VERSION_SHAPE.exec(version);
  if (m?.[1] !== undefined && m[1] < OLDEST_SUPPORTED) return 'retired';
  return 'unknown';
}

/** The error for a request whose api-version Batch would not serve, or undefined when it is fine. */
export function apiVersionError(
  version: string | null,
  supported: readonly string[] = DEFAULT_API_VERSIONS,
): BatchError | undefined {
  const kind = classifyApiVersion(version, supported);
  const values = (reason: string) => [
    { key: 'QueryParameterName', value: 'api-version' },
    ...(version === null ? [] : [{ key: 'QueryParameterValue', value: version }]),
    { key: 'Reason', value: reason },
  ];
  switch (kind) {
    case 'supported':
      return undefined;
    case 'missing':
      return new BatchError(
        400,
        'MissingRequiredQueryParameter',
        "A query parameter that's mandatory for this request is not specified.",
        values(`The api-version query parameter is required. Supported versions: ${supported.join(', ')}.`),
      );
    case 'retired':
      return new BatchError(
        400,
        'UnsupportedRequestVersion',
        'The specified request version is not supported.',
        values(
          `Batch has retired every API version before ${OLDEST_SUPPORTED}. Supported versions: ${supported.join(', ')}.`,
        ),
      );
    case 'unknown':
      return new BatchError(
        400,
        'InvalidQueryParameterValue',
        'Value for one of the query parameters specified in the request URI is invalid.',
        values(`Unknown API version. Supported versions: ${supported.join(', ')}.`),
      );
  }
}

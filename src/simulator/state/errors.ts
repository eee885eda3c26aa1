// The Batch service's error vocabulary. The model raises these; batch-api.ts turns them into the
// wire form `{odata.metadata, code, message: {lang, value}, values}`.

export interface ErrorDetail {
  key: string;
  value: string;
}

export class BatchError extends Error {
  readonly status: number;
  readonly code: string;
  readonly values: ErrorDetail[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    values?: ErrorDetail[],
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.values = values;
    this.headers = headers;
  }
}

const INVALID_VALUE = 'The value provided for one of the properties in the request body is invalid.';
const MISSING_PROPERTY = 'A required property was not specified in the request body.';

export const batchErrors = {
  poolNotFound: () => new BatchError(404, 'PoolNotFound', 'The specified pool does not exist.'),
  poolExists: () => new BatchError(409, 'PoolExists', 'The specified pool already exists.'),
  poolBeingDeleted: () =>
    new BatchError(
      409,
      'PoolBeingDeleted',
      'The specified pool has been marked for deletion and is being reclaimed.',
    ),
  /** The 409 code for "resize while not steady" is not confirmed by any source; the simulator lets it be configured. */
  ongoingResize: (code: string) =>
    new BatchError(409, code, 'The specified pool has an ongoing resize operation.'),
  autoScaleEnabled: () =>
    new BatchError(
      409,
      'OperationInvalidForCurrentState',
      'The specified operation is not valid for the current state of the resource.',
    ),
  /** Pool - Enable Auto Scale: "You cannot call this API for the same Pool more than once every 30 seconds." */
  tooManyEnableAutoScaleRequests: () =>
    new BatchError(
      409,
      'TooManyEnableAutoScaleRequests',
      'The specified pool has had more than one enable autoscale request within 30 seconds.',
    ),
  missingProperty: (name: string) =>
    new BatchError(400, 'MissingRequiredProperty', MISSING_PROPERTY, [{ key: 'PropertyName', value: name }]),
  invalidProperty: (name: string, value: string, reason?: string) =>
    new BatchError(400, 'InvalidPropertyValue', INVALID_VALUE, [
      { key: 'PropertyName', value: name },
      { key: 'PropertyValue', value },
      ...(reason === undefined ? [] : [{ key: 'Reason', value: reason }]),
    ]),
  invalidBody: (reason: string) =>
    new BatchError(400, 'InvalidRequestBody', 'The specified Request Body is not syntactically valid.', [
      { key: 'Reason', value: reason },
    ]),
  /**
   * A PATCH of a property that BatchPoolUpdateOptions (2025-06-01) allows "only when the pool is empty" on a
   * pool with nodes. The code and message are the ones Batch gives for a property that cannot be updated on
   * the management plane (Azure/Batch#85, azure-sdk-for-net#40325: 400 PropertyCannotBeUpdated); that the
   * data plane uses them for this case is our choice (no source shows it).
   */
  propertyCannotBeUpdated: (name: string) =>
    new BatchError(
      400,
      'PropertyCannotBeUpdated',
      'A property that cannot be updated was specified as part of the request.',
      [
        { key: 'PropertyName', value: name },
        { key: 'Reason', value: 'This field can be updated only when the pool is empty.' },
      ],
    ),
  /** Learn rest/api/batchservice/batch-status-and-error-codes: PoolQuotaReached, Conflict (409). */
  poolQuotaReached: (quota: number) =>
    new BatchError(409, 'PoolQuotaReached', 'Pool quota for the account has been reached.', [
      { key: 'Reason', value: `The account's pool quota is ${quota}.` },
    ]),
  conditionNotMet: () =>
    new BatchError(
      412,
      'ConditionNotMet',
      'The condition specified using HTTP conditional header(s) is not met.',
    ),
};

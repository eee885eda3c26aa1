// Bearer-token checks in front of the Batch and ARM APIs, with each service's own error answers.
// A token must be for the right audience: https://batch.core.windows.net/ for Batch,
// https://management.azure.com/ for ARM. Denied clients model a missing role assignment (403).
import type { RequestContext, SimResponse } from './http-util.ts';
import { armError, azureTime, batchErrorResponse, header } from './http-util.ts';
import { BatchError } from './state/errors.ts';
import type { TokenIssuer } from './tokens.ts';
import { sameAudience } from './tokens.ts';

export const BATCH_AUDIENCE = 'https://batch.core.windows.net/';
export const ARM_AUDIENCE = 'https://management.azure.com/';
const ARM_AUDIENCES = [ARM_AUDIENCE, 'https://management.core.windows.net/'];

export class AccessControl {
  readonly denied = new Set<string>();
  readonly issuer: TokenIssuer;

  constructor(issuer: TokenIssuer) {
    this.issuer = issuer;
  }

  /** Undefined when the call may proceed (and ctx.clientId is set), else the error response. */
  checkBatch(ctx: RequestContext): SimResponse | undefined {
    const authz = header(ctx, 'authorization');
    if (authz === undefined || authz === '')
      return batchErrorResponse(
        ctx,
        new BatchError(
          400,
          'MissingRequiredHeader',
          "An HTTP header that's mandatory for this request is not specified.",
          [{ key: 'HeaderName', value: 'Authorization' }],
        ),
      );
    const fail = (detail: string): SimResponse =>
      batchErrorResponse(
        ctx,
        new BatchError(
          401,
          'AuthenticationFailed',
          'Server failed to authenticate the request. Make sure the value of Authorization header is correctly formed including the signature.',
          [{ key: 'AuthenticationErrorDetail', value: detail }],
        ),
      );
    const m = /^Bearer\s+(\S+)$/i.exec(authz);
    if (!m?.[1])
      return fail('The simulator accepts only Microsoft Entra ID bearer tokens (Authorization: Bearer ...).');
    const check = this.issuer.verify(m[1]);
    if (!check.ok)
      return fail(
        check.reason === 'expired'
          ? 'Lifetime validation failed. The token is expired.'
          : 'The access token is invalid.',
      );
    ctx.clientId = check.claims.appid;
    if (!sameAudience(check.claims.aud, BATCH_AUDIENCE))
      return fail(
        `The audience '${check.claims.aud}' is invalid. The token must be issued for ${BATCH_AUDIENCE}.`,
      );
    if (this.denied.has(check.claims.appid))
      return batchErrorResponse(ctx, new BatchError(403, 'Forbidden', 'Access is Forbidden'));
    return undefined;
  }

  checkArm(ctx: RequestContext): SimResponse | undefined {
    const authz = header(ctx, 'authorization');
    if (authz === undefined || authz === '')
      return armError(
        401,
        'AuthenticationFailed',
        "Authentication failed. The 'Authorization' header is missing.",
        ctx.requestId,
      );
    const m = /^Bearer\s+(\S+)$/i.exec(authz);
    if (!m?.[1])
      return armError(
        401,
        'AuthenticationFailed',
        "Authentication failed. The 'Authorization' header is provided in an invalid format.",
        ctx.requestId,
      );
    const check = this.issuer.verify(m[1]);
    if (!check.ok) {
      return check.reason === 'expired'
        ? armError(
            401,
            'ExpiredAuthenticationToken',
            `The access token expiry UTC time is earlier than current UTC time '${azureTime(Date.now())}'.`,
            ctx.requestId,
          )
        : armError(401, 'InvalidAuthenticationToken', 'The access token is invalid.', ctx.requestId);
    }
    ctx.clientId = check.claims.appid;
    if (!ARM_AUDIENCES.some((a) => sameAudience(a, check.claims.aud)))
      return armError(
        401,
        'InvalidAuthenticationTokenAudience',
        `The access token has been obtained for wrong audience or resource '${check.claims.aud}'. It should exactly match with one of the allowed audiences '${ARM_AUDIENCES.join("','")}'.`,
        ctx.requestId,
      );
    if (this.denied.has(check.claims.appid)) {
      const action = ctx.method === 'GET' ? 'read' : ctx.method === 'DELETE' ? 'delete' : 'write';
      return armError(
        403,
        'AuthorizationFailed',
        `The client '${check.claims.appid}' with object id '${check.claims.oid}' does not have authorization to perform action 'Microsoft.Compute/${action}' over scope '${ctx.path}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
        ctx.requestId,
      );
    }
    return undefined;
  }
}

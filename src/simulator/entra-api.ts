// A minimal Microsoft Entra ID authority: the OpenID discovery document MSAL reads and the v2.0
// token endpoint for the client-credentials grant, with a client secret or a client assertion. Besides
// the operator's own app, further app registrations (RegisteredClient, possibly in other tenants) may
// be known with their secrets and certificates: a certificate assertion is checked as Entra ID checks
// it (thumbprint header, signature, iss/sub, aud, lifetime). An assertion for a client that is not
// registered is taken as a federated (workload identity) token and not verified. Errors follow AAD's
// JSON shape and codes (docs/simulator.md lists the sources).
import type { RequestContext, Route, SimResponse } from './http-util.ts';
import { plainJson } from './http-util.ts';
import type { RegisteredClient, TokenIssuer } from './tokens.ts';
import { audienceFromScope, decodeJwtUnverified, verifyClientAssertion } from './tokens.ts';

export interface EntraConfig {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  issuer: TokenIssuer;
  /** Further app registrations (their tenants become known tenants). */
  clients?: readonly RegisteredClient[];
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

function aadError(
  ctx: RequestContext,
  status: number,
  error: string,
  code: number,
  text: string,
): SimResponse {
  const timestamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  return plainJson(status, {
    error,
    error_description: `AADSTS${code}: ${text} Trace ID: ${ctx.requestId} Correlation ID: ${ctx.requestId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: ctx.requestId,
    correlation_id: ctx.requestId,
    error_uri: `${ctx.origin}/error?code=${code}`,
  });
}

export function createEntraApi(config: EntraConfig): {
  match(method: string, segments: string[]): Route | undefined;
} {
  const clients = config.clients ?? [];
  const tenants = new Set([config.tenantId, ...clients.map((c) => c.tenantId)]);
  const registered = (tenant: string, clientId: string) =>
    clients.filter((c) => c.tenantId === tenant && c.clientId === clientId);
  const notFound = (ctx: RequestContext, tenant: string, clientId: string): SimResponse =>
    aadError(
      ctx,
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  const unknownTenant = (ctx: RequestContext, tenant: string): SimResponse =>
    aadError(
      ctx,
      400,
      'invalid_tenant',
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID.`,
    );

  const discovery = (tenant: string): Route => ({
    api: 'entra',
    operation: 'OpenIdConfiguration',
    handle(ctx) {
      if (!tenants.has(tenant)) return unknownTenant(ctx, tenant);
      const base = `${ctx.origin}/${tenant}`;
      return plainJson(200, {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: [
          'client_secret_post',
          'private_key_jwt',
          'client_secret_basic',
        ],
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `${base}/v2.0`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        tenant_region_scope: 'EU',
        cloud_instance_name: 'simulator',
      });
    },
  });

  const token = (tenant: string): Route => ({
    api: 'entra',
    operation: 'Token',
    handle(ctx) {
      const form = new URLSearchParams(ctx.body.toString('utf8'));
      const clientId = form.get('client_id') ?? '';
      if (clientId) ctx.clientId = clientId;
      if (!tenants.has(tenant)) return unknownTenant(ctx, tenant);
      if (form.get('grant_type') !== 'client_credentials')
        return aadError(
          ctx,
          400,
          'unsupported_grant_type',
          70003,
          'The app requested an unsupported grant type.',
        );
      const scope = form.get('scope') ?? '';
      if (!scope.split(' ').some((s) => s.endsWith('/.default')))
        return aadError(
          ctx,
          400,
          'invalid_scope',
          1002012,
          `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`,
        );
      if (!clientId)
        return aadError(
          ctx,
          400,
          'invalid_request',
          900144,
          "The request body must contain the following parameter: 'client_id'.",
        );

      const assertion = form.get('client_assertion');
      const secret = form.get('client_secret');
      const isOperator = clientId === config.clientId && tenant === config.tenantId;
      const apps = registered(tenant, clientId);
      if (assertion !== null) {
        if (form.get('client_assertion_type') !== ASSERTION_TYPE)
          return aadError(ctx, 400, 'invalid_request', 50027, 'Invalid client_assertion_type.');
        const certificates = apps.flatMap((a) => a.certificates ?? []);
        if (apps.length > 0) {
          // A registered app: the assertion must be signed with one of its certificates.
          const check = verifyClientAssertion(assertion, {
            clientId,
            audiences: [`${ctx.origin}/${tenant}/oauth2/v2.0/token`, `${ctx.origin}/${tenant}/oauth2/token`],
            certificates,
          });
          if (!check.ok)
            return aadError(ctx, check.code === 50027 ? 400 : 401, check.error, check.code, check.text);
        } else if (!decodeJwtUnverified(assertion))
          return aadError(ctx, 400, 'invalid_client', 50027, 'JWT token is invalid or malformed.');
      } else if (secret !== null) {
        if (!isOperator && apps.length === 0) return notFound(ctx, tenant, clientId);
        const secrets = isOperator ? [config.clientSecret] : apps.flatMap((a) => a.secrets ?? []);
        if (!secrets.includes(secret))
          return aadError(
            ctx,
            401,
            'invalid_client',
            7000215,
            `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
          );
      } else {
        return aadError(
          ctx,
          401,
          'invalid_client',
          7000218,
          "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        );
      }
      const accessToken = config.issuer.issue({
        audience: audienceFromScope(scope),
        clientId,
        tenantId: tenant,
        issuer: `${ctx.origin}/${tenant}/`,
      });
      const expiresIn = config.issuer.lifetimeSeconds - 1;
      return plainJson(200, {
        token_type: 'Bearer',
        expires_in: expiresIn,
        ext_expires_in: expiresIn,
        access_token: accessToken,
      });
    },
  });

  return {
    match(method, segments) {
      const [tenant, a, b, c, d] = segments;
      if (tenant === undefined || tenant === '') return undefined;
      const rest = segments.slice(1).join('/');
      if (
        method === 'GET' &&
        (rest === 'v2.0/.well-known/openid-configuration' || rest === '.well-known/openid-configuration')
      )
        return discovery(tenant);
      if (
        method === 'POST' &&
        a === 'oauth2' &&
        ((b === 'v2.0' && c === 'token' && d === undefined) || (b === 'token' && c === undefined))
      )
        return token(tenant);
      if (method === 'GET' && rest === 'discovery/v2.0/keys')
        return { api: 'entra', operation: 'Keys', handle: () => plainJson(200, { keys: [] }) };
      return undefined;
    },
  };
}

// Access tokens the simulated Entra ID issues and the Batch/ARM halves check. They are real JWTs
// (HS256 with a key that lives only in this process), carrying the audience the client asked for
// and the client ID it authenticated as, so the request log can say which identity made each call.
import {
  constants,
  createHash,
  createHmac,
  randomBytes,
  randomUUID,
  timingSafeEqual,
  verify as cryptoVerify,
  webcrypto,
  X509Certificate,
} from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface TokenClaims {
  aud: string;
  appid: string;
  tid: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  oid: string;
  sub: string;
  ver: '1.0';
}

export type TokenCheck =
  { ok: true; claims: TokenClaims } | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** The v1 resource an AAD scope stands for: "https://batch.core.windows.net//.default" → "https://batch.core.windows.net/". */
export function audienceFromScope(scope: string): string {
  const first = scope.split(' ').find((s) => s.endsWith('/.default')) ?? scope.split(' ')[0] ?? '';
  const resource = first.replace(/\/\.default$/, '');
  return resource.endsWith('/') ? resource : `${resource}/`;
}

/** Compares audiences the way Azure does for v1 resources: a trailing slash does not matter. */
export function sameAudience(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

export class TokenIssuer {
  readonly #key = randomBytes(32);
  readonly #verified = new Map<string, TokenClaims>();
  readonly lifetimeSeconds: number;

  constructor(lifetimeSeconds = 3600) {
    this.lifetimeSeconds = lifetimeSeconds;
  }

  issue(input: {
    audience: string;
    clientId: string;
    tenantId: string;
    issuer: string;
    nowSeconds?: number;
  }): string {
    const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
    const claims: TokenClaims = {
      aud: input.audience,
      appid: input.clientId,
      tid: input.tenantId,
      iss: input.issuer,
      iat: now,
      nbf: now - 300,
      exp: now + this.lifetimeSeconds,
      oid: randomUUID(),
      sub: input.clientId,
      ver: '1.0',
    };
    const head = b64url(JSON.stringify({ typ: 'JWT', alg: 'HS256', kid: 'simulator' }));
    const body = b64url(JSON.stringify(claims));
    const sig = createHmac('sha256', this.#key).update(`${head}.${body}`).digest('base64url');
    return `${head}.${body}.${sig}`;
  }

  /** Checks signature and lifetime (wall clock: tokens are about the client's clock, not the simulated one). */
  verify(token: string, nowSeconds = Math.floor(Date.now() / 1000)): TokenCheck {
    let claims = this.#verified.get(token);
    if (!claims) {
      const parts = token.split('.');
      if (parts.length !== 3) return { ok: false, reason: 'malformed' };
      const [head = '', body = '', sig = ''] = parts;
      const expected = createHmac('sha256', this.#key).update(`${head}.${body}`).digest();
      const given = Buffer.from(sig, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return { ok: false, reason: 'signature' };
      try {
        claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenClaims;
      } catch {
        return { ok: false, reason: 'malformed' };
      }
      if (this.#verified.size > 10_000) this.#verified.clear();
      this.#verified.set(token, claims);
    }
    if (nowSeconds >= claims.exp) return { ok: false, reason: 'expired' };
    return { ok: true, claims };
  }
}

/** Reads the claims of any JWT without checking it (client assertions from a federated token file). */
export function decodeJwtUnverified(jwt: string): Record<string, unknown> | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3 || parts.some((p) => p.length === 0 && parts.indexOf(p) < 2)) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8'));
    const payload: unknown = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
    if (typeof header !== 'object' || header === null || typeof payload !== 'object' || payload === null)
      return undefined;
    return payload as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------- client certificates (private_key_jwt)

/** An app registration the simulated Entra ID knows besides the operator's own: its secrets and certificates. */
export interface RegisteredClient {
  tenantId: string;
  clientId: string;
  /** Client secret values. */
  secrets?: string[];
  /** PEM certificates whose private keys may sign client assertions. */
  certificates?: string[];
}

/** The two thumbprints Entra ID matches a client assertion's header against, base64url as the header has them. */
export function certificateThumbprints(pem: string): { x5t: string; x5tS256: string } {
  const der = new X509Certificate(pem).raw;
  return {
    x5t: createHash('sha1').update(der).digest('base64url'),
    x5tS256: createHash('sha256').update(der).digest('base64url'),
  };
}

export type AssertionCheck =
  { ok: true; thumbprint: string } | { ok: false; error: string; code: number; text: string };

/**
 * Checks a client assertion signed with a certificate, as Microsoft Entra ID documents it
 * (learn.microsoft.com/entra/identity-platform/certificate-credentials): RS256 with an x5t header (SHA-1
 * thumbprint) or PS256 with x5t#S256 (SHA-256); iss and sub are the client ID; aud is the token endpoint;
 * exp and nbf bound its lifetime; the signature verifies with a certificate registered on the app.
 */
export function verifyClientAssertion(
  jwt: string,
  o: { clientId: string; audiences: string[]; certificates: string[]; nowSeconds?: number },
): AssertionCheck {
  const malformed = {
    ok: false,
    error: 'invalid_request',
    code: 50027,
    text: 'JWT token is invalid or malformed.',
  } as const;
  const parts = jwt.split('.');
  if (parts.length !== 3) return malformed;
  const [h = '', p = '', s = ''] = parts;
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>;
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return malformed;
  }
  if (typeof header !== 'object' || !header || typeof claims !== 'object' || !claims) return malformed;
  const alg = header.alg;
  const x5t = typeof header['x5t#S256'] === 'string' ? header['x5t#S256'] : header.x5t;
  const sha256 = typeof header['x5t#S256'] === 'string';
  if ((alg !== 'RS256' && alg !== 'PS256') || typeof x5t !== 'string') return malformed;
  if (claims.iss !== o.clientId || claims.sub !== o.clientId)
    return {
      ok: false,
      error: 'invalid_client',
      code: 700021,
      text: "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials.",
    };
  if (typeof claims.aud !== 'string' || !o.audiences.includes(claims.aud))
    return {
      ok: false,
      error: 'invalid_client',
      code: 700023,
      text: `Client assertion audience claim does not match Realm issuer. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials.`,
    };
  const cert = o.certificates.find((pem) => {
    const t = certificateThumbprints(pem);
    return (sha256 ? t.x5tS256 : t.x5t) === x5t;
  });
  if (!cert)
    return {
      ok: false,
      error: 'invalid_client',
      code: 700027,
      text: `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${Buffer.from(x5t, 'base64url').toString('hex').toUpperCase()}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${o.clientId}'.]`,
    };
  const key = new X509Certificate(cert).publicKey;
  const data = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, 'base64url');
  const good =
    alg === 'RS256'
      ? cryptoVerify('sha256', data, key, sig)
      : cryptoVerify(
          'sha256',
          data,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
          sig,
        );
  if (!good)
    return {
      ok: false,
      error: 'invalid_client',
      code: 700027,
      text: 'Client assertion contains an invalid signature.',
    };
  const now = o.nowSeconds ?? Math.floor(Date.now() / 1000);
  const exp = typeof claims.exp === 'number' ? claims.exp : undefined;
  const nbf = typeof claims.nbf === 'number' ? claims.nbf : undefined;
  // Entra allows five minutes of clock skew.
  if (exp === undefined || now >= exp + 300 || (nbf !== undefined && now < nbf - 300))
    return {
      ok: false,
      error: 'invalid_client',
      code: 700024,
      text: 'Client assertion is not within its valid time range.',
    };
  return { ok: true, thumbprint: Buffer.from(x5t, 'base64url').toString('hex').toUpperCase() };
}

/** A self-signed RSA client certificate and its key (PEM), as `az ad app credential reset --create-cert` makes. */
export function generateClientCertificate(
  subject = 'CN=batchpool-operator test client',
  o: { notBefore?: Date; notAfter?: Date } = {},
): Promise<{ certPem: string; keyPem: string }> {
  return makeRsaCertificate(subject, o);
}

async function makeRsaCertificate(
  subject: string,
  o: { notBefore?: Date; notAfter?: Date },
): Promise<{ certPem: string; keyPem: string }> {
  const alg = {
    name: 'RSASSA-PKCS1-v1_5',
    hash: 'SHA-256',
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength: 2048,
  } as const;
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(16).toString('hex').replace(/^./, '1'),
    name: subject,
    notBefore: o.notBefore ?? new Date(now - 86_400_000),
    notAfter: o.notAfter ?? new Date(now + 365 * 86_400_000),
    keys,
    signingAlgorithm: alg,
    extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
  });
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: cert.toString('pem'), keyPem: x509.PemConverter.encode(der, 'PRIVATE KEY') };
}

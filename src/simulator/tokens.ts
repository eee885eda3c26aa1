// Access tokens the simulated Entra ID issues and the Batch/ARM halves check. They are real JWTs
// (HS256 with a key that lives only in this process), carrying the audience the client asked for
// and the client ID it authenticated as, so the request log can say which identity made each call.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

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

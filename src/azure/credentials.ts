// Which Microsoft Entra credential the operator uses for a BatchAccount (its spec.identity):
//   nothing                → the operator's own identity: workload identity when a federated token file is
//                            configured, else its client secret, else the default chain;
//   clientId               → workload identity as that client: the operator pod's federated token, in the
//                            account's tenant (tenantId, else the operator's);
//   clientId + secretRef   → that client's secret or certificate from a Secret in the operator's namespace
//                            (ClientSecretCredential / ClientCertificateCredential).
// The operator's own client secret is never paired with another client ID. Credentials are cached per
// (tenant, client, Secret version), so MSAL's token cache is shared between the pools of an account and a
// rotated Secret gets a new credential (see AccountSecrets for when a Secret is read again).

import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import {
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  WorkloadIdentityCredential,
} from '@azure/identity';
import type { AccountIdentity } from './ports.ts';
import type { AccountSecrets } from '../kube/account-secrets.ts';

export interface IdentityConfig {
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  federatedTokenFile?: string;
  authorityHost?: string;
  disableInstanceDiscovery: boolean;
  /** Extra CA (PEM) trusted for the authority host. */
  ca?: string;
}

/** Why no credential can be made for an account's identity: for a person to fix in the BatchAccount. */
export class AccountIdentityError extends Error {
  readonly code: 'WorkloadIdentityUnavailable' | 'TenantUnknown' | 'SecretsUnavailable';
  constructor(code: AccountIdentityError['code'], message: string) {
    super(message);
    this.name = 'AccountIdentityError';
    this.code = code;
  }
}

/** How an account's identity is authenticated, as docs/operations.md names the modes. */
export type CredentialMode =
  | { kind: 'operator' }
  | { kind: 'workload'; tenantId: string; clientId: string }
  | { kind: 'secretRef'; tenantId: string; clientId: string; secretRef: { name: string; key?: string } };

/** The mode an identity selects; throws AccountIdentityError when it cannot work with this configuration. */
export function credentialMode(cfg: IdentityConfig, identity: AccountIdentity | undefined): CredentialMode {
  const clientId = identity?.clientId;
  if (!clientId) return { kind: 'operator' };
  const tenantId = identity.tenantId ?? cfg.tenantId;
  const secretRef = identity.secretRef;
  // The operator's own client, in its own tenant, is the operator's identity whatever it authenticates with.
  if (!secretRef && clientId === cfg.clientId && tenantId === cfg.tenantId) return { kind: 'operator' };
  if (!tenantId)
    throw new AccountIdentityError(
      'TenantUnknown',
      'spec.identity.tenantId is not set and the operator has no tenant of its own (AZURE_TENANT_ID)',
    );
  if (secretRef) return { kind: 'secretRef', tenantId, clientId, secretRef };
  if (!cfg.federatedTokenFile)
    throw new AccountIdentityError(
      'WorkloadIdentityUnavailable',
      `spec.identity.clientId ${clientId} without secretRef means workload identity, but the operator has no ` +
        'federated token file (AZURE_FEDERATED_TOKEN_FILE); enable Azure workload identity for its pod or add ' +
        'spec.identity.secretRef',
    );
  return { kind: 'workload', tenantId, clientId };
}

function commonOptions(cfg: IdentityConfig) {
  return {
    ...(cfg.authorityHost && { authorityHost: cfg.authorityHost }),
    disableInstanceDiscovery: cfg.disableInstanceDiscovery,
    ...(cfg.ca && { tlsOptions: { ca: cfg.ca } }),
  };
}

/** The operator's own credential, chosen like DefaultAzureCredential would in a cluster. */
export function operatorCredential(cfg: IdentityConfig): TokenCredential {
  const common = commonOptions(cfg);
  const { tenantId, clientId } = cfg;
  if (cfg.federatedTokenFile && tenantId && clientId)
    return new WorkloadIdentityCredential({
      tenantId,
      clientId,
      tokenFilePath: cfg.federatedTokenFile,
      ...common,
    });
  if (cfg.clientSecret && tenantId && clientId)
    return new ClientSecretCredential(tenantId, clientId, cfg.clientSecret, common);
  return new DefaultAzureCredential({
    ...common,
    ...(clientId && { managedIdentityClientId: clientId, workloadIdentityClientId: clientId }),
    ...(tenantId && { tenantId }),
  });
}

/** A credential that always fails with the same error (an identity that cannot work as configured). */
class FailingCredential implements TokenCredential {
  private readonly error: Error;
  constructor(error: Error) {
    this.error = error;
  }
  getToken(): Promise<AccessToken | null> {
    return Promise.reject(this.error);
  }
}

/** AADSTS codes after which the Secret is read again at once: the credential in it is not (or no longer) good. */
const REFUSED_CREDENTIAL = /AADSTS(7000215|7000222|700027|700016|700024|50012)\b/;

/**
 * The credential of a secretRef identity. Each getToken reads the Secret through AccountSecrets (a cached
 * copy unless it is older than the refresh interval), and uses the credential built for that Secret version.
 */
export class SecretRefCredential implements TokenCredential {
  private readonly cfg: IdentityConfig;
  private readonly mode: Extract<CredentialMode, { kind: 'secretRef' }>;
  private readonly secrets: AccountSecrets;
  private current: { version: string; credential: TokenCredential; describe: string } | undefined;

  constructor(
    cfg: IdentityConfig,
    mode: Extract<CredentialMode, { kind: 'secretRef' }>,
    secrets: AccountSecrets,
  ) {
    this.cfg = cfg;
    this.mode = mode;
    this.secrets = secrets;
  }

  /** What the last read Secret held, without its value: "client secret from Secret ns/name key k". */
  get description(): string | undefined {
    return this.current?.describe;
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    const { tenantId, clientId, secretRef } = this.mode;
    const read = await this.secrets.read(secretRef);
    if (this.current?.version !== read.version) {
      const where = `Secret ${this.secrets.namespace}/${secretRef.name} key ${read.key}`;
      const common = commonOptions(this.cfg);
      const m = read.material;
      this.current =
        m.kind === 'clientSecret'
          ? {
              version: read.version,
              credential: new ClientSecretCredential(tenantId, clientId, m.secret, common),
              describe: `client secret from ${where}`,
            }
          : {
              version: read.version,
              credential: new ClientCertificateCredential(tenantId, clientId, { certificate: m.pem }, common),
              describe: `client certificate ${m.thumbprint} (valid until ${m.notAfter}) from ${where}`,
            };
    }
    const used = this.current.describe;
    try {
      return await this.current.credential.getToken(scopes, options);
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      if (REFUSED_CREDENTIAL.test(text)) this.secrets.invalidate(secretRef.name);
      // Say which Secret was used; keep the error's name, by which errors.ts sorts it.
      const wrapped = new Error(
        `client ${clientId} in tenant ${tenantId} with the ${used}: ${entraMessage(text)}`,
        {
          cause: err,
        },
      );
      wrapped.name = err instanceof Error ? err.name : 'AuthenticationError';
      throw wrapped;
    }
  }
}

/**
 * The part of an @azure/identity error that says why Entra ID refused ("AADSTS7000215: Invalid client secret
 * provided. …"), without the trace and correlation IDs and timestamps that change on every attempt (and would
 * rewrite a condition each time); the whole text when it has no AADSTS code.
 */
export function entraMessage(text: string): string {
  const m = /AADSTS\d+:[\s\S]*?(?=\s+Trace ID:|\s+-\s+Correlation ID:|$)/.exec(text);
  return m ? m[0].replace(/\s+/g, ' ').trim() : text;
}

/** Stable cache key of an identity's credential (its Secret version is the SecretRefCredential's business). */
export function identityKey(identity: AccountIdentity | undefined): string {
  if (!identity?.clientId) return '';
  const ref = identity.secretRef;
  return [identity.tenantId ?? '', identity.clientId, ref?.name ?? '', ref?.key ?? ''].join('|');
}

export class CredentialCache {
  private readonly cfg: IdentityConfig;
  private readonly secrets: AccountSecrets | undefined;
  private readonly byIdentity = new Map<string, TokenCredential>();
  private operator: TokenCredential | undefined;

  constructor(cfg: IdentityConfig, secrets?: AccountSecrets) {
    this.cfg = cfg;
    this.secrets = secrets;
  }

  /** The credential of an account's identity; one that cannot work fails on getToken with the reason. */
  get(identity?: AccountIdentity): TokenCredential {
    const key = identityKey(identity);
    let cred = this.byIdentity.get(key);
    if (!cred) {
      cred = this.make(identity);
      this.byIdentity.set(key, cred);
    }
    return cred;
  }

  private make(identity: AccountIdentity | undefined): TokenCredential {
    let mode: CredentialMode;
    try {
      mode = credentialMode(this.cfg, identity);
    } catch (err) {
      return new FailingCredential(err as Error);
    }
    switch (mode.kind) {
      case 'operator':
        return (this.operator ??= operatorCredential(this.cfg));
      case 'workload':
        return new WorkloadIdentityCredential({
          tenantId: mode.tenantId,
          clientId: mode.clientId,
          tokenFilePath: this.cfg.federatedTokenFile!,
          ...commonOptions(this.cfg),
        });
      case 'secretRef':
        if (!this.secrets)
          return new FailingCredential(
            new AccountIdentityError(
              'SecretsUnavailable',
              'this operator was started without access to Secrets',
            ),
          );
        return new SecretRefCredential(this.cfg, mode, this.secrets);
    }
  }
}

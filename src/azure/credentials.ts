// Token credentials chosen like DefaultAzureCredential would in a cluster: workload identity when a federated
// token file is configured, else a client secret, else the full default chain. A BatchAccount may name another
// workload-identity client ID (same tenant and token file); credentials are cached per client ID so MSAL's
// token cache is shared.

import type { TokenCredential } from '@azure/identity';
import { ClientSecretCredential, DefaultAzureCredential, WorkloadIdentityCredential } from '@azure/identity';

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

export function makeCredential(cfg: IdentityConfig, clientIdOverride?: string): TokenCredential {
  const clientId = clientIdOverride ?? cfg.clientId;
  const common = {
    ...(cfg.authorityHost && { authorityHost: cfg.authorityHost }),
    disableInstanceDiscovery: cfg.disableInstanceDiscovery,
    ...(cfg.ca && { tlsOptions: { ca: cfg.ca } }),
  };
  if (cfg.federatedTokenFile && cfg.tenantId && clientId) {
    return new WorkloadIdentityCredential({
      tenantId: cfg.tenantId,
      clientId,
      tokenFilePath: cfg.federatedTokenFile,
      ...common,
    });
  }
  if (cfg.clientSecret && cfg.tenantId && clientId) {
    return new ClientSecretCredential(cfg.tenantId, clientId, cfg.clientSecret, common);
  }
  return new DefaultAzureCredential({
    ...common,
    ...(clientId && { managedIdentityClientId: clientId, workloadIdentityClientId: clientId }),
    ...(cfg.tenantId && { tenantId: cfg.tenantId }),
  });
}

export class CredentialCache {
  private readonly cfg: IdentityConfig;
  private readonly byClient = new Map<string, TokenCredential>();
  constructor(cfg: IdentityConfig) {
    this.cfg = cfg;
  }
  get(clientIdOverride?: string): TokenCredential {
    const key = clientIdOverride ?? '';
    let cred = this.byClient.get(key);
    if (!cred) {
      cred = makeCredential(this.cfg, clientIdOverride);
      this.byClient.set(key, cred);
    }
    return cred;
  }
}

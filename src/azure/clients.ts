// The real Azure port: Batch (the 2025-06-01 data plane) and image clients built on demand, one per account
// endpoint and identity.

import { makeBatchDataPlane } from './batch/adapter.ts';
import { CredentialCache, type IdentityConfig } from './credentials.ts';
import { ImagesAdapter } from './images.ts';
import type { AccountTarget, Azure, BatchPools, ImageChecker } from './ports.ts';
import type { Clock } from '../clock.ts';
import type { RetryOptions } from './retry.ts';

export interface AzureConfig {
  identity: IdentityConfig;
  armEndpoint: string;
  /** Extra CA (PEM) to trust for Batch, ARM and the authority host. */
  ca?: string;
  retry?: RetryOptions;
  /** For Retry-After dates and the per-account fail-fast window (default: the real clock). */
  clock?: Clock;
}

export class AzureClients implements Azure {
  private readonly cfg: AzureConfig;
  private readonly creds: CredentialCache;
  private readonly batches = new Map<string, BatchPools>();
  private readonly imageCheckers = new Map<string, ImageChecker>();

  constructor(cfg: AzureConfig) {
    this.cfg = cfg;
    this.creds = new CredentialCache(cfg.identity);
  }

  batch(account: AccountTarget): BatchPools {
    const key = `${account.endpoint.toLowerCase()}|${account.clientId ?? ''}`;
    let b = this.batches.get(key);
    if (!b) {
      b = makeBatchDataPlane(this.creds.get(account.clientId), account.endpoint, {
        ...(this.cfg.ca && { ca: this.cfg.ca }),
        ...(this.cfg.retry && { retry: this.cfg.retry }),
        ...(this.cfg.clock && { clock: this.cfg.clock }),
      });
      this.batches.set(key, b);
    }
    return b;
  }

  images(account: AccountTarget): ImageChecker {
    const key = account.clientId ?? '';
    let i = this.imageCheckers.get(key);
    if (!i) {
      i = new ImagesAdapter(this.creds.get(account.clientId), {
        armEndpoint: this.cfg.armEndpoint,
        ...(this.cfg.ca && { ca: this.cfg.ca }),
        retry: { ...this.cfg.retry, ...(this.cfg.clock && { clock: this.cfg.clock }) },
      });
      this.imageCheckers.set(key, i);
    }
    return i;
  }
}

// The real Azure port: Batch (the 2025-06-01 data plane, or the management plane for an account whose spec.api
// is ResourceManager) and image clients built on demand, one per account endpoint, plane and identity
// (credentials.ts picks the credential of each identity). The request budget is one per endpoint, not per
// client: Azure throttles the account, whoever calls it; management-plane calls also take from their
// subscription's budget, as ARM throttles per subscription.

import { BatchResourceManager } from './arm/adapter.ts';
import { ArmPoolClient, parseAccountResourceId } from './arm/client.ts';
import { makeBatchDataPlane, type BatchDataPlane } from './batch/adapter.ts';
import { CredentialCache, identityKey, type IdentityConfig } from './credentials.ts';
import { ImagesAdapter } from './images.ts';
import { RequestBudgets, type BudgetEvents } from './request-budget.ts';
import type { AccountTarget, Azure, BatchPools, ImageChecker } from './ports.ts';
import { realClock, type Clock } from '../clock.ts';
import { SharedImageChecks } from './image-cache.ts';
import type { RetryOptions } from './retry.ts';
import type { AccountSecrets } from '../kube/account-secrets.ts';

export interface AzureConfig {
  identity: IdentityConfig;
  armEndpoint: string;
  /** Extra CA (PEM) to trust for Batch, ARM and the authority host. */
  ca?: string;
  retry?: RetryOptions;
  /** For Retry-After dates and the per-account fail-fast window (default: the real clock). */
  clock?: Clock;
  /** How long one image check answers for every pool on that image (default 1 min). */
  imageAnswerTtlMs?: number;
  /** Where secretRef identities are read from; without it such an account gets no token. */
  secrets?: AccountSecrets;
  /** Each Batch account's request budget (default: the retry policy's `accountBudget`). */
  budget?: { ratePerSecond?: number; burst?: number; events?: BudgetEvents };
  /** Each subscription's management-plane budget (default: ARM's write bucket, see SUBSCRIPTION_BUDGET). */
  subscriptionBudget?: { ratePerSecond?: number; burst?: number };
}

/**
 * ARM's throttling is a token bucket per subscription, region and principal: reads 250 with 25 a second,
 * writes and deletes 200 with 10 a second (Learn: azure-resource-manager/management/request-limits-and-
 * throttling, "Subscription and tenant limits"). The pools' calls share one bucket with the writes' refill, the
 * slower of the two, so the operator stays within either.
 */
export const SUBSCRIPTION_BUDGET = { ratePerSecond: 10, burst: 200 } as const;

export class AzureClients implements Azure {
  private readonly cfg: AzureConfig;
  private readonly creds: CredentialCache;
  private readonly batches = new Map<string, BatchDataPlane>();
  private readonly managed = new Map<string, BatchResourceManager>();
  private readonly imageCheckers = new Map<string, ImageChecker>();
  private readonly budgets: RequestBudgets;
  private readonly subscriptionBudgets: RequestBudgets;

  constructor(cfg: AzureConfig) {
    this.cfg = cfg;
    this.creds = new CredentialCache(cfg.identity, cfg.secrets);
    const b = cfg.budget ?? {};
    this.budgets = new RequestBudgets({
      ...(b.ratePerSecond !== undefined && { ratePerSecond: b.ratePerSecond }),
      ...(b.burst !== undefined && { burst: b.burst }),
      ...(b.events && { events: b.events }),
      // The budget sits out what the retries would sit out inline, and no more (layer 0 and 1 agree).
      ...(cfg.retry?.maxInlineRetryAfterMs !== undefined && { maxWaitMs: cfg.retry.maxInlineRetryAfterMs }),
      ...(cfg.clock && { clock: cfg.clock }),
    });
    const sub = { ...SUBSCRIPTION_BUDGET, ...cfg.subscriptionBudget };
    this.subscriptionBudgets = new RequestBudgets({
      ratePerSecond: sub.ratePerSecond,
      burst: sub.burst,
      ...(b.events && { events: b.events }),
      ...(cfg.retry?.maxInlineRetryAfterMs !== undefined && { maxWaitMs: cfg.retry.maxInlineRetryAfterMs }),
      ...(cfg.clock && { clock: cfg.clock }),
    });
  }

  batch(account: AccountTarget): BatchPools {
    const data = this.dataPlane(account);
    const rm = account.resourceManager;
    if (!rm) return data;
    const key = `${rm.resourceId.toLowerCase()}|${account.endpoint.toLowerCase()}|${identityKey(account.identity)}`;
    let b = this.managed.get(key);
    if (!b) {
      const resource = parseAccountResourceId(rm.resourceId);
      // The schema admits only Batch account IDs; a stored object from before that rule is refused here.
      if (!resource) throw new Error(`spec.resourceId is not a Batch account resource ID: ${rm.resourceId}`);
      const client = new ArmPoolClient(this.cfg.armEndpoint, resource, this.creds.get(account.identity), {
        ...(this.cfg.ca && { ca: this.cfg.ca }),
      });
      b = new BatchResourceManager(client, data, {
        ...(this.cfg.retry && { retry: this.cfg.retry }),
        ...(this.cfg.clock && { clock: this.cfg.clock }),
        accountBudget: this.budgets.of(account.endpoint),
        subscriptionBudget: this.subscriptionBudgets.named(
          `subscription/${resource.subscriptionId.toLowerCase()}`,
        ),
      });
      this.managed.set(key, b);
    }
    return b;
  }

  private dataPlane(account: AccountTarget): BatchDataPlane {
    const key = `${account.endpoint.toLowerCase()}|${identityKey(account.identity)}`;
    let b = this.batches.get(key);
    if (!b) {
      b = makeBatchDataPlane(this.creds.get(account.identity), account.endpoint, {
        ...(this.cfg.ca && { ca: this.cfg.ca }),
        ...(this.cfg.retry && { retry: this.cfg.retry }),
        ...(this.cfg.clock && { clock: this.cfg.clock }),
        budget: this.budgets.of(account.endpoint),
      });
      this.batches.set(key, b);
    }
    return b;
  }

  /** The credential of an identity, the same one the clients use (for the account credential check). */
  credential(identity: AccountTarget['identity']) {
    return this.creds.get(identity);
  }

  images(account: AccountTarget): ImageChecker {
    const key = identityKey(account.identity);
    let i = this.imageCheckers.get(key);
    if (!i) {
      const adapter = new ImagesAdapter(this.creds.get(account.identity), {
        armEndpoint: this.cfg.armEndpoint,
        ...(this.cfg.ca && { ca: this.cfg.ca }),
        retry: { ...this.cfg.retry, ...(this.cfg.clock && { clock: this.cfg.clock }) },
      });
      i = new SharedImageChecks(adapter, this.cfg.clock ?? realClock, this.cfg.imageAnswerTtlMs ?? 60_000);
      this.imageCheckers.set(key, i);
    }
    return i;
  }
}

// Whether the identity a BatchAccount names (spec.identity) can get a Microsoft Entra ID token, told on the
// BatchAccount itself: its CredentialsReady condition, and a Warning event when it stops working (Normal when it
// works again). Checked when the account is added or changed and every `intervalMs` after, with the same
// credential the Batch clients use, so a check also refreshes the Secret copy and MSAL's token cache. When an
// account's credential starts working again, its pools are woken at once instead of at their next resync.
// Accounts that name no identity (the operator's own) get no condition. Nothing here ever holds a secret:
// messages come from credentials.ts and kube/account-secrets.ts, which name Secrets and keys only.

import { randomBytes } from 'node:crypto';
import {
  CustomObjectsApi,
  EventsV1Api,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
  type KubeConfig,
} from '@kubernetes/client-node';
import { API_VERSION, BATCHACCOUNT_KIND, BATCHACCOUNT_PLURAL, GROUP, VERSION } from '../api/constants.ts';
import type { BatchAccount, BatchAccountStatus, Condition } from '../api/types.ts';
import type { TokenCredential } from '@azure/identity';
import { BATCH_SCOPE } from '../azure/batch/client.ts';
import { azureFailure } from '../azure/errors.ts';
import type { AccountIdentity } from '../azure/ports.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import { describe } from '../errors.ts';
import type { Logger } from '../log.ts';
import { REPORTING_CONTROLLER } from '../kube/events.ts';

export const CREDENTIALS_READY = 'CredentialsReady';

export interface AccountEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** Where the checker writes; kube (below) on client-node, a fake in the unit tests. */
export interface AccountStatusSink {
  patchStatus(account: BatchAccount, status: BatchAccountStatus): Promise<void>;
  event(account: BatchAccount, e: AccountEvent): Promise<void>;
}

export interface AccountCredentialCheckerOptions {
  credential: (identity: AccountIdentity) => TokenCredential;
  sink: AccountStatusSink;
  clock: Clock;
  log: Logger;
  /** Re-check every account this often (default 1 minute). */
  intervalMs?: number;
  /** Told when an account's credential works again after it did not (wake its pools). */
  onRecovered?: (accountName: string) => void;
  /** How long one token request may take (default 30 s). */
  timeoutMs?: number;
}

/** The reason of a failed check: the Secret's own code, else what kind of failure it was. */
function reasonOf(code: string | undefined, kind: string): string {
  if (code && /^(Secret|Certificate|WorkloadIdentity|Tenant)[A-Za-z]+$/.test(code)) return code;
  if (kind === 'unreachable' || kind === 'transient') return 'EntraUnreachable';
  return 'AuthenticationFailed';
}

export class AccountCredentialChecker {
  private readonly o: AccountCredentialCheckerOptions;
  private readonly accounts = new Map<string, BatchAccount>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private timer: TimerHandle = undefined;
  private stopped = false;

  constructor(o: AccountCredentialCheckerOptions) {
    this.o = o;
  }

  /** An account was added, changed or relisted: check it now (if it names an identity). */
  seen(account: BatchAccount): void {
    const name = account.metadata.name;
    if (!account.spec.identity?.clientId) {
      this.accounts.delete(name);
      return;
    }
    this.accounts.set(name, account);
    void this.checkSoon(name);
  }

  forget(name: string): void {
    this.accounts.delete(name);
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      for (const name of this.accounts.keys()) void this.checkSoon(name);
      this.timer = this.o.clock.setTimeout(tick, this.o.intervalMs ?? 60_000);
    };
    this.timer = this.o.clock.setTimeout(tick, this.o.intervalMs ?? 60_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
    await Promise.allSettled([...this.running.values()]);
  }

  /** Checks one account now, or once more after the check in flight. Resolves when done. */
  checkSoon(name: string): Promise<void> {
    const inFlight = this.running.get(name);
    if (inFlight) {
      this.again.add(name);
      return inFlight;
    }
    const run = (async () => {
      do {
        this.again.delete(name);
        const account = this.accounts.get(name);
        if (!account || this.stopped) break;
        await this.check(account).catch((err: unknown) =>
          this.o.log.warn({ account: name, error: describe(err) }, 'account credential check failed'),
        );
      } while (this.again.has(name));
    })().finally(() => this.running.delete(name));
    this.running.set(name, run);
    return run;
  }

  private async check(account: BatchAccount): Promise<void> {
    const identity = account.spec.identity!;
    const name = account.metadata.name;
    const client = `client ${identity.clientId}`;
    let outcome: { status: 'True' | 'False'; reason: string; message: string };
    try {
      const cred = this.o.credential(identity);
      const token = await cred.getToken(BATCH_SCOPE, {
        abortSignal: AbortSignal.timeout(this.o.timeoutMs ?? 30_000),
      });
      if (!token) throw new Error('the credential returned no token');
      const how = (cred as { description?: string }).description;
      outcome = {
        status: 'True',
        reason: 'TokenIssued',
        message: `Microsoft Entra ID issues tokens to ${client}${how ? ` with the ${how}` : ' (workload identity)'}`,
      };
    } catch (err) {
      const f = azureFailure(err, this.o.clock.now());
      outcome = {
        status: 'False',
        reason: reasonOf(f.code, f.kind),
        message: `no token for ${client}: ${f.message}`,
      };
    }
    const previous = account.status?.conditions?.find((c) => c.type === CREDENTIALS_READY);
    const generation = account.metadata.generation;
    if (
      previous?.status === outcome.status &&
      previous.reason === outcome.reason &&
      previous.message === outcome.message &&
      previous.observedGeneration === generation
    )
      return;
    const now = new Date(this.o.clock.now()).toISOString();
    const condition: Condition = {
      type: CREDENTIALS_READY,
      ...outcome,
      lastTransitionTime: previous?.status === outcome.status ? previous.lastTransitionTime : now,
      ...(generation !== undefined && { observedGeneration: generation }),
    };
    const status: BatchAccountStatus = {
      ...account.status,
      ...(generation !== undefined && { observedGeneration: generation }),
      conditions: [
        ...(account.status?.conditions ?? []).filter((c) => c.type !== CREDENTIALS_READY),
        condition,
      ],
    };
    await this.o.sink.patchStatus(account, status);
    // Remember what was written, so that an unchanged outcome writes nothing until the informer catches up.
    const latest = this.accounts.get(name);
    if (latest && latest.metadata.uid === account.metadata.uid)
      this.accounts.set(name, { ...latest, status });
    const changed = previous?.status !== outcome.status || previous.reason !== outcome.reason;
    if (changed && (outcome.status === 'False' || previous))
      await this.o.sink.event(account, {
        type: outcome.status === 'True' ? 'Normal' : 'Warning',
        reason: outcome.status === 'True' ? 'CredentialsWork' : outcome.reason,
        message: outcome.message,
      });
    this.o.log.info(
      { account: name, condition: CREDENTIALS_READY, status: outcome.status, reason: outcome.reason },
      'account credentials checked',
    );
    if (outcome.status === 'True' && previous?.status === 'False') this.o.onRecovered?.(name);
  }
}

/** The sink on client-node: a merge patch of /status, and events.k8s.io Events in `default`, as client-go
 * records events about cluster-scoped objects. */
export class KubeAccountStatusSink implements AccountStatusSink {
  private readonly custom: CustomObjectsApi;
  private readonly events: EventsV1Api;
  private readonly instance: string;
  constructor(kc: KubeConfig, instance: string) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.events = kc.makeApiClient(EventsV1Api);
    this.instance = instance;
  }
  async patchStatus(account: BatchAccount, status: BatchAccountStatus): Promise<void> {
    await this.custom.patchClusterCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        plural: BATCHACCOUNT_PLURAL,
        name: account.metadata.name,
        body: { status },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
  async event(account: BatchAccount, e: AccountEvent): Promise<void> {
    const now = Date.now();
    await this.events.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: {
          name: `${account.metadata.name}.${now.toString(16)}${randomBytes(4).toString('hex')}`,
          namespace: 'default',
        },
        eventTime: new V1MicroTime(now),
        reportingController: REPORTING_CONTROLLER,
        reportingInstance: this.instance,
        action: 'CheckCredentials',
        reason: e.reason,
        type: e.type,
        note: e.message.length > 1024 ? `${e.message.slice(0, 1023)}…` : e.message,
        regarding: {
          apiVersion: API_VERSION,
          kind: BATCHACCOUNT_KIND,
          name: account.metadata.name,
          ...(account.metadata.uid && { uid: account.metadata.uid }),
        },
      },
    });
  }
}

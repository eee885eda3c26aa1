// One AccountObserver per BatchAccount, made on first use: keyed by the account's name, endpoint, plane and
// identity, so an account whose spec changes gets a new one and the old one stops.

import { identityKey } from '../azure/credentials.ts';
import { AccountObserver } from '../azure/observer.ts';
import type { BatchPools } from '../azure/ports.ts';
import type { BatchAccount } from '../api/types.ts';
import type { Clock } from '../clock.ts';
import { describe, failureOf } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { PlanSettings } from './plan/index.ts';

export interface AccountObserversOptions {
  clock: Clock;
  settings: PlanSettings;
  log: Logger;
  /** A tick of this account's observer saw these pool IDs change. */
  onChange: (accountName: string, poolIds: ReadonlySet<string>) => void;
}

export class AccountObservers {
  readonly #o: AccountObserversOptions;
  readonly #byKey = new Map<string, { name: string; observer: AccountObserver }>();

  constructor(options: AccountObserversOptions) {
    this.#o = options;
  }

  of(account: BatchAccount, batch: BatchPools): AccountObserver {
    const name = account.metadata.name;
    const { endpoint, identity, api, resourceId } = account.spec;
    // A change of plane is a new observer: it lists through the plane the account now uses.
    const key = JSON.stringify([name, endpoint, identityKey(identity), api ?? 'DataPlane', resourceId ?? '']);
    const held = this.#byKey.get(key);
    if (held) return held.observer;
    const { clock, settings, log, onChange } = this.#o;
    const observer = new AccountObserver(batch, {
      clock,
      busyMs: settings.resizingPollMs,
      steadyMs: settings.steadyResyncMs,
      onChange: (poolIds) => onChange(name, new Set(poolIds)),
      onError: (err) =>
        log.warn({ account: name, error: describe(err), kind: failureOf(err).kind }, 'observe failed'),
    });
    this.forget(name);
    this.#byKey.set(key, { name, observer });
    return observer;
  }

  /** Stops the account's observer (the BatchAccount is gone, or it changed). */
  forget(accountName: string): void {
    for (const [key, e] of this.#byKey) {
      if (e.name !== accountName) continue;
      e.observer.stop();
      this.#byKey.delete(key);
    }
  }

  stopAll(): void {
    for (const { observer } of this.#byKey.values()) observer.stop();
    this.#byKey.clear();
  }
}

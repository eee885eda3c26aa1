// User-assigned managed identities (Microsoft.ManagedIdentity/userAssignedIdentities) that a management-plane
// pool may carry, and who may assign them. Azure lets a caller put an identity on a resource only with
// Microsoft.ManagedIdentity/userAssignedIdentities/assign/action on the identity (the Managed Identity
// Operator role; Learn: managed-identities-azure-resources/how-manage-user-assigned-managed-identities,
// "Assign a user-assigned managed identity … requires Managed Identity Operator"). ARM checks it as a linked
// authorization and refuses the write with 403 LinkedAuthorizationFailed when the caller lacks it or the
// identity does not exist ("… or the linked scope(s) are invalid").

import { randomUUID } from 'node:crypto';

export interface UserAssignedIdentity {
  /** The resource ID as created (ARM compares resource IDs case-insensitively). */
  id: string;
  clientId: string;
  principalId: string;
}

const IDENTITY_ID =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/[^/]+$/i;

export function isIdentityId(id: string): boolean {
  return IDENTITY_ID.test(id);
}

export class IdentityStore {
  readonly #identities = new Map<string, UserAssignedIdentity>();
  /** Client IDs allowed to assign each identity; absent = anyone (the simulator's default, our choice). */
  readonly #assigners = new Map<string, Set<string>>();

  /**
   * Creates the identity. `assignableBy`: the client IDs holding assign/action on it; when omitted every
   * caller may assign it, so a test that does not care about roles needs no grant.
   */
  create(id: string, options: { assignableBy?: readonly string[] } = {}): UserAssignedIdentity {
    if (!isIdentityId(id)) throw new Error(`not a user-assigned identity resource ID: ${id}`);
    const identity = { id, clientId: randomUUID(), principalId: randomUUID() };
    this.#identities.set(id.toLowerCase(), identity);
    if (options.assignableBy) this.#assigners.set(id.toLowerCase(), new Set(options.assignableBy));
    else this.#assigners.delete(id.toLowerCase());
    return identity;
  }

  get(id: string): UserAssignedIdentity | undefined {
    return this.#identities.get(id.toLowerCase());
  }

  delete(id: string): boolean {
    this.#assigners.delete(id.toLowerCase());
    return this.#identities.delete(id.toLowerCase());
  }

  /** Gives `clientId` assign/action on the identity (as a Managed Identity Operator assignment would). */
  grantAssign(id: string, clientId: string): void {
    const set = this.#assigners.get(id.toLowerCase());
    if (set) set.add(clientId);
  }

  /** Whether `clientId` may put this identity on a resource; false when it does not exist. */
  mayAssign(id: string, clientId: string | undefined): boolean {
    if (!this.get(id)) return false;
    const set = this.#assigners.get(id.toLowerCase());
    return set === undefined || (clientId !== undefined && set.has(clientId));
  }

  clear(): void {
    this.#identities.clear();
    this.#assigners.clear();
  }
}

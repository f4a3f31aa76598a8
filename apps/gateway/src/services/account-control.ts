import { GloveboxError, newSecret, type Clock } from '@glovebox/core';
import type { AgentRecord, Store, UserRecord } from '../store/index.js';
import type { AccessService } from './access.js';
import { hashBearer } from './secrets.js';

export interface AccountControlConfig {
  store: Store;
  clock: Clock;
  access: Pick<AccessService, 'closeAll'>;
  /**
   * Whether the policy in force lets this user administer the gateway (after a fresh second
   * factor, when the policy asks for one).
   */
  canAdminister(user: UserRecord): boolean;
  /** Closes a connection whose agent credential was revoked or replaced, on whichever replica holds it. */
  agentChanged(name: string): Promise<void>;
}

/**
 * Ending access at once: disabling a user (every token and console login revoked, every pending
 * request denied, every session ended, and the sessions their approval activated), revoking or
 * rotating an agent's credential (its live connection closed on whichever replica holds it). The
 * API, `glovebox users disable`,
 * `glovebox agents revoke|rotate` and `glovebox apply` all go through here.
 */
export class AccountControl {
  readonly #c: AccountControlConfig;

  constructor(config: AccountControlConfig) {
    this.#c = config;
  }

  /**
   * Disables a user. The flag comes first: every replica refuses the user's tokens from the next
   * request on, since each check reads the user; then the tokens are revoked (enabling the user
   * again brings none back) and the requests and sessions closed.
   */
  async disableUser(
    user: UserRecord,
    by: string,
  ): Promise<{ tokensRevoked: number; sessionsClosed: number }> {
    const { store, clock } = this.#c;
    await store.setUserDisabled(user.id, true);
    let tokensRevoked = 0;
    for (const token of await store.listTokens(user.id))
      if (token.revokedAt === null && (await store.revokeToken(token.id, clock.now()))) tokensRevoked++;
    let sessionsClosed = await this.#c.access.closeAll(
      (r) => r.requesterId === user.id,
      'requester disabled',
      by,
    );
    // Their approvals are withdrawn: sessions they approved end (pending ones stop counting them).
    const approved = new Set(
      (await store.listRequests({ approverId: user.id, status: ['active'] })).map((r) => r.id),
    );
    sessionsClosed += await this.#c.access.closeAll((r) => approved.has(r.id), 'approver disabled', by);
    return { tokensRevoked, sessionsClosed };
  }

  /**
   * Refuses (GBX_CONFLICT) a change after which no enabled user could administer the gateway:
   * bootstrap only runs on an empty store, so nobody could ever administer it again. `next` are
   * the changed users as they would be (new ones included); the others are read from the store.
   */
  async assertAdministrable(next: readonly UserRecord[]): Promise<void> {
    const changed = new Map(next.map((u) => [u.name, u]));
    const current = await this.#c.store.listUsers();
    const after = [...current.filter((u) => !changed.has(u.name)), ...next];
    if (this.#anyAdministrator(after)) return;
    throw new GloveboxError(
      'GBX_CONFLICT',
      'refused: no enabled user could administer the gateway afterwards (the last administrator cannot be disabled or leave the group that lets it administer); give another user that right first',
      { details: { users: next.map((u) => u.name) } },
    );
  }

  /**
   * Whether an enabled user can administer the gateway now. A single sign-on login refreshes the
   * user's groups from the provider, which the gateway cannot refuse: that can leave nobody, and
   * is recorded then (docs/sso.md, "When nobody can administer").
   */
  async administrable(): Promise<boolean> {
    return this.#anyAdministrator(await this.#c.store.listUsers());
  }

  #anyAdministrator(users: readonly UserRecord[]): boolean {
    return users.some((u) => !u.disabled && this.#c.canAdminister(u));
  }

  /** Enables a user again; they log in anew (their old tokens stay revoked). */
  async enableUser(user: UserRecord): Promise<void> {
    await this.#c.store.setUserDisabled(user.id, false);
  }

  /** Revokes an agent's registration: it cannot connect, its connection is closed, its sessions end. */
  async revokeAgent(agent: AgentRecord, by: string): Promise<{ sessionsClosed: number }> {
    await this.#c.store.updateAgent({ ...agent, revokedAt: this.#c.clock.now() });
    await this.#c.agentChanged(agent.name);
    const sessionsClosed = await this.#c.access.closeAll((r) => r.target === agent.name, 'agent revoked', by);
    return { sessionsClosed };
  }

  /**
   * Replaces an agent's credential (shown once). The connection made with the old one is closed;
   * the agent reconnects with the new one and resumes its sessions' leases.
   */
  async rotateAgent(agent: AgentRecord): Promise<string> {
    const credential = newSecret('gbx_a');
    await this.replaceAgent({ ...agent, credentialHash: hashBearer(credential) });
    return credential;
  }

  /**
   * Cuts off one instance of an agent while its siblings keep the credential: recorded in the store
   * (every replica refuses its hello from now on), then its connection is closed wherever it is
   * held, its sessions revoked on it first. False when it was already revoked.
   */
  async revokeInstance(agent: AgentRecord, instance: string, by: string): Promise<boolean> {
    const revoked = await this.#c.store.revokedInstances.revoke(
      agent.name,
      instance,
      by,
      this.#c.clock.now(),
    );
    await this.#c.agentChanged(agent.name);
    return revoked;
  }

  /** Stores a changed registration and closes a connection its change made stale. */
  async replaceAgent(next: AgentRecord): Promise<void> {
    await this.#c.store.updateAgent(next);
    await this.#c.agentChanged(next.name);
  }
}

import { GloveboxError, newId, newSecret, type Clock } from '@glovebox/core';
import type { Obligations } from '@glovebox/policy';
import type { Store, TokenRecord, UserRecord } from '../store/index.js';
import {
  decoyPasswordHash,
  hashBearer,
  hashPassword,
  needsRehash,
  verifyPassword,
  type SecretBox,
} from './secrets.js';
import { MfaService } from './mfa.js';
import { CredentialLimiter, type CredentialLimits } from './credential-limits.js';
import { CredentialReads, type CredentialView } from './credential-reads.js';

/** Who the provider says logged in, reduced to what the gateway uses. */
export interface SsoIdentity {
  issuer: string;
  subject: string;
  /** Suggested local user name (lowercased, made safe); the subject decides identity, not this. */
  username: string;
  /** Policy groups after the configured mapping. */
  groups: string[];
  /** The login must end no later than this (the provider's tokens expire then). */
  expiresAt: number;
  /** When the provider says a second factor was used, if it says so. */
  mfaAt: number | null;
}

/** Who is calling: resolved from a bearer token on every request. */
export interface Actor {
  userId: string;
  name: string;
  groups: string[];
  tokenId: string;
  tokenKind: TokenRecord['kind'];
  /** When this login last proved a second factor; null if never. */
  mfaAt: number | null;
}

export interface IdentityConfig {
  store: Store;
  clock: Clock;
  secrets: SecretBox;
  /** Lifetime of a login session token. */
  sessionTokenTtlMs: number;
  /** Failed credential checks allowed per user, per source and per both, within a window. */
  credentialLimits: CredentialLimits;
  /**
   * How old a user's groups from single sign-on may be before their tokens are refused
   * (GBX_AUTH_SSO_STALE) until an SSO login refreshes them (`oidc.maxGroupStalenessSec`).
   */
  maxGroupStalenessMs: number;
}

/** Default `oidc.maxGroupStalenessSec`: an hour, what providers' ID tokens usually live. */
export const DEFAULT_MAX_GROUP_STALENESS_SEC = 3600;

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const GROUP = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** True when `name` could name a user (lowercase letters, digits, . _ -; at most 64). */
export function isUserName(name: string): boolean {
  return NAME.test(name);
}

/** Validates a user or group name; throws GBX_REQUEST_INVALID. */
export function checkName(kind: 'user' | 'group', name: string): string {
  if (!(kind === 'user' ? NAME : GROUP).test(name)) {
    throw new GloveboxError(
      'GBX_REQUEST_INVALID',
      `invalid ${kind} name (lowercase letters, digits, . _ -; at most 64)`,
    );
  }
  return name;
}

/** Local users, bearer tokens and TOTP. Failures of authentication all look alike to the caller. */
export class IdentityService {
  readonly #c: IdentityConfig;
  /** Second factors: enrollment tickets, TOTP, which login enrolled what. */
  readonly mfa: MfaService;
  /** Limits on failed credential checks, shared by every replica through the store. */
  readonly limiter: CredentialLimiter;
  /** Tokens and users of bearer checks, reused while no replica wrote either. */
  readonly #reads: CredentialReads;

  constructor(config: IdentityConfig) {
    this.#c = config;
    this.#reads = new CredentialReads(config.store);
    this.mfa = new MfaService(config);
    this.limiter = new CredentialLimiter(config.store.identityState, config.clock, config.credentialLimits);
  }

  async createUser(name: string, groups: string[], password: string | null): Promise<UserRecord> {
    checkName('user', name);
    groups.forEach((g) => checkName('group', g));
    if (password !== null && (password.length < 12 || password.length > 1024)) {
      throw new GloveboxError('GBX_REQUEST_INVALID', 'password must be 12 to 1024 characters');
    }
    if (await this.#c.store.getUserByName(name))
      throw new GloveboxError('GBX_CONFLICT', 'a user with that name exists');
    const user: UserRecord = {
      id: newId('usr'),
      name,
      groups: [...new Set(groups)].sort(),
      passwordHash: password === null ? null : await hashPassword(password),
      totpSecretEnc: null,
      mfaEnrolledAt: null,
      createdAt: this.#c.clock.now(),
      disabled: false,
    };
    await this.#c.store.createUser(user);
    return user;
  }

  /**
   * Password (+ TOTP when enrolled) login. Unknown user, wrong password and wrong code all give
   * the same GBX_AUTH_FAILED after the same work; a missing code for an enrolled user gives
   * GBX_AUTH_MFA_REQUIRED only once the password was right.
   */
  /** Whether a user of that name exists (what a failed login may record as who tried). */
  async userExists(name: string): Promise<boolean> {
    return NAME.test(name) && (await this.#c.store.getUserByName(name)) !== null;
  }

  async login(
    name: string,
    password: string,
    otp: string | undefined,
    clientAddress: string,
  ): Promise<{ token: string; record: TokenRecord; user: UserRecord }> {
    return this.limiter.attempt(
      { user: name, source: clientAddress },
      () => this.#login(name, password, otp),
      (code) => code === 'GBX_AUTH_FAILED',
    );
  }

  async #login(
    name: string,
    password: string,
    otp: string | undefined,
  ): Promise<{ token: string; record: TokenRecord; user: UserRecord }> {
    const user = NAME.test(name) ? await this.#c.store.getUserByName(name) : null;
    const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyPasswordHash()));
    if (!user || !ok || user.disabled || user.passwordHash === null)
      throw new GloveboxError('GBX_AUTH_FAILED', 'invalid credentials');
    let mfaAt: number | null = null;
    if (user.mfaEnrolledAt !== null) {
      if (otp === undefined || otp === '')
        throw new GloveboxError('GBX_AUTH_MFA_REQUIRED', 'a one-time code is required');
      if (user.totpSecretEnc === null || !(await this.mfa.checkTotp(user.id, user.totpSecretEnc, otp)))
        throw new GloveboxError('GBX_AUTH_FAILED', 'invalid credentials');
      mfaAt = this.#c.clock.now();
    }
    // An older, cheaper hash is replaced by today's at the first login that proves the password.
    if (needsRehash(user.passwordHash))
      await this.#c.store.replacePasswordHash(user.id, user.passwordHash, await hashPassword(password));
    const { token, record } = await this.issueToken(
      user.id,
      'session',
      this.#c.sessionTokenTtlMs,
      null,
      mfaAt,
    );
    return { token, record, user };
  }

  async issueToken(
    userId: string,
    kind: TokenRecord['kind'],
    ttlMs: number,
    label: string | null,
    mfaAt: number | null = null,
    now = this.#c.clock.now(),
    loginId: string | null = null,
  ): Promise<{ token: string; record: TokenRecord }> {
    const token = newSecret(kind === 'session' ? 'gbx_s' : 'gbx_t');
    const record: TokenRecord = {
      id: newId('tok'),
      userId,
      kind,
      hash: hashBearer(token),
      createdAt: now,
      expiresAt: now + ttlMs,
      revokedAt: null,
      mfaAt,
      label,
      loginId,
    };
    await this.#c.store.createToken(record);
    return { token, record };
  }

  /**
   * Mints an API token under the obligations of the `createToken` decision that allowed it: it
   * lives at most `maxDurationSec`, and never past the end of the login it is minted from (a single
   * sign-on login ends with the provider's session) unless the policy says `outlivesLogin`.
   */
  async mintApiToken(
    actor: Actor,
    userId: string,
    requestedTtlMs: number | undefined,
    label: string | null,
    obligations: Pick<Obligations, 'maxDurationSec' | 'outlivesLogin'>,
  ): Promise<{ token: string; record: TokenRecord; limitedBy: 'request' | 'policy' | 'login' }> {
    const now = this.#c.clock.now();
    const policyEnd = now + obligations.maxDurationSec * 1000;
    const asked = requestedTtlMs === undefined ? Infinity : now + requestedTtlMs;
    let expiresAt = Math.min(asked, policyEnd);
    let limitedBy: 'request' | 'policy' | 'login' = asked <= policyEnd ? 'request' : 'policy';
    let loginId: string | null = null;
    if (obligations.outlivesLogin !== true) {
      const login = await this.#c.store.getTokenById(actor.tokenId);
      if (!login) throw new GloveboxError('GBX_AUTH_FAILED', 'invalid or expired credentials');
      if (login.expiresAt < expiresAt) {
        expiresAt = login.expiresAt;
        limitedBy = 'login';
      }
      // A token minted from a minted token ends with the same login: the root, one level always.
      loginId = login.loginId ?? login.id;
    }
    const { token, record } = await this.issueToken(
      userId,
      'api',
      expiresAt - now,
      label,
      null,
      now,
      loginId,
    );
    return { token, record, limitedBy };
  }

  /** Stores a caller-chosen API token (bootstrap only). */
  async adoptToken(userId: string, token: string, ttlMs: number, label: string): Promise<TokenRecord> {
    if (token.length < 24)
      throw new GloveboxError(
        'GBX_CONFIG_INVALID',
        'GLOVEBOX_BOOTSTRAP_TOKEN must be at least 24 characters',
      );
    const now = this.#c.clock.now();
    const record: TokenRecord = {
      id: newId('tok'),
      userId,
      kind: 'api',
      hash: hashBearer(token),
      createdAt: now,
      expiresAt: now + ttlMs,
      revokedAt: null,
      mfaAt: null,
      label,
      loginId: null,
    };
    await this.#c.store.createToken(record);
    return record;
  }

  /**
   * Resolves a bearer token presented from `clientAddress` to an actor, or throws GBX_AUTH_FAILED
   * for anything wrong with it (GBX_RATE_LIMITED while that source is over its failure limit).
   */
  async authenticate(bearer: string, clientAddress: string): Promise<Actor> {
    return this.limiter.bearer(clientAddress, (credentials) =>
      this.#authenticate(bearer, this.#reads.at(credentials)),
    );
  }

  async #authenticate(bearer: string, reads: CredentialView): Promise<Actor> {
    const fail = () => new GloveboxError('GBX_AUTH_FAILED', 'invalid or expired credentials');
    if (!/^gbx_[st]_[A-Za-z0-9_-]{20,}$/.test(bearer) && bearer.length < 24) throw fail();
    const record = await reads.tokenByHash(hashBearer(bearer));
    if (!record || record.revokedAt !== null || record.expiresAt <= this.#c.clock.now()) throw fail();
    // Checked at every use, not only revoked with it: a token minted while its login logged out
    // (another replica, the same instant) is refused all the same.
    if (record.loginId !== null) {
      const login = await reads.tokenById(record.loginId);
      if (!login || login.revokedAt !== null) throw fail();
    }
    const user = await reads.userById(record.userId);
    if (!user || user.disabled) throw fail();
    this.#checkSsoGroups(user);
    return {
      userId: user.id,
      name: user.name,
      groups: user.groups,
      tokenId: record.id,
      tokenKind: record.kind,
      mfaAt: record.mfaAt,
    };
  }

  /**
   * A user single sign-on provisioned has the groups the provider gave at their last SSO login:
   * once those are older than allowed, every token of the user (logins and minted ones alike) is
   * refused until the user logs in with SSO again, which refreshes them. A group the provider
   * took away stops counting within that time.
   */
  #checkSsoGroups(user: UserRecord): void {
    const at = user.ssoGroupsAt ?? null;
    if (at === null) return;
    const ageMs = this.#c.clock.now() - at;
    if (ageMs <= this.#c.maxGroupStalenessMs) return;
    throw new GloveboxError(
      'GBX_AUTH_SSO_STALE',
      'your groups from single sign-on are older than this gateway allows: log in again with `glovebox login --sso` (or in the console)',
      {
        details: {
          user: user.name,
          groupsAgeSec: Math.floor(ageMs / 1000),
          maxGroupStalenessSec: Math.floor(this.#c.maxGroupStalenessMs / 1000),
        },
      },
    );
  }

  /**
   * Revokes a token, and every token minted from it when it is a login (logout ends them too);
   * returns how many minted tokens ended with it. Who may revoke which token is decided by the
   * route table, not here.
   */
  async revokeToken(tokenId: string): Promise<number> {
    const now = this.#c.clock.now();
    if (!(await this.#c.store.revokeToken(tokenId, now))) {
      throw new GloveboxError('GBX_NOT_FOUND', 'no such token, or already revoked');
    }
    return this.#c.store.revokeTokensOfLogin(tokenId, now);
  }

  /**
   * Single sign-on login: finds the local user linked to the provider's (issuer, subject), or
   * provisions one just in time; refreshes its groups from the provider; issues a session token
   * that ends no later than the provider's tokens. A local user who merely has the same name is
   * never taken over.
   */
  async loginSso(sso: SsoIdentity): Promise<{
    token: string;
    record: TokenRecord;
    user: UserRecord;
    provisioned: boolean;
    /** The user's groups before this login (what a provisioned user was created with). */
    previousGroups: string[];
  }> {
    const groups = [...new Set(sso.groups.map((g) => checkName('group', g)))].sort();
    const linked = await this.#c.store.getSsoUserId(sso.issuer, sso.subject);
    let user: UserRecord | null;
    let provisioned = false;
    if (linked) {
      user = await this.#c.store.getUserById(linked);
      if (!user || user.disabled)
        throw new GloveboxError('GBX_AUTH_FAILED', 'invalid or expired credentials');
    } else {
      if (await this.#c.store.getUserByName(sso.username))
        throw new GloveboxError(
          'GBX_CONFLICT',
          'a local user with this name exists and is not linked to this identity provider',
        );
      user = await this.createUser(sso.username, groups, null);
      await this.#c.store.linkSsoIdentity(sso.issuer, sso.subject, user.id, this.#c.clock.now());
      provisioned = true;
    }
    // Every SSO login refreshes the groups, and when: every token of the user holds again, with them.
    const now = this.#c.clock.now();
    await this.#c.store.updateUserGroups(user.id, groups, now);
    const previousGroups = user.groups;
    user = { ...user, groups, ssoGroupsAt: now };
    const ttl = Math.min(this.#c.sessionTokenTtlMs, sso.expiresAt - this.#c.clock.now());
    if (ttl <= 0) throw new GloveboxError('GBX_AUTH_FAILED', 'invalid or expired credentials');
    const { token, record } = await this.issueToken(user.id, 'session', ttl, 'sso', sso.mfaAt);
    return { token, record, user, provisioned, previousGroups };
  }
}

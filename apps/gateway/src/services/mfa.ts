import { authenticator } from 'otplib';
import { GloveboxError, newSecret, type Clock } from '@glovebox/core';
import type { Store, UserRecord } from '../store/index.js';
import type { FactorId } from '../store/identity-state.js';
import type { Actor } from './identity.js';
import { hashBearer, type SecretBox } from './secrets.js';

/** How long an admin-issued enrollment ticket stays usable. */
export const ENROLLMENT_TICKET_TTL_MS = 24 * 3600_000;
/** A login whose last second factor is older than this must prove one again before adding another. */
export const ENROLL_FRESHNESS_MS = 15 * 60_000;

/** Why an enrollment was allowed: an admin's ticket, or a fresh second factor of this login. */
export type EnrollmentGrant = 'ticket' | 'fresh-mfa';

export interface MfaConfig {
  store: Store;
  clock: Clock;
  secrets: SecretBox;
}

const sameLogin = () =>
  new GloveboxError(
    'GBX_MFA_SAME_LOGIN',
    'a second factor enrolled in this login does not count for step-up: log in again with it',
  );

/**
 * Second factors and what they prove. A password alone never adds a factor: the first one needs
 * an admin's enrollment ticket (single use, short-lived) or a login whose second factor is fresh
 * (a single sign-on login whose provider asserted MFA, or an existing factor checked in this
 * login). A factor never satisfies step-up in the login that enrolled it.
 */
export class MfaService {
  readonly #c: MfaConfig;

  constructor(config: MfaConfig) {
    this.#c = config;
  }

  /** Issues a single-use enrollment ticket for a user (shown once; only its hash is stored). */
  async issueTicket(userId: string): Promise<{ ticket: string; expiresAt: number }> {
    const ticket = newSecret('gbx_e');
    const now = this.#c.clock.now();
    const expiresAt = now + ENROLLMENT_TICKET_TTL_MS;
    await this.#c.store.identityState.addTicket({
      hash: hashBearer(ticket),
      userId,
      createdAt: now,
      expiresAt,
    });
    return { ticket, expiresAt };
  }

  /** Decides whether this login may add a second factor now; uses the ticket when it needs it. */
  async mayEnroll(actor: Actor, ticket: string | undefined): Promise<EnrollmentGrant> {
    const now = this.#c.clock.now();
    if (actor.mfaAt !== null && now - actor.mfaAt <= ENROLL_FRESHNESS_MS) return 'fresh-mfa';
    if (ticket && (await this.#c.store.identityState.useTicket(hashBearer(ticket), actor.userId, now)))
      return 'ticket';
    if (await this.hasFactor(await this.#mustUser(actor.userId)))
      throw new GloveboxError('GBX_STEP_UP_REQUIRED', 'verify a current second factor before adding another');
    throw new GloveboxError(
      'GBX_MFA_TICKET_REQUIRED',
      'the first second factor needs an enrollment ticket from an admin (`glovebox users reset-mfa NAME`) or a single sign-on login that checked MFA',
    );
  }

  async hasFactor(user: UserRecord): Promise<boolean> {
    return user.mfaEnrolledAt !== null || (await this.#c.store.listWebauthnCredentials(user.id)).length > 0;
  }

  /** Starts a TOTP enrollment bound to this login; the current factor stays until it is confirmed. */
  async enrollTotp(
    actor: Actor,
    ticket: string | undefined,
  ): Promise<{ secret: string; otpauthUrl: string; grant: EnrollmentGrant }> {
    const user = await this.#mustUser(actor.userId);
    const grant = await this.mayEnroll(actor, ticket);
    const secret = authenticator.generateSecret(20);
    await this.#c.store.identityState.setPendingTotp(
      user.id,
      this.#c.secrets.seal(secret),
      actor.tokenId,
      this.#c.clock.now(),
    );
    return { secret, otpauthUrl: authenticator.keyuri(user.name, 'Glovebox', secret), grant };
  }

  /**
   * Checks a TOTP code. A code of the secret pending in this login confirms the enrollment (and
   * is no step-up); a code of the enrolled secret refreshes this login's MFA time, unless this
   * login enrolled it.
   */
  async verifyTotp(actor: Actor, code: string): Promise<{ verifiedAt: number; enrolled: boolean }> {
    const user = await this.#mustUser(actor.userId);
    const state = this.#c.store.identityState;
    const now = this.#c.clock.now();
    const pending = await state.pendingTotp(user.id, actor.tokenId);
    if (pending !== null && (await this.checkTotp(user.id, pending, code))) {
      if (!(await state.confirmTotp(user.id, actor.tokenId, now)))
        throw new GloveboxError('GBX_MFA_INVALID', 'the code is wrong or expired');
      return { verifiedAt: now, enrolled: true };
    }
    if (user.mfaEnrolledAt === null || user.totpSecretEnc === null) {
      if (pending !== null) throw new GloveboxError('GBX_MFA_INVALID', 'the code is wrong or expired');
      throw new GloveboxError(
        'GBX_MFA_NOT_ENROLLED',
        "no one-time-code factor is enrolled: run `glovebox mfa enroll` (a first factor needs an admin's ticket: `glovebox users reset-mfa NAME`, then `glovebox mfa enroll --ticket TICKET`)",
      );
    }
    if ((await state.factorEnrolledBy(user.id, 'totp')) === actor.tokenId) throw sameLogin();
    if (!(await this.checkTotp(user.id, user.totpSecretEnc, code)))
      throw new GloveboxError('GBX_MFA_INVALID', 'the code is wrong or expired');
    await this.confirmFactor(actor, 'totp');
    return { verifiedAt: now, enrolled: false };
  }

  /** Records that this login enrolled a factor (it will not count for step-up in this login). */
  async recordEnrollment(actor: Actor, factor: FactorId): Promise<void> {
    await this.#c.store.identityState.recordFactor(actor.userId, factor, actor.tokenId, this.#c.clock.now());
  }

  /** A factor was just proven: refreshes this login's MFA time, unless this login enrolled it. */
  async confirmFactor(actor: Actor, factor: FactorId): Promise<{ verifiedAt: number }> {
    if ((await this.#c.store.identityState.factorEnrolledBy(actor.userId, factor)) === actor.tokenId)
      throw sameLogin();
    const now = this.#c.clock.now();
    await this.#c.store.setTokenMfaAt(actor.tokenId, now);
    return { verifiedAt: now };
  }

  /** Removes every factor of a user and issues a fresh enrollment ticket. */
  async reset(userId: string): Promise<{ ticket: string; expiresAt: number }> {
    await this.#c.store.identityState.removeFactors(userId);
    return this.issueTicket(userId);
  }

  /** Checks a code against a sealed secret; each time step is accepted once per user, across replicas. */
  async checkTotp(userId: string, secretEnc: string, code: string): Promise<boolean> {
    if (!/^\d{6}$/.test(code)) return false;
    const now = this.#c.clock.now();
    const delta = authenticator
      .clone({ window: 1, epoch: now })
      .checkDelta(code, this.#c.secrets.open(secretEnc));
    if (delta === null) return false;
    return this.#c.store.identityState.acceptTotpStep(userId, Math.floor(now / 30_000) + delta);
  }

  async #mustUser(id: string): Promise<UserRecord> {
    const user = await this.#c.store.getUserById(id);
    if (!user || user.disabled) throw new GloveboxError('GBX_AUTH_FAILED', 'invalid or expired credentials');
    return user;
  }
}

import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { GloveboxError, type Clock } from '@glovebox/core';
import type { GatewayServices } from '../../server.js';
import type { Actor } from '../../services/identity.js';
import type { EnrollmentGrant } from '../../services/mfa.js';
import type { SecretBox } from '../../services/secrets.js';

/** How long a ceremony may take between options and verification. */
const CHALLENGE_TTL_MS = 5 * 60_000;

const challengeSchema = z.object({
  challenge: z.string().min(16).max(256),
  tokenId: z.string(),
  purpose: z.enum(['register', 'assert']),
  expiresAt: z.number(),
  /** Why a registration was allowed (an enrollment ticket or a fresh second factor). */
  grant: z.enum(['ticket', 'fresh-mfa']).optional(),
});

/**
 * A ceremony's challenge, sealed and handed to the browser: bound to the login that asked for
 * it and its purpose, short-lived, and accepted once across replicas.
 */
export class ChallengeSeal {
  readonly #clock: Clock;
  readonly #secrets: SecretBox;
  readonly #identityState: GatewayServices['store']['identityState'];

  constructor(clock: Clock, secrets: SecretBox, identityState: GatewayServices['store']['identityState']) {
    this.#clock = clock;
    this.#secrets = secrets;
    this.#identityState = identityState;
  }

  seal(actor: Actor, challenge: string, purpose: 'register' | 'assert', grant?: EnrollmentGrant): string {
    return this.#secrets.seal(
      JSON.stringify({
        challenge,
        tokenId: actor.tokenId,
        purpose,
        expiresAt: this.#clock.now() + CHALLENGE_TTL_MS,
        ...(grant ? { grant } : {}),
      }),
    );
  }

  async open(
    actor: Actor,
    token: string,
    purpose: 'register' | 'assert',
  ): Promise<z.infer<typeof challengeSchema>> {
    const invalid = () =>
      new GloveboxError('GBX_MFA_INVALID', 'the security key response is invalid or expired');
    let c: z.infer<typeof challengeSchema>;
    try {
      c = challengeSchema.parse(JSON.parse(this.#secrets.open(token)));
    } catch {
      throw invalid();
    }
    if (c.tokenId !== actor.tokenId || c.purpose !== purpose || c.expiresAt <= this.#clock.now())
      throw invalid();
    // once across replicas: a challenge another replica accepted is spent here too
    const key = `webauthn:${createHash('sha256').update(c.challenge).digest('base64url')}`;
    if (!(await this.#identityState.useOnce(key, c.expiresAt))) throw invalid();
    return c;
  }
}

/** What every WebAuthn route needs: the relying party a request speaks to, and the challenge seal. */
export interface WebauthnContext {
  rp(request: FastifyRequest): { origin: string; rpID: string };
  challenges: ChallengeSeal;
}

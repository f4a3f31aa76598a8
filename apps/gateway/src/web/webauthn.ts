import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { GloveboxError } from '@glovebox/core';
import {
  API_PREFIX,
  mfaEnrollBodySchema,
  mfaVerifyResponseSchema,
  webauthnCredentialListSchema,
  webauthnOptionsResponseSchema,
  webauthnRegisteredSchema,
  webauthnVerifyBodySchema,
} from '@glovebox/protocol';
import type { GatewayApp, GatewayServices } from '../server.js';
import type { Actor } from '../services/identity.js';
import type { SecretBox } from '../services/secrets.js';
import type { EnrollmentGrant } from '../services/mfa.js';

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

function actorOf(request: { actor: Actor | null }): Actor {
  if (!request.actor) throw new GloveboxError('GBX_AUTH_REQUIRED', 'authentication required');
  return request.actor;
}

/**
 * WebAuthn as a second factor: registration of security keys and platform authenticators, and
 * assertions that refresh the login's MFA time for step-up, like a TOTP code. Challenges are
 * sealed and bound to the login that asked for them, and each is accepted once.
 */
export function registerWebauthnRoutes(
  app: GatewayApp,
  s: GatewayServices,
  options: { origin: (request: FastifyRequest) => string; secrets: SecretBox },
): void {
  const { config, store, identity, audit } = s;
  const rp = (request: FastifyRequest) => {
    const origin = config.webauthn?.origin ?? options.origin(request);
    return { origin, rpID: config.webauthn?.rpId ?? new URL(origin).hostname };
  };
  const seal = (actor: Actor, challenge: string, purpose: 'register' | 'assert', grant?: EnrollmentGrant) =>
    options.secrets.seal(
      JSON.stringify({
        challenge,
        tokenId: actor.tokenId,
        purpose,
        expiresAt: config.clock.now() + CHALLENGE_TTL_MS,
        ...(grant ? { grant } : {}),
      }),
    );
  const unseal = async (
    actor: Actor,
    token: string,
    purpose: 'register' | 'assert',
  ): Promise<z.infer<typeof challengeSchema>> => {
    const invalid = () =>
      new GloveboxError('GBX_MFA_INVALID', 'the security key response is invalid or expired');
    let c: z.infer<typeof challengeSchema>;
    try {
      c = challengeSchema.parse(JSON.parse(options.secrets.open(token)));
    } catch {
      throw invalid();
    }
    if (c.tokenId !== actor.tokenId || c.purpose !== purpose || c.expiresAt <= config.clock.now())
      throw invalid();
    // once across replicas: a challenge another replica accepted is spent here too
    const key = `webauthn:${createHash('sha256').update(c.challenge).digest('base64url')}`;
    if (!(await store.identityState.useOnce(key, c.expiresAt))) throw invalid();
    return c;
  };

  app.get(
    `${API_PREFIX}/mfa/webauthn`,
    { schema: { response: { 200: webauthnCredentialListSchema } } },
    async (request) => {
      const actor = actorOf(request);
      const list = await store.listWebauthnCredentials(actor.userId);
      return {
        credentials: list.map((c) => ({ id: c.id, createdAt: c.createdAt, lastUsedAt: c.lastUsedAt })),
      };
    },
  );

  app.post(
    `${API_PREFIX}/mfa/webauthn/register/options`,
    { schema: { body: mfaEnrollBodySchema.optional(), response: { 200: webauthnOptionsResponseSchema } } },
    async (request) => {
      const actor = actorOf(request);
      const user = await store.getUserById(actor.userId);
      if (!user) throw new GloveboxError('GBX_AUTH_FAILED', 'invalid or expired credentials');
      const existing = await store.listWebauthnCredentials(actor.userId);
      const grant = await identity.mfa.mayEnroll(actor, request.body?.ticket);
      const { rpID } = rp(request);
      const opts = await generateRegistrationOptions({
        rpName: 'Glovebox',
        rpID,
        userName: user.name,
        userID: new TextEncoder().encode(user.id),
        attestationType: 'none',
        excludeCredentials: existing.map((c) => ({
          id: c.id,
          transports: c.transports as AuthenticatorTransportFuture[],
        })),
        authenticatorSelection: { residentKey: 'discouraged', userVerification: 'preferred' },
      });
      return {
        options: opts as unknown as Record<string, unknown>,
        challengeToken: seal(actor, opts.challenge, 'register', grant),
      };
    },
  );

  app.post(
    `${API_PREFIX}/mfa/webauthn/register/verify`,
    { schema: { body: webauthnVerifyBodySchema, response: { 201: webauthnRegisteredSchema } } },
    async (request, reply) => {
      const actor = actorOf(request);
      const { challenge, grant } = await unseal(actor, request.body.challengeToken, 'register');
      const { origin, rpID } = rp(request);
      let verified;
      try {
        verified = await verifyRegistrationResponse({
          response: request.body.response as unknown as RegistrationResponseJSON,
          expectedChallenge: challenge,
          expectedOrigin: origin,
          expectedRPID: rpID,
          requireUserVerification: false,
        });
      } catch {
        verified = { verified: false as const };
      }
      if (!verified.verified) {
        await audit.record({
          type: 'auth.mfa_failed',
          actor: { kind: 'user', id: actor.name },
          outcome: 'failure',
          details: { method: 'webauthn', ceremony: 'register' },
        });
        throw new GloveboxError('GBX_MFA_INVALID', 'the security key response is invalid or expired');
      }
      const credential = verified.registrationInfo.credential;
      const now = config.clock.now();
      await store.addWebauthnCredential({
        id: credential.id,
        userId: actor.userId,
        publicKey: Buffer.from(credential.publicKey).toString('base64url'),
        counter: credential.counter,
        transports: credential.transports ?? [],
        createdAt: now,
        lastUsedAt: null,
      });
      // A key registered in this login never counts as this login's second factor.
      await identity.mfa.recordEnrollment(actor, `webauthn:${credential.id}`);
      await audit.record({
        type: 'auth.mfa_enrolled',
        actor: { kind: 'user', id: actor.name },
        outcome: 'success',
        details: { method: 'webauthn', via: grant ?? 'fresh-mfa' },
      });
      return reply.status(201).send({ credentialId: credential.id, createdAt: now });
    },
  );

  app.post(
    `${API_PREFIX}/mfa/webauthn/assert/options`,
    { schema: { body: z.object({}).strict().optional(), response: { 200: webauthnOptionsResponseSchema } } },
    async (request) => {
      const actor = actorOf(request);
      const credentials = await store.listWebauthnCredentials(actor.userId);
      if (credentials.length === 0)
        throw new GloveboxError('GBX_MFA_NOT_ENROLLED', 'register a security key first');
      const opts = await generateAuthenticationOptions({
        rpID: rp(request).rpID,
        allowCredentials: credentials.map((c) => ({
          id: c.id,
          transports: c.transports as AuthenticatorTransportFuture[],
        })),
        userVerification: 'preferred',
      });
      return {
        options: opts as unknown as Record<string, unknown>,
        challengeToken: seal(actor, opts.challenge, 'assert'),
      };
    },
  );

  /** Checks an assertion against the login's challenge and the user's keys; GBX_MFA_INVALID if it fails. */
  const verifyAssertion = async (
    actor: Actor,
    body: z.infer<typeof webauthnVerifyBodySchema>,
    request: FastifyRequest,
  ): Promise<{ id: string; newCounter: number }> => {
    const invalid = () =>
      new GloveboxError('GBX_MFA_INVALID', 'the security key response is invalid or expired');
    const { challenge } = await unseal(actor, body.challengeToken, 'assert');
    const response = body.response as unknown as AuthenticationResponseJSON;
    const stored = (await store.listWebauthnCredentials(actor.userId)).find((c) => c.id === response.id);
    if (!stored) throw invalid();
    const { origin, rpID } = rp(request);
    try {
      const result = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
        credential: {
          id: stored.id,
          publicKey: new Uint8Array(Buffer.from(stored.publicKey, 'base64url')),
          counter: stored.counter,
          transports: stored.transports as AuthenticatorTransportFuture[],
        },
        requireUserVerification: false,
      });
      if (result.verified) return { id: stored.id, newCounter: result.authenticationInfo.newCounter };
    } catch {
      // a malformed or forged response is a wrong one
    }
    throw invalid();
  };

  app.post(
    `${API_PREFIX}/mfa/webauthn/assert/verify`,
    { schema: { body: webauthnVerifyBodySchema, response: { 200: mfaVerifyResponseSchema } } },
    async (request) => {
      const actor = actorOf(request);
      let asserted: { id: string; newCounter: number };
      try {
        asserted = await identity.limiter.attempt(
          { user: actor.name, source: request.ip },
          () => verifyAssertion(actor, request.body, request),
          (code) => code === 'GBX_MFA_INVALID',
        );
      } catch (error) {
        await audit.record({
          type: 'auth.mfa_failed',
          actor: { kind: 'user', id: actor.name },
          outcome: 'failure',
          details: { method: 'webauthn', code: error instanceof GloveboxError ? error.code : 'GBX_INTERNAL' },
        });
        throw error;
      }
      await store.touchWebauthnCredential(asserted.id, asserted.newCounter, config.clock.now());
      const verified = await identity.mfa.confirmFactor(actor, `webauthn:${asserted.id}`);
      await audit.record({
        type: 'auth.step_up',
        actor: { kind: 'user', id: actor.name },
        outcome: 'success',
        details: { method: 'webauthn' },
      });
      return verified;
    },
  );
}

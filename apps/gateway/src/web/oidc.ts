import type { SsoIdentity } from '../services/identity.js';
import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import { GloveboxError, type Clock } from '@glovebox/core';
import type { OidcConfig } from '../config.js';

/** What survives between sending the browser to the provider and its coming back. */
export interface AuthorizationTransaction {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
  createdAt: number;
}

/** The device authorization a CLI shows to its user (RFC 8628). */
export interface DeviceStart {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string | null;
  expiresIn: number;
  interval: number;
}

const GROUP = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const MFA_METHODS = new Set(['mfa', 'otp', 'hwk', 'swk', 'fido', 'sc']);
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Maps the provider's group claim to policy groups; unknown groups are dropped when a mapping is set. */
export function mapGroups(claim: unknown, mapping: Record<string, string[]> | undefined): string[] {
  const raw = Array.isArray(claim)
    ? claim.filter((g): g is string => typeof g === 'string')
    : typeof claim === 'string'
      ? [claim]
      : [];
  const out = mapping
    ? raw.flatMap((g) => mapping[g] ?? [])
    : raw.map((g) => g.toLowerCase()).filter((g) => GROUP.test(g));
  return [...new Set(out)].filter((g) => GROUP.test(g)).sort();
}

/** Turns a claim value into a valid local user name, or null when nothing usable remains. */
export function usernameFrom(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const base = value.includes('@') ? value.slice(0, value.indexOf('@')) : value;
  const cleaned = base
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 64);
  return cleaned.length > 0 ? cleaned : null;
}

/**
 * OpenID Connect relying party: authorization code with PKCE for the console, device
 * authorization for the CLI. ID tokens are checked for issuer, audience, expiry, nonce and,
 * because `enableNonRepudiationChecks` is on, their signature against the provider's keys — not
 * only trusted because they came over TLS.
 */
export class OidcLogin {
  readonly #c: OidcConfig;
  readonly #clock: Clock;
  #discovered: Promise<client.Configuration> | null = null;
  /**
   * Marks a login state used, on every replica (the store's single-use values): the provider
   * refuses a redeemed code too, this refuses without asking.
   */
  readonly #useOnce: (key: string, expiresAt: number) => Promise<boolean>;

  constructor(
    config: OidcConfig,
    clock: Clock,
    useOnce: (key: string, expiresAt: number) => Promise<boolean>,
  ) {
    this.#c = config;
    this.#clock = clock;
    this.#useOnce = useOnce;
  }

  get issuer(): string {
    return this.#c.issuer;
  }

  async #config(): Promise<client.Configuration> {
    this.#discovered ??= (async () => {
      const insecure = new URL(this.#c.issuer).protocol === 'http:';
      const config = await client.discovery(
        new URL(this.#c.issuer),
        this.#c.clientId,
        { client_secret: this.#c.clientSecret, id_token_signed_response_alg: 'RS256' },
        client.ClientSecretBasic(this.#c.clientSecret),
        insecure ? { execute: [client.allowInsecureRequests] } : undefined,
      );
      client.enableNonRepudiationChecks(config);
      return config;
    })();
    try {
      return await this.#discovered;
    } catch (error) {
      // A provider that was down at start must not disable SSO until restart.
      this.#discovered = null;
      throw new GloveboxError('GBX_AUTH_FAILED', 'the identity provider could not be reached', {
        cause: error,
      });
    }
  }

  /** Builds the provider URL to send the browser to, and the transaction to keep until it returns. */
  async beginAuthorization(
    redirectUri: string,
    returnTo: string,
  ): Promise<{ url: string; transaction: AuthorizationTransaction }> {
    const config = await this.#config();
    const transaction: AuthorizationTransaction = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
      returnTo,
      createdAt: this.#clock.now(),
    };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid profile email groups',
      state: transaction.state,
      nonce: transaction.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(transaction.verifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, transaction };
  }

  /** Redeems the code the provider sent back; every failure is the same GBX_AUTH_FAILED. */
  async completeAuthorization(
    callbackUrl: URL,
    redirectUri: string,
    transaction: AuthorizationTransaction,
  ): Promise<SsoIdentity> {
    const expiresAt = transaction.createdAt + 10 * 60_000;
    const key = `oidc:${createHash('sha256').update(transaction.state).digest('base64url')}`;
    if (this.#clock.now() > expiresAt || !(await this.#useOnce(key, expiresAt)))
      throw new GloveboxError('GBX_AUTH_FAILED', 'single sign-on failed: the login link was already used');
    const config = await this.#config();
    try {
      const tokens = await client.authorizationCodeGrant(
        config,
        callbackUrl,
        {
          pkceCodeVerifier: transaction.verifier,
          expectedState: transaction.state,
          expectedNonce: transaction.nonce,
          idTokenExpected: true,
        },
        { redirect_uri: redirectUri },
      );
      return this.#identity(tokens);
    } catch (error) {
      throw refused(error);
    }
  }

  /** Starts a device authorization for the CLI. */
  async startDevice(): Promise<DeviceStart> {
    const config = await this.#config();
    try {
      const r = await client.initiateDeviceAuthorization(config, { scope: 'openid profile email groups' });
      return {
        deviceCode: r.device_code,
        userCode: r.user_code,
        verificationUri: r.verification_uri,
        verificationUriComplete: r.verification_uri_complete ?? null,
        expiresIn: r.expires_in,
        interval: r.interval ?? 5,
      };
    } catch (error) {
      throw refused(error);
    }
  }

  /** Asks the provider once whether the device login completed; GBX_AUTH_PENDING while it has not. */
  async pollDevice(deviceCode: string): Promise<SsoIdentity> {
    const config = await this.#config();
    try {
      const tokens = await client.genericGrantRequest(config, DEVICE_GRANT, { device_code: deviceCode });
      return this.#identity(tokens);
    } catch (error) {
      if (
        error instanceof client.ResponseBodyError &&
        (error.error === 'authorization_pending' || error.error === 'slow_down')
      )
        throw new GloveboxError('GBX_AUTH_PENDING', 'waiting for the login to be completed in the browser');
      throw refused(error);
    }
  }

  #identity(tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers): SsoIdentity {
    const claims = tokens.claims();
    if (!claims) throw new GloveboxError('GBX_AUTH_FAILED', 'single sign-on failed: no ID token');
    const now = this.#clock.now();
    const ends = [claims.exp * 1000];
    if (typeof tokens.expires_in === 'number') ends.push(now + tokens.expires_in * 1000);
    const expiresAt = Math.min(...ends);
    if (expiresAt <= now) throw new GloveboxError('GBX_AUTH_FAILED', 'single sign-on failed: token expired');
    const usernameClaim = this.#c.usernameClaim ?? 'preferred_username';
    const username = usernameFrom(claims[usernameClaim]) ?? usernameFrom(claims.email);
    if (!username)
      throw new GloveboxError(
        'GBX_AUTH_FAILED',
        `single sign-on failed: the ID token has no ${usernameClaim}`,
      );
    const amr = Array.isArray(claims.amr) ? claims.amr : [];
    const mfa = amr.some((m) => typeof m === 'string' && MFA_METHODS.has(m));
    return {
      issuer: claims.iss,
      subject: claims.sub,
      username,
      groups: mapGroups(claims[this.#c.groupsClaim ?? 'groups'], this.#c.groupMapping),
      expiresAt,
      mfaAt: mfa ? (typeof claims.auth_time === 'number' ? claims.auth_time * 1000 : now) : null,
    };
  }
}

function refused(error: unknown): GloveboxError {
  if (error instanceof GloveboxError) return error;
  return new GloveboxError('GBX_AUTH_FAILED', 'single sign-on failed: the provider response was refused', {
    cause: error,
  });
}

export type { SsoIdentity };

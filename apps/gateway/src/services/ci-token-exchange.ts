import { createHash } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { GloveboxError, type Clock } from '@glovebox/core';
import {
  isSecureOrLoopback,
  type CiIdentityRule,
  type CiIssuerConfig,
  type CiTokenExchangeConfig,
} from '../config.js';
import type { Store } from '../store/index.js';
import type { AuditService } from './audit-service.js';
import type { Authorizer } from './authorizer.js';
import { checkName, type Actor, type IdentityService } from './identity.js';

export interface CiTokenExchangeDeps {
  config: CiTokenExchangeConfig | undefined;
  store: Store;
  identity: IdentityService;
  authorizer: Authorizer;
  audit: AuditService;
  clock: Clock;
  /** Fetches the provider's discovery document; replaceable in tests. */
  fetchJson?: (url: string) => Promise<unknown>;
}

/** What an accepted exchange returns. */
export interface CiExchangeResult {
  token: string;
  expiresAt: number;
  user: string;
  groups: string[];
}

/** Claims that say where a CI run came from; kept with the issued token as its verified provenance. */
const PROVENANCE_CLAIMS = [
  'sub',
  'repository',
  'repository_id',
  'repository_owner',
  'ref',
  'ref_type',
  'ref_protected',
  'sha',
  'workflow',
  'workflow_ref',
  'job_workflow_ref',
  'run_id',
  'run_attempt',
  'actor',
  'environment',
  'event_name',
  'project_path',
  'project_id',
  'namespace_path',
  'pipeline_id',
  'pipeline_source',
  'job_id',
  'user_login',
] as const;

const MAX_TOKEN_BYTES = 16 * 1024;
const CLOCK_TOLERANCE_SEC = 30;

/** Why an exchange was refused; recorded in the audit trail, never told to the caller. */
class Refusal extends Error {}

/**
 * Exchanges a CI provider's OIDC token (GitHub Actions, GitLab CI, any OpenID provider) for a
 * short-lived Glovebox API token, so pipelines hold no long-lived secret. The token's signature is
 * verified against the issuer's published keys, its issuer, audience, lifetime and one-time use
 * are checked, its claims are mapped by the first matching rule to a CI identity (`ci-…`) and its
 * groups, and policy decides (`exchangeToken` on the gateway). Every outcome is audited; every
 * refusal looks the same to the caller.
 */
export class CiTokenExchange {
  readonly #d: CiTokenExchangeDeps;
  readonly #keys = new Map<string, Promise<JWTVerifyGetKey>>();

  /** Throws GBX_CONFIG_INVALID for an unsafe configuration (see {@link checkCiIssuer}). */
  constructor(deps: CiTokenExchangeDeps) {
    this.#d = deps;
    const ttl = deps.config?.tokenTtlMs;
    if (ttl !== undefined && !(ttl >= 60_000 && ttl <= 3_600_000))
      throw new GloveboxError('GBX_CONFIG_INVALID', 'ciTokenExchange.tokenTtl must be from 1m to 1h');
    for (const issuer of deps.config?.issuers ?? []) checkCiIssuer(issuer);
  }

  async exchange(ciToken: string): Promise<CiExchangeResult> {
    const config = this.#d.config;
    if (config === undefined || config.issuers.length === 0)
      throw new GloveboxError('GBX_NOT_FOUND', 'CI token exchange is not configured on this gateway');
    let issuer: string | undefined;
    let subject: string | undefined;
    try {
      const issuerConfig = this.#issuerOf(ciToken);
      issuer = issuerConfig.issuer;
      const payload = await this.#verify(ciToken, issuerConfig);
      subject = payload.sub;
      const claims = provenance(payload);
      const rule = issuerConfig.rules.find((r) => matches(r, payload));
      if (rule === undefined) throw new Refusal('no identity rule matches the token claims');
      const tokenKey = await this.#claimOnce(ciToken, issuerConfig, payload, claims);
      return await this.#issue(tokenKey, rule, config, issuerConfig, claims);
    } catch (error) {
      if (error instanceof GloveboxError && error.code === 'GBX_POLICY_DENIED') throw error;
      const reason = error instanceof Refusal ? error.message : describeJoseError(error);
      await this.#d.audit.record({
        type: 'auth.token_exchange_failed',
        actor: { kind: 'anonymous', id: subject === undefined ? 'ci' : `ci:${subject.slice(0, 200)}` },
        outcome: 'denied',
        details: { issuer: issuer ?? 'unknown', reason },
      });
      throw new GloveboxError('GBX_AUTH_FAILED', 'the CI token was not accepted');
    }
  }

  #issuerOf(token: string): CiIssuerConfig {
    if (token.length > MAX_TOKEN_BYTES) throw new Refusal('token too large');
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw new Refusal('not a JWT');
    }
    const found = this.#d.config?.issuers.find((i) => i.issuer === iss);
    if (found === undefined) throw new Refusal('issuer not trusted');
    return found;
  }

  async #verify(token: string, issuer: CiIssuerConfig): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, await this.#keysOf(issuer), {
      issuer: issuer.issuer,
      audience: issuer.audience,
      algorithms: issuer.algorithms,
      requiredClaims: ['exp', 'iat', 'sub'],
      clockTolerance: CLOCK_TOLERANCE_SEC,
      currentDate: new Date(this.#d.clock.now()),
    });
    const lifetime = (payload.exp ?? 0) - (payload.iat ?? 0);
    if (lifetime > issuer.maxTokenLifetimeSec)
      throw new Refusal(
        `token lifetime ${lifetime}s is longer than the ${issuer.maxTokenLifetimeSec}s allowed`,
      );
    return payload;
  }

  #keysOf(issuer: CiIssuerConfig): Promise<JWTVerifyGetKey> {
    let keys = this.#keys.get(issuer.issuer);
    if (keys === undefined) {
      keys = this.#jwksUri(issuer).then((uri) =>
        createRemoteJWKSet(new URL(uri), { timeoutDuration: 5000, cooldownDuration: 30_000 }),
      );
      // a failed discovery is tried again next time
      keys.catch(() => this.#keys.delete(issuer.issuer));
      this.#keys.set(issuer.issuer, keys);
    }
    return keys;
  }

  async #jwksUri(issuer: CiIssuerConfig): Promise<string> {
    if (issuer.jwksUri !== undefined) return issuer.jwksUri;
    const fetchJson = this.#d.fetchJson ?? defaultFetchJson;
    const doc = (await fetchJson(`${issuer.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)) as {
      issuer?: unknown;
      jwks_uri?: unknown;
    };
    if (doc.issuer !== issuer.issuer) throw new Refusal('discovery document names another issuer');
    if (typeof doc.jwks_uri !== 'string' || !isSecureOrLoopback(doc.jwks_uri))
      throw new Refusal('discovery document has no usable jwks_uri');
    return doc.jwks_uri;
  }

  /** One use per CI token: its jti (or hash) is recorded until it expires. */
  async #claimOnce(
    token: string,
    issuer: CiIssuerConfig,
    payload: JWTPayload,
    claims: Record<string, string>,
  ): Promise<string> {
    const id =
      typeof payload.jti === 'string' && payload.jti.length > 0 ? `jti:${payload.jti}` : hashOf(token);
    const tokenKey = `${issuer.issuer} ${id}`.slice(0, 1024);
    const now = this.#d.clock.now();
    const fresh = await this.#d.store.ciExchanges.claim({
      tokenKey,
      issuer: issuer.issuer,
      subject: String(payload.sub),
      claims,
      expiresAt: ((payload.exp ?? 0) + CLOCK_TOLERANCE_SEC) * 1000,
      exchangedAt: now,
    });
    if (!fresh) throw new Refusal('token already used (replay)');
    void this.#d.store.ciExchanges.purgeExpired(now).catch(() => undefined);
    return tokenKey;
  }

  async #issue(
    tokenKey: string,
    rule: CiIdentityRule,
    config: CiTokenExchangeConfig,
    issuer: CiIssuerConfig,
    claims: Record<string, string>,
  ): Promise<CiExchangeResult> {
    const { identity, store, authorizer, audit } = this.#d;
    const existing = await store.getUserByName(rule.user);
    if (existing?.disabled) throw new Refusal(`user ${rule.user} is disabled`);
    const prospective: Actor = {
      userId: existing?.id ?? 'unprovisioned',
      name: rule.user,
      groups: rule.groups,
      tokenId: 'ci-exchange',
      tokenKind: 'api',
      mfaAt: null,
    };
    const decision = authorizer.decide(prospective, 'exchangeToken', { kind: 'gateway' });
    if (!decision.allowed) {
      await audit.record({
        type: 'auth.token_exchange_failed',
        actor: { kind: 'user', id: rule.user },
        outcome: 'denied',
        decision,
        details: { issuer: issuer.issuer, reason: 'denied by policy', claims },
      });
      throw new GloveboxError('GBX_POLICY_DENIED', 'policy does not let this CI identity obtain a token');
    }
    const user = existing ?? (await identity.createUser(rule.user, rule.groups, null));
    if (existing && !sameGroups(existing.groups, rule.groups))
      await store.updateUserGroups(existing.id, [...rule.groups].sort());
    const issued = await identity.issueToken(
      user.id,
      'api',
      config.tokenTtlMs,
      `ci:${issuer.issuer}`.slice(0, 200),
    );
    await store.ciExchanges.bindToken(tokenKey, issued.record.id);
    await audit.record({
      type: 'auth.token_exchanged',
      actor: { kind: 'user', id: rule.user },
      outcome: 'success',
      decision,
      details: {
        issuer: issuer.issuer,
        groups: rule.groups,
        tokenId: issued.record.id,
        expiresAt: issued.record.expiresAt,
        claims,
        provisioned: existing === null,
      },
    });
    return {
      token: issued.token,
      expiresAt: issued.record.expiresAt,
      user: rule.user,
      groups: [...rule.groups].sort(),
    };
  }
}

function hashOf(token: string): string {
  return `sha256:${createHash('sha256').update(token).digest('hex')}`;
}

function sameGroups(a: readonly string[], b: readonly string[]): boolean {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((g, i) => g === y[i]);
}

function claimText(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : undefined;
}

function provenance(payload: JWTPayload): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of PROVENANCE_CLAIMS) {
    const value = claimText(payload[key]);
    if (value !== undefined) out[key] = value.slice(0, 256);
  }
  return out;
}

/** Every condition of the rule holds: exact text, or a glob where `*` matches any run of characters. */
export function matches(rule: CiIdentityRule, payload: JWTPayload): boolean {
  return Object.entries(rule.claims).every(([claim, pattern]) => {
    const value = claimText(payload[claim]);
    if (value === undefined) return false;
    if (!pattern.includes('*')) return value === pattern;
    const regex = new RegExp(
      `^${pattern
        .split('*')
        .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
      's',
    );
    return regex.test(value);
  });
}

function describeJoseError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'token expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const claim = (error as { claim?: unknown }).claim;
      return `claim ${typeof claim === 'string' ? claim : '?'} invalid`;
    }
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'bad signature';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'signed with an unknown key';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'algorithm not allowed';
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JOSE_GENERIC':
      return 'issuer keys unavailable';
    default:
      return typeof code === 'string' ? code : 'token rejected';
  }
}

async function defaultFetchJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000), redirect: 'error' });
  if (!response.ok) throw new Refusal(`discovery answered HTTP ${response.status}`);
  return response.json();
}

/** Checks an issuer section of the configuration; throws GBX_CONFIG_INVALID. */
export function checkCiIssuer(issuer: CiIssuerConfig): void {
  const bad = (why: string): never => {
    throw new GloveboxError('GBX_CONFIG_INVALID', `ciTokenExchange issuer ${issuer.issuer}: ${why}`);
  };
  if (!isSecureOrLoopback(issuer.issuer)) bad('must be an https URL (http only on loopback)');
  if (issuer.jwksUri !== undefined && !isSecureOrLoopback(issuer.jwksUri)) bad('jwksUri must be https');
  if ((Array.isArray(issuer.audience) ? issuer.audience : [issuer.audience]).length === 0)
    bad('needs an audience');
  if (issuer.rules.length === 0) bad('needs at least one rule');
  for (const rule of issuer.rules) {
    checkName('user', rule.user);
    if (!rule.user.startsWith('ci-'))
      bad(`rule user "${rule.user}" must start with ci- (CI identities are not people)`);
    rule.groups.forEach((g) => checkName('group', g));
    // Providers such as GitHub sign tokens for every repository they host: a rule must say whose.
    const pins = Object.entries(rule.claims).filter(
      ([k, v]) => PINNING_CLAIMS.has(k) && v.replaceAll('*', '') !== '',
    );
    if (pins.length === 0)
      bad(`rule for ${rule.user} must pin the repository or project (${[...PINNING_CLAIMS].join(', ')})`);
  }
}

const PINNING_CLAIMS = new Set([
  'sub',
  'repository',
  'repository_id',
  'repository_owner',
  'repository_owner_id',
  'project_path',
  'project_id',
  'namespace_path',
  'namespace_id',
]);

import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { GloveboxError, isGloveboxError, type Clock } from '@glovebox/core';
import type { IdentityStateStore } from '../store/identity-state.js';

/** How many failed credential checks are allowed within one window, and for whom. */
export interface CredentialLimits {
  windowMs: number;
  /** Failures of one user from one source: the legitimate user's typos, an attacker at one place. */
  perUserAndSource: number;
  /** Failures of one user from anywhere: guessing spread over many sources. */
  perUser: number;
  /**
   * Failures from one source for any users: spraying. High on purpose: everyone behind one proxy or
   * NAT shares it (set `trustProxy` so the source is the real client).
   */
  perSource: number;
}

export const DEFAULT_CREDENTIAL_LIMITS: CredentialLimits = {
  windowMs: 5 * 60_000,
  perUserAndSource: 5,
  perUser: 20,
  perSource: 100,
};

/** Who a credential check is for, as far as it is known before the check. */
export interface CredentialSubject {
  /** The user name the caller claims (a login's user field) or is (step-up); null when unknown. */
  user: string | null;
  /** The client address (after `trustProxy`). */
  source: string;
}

/** Failures are counted in buckets of a fifth of the window: a sliding window, to a fifth. */
const BUCKETS = 5;

/** An IPv6 client is one /64 (one host usually holds the whole prefix); IPv4-mapped addresses are IPv4. */
export function sourceOf(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

// Keys are hashed: a login's user field is where people paste passwords.
const keyOf = (...parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest('base64url');

/**
 * Limits on failed credential checks, counted in the store so every replica sees the same counts.
 * A password or second-factor check reserves one attempt on each of its keys before it runs, so
 * concurrent attempts on several replicas cannot exceed a limit; a refused attempt and a success
 * give their reservation back, and a success forgets the failures of that user at that source. Tokens are random (192 bits and more):
 * their failures are counted per source only, never against a user, and a source over the limit is
 * refused every bearer check until the window passes.
 */
export class CredentialLimiter {
  readonly #store: IdentityStateStore;
  readonly #clock: Clock;
  readonly #limits: CredentialLimits;

  constructor(store: IdentityStateStore, clock: Clock, limits: CredentialLimits) {
    this.#store = store;
    this.#clock = clock;
    this.#limits = limits;
  }

  #window(): { bucket: number; since: number } {
    const size = Math.max(1, Math.floor(this.#limits.windowMs / BUCKETS));
    const bucket = Math.floor(this.#clock.now() / size) * size;
    return { bucket, since: bucket - size * (BUCKETS - 1) };
  }

  /**
   * Runs one password or second-factor check under the limits. `isFailure` says which errors of
   * the check are wrong credentials (counted); any other outcome gives the reservation back.
   * Over a limit the check does not run and GBX_RATE_LIMITED is thrown.
   */
  async attempt<T>(
    subject: CredentialSubject,
    check: () => Promise<T>,
    isFailure: (code: string) => boolean,
  ): Promise<T> {
    const source = sourceOf(subject.source);
    const keys: [string, number][] = [[keyOf('src', source), this.#limits.perSource]];
    if (subject.user !== null) {
      const user = subject.user.slice(0, 256);
      keys.push([keyOf('user', user), this.#limits.perUser]);
      keys.push([keyOf('pair', user, source), this.#limits.perUserAndSource]);
    }
    const { bucket, since } = this.#window();
    for (const [key] of keys) await this.#store.addFailure(key, bucket);
    const counts = await Promise.all(keys.map(([key]) => this.#store.failures(key, since)));
    if (counts.some((n, i) => n.count > keys[i]![1])) {
      // A refused attempt checked nothing: it counts against nobody.
      await this.#giveBack(keys, bucket);
      throw limited();
    }
    let result: T;
    try {
      result = await check();
    } catch (error) {
      if (!isGloveboxError(error) || !isFailure(error.code)) await this.#giveBack(keys, bucket);
      throw error;
    }
    await this.#giveBack(keys, bucket);
    if (subject.user !== null) await this.#store.clearFailures(keys[2]![0]);
    return result;
  }

  async #giveBack(keys: [string, number][], bucket: number): Promise<void> {
    for (const [key] of keys) await this.#store.forgiveFailure(key, bucket);
  }

  /**
   * Runs a bearer token check (`bearer`) or an agent credential check (`agent`, on the WebSocket
   * connect) for a source: refused with GBX_RATE_LIMITED while the source is over its limit; a
   * GBX_AUTH_FAILED of the check counts against the source. Never against a user or an agent
   * name: the caller does not say who it is before the check, and counting against a claimed name
   * would let anyone lock that user or agent out. The check is given the credential generation
   * read with the failure count (one round trip for both).
   */
  async bearer<T>(
    address: string,
    check: (credentials: string) => Promise<T>,
    kind: 'bearer' | 'agent' = 'bearer',
  ): Promise<T> {
    const key = keyOf(kind, sourceOf(address));
    const { bucket, since } = this.#window();
    const failures = await this.#store.failures(key, since);
    if (failures.count >= this.#limits.perSource) throw limited();
    try {
      return await check(failures.credentials);
    } catch (error) {
      if (isGloveboxError(error) && error.code === 'GBX_AUTH_FAILED')
        await this.#store.addFailure(key, bucket);
      throw error;
    }
  }

  /** Forgets failure buckets that left every window (run by one replica, periodically). */
  async purge(): Promise<void> {
    await this.#store.purge(this.#window().since - this.#limits.windowMs);
  }
}

function limited(): GloveboxError {
  return new GloveboxError('GBX_RATE_LIMITED', 'too many failed attempts; try again later');
}

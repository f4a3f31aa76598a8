import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How far a relay request's time may be from the receiver's clock. */
export const RELAY_MAX_SKEW_MS = 30_000;
export const RELAY_HEADER = 'x-glovebox-relay';

/**
 * Authenticates the replica-to-replica channel in both directions with HMAC-SHA256 under the relay
 * key every replica reads from the store (sealed with the master key). A request's MAC covers the
 * sender, the intended receiver, the time, a fresh nonce and the body's hash; each line of the
 * answer is MACed with that nonce and its position, so an answer cannot be forged, replayed for
 * another request, reordered or cut short unnoticed (the last line says it is the last).
 */
export class RelayAuth {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length < 32) throw new TypeError('the relay key must be at least 32 bytes');
    this.#key = key;
  }

  #mac(text: string): string {
    return createHmac('sha256', this.#key).update(text).digest('base64url');
  }

  /** The header value for a request from `from` to `to` carrying `body`, and its nonce. */
  sign(from: string, to: string, at: number, body: string): { header: string; nonce: string } {
    const nonce = randomBytes(16).toString('base64url');
    const mac = this.#mac(requestText(from, to, at, nonce, body));
    return { header: `v1 ${from} ${to} ${at} ${nonce} ${mac}`, nonce };
  }

  /** The request's sender and nonce when the header is valid for this receiver, else null. */
  verify(
    header: string | undefined,
    self: string,
    now: number,
    body: string,
  ): { from: string; nonce: string } | null {
    const parts = header?.split(' ');
    if (parts?.length !== 6 || parts[0] !== 'v1') return null;
    const [, from, to, atText, nonce, mac] = parts as [string, string, string, string, string, string];
    const at = Number(atText);
    if (to !== self || !Number.isSafeInteger(at) || Math.abs(now - at) > RELAY_MAX_SKEW_MS) return null;
    if (!equal(mac, this.#mac(requestText(from, to, at, nonce, body)))) return null;
    return { from, nonce };
  }

  /** One line of an answer: the message and its MAC bound to the request's nonce and position. */
  line(nonce: string, index: number, message: unknown): string {
    const m = JSON.stringify(message);
    return `{"m":${m},"mac":"${this.#mac(`res\n${nonce}\n${index}\n${m}`)}"}\n`;
  }

  /** The message of an answer line, or null when its MAC does not hold. */
  open(nonce: string, index: number, line: string): unknown {
    let parsed: { m?: unknown; mac?: unknown };
    try {
      parsed = JSON.parse(line) as { m?: unknown; mac?: unknown };
    } catch {
      return null;
    }
    if (typeof parsed.mac !== 'string' || parsed.m === undefined) return null;
    const m = JSON.stringify(parsed.m);
    return equal(parsed.mac, this.#mac(`res\n${nonce}\n${index}\n${m}`)) ? parsed.m : null;
  }
}

function requestText(from: string, to: string, at: number, nonce: string, body: string): string {
  return `req\n${from}\n${to}\n${at}\n${nonce}\n${createHash('sha256').update(body).digest('hex')}`;
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Remembers nonces seen within the skew window, so that a captured request cannot be replayed. */
export class NonceWindow {
  readonly #seen = new Map<string, number>();

  /** True the first time a nonce is seen; false for a replay. */
  fresh(nonce: string, now: number): boolean {
    if (this.#seen.size > 10_000) {
      for (const [n, at] of this.#seen) if (now - at > 2 * RELAY_MAX_SKEW_MS) this.#seen.delete(n);
    }
    if (this.#seen.has(nonce)) return false;
    this.#seen.set(nonce, now);
    return true;
  }
}

import { createHmac, randomBytes } from 'node:crypto';
import { isTrivialValue, looksSecret } from './trivial.js';
import { classifyKey } from './keys.js';
import { PRIORITY } from './span.js';
import type { Span } from './span.js';

/** Shortest value (and encoded form) registered: shorter ones would mask ordinary words. */
export const MIN_KNOWN_SECRET = 6;
/** Characters hashed together to find candidates. */
const GRAM = 4;
/**
 * Grams are read only at every STRIDE-th position: an occurrence of a form at least
 * {@link MIN_KNOWN_SECRET} long always has a read position within its first STRIDE characters
 * whose gram lies wholly inside it, so each form is indexed by its grams at offsets 0..STRIDE-1.
 */
const STRIDE = MIN_KNOWN_SECRET - GRAM + 1;
const TABLE_BITS = 16;
const MAX_FORMS = 65_536;
const MAX_VALUE = 4096;
const TYPE_RE = /^[A-Z][A-Z0-9_]{0,47}$/;
const STATE_VERSION = 1;

/** How a registered form relates to the secret: as is, or inside an encoded run (base64, hex). */
type FormKind = 'plain' | 'base64' | 'hex';

interface Form {
  length: number;
  type: string;
  kind: FormKind;
  /** Keyed, non-cryptographic hash of the whole form: a cheap check before the HMAC. */
  check: number;
  /** HMAC-SHA256 of the form under the set's key, truncated to 128 bits (base64). */
  digest: string;
}

/**
 * The serialisable state of a {@link KnownSecrets} set: the random key and the keyed fingerprints.
 * It holds no secret value, so it may cross a thread boundary (the in-process agent's worker).
 */
export interface KnownSecretsState {
  version: 1;
  key: string;
  forms: Array<{
    length: number;
    type: string;
    kind: FormKind;
    check: number;
    digest: string;
    grams: number[];
  }>;
}

const isB64 = (c: number): boolean =>
  (c >= 48 && c <= 57) ||
  (c >= 65 && c <= 90) ||
  (c >= 97 && c <= 122) ||
  c === 43 ||
  c === 47 ||
  c === 45 ||
  c === 95;
const isHexChar = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/** Environment variables the shell sets to directories, whose names read like `pwd` (password). */
const SHELL_DIRECTORIES = new Set(['PWD', 'OLDPWD']);

/**
 * Secrets an agent knows (its own credential, database passwords, sensitive environment values),
 * masked wherever they occur, by exact value and in common encodings (URL, JSON, base64 at any
 * byte alignment, hex). Values are never kept: only keyed fingerprints (HMAC-SHA256 under a key
 * drawn at random for this set) and keyed hashes of a few characters that locate candidates.
 * Pass the set to `createRedactor({ knownSecrets })`; values added later apply from then on.
 *
 * @example
 * const known = createKnownSecrets();
 * known.add(dbPassword, 'PASSWORD');
 * known.addSensitiveEnv(process.env);
 * const r = createRedactor({ knownSecrets: known });
 */
export class KnownSecrets {
  readonly #key: Buffer;
  /** Hash multipliers derived from the key. */
  readonly #m: Int32Array;
  readonly #forms: Form[] = [];
  readonly #digests = new Set<string>();
  /** Head of each bucket's chain of [form, offset] entries, or -1. */
  readonly #heads = new Int32Array(1 << TABLE_BITS).fill(-1);
  readonly #next: number[] = [];
  readonly #entryForm: number[] = [];
  readonly #entryOffset: number[] = [];
  readonly #grams: number[][] = [];

  constructor(key?: Uint8Array) {
    this.#key = key === undefined ? randomBytes(32) : Buffer.from(key);
    if (this.#key.length < 16) throw new TypeError('the known-secrets key must be at least 16 bytes');
    const d = createHmac('sha256', this.#key).update('glovebox-known-secrets-multipliers').digest();
    this.#m = new Int32Array(8);
    for (let i = 0; i < 8; i++) this.#m[i] = d.readInt32LE(4 * i) | 1;
  }

  /** Number of forms (values and their encodings) registered. */
  get size(): number {
    return this.#forms.length;
  }

  /**
   * Registers a secret value and its encoded forms under a placeholder type (default
   * `KNOWN_SECRET`). Multi-line values are registered line by line. Returns how many forms were
   * added: 0 when the value is shorter than six characters, trivial or already known.
   */
  add(value: string, type = 'KNOWN_SECRET'): number {
    if (typeof value !== 'string') throw new TypeError('a known secret must be a string');
    if (typeof type !== 'string' || !TYPE_RE.test(type))
      throw new TypeError('a known secret type must be upper snake case, at most 48 characters');
    let added = 0;
    for (const line of value.slice(0, MAX_VALUE).split(/\r?\n/)) {
      if (line.length < MIN_KNOWN_SECRET || isTrivialValue(line)) continue;
      for (const [form, kind] of encodedForms(line)) added += this.#register(form, type, kind);
    }
    return added;
  }

  /**
   * Registers the values of environment variables whose names mark them as secrets (`*_PASSWORD`,
   * `*_TOKEN`, `*_SECRET`, `*_API_KEY`, …; names that only suggest one need a random-looking value)
   * and the passwords of URLs in any variable. Returns how many values were registered.
   */
  addSensitiveEnv(env: Readonly<Record<string, string | undefined>>): number {
    let values = 0;
    for (const [name, value] of Object.entries(env)) {
      if (typeof value !== 'string' || value.length < MIN_KNOWN_SECRET) continue;
      // the shell's working directories (`PWD`, `OLDPWD`): their path would be masked in every line
      if (SHELL_DIRECTORIES.has(name) && value.startsWith('/')) continue;
      const verdict = classifyKey(name, 'standard', new Set());
      // names that only suggest a secret (`SSH_AUTH_SOCK`) need a random-looking value, not a path
      const sensitive =
        verdict !== undefined &&
        verdict.type !== 'AUTHORIZATION' &&
        (verdict.mode === 'mask' || (looksSecret(value) && !/^\/\S*$/.test(value)));
      if (sensitive && this.add(value, verdict.type === 'COOKIE' ? 'SECRET' : verdict.type) > 0) values++;
      const password = urlPassword(value);
      if (password !== undefined && this.add(password, 'PASSWORD') > 0) values++;
    }
    return values;
  }

  /** The key and fingerprints, to rebuild the set elsewhere with {@link KnownSecrets.fromState}. */
  toState(): KnownSecretsState {
    return {
      version: STATE_VERSION,
      key: this.#key.toString('base64'),
      forms: this.#forms.map((f, i) => ({ ...f, grams: [...this.#grams[i]!] })),
    };
  }

  /** Rebuilds a set from {@link KnownSecrets.toState}; throws TypeError on a malformed state. */
  static fromState(state: KnownSecretsState): KnownSecrets {
    if (typeof state !== 'object' || state === null || state.version !== STATE_VERSION)
      throw new TypeError('not a known-secrets state');
    const set = new KnownSecrets(Buffer.from(state.key, 'base64'));
    for (const f of state.forms) {
      const ok =
        Number.isInteger(f.length) &&
        f.length >= MIN_KNOWN_SECRET &&
        TYPE_RE.test(f.type) &&
        (f.kind === 'plain' || f.kind === 'base64' || f.kind === 'hex') &&
        Number.isInteger(f.check) &&
        typeof f.digest === 'string' &&
        Array.isArray(f.grams) &&
        f.grams.length === STRIDE;
      if (!ok) throw new TypeError('not a known-secrets state');
      set.#insert(
        { length: f.length, type: f.type, kind: f.kind, check: f.check, digest: f.digest },
        f.grams,
      );
    }
    return set;
  }

  #register(form: string, type: string, kind: FormKind): number {
    if (form.length < MIN_KNOWN_SECRET || this.#forms.length >= MAX_FORMS) return 0;
    const digest = this.#digest(form, 0, form.length);
    if (this.#digests.has(digest)) return 0;
    const grams: number[] = [];
    for (let o = 0; o < STRIDE; o++) grams.push(this.#bucket(form, o));
    this.#insert(
      { length: form.length, type, kind, check: this.#check(form, 0, form.length), digest },
      grams,
    );
    return 1;
  }

  #insert(form: Form, grams: number[]): void {
    const index = this.#forms.length;
    this.#forms.push(form);
    this.#grams.push(grams);
    this.#digests.add(form.digest);
    for (let o = 0; o < grams.length; o++) {
      const bucket = grams[o]! & ((1 << TABLE_BITS) - 1);
      this.#entryForm.push(index);
      this.#entryOffset.push(o);
      this.#next.push(this.#heads[bucket]!);
      this.#heads[bucket] = this.#entryForm.length - 1;
    }
  }

  #digest(text: string, start: number, end: number): string {
    return createHmac('sha256', this.#key)
      .update(text.slice(start, end), 'utf8')
      .digest('base64')
      .slice(0, 22);
  }

  #bucket(text: string, i: number): number {
    const m = this.#m;
    let h =
      Math.imul(text.charCodeAt(i), m[0]!) ^
      Math.imul(text.charCodeAt(i + 1), m[1]!) ^
      Math.imul(text.charCodeAt(i + 2), m[2]!) ^
      Math.imul(text.charCodeAt(i + 3), m[3]!);
    h = Math.imul(h ^ (h >>> 15), m[4]!);
    return h >>> (32 - TABLE_BITS);
  }

  #check(text: string, start: number, end: number): number {
    let h = this.#m[5]!;
    const p = this.#m[6]!;
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), p);
    return h;
  }

  /** Appends a span for every registered form found in `text`. */
  scan(text: string, out: Span[]): void {
    if (this.#forms.length === 0) return;
    const n = text.length;
    const heads = this.#heads;
    for (let i = 0; i + GRAM <= n; i += STRIDE) {
      let e = heads[this.#bucket(text, i)]!;
      while (e !== -1) {
        const form = this.#forms[this.#entryForm[e]!]!;
        const start = i - this.#entryOffset[e]!;
        const end = start + form.length;
        if (
          start >= 0 &&
          end <= n &&
          this.#check(text, start, end) === form.check &&
          this.#digest(text, start, end) === form.digest
        )
          out.push(spanOf(text, start, end, form));
        e = this.#next[e]!;
      }
    }
  }
}

/** The form's span, widened over the whole base64 or hex run it sits in: the encoded span is masked. */
function spanOf(text: string, start: number, end: number, form: Form): Span {
  let s = start;
  let e = end;
  if (form.kind !== 'plain') {
    const inRun = form.kind === 'hex' ? isHexChar : isB64;
    while (s > 0 && inRun(text.charCodeAt(s - 1))) s--;
    while (e < text.length && inRun(text.charCodeAt(e))) e++;
    if (form.kind === 'base64') while (e < text.length && text.charCodeAt(e) === 61) e++;
  }
  return { start: s, end: e, type: form.type, priority: PRIORITY.knownSecret };
}

function urlPassword(value: string): string | undefined {
  if (!value.includes('://')) return undefined;
  try {
    const password = new URL(value).password;
    return password === '' ? undefined : decodeURIComponent(password);
  } catch {
    return undefined;
  }
}

/** The value as it appears raw, URL-, form- and JSON-encoded, in hex, and inside base64 at each alignment. */
function encodedForms(value: string): Array<[string, FormKind]> {
  const forms = new Map<string, FormKind>();
  const add = (s: string, kind: FormKind): void => {
    if (!forms.has(s)) forms.set(s, kind);
  };
  add(value, 'plain');
  add(encodeURIComponent(value), 'plain');
  add(encodeURIComponent(value).replace(/%20/g, '+'), 'plain');
  add(JSON.stringify(value).slice(1, -1), 'plain');
  const bytes = Buffer.from(value, 'utf8');
  add(bytes.toString('hex'), 'hex');
  add(bytes.toString('hex').toUpperCase(), 'hex');
  for (let k = 0; k < 3; k++) {
    // the characters that depend on the value's bytes only, whatever precedes and follows them
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    const core = encoded.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
    add(core, 'base64');
    add(core.replace(/\+/g, '-').replace(/\//g, '_'), 'base64');
  }
  return [...forms];
}

/**
 * An empty set of known secrets with a fresh random key.
 *
 * @example
 * const known = createKnownSecrets();
 * known.add(process.env.GLOVEBOX_AGENT_TOKEN ?? '', 'GLOVEBOX_AGENT_CREDENTIAL');
 */
export function createKnownSecrets(): KnownSecrets {
  return new KnownSecrets();
}

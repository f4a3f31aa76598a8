import type { Rng } from './values.js';
import { negative } from './negatives.js';

/** A sensitive value placed in a corpus document; `type` is the engine's placeholder type family. */
export interface LabeledSecret {
  type: string;
  value: string;
  start: number;
  /** `strict` when only the strict masking level is expected to hide it. */
  level: 'standard' | 'strict';
}

/** A value that must survive redaction unchanged (ids, timestamps, checksums, versions …). */
export interface HardNegative {
  kind: string;
  value: string;
  start: number;
}

/** One labeled document of the corpus. */
export interface CorpusDocument {
  context: string;
  text: string;
  secrets: LabeledSecret[];
  negatives: HardNegative[];
}

/** Options of {@link generateCorpus}. */
export interface CorpusOptions {
  /** PRNG seed; the same seed always yields the same corpus. Default 1. */
  seed?: number;
  /** Number of documents. Default 2000. */
  documents?: number;
}

const STRICT_TYPES = new Set(['IPV4', 'IPV6', 'MAC_ADDRESS', 'PERSON_NAME']);

export class Doc {
  text = '';
  readonly secrets: LabeledSecret[] = [];
  readonly negatives: HardNegative[] = [];
  constructor(
    readonly r: Rng,
    readonly context: string,
  ) {}
  t(s: string): this {
    this.text += s;
    return this;
  }
  s(type: string, value: string): this {
    this.secrets.push({
      type,
      value,
      start: this.text.length,
      level: STRICT_TYPES.has(type) ? 'strict' : 'standard',
    });
    this.text += value;
    return this;
  }
  n(kind: string, value: string): this {
    this.negatives.push({ kind, value, start: this.text.length });
    this.text += value;
    return this;
  }
  neg(): this {
    const [kind, value] = negative(this.r);
    return this.n(kind, value);
  }
}

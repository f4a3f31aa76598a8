import type { KeyVerdict } from './keys.js';
import type { MaskingLevel } from './types.js';

/** A region of text to mask, in UTF-16 offsets of the scanned string. */
export interface Span {
  start: number;
  end: number;
  type: string;
  priority: number;
}

/** What a detector may consult while scanning. */
export interface ScanContext {
  readonly level: MaskingLevel;
  /** True when the deployment added key names, which the keyword pre-filter cannot know. */
  readonly hasExtraKeys: boolean;
  classifyKey(name: string): KeyVerdict | undefined;
  /** The type of a secret found in text decoded from an encoded run, or undefined. */
  secretIn(decoded: string): string | undefined;
}

/** A built-in detector: scans a batch of whole lines and appends spans; never crosses a line break. */
export interface Detector {
  readonly name: string;
  readonly level: MaskingLevel;
  /**
   * Literals of which one occurs in any text where `scan` can find something; lets the engine skip
   * the detector, after one combined test, on a short text that holds none of them.
   */
  readonly triggers?: readonly string[];
  scan(text: string, out: Span[], ctx: ScanContext): void;
}

export const PRIORITY = {
  privateKey: 100,
  knownSecret: 98,
  vendorToken: 95,
  encoded: 92,
  bareSecret: 90,
  authScheme: 85,
  urlPassword: 80,
  keyValue: 75,
  financial: 60,
  email: 55,
  phone: 50,
  network: 40,
  custom: 70,
} as const;

import { createHmac } from 'node:crypto';
import { mergeCounts, type RedactionCounts, type Redactor } from '@glovebox/redact';
import type { GraphPlan, KeyOracle, KeyVerdict } from './analysis.js';
import { MAX_CONS_LEAVES } from './analysis.js';
import type { ParsedSnapshot } from './reader.js';

/** What to do with script source text found in the heap. */
export type SourcePolicy = 'omit' | 'redact' | 'keep';

/** Context shared by the decisions about one snapshot. */
export interface DecisionContext {
  s: ParsedSnapshot;
  redactor: Redactor;
  fingerprintKey: Uint8Array;
  names: (entry: number) => string;
  counts: RedactionCounts;
  sources: SourcePolicy;
}

/** Counts of what was decided, for the audit event (never values). */
export interface DecisionStats {
  nodesMaskedByName: number;
  numbersMaskedByName: number;
  sourcesOmitted: number;
  concatenatedMasked: number;
  concatenatedChecked: number;
}

/** Longest concatenated string read whole; longer ones are masked whole. */
const MAX_CONS_CHARS = 1024 * 1024;
/** A random-looking value, to learn whether a name masks such values through the public API. */
const RANDOM_PROBE = 'Zq8vX2mR7pL4nK9wT3sYb6Hd';
const ENGINE_PLACEHOLDER = /^\[(?:REDACTED:([A-Z0-9_]+)|([A-Z0-9_]+):([0-9a-f]{6}))\]$/;

/** `16-31`: the power-of-two class of a length; the exact length is in the node's size anyway. */
export function lengthClass(n: number): string {
  if (n === 0) return '0';
  const lo = 2 ** Math.floor(Math.log2(n));
  return `${lo}-${lo * 2 - 1}`;
}

/**
 * `[PASSWORD 3fa1c2 len 16-31]`: type, keyed fingerprint (HMAC-SHA256, as the engine's) and length
 * class. Spaces, not the engine's `TYPE:fp`, because its key/value detectors read `PASSWORD:3fa1c2`
 * as a password and a second pass (the gateway's) would mask the fingerprint away.
 */
export function placeholder(key: Uint8Array, type: string, value: string): string {
  const mac = createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, 6);
  return `[${type} ${mac} len ${lengthClass(value.length)}]`;
}

function keyedValue(redactor: Redactor, name: string, value: unknown): unknown {
  const out = redactor.redactValue({ [name]: value }).value as Record<string, unknown>;
  return Object.values(out)[0];
}

/** Verdicts by redactor and name, kept across snapshots of the process (names repeat). */
const verdictCache = new WeakMap<Redactor, Map<string, number>>();
const VERDICT_CACHE_LIMIT = 200_000;

function verdictOf(redactor: Redactor, name: string): number {
  let cache = verdictCache.get(redactor);
  if (cache === undefined) {
    cache = new Map();
    verdictCache.set(redactor, cache);
  }
  let v = cache.get(name);
  if (v === undefined) {
    if (name === '' || name.length > 128 || /^\d+$/.test(name)) v = 1;
    else if (redactor.isSensitiveKey(name)) v = 2;
    else v = keyedValue(redactor, name, RANDOM_PROBE) !== RANDOM_PROBE ? 3 : 1;
    if (cache.size >= VERDICT_CACHE_LIMIT) cache.clear();
    cache.set(name, v);
  }
  return v;
}

/**
 * What the redaction engine's key rules say about a property or variable name: `mask` (any value
 * is hidden), `entropy` (random-looking values are) or nothing. Asked through the public API
 * (`isSensitiveKey`, then `redactValue` of a random-looking probe) and cached per strings entry.
 */
export function keyOracle(
  s: ParsedSnapshot,
  redactor: Redactor,
  names: (entry: number) => string,
): KeyOracle {
  const verdicts = new Uint8Array(s.strings.length);
  const MASK: KeyVerdict = { mode: 'mask' };
  const ENTROPY: KeyVerdict = { mode: 'entropy' };
  return (entry) => {
    let v = verdicts[entry];
    if (v === 0) {
      v = verdictOf(redactor, names(entry));
      verdicts[entry] = v;
    }
    return v === 2 ? MASK : v === 3 ? ENTROPY : undefined;
  };
}

/** Turns the engine's whole-value placeholder into ours (with the length class); counts it. */
function wholeMask(c: DecisionContext, masked: string, original: string, counts: RedactionCounts): string {
  mergeCounts(c.counts, counts);
  const m = ENGINE_PLACEHOLDER.exec(masked);
  if (!m) return masked;
  return placeholder(c.fingerprintKey, m[1] ?? m[2]!, original);
}

/** The new text of a string node held under a sensitive name, or undefined when it stays. */
function decideKeyed(
  c: DecisionContext,
  decider: number,
  content: string,
  isNumber: boolean,
): string | undefined {
  const name = c.names(decider);
  const value = isNumber && content !== '' && Number.isFinite(Number(content)) ? Number(content) : content;
  const r = c.redactor.redactValue({ [name]: value });
  const out = Object.values(r.value as Record<string, unknown>)[0];
  if (out === value) return undefined;
  return wholeMask(c, String(out), content, r.counts);
}

/**
 * Decides the new text of every string node whose masking depends on where it sits: values under
 * sensitive names, numbers under them, script sources, and the pieces of concatenated strings whose
 * whole text shows a secret that no piece shows alone.
 */
export function decideNodes(
  c: DecisionContext,
  plan: GraphPlan,
): { texts: Map<number, string>; stats: DecisionStats } {
  const l = c.s.layout;
  const nameOf = (node: number) => c.s.nodes[node * l.nodeFields + l.nodeName]!;
  const texts = new Map<number, string>();
  const stats: DecisionStats = {
    nodesMaskedByName: 0,
    numbersMaskedByName: 0,
    sourcesOmitted: 0,
    concatenatedMasked: 0,
    concatenatedChecked: 0,
  };
  for (const [node, decider] of plan.keyed) {
    const isNumber = plan.numberText.has(node);
    const text = decideKeyed(c, decider, c.names(nameOf(node)), isNumber);
    if (text === undefined) continue;
    texts.set(node, text);
    if (isNumber) stats.numbersMaskedByName++;
    else stats.nodesMaskedByName++;
  }
  for (const node of plan.sources) {
    if (texts.has(node)) continue;
    const content = c.names(nameOf(node));
    // an empty source hides nothing, and its node is the empty string everyone shares
    if (content === '') continue;
    if (c.sources === 'omit') {
      texts.set(node, placeholder(c.fingerprintKey, 'SOURCE', content));
      c.counts.SOURCE = (c.counts.SOURCE ?? 0) + 1;
      stats.sourcesOmitted++;
    } else if (c.sources === 'keep') texts.set(node, content);
  }
  const leafText = new Map<number, string>();
  const redactedLeaf = (entry: number): string => {
    let t = leafText.get(entry);
    if (t === undefined) {
      t = c.redactor.redactText(c.names(entry)).text;
      leafText.set(entry, t);
    }
    return t;
  };
  for (const leaves of plan.consRoots) {
    const masked = checkConcatenation(c, leaves, nameOf, redactedLeaf);
    if (masked.size > 0 || leaves.length > 1) stats.concatenatedChecked++;
    for (const [leaf, type] of masked) {
      if (texts.has(leaf)) continue;
      texts.set(leaf, placeholder(c.fingerprintKey, type, c.names(nameOf(leaf))));
      c.counts[type] = (c.counts[type] ?? 0) + 1;
      stats.concatenatedMasked++;
    }
  }
  return { texts, stats };
}

/**
 * Redacts a concatenated string as a reader shows it (its leaves joined). When that finds what the
 * leaves redacted one by one do not, every leaf touching the changed region is masked whole.
 */
function checkConcatenation(
  c: DecisionContext,
  leaves: number[],
  nameOf: (node: number) => number,
  redactedLeaf: (entry: number) => string,
): Map<number, string> {
  const masked = new Map<number, string>();
  const parts = leaves.map((leaf) => c.names(nameOf(leaf)));
  if (parts.filter((p) => p !== '').length < 2) return masked;
  const total = parts.reduce((n, p) => n + p.length, 0);
  if (leaves.length > MAX_CONS_LEAVES || total > MAX_CONS_CHARS) {
    for (const leaf of leaves) masked.set(leaf, 'CONCATENATED');
    return masked;
  }
  const whole = parts.join('');
  const r = c.redactor.redactText(whole);
  if (r.text === leaves.map((leaf) => redactedLeaf(nameOf(leaf))).join('')) return masked;
  const type = Object.keys(r.counts)[0] ?? 'SECRET';
  let prefix = 0;
  const max = Math.min(whole.length, r.text.length);
  while (prefix < max && whole.charCodeAt(prefix) === r.text.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (
    suffix < max - prefix &&
    whole.charCodeAt(whole.length - 1 - suffix) === r.text.charCodeAt(r.text.length - 1 - suffix)
  )
    suffix++;
  // a placeholder may begin or end with the same characters as the text it replaced: widen
  const from = Math.max(0, prefix - 64);
  const to = Math.min(whole.length, whole.length - suffix + 64);
  let at = 0;
  for (let i = 0; i < leaves.length; i++) {
    const end = at + parts[i]!.length;
    if (end > from && at < to && parts[i] !== '') masked.set(leaves[i]!, type);
    at = end;
  }
  return masked;
}

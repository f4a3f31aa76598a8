import { createHmac } from 'node:crypto';
import { mergeCounts, type RedactionCounts, type Redactor } from '@glovebox/redact';
import type { GraphPlan, KeyOracle, KeyVerdict } from './analysis.js';
import type { ParsedSnapshot } from './reader.js';
import { checkConcatenations } from './concatenated.js';

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

function keyedValue(redactor: Redactor, name: string, value: unknown, counts?: RedactionCounts): unknown {
  const r = redactor.redactValue({ [name]: value });
  if (counts) mergeCounts(counts, r.counts);
  return Object.values(r.value as Record<string, unknown>)[0];
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
function wholeMask(c: DecisionContext, masked: string, original: string): string {
  const m = ENGINE_PLACEHOLDER.exec(masked);
  if (!m) return masked;
  // the engine already computed the same HMAC of the same value under the same key
  if (m[2] !== undefined && m[3] !== undefined)
    return `[${m[2]} ${m[3]} len ${lengthClass(original.length)}]`;
  return placeholder(c.fingerprintKey, m[1] ?? m[2]!, original);
}

/** Values asked about in one redactValue call (under its default 10 000-value budget). */
const KEYED_BATCH = 4000;

/**
 * The new texts of string nodes held under sensitive names, by the engine's structured rules: the
 * nodes under one name are asked about together, as an array under that name (elements inherit
 * the name's verdict), which costs a third of one call per value.
 */
function decideKeyed(
  c: DecisionContext,
  plan: GraphPlan,
  nameOf: (node: number) => number,
  texts: Map<number, string>,
  stats: DecisionStats,
): void {
  const byDecider = new Map<number, number[]>();
  for (const [node, decider] of plan.keyed) {
    let list = byDecider.get(decider);
    if (list === undefined) byDecider.set(decider, (list = []));
    list.push(node);
  }
  for (const [decider, nodes] of byDecider) {
    const name = c.names(decider);
    for (let at = 0; at < nodes.length; at += KEYED_BATCH) {
      const batch = nodes.slice(at, at + KEYED_BATCH);
      const contents = batch.map((node) => c.names(nameOf(node)));
      const values = batch.map((node, k) => {
        const content = contents[k]!;
        return plan.numberText.has(node) && content !== '' && Number.isFinite(Number(content))
          ? Number(content)
          : content;
      });
      const r = c.redactor.redactValue({ [name]: values });
      let out = Object.values(r.value as Record<string, unknown>)[0];
      if (Array.isArray(out) && out.length === values.length) mergeCounts(c.counts, r.counts);
      else out = values.map((v) => keyedValue(c.redactor, name, v, c.counts));
      batch.forEach((node, k) => {
        const masked = (out as unknown[])[k];
        if (masked === values[k]) return;
        texts.set(node, wholeMask(c, String(masked), contents[k]!));
        if (plan.numberText.has(node)) stats.numbersMaskedByName++;
        else stats.nodesMaskedByName++;
      });
    }
  }
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
  decideKeyed(c, plan, nameOf, texts, stats);
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
  for (const [leaf, type] of checkConcatenations(c, plan.consRoots, nameOf, stats)) {
    if (texts.has(leaf)) continue;
    texts.set(leaf, placeholder(c.fingerprintKey, type, c.names(nameOf(leaf))));
    c.counts[type] = (c.counts[type] ?? 0) + 1;
    stats.concatenatedMasked++;
  }
  return { texts, stats };
}

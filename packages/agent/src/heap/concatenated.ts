import type { Redactor } from '@glovebox/redact';
import { MAX_CONS_LEAVES } from './analysis.js';
import type { DecisionContext, DecisionStats } from './decisions.js';

/** Longest concatenated string read whole; longer ones are masked whole. */
const MAX_CONS_CHARS = 1024 * 1024;
/** Characters redacted in one call when texts are joined line by line. */
const BATCH_CHARS = 256 * 1024;
const FIRST_TYPE = /\[(?:REDACTED:)?([A-Z][A-Z0-9_]*)[:\] ]/;

/**
 * Redacts many one-line texts as few joined texts (detectors never cross a line, so this equals
 * redacting each; a batch whose line count changes is redone one by one).
 */
export function redactMany(redactor: Redactor, texts: string[]): string[] {
  const out: string[] = new Array<string>(texts.length);
  let from = 0;
  while (from < texts.length) {
    let to = from;
    let chars = 0;
    while (to < texts.length && chars < BATCH_CHARS && !texts[to]!.includes('\n'))
      chars += texts[to++]!.length + 1;
    if (to === from) {
      out[from] = redactor.redactText(texts[from]!).text;
      from++;
      continue;
    }
    const lines = redactor.redactText(texts.slice(from, to).join('\n')).text.split('\n');
    for (let i = from; i < to; i++)
      out[i] = lines.length === to - from ? lines[i - from]! : redactor.redactText(texts[i]!).text;
    from = to;
  }
  return out;
}

/**
 * Redacts every concatenated string as a reader shows it (its leaves joined). When that finds what
 * the leaves redacted one by one do not, every leaf touching the changed region is masked whole.
 * Returns leaf node -> placeholder type.
 */
export function checkConcatenations(
  c: DecisionContext,
  roots: number[][],
  nameOf: (node: number) => number,
  stats: DecisionStats,
): Map<number, string> {
  const masked = new Map<number, string>();
  const candidates: { leaves: number[]; parts: string[] }[] = [];
  const leafEntries = new Set<number>();
  for (const leaves of roots) {
    if (leaves.length > MAX_CONS_LEAVES) {
      for (const leaf of leaves) masked.set(leaf, 'CONCATENATED');
      continue;
    }
    const parts = leaves.map((leaf) => c.names(nameOf(leaf)));
    if (parts.filter((p) => p !== '').length < 2) continue;
    stats.concatenatedChecked++;
    if (parts.reduce((n, p) => n + p.length, 0) > MAX_CONS_CHARS) {
      for (const leaf of leaves) masked.set(leaf, 'CONCATENATED');
      continue;
    }
    candidates.push({ leaves, parts });
    for (const leaf of leaves) leafEntries.add(nameOf(leaf));
  }
  const entries = [...leafEntries];
  const redactedEntries = redactMany(
    c.redactor,
    entries.map((e) => c.names(e)),
  );
  const leafText = new Map(entries.map((e, i) => [e, redactedEntries[i]!]));
  const wholes = candidates.map((x) => x.parts.join(''));
  const redactedWholes = redactMany(c.redactor, wholes);
  candidates.forEach(({ leaves, parts }, k) => {
    const whole = wholes[k]!;
    const redacted = redactedWholes[k]!;
    if (redacted === leaves.map((leaf) => leafText.get(nameOf(leaf))).join('')) return;
    const type = FIRST_TYPE.exec(redacted)?.[1] ?? 'SECRET';
    let prefix = 0;
    const max = Math.min(whole.length, redacted.length);
    while (prefix < max && whole.charCodeAt(prefix) === redacted.charCodeAt(prefix)) prefix++;
    let suffix = 0;
    while (
      suffix < max - prefix &&
      whole.charCodeAt(whole.length - 1 - suffix) === redacted.charCodeAt(redacted.length - 1 - suffix)
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
  });
  return masked;
}

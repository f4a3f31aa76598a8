import type { CorpusDocument } from './generate.js';
import { Rng } from './values.js';

/** Recall for one secret type. */
export interface TypeScore {
  total: number;
  caught: number;
  recall: number;
}

/** What {@link evaluateRedaction} reports; counts only, never values. */
export interface EvaluationResult {
  documents: number;
  perType: Record<string, TypeScore>;
  recall: number;
  /** Caught secrets over caught secrets plus damaged hard negatives. */
  precision: number;
  negatives: {
    total: number;
    preserved: number;
    rate: number;
    perKind: Record<string, { total: number; preserved: number }>;
  };
}

const WINDOW = 8;

function countOccurrences(haystack: string, needle: string): number {
  let n = 0;
  let i = haystack.indexOf(needle);
  while (i !== -1) {
    n++;
    i = haystack.indexOf(needle, i + 1);
  }
  return n;
}

/**
 * True when any 8-character run of `value` survives in `output` (beyond the times that run also
 * occurs elsewhere in the input); values shorter than 8 leak when they survive whole.
 */
export function leaked(value: string, input: string, output: string): boolean {
  if (value.length <= WINDOW) return countOccurrences(output, value) > countOccurrences(input, value) - 1;
  const inputWithout = input.split(value).join('\u0000');
  for (let i = 0; i + WINDOW <= value.length; i++) {
    const w = value.slice(i, i + WINDOW);
    if (countOccurrences(output, w) > countOccurrences(inputWithout, w)) return true;
  }
  return false;
}

/**
 * Scores a redaction function on labeled documents: per-type recall (a secret is caught when no
 * 8-character run of it survives), hard-negative preservation and precision.
 *
 * @example
 * const r = createRedactor({ level: 'strict' });
 * evaluateRedaction(generateCorpus(), (t) => r.redactText(t).text, 'strict').recall;
 */
export function evaluateRedaction(
  docs: readonly CorpusDocument[],
  redact: (text: string) => string,
  level: 'standard' | 'strict' = 'strict',
): EvaluationResult {
  const perType: Record<string, TypeScore> = {};
  const perKind: Record<string, { total: number; preserved: number }> = {};
  let caught = 0;
  let total = 0;
  let negTotal = 0;
  let negPreserved = 0;
  for (const doc of docs) {
    const out = redact(doc.text);
    for (const s of doc.secrets) {
      if (s.level === 'strict' && level === 'standard') continue;
      const score = (perType[s.type] ??= { total: 0, caught: 0, recall: 0 });
      score.total++;
      total++;
      if (!leaked(s.value, doc.text, out)) {
        score.caught++;
        caught++;
      }
    }
    let blanked = doc.text;
    for (const s of doc.secrets)
      blanked =
        blanked.slice(0, s.start) + '\u0000'.repeat(s.value.length) + blanked.slice(s.start + s.value.length);
    const strictValues =
      level === 'standard' ? doc.secrets.filter((s) => s.level === 'strict').map((s) => s.value) : [];
    for (const n of doc.negatives) {
      if (strictValues.some((sv) => sv.includes(n.value) || n.value.includes(sv))) continue;
      const kind = (perKind[n.kind] ??= { total: 0, preserved: 0 });
      kind.total++;
      negTotal++;
      if (countOccurrences(out, n.value) >= countOccurrences(blanked, n.value)) {
        kind.preserved++;
        negPreserved++;
      }
    }
  }
  for (const score of Object.values(perType))
    score.recall = score.total === 0 ? 1 : score.caught / score.total;
  const damaged = negTotal - negPreserved;
  return {
    documents: docs.length,
    perType,
    recall: total === 0 ? 1 : caught / total,
    precision: caught + damaged === 0 ? 1 : caught / (caught + damaged),
    negatives: {
      total: negTotal,
      preserved: negPreserved,
      rate: negTotal === 0 ? 1 : negPreserved / negTotal,
      perKind,
    },
  };
}

/** Splits text into random chunks of `min`..`max` characters (deterministic for a seed). */
export function splitIntoChunks(text: string, seed: number, min = 1, max = 64): string[] {
  const r = new Rng(seed);
  const chunks: string[] = [];
  let i = 0;
  while (i < text.length) {
    const n = r.int(min, max);
    chunks.push(text.slice(i, i + n));
    i += n;
  }
  return chunks;
}

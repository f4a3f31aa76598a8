// Folded text: the generated corpus and the external corpus cut by `fold -w N` at several widths,
// redacted whole, scored with their line breaks taken out: per-type recall (no 8-character run of a
// secret readable) and hard negatives kept. Width 0 is the text as it is.
// Run: npx tsc -b bench && node bench/dist/redact-fold.js [widths=0,8,16,40,80] [documents=1000]
import { readFileSync } from 'node:fs';
import { createRedactor } from '@glovebox/redact';
import { evaluateRedaction, generateCorpus, leaked } from '@glovebox/redact/testing';

const WIDTHS = (process.argv[2] ?? '0,8,16,40,80').split(',').map(Number);
const DOCUMENTS = Number(process.argv[3] ?? 1000);

/** `fold -w width` (0: unchanged). */
function fold(text: string, width: number): string {
  if (width === 0) return text;
  return text
    .split('\n')
    .map((line) => (line.length === 0 ? '' : line.match(new RegExp(`[^]{1,${width}}`, 'g'))!.join('\n')))
    .join('\n');
}
const flat = (s: string): string => s.replace(/\n/g, '');

interface ExternalRecord {
  level: 'standard' | 'strict';
  text: string;
  secrets: Array<{ type: string; value: string }>;
  negatives: string[];
}
const external = JSON.parse(
  readFileSync(new URL('../../packages/redact/corpus-external/records.json', import.meta.url), 'utf8'),
) as ExternalRecord[];
const count = (hay: string, needle: string): number => hay.split(needle).length - 1;
const redactors = {
  standard: createRedactor({ level: 'standard' }),
  strict: createRedactor({ level: 'strict' }),
};
const docs = generateCorpus({ seed: 20240901, documents: DOCUMENTS });

console.log(
  'width | generated (strict): recall, lowest type, hard negatives | external: recall, hard negatives',
);
for (const width of WIDTHS) {
  const r = redactors.strict;
  const res = evaluateRedaction(docs, (t) => flat(r.redactText(fold(t, width)).text), 'strict');
  const low = Object.entries(res.perType).sort((a, b) => a[1].recall - b[1].recall)[0]!;
  let total = 0;
  let caught = 0;
  let negTotal = 0;
  let negKept = 0;
  for (const rec of external) {
    const out = flat(redactors[rec.level].redactText(fold(rec.text, width)).text);
    const input = flat(rec.text);
    for (const s of rec.secrets) {
      total++;
      if (!leaked(s.value, input, out)) caught++;
    }
    for (const n of rec.negatives) {
      negTotal++;
      if (count(out, n) >= count(input, n)) negKept++;
    }
  }
  console.log(
    `${String(width || '-').padStart(5)} | ${res.recall.toFixed(4)}, ${low[0]} ${low[1].recall.toFixed(3)}, ` +
      `${res.negatives.rate.toFixed(4)} (${res.negatives.preserved}/${res.negatives.total}) | ` +
      `${(caught / total).toFixed(3)} (${caught}/${total}), ${negKept}/${negTotal}`,
  );
}

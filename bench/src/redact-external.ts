// Scores the engine on the external corpus (packages/redact/corpus-external, material not produced
// by our generator) and on the generated corpus, per type, whole and streamed one character at a time,
// at each record's level. Prints recall per type and hard negatives kept.
// Run: npx tsc -b bench && node bench/dist/redact-external.js
import { readFileSync } from 'node:fs';
import { createRedactor, type Redactor } from '@glovebox/redact';
import { evaluateRedaction, generateCorpus, leaked } from '@glovebox/redact/testing';

interface ExternalRecord {
  source: string;
  context: string;
  level: 'standard' | 'strict';
  text: string;
  secrets: Array<{ type: string; value: string }>;
  negatives: string[];
}

const records = JSON.parse(
  readFileSync(new URL('../../packages/redact/corpus-external/records.json', import.meta.url), 'utf8'),
) as ExternalRecord[];
const count = (hay: string, needle: string): number => hay.split(needle).length - 1;

function streamed(r: Redactor, text: string): string {
  const s = r.createStream();
  let out = '';
  for (const ch of text) out += s.push(ch);
  return out + s.end();
}

const redactors = {
  standard: createRedactor({ level: 'standard' }),
  strict: createRedactor({ level: 'strict' }),
};
for (const mode of ['whole', 'streamed'] as const) {
  const perType: Record<string, { total: number; caught: number }> = {};
  let negTotal = 0;
  let negKept = 0;
  const misses: string[] = [];
  for (const rec of records) {
    const r = redactors[rec.level];
    const out = mode === 'whole' ? r.redactText(rec.text).text : streamed(r, rec.text);
    for (const s of rec.secrets) {
      const t = (perType[s.type] ??= { total: 0, caught: 0 });
      t.total++;
      if (!leaked(s.value, rec.text, out)) t.caught++;
      else misses.push(`${s.type} in ${rec.context}`);
    }
    for (const n of rec.negatives) {
      negTotal++;
      if (count(out, n) >= count(rec.text, n)) negKept++;
    }
  }
  const total = Object.values(perType).reduce((a, t) => a + t.total, 0);
  const caught = Object.values(perType).reduce((a, t) => a + t.caught, 0);
  console.log(
    `external corpus (${records.length} records), ${mode}: recall ${(caught / total).toFixed(3)} (${caught}/${total}), hard negatives kept ${negKept}/${negTotal}`,
  );
  if (mode === 'whole') {
    for (const [type, t] of Object.entries(perType).sort())
      console.log(`  ${type.padEnd(24)} ${(t.caught / t.total).toFixed(2)}  (${t.caught}/${t.total})`);
    console.log(`  misses: ${misses.join('; ') || 'none'}`);
  }
}

const docs = generateCorpus({ seed: 20240901, documents: 2000 });
for (const level of ['standard', 'strict'] as const) {
  const r = redactors[level];
  const res = evaluateRedaction(docs, (t) => r.redactText(t).text, level);
  const low = Object.entries(res.perType).sort((a, b) => a[1].recall - b[1].recall);
  console.log(
    `generated corpus (2000 documents), ${level}: recall ${res.recall.toFixed(4)}, lowest ${low[0]![0]} ${low[0]![1].recall.toFixed(3)}, hard negatives ${res.negatives.rate.toFixed(4)} (${res.negatives.preserved}/${res.negatives.total}), ${Object.keys(res.perType).length} types`,
  );
}

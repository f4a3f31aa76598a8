// Differential check of the redaction engine against an earlier build of it: the same output and
// counts on the labeled corpus, log text (whole and in 64 KiB blocks), mutated and random inputs, at
// both levels. Used to prove that a refactor changes nothing.
// Run: cp -r packages/redact/dist /tmp/redact-before   (before the change, after `npm run build`)
//      npx tsc -b bench && REDACT_BASELINE=/tmp/redact-before node bench/dist/redact-equivalence.js
// Prints the number of comparisons and differences; exits 1 on any difference.
import { pathToFileURL } from 'node:url';
import { createRedactor, type Redactor } from '@glovebox/redact';
import { generateCorpus, generateLogText } from '@glovebox/redact/testing';

const baselineDir = process.env['REDACT_BASELINE'];
if (baselineDir === undefined) {
  console.error('set REDACT_BASELINE to the dist directory of the earlier build');
  process.exit(2);
}
const baseline = (await import(pathToFileURL(`${baselineDir}/index.js`).href)) as {
  createRedactor: typeof createRedactor;
};
const DOCS = Number(process.env['BENCH_DOCS'] ?? 2000);
const MUTATIONS = Number(process.env['BENCH_MUTATIONS'] ?? 4000);

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = 'aA0 :=@._-/+\n"\'%&#;,()[]{}\\\u200b\u00e9\uff21\u001b';

function mutate(text: string, random: () => number): string {
  let out = text;
  const edits = 1 + Math.floor(random() * 6);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * (out.length + 1));
    const ch = ALPHABET[Math.floor(random() * ALPHABET.length)]!;
    const op = random();
    if (op < 0.4) out = out.slice(0, at) + ch + out.slice(at);
    else if (op < 0.7) out = out.slice(0, at) + out.slice(at + 1);
    else out = out.slice(0, at) + ch + out.slice(at + 1);
  }
  return out;
}

function randomText(random: () => number): string {
  let out = '';
  const n = Math.floor(random() * 300);
  for (let i = 0; i < n; i++) out += ALPHABET[Math.floor(random() * ALPHABET.length)]!;
  return out;
}

function streamed(r: Redactor, text: string, block: number): { text: string; counts: object } {
  const s = r.createStream();
  let out = '';
  for (let i = 0; i < text.length; i += block) out += s.push(text.slice(i, i + block));
  return { text: out + s.end(), counts: s.counts };
}

let comparisons = 0;
let differences = 0;
for (const level of ['standard', 'strict'] as const) {
  const now = createRedactor({ level });
  const before = baseline.createRedactor({ level });
  const compare = (what: string, text: string): void => {
    comparisons++;
    const a = now.redactText(text);
    const b = before.redactText(text);
    if (a.text !== b.text || JSON.stringify(a.counts) !== JSON.stringify(b.counts)) {
      differences++;
      if (differences <= 5)
        console.log(`difference (${level}, ${what}):\n  now:    ${a.text}\n  before: ${b.text}`);
    }
  };
  const docs = generateCorpus({ seed: 20240901, documents: DOCS }).map((d) => d.text);
  for (const d of docs) compare('corpus', d);
  compare('corpus joined', docs.join(''));
  const logs = generateLogText(1 << 20, 7);
  compare('1 MB of logs', logs);
  for (const block of [65536, 4093]) {
    comparisons++;
    const a = streamed(now, logs, block);
    const b = streamed(before, logs, block);
    if (a.text !== b.text || JSON.stringify(a.counts) !== JSON.stringify(b.counts)) {
      differences++;
      console.log(`difference (${level}, logs in blocks of ${block})`);
    }
  }
  const random = rng(level === 'standard' ? 1 : 2);
  for (let i = 0; i < MUTATIONS; i++) compare('mutated', mutate(docs[i % docs.length]!, random));
  for (let i = 0; i < MUTATIONS / 2; i++) compare('random', randomText(random));
}
console.log(`${comparisons} comparisons, ${differences} differences`);
process.exitCode = differences === 0 ? 0 : 1;

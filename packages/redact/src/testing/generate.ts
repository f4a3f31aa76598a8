import { Doc } from './doc.js';
import type { CorpusDocument, CorpusOptions } from './doc.js';
import { Rng } from './values.js';
import { HEX } from './values.js';
import { LOG_CONTEXTS, type Context } from './contexts-logs.js';
import { CONFIG_CONTEXTS } from './contexts-config.js';
import { SECRETS, inlineSecret, logPrefix } from './secrets.js';

export type { CorpusDocument, CorpusOptions, HardNegative, LabeledSecret } from './doc.js';

const CONTEXTS: Record<string, Context> = { ...LOG_CONTEXTS, ...CONFIG_CONTEXTS };
const CONTEXT_NAMES = Object.keys(CONTEXTS);

/**
 * Generates a labeled corpus of production-like text: application and access logs, JSON bodies,
 * stack traces, SQL rows, environment dumps, HTTP headers, connection strings, config files,
 * debugger locals and shell output, with every detector type and many kinds of hard negative.
 *
 * @example
 * const docs = generateCorpus({ seed: 7, documents: 500 });
 */
export function generateCorpus(options: CorpusOptions = {}): CorpusDocument[] {
  const r = new Rng(options.seed ?? 1);
  const n = options.documents ?? 2000;
  const docs: CorpusDocument[] = [];
  for (let i = 0; i < n; i++) {
    const context = CONTEXT_NAMES[i % CONTEXT_NAMES.length]!;
    const d = new Doc(r, context);
    CONTEXTS[context]!(d);
    d.t('note: ');
    d.neg();
    d.t(' and ');
    d.neg();
    d.t('\n');
    docs.push({ context, text: d.text, secrets: d.secrets, negatives: d.negatives });
  }
  return docs;
}

/**
 * About `bytes` of log text with sparse secrets (roughly one line in fifty carries one), for
 * throughput measurements.
 */
export function generateLogText(bytes: number, seed = 1): string {
  const r = new Rng(seed);
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const d = new Doc(r, 'applog');
    logPrefix(d);
    if (r.chance(0.02)) {
      const [type, value] = r.pick(SECRETS)(r);
      inlineSecret(d, type, value);
    } else {
      d.t(r.pick(['GET /api/v1/orders/', 'processed job ', 'cache hit ', 'span ', 'db query took ']));
      d.neg();
      d.t(` user_id=${r.int(1, 999999)} status=`)
        .t(String(r.pick([200, 201, 404, 500])))
        .t(' duration_ms=')
        .t(String(r.int(1, 2000)));
    }
    d.t(` trace_id=${r.chars(HEX, 32)}\n`);
    parts.push(d.text);
    size += d.text.length;
  }
  return parts.join('');
}

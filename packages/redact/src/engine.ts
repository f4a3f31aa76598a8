import { createHmac } from 'node:crypto';
import { scanPem } from './detectors/pem.js';
import { prefixTrieSource } from './detectors/regex-detector.js';
import { builtinDetectors } from './detectors/registry.js';
import { isPlaceholder } from './trivial.js';
import { classifyKey, normaliseKey } from './keys.js';
import type { KeyVerdict } from './keys.js';
import { newCursor, nextSegment } from './segment.js';
import type { SegmentCursor } from './segment.js';
import { PRIORITY } from './span.js';
import type { Detector, ScanContext, Span } from './span.js';

/** A masked region of a text and what replaces it. */
export interface Region {
  start: number;
  end: number;
  placeholder: string;
}
import { unsafeRegexReason } from './safe-regex.js';
import { PRESCAN_MAX, PRESCAN_MIN } from './prescan.js';
import { normalisableLines, normaliseLine } from './normalise.js';
import { scanLineContext, scanLinesAlone } from './context.js';
import { scanFolded } from './fold.js';
import type { FoldedRun } from './fold.js';
import { RedactError } from './errors.js';
import { KnownSecrets } from './known-secrets.js';
import type { CustomDetector, MaskingLevel, RedactionCounts, RedactorOptions } from './types.js';

interface CompiledCustom {
  type: string;
  re: RegExp;
  validate: ((match: string) => boolean) | undefined;
}

const TYPE_RE = /^[A-Z][A-Z0-9_]{0,47}$/;
const KEY_CACHE_LIMIT = 4096;
/** Texts up to this length that were found clean are remembered (keys, names, versions…). */
const CLEAN_TEXT_MAX = 128;
const CLEAN_CACHE_LIMIT = 4096;
/**
 * Up to this length a text is first tested once for every detector trigger: a single regex pass
 * is cheaper than each detector's own literal search when per-call costs dominate (one call per
 * log line); on longer texts the detectors' searches are cheaper than the combined test.
 */
const SHORT_TEXT = 1024;
const EMPTY_MATCH = /(?:)/;

/**
 * V8 keeps the subject of the last successful regex match (for `RegExp.input`, `RegExp.$1`…)
 * until the next one: after a redaction that would keep the clear text, secrets included,
 * reachable in the heap (and in a heap snapshot). A match on the empty string replaces it.
 */
function forgetLastMatch(): void {
  EMPTY_MATCH.exec('');
}

/** Batches end at the first segment edge past this length (well under the pre-scan's limit). */
const MAX_BATCH = PRESCAN_MAX / 2;

/**
 * The compiled configuration shared by text, stream and structured redaction. Everything that
 * depends on options is decided here, once.
 */
export class Engine implements ScanContext {
  readonly level: MaskingLevel;
  private readonly detectors: Detector[];
  /** Matches when any trigger of any detector that declares triggers occurs. */
  private readonly anyTrigger: RegExp;
  private readonly custom: CompiledCustom[];
  private readonly allowExact: ReadonlySet<string>;
  private readonly allowPatterns: RegExp[];
  private readonly extraKeys: ReadonlySet<string>;
  private readonly fingerprintKey: Uint8Array | undefined;
  private readonly keyCache = new Map<string, KeyVerdict | null>();
  private readonly known: KnownSecrets | undefined;
  private decodeDepth = 0;
  /**
   * Short texts found clean. What a text redacts to depends on the text and on this engine's
   * settings only, except for known secrets, which may be added later: the set is emptied when
   * their number changes. Keys and short values recur in every structured result and audit event.
   */
  private readonly clean = new Set<string>();
  private cleanForKnown = 0;

  constructor(options: RedactorOptions) {
    const level = options.level ?? 'standard';
    if (level !== 'standard' && level !== 'strict')
      throw new TypeError('level must be "standard" or "strict"');
    this.level = level;
    this.detectors = builtinDetectors().filter((d) => d.level === 'standard' || level === 'strict');
    const triggers = [...new Set(this.detectors.flatMap((d) => d.triggers ?? []))];
    // a trigger holding another one adds nothing to "does any occur"
    const needed = triggers.filter((t) => !triggers.some((u) => u !== t && t.includes(u)));
    this.anyTrigger = new RegExp(prefixTrieSource(needed));
    this.custom = (options.detectors ?? [])
      .filter((d) => (d.level ?? 'standard') === 'standard' || level === 'strict')
      .map(compileCustom);
    for (const d of options.detectors ?? [])
      if (!this.custom.some((c) => c.type === d.type)) compileCustom(d);
    const exact = new Set<string>();
    const patterns: RegExp[] = [];
    for (const a of options.allow ?? []) {
      if (typeof a === 'string') exact.add(a);
      else if (a instanceof RegExp) patterns.push(compileAnchored(a.source, a.flags, 'allow-list entry'));
      else throw new TypeError('allow entries must be strings or RegExps');
    }
    this.allowExact = exact;
    this.allowPatterns = patterns;
    const keys = new Set<string>();
    for (const k of options.sensitiveKeys ?? []) {
      if (typeof k !== 'string') throw new TypeError('sensitiveKeys must be strings');
      const n = normaliseKey(k);
      if (n !== '') keys.add(n);
    }
    this.extraKeys = keys;
    const known = options.knownSecrets;
    if (known !== undefined && !(known instanceof KnownSecrets))
      throw new TypeError('knownSecrets must come from createKnownSecrets()');
    this.known = known;
    const fk = options.fingerprintKey;
    if (fk === undefined) this.fingerprintKey = undefined;
    else if (typeof fk === 'string') {
      if (fk.length < 16)
        throw new RedactError('GBX_REDACT_INVALID_OPTIONS', 'fingerprintKey must be at least 16 characters');
      this.fingerprintKey = new TextEncoder().encode(fk);
    } else if (fk instanceof Uint8Array) {
      if (fk.length < 16)
        throw new RedactError('GBX_REDACT_INVALID_OPTIONS', 'fingerprintKey must be at least 16 bytes');
      this.fingerprintKey = Uint8Array.from(fk);
    } else throw new TypeError('fingerprintKey must be a string or Uint8Array');
  }

  get hasExtraKeys(): boolean {
    return this.extraKeys.size > 0;
  }

  classifyKey(name: string): KeyVerdict | undefined {
    const cached = this.keyCache.get(name);
    if (cached !== undefined) return cached ?? undefined;
    const verdict = classifyKey(name, this.level, this.extraKeys);
    if (this.keyCache.size >= KEY_CACHE_LIMIT) this.keyCache.clear();
    this.keyCache.set(name, verdict ?? null);
    return verdict;
  }

  isAllowed(value: string): boolean {
    if (this.allowExact.has(value)) return true;
    for (const re of this.allowPatterns) if (re.test(value)) return true;
    return false;
  }

  placeholder(type: string, value: string): string {
    if (this.fingerprintKey === undefined) return `[REDACTED:${type}]`;
    const mac = createHmac('sha256', this.fingerprintKey).update(value, 'utf8').digest('hex');
    return `[${type}:${mac.slice(0, 6)}]`;
  }

  /** Redacts a whole text (final input). */
  redactText(text: string, counts: RedactionCounts): string {
    if (text.length > CLEAN_TEXT_MAX) return this.drain(text, newCursor(), true, counts).out;
    const known = this.known?.size ?? 0;
    if (known !== this.cleanForKnown) {
      this.clean.clear();
      this.cleanForKnown = known;
    }
    if (this.clean.has(text)) return text;
    const found: RedactionCounts = {};
    const out = this.drain(text, newCursor(), true, found).out;
    let clean = out === text;
    for (const [type, n] of Object.entries(found)) {
      counts[type] = (counts[type] ?? 0) + n;
      clean = false;
    }
    if (clean) {
      if (this.clean.size >= CLEAN_CACHE_LIMIT) this.clean.clear();
      this.clean.add(text);
    }
    return out;
  }

  /**
   * Redacts every complete segment of `text` from `cursor.start`; returns the output and where the
   * unprocessed rest begins. Batches run up to each forced cut, so every detector sees whole lines.
   * With `sink`, the masked regions (in offsets of `text`) go there instead and `out` is empty.
   */
  drain(
    text: string,
    cursor: SegmentCursor,
    final: boolean,
    counts: RedactionCounts,
    stopAt = Infinity,
    sink?: Region[],
  ): { out: string; end: number } {
    let out = '';
    let batchStart = cursor.start;
    let pem: Array<[number, number]> = [];
    let folds: FoldedRun[] = [];
    for (;;) {
      const seg = nextSegment(text, cursor, final);
      if (seg === undefined) break;
      if (seg.kind === 'pem') pem.push([cursor.start, seg.end]);
      else if (seg.kind === 'fold' || seg.kind === 'break')
        folds.push({
          start: cursor.start - batchStart,
          end: seg.end - batchStart,
          confirmed: seg.kind === 'fold',
        });
      cursor.start = seg.end;
      cursor.scanned = seg.end;
      // a forced cut, or a batch long enough: detectors never cross a segment, so any segment
      // edge may end a batch, and batches the pre-scan can take keep its speed on huge texts
      if (seg.kind === 'cut' || seg.end - batchStart >= MAX_BATCH) {
        if (batchStart >= stopAt) break;
        out += this.redactBatch(
          text,
          batchStart,
          seg.end,
          pem,
          folds,
          cursor,
          counts,
          stopAt - batchStart,
          sink,
        );
        batchStart = seg.end;
        pem = [];
        folds = [];
      }
    }
    if (cursor.start > batchStart && batchStart < stopAt)
      out += this.redactBatch(
        text,
        batchStart,
        cursor.start,
        pem,
        folds,
        cursor,
        counts,
        stopAt - batchStart,
        sink,
      );
    forgetLastMatch();
    return { out, end: cursor.start };
  }

  /**
   * Redacts `text` but keeps only what lies before `limit`: a secret that starts before the limit
   * is masked whole even when it runs past it, so truncation never exposes a fragment.
   */
  redactPrefix(text: string, limit: number, counts: RedactionCounts): string {
    return this.drain(text, newCursor(), true, counts, limit).out;
  }

  private redactBatch(
    full: string,
    from: number,
    to: number,
    pem: Array<[number, number]>,
    folds: FoldedRun[],
    cursor: SegmentCursor,
    counts: RedactionCounts,
    stopAt: number,
    sink: Region[] | undefined,
  ): string {
    const text = from === 0 && to === full.length ? full : full.slice(from, to);
    const spans: Span[] = [];
    this.scanAll(text, spans);
    scanLineContext(text, cursor.lines, this, spans);
    for (const [s, e] of pem) scanPem(text, s - from, e - from, true, spans);
    this.scanNormalised(text, spans);
    if (folds.length > 0)
      scanFolded(
        text,
        folds,
        (joined, out) => {
          this.scanAll(joined, out);
          // command lines and pairs read within each joined line; table state stays the line scan's
          scanLinesAlone(joined, this, out);
        },
        spans,
      );
    if (sink !== undefined) {
      for (const r of this.resolve(text, spans, counts, stopAt))
        sink.push({ start: r.start + from, end: r.end + from, placeholder: r.placeholder });
      return '';
    }
    if (spans.length === 0) return stopAt < text.length ? text.slice(0, stopAt) : text;
    return this.apply(text, spans, counts, stopAt);
  }

  /** Every detector, custom detector and known secret over `text`. */
  private scanAll(text: string, spans: Span[]): void {
    const all = text.length > SHORT_TEXT || this.anyTrigger.test(text);
    for (const d of this.detectors) if (all || d.triggers === undefined) d.scan(text, spans, this);
    if (this.custom.length > 0) this.scanCustom(text, spans);
    if (this.known !== undefined) this.known.scan(text, spans);
  }

  /**
   * The lines that read differently once escapes, entities, terminal sequences, invisible and
   * compatibility characters are normalised are scanned again as normalised text; what is found
   * there is mapped back onto the original characters.
   */
  private scanNormalised(text: string, spans: Span[]): void {
    const lines = normalisableLines(text);
    if (lines.length === 0) return;
    let joined = '';
    const starts: number[] = [];
    const ends: number[] = [];
    for (const [a, b] of lines) {
      const n = normaliseLine(text, a, b);
      if (n === undefined) continue;
      joined += n.text + '\n';
      for (let k = 0; k < n.starts.length; k++) {
        starts.push(n.starts[k]!);
        ends.push(n.ends[k]!);
      }
      starts.push(b);
      ends.push(b);
    }
    if (joined === '') return;
    const inner: Span[] = [];
    this.scanAll(joined, inner);
    for (const sp of inner)
      if (sp.end > sp.start)
        spans.push({
          start: starts[sp.start]!,
          end: ends[sp.end - 1]!,
          type: sp.type,
          priority: sp.priority,
        });
  }

  /**
   * The type of the most telling secret in `decoded` (text found inside a base64, hex or gzip run),
   * or undefined; nested encodings are followed two levels deep at most.
   */
  secretIn(decoded: string): string | undefined {
    if (this.decodeDepth >= 2 || decoded.length > PRESCAN_MIN) return undefined;
    this.decodeDepth++;
    try {
      const spans: Span[] = [];
      this.scanAll(decoded, spans);
      this.scanNormalised(decoded, spans);
      let best: Span | undefined;
      for (const sp of spans) if (best === undefined || sp.priority > best.priority) best = sp;
      return best?.type;
    } finally {
      this.decodeDepth--;
    }
  }

  private scanCustom(text: string, spans: Span[]): void {
    let lineStart = 0;
    while (lineStart < text.length) {
      let nl = text.indexOf('\n', lineStart);
      if (nl === -1) nl = text.length;
      const line = text.slice(lineStart, nl);
      for (const c of this.custom) {
        c.re.lastIndex = 0;
        let m: RegExpExecArray | null;
        while ((m = c.re.exec(line)) !== null) {
          if (m[0].length === 0) {
            c.re.lastIndex = m.index + 1;
            continue;
          }
          if (c.validate !== undefined && !safeValidate(c.validate, m[0])) continue;
          spans.push({
            start: lineStart + m.index,
            end: lineStart + m.index + m[0].length,
            type: c.type,
            priority: PRIORITY.custom,
          });
        }
      }
      lineStart = nl + 1;
    }
  }

  /** Resolves overlaps (the union is masked, typed by its longest member) and writes placeholders. */
  apply(text: string, spans: Span[], counts: RedactionCounts, stopAt = Infinity): string {
    const regions = this.resolve(text, spans, counts, stopAt);
    const limit = Math.min(stopAt, text.length);
    if (regions.length === 0) return limit < text.length ? text.slice(0, limit) : text;
    let out = '';
    let pos = 0;
    for (const r of regions) {
      out += text.slice(pos, r.start) + r.placeholder;
      pos = r.end;
    }
    return out + text.slice(pos, Math.max(pos, limit));
  }

  /**
   * The masked regions of `text`, in order and disjoint: overlapping spans are merged into their
   * union, typed by the longest member; regions starting at or after `stopAt` are left out.
   */
  resolve(text: string, spans: Span[], counts: RedactionCounts, stopAt = Infinity): Region[] {
    const kept = spans.filter(
      (s) => !this.isAllowed(text.slice(s.start, s.end)) && !isPlaceholder(text.slice(s.start, s.end)),
    );
    const regions: Region[] = [];
    if (kept.length === 0) return regions;
    kept.sort((a, b) => a.start - b.start || b.end - a.end || b.priority - a.priority);
    let i = 0;
    while (i < kept.length) {
      const first = kept[i]!;
      if (first.start >= stopAt) break;
      let end = first.end;
      let best = first;
      i++;
      while (i < kept.length && kept[i]!.start < end) {
        const s = kept[i]!;
        const len = s.end - s.start;
        const bestLen = best.end - best.start;
        if (len > bestLen || (len === bestLen && s.priority > best.priority)) best = s;
        if (s.end > end) end = s.end;
        i++;
      }
      const placeholder = this.placeholder(best.type, text.slice(first.start, end));
      counts[best.type] = (counts[best.type] ?? 0) + 1;
      regions.push({ start: first.start, end, placeholder });
    }
    return regions;
  }
}

function safeValidate(fn: (match: string) => boolean, value: string): boolean {
  try {
    return fn(value) === true;
  } catch {
    // a throwing validator must not let the value through unmasked
    return true;
  }
}

function compileAnchored(source: string, flags: string, what: string): RegExp {
  const reason = unsafeRegexReason(source, flags);
  if (reason !== undefined) throw new RedactError('GBX_REDACT_UNSAFE_PATTERN', `${what} refused: ${reason}`);
  try {
    return new RegExp(`^(?:${source})$`, flags.replace(/[gym]/g, ''));
  } catch {
    throw new RedactError('GBX_REDACT_INVALID_PATTERN', `${what} is not a valid regular expression`);
  }
}

function compileCustom(d: CustomDetector): CompiledCustom {
  if (typeof d !== 'object' || d === null) throw new TypeError('a custom detector must be an object');
  if (typeof d.type !== 'string' || !TYPE_RE.test(d.type))
    throw new RedactError(
      'GBX_REDACT_INVALID_OPTIONS',
      'custom detector type must be upper snake case, at most 48 characters',
    );
  if (d.validate !== undefined && typeof d.validate !== 'function')
    throw new TypeError('validate must be a function');
  let source: string;
  let flags: string;
  if (typeof d.pattern === 'string') {
    source = d.pattern;
    flags = '';
  } else if (d.pattern instanceof RegExp) {
    source = d.pattern.source;
    flags = d.pattern.flags;
  } else throw new TypeError('custom detector pattern must be a string or RegExp');
  const kept = [...flags].filter((f) => f === 'i' || f === 'u' || f === 's').join('');
  let re: RegExp;
  try {
    re = new RegExp(source, `${kept}g`);
  } catch {
    throw new RedactError(
      'GBX_REDACT_INVALID_PATTERN',
      `custom detector ${d.type}: not a valid regular expression`,
    );
  }
  const reason = unsafeRegexReason(source, kept);
  if (reason !== undefined)
    throw new RedactError('GBX_REDACT_UNSAFE_PATTERN', `custom detector ${d.type} refused: ${reason}`);
  if (re.test(''))
    throw new RedactError(
      'GBX_REDACT_UNSAFE_PATTERN',
      `custom detector ${d.type} refused: matches the empty string`,
    );
  return { type: d.type, re, validate: d.validate };
}

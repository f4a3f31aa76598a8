import type { Literal } from '../literal.js';
import { prescan } from '../prescan.js';
import type { Runs } from '../prescan.js';
import { PRIORITY } from '../span.js';
import type { Detector, Span } from '../span.js';
import type { MaskingLevel } from '../types.js';

/**
 * Positions, in increasing order, where one of several literals starts. Merging the occurrence
 * lists lazily keeps the cost at one `indexOf` per occurrence.
 */
class LiteralCursor {
  private readonly next: number[];
  private text = '';

  constructor(private readonly literals: readonly Literal[]) {
    this.next = literals.map(() => -1);
  }

  reset(text: string): void {
    this.text = text;
    for (let k = 0; k < this.literals.length; k++) this.next[k] = this.literals[k]!.find(text, 0);
  }

  /** Drops the text, which may hold secrets: nothing of a redacted text stays reachable after it. */
  release(): void {
    this.text = '';
  }

  /** The next occurrence at or after the last one returned, or -1 when there are no more. */
  take(): number {
    let best = -1;
    let at = -1;
    for (let k = 0; k < this.next.length; k++) {
      const p = this.next[k]!;
      if (p !== -1 && (at === -1 || p < at)) {
        at = p;
        best = k;
      }
    }
    if (best === -1) return -1;
    for (let k = 0; k < this.next.length; k++)
      if (this.next[k] === at) this.next[k] = this.literals[k]!.find(this.text, at + 1);
    return at;
  }
}

const sticky = (re: RegExp): RegExp => new RegExp(re.source, re.flags.replace('g', '') + 'y');

interface RegexSpec {
  name: string;
  type: string;
  priority: number;
  level?: MaskingLevel;
  re: RegExp;
  /** Returns true when the character before the match rules it out. */
  badBefore?: (c: number) => boolean;
  /** Index of the capture group to mask; requires the `d` flag. */
  group?: number;
  /** Rejects a match, or returns a narrower [start, end) to mask. */
  validate?: (m: RegExpExecArray, text: string) => boolean | [number, number];
  /**
   * Literals of which one occurs in every match, starting at most `reach` characters after the
   * match starts (and, for a case-insensitive regex, in every case the regex accepts). The regex
   * then runs only anchored at the few positions each occurrence allows, never over the text.
   */
  triggers?: readonly Literal[];
  reach?: number;
  /**
   * Alternatively: the next position at or after `from` where a match can start, or -1 (then
   * `triggers` only tell the engine when the detector can be skipped).
   */
  nextStart?: (text: string, from: number) => number;
  /**
   * Where the pre-scan lists, in order, every position a match can start at (a superset); used
   * instead of the other strategies when the pre-scan ran.
   */
  candidates?: (runs: Runs) => Int32Array;
}

/**
 * Runs a sticky regex at each candidate position in order, as the global loop would: a candidate
 * before where the last accepted match resumed scanning is skipped.
 */
function scanCandidates(
  list: Int32Array,
  anchored: RegExp,
  text: string,
  out: Span[],
  accept: (m: RegExpExecArray, text: string, out: Span[]) => number,
): void {
  let pos = 0;
  for (let k = 0; k < list.length; k++) {
    const s = list[k]!;
    if (s < pos) continue;
    anchored.lastIndex = s;
    const m = anchored.exec(text);
    if (m !== null && m[0].length > 0) pos = accept(m, text, out);
  }
}

export function regexDetector(spec: RegexSpec): Detector {
  const { re, badBefore, group, validate, type, priority, triggers, candidates } = spec;
  const reach = spec.reach ?? 0;
  const anchored = sticky(re);
  const nextStart = spec.nextStart;
  const cursor = triggers === undefined || nextStart !== undefined ? undefined : new LiteralCursor(triggers);
  /** Handles a match at `at`; returns where scanning resumes, as the global loop would. */
  const accept = (m: RegExpExecArray, text: string, out: Span[]): number => {
    const at = m.index;
    const matchEnd = at + m[0].length;
    if (badBefore !== undefined && at > 0 && badBefore(text.charCodeAt(at - 1))) return at + 1;
    let start = at;
    let end = matchEnd;
    if (group !== undefined) {
      const idx = m.indices?.[group];
      if (idx === undefined) return matchEnd;
      [start, end] = idx;
    }
    if (validate !== undefined) {
      const verdict = validate(m, text);
      if (verdict === false) return at + 1;
      if (verdict !== true) [start, end] = verdict;
    }
    if (end > start) out.push({ start, end, type, priority });
    return matchEnd;
  };
  return {
    name: spec.name,
    level: spec.level ?? 'standard',
    ...(triggers === undefined ? {} : { triggers: triggers.map((t) => t.value) }),
    scan(text: string, out: Span[]): void {
      const runs = candidates === undefined ? undefined : prescan(text);
      if (runs !== undefined && candidates !== undefined) {
        scanCandidates(candidates(runs), anchored, text, out, accept);
        return;
      }
      if (nextStart !== undefined) {
        let pos = 0;
        for (let s = nextStart(text, 0); s !== -1; s = nextStart(text, pos)) {
          anchored.lastIndex = s;
          const m = anchored.exec(text);
          pos = m === null || m[0].length === 0 ? s + 1 : accept(m, text, out);
        }
        return;
      }
      if (cursor === undefined) {
        re.lastIndex = 0;
        let m: RegExpExecArray | null;
        while ((m = re.exec(text)) !== null) {
          if (m[0].length === 0) re.lastIndex = m.index + 1;
          else re.lastIndex = accept(m, text, out);
        }
        return;
      }
      // Every match starts within `reach` before a trigger, so trying the anchored regex at those
      // positions in order finds exactly the matches the global loop would.
      cursor.reset(text);
      let pos = 0;
      for (let t = cursor.take(); t !== -1; t = cursor.take()) {
        for (let s = Math.max(pos, t - reach); s <= t; s = Math.max(s + 1, pos)) {
          anchored.lastIndex = s;
          const m = anchored.exec(text);
          if (m === null || m[0].length === 0) continue;
          pos = accept(m, text, out);
        }
      }
      cursor.release();
    },
  };
}

/**
 * Prefixed vendor tokens in one regex: an alternation of literal-led patterns runs as one pass
 * instead of one pass per vendor. Each alternative is its own capture group, naming the type.
 * With `prefixes` (literals one of which starts every match) the regex runs anchored at their
 * occurrences only, which finds the same matches as the pass without reading the whole text.
 */
export function vendorDetector(
  name: string,
  parts: ReadonlyArray<readonly [string, string, (c: number) => boolean]>,
  prefixes?: readonly Literal[],
  candidates?: (runs: Runs) => Int32Array,
): Detector {
  const re = new RegExp(parts.map(([, src]) => `(${src})`).join('|'), 'g');
  const anchored = sticky(re);
  const cursor = prefixes === undefined ? undefined : new LiteralCursor(prefixes);
  /** Masks the match unless the character before rules it out; returns where scanning resumes. */
  const accept = (m: RegExpExecArray, text: string, out: Span[]): number => {
    let g = 1;
    while (m[g] === undefined) g++;
    const [type, , badBefore] = parts[g - 1]!;
    if (m.index > 0 && badBefore(text.charCodeAt(m.index - 1))) return m.index + 1;
    out.push({ start: m.index, end: m.index + m[0].length, type, priority: PRIORITY.vendorToken });
    return m.index + m[0].length;
  };
  return {
    name,
    level: 'standard',
    ...(prefixes === undefined ? {} : { triggers: prefixes.map((t) => t.value) }),
    scan(text: string, out: Span[]): void {
      const runs = candidates === undefined ? undefined : prescan(text);
      if (runs !== undefined && candidates !== undefined) {
        scanCandidates(candidates(runs), anchored, text, out, accept);
        return;
      }
      if (cursor === undefined) {
        re.lastIndex = 0;
        let m: RegExpExecArray | null;
        while ((m = re.exec(text)) !== null) re.lastIndex = accept(m, text, out);
        return;
      }
      cursor.reset(text);
      let pos = 0;
      for (let t = cursor.take(); t !== -1; t = cursor.take()) {
        if (t < pos) continue;
        anchored.lastIndex = t;
        const m = anchored.exec(text);
        if (m !== null) pos = accept(m, text, out);
      }
      cursor.release();
    },
  };
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/**
 * An alternation of words factored by common prefixes (`s(?:e(?:cret|ss|ed)|id|…)`), so the regex
 * engine tests each position against one branch per first letter instead of every word. No word
 * is a prefix of another, so the match at each position is the same as the plain alternation's.
 * `between` (a regex source) may stand between any two letters of a word.
 */
export function prefixTrieSource(words: readonly string[], between = ''): string {
  const byFirst = new Map<string, string[]>();
  let empty = false;
  for (const w of words) {
    if (w === '') {
      empty = true;
      continue;
    }
    const rest = byFirst.get(w[0]!) ?? [];
    rest.push(w.slice(1));
    byFirst.set(w[0]!, rest);
  }
  const branches = [...byFirst].map(([first, rest]) => {
    const tail = prefixTrieSource(rest, between);
    return escapeRegex(first) + (tail === '' ? '' : between + tail);
  });
  if (branches.length === 0) return '';
  if (branches.length === 1 && !empty) return branches[0]!;
  return `(?:${branches.join('|')})${empty ? '?' : ''}`;
}

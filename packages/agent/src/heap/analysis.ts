import { GloveboxError } from '@glovebox/core';
import type { SnapshotLayout } from './format.js';
import { edgeNamedByIndex } from './format.js';
import type { ParsedSnapshot } from './reader.js';

/** What a property name says about the values under it (from the redaction engine's key rules). */
export interface KeyVerdict {
  /** `mask`: any non-trivial value is hidden; `entropy`: only random-looking ones. */
  mode: 'mask' | 'entropy';
}

/** Answers, per strings-table entry used as a property name, whether the name is sensitive. */
export type KeyOracle = (entry: number) => KeyVerdict | undefined;

/** How strings-table entries are used, by bit. */
export const USE = {
  /** Name of an edge (property, variable, internal slot). */
  edgeName: 1,
  /** Name of a node that is not a string (class, function, system names). */
  nodeName: 2,
  /** Name of a code, closure or regexp node (function names, script URLs, patterns). */
  codeName: 4,
  /** Content of a string node. */
  value: 8,
  /** Named by the allocation-trace tables. */
  trace: 16,
} as const;

/** The result of looking at the graph: which nodes need a decision that depends on their context. */
export interface GraphPlan {
  /** String node ordinal -> strings entry of the sensitive name that decides its masking. */
  keyed: Map<number, number>;
  /** String nodes that hold the digits of a number (children of `number` nodes). */
  numberText: Set<number>;
  /** String nodes holding a script's source text. */
  sources: Set<number>;
  /** Leaves (node ordinals, in reading order) of every concatenated string not inside another one. */
  consRoots: number[][];
  /** Per strings entry, the USE bits. */
  uses: Uint8Array;
  /** Node ordinal -> index of its first edge in the edges array (length nodeCount + 1). */
  firstEdge: Uint32Array;
}

/** Object nesting followed below a sensitive name (like redactValue's walk, bounded for a heap). */
const MAX_DEPTH = 4;
/** Nodes visited while propagating a sensitive name, in all. */
const MAX_VISITS = 2_000_000;
/** Leaves of one concatenated string beyond which it is masked whole without reading it. */
export const MAX_CONS_LEAVES = 100_000;
/** Edges never followed when propagating: they lead to shapes, prototypes and code, not data. */
const SKIP_EDGES = new Set([
  'map',
  '__proto__',
  'constructor',
  'prototype',
  'context',
  'native_context',
  'shared',
  'code',
  'feedback_cell',
  'feedback_vector',
]);

const KIND = {
  unknown: 0,
  other: 1,
  first: 2,
  second: 3,
  source: 4,
  value: 5,
  table: 6,
  skip: 7,
  store: 8,
  map: 9,
};
const KIND_OF: Record<string, number> = {
  first: KIND.first,
  second: KIND.second,
  source: KIND.source,
  value: KIND.value,
  table: KIND.table,
  elements: KIND.store,
  properties: KIND.store,
  Map: KIND.map,
};
for (const name of SKIP_EDGES) KIND_OF[name] = KIND.skip;

interface Walk {
  s: ParsedSnapshot;
  l: SnapshotLayout;
  names: (entry: number) => string;
  /** Per strings entry, which of the few names the walk cares about it is (decoded once). */
  kinds: Uint8Array;
  oracle: KeyOracle;
  firstEdge: Uint32Array;
  keyed: Map<number, number>;
  modes: Map<number, 'mask' | 'entropy'>;
  numberText: Set<number>;
  visits: number;
}

/**
 * Reads the graph once and decides which string nodes are values under sensitive names (following
 * properties, closure variables, Map entries, array elements, concatenated and sliced strings and
 * boxed numbers), which are script sources, and which concatenated strings must be checked whole.
 */
export function planGraph(s: ParsedSnapshot, oracle: KeyOracle, names: (entry: number) => string): GraphPlan {
  const l = s.layout;
  const nodeCount = s.nodes.length / l.nodeFields;
  const firstEdge = edgeStarts(s);
  const uses = new Uint8Array(s.strings.length);
  const w: Walk = {
    s,
    l,
    names,
    oracle,
    kinds: new Uint8Array(s.strings.length),
    firstEdge,
    keyed: new Map(),
    modes: new Map(),
    numberText: new Set(),
    visits: 0,
  };
  const sources = new Set<number>();
  const consChild = new Uint8Array(nodeCount);
  const mapTables: number[] = [];
  const seeds: [number, number][] = [];
  const strings = s.strings.length;
  for (let i = 0; i < nodeCount; i++) {
    const type = s.nodes[i * l.nodeFields + l.nodeType]!;
    const name = s.nodes[i * l.nodeFields + l.nodeName]!;
    if (name >= strings) invalid('a node name points past the strings');
    if (type === l.node.string) uses[name]! |= USE.value;
    else if (type === l.node.code || type === l.node.closure || type === l.node.regexp)
      uses[name]! |= USE.codeName;
    else uses[name]! |= USE.nodeName;
    for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += l.edgeFields) {
      const et = s.edges[e + l.edgeType]!;
      if (edgeNamedByIndex(l, et)) continue;
      const en = s.edges[e + l.edgeName]!;
      if (en >= strings) invalid('an edge name points past the strings');
      uses[en]! |= USE.edgeName;
      const to = s.edges[e + l.edgeTo]! / l.nodeFields;
      if (!Number.isInteger(to) || to >= nodeCount) invalid('an edge points past the nodes');
      if (et === l.edge.property || et === l.edge.context) {
        if (oracle(en) !== undefined) seeds.push([to, en]);
      } else if (et === l.edge.internal) {
        const edge = kindOf(w, en);
        if (type === l.node.cons && (edge === KIND.first || edge === KIND.second)) consChild[to] = 1;
        else if (type === l.node.code && edge === KIND.source && typeOf(w, to) === l.node.string)
          sources.add(to);
        else if (type === l.node.number && edge === KIND.value) w.numberText.add(to);
        else if (type === l.node.object && edge === KIND.table && kindOf(w, name) === KIND.map)
          mapTables.push(to);
      }
    }
  }
  markTraceNames(s, uses);
  for (const [to, decider] of seeds) visit(w, to, decider, oracle(decider)!.mode, 0);
  for (const table of mapTables) seedMapValues(w, table);
  const consRoots: number[][] = [];
  for (let i = 0; i < nodeCount; i++) {
    if (typeOf(w, i) === l.node.cons && consChild[i] === 0) consRoots.push(consLeaves(w, i));
  }
  return { keyed: w.keyed, numberText: w.numberText, sources, consRoots, uses, firstEdge };
}

/** Node ordinal -> index of its first edge in the edges array (length nodeCount + 1). */
export function edgeStarts(s: ParsedSnapshot): Uint32Array {
  const l = s.layout;
  const nodeCount = s.nodes.length / l.nodeFields;
  const firstEdge = new Uint32Array(nodeCount + 1);
  for (let i = 0, e = 0; i < nodeCount; i++) {
    firstEdge[i] = e;
    e += s.nodes[i * l.nodeFields + l.nodeEdgeCount]! * l.edgeFields;
    firstEdge[i + 1] = e;
  }
  if (firstEdge[nodeCount] !== s.edges.length) invalid('edge counts do not add up');
  return firstEdge;
}

function invalid(message: string): never {
  throw new GloveboxError('GBX_HEAP_FORMAT_INVALID', `heap snapshot format not understood: ${message}`);
}

function kindOf(w: Walk, entry: number): number {
  let k = w.kinds[entry]!;
  if (k === KIND.unknown) {
    k = KIND_OF[w.names(entry)] ?? KIND.other;
    w.kinds[entry] = k;
  }
  return k;
}

function typeOf(w: Walk, node: number): number {
  return w.s.nodes[node * w.l.nodeFields + w.l.nodeType]!;
}

function nameOf(w: Walk, node: number): number {
  return w.s.nodes[node * w.l.nodeFields + w.l.nodeName]!;
}

/** Follows a sensitive name down to the strings it holds (the redactValue rules, on the graph). */
function visit(w: Walk, start: number, decider: number, mode: 'mask' | 'entropy', depth: number): void {
  const l = w.l;
  const stack: [number, number, 'mask' | 'entropy', number][] = [[start, decider, mode, depth]];
  const seen = new Set<number>();
  while (stack.length > 0 && w.visits < MAX_VISITS) {
    const [node, d, m, dep] = stack.pop()!;
    const key = node * 2 + (m === 'mask' ? 1 : 0);
    if (seen.has(key)) continue;
    seen.add(key);
    w.visits++;
    const type = typeOf(w, node);
    if (type === l.node.string) {
      if (w.modes.get(node) !== 'mask') {
        w.keyed.set(node, d);
        w.modes.set(node, m);
      }
    }
    const isObject = type === l.node.object;
    const isStore = type === l.node.array || type === l.node.hidden;
    const isStringLike = type === l.node.string || type === l.node.cons || type === l.node.sliced;
    if (!isObject && !isStore && !isStringLike && type !== l.node.number) continue;
    if (isObject && dep >= MAX_DEPTH) continue;
    const next = isObject ? dep + 1 : dep;
    for (let e = w.firstEdge[node]!; e < w.firstEdge[node + 1]!; e += l.edgeFields) {
      const et = w.s.edges[e + l.edgeType]!;
      const to = w.s.edges[e + l.edgeTo]! / l.nodeFields;
      if (et === l.edge.element || et === l.edge.hidden) {
        if (isObject || isStore) stack.push([to, d, m, next]);
        continue;
      }
      const en = w.s.edges[e + l.edgeName]!;
      if (et === l.edge.property && isObject) {
        const own = w.oracle(en);
        if (own?.mode === 'mask') stack.push([to, en, 'mask', next]);
        else stack.push([to, d, m, next]);
      } else if (et === l.edge.internal) {
        const edge = kindOf(w, en);
        if (edge === KIND.skip) continue;
        if (isStringLike || type === l.node.number || isStore) stack.push([to, d, m, next]);
        else if (edge === KIND.store || edge === KIND.table || edge === KIND.value)
          stack.push([to, d, m, next]);
      }
    }
  }
}

/** Map entries sit as (key, value, chain) in the table: a sensitive string key marks its value. */
function seedMapValues(w: Walk, table: number): void {
  const l = w.l;
  const byIndex = new Map<number, number>();
  for (let e = w.firstEdge[table]!; e < w.firstEdge[table + 1]!; e += l.edgeFields) {
    const et = w.s.edges[e + l.edgeType]!;
    const name = w.s.edges[e + l.edgeName]!;
    const index = edgeNamedByIndex(l, et) ? name : Number(w.names(name));
    if (Number.isSafeInteger(index)) byIndex.set(index, w.s.edges[e + l.edgeTo]! / l.nodeFields);
  }
  for (const [index, key] of byIndex) {
    if (typeOf(w, key) !== l.node.string) continue;
    const entry = nameOf(w, key);
    const verdict = w.oracle(entry);
    const value = byIndex.get(index + 1);
    if (verdict !== undefined && value !== undefined) visit(w, value, entry, verdict.mode, 1);
  }
}

/** The leaves of a concatenated string in reading order (what DevTools shows as its text). */
function consLeaves(w: Walk, root: number): number[] {
  const l = w.l;
  const leaves: number[] = [];
  const stack = [root];
  while (stack.length > 0 && leaves.length <= MAX_CONS_LEAVES) {
    const node = stack.pop()!;
    if (typeOf(w, node) !== l.node.cons) {
      leaves.push(node);
      continue;
    }
    let first = -1;
    let second = -1;
    for (let e = w.firstEdge[node]!; e < w.firstEdge[node + 1]!; e += l.edgeFields) {
      if (w.s.edges[e + l.edgeType] !== l.edge.internal) continue;
      const edge = kindOf(w, w.s.edges[e + l.edgeName]!);
      if (edge === KIND.first) first = w.s.edges[e + l.edgeTo]! / l.nodeFields;
      else if (edge === KIND.second) second = w.s.edges[e + l.edgeTo]! / l.nodeFields;
    }
    if (second >= 0) stack.push(second);
    if (first >= 0) stack.push(first);
  }
  return leaves;
}

/** `trace_function_infos` name and script_name fields point into the strings table too. */
function markTraceNames(s: ParsedSnapshot, uses: Uint8Array): void {
  const section = s.sections.find((x) => x.name === 'trace_function_infos');
  const fields = s.header.meta['trace_function_info_fields'];
  if (!section || !Array.isArray(fields)) return;
  const width = fields.length;
  const nameAt = fields.indexOf('name');
  const scriptAt = fields.indexOf('script_name');
  const numbers = section.raw.match(/\d+/g) ?? [];
  for (let i = 0; i + width <= numbers.length; i += width) {
    for (const at of [nameAt, scriptAt]) {
      if (at < 0) continue;
      const entry = Number(numbers[i + at]);
      if (entry < uses.length) uses[entry]! |= USE.trace;
    }
  }
}

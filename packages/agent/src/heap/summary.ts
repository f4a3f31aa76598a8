import type { SnapshotLayout } from './format.js';
import type { ParsedSnapshot } from './reader.js';

/** One constructor's share of the heap. */
export interface ClassTotals {
  name: string;
  count: number;
  selfBytes: number;
}

/** An object that keeps much memory alive. */
export interface Retainer {
  name: string;
  id: number;
  selfBytes: number;
  retainedBytes: number;
}

/** DevTools' class name of a node (the Summary view's "Constructor" column). */
export function classNameOf(l: SnapshotLayout, type: number, name: string): string {
  if (type === l.node.hidden) return '(system)';
  if (type === l.node.code) return '(compiled code)';
  if (type === l.node.closure) return 'Function';
  if (type === l.node.regexp) return 'RegExp';
  const typeName = l.nodeTypes[type] ?? 'unknown';
  if (type === l.node.object || typeName === 'native') return name;
  return `(${typeName})`;
}

/** Count and self size per class name; `ids` receives each node's id by class, when given. */
export function classTotals(
  s: ParsedSnapshot,
  names: (entry: number) => string,
  ids?: Map<string, number[]>,
): Map<string, ClassTotals> {
  const l = s.layout;
  const byEntry = new Map<string, string>();
  const totals = new Map<string, ClassTotals>();
  for (let i = 0; i < s.nodes.length; i += l.nodeFields) {
    const type = s.nodes[i + l.nodeType]!;
    const entry = s.nodes[i + l.nodeName]!;
    const key = type === l.node.object || l.nodeTypes[type] === 'native' ? `n${entry}` : `t${type}`;
    let name = byEntry.get(key);
    if (name === undefined) {
      name = classNameOf(l, type, key.startsWith('n') ? names(entry) : '');
      byEntry.set(key, name);
    }
    let t = totals.get(name);
    if (t === undefined) {
      t = { name, count: 0, selfBytes: 0 };
      totals.set(name, t);
    }
    t.count++;
    t.selfBytes += s.nodes[i + l.nodeSelfSize]!;
    if (ids) {
      let list = ids.get(name);
      if (list === undefined) ids.set(name, (list = []));
      list.push(s.nodes[i + l.nodeId]!);
    }
  }
  return totals;
}

/**
 * Retained size of every node: the size of everything only reachable through it, from the
 * dominator tree of the graph rooted at node 0 (weak edges ignored), by the iterative algorithm of
 * Cooper, Harvey and Kennedy over a reverse post-order, as DevTools does.
 */
export function retainedSizes(s: ParsedSnapshot, firstEdge: Uint32Array): Float64Array {
  const l = s.layout;
  const n = s.nodes.length / l.nodeFields;
  const weak = l.edge.weak;
  const order = new Uint32Array(n);
  const postIndex = new Uint32Array(n).fill(0xffffffff);
  const visited = new Uint8Array(n);
  const stack = new Uint32Array(n);
  const cursor = new Uint32Array(n);
  let count = 0;
  let top = 0;
  stack[0] = 0;
  visited[0] = 1;
  cursor[0] = firstEdge[0]!;
  while (top >= 0) {
    const node = stack[top]!;
    const e = cursor[node]!;
    if (e < firstEdge[node + 1]!) {
      cursor[node] = e + l.edgeFields;
      if (s.edges[e + l.edgeType] === weak) continue;
      const to = s.edges[e + l.edgeTo]! / l.nodeFields;
      if (visited[to]) continue;
      visited[to] = 1;
      cursor[to] = firstEdge[to]!;
      stack[++top] = to;
    } else {
      postIndex[node] = count;
      order[count++] = node;
      top--;
    }
  }
  const predStart = new Uint32Array(n + 1);
  for (let e = 0; e < s.edges.length; e += l.edgeFields) {
    if (s.edges[e + l.edgeType] !== weak) predStart[s.edges[e + l.edgeTo]! / l.nodeFields + 1]!++;
  }
  for (let i = 0; i < n; i++) predStart[i + 1]! += predStart[i]!;
  const preds = new Uint32Array(predStart[n]!);
  const fill = predStart.slice(0, n);
  for (let node = 0; node < n; node++) {
    for (let e = firstEdge[node]!; e < firstEdge[node + 1]!; e += l.edgeFields) {
      if (s.edges[e + l.edgeType] === weak) continue;
      const to = s.edges[e + l.edgeTo]! / l.nodeFields;
      preds[fill[to]!++] = node;
    }
  }
  const NONE = 0xffffffff;
  const idom = new Uint32Array(count).fill(NONE);
  const root = count - 1;
  idom[root] = root;
  for (let changed = true; changed;) {
    changed = false;
    for (let p = root - 1; p >= 0; p--) {
      const node = order[p]!;
      let best = NONE;
      for (let k = predStart[node]!; k < predStart[node + 1]!; k++) {
        const q = postIndex[preds[k]!]!;
        if (q === NONE || idom[q] === NONE) continue;
        if (best === NONE) best = q;
        else {
          let a = q;
          let b = best;
          while (a !== b) {
            while (a < b) a = idom[a]!;
            while (b < a) b = idom[b]!;
          }
          best = a;
        }
      }
      if (best !== NONE && idom[p] !== best) {
        idom[p] = best;
        changed = true;
      }
    }
  }
  const retained = new Float64Array(n);
  for (let node = 0; node < n; node++) retained[node] = s.nodes[node * l.nodeFields + l.nodeSelfSize]!;
  for (let p = 0; p < root; p++) {
    if (idom[p] === NONE) continue;
    retained[order[idom[p]!]!]! += retained[order[p]!]!;
  }
  return retained;
}

/** The `count` objects with the largest retained size (the root and GC-root groups left out). */
export function largestRetainers(
  s: ParsedSnapshot,
  retained: Float64Array,
  names: (entry: number) => string,
  count: number,
): Retainer[] {
  const l = s.layout;
  const candidates: number[] = [];
  for (let node = 0; node < retained.length; node++) {
    const type = s.nodes[node * l.nodeFields + l.nodeType]!;
    if (l.nodeTypes[type] === 'synthetic' || node === 0) continue;
    candidates.push(node);
  }
  candidates.sort((a, b) => retained[b]! - retained[a]!);
  return candidates.slice(0, count).map((node) => {
    const at = node * l.nodeFields;
    return {
      name: classNameOf(l, s.nodes[at + l.nodeType]!, names(s.nodes[at + l.nodeName]!)),
      id: s.nodes[at + l.nodeId]!,
      selfBytes: s.nodes[at + l.nodeSelfSize]!,
      retainedBytes: retained[node]!,
    };
  });
}

/** Growth of one constructor between two snapshots. */
export interface ClassGrowth {
  name: string;
  countBefore: number;
  countAfter: number;
  countDelta: number;
  bytesBefore: number;
  bytesAfter: number;
  bytesDelta: number;
  /** Objects in the second snapshot whose id the first does not have. */
  added: number;
  /** Objects of the first snapshot whose id the second does not have. */
  removed: number;
}

/**
 * Compares two snapshots per constructor, as DevTools' Comparison view: counts and sizes before
 * and after, and objects added and removed by node id. Sorted by size growth, largest first.
 */
export function diffSnapshots(
  before: { totals: Map<string, ClassTotals>; ids: Map<string, number[]> },
  after: { totals: Map<string, ClassTotals>; ids: Map<string, number[]> },
): ClassGrowth[] {
  const all = new Set([...before.totals.keys(), ...after.totals.keys()]);
  const rows: ClassGrowth[] = [];
  for (const name of all) {
    const a = before.totals.get(name);
    const b = after.totals.get(name);
    const idsA = new Uint32Array(before.ids.get(name) ?? []).sort();
    const idsB = new Uint32Array(after.ids.get(name) ?? []).sort();
    let i = 0;
    let j = 0;
    let common = 0;
    while (i < idsA.length && j < idsB.length) {
      if (idsA[i] === idsB[j]) {
        common++;
        i++;
        j++;
      } else if (idsA[i]! < idsB[j]!) i++;
      else j++;
    }
    const row: ClassGrowth = {
      name,
      countBefore: a?.count ?? 0,
      countAfter: b?.count ?? 0,
      countDelta: (b?.count ?? 0) - (a?.count ?? 0),
      bytesBefore: a?.selfBytes ?? 0,
      bytesAfter: b?.selfBytes ?? 0,
      bytesDelta: (b?.selfBytes ?? 0) - (a?.selfBytes ?? 0),
      added: idsB.length - common,
      removed: idsA.length - common,
    };
    if (row.countDelta !== 0 || row.bytesDelta !== 0 || row.added !== 0 || row.removed !== 0) rows.push(row);
  }
  return rows.sort((x, y) => y.bytesDelta - x.bytesDelta || y.countDelta - x.countDelta);
}

/**
 * The budgeted serializer: copies values into JSON-safe form under depth, field, item, string, byte
 * and time budgets; never calls a getter, a Proxy trap or any other application code; masks
 * sensitive keys. Injected into the isolate by source text (see runtime-source.ts).
 */
import type { Intrinsics } from './intrinsics.js';
import { isSensitiveKey, type SensitiveKeys } from './sensitive.js';
import type { CaptureBudgets, TruncationMarks } from './types.js';

/** State of one capture. */
export interface CaptureState {
  I: Intrinsics;
  keys: SensitiveKeys;
  b: CaptureBudgets;
  bytes: number;
  deadline: number;
  nodes: number;
  redacted: number;
  t: TruncationMarks;
  ancestors: Set<object>;
}

export function newMarks(): TruncationMarks {
  return { depth: 0, fields: 0, items: 0, strings: 0, bytes: 0, time: 0, frames: 0 };
}

export function newCaptureState(I: Intrinsics, keys: SensitiveKeys, b: CaptureBudgets): CaptureState {
  return {
    I,
    keys,
    b,
    bytes: 0,
    deadline: I.now() + b.maxTimeMs,
    nodes: 0,
    redacted: 0,
    t: newMarks(),
    ancestors: new Set(),
  };
}

/** Serializes one value as a whole capture; never throws. */
export function serializeRoot(I: Intrinsics, keys: SensitiveKeys, value: unknown, budgets: CaptureBudgets) {
  const s = newCaptureState(I, keys, budgets);
  let out: unknown;
  try {
    out = serializeValue(value, 0, s);
  } catch {
    out = { '@type': 'unreadable' };
  }
  return { value: out, truncated: s.t, bytes: s.bytes, redacted: s.redacted };
}

/** Counts a masked value; the placeholder is the one the worker's redactor leaves alone. */
export function markRedacted(s: CaptureState): unknown {
  s.redacted++;
  s.bytes += 30;
  return '[REDACTED]';
}

export function cutString(v: string, s: CaptureState): unknown {
  if (v.length > s.b.maxStringLength) {
    s.t.strings++;
    s.bytes += s.b.maxStringLength + 40;
    return { '@truncated': 'string', value: s.I.strSlice.call(v, 0, s.b.maxStringLength), length: v.length };
  }
  s.bytes += v.length + 2;
  return v;
}

export function overBudget(s: CaptureState): boolean {
  if (s.t.time > 0) return true;
  if (s.bytes > s.b.maxBytes) {
    s.t.bytes++;
    return true;
  }
  return false;
}

/** Any value: primitives inline, objects through {@link serializeObject}. */
export function serializeValue(v: unknown, depth: number, s: CaptureState): unknown {
  if (s.bytes > s.b.maxBytes) {
    s.t.bytes++;
    return { '@truncated': 'bytes' };
  }
  if ((++s.nodes & 31) === 0 && s.I.now() > s.deadline) s.t.time++;
  if (s.t.time > 0) return { '@truncated': 'time' };
  switch (typeof v) {
    case 'string':
      return cutString(v, s);
    case 'number':
      s.bytes += 8;
      return s.I.numberIsFinite(v) ? v : { '@type': 'number', value: s.I.StringCtor(v) };
    case 'boolean':
      s.bytes += 5;
      return v;
    case 'undefined':
      s.bytes += 20;
      return { '@type': 'undefined' };
    case 'bigint':
      s.bytes += 20;
      return { '@type': 'bigint', value: s.I.bigintToString.call(v) };
    case 'symbol': {
      s.bytes += 20;
      const d = s.I.symbolDescription.call(v) as string | undefined;
      return { '@type': 'symbol', description: d === undefined ? null : cutString(d, s) };
    }
    case 'function':
      return serializeFunction(v, s);
    case 'object':
      break;
  }
  if (v === null) {
    s.bytes += 4;
    return null;
  }
  s.bytes += 2;
  if (s.I.isProxy(v)) return { '@type': 'Proxy' };
  if (v === s.I.envObject) return markRedacted(s);
  if (s.ancestors.has(v)) return { '@type': 'cycle' };
  if (depth >= s.b.maxDepth) {
    s.t.depth++;
    return { '@truncated': 'depth', '@type': s.I.isArray(v) ? 'Array' : (className(s.I, v) ?? 'Object') };
  }
  s.ancestors.add(v);
  try {
    return serializeObject(v, depth, s);
  } finally {
    s.ancestors.delete(v);
  }
}

export function serializeFunction(v: unknown, s: CaptureState): unknown {
  s.bytes += 30;
  if (s.I.isProxy(v)) return { '@type': 'Proxy' };
  let name = '';
  try {
    const d = s.I.getDesc(v as object, 'name');
    if (d !== undefined && 'value' in d && typeof d.value === 'string') name = d.value;
  } catch {
    // Unnamed is fine.
  }
  return { '@type': 'function', name: cutString(name, s) };
}

/** An object below the depth limit, by kind. */
export function serializeObject(o: object, depth: number, s: CaptureState): unknown {
  const I = s.I;
  if (I.isArray(o)) return serializeArray(o as unknown[], depth, s);
  if (I.isMap(o)) return serializeCollection(o, true, depth, s);
  if (I.isSet(o)) return serializeCollection(o, false, depth, s);
  if (I.isDate(o)) {
    const t = I.dateGetTime.call(o);
    s.bytes += 26;
    return { '@type': 'Date', value: I.numberIsFinite(t) ? I.dateToIso.call(o) : 'Invalid Date' };
  }
  if (I.isRegExp(o)) {
    return {
      '@type': 'RegExp',
      source: cutString(I.regexpSource.call(o) as string, s),
      flags: I.regexpFlags.call(o) as string,
    };
  }
  if (I.isView(o)) {
    // Buffers may hold anything (keys, request bodies): shape only, never bytes.
    let length = 0;
    try {
      length = I.typedArrayLength.call(o) as number;
    } catch {
      length = -1;
    }
    return { '@type': className(I, o) ?? 'TypedArray', length };
  }
  if (I.isArrayBuffer(o)) {
    let byteLength = -1;
    try {
      byteLength = I.arrayBufferByteLength.call(o) as number;
    } catch {
      // SharedArrayBuffer: its own getter; the size is decoration.
    }
    return { '@type': className(I, o) ?? 'ArrayBuffer', byteLength };
  }
  return serializeFields(o, depth, s);
}

export function serializeArray(o: unknown[], depth: number, s: CaptureState): unknown {
  const lenDesc = s.I.getDesc(o, 'length');
  const len = lenDesc !== undefined && 'value' in lenDesc ? lenDesc.value : 0;
  const n = len < s.b.maxItems ? len : s.b.maxItems;
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const d = s.I.getDesc(o, i);
    out.push(
      d === undefined
        ? { '@type': 'hole' }
        : 'value' in d
          ? serializeValue(d.value, depth + 1, s)
          : { '@type': 'accessor' },
    );
    if (overBudget(s)) break;
  }
  if (len > out.length) {
    s.t.items++;
    out.push({ '@omitted': len - out.length });
  }
  return out;
}

/** A Map (entries, values under sensitive string keys masked) or a Set (values). */
export function serializeCollection(o: object, isMap: boolean, depth: number, s: CaptureState): unknown {
  const I = s.I;
  const size = (isMap ? I.mapSize : I.setSize).call(o) as number;
  const items: unknown[] = [];
  const it = (isMap ? I.mapEntries : I.setValues).call(o);
  const next = isMap ? I.mapIterNext : I.setIterNext;
  for (let i = 0; i < s.b.maxItems; i++) {
    const r = next.call(it);
    if (r.done === true) break;
    if (isMap) {
      const [k, val] = r.value as [unknown, unknown];
      const sensitive = typeof k === 'string' && isSensitiveKey(I, s.keys, k);
      items.push([
        serializeValue(k, depth + 1, s),
        sensitive ? markRedacted(s) : serializeValue(val, depth + 1, s),
      ]);
    } else items.push(serializeValue(r.value, depth + 1, s));
    if (overBudget(s)) break;
  }
  if (size > items.length) s.t.items++;
  return isMap ? { '@type': 'Map', size, entries: items } : { '@type': 'Set', size, values: items };
}

/** A plain or class object: own string-keyed data properties, accessors marked, never run. */
export function serializeFields(o: object, depth: number, s: CaptureState): unknown {
  const I = s.I;
  const out: Record<string, unknown> = {};
  const cls = className(I, o);
  if (cls !== undefined) out['@class'] = cls;
  if (hasProto(I, o, I.ErrorProto)) {
    for (const key of ['name', 'message']) {
      const d = I.getDesc(o, key) ?? getDescOnProto(I, o, key);
      if (d !== undefined && 'value' in d && typeof d.value === 'string') out[key] = cutString(d.value, s);
    }
  }
  let keys: Array<string | symbol>;
  try {
    keys = I.ownKeys(o);
  } catch {
    return { '@type': cls ?? 'Object', '@opaque': true };
  }
  let shown = 0;
  let total = 0;
  for (const key of keys) {
    if (typeof key !== 'string') continue;
    total++;
    if (shown >= s.b.maxFields || overBudget(s)) continue;
    shown++;
    s.bytes += key.length + 3;
    let d: PropertyDescriptor | undefined;
    try {
      d = I.getDesc(o, key);
    } catch {
      // Module namespaces throw for bindings still in their temporal dead zone.
      out[key] = { '@type': 'uninitialized' };
      continue;
    }
    if (d === undefined) continue;
    if (!('value' in d)) out[key] = { '@type': 'accessor' };
    else if (isSensitiveKey(I, s.keys, key)) out[key] = markRedacted(s);
    else out[key] = serializeValue(d.value, depth + 1, s);
  }
  if (total > shown) {
    s.t.fields++;
    out['@omitted'] = total - shown;
  }
  return out;
}

/** The constructor name of a class instance; undefined for plain objects. Never runs user code. */
export function className(I: Intrinsics, o: object): string | undefined {
  let proto: unknown;
  try {
    proto = I.getProto(o);
  } catch {
    return undefined;
  }
  if (proto === null) return 'Object';
  if (proto === I.ObjectProto) return undefined;
  try {
    const d = I.getDesc(proto as object, 'constructor');
    if (d !== undefined && 'value' in d && typeof d.value === 'function' && !I.isProxy(d.value)) {
      const n = I.getDesc(d.value as object, 'name');
      if (n !== undefined && 'value' in n && typeof n.value === 'string') return n.value;
    }
  } catch {
    // A constructor name is decoration; exotic prototypes just go without it.
  }
  return 'Object';
}

export function hasProto(I: Intrinsics, o: object, target: object): boolean {
  let p: unknown = o;
  for (let i = 0; i < 64 && p !== null; i++) {
    try {
      p = I.getProto(p as object);
    } catch {
      return false;
    }
    if (p === target) return true;
    if (p !== null && I.isProxy(p)) return false;
  }
  return false;
}

export function getDescOnProto(I: Intrinsics, o: object, key: string): PropertyDescriptor | undefined {
  let p: unknown = o;
  for (let i = 0; i < 16; i++) {
    try {
      p = I.getProto(p as object);
    } catch {
      return undefined;
    }
    if (p === null || I.isProxy(p)) return undefined;
    const d = I.getDesc(p as object, key);
    if (d !== undefined) return d;
  }
  return undefined;
}

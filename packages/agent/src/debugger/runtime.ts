/* eslint-disable @typescript-eslint/unbound-method, @typescript-eslint/no-unnecessary-type-assertion --
   intrinsics are captured unbound on purpose and applied with .call() to untrusted objects. */
/**
 * The in-isolate half of the debugger: the probe gate, rate limits, CPU budget, the budgeted
 * serializer and the restricted-expression interpreter. It runs in the application's main isolate.
 *
 * `createProbeRuntime` must stay self-contained (no imports, no module-level references): the worker
 * injects its source text into the main isolate with `Runtime.evaluate`. Tests import it directly.
 */

/** Hard limits for one capture. */
export interface CaptureBudgets {
  /** Stack frames reported. */
  maxFrames: number;
  /** Object nesting followed below a local. */
  maxDepth: number;
  /** Own properties shown per object. */
  maxFields: number;
  /** Elements shown per array, Map or Set. */
  maxItems: number;
  /** Characters kept per string. */
  maxStringLength: number;
  /** Approximate JSON bytes per capture. */
  maxBytes: number;
  /** Wall time per capture, in milliseconds. */
  maxTimeMs: number;
}

/** Truncation counters of one capture; a non-zero entry means that budget cut something. */
export interface TruncationMarks {
  depth: number;
  fields: number;
  items: number;
  strings: number;
  bytes: number;
  time: number;
  frames: number;
}

/** Restricted expression tree (see expression.ts); interpreted without calls, getters or proxy traps. */
export type ExprNode =
  | { k: 'lit'; v: string | number | boolean | null }
  | { k: 'undef' }
  | { k: 'id'; i: number }
  | { k: 'this' }
  | { k: 'get'; o: ExprNode; p: ExprNode }
  | { k: 'not'; a: ExprNode }
  | { k: 'neg'; a: ExprNode }
  | { k: 'bin'; op: string; a: ExprNode; b: ExprNode };

/** Probe as registered in the isolate. */
export interface ProbeSpec {
  id: number;
  kind: 'snapshot' | 'logpoint';
  /** Names the hook's reader can resolve, by index. */
  names: string[];
  /** How many of `names` (from the start) are the frame's own locals; the rest are closure values. */
  localCount: number;
  /** Indexes into `names` whose values are masked whatever they hold (sensitive names). */
  sensitive: number[];
  /** How many of `names` are captured (expression-only names come after). */
  capturedCount: number;
  condition?: ExprNode;
  /** Logpoint template: strings and expressions alternating. */
  template?: Array<string | ExprNode>;
  /** Captures (or lines) allowed per second; excess is dropped and counted. */
  perSecond: number;
  /** Stop after this many captures (snapshots). */
  maxCaptures: number;
  /** Main-thread milliseconds this probe may spend per second before it is switched off. */
  cpuBudgetMsPerSecond: number;
  /** Estimated cost of one hit that the runtime cannot time itself (a breakpoint's debug-evaluate). */
  hitOverheadMs: number;
  budgets: CaptureBudgets;
}

/** Process-wide settings of the runtime. */
export interface RuntimeConfig {
  /** Global captures (snapshots plus log lines) per second across every probe. */
  globalPerSecond: number;
  /** Extra normalized key names masked in-isolate. */
  sensitiveKeys: string[];
}

/** Message the runtime posts to the worker. */
export type RuntimeMessage =
  | {
      t: 'cap';
      id: number;
      seq: number;
      time: number;
      frames: Array<{ fn: string; url: string; line: number; col: number }>;
      locals: Record<string, unknown>;
      closure: Record<string, unknown>;
      self: unknown;
      truncated: TruncationMarks;
      bytes: number;
      redacted: number;
      dropped: number;
      read: string[];
    }
  | {
      t: 'log';
      id: number;
      seq: number;
      time: number;
      line: string;
      truncated: TruncationMarks;
      redacted: number;
      dropped: number;
      read: string[];
    }
  | { t: 'off'; id: number; reason: 'cpu' | 'done'; hits: number; spentMs: number; dropped: number };

/** Reads one name from the hooked frame: index into `names`, or -1 for `this`. Throws if unbound. */
export type ScopeReader = (index: number) => unknown;

/** What the runtime exposes on the global object. */
export interface ProbeRuntime {
  /** Gate flags by probe id: 1 active, anything else off. Read by the injected hook. */
  readonly a: number[];
  hit(id: number, read: ScopeReader): void;
  add(spec: ProbeSpec): void;
  remove(id: number): void;
  removeAll(): void;
  /** Serializes one value under budgets, for eval results and tests. */
  serialize(
    value: unknown,
    budgets: CaptureBudgets,
  ): { value: unknown; truncated: TruncationMarks; bytes: number; redacted: number };
  /** Serializes and returns JSON text (for `Runtime.callFunctionOn` with returnByValue). */
  serializeToJson(value: unknown, budgets: CaptureBudgets): string;
  stats(): Record<number, { hits: number; captures: number; dropped: number; spentMs: number }>;
}

/** The subset of `util.types` the runtime uses: native brand checks that never run user code. */
export interface TypeChecks {
  isProxy(value: unknown): boolean;
  isMap(value: unknown): boolean;
  isSet(value: unknown): boolean;
  isDate(value: unknown): boolean;
  isRegExp(value: unknown): boolean;
  isAnyArrayBuffer(value: unknown): boolean;
}

/**
 * Builds the in-isolate runtime. `post` delivers messages to the worker; `types` must be
 * `util.types` (when it is missing, every object is treated as a possible Proxy and shown opaque).
 */
export function createProbeRuntime(
  config: RuntimeConfig,
  post: (message: RuntimeMessage) => void,
  types: TypeChecks | undefined,
): ProbeRuntime {
  // Intrinsics captured once, so later monkey-patching by the application cannot reach us.
  const R = Reflect;
  const getProto = R.getPrototypeOf;
  const ownKeys = R.ownKeys;
  const getDesc = R.getOwnPropertyDescriptor;
  const isArray = Array.isArray;
  const now = performance.now.bind(performance);
  const dateNow = Date.now;
  const ObjectProto = Object.prototype;
  const ErrorProto = Error.prototype;
  const mapSize = getDesc(Map.prototype, 'size')!.get!;
  const setSize = getDesc(Set.prototype, 'size')!.get!;
  const mapEntries = Map.prototype.entries;
  const setValues = Set.prototype.values;
  const mapIterNext = (getProto(new Map().entries()) as Iterator<unknown>).next as (
    this: unknown,
  ) => IteratorResult<unknown>;
  const setIterNext = (getProto(new Set().values()) as Iterator<unknown>).next as (
    this: unknown,
  ) => IteratorResult<unknown>;
  const dateGetTime = Date.prototype.getTime;
  const dateToIso = Date.prototype.toISOString;
  const regexpSource = getDesc(RegExp.prototype, 'source')!.get!;
  const regexpFlags = getDesc(RegExp.prototype, 'flags')!.get!;
  const bigintToString = BigInt.prototype.toString;
  const symbolDescription = getDesc(Symbol.prototype, 'description')!.get!;
  const isView = ArrayBuffer.isView;
  const typedArrayLength = getDesc(getProto(Uint8Array.prototype) as object, 'length')!.get!;
  const arrayBufferByteLength = getDesc(ArrayBuffer.prototype, 'byteLength')!.get!;
  const strSlice = String.prototype.slice;
  const strToLower = String.prototype.toLowerCase;
  const strReplace = String.prototype.replace as (this: string, re: RegExp, by: string) => string;
  const jsonStringify = JSON.stringify;
  const captureStackTrace = Error.captureStackTrace;
  const numberIsFinite = Number.isFinite;
  const StringCtor = String;
  const envObject: unknown = typeof process === 'object' && process !== null ? process.env : undefined;
  const proxyCheck = types?.isProxy ?? (() => true);
  // Native brand checks; the fallback (calling an intrinsic and catching) is correct but throws a lot.
  const isMapT = types?.isMap ?? ((o: unknown) => brand(mapSize, o as object));
  const isSetT = types?.isSet ?? ((o: unknown) => brand(setSize, o as object));
  const isDateT = types?.isDate ?? ((o: unknown) => brand(dateGetTime, o as object));
  const isRegExpT = types?.isRegExp ?? ((o: unknown) => brand(regexpSource, o as object));
  const isArrayBufferT =
    types?.isAnyArrayBuffer ?? ((o: unknown) => brand(arrayBufferByteLength, o as object));

  const SENSITIVE_EXACT = new Set([
    'password',
    'passwd',
    'pwd',
    'pass',
    'passphrase',
    'secret',
    'token',
    'apikey',
    'authorization',
    'auth',
    'cookie',
    'setcookie',
    'session',
    'sessionid',
    'sid',
    'credentials',
    'credential',
    'privatekey',
    'clientsecret',
    'accesstoken',
    'refreshtoken',
    'idtoken',
    'bearer',
    'cardnumber',
    'creditcard',
    'ccnumber',
    'cardno',
    'pan',
    'cvv',
    'cvc',
    'cvv2',
    'pin',
    'ssn',
    'otp',
    'totp',
    'signature',
    'xapikey',
    'connectionstring',
    'dsn',
  ]);
  for (const k of config.sensitiveKeys) SENSITIVE_EXACT.add(k.toLowerCase().replace(/[\s\-_@$.]/g, ''));
  const SENSITIVE_PARTS = [
    'password',
    'passwd',
    'secret',
    'token',
    'apikey',
    'privatekey',
    'credential',
    'cardnumber',
  ];
  const normalizeKeyRe = /[\s\-_@$.]/g;
  const sensitiveCache = new Map<string, boolean>();

  function isSensitiveKey(key: string): boolean {
    const cached = sensitiveCache.get(key);
    if (cached !== undefined) return cached;
    const norm = strReplace.call(strToLower.call(key), normalizeKeyRe, '');
    let result = SENSITIVE_EXACT.has(norm);
    if (!result) for (const part of SENSITIVE_PARTS) if (norm.includes(part)) result = true;
    if (sensitiveCache.size < 4096) sensitiveCache.set(key, result);
    return result;
  }

  // The same placeholder text the worker-side redactor leaves alone, so nothing is counted twice.
  const REDACTED = '[REDACTED]';

  interface State {
    b: CaptureBudgets;
    bytes: number;
    deadline: number;
    nodes: number;
    redacted: number;
    t: TruncationMarks;
    ancestors: Set<object>;
  }

  function newMarks(): TruncationMarks {
    return { depth: 0, fields: 0, items: 0, strings: 0, bytes: 0, time: 0, frames: 0 };
  }

  function newState(b: CaptureBudgets): State {
    return {
      b,
      bytes: 0,
      deadline: now() + b.maxTimeMs,
      nodes: 0,
      redacted: 0,
      t: newMarks(),
      ancestors: new Set(),
    };
  }

  function redacted(s: State): unknown {
    s.redacted++;
    s.bytes += 30;
    return REDACTED;
  }

  function str(v: string, s: State): unknown {
    if (v.length > s.b.maxStringLength) {
      s.t.strings++;
      s.bytes += s.b.maxStringLength + 40;
      return { '@truncated': 'string', value: strSlice.call(v, 0, s.b.maxStringLength), length: v.length };
    }
    s.bytes += v.length + 2;
    return v;
  }

  function className(o: object): string | undefined {
    let proto: unknown;
    try {
      proto = getProto(o);
    } catch {
      return undefined;
    }
    if (proto === null) return 'Object';
    if (proto === ObjectProto) return undefined;
    try {
      const d = getDesc(proto as object, 'constructor');
      if (d !== undefined && 'value' in d && typeof d.value === 'function' && !proxyCheck(d.value)) {
        const n = getDesc(d.value as object, 'name');
        if (n !== undefined && 'value' in n && typeof n.value === 'string') return n.value;
      }
    } catch {
      // A constructor name is decoration; exotic prototypes just go without it.
    }
    return 'Object';
  }

  function hasProto(o: object, target: object): boolean {
    let p: unknown = o;
    for (let i = 0; i < 64 && p !== null; i++) {
      try {
        p = getProto(p as object);
      } catch {
        return false;
      }
      if (p === target) return true;
      if (p !== null && proxyCheck(p)) return false;
    }
    return false;
  }

  function brand(fn: (this: unknown) => unknown, o: object): boolean {
    try {
      fn.call(o);
      return true;
    } catch {
      return false;
    }
  }

  function ser(v: unknown, depth: number, s: State): unknown {
    if (s.bytes > s.b.maxBytes) {
      s.t.bytes++;
      return { '@truncated': 'bytes' };
    }
    if ((++s.nodes & 31) === 0 && now() > s.deadline) s.t.time++;
    if (s.t.time > 0) return { '@truncated': 'time' };
    switch (typeof v) {
      case 'string':
        return str(v, s);
      case 'number':
        s.bytes += 8;
        return numberIsFinite(v) ? v : { '@type': 'number', value: StringCtor(v) };
      case 'boolean':
        s.bytes += 5;
        return v;
      case 'undefined':
        s.bytes += 20;
        return { '@type': 'undefined' };
      case 'bigint':
        s.bytes += 20;
        return { '@type': 'bigint', value: bigintToString.call(v) as string };
      case 'symbol': {
        s.bytes += 20;
        const d = symbolDescription.call(v) as string | undefined;
        return { '@type': 'symbol', description: d === undefined ? null : str(d, s) };
      }
      case 'function': {
        s.bytes += 30;
        if (proxyCheck(v)) return { '@type': 'Proxy' };
        let name = '';
        try {
          const d = getDesc(v as object, 'name');
          if (d !== undefined && 'value' in d && typeof d.value === 'string') name = d.value;
        } catch {
          // Unnamed is fine.
        }
        return { '@type': 'function', name: str(name, s) };
      }
      case 'object':
        break;
    }
    if (v === null) {
      s.bytes += 4;
      return null;
    }
    const o = v;
    s.bytes += 2;
    if (proxyCheck(o)) return { '@type': 'Proxy' };
    if (o === envObject) return redacted(s);
    if (s.ancestors.has(o)) return { '@type': 'cycle' };
    if (depth >= s.b.maxDepth) {
      s.t.depth++;
      const c = className(o);
      return { '@truncated': 'depth', '@type': isArray(o) ? 'Array' : (c ?? 'Object') };
    }
    s.ancestors.add(o);
    try {
      return serObject(o, depth, s);
    } finally {
      s.ancestors.delete(o);
    }
  }

  function overBudget(s: State): boolean {
    if (s.t.time > 0) return true;
    if (s.bytes > s.b.maxBytes) {
      s.t.bytes++;
      return true;
    }
    return false;
  }

  function serObject(o: object, depth: number, s: State): unknown {
    if (isArray(o)) {
      const lenDesc = getDesc(o, 'length');
      const len = lenDesc !== undefined && 'value' in lenDesc ? lenDesc.value : 0;
      const n = len < s.b.maxItems ? len : s.b.maxItems;
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) {
        const d = getDesc(o, i);
        out.push(
          d === undefined
            ? { '@type': 'hole' }
            : 'value' in d
              ? ser(d.value, depth + 1, s)
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
    if (isMapT(o)) {
      const size = mapSize.call(o) as number;
      const entries: unknown[] = [];
      const it = mapEntries.call(o as Map<unknown, unknown>);
      for (let i = 0; i < s.b.maxItems; i++) {
        const r = mapIterNext.call(it);
        if (r.done === true) break;
        const [k, val] = r.value as [unknown, unknown];
        const sensitive = typeof k === 'string' && isSensitiveKey(k);
        entries.push([ser(k, depth + 1, s), sensitive ? redacted(s) : ser(val, depth + 1, s)]);
        if (overBudget(s)) break;
      }
      if (size > entries.length) s.t.items++;
      return { '@type': 'Map', size, entries };
    }
    if (isSetT(o)) {
      const size = setSize.call(o) as number;
      const values: unknown[] = [];
      const it = setValues.call(o as Set<unknown>);
      for (let i = 0; i < s.b.maxItems; i++) {
        const r = setIterNext.call(it);
        if (r.done === true) break;
        values.push(ser(r.value, depth + 1, s));
        if (overBudget(s)) break;
      }
      if (size > values.length) s.t.items++;
      return { '@type': 'Set', size, values };
    }
    if (isDateT(o)) {
      const t = dateGetTime.call(o) as number;
      s.bytes += 26;
      return { '@type': 'Date', value: numberIsFinite(t) ? (dateToIso.call(o) as string) : 'Invalid Date' };
    }
    if (isRegExpT(o)) {
      return {
        '@type': 'RegExp',
        source: str(regexpSource.call(o) as string, s),
        flags: regexpFlags.call(o) as string,
      };
    }
    if (isView(o)) {
      // Buffers may hold anything (keys, request bodies): shape only, never bytes.
      let length = 0;
      try {
        length = typedArrayLength.call(o) as number;
      } catch {
        length = -1;
      }
      return { '@type': className(o) ?? 'TypedArray', length };
    }
    if (isArrayBufferT(o)) {
      let byteLength = -1;
      try {
        byteLength = arrayBufferByteLength.call(o) as number;
      } catch {
        // SharedArrayBuffer: its own getter; the size is decoration.
      }
      return { '@type': className(o) ?? 'ArrayBuffer', byteLength };
    }
    const out: Record<string, unknown> = {};
    const cls = className(o);
    if (cls !== undefined) out['@class'] = cls;
    if (hasProto(o, ErrorProto)) {
      for (const key of ['name', 'message']) {
        const d = getDesc(o, key) ?? getDescOnProto(o, key);
        if (d !== undefined && 'value' in d && typeof d.value === 'string') out[key] = str(d.value, s);
      }
    }
    let keys: Array<string | symbol>;
    try {
      keys = ownKeys(o);
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
        d = getDesc(o, key);
      } catch {
        // Module namespaces throw for bindings still in their temporal dead zone.
        out[key] = { '@type': 'uninitialized' };
        continue;
      }
      if (d === undefined) continue;
      if (!('value' in d)) out[key] = { '@type': 'accessor' };
      else if (isSensitiveKey(key)) out[key] = redacted(s);
      else out[key] = ser(d.value, depth + 1, s);
    }
    if (total > shown) {
      s.t.fields++;
      out['@omitted'] = total - shown;
    }
    return out;
  }

  function getDescOnProto(o: object, key: string): PropertyDescriptor | undefined {
    let p: unknown = o;
    for (let i = 0; i < 16; i++) {
      try {
        p = getProto(p as object);
      } catch {
        return undefined;
      }
      if (p === null || proxyCheck(p)) return undefined;
      const d = getDesc(p as object, key);
      if (d !== undefined) return d;
    }
    return undefined;
  }

  function serialize(value: unknown, budgets: CaptureBudgets) {
    const s = newState(budgets);
    let out: unknown;
    try {
      out = ser(value, 0, s);
    } catch {
      out = { '@type': 'unreadable' };
    }
    return { value: out, truncated: s.t, bytes: s.bytes, redacted: s.redacted };
  }

  // ---- restricted expressions ------------------------------------------------------------------

  const REDACTED_VALUE = { redactedValue: true };
  const UNSAFE = { unsafeValue: true };

  /** Reads `key` of `o` like the language would, but only through data properties; never runs code. */
  function safeGet(o: unknown, key: unknown, ctx: EvalCtx): unknown {
    if (o === REDACTED_VALUE || key === REDACTED_VALUE) return REDACTED_VALUE;
    if (o === UNSAFE || key === UNSAFE) return UNSAFE;
    if (o === null || o === undefined) return undefined;
    if (typeof key !== 'string' && typeof key !== 'number') return UNSAFE;
    const k = typeof key === 'number' ? StringCtor(key) : key;
    if (ctx.readNames.length < 64) ctx.readNames.push('.' + k);
    if (isSensitiveKey(k)) {
      ctx.redacted++;
      return REDACTED_VALUE;
    }
    if (typeof o === 'string') {
      if (k === 'length') return o.length;
      const i = typeof key === 'number' ? key : -1;
      return i >= 0 && i < o.length ? o[i] : undefined;
    }
    if (typeof o !== 'object' && typeof o !== 'function') return undefined;
    if (proxyCheck(o) || o === envObject) return UNSAFE;
    if (k === 'size') {
      if (isMapT(o)) return mapSize.call(o);
      if (isSetT(o)) return setSize.call(o);
    }
    let p: unknown = o;
    for (let i = 0; i < 64 && p !== null; i++) {
      if (proxyCheck(p)) return UNSAFE;
      const d = getDesc(p as object, k);
      if (d !== undefined) return 'value' in d ? d.value : UNSAFE;
      p = getProto(p as object);
    }
    return undefined;
  }

  interface EvalCtx {
    read: ScopeReader;
    names: string[];
    sensitive: Set<number>;
    redacted: number;
    readNames: string[];
  }

  function isPrimitive(v: unknown): boolean {
    return v === null || (typeof v !== 'object' && typeof v !== 'function');
  }

  function evaluate(n: ExprNode, ctx: EvalCtx): unknown {
    switch (n.k) {
      case 'lit':
        return n.v;
      case 'undef':
        return undefined;
      case 'this':
        ctx.readNames.push('this');
        return ctx.read(-1);
      case 'id': {
        const name = ctx.names[n.i];
        if (name === undefined) return undefined;
        ctx.readNames.push(name);
        if (ctx.sensitive.has(n.i)) {
          ctx.redacted++;
          return REDACTED_VALUE;
        }
        return ctx.read(n.i);
      }
      case 'get':
        return safeGet(evaluate(n.o, ctx), evaluate(n.p, ctx), ctx);
      case 'not': {
        const a = evaluate(n.a, ctx);
        if (a === REDACTED_VALUE || a === UNSAFE) return a;
        return !a;
      }
      case 'neg': {
        const a = evaluate(n.a, ctx);
        return typeof a === 'number' ? -a : UNSAFE;
      }
      case 'bin': {
        if (n.op === '&&' || n.op === '||') {
          const a = evaluate(n.a, ctx);
          if (a === REDACTED_VALUE || a === UNSAFE) return a;
          if (n.op === '&&' ? !a : a) return a;
          return evaluate(n.b, ctx);
        }
        const a = evaluate(n.a, ctx);
        const b = evaluate(n.b, ctx);
        // Comparing a masked value would make conditions an oracle for it.
        if (a === REDACTED_VALUE || b === REDACTED_VALUE) return REDACTED_VALUE;
        if (a === UNSAFE || b === UNSAFE) return UNSAFE;
        const prim = isPrimitive(a) && isPrimitive(b);
        switch (n.op) {
          case '===':
          case '==':
            return prim && n.op === '==' ? a == b : a === b;
          case '!==':
          case '!=':
            return prim && n.op === '!=' ? a != b : a !== b;
          case '<':
          case '<=':
          case '>':
          case '>=':
          case '+':
          case '-':
          case '*':
          case '/':
          case '%':
            // Only primitives: objects would run valueOf/toString, which is user code.
            if (!prim || typeof a === 'symbol' || typeof b === 'symbol') return UNSAFE;
            return arith(n.op, a as number, b as number);
          default:
            return UNSAFE;
        }
      }
    }
  }

  function arith(op: string, a: number, b: number): unknown {
    switch (op) {
      case '<':
        return a < b;
      case '<=':
        return a <= b;
      case '>':
        return a > b;
      case '>=':
        return a >= b;
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '*':
        return a * b;
      case '/':
        return a / b;
      default:
        return a % b;
    }
  }

  // ---- probes --------------------------------------------------------------------------------------

  interface Probe {
    spec: ProbeSpec;
    sensitive: Set<number>;
    tokens: number;
    refill: number;
    windowStart: number;
    windowSpent: number;
    hits: number;
    captures: number;
    dropped: number;
    droppedSinceEmit: number;
    spentMs: number;
    seq: number;
  }

  const probes = new Map<number, Probe>();
  const active: number[] = [];
  let globalTokens = config.globalPerSecond;
  let globalRefill = now();

  function takeToken(p: Probe, t: number): boolean {
    const pr = p.spec.perSecond;
    p.tokens = Math.min(pr, p.tokens + ((t - p.refill) / 1000) * pr);
    p.refill = t;
    const gr = config.globalPerSecond;
    globalTokens = Math.min(gr, globalTokens + ((t - globalRefill) / 1000) * gr);
    globalRefill = t;
    if (p.tokens < 1 || globalTokens < 1) return false;
    p.tokens -= 1;
    globalTokens -= 1;
    return true;
  }

  function switchOff(p: Probe, reason: 'cpu' | 'done'): void {
    active[p.spec.id] = 0;
    probes.delete(p.spec.id);
    post({ t: 'off', id: p.spec.id, reason, hits: p.hits, spentMs: p.spentMs, dropped: p.dropped });
  }

  function captureFrames(
    max: number,
    marks: TruncationMarks,
  ): Array<{ fn: string; url: string; line: number; col: number }> {
    const holder: { stack?: unknown } = {};
    const savedLimit = Error.stackTraceLimit;
    const savedPrepare = Error.prepareStackTrace;
    let sites: NodeJS.CallSite[] = [];
    try {
      Error.stackTraceLimit = max + 4;
      Error.prepareStackTrace = (_e, cs) => cs;
      captureStackTrace(holder, hit);
      sites = holder.stack as NodeJS.CallSite[];
    } catch {
      sites = [];
    } finally {
      Error.prepareStackTrace = savedPrepare;
      Error.stackTraceLimit = savedLimit;
    }
    const frames: Array<{ fn: string; url: string; line: number; col: number }> = [];
    let i = 0;
    // A breakpoint condition adds its own eval frames on top of the probed one.
    while (i < sites.length && (sites[i]!.isEval() || sites[i]!.getFileName() === undefined)) i++;
    for (; i < sites.length; i++) {
      if (frames.length >= max) {
        marks.frames++;
        break;
      }
      const cs = sites[i]!;
      frames.push({
        fn: cs.getFunctionName() ?? '<anonymous>',
        url: cs.getFileName() ?? cs.getScriptNameOrSourceURL() ?? '',
        line: cs.getLineNumber() ?? 0,
        col: cs.getColumnNumber() ?? 0,
      });
    }
    return frames;
  }

  function readNamed(read: ScopeReader, i: number): { ok: boolean; v: unknown } {
    try {
      return { ok: true, v: read(i) };
    } catch {
      return { ok: false, v: undefined };
    }
  }

  function hit(id: number, read: ScopeReader): void {
    const p = probes.get(id);
    if (p === undefined) return;
    const t0 = now();
    try {
      p.hits++;
      if (p.spec.condition !== undefined) {
        const ctx: EvalCtx = {
          read,
          names: p.spec.names,
          sensitive: p.sensitive,
          redacted: 0,
          readNames: [],
        };
        let c: unknown;
        try {
          c = evaluate(p.spec.condition, ctx);
        } catch {
          c = false;
        }
        if (c === REDACTED_VALUE || c === UNSAFE || !c) return;
      }
      if (!takeToken(p, t0)) {
        p.dropped++;
        p.droppedSinceEmit++;
        return;
      }
      p.captures++;
      p.seq++;
      if (p.spec.kind === 'snapshot') snapshot(p, read);
      else logLine(p, read);
      if (p.captures >= p.spec.maxCaptures) switchOff(p, 'done');
    } catch {
      // Never throw into the application.
    } finally {
      const spent = now() - t0 + p.spec.hitOverheadMs;
      p.spentMs += spent;
      if (t0 - p.windowStart >= 1000) {
        p.windowStart = t0;
        p.windowSpent = 0;
      }
      p.windowSpent += spent;
      if (p.windowSpent > p.spec.cpuBudgetMsPerSecond && probes.has(id)) switchOff(p, 'cpu');
    }
  }

  function snapshot(p: Probe, read: ScopeReader): void {
    const s = newState(p.spec.budgets);
    const frames = captureFrames(p.spec.budgets.maxFrames, s.t);
    const locals: Record<string, unknown> = {};
    const closure: Record<string, unknown> = {};
    const readNames: string[] = [];
    const g = globalThis as unknown as Record<string, unknown>;
    for (let i = 0; i < p.spec.capturedCount; i++) {
      const name = p.spec.names[i]!;
      const r = readNamed(read, i);
      if (!r.ok) continue;
      // A name that resolves to the global of the same name is not a local or closure value.
      if (i >= p.spec.localCount && name in g && g[name] === r.v) continue;
      readNames.push(name);
      const target = i < p.spec.localCount ? locals : closure;
      if (p.sensitive.has(i)) target[name] = redacted(s);
      else {
        s.ancestors.clear();
        try {
          target[name] = ser(r.v, 0, s);
        } catch {
          target[name] = { '@type': 'unreadable' };
        }
      }
    }
    const self = readNamed(read, -1);
    let selfValue: unknown = { '@type': 'undefined' };
    if (self.ok && self.v !== undefined && self.v !== globalThis) {
      readNames.push('this');
      s.ancestors.clear();
      try {
        selfValue = ser(self.v, 0, s);
      } catch {
        selfValue = { '@type': 'unreadable' };
      }
    }
    const dropped = p.droppedSinceEmit;
    p.droppedSinceEmit = 0;
    post({
      t: 'cap',
      id: p.spec.id,
      seq: p.seq,
      time: dateNow(),
      frames,
      locals,
      closure,
      self: selfValue,
      truncated: s.t,
      bytes: s.bytes,
      redacted: s.redacted,
      dropped,
      read: readNames,
    });
  }

  function render(v: unknown, s: State): string {
    if (v === REDACTED_VALUE) return REDACTED;
    if (v === UNSAFE) return '[unavailable]';
    if (typeof v === 'string') {
      const r = str(v, s);
      return typeof r === 'string' ? r : strSlice.call(v, 0, s.b.maxStringLength) + '…';
    }
    if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined)
      return StringCtor(v);
    s.ancestors.clear();
    return jsonStringify(ser(v, 0, s));
  }

  function logLine(p: Probe, read: ScopeReader): void {
    const s = newState(p.spec.budgets);
    const ctx: EvalCtx = { read, names: p.spec.names, sensitive: p.sensitive, redacted: 0, readNames: [] };
    let line = '';
    for (const part of p.spec.template ?? []) {
      if (typeof part === 'string') line += part;
      else {
        let v: unknown;
        try {
          v = evaluate(part, ctx);
        } catch {
          v = UNSAFE;
        }
        line += render(v, s);
      }
      if (line.length > s.b.maxBytes) {
        s.t.bytes++;
        line = strSlice.call(line, 0, s.b.maxBytes) as string;
        break;
      }
    }
    const dropped = p.droppedSinceEmit;
    p.droppedSinceEmit = 0;
    post({
      t: 'log',
      id: p.spec.id,
      seq: p.seq,
      time: dateNow(),
      line,
      truncated: s.t,
      redacted: s.redacted + ctx.redacted,
      dropped,
      read: ctx.readNames,
    });
  }

  return {
    a: active,
    hit,
    add(spec: ProbeSpec) {
      const t = now();
      probes.set(spec.id, {
        spec,
        sensitive: new Set(spec.sensitive),
        tokens: Math.min(spec.perSecond, 1),
        refill: t,
        windowStart: t,
        windowSpent: 0,
        hits: 0,
        captures: 0,
        dropped: 0,
        droppedSinceEmit: 0,
        spentMs: 0,
        seq: 0,
      });
      active[spec.id] = 1;
    },
    remove(id: number) {
      active[id] = 0;
      probes.delete(id);
    },
    removeAll() {
      for (const id of probes.keys()) active[id] = 0;
      probes.clear();
    },
    serialize,
    serializeToJson(value: unknown, budgets: CaptureBudgets): string {
      return jsonStringify(serialize(value, budgets));
    },
    stats() {
      const out: Record<number, { hits: number; captures: number; dropped: number; spentMs: number }> = {};
      for (const [id, p] of probes)
        out[id] = { hits: p.hits, captures: p.captures, dropped: p.dropped, spentMs: p.spentMs };
      return out;
    },
  };
}

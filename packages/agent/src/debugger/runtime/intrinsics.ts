/* eslint-disable @typescript-eslint/unbound-method --
   intrinsics are captured unbound on purpose and applied with .call() to untrusted objects. */
/**
 * Built-ins the runtime uses, captured once when it is injected so that later monkey-patching by the
 * application cannot reach it. Every function in runtime/ is injected by its source text: it may only
 * refer to its parameters, globals and the other runtime functions (see runtime-source.ts).
 */
import type { TypeChecks } from './types.js';

/** Built-ins and brand checks, captured at injection. */
export type Intrinsics = ReturnType<typeof captureIntrinsics>;

/** Captures the built-ins; `types` is `util.types` (when missing, brands are checked by calling). */
export function captureIntrinsics(types: TypeChecks | undefined) {
  const R = Reflect;
  const getProto = R.getPrototypeOf;
  const getDesc = R.getOwnPropertyDescriptor;
  const getter = (o: object, k: string): ((this: unknown) => unknown) =>
    getDesc(o, k)!.get! as (this: unknown) => unknown;
  const mapSize = getter(Map.prototype, 'size');
  const setSize = getter(Set.prototype, 'size');
  const dateGetTime = Date.prototype.getTime;
  const regexpSource = getter(RegExp.prototype, 'source');
  const arrayBufferByteLength = getter(ArrayBuffer.prototype, 'byteLength');
  const brand = (fn: (this: unknown) => unknown) => (o: unknown) => brandCheck(fn, o);
  return {
    getProto,
    ownKeys: R.ownKeys,
    getDesc,
    isArray: Array.isArray,
    now: performance.now.bind(performance),
    dateNow: Date.now,
    ObjectProto: Object.prototype as object,
    ErrorProto: Error.prototype as object,
    mapSize,
    setSize,
    mapEntries: Map.prototype.entries as (this: unknown) => Iterator<unknown>,
    setValues: Set.prototype.values as (this: unknown) => Iterator<unknown>,
    mapIterNext: (getProto(new Map().entries()) as Iterator<unknown>).next as (
      this: unknown,
    ) => IteratorResult<unknown>,
    setIterNext: (getProto(new Set().values()) as Iterator<unknown>).next as (
      this: unknown,
    ) => IteratorResult<unknown>,
    dateGetTime,
    dateToIso: Date.prototype.toISOString,
    regexpSource,
    regexpFlags: getter(RegExp.prototype, 'flags'),
    bigintToString: BigInt.prototype.toString,
    symbolDescription: getter(Symbol.prototype, 'description'),
    isView: ArrayBuffer.isView,
    typedArrayLength: getter(getProto(Uint8Array.prototype) as object, 'length'),
    arrayBufferByteLength,
    strSlice: String.prototype.slice,
    strToLower: String.prototype.toLowerCase,
    strReplace: String.prototype.replace as (this: string, re: RegExp, by: string) => string,
    jsonStringify: JSON.stringify,
    captureStackTrace: Error.captureStackTrace,
    numberIsFinite: Number.isFinite,
    StringCtor: String,
    globalObject: globalThis as unknown as Record<string, unknown>,
    envObject: (typeof process === 'object' && process !== null ? process.env : undefined) as unknown,
    isProxy: types?.isProxy ?? (() => true),
    isMap: types?.isMap ?? brand(mapSize),
    isSet: types?.isSet ?? brand(setSize),
    isDate: types?.isDate ?? brand(dateGetTime),
    isRegExp: types?.isRegExp ?? brand(regexpSource),
    isArrayBuffer: types?.isAnyArrayBuffer ?? brand(arrayBufferByteLength),
  };
}

/** True when calling the intrinsic getter `fn` on `o` works, i.e. `o` has that internal slot. */
export function brandCheck(fn: (this: unknown) => unknown, o: unknown): boolean {
  try {
    fn.call(o);
    return true;
  } catch {
    return false;
  }
}

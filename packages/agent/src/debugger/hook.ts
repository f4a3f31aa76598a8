/**
 * The text a probe inserts into the application's code (LiveEdit) or sets as a breakpoint condition.
 * It reads the runtime from a hidden global property and, only when the probe's gate lets this hit
 * through, hands the runtime a reader for the candidate names.
 */

const PLAIN_NAME = /^[A-Za-z_$][\w$]*$/;

/** Words that cannot be read as a variable in every context the hook may land in. */
const RESERVED = new Set([
  'break',
  'case',
  'catch',
  'class',
  'const',
  'continue',
  'debugger',
  'default',
  'delete',
  'do',
  'else',
  'enum',
  'export',
  'extends',
  'false',
  'finally',
  'for',
  'function',
  'if',
  'implements',
  'import',
  'in',
  'instanceof',
  'interface',
  'let',
  'new',
  'null',
  'package',
  'private',
  'protected',
  'public',
  'return',
  'static',
  'super',
  'switch',
  'this',
  'throw',
  'true',
  'try',
  'typeof',
  'var',
  'void',
  'while',
  'with',
  'yield',
  'await',
  'arguments',
  'eval',
]);

/** True when `name` can be read by the hook's reader in any function, strict or not. */
export function isReadableName(name: string): boolean {
  return PLAIN_NAME.test(name) && !RESERVED.has(name);
}

/**
 * The statement inserted before the probed one. One line, no newline, so every line number of the
 * script stays the same. The gate is a countdown: a hit only decrements it, and the runtime is called
 * when it reaches zero (the runtime then sets the next countdown: 1 for every hit, N to sample).
 */
export function buildHook(globalKey: string, id: number, names: readonly string[]): string {
  const g = '__gbx';
  return `{const ${g}=globalThis.${checkKey(globalKey)};if(${gate(g, id)})${g}.hit(${id},${readerSource(names)});}`;
}

/**
 * The same hook as an expression that is always false, for a breakpoint condition: the runtime runs
 * inside V8's condition evaluation and the breakpoint never pauses.
 */
export function buildConditionHook(globalKey: string, id: number, names: readonly string[]): string {
  const g = `globalThis.${checkKey(globalKey)}`;
  return `(${gate(g, id)}&&${g}.hit(${id},${readerSource(names)}),false)`;
}

function gate(g: string, id: number): string {
  if (!Number.isSafeInteger(id) || id < 0) throw new TypeError('invalid probe id');
  return `${g}!==undefined&&${g}.c[${id}]>0&&--${g}.c[${id}]===0`;
}

function checkKey(globalKey: string): string {
  if (!PLAIN_NAME.test(globalKey)) throw new TypeError('invalid global key');
  return globalKey;
}

/** An arrow function reading `names` by index (and `this` for any other index), as JavaScript text. */
export function readerSource(names: readonly string[]): string {
  const cases = names
    .map((name, i) => {
      if (!isReadableName(name)) throw new TypeError('invalid name');
      return `case ${i}:return ${name};`;
    })
    .join('');
  return `(__gbxN)=>{switch(__gbxN){${cases}default:return this}}`;
}

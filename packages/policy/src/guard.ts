/**
 * Cheap lexical limits checked before any text reaches the Cedar parser. The wasm parser and
 * evaluator recurse without a guard and trap on deep input (measured with cedar-wasm 4.13:
 * ~130 nested brackets or ~400 chained operators), and a trap poisons the module for the rest of
 * the process. The limits below stay well under those thresholds and far above real policies.
 */
export const POLICY_LIMITS = {
  /** Largest single policy or schema file, in bytes. */
  maxFileBytes: 256 * 1024,
  /** Largest policy directory (all `.cedar` files plus the schema), in bytes. */
  maxTotalBytes: 2 * 1024 * 1024,
  /** Most `.cedar` files in one directory. */
  maxFiles: 500,
  /** Most policies in one set. */
  maxPolicies: 2000,
  /** Deepest nesting of (), [], {} (and <> in a schema). */
  maxNesting: 16,
  /** Most operators (`.`, `+`, `==`, `&&`, `if`, `has`, …) in one policy. */
  maxOperatorsPerPolicy: 160,
} as const;

const KEYWORD_OPERATORS = new Set(['if', 'then', 'else', 'has', 'like', 'in', 'is']);
const TWO_CHAR_OPERATORS = new Set(['&&', '||', '==', '!=', '<=', '>=']);
const ONE_CHAR_OPERATORS = new Set(['+', '-', '*', '.', '!', '<', '>']);

/**
 * Decodes `bytes` as UTF-8, refusing invalid sequences, NUL bytes and oversized input.
 * Returns the text or a one-line reason.
 */
export function decodePolicyText(bytes: Uint8Array): { text: string } | { error: string } {
  if (bytes.byteLength > POLICY_LIMITS.maxFileBytes)
    return {
      error: `file is ${bytes.byteLength} bytes, more than the ${POLICY_LIMITS.maxFileBytes} allowed`,
    };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return { error: 'file is not valid UTF-8' };
  }
  const nul = text.indexOf('\0');
  if (nul !== -1) return { error: `file contains a NUL character at offset ${nul}` };
  return { text };
}

/**
 * Checks nesting depth and per-statement operator counts outside string literals and comments.
 * `schema` mode also counts `<>` as nesting (Set<Set<…>>) and skips the operator count.
 * Returns the first violation as a located message, or undefined.
 */
export function checkComplexity(text: string, mode: 'policy' | 'schema'): string | undefined {
  let depth = 0;
  let operators = 0;
  let line = 1;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      continue;
    }
    if (c === '"') {
      for (i++; i < n && text[i] !== '"'; i++) {
        if (text[i] === '\\') i++;
        else if (text[i] === '\n') line++;
      }
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i + 1 < n && text[i + 1] !== '\n') i++;
      continue;
    }
    const opening = c === '(' || c === '[' || c === '{' || (mode === 'schema' && c === '<');
    const closing = c === ')' || c === ']' || c === '}' || (mode === 'schema' && c === '>');
    if (opening) {
      depth++;
      if (depth > POLICY_LIMITS.maxNesting)
        return `line ${line}: nesting deeper than ${POLICY_LIMITS.maxNesting} levels`;
      continue;
    }
    if (closing) {
      depth = Math.max(0, depth - 1);
      continue;
    }
    if (mode === 'schema') continue;
    if (c === ';' && depth === 0) {
      operators = 0;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_]/.test(text[j]!)) j++;
      if (KEYWORD_OPERATORS.has(text.slice(i, j))) operators++;
      i = j - 1;
    } else if (TWO_CHAR_OPERATORS.has(text.slice(i, i + 2))) {
      operators++;
      i++;
    } else if (ONE_CHAR_OPERATORS.has(c)) operators++;
    if (operators > POLICY_LIMITS.maxOperatorsPerPolicy)
      return `line ${line}: a policy with more than ${POLICY_LIMITS.maxOperatorsPerPolicy} operators`;
  }
  return undefined;
}

import * as wasm from '@cedar-policy/cedar-wasm/nodejs';
import type { DetailedError } from '@cedar-policy/cedar-wasm/nodejs';

export { wasm };
export type {
  AuthorizationAnswer,
  CedarValueJson,
  Context,
  DetailedError,
  EntityJson,
  PolicyJson,
} from '@cedar-policy/cedar-wasm/nodejs';

/**
 * A trap inside the Cedar wasm module leaves its memory corrupted: every later call traps too
 * (measured with cedar-wasm 4.13). We remember the first trap so callers fail fast and closed.
 */
let trapped: string | undefined;

/** Thrown when the Cedar module trapped, now or earlier in this thread. */
export class CedarTrapError extends Error {
  override readonly name = 'CedarTrapError';
}

/** Runs one Cedar call, converting a wasm trap into a CedarTrapError. */
export function callCedar<T>(fn: () => T): T {
  if (trapped !== undefined) throw new CedarTrapError(`the Cedar engine is unusable: ${trapped}`);
  try {
    return fn();
  } catch (error) {
    trapped = error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 200) : 'unknown trap';
    throw new CedarTrapError(`the Cedar engine trapped: ${trapped}`);
  }
}

/** True once the Cedar module has trapped in this thread. */
export function cedarTrapped(): boolean {
  return trapped !== undefined;
}

/** Converts a byte offset in `text` to a 1-based `line:column`. */
export function lineColumn(text: string, offset: number): string {
  let line = 1;
  let column = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      column = 1;
    } else column++;
  }
  return `${line}:${column}`;
}

/** One readable line per Cedar error, located in `source` when Cedar gives a location. */
export function describeCedarErrors(errors: readonly DetailedError[], source?: string): string[] {
  return errors.map((e) => {
    const at = e.sourceLocations?.[0];
    const where = at && source !== undefined ? `${lineColumn(source, at.start)}: ` : '';
    const label = at?.label ? ` (${at.label})` : '';
    const help = e.help ? `; ${e.help}` : '';
    return `${where}${e.message}${label}${help}`;
  });
}

/**
 * Cedar runtime and request-validation messages quote the values involved (a whole context
 * record, a string literal), which may include a reason or a command line. Decisions are
 * logged and audited, so quoted material is elided before a message leaves this package.
 */
export function sanitizeCedarMessage(message: string): string {
  return message
    .replace(/`[^`]*`/g, (m) => (/^`[A-Za-z_][A-Za-z0-9_.:-]{0,63}`$/.test(m) ? m : '`…`'))
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .slice(0, 300);
}

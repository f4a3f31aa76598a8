import { GloveboxError } from '@glovebox/core';
import type * as YamlTypes from 'yaml';
import { neutraliseBlock, neutraliseDeep, terminalSafeJson } from './terminal-text.js';

/** `table` is for people; `json` and `yaml` print exactly one document on stdout, nothing else. */
export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/**
 * The output format the command line asks for, read before parsing so that even a usage error is
 * reported in it. Arguments after `--` belong to a remote command and are not looked at.
 */
export function requestedFormat(args: readonly string[]): OutputFormat {
  let format: OutputFormat = 'table';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') break;
    const value =
      arg === '--output' || arg === '-o'
        ? args[i + 1]
        : arg.startsWith('--output=')
          ? arg.slice('--output='.length)
          : /^-o[a-z]/.test(arg)
            ? arg.slice(2)
            : arg === '--json'
              ? 'json'
              : undefined;
    if (value !== undefined && (OUTPUT_FORMATS as readonly string[]).includes(value))
      format = value as OutputFormat;
  }
  return format;
}

type YamlModule = typeof YamlTypes;
let yamlStringify: ((value: unknown) => string) | undefined;

/** Loads the YAML printer; called once before a command runs with `--output yaml`. */
export async function loadYamlPrinter(): Promise<void> {
  // yaml is CommonJS: Node gives import() its named exports, a bundle only its `default`.
  const yaml = (await import('yaml')) as YamlModule & { default?: YamlModule };
  const stringify = yaml.default?.stringify ?? yaml.stringify;
  yamlStringify = (value) => stringify(value, { lineWidth: 0 });
}

/** Printing for people and for scripts. */
export interface Output {
  format: OutputFormat;
  /** True for json and yaml: stdout carries one document and nothing else. */
  machine: boolean;
  /**
   * Prints `data` as a document, or for people `human(safe)` where `safe` is `data` with every
   * string neutralised (control and escape sequences made visible).
   */
  result<T>(data: T, human: (safe: T) => string): void;
  /** Progress and hints for people: stderr, never in json/yaml mode. Neutralised. */
  note(text: string): void;
  /** Tells a person what to run next (stderr; not in json/yaml mode). */
  next(command: string, why?: string): void;
}

/** Serializes `data` as one json or yaml document, safe to land on a terminal. */
export function documentText(format: 'json' | 'yaml', data: unknown): string {
  if (format === 'json') return `${terminalSafeJson(data)}\n`;
  if (!yamlStringify) throw new GloveboxError('GBX_INTERNAL', 'the YAML printer is not loaded');
  // YAML escapes non-printable characters itself; the pass below only guards against a miss.
  return neutraliseBlock(yamlStringify(data));
}

export function makeOutput(format: OutputFormat): Output {
  const machine = format !== 'table';
  return {
    format,
    machine,
    result(data, human) {
      process.stdout.write(
        format === 'table' ? `${neutraliseBlock(human(neutraliseDeep(data)))}\n` : documentText(format, data),
      );
    },
    note(text) {
      if (!machine) process.stderr.write(`${neutraliseBlock(text)}\n`);
    },
    next(command, why) {
      if (!machine)
        process.stderr.write(`${neutraliseBlock(`next: ${command}${why ? `   # ${why}` : ''}`)}\n`);
    },
  };
}

/** A plain text table with a header row. */
export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [
    headers,
    ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c)))),
  ];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (c ?? '').padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function when(ms: number | null | undefined): string {
  return ms ? new Date(ms).toISOString().replace('.000Z', 'Z') : '-';
}

/** Reads all of stdin (for --password-stdin and `redact`). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

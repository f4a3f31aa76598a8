import { basename } from 'node:path';
import { PROGRAM_RULES, type ProgramRule } from './program-options.js';

/** A configuration's additions to the shipped table, per program name. */
export type ProgramRuleExtensions = Readonly<
  Record<
    string,
    {
      options?: readonly string[] | undefined;
      words?: readonly string[] | undefined;
      runsOperands?: boolean | undefined;
    }
  >
>;

/** The rule for a command: the shipped entry for its program, plus the configuration's additions. */
export function programRule(path: string, extensions: ProgramRuleExtensions = {}): ProgramRule {
  const name = basename(path).replace(/\.(?:exe|bin)$/, '');
  const program = /^(python|perl|ruby|php|lua|node)[0-9.]*$/.exec(name)?.[1] ?? name;
  const shipped = PROGRAM_RULES[program];
  const extra = extensions[program] ?? extensions[name];
  if (!extra) return shipped ?? { why: 'no known dangerous options' };
  return {
    ...(shipped ?? {}),
    options: [...(shipped?.options ?? []), ...(extra.options ?? [])],
    words: [...(shipped?.words ?? []), ...(extra.words ?? [])],
    runsOperands: (shipped?.runsOperands ?? false) || (extra.runsOperands ?? false),
    why: shipped?.why ?? 'refused by the agent configuration',
  };
}

function longHit(arg: string, options: readonly string[]): string | null {
  const name = arg.split('=', 1)[0] ?? arg;
  // getopt_long takes any unambiguous abbreviation: a prefix of a refused option may mean that option.
  const abbreviated = name.length >= 4;
  return (
    options.find((opt) => opt.startsWith('--') && (opt === name || (abbreviated && opt.startsWith(name)))) ??
    null
  );
}

function shortHit(arg: string, options: readonly string[], cluster: boolean): string | null {
  const body = cluster ? arg : arg.slice(1);
  for (const opt of options) {
    if (opt.startsWith('--') || !opt.startsWith('-')) continue;
    const letters = opt.slice(1);
    if (letters.length > 1) {
      // Multi-letter single-dash options (-ex, -TT, -iex) are whole words, or word=value.
      if (body === letters || body.startsWith(`${letters}=`)) return opt;
      continue;
    }
    // A short option anywhere in a cluster (-xvIf), which may also be its attached value: refused.
    if (body.split('=', 1)[0]!.includes(letters)) return opt;
  }
  return null;
}

/** Why one argument is refused by `rule`, or null. `index` is its position among the arguments. */
export function dangerousArgument(rule: ProgramRule, arg: string, index: number): string | null {
  const options = rule.options ?? [];
  if ((rule.words ?? []).includes(arg)) return `${arg}: ${rule.why}`;
  if (arg.startsWith('--') && arg.length > 2) {
    const hit = longHit(arg, options);
    if (hit) return `${hit}: ${rule.why}`;
  } else if (arg.startsWith('-') && arg.length > 1) {
    const hit = shortHit(arg, options, false);
    if (hit) return `${hit}: ${rule.why}`;
  } else if (index === 0 && rule.dashlessFirstCluster === true && /^[A-Za-z]+$/.test(arg)) {
    const hit = shortHit(arg, options, true);
    if (hit) return `${hit} (old-style option cluster): ${rule.why}`;
  }
  for (const script of rule.scripts ?? []) if (script.pattern.test(arg)) return `${script.why}: ${rule.why}`;
  return null;
}

/** Strings an argument pattern must not accept for this program (load-time check of the allow-list). */
export function dangerousProbes(rule: ProgramRule): string[] {
  const probes: string[] = [...(rule.words ?? [])];
  for (const opt of rule.options ?? []) {
    probes.push(opt, `${opt}=x`);
    if (!opt.startsWith('--') && opt.length === 2) probes.push(`${opt}x`, `-x${opt.slice(1)}`);
  }
  for (const script of rule.scripts ?? []) if (script.example) probes.push(script.example);
  return probes;
}

/** How an argv splits for the `--` the agent inserts. */
export interface OperandSplit {
  options: string[];
  operands: string[];
  /** Positions (in the original arguments) of operands and option values, for path checks. */
  valuePositions: number[];
  final: string[];
}

const FIND_OPTION = /^-(?:[HLP]|D|O\d*)$/;

/**
 * Separates options from operands and rebuilds the argv with `--` before the operands, so no operand can
 * be read as an option. An operand that starts with `-` is refused (it would be an option to a program
 * that permutes its arguments). `valueOptions` are options whose value is the next argument, written
 * alone (`-u`, `--since`) or last in a cluster (`-cf`).
 *
 * @returns the split, or the reason the arguments are refused.
 */
export function splitOperands(
  rule: ProgramRule,
  args: readonly string[],
  valueOptions: ReadonlySet<string>,
): OperandSplit | string {
  const mode = rule.operands ?? 'posix';
  const options: string[] = [];
  const operands: string[] = [];
  const valuePositions: number[] = [];
  let expression = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const isOption = arg.startsWith('-') && arg !== '-';
    if (mode === 'interspersed') {
      if (!isOption) {
        operands.push(arg);
        valuePositions.push(i);
        continue;
      }
      options.push(arg);
      if (arg.includes('=')) valuePositions.push(i);
      if (valueOptions.has(arg) && i + 1 < args.length) {
        options.push(args[++i]!);
        valuePositions.push(i);
      }
      continue;
    }
    if (arg === '--') return 'argument "--" is inserted by the agent; do not send it';
    const optionPosition =
      operands.length === 0 && !expression && (mode === 'expression' ? FIND_OPTION.test(arg) : isOption);
    const dashlessCluster = i === 0 && rule.dashlessFirstCluster === true && /^[A-Za-z]+$/.test(arg);
    if (optionPosition || dashlessCluster) {
      options.push(arg);
      const eq = arg.indexOf('=');
      if (eq > 0) valuePositions.push(i);
      if (takesNextValue(arg, valueOptions, dashlessCluster) && i + 1 < args.length) {
        options.push(args[++i]!);
        valuePositions.push(i);
      }
      continue;
    }
    if (mode === 'expression' && (isOption || arg === '!' || arg === '(' || arg === ')')) expression = true;
    if (expression) {
      operands.push(arg);
      continue;
    }
    if (isOption)
      return `argument ${i + 1} starts with "-" after the operands began: options go before operands`;
    operands.push(arg);
    valuePositions.push(i);
  }
  if (mode === 'interspersed') return { options, operands, valuePositions, final: [...args] };
  const delimit =
    (mode === 'posix' || mode === 'expression') &&
    operands.length > 0 &&
    !startsWithExpression(mode, operands);
  return {
    options,
    operands,
    valuePositions,
    final: delimit ? [...options, '--', ...operands] : [...options, ...operands],
  };
}

function startsWithExpression(mode: string, operands: readonly string[]): boolean {
  const first = operands[0] ?? '';
  return mode === 'expression' && (first.startsWith('-') || first === '!' || first === '(');
}

function takesNextValue(arg: string, valueOptions: ReadonlySet<string>, dashless: boolean): boolean {
  if (arg.includes('=')) return false;
  if (valueOptions.has(arg)) return true;
  if (arg.startsWith('--')) return false;
  const letters = dashless ? arg : arg.slice(1);
  for (let k = 0; k < letters.length; k++)
    if (valueOptions.has(`-${letters[k]}`)) return k === letters.length - 1;
  return false;
}

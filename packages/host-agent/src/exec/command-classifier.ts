import {
  hasControlCharacter,
  type CommandClass,
  type CommandSpec,
  type ExecTargetConfig,
} from '../config.js';
import { dangerousArgument, programRule, splitOperands, type ProgramRuleExtensions } from './option-guard.js';

/** Why a command is refused: each reason has its own error code. */
export type RefusalCode = 'GBX_EXEC_NOT_ALLOWED' | 'GBX_EXEC_OPTION_REFUSED' | 'GBX_EXEC_OPERAND_REFUSED';

/** The verdict on one argv: the allow-listed command it matches, or why it matches none. */
export type CommandClassification =
  | {
      allowed: true;
      command: string;
      class: CommandClass;
      spec: CommandSpec;
      /** The arguments as run: options, then `--`, then operands (see the program's operand style). */
      args: string[];
      /** Arguments that came from a pattern, not a fixed value: the ones whose paths are checked. */
      patternArgs: string[];
    }
  | { allowed: false; code: RefusalCode; reason: string };

const MAX_ARG_LENGTH = 4096;

function hasTraversal(arg: string): boolean {
  // Checked on every argument whatever the pattern says: no allow-list pattern should ever let a path climb
  // out of the directory it names, and regexes that exclude ".." are easy to get wrong.
  return arg.split(/[/=]/).includes('..');
}

const refuse = (code: RefusalCode, reason: string): CommandClassification => ({
  allowed: false,
  code,
  reason,
});

/**
 * Decides whether `argv` is an allow-listed command on `target`. `argv[0]` is the command's name or its
 * configured absolute path; every other argument must equal a fixed value or fully match an anchored
 * pattern of that command, and none may reach an option of the program's dangerous-option table
 * (shipped, extended by `programs`). Operands are separated from options and `--` is inserted before them;
 * an operand that starts with `-` is refused. Pure: runs nothing, reads nothing (paths are checked by the
 * caller, see `checkArgumentPaths`).
 *
 * @example
 * classifyCommand(target, ['df', '-h']); // { allowed: true, command: 'df', class: 'read', args: ['-h'], … }
 * classifyCommand(target, ['tar', '--to-command=id']); // { allowed: false, code: 'GBX_EXEC_OPTION_REFUSED', … }
 */
export function classifyCommand(
  target: ExecTargetConfig,
  argv: readonly string[],
  programs: ProgramRuleExtensions = {},
): CommandClassification {
  const [program, ...args] = argv;
  if (program === undefined || program === '') return refuse('GBX_EXEC_NOT_ALLOWED', 'no command given');
  const spec = target.commands.find((c) => c.name === program || c.path === program);
  if (!spec) return refuse('GBX_EXEC_NOT_ALLOWED', 'command is not on the allow-list of this target');
  if (args.length > spec.maxArgs)
    return refuse('GBX_EXEC_NOT_ALLOWED', `${spec.name} accepts at most ${spec.maxArgs} arguments`);
  const rule = programRule(spec.path, programs);
  const fixed: boolean[] = [];
  for (const [index, arg] of args.entries()) {
    const position = index + 1;
    if (arg.length > MAX_ARG_LENGTH || hasControlCharacter(arg) || hasTraversal(arg))
      return refuse('GBX_EXEC_NOT_ALLOWED', `argument ${position} is not allowed for ${spec.name}`);
    const byFixed = spec.args.some((rule) => 'fixed' in rule && rule.fixed === arg);
    if (!byFixed && !spec.args.some((rule) => 'regex' in rule && rule.regex.test(arg)))
      return refuse('GBX_EXEC_NOT_ALLOWED', `argument ${position} is not allowed for ${spec.name}`);
    fixed.push(byFixed);
    const danger = dangerousArgument(rule, arg, index);
    if (danger)
      return refuse('GBX_EXEC_OPTION_REFUSED', `argument ${position} of ${spec.name} is refused: ${danger}`);
  }
  const split = splitOperands(rule, args, new Set([...(rule.valueOptions ?? []), ...spec.valueOptions]));
  if (typeof split === 'string') return refuse('GBX_EXEC_OPERAND_REFUSED', `${spec.name}: ${split}`);
  if (rule.runsOperands === true && split.operands.length > 0) {
    const first = args.indexOf(split.operands[0]!);
    if (first === -1 || !fixed[first])
      return refuse(
        'GBX_EXEC_OPERAND_REFUSED',
        `${spec.name} runs its first operand as a program: only a fixed value of the configuration may be that operand`,
      );
  }
  const patternArgs = split.valuePositions.filter((i) => !fixed[i]).map((i) => args[i]!);
  return { allowed: true, command: spec.name, class: spec.class, spec, args: split.final, patternArgs };
}

import {
  hasControlCharacter,
  type CommandClass,
  type CommandSpec,
  type ExecTargetConfig,
} from '../config.js';

/** The verdict on one argv: the allow-listed command it matches, or why it matches none. */
export type CommandClassification =
  | { allowed: true; command: string; class: CommandClass; spec: CommandSpec }
  | { allowed: false; reason: string };

const MAX_ARG_LENGTH = 4096;

function hasTraversal(arg: string): boolean {
  // Checked on every argument whatever the pattern says: no allow-list pattern should ever let a path climb
  // out of the directory it names, and regexes that exclude ".." are easy to get wrong.
  return arg.split(/[/=]/).includes('..');
}

/**
 * Decides whether `argv` is an allow-listed command on `target`. `argv[0]` is the command's name or its
 * configured absolute path; every other argument must equal a fixed value or fully match an anchored
 * pattern of that command. Pure: runs nothing, reads nothing.
 *
 * @example
 * classifyCommand(target, ['df', '-h']); // { allowed: true, command: 'df', class: 'read', spec }
 * classifyCommand(target, ['df', '; rm -rf /']); // { allowed: false, reason: 'argument 1 is not allowed for df' }
 */
export function classifyCommand(target: ExecTargetConfig, argv: readonly string[]): CommandClassification {
  const [program, ...args] = argv;
  if (program === undefined || program === '') return { allowed: false, reason: 'no command given' };
  const spec = target.commands.find((c) => c.name === program || c.path === program);
  if (!spec) return { allowed: false, reason: 'command is not on the allow-list of this target' };
  if (args.length > spec.maxArgs)
    return { allowed: false, reason: `${spec.name} accepts at most ${spec.maxArgs} arguments` };
  for (const [index, arg] of args.entries()) {
    const position = index + 1;
    if (arg.length > MAX_ARG_LENGTH || hasControlCharacter(arg) || hasTraversal(arg))
      return { allowed: false, reason: `argument ${position} is not allowed for ${spec.name}` };
    const ok = spec.args.some((rule) => ('fixed' in rule ? rule.fixed === arg : rule.regex.test(arg)));
    if (!ok) return { allowed: false, reason: `argument ${position} is not allowed for ${spec.name}` };
  }
  return { allowed: true, command: spec.name, class: spec.class, spec };
}

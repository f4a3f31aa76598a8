import type { Command, Option } from 'commander';

/** Shells `glovebox completion` writes a script for. */
export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

interface OptionSpec {
  long: string;
  short: string | undefined;
  takesValue: boolean;
  choices: readonly string[] | undefined;
  description: string;
}

interface CommandSpec {
  path: string[];
  description: string;
  options: OptionSpec[];
  subcommands: CommandSpec[];
}

function optionSpec(o: Option): OptionSpec | undefined {
  if (!o.long || o.hidden) return undefined;
  return {
    long: o.long,
    short: o.short,
    takesValue: o.required || o.optional,
    choices: o.argChoices,
    description: firstSentence(o.description),
  };
}

/** The first clause of a help text, without parentheses: what fits next to a completion. */
function firstSentence(text: string): string {
  return (text.split(/;\s|\.\s/)[0] ?? '').replace(/\s*\([^)]*\)/g, '').trim();
}

function specOf(command: Command, path: string[]): CommandSpec {
  return {
    path,
    description: firstSentence(command.description()),
    options: command.options.flatMap((o) => optionSpec(o) ?? []),
    subcommands: command.commands.map((c) => specOf(c, [...path, c.name()])),
  };
}

function allSpecs(root: CommandSpec): CommandSpec[] {
  return [root, ...root.subcommands.flatMap(allSpecs)];
}

/** Every option's long name, and for options with fixed values, those values. */
function valueCases(root: CommandSpec, format: (flags: string, values: string) => string): string {
  const lines = allSpecs(root).flatMap((c) =>
    c.options
      .filter((o) => o.choices)
      .map((o) => format([o.long, ...(o.short ? [o.short] : [])].join('|'), (o.choices ?? []).join(' '))),
  );
  return [...new Set(lines)].join('\n');
}

function bash(root: CommandSpec): string {
  const specs = allSpecs(root);
  const known = specs
    .filter((c) => c.path.length > 0)
    .map((c) => `'${c.path.join(' ')}'`)
    .join('|');
  const cases = specs
    .map((c) => {
      const subs = c.subcommands.map((s) => s.path.at(-1) ?? '');
      const opts = [...c.options, ...(c.path.length > 0 ? root.options : [])].map((o) => o.long);
      return `    '${c.path.join(' ')}') subs='${subs.join(' ')}'; opts='${opts.join(' ')}' ;;`;
    })
    .join('\n');
  return `# glovebox completion for bash: add \`source <(glovebox completion bash)\` to ~/.bashrc
_glovebox() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmdpath="" key="" subs="" opts="" i w
  case "$prev" in
${valueCases(root, (flags, values) => `    ${flags}) COMPREPLY=($(compgen -W '${values}' -- "$cur")); return 0 ;;`)}
  esac
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    key="\${cmdpath:+$cmdpath }$w"
    case "$key" in
      ${known}) cmdpath="$key" ;;
    esac
  done
  case "$cmdpath" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ -n "$subs" ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
  return 0
}
complete -o filenames -F _glovebox glovebox
`;
}

function zshQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

function zsh(root: CommandSpec): string {
  const cases = allSpecs(root)
    .map((c) => {
      const subs = c.subcommands.map((s) =>
        zshQuote(`${s.path.at(-1) ?? ''}:${s.description.replace(/:/g, '\\:')}`),
      );
      const opts = [...c.options, ...(c.path.length > 0 ? root.options : [])].map((o) =>
        zshQuote(`${o.long}:${o.description.replace(/:/g, '\\:')}`),
      );
      return `    ${zshQuote(c.path.join(' '))}) subs=(${subs.join(' ')}); opts=(${opts.join(' ')}) ;;`;
    })
    .join('\n');
  const known = allSpecs(root)
    .filter((c) => c.path.length > 0)
    .map((c) => zshQuote(c.path.join(' ')))
    .join(' ');
  return `#compdef glovebox
# glovebox completion for zsh: \`glovebox completion zsh > "\${fpath[1]}/_glovebox"\`, then restart zsh
_glovebox() {
  local -a subs opts known
  local cmdpath="" key w i
  known=(${known})
  case "\${words[CURRENT-1]}" in
${valueCases(root, (flags, values) => `    ${flags}) compadd ${values}; return ;;`)}
  esac
  for ((i = 2; i < CURRENT; i++)); do
    w="\${words[i]}"
    [[ "$w" == -* ]] && continue
    key="\${cmdpath:+$cmdpath }$w"
    (( \${known[(Ie)$key]} )) && cmdpath="$key"
  done
  case "$cmdpath" in
${cases}
  esac
  if [[ "$PREFIX" == -* ]]; then
    _describe -t options option opts
  elif (( \${#subs} )); then
    _describe -t commands command subs
  else
    _files
  fi
}
compdef _glovebox glovebox
`;
}

function fishQuote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function fish(root: CommandSpec): string {
  const lines = [
    '# glovebox completion for fish: `glovebox completion fish > ~/.config/fish/completions/glovebox.fish`',
  ];
  const seen = (path: string[]) =>
    path.length === 0 ? '__fish_use_subcommand' : `__fish_seen_subcommand_from ${path.at(-1) ?? ''}`;
  for (const c of allSpecs(root)) {
    for (const s of c.subcommands)
      lines.push(
        `complete -c glovebox -f -n ${fishQuote(seen(c.path))} -a ${s.path.at(-1) ?? ''} -d ${fishQuote(s.description)}`,
      );
    for (const o of c.options) {
      const condition = c.path.length === 0 ? '' : ` -n ${fishQuote(seen(c.path))}`;
      const short = o.short ? ` -s ${o.short.replace(/^-/, '')}` : '';
      const value = o.choices ? ` -x -a ${fishQuote(o.choices.join(' '))}` : o.takesValue ? ' -r' : '';
      lines.push(
        `complete -c glovebox${condition} -l ${o.long.replace(/^--/, '')}${short}${value} -d ${fishQuote(o.description)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The completion script for `shell`, generated from the command tree so it never drifts from it. */
export function completionScript(program: Command, shell: CompletionShell): string {
  const root = specOf(program, []);
  switch (shell) {
    case 'bash':
      return bash(root);
    case 'zsh':
      return zsh(root);
    case 'fish':
      return fish(root);
  }
}

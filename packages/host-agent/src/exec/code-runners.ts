import type { ProgramRule } from './program-options.js';

const SHELLS: ProgramRule = {
  runsOperands: true,
  options: ['-c', '-s', '-i', '--init-file', '--rcfile'],
  why: 'a shell runs any code it is given',
};
const INTERPRETER: ProgramRule = {
  runsOperands: true,
  options: ['-e', '-E', '-c', '-r', '-p', '-m', '--eval', '--print', '--require', '--import', '--command'],
  why: 'an interpreter runs any code it is given',
};
const RUNNER: ProgramRule = { runsOperands: true, why: 'it runs its operands as a command' };
const AWK: ProgramRule = {
  options: [
    '-f',
    '--file',
    '-i',
    '--include',
    '-l',
    '--load',
    '-E',
    '--exec',
    '-o',
    '--pretty-print',
    '-p',
    '--profile',
    '-d',
    '--dump-variables',
  ],
  scripts: [
    { pattern: /\bsystem\s*\(/, why: 'system() runs a command', example: 'BEGIN{system("id")}' },
    { pattern: /\|/, why: 'a pipe runs a command or a coprocess', example: '{print | "sh"}' },
    { pattern: /\bprintf?\b[^;{}]*>/, why: 'print > writes a file', example: '{print > "/tmp/x"}' },
    {
      pattern: /\bgetline\b[^;{}]*</,
      why: 'getline < reads any file',
      example: 'BEGIN{getline l < "/etc/shadow"}',
    },
    { pattern: /\bENVIRON\b|\bPROCINFO\b/, why: 'reads the environment' },
  ],
  why: 'awk programs can run commands and read or write any file',
};
const VI: ProgramRule = {
  options: ['-c', '--cmd', '-S', '-s', '-u', '-U', '-w', '-W', '-i', '-e', '-E', '-y'],
  scripts: [{ pattern: /^\+/, why: '+command runs an editor command', example: '+!id' }],
  why: 'an editor runs commands and shell escapes and writes files',
};
const PAGER: ProgramRule = {
  options: [
    '-o',
    '-O',
    '--log-file',
    '--LOG-FILE',
    '-k',
    '--lesskey-file',
    '--lesskey-src',
    '--lesskey-content',
  ],
  scripts: [
    { pattern: /^\+/, why: '+command runs a pager command, including shell escapes', example: '+!id' },
  ],
  why: 'a pager runs shell escapes and writes log files',
};

/** Programs that run code they are given: shells, interpreters, command runners, awk, editors, pagers. */
export const CODE_RUNNERS: Readonly<Record<string, ProgramRule>> = {
  less: PAGER,
  more: PAGER,
  most: PAGER,
  vi: VI,
  vim: VI,
  view: VI,
  nvim: VI,
  ex: VI,
  env: { ...RUNNER, options: ['-S', '--split-string', '-C', '--chdir'] },
  xargs: RUNNER,
  nice: RUNNER,
  nohup: RUNNER,
  timeout: RUNNER,
  stdbuf: RUNNER,
  setsid: RUNNER,
  ionice: RUNNER,
  taskset: RUNNER,
  chrt: RUNNER,
  chroot: RUNNER,
  unshare: RUNNER,
  nsenter: RUNNER,
  flock: RUNNER,
  watch: RUNNER,
  time: RUNNER,
  sudo: RUNNER,
  su: RUNNER,
  doas: RUNNER,
  runuser: RUNNER,
  busybox: RUNNER,
  awk: AWK,
  gawk: AWK,
  mawk: AWK,
  nawk: AWK,
  sh: SHELLS,
  bash: SHELLS,
  dash: SHELLS,
  zsh: SHELLS,
  ksh: SHELLS,
  fish: SHELLS,
  python: INTERPRETER,
  python3: INTERPRETER,
  perl: INTERPRETER,
  ruby: INTERPRETER,
  node: INTERPRETER,
  php: INTERPRETER,
  lua: INTERPRETER,
};

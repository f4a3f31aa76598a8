import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { CommandSpec } from '../config.js';

/** Host tools the launcher can wrap a command in; `null` when absent. */
export interface HostTools {
  bwrap: string | null;
  prlimit: string | null;
}

// A fixed search list rather than $PATH: the agent's own environment is not trusted to choose its sandbox.
const SYSTEM_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin'];

function findExecutable(name: string): string | null {
  for (const dir of SYSTEM_DIRS) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      continue;
    }
  }
  return null;
}

// bubblewrap can be installed yet unusable (no root and unprivileged user namespaces disabled): try it once.
function bwrapWorks(path: string): boolean {
  const probe = spawnSync(
    path,
    ['--ro-bind', '/', '/', '--unshare-net', '--die-with-parent', '--', '/bin/true'],
    {
      stdio: 'ignore',
      timeout: 5000,
      env: {},
    },
  );
  return probe.status === 0;
}

/**
 * Looks for bubblewrap and prlimit in the system directories. bubblewrap counts as present only if a
 * trial sandbox starts on this host.
 */
export function detectHostTools(): HostTools {
  const bwrap = findExecutable('bwrap');
  return { bwrap: bwrap !== null && bwrapWorks(bwrap) ? bwrap : null, prlimit: findExecutable('prlimit') };
}

/** The program and argv actually spawned for one command. */
export interface Launch {
  file: string;
  args: string[];
  sandboxed: boolean;
}

/**
 * Wraps an allow-listed command in its limits and sandbox: `prlimit` (CPU seconds, no core dumps) around
 * `bwrap` (read-only root, private /tmp and /dev — read-only as well for read-class commands — no
 * capabilities, no network unless allowed) around the
 * command itself. Everything stays an argv: no shell parses the user's arguments, even in the fallback
 * without prlimit, where the arguments reach `sh` as positional parameters that it never interprets.
 */
export function buildLaunch(
  spec: CommandSpec,
  args: readonly string[],
  tools: HostTools,
  sandbox: boolean,
): Launch {
  let argv = [spec.path, ...args];
  if (sandbox) {
    if (!tools.bwrap) throw new TypeError('sandbox requested but bubblewrap is not installed');
    const bwrapArgs = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp'];
    // A read-class command gets no writable path at all: not even its private /tmp or /dev/shm.
    if (spec.class === 'read') bwrapArgs.push('--remount-ro', '/tmp', '--remount-ro', '/dev');
    else for (const path of spec.writablePaths) bwrapArgs.push('--bind', path, path);
    bwrapArgs.push('--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try');
    if (!spec.network) bwrapArgs.push('--unshare-net');
    if (spec.isolatePids) bwrapArgs.push('--unshare-pid');
    bwrapArgs.push('--die-with-parent', '--cap-drop', 'ALL', '--chdir', spec.cwd, '--');
    argv = [tools.bwrap, ...bwrapArgs, ...argv];
  }
  // Soft limit raises SIGXCPU (reported as a CPU kill); the hard limit one second later is SIGKILL.
  if (tools.prlimit)
    return {
      file: tools.prlimit,
      args: [`--cpu=${spec.cpuSeconds}:${spec.cpuSeconds + 1}`, '--core=0:0', '--', ...argv],
      sandboxed: sandbox,
    };
  return {
    file: '/bin/sh',
    args: [
      '-c',
      'ulimit -c 0; ulimit -t "$1" || exit 126; shift; exec "$@"',
      'sh',
      String(spec.cpuSeconds),
      ...argv,
    ],
    sandboxed: sandbox,
  };
}

// A real program the exec tests allow-list and run (through prlimit and bubblewrap), one behaviour per mode.
// It is not part of the public API.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const mode = process.argv[2] ?? '';
const write = (text: string | Uint8Array): boolean => process.stdout.write(text);
const keepAlive = (): void => {
  setInterval(() => undefined, 1000);
};

// A GitHub-shaped token written in two pieces, so a redactor that works chunk by chunk would miss it.
const TOKEN = `ghp_${'A1b2C3d4E5f6G7h8I9'}${'j0K1l2M3n4O5p6Q7r8'}`;

const modes: Record<string, () => void> = {
  'split-secret': () => {
    write(`token=${TOKEN.slice(0, 22)}`);
    setTimeout(() => write(`${TOKEN.slice(22)}\ndone\n`), 150);
  },
  // the same token split between the two streams, in time order
  'split-streams': () => {
    write(`token ${TOKEN.slice(0, 22)}`);
    setTimeout(() => process.stderr.write(`${TOKEN.slice(22)}\n`), 100);
    setTimeout(() => write('done\n'), 200);
  },
  sleep: () => {
    write('started\n');
    keepAlive();
  },
  children: () => {
    const child = spawn(process.execPath, [process.argv[1] ?? '', 'sleep'], { stdio: 'ignore' });
    write(`child=${child.pid}\n`);
    keepAlive();
  },
  binary: () => write(Uint8Array.from({ length: 256 }, (_, i) => i)),
  flood: () => {
    const block = 'x'.repeat(65536);
    let sent = 0;
    const pump = (): void => {
      while (sent < 16 * 1024 * 1024) {
        sent += block.length;
        if (!write(block)) {
          process.stdout.once('drain', pump);
          return;
        }
      }
    };
    pump();
  },
  spin: () => {
    // Burns CPU until the CPU-time limit kills the process.
    for (;;) Math.sqrt(Math.random());
  },
  env: () => write(`${JSON.stringify(Object.keys(process.env).sort())}\n`),
  'write-etc': () => {
    try {
      writeFileSync('/etc/glovebox-sandbox-probe', 'x');
      write('wrote\n');
    } catch (error) {
      write(`${(error as { code?: string }).code ?? 'error'}\n`);
    }
  },
  'write-tmp': () => {
    try {
      writeFileSync('/tmp/glovebox-sandbox-probe', 'x');
      write('wrote\n');
    } catch (error) {
      write(`${(error as { code?: string }).code ?? 'error'}\n`);
    }
  },
  // a value the agent knows (passed in the allowed variable) printed plainly and encoded
  'echo-env': () => {
    const value = process.env['GLOVEBOX_TEST_ALLOWED'] ?? '';
    write(`plain ${value}\nflag -p${value}\nb64 ${Buffer.from(`app:${value}`).toString('base64')}\n`);
  },
  stderr: () => {
    write('to-stdout\n');
    process.stderr.write('to-stderr\n');
  },
};

const exit = /^exit-(\d+)$/.exec(mode);
if (exit) {
  write('exiting\n');
  process.exitCode = Number(exit[1]);
} else if (Object.hasOwn(modes, mode)) {
  modes[mode]?.();
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exitCode = 64;
}

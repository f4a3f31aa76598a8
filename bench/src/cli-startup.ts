// Start-up of the `glovebox` CLI as whole processes: `--version`, `whoami` and `sessions` against a
// real gateway (its own process), each cold (the page cache of the files the CLI loads evicted
// first) and warm, against `node -e ''` measured in the same run. Medians and ratios.
// Run: npx tsc -b bench && node bench/dist/cli-startup.js [runs] [path/to/glovebox]
// Without a path it measures the repository's CLI (apps/cli/bin/glovebox.js); give an installed
// one (e.g. from `npm install -g ./glovebox-cli-*.tgz`) to measure the packed CLI.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchGatewayProcess } from './bench-gateway.js';

const runs = Number(process.argv[2] ?? 15);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const bin = realpathSync(process.argv[3] ?? join(ROOT, 'apps/cli/bin/glovebox.js'));
const TOKEN = `gbx_t_${randomBytes(24).toString('base64url')}`;

/** Files whose page cache a cold run evicts: the CLI's own package, and what it loads at start-up. */
const COLD_DIRS = [
  dirname(dirname(bin)),
  join(ROOT, 'packages/core/dist'),
  join(ROOT, 'packages/protocol/dist'),
  join(ROOT, 'node_modules/commander'),
  join(ROOT, 'node_modules/yaml'),
];
const EVICT = `
import os, sys
for top in sys.argv[1:]:
    for d, _, files in os.walk(top):
        for f in files:
            try:
                fd = os.open(os.path.join(d, f), os.O_RDONLY)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                os.close(fd)
            except OSError:
                pass
`;
const canEvict = spawnSync('python3', ['-c', 'import os; os.posix_fadvise']).status === 0;

function evict(): void {
  spawnSync('python3', ['-c', EVICT, ...COLD_DIRS], { stdio: 'ignore' });
}

function timeProcess(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'ignore', 'pipe'], cwd: tmpdir() });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${argv.join(' ')} exited ${code}: ${stderr.slice(0, 300)}`));
      else resolve(performance.now() - t0);
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

const gateway = await startBenchGatewayProcess({ admin: TOKEN });
const home = mkdtempSync(join(tmpdir(), 'gbx-bench-home-'));
const env = {
  PATH: process.env.PATH,
  GLOVEBOX_URL: gateway.url,
  GLOVEBOX_TOKEN: TOKEN,
  GLOVEBOX_HOME: home,
};
const cases: [string, string[]][] = [
  ["node -e ''", ['-e', '']],
  ['glovebox --version', [bin, '--version']],
  ['glovebox whoami', [bin, 'whoami']],
  ['glovebox sessions', [bin, 'sessions']],
];

try {
  console.log(`CLI start-up, ${runs} runs each, medians (${bin})`);
  if (!canEvict) console.log('python3 with posix_fadvise not found: cold runs skipped');
  const warm = new Map<string, number[]>(cases.map(([label]) => [label, []]));
  const cold = new Map<string, number[]>(cases.map(([label]) => [label, []]));
  for (const [, argv] of cases) await timeProcess(argv, env);
  // Interleaved, so the machine's load affects every case alike.
  for (let i = 0; i < runs; i++) {
    for (const [label, argv] of cases) {
      warm.get(label)!.push(await timeProcess(argv, env));
      if (!canEvict) continue;
      evict();
      cold.get(label)!.push(await timeProcess(argv, env));
    }
  }
  const base = { warm: median(warm.get(cases[0]![0])!), cold: median(cold.get(cases[0]![0])!) };
  console.log(
    `${'command'.padEnd(22)} ${'warm ms'.padStart(8)} ${'× node'.padStart(7)} ${'cold ms'.padStart(8)} ${'× node'.padStart(7)}`,
  );
  for (const [label] of cases) {
    const w = median(warm.get(label)!);
    const c = median(cold.get(label)!);
    console.log(
      `${label.padEnd(22)} ${w.toFixed(0).padStart(8)} ${(w / base.warm).toFixed(2).padStart(7)} ${
        canEvict ? c.toFixed(0).padStart(8) : '-'.padStart(8)
      } ${canEvict ? (c / base.cold).toFixed(2).padStart(7) : '-'.padStart(7)}`,
    );
  }
} finally {
  await gateway.close();
  rmSync(home, { recursive: true, force: true });
}

#!/usr/bin/env node
// Packs the installable CLI: `npm run pack:cli [-- --out DIR]` writes DIR/glovebox-cli-VERSION.tgz
// (default DIR: the repository root). Install it with `npm install -g ./glovebox-cli-VERSION.tgz`.
//
// The package is one bundle of the CLI and the libraries it uses (esbuild, split so that each command
// loads only its own code), named @glovebox/cli: a scoped name, so `npx` can never fetch someone else's
// package for it. None of our workspace packages is a runtime dependency; only third-party packages
// that load WebAssembly from their own files stay outside the bundle, pinned to the versions tested here.
// The gateway and the demo are not in it (`glovebox server` says so): it is the engineer's client, the
// standalone agent, and the local tools (policy, redact, audit verify).
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const cliDir = fileURLToPath(new URL('..', import.meta.url));
const root = resolve(cliDir, '../..');
const outIndex = process.argv.indexOf('--out');
const outDir = resolve(outIndex > 0 ? (process.argv[outIndex + 1] ?? '.') : root);
const entry = join(cliDir, 'dist/main.js');
if (!existsSync(entry)) {
  process.stderr.write('pack: apps/cli is not built; run `npm run build` first\n');
  process.exit(1);
}

const cli = JSON.parse(readFileSync(join(cliDir, 'package.json'), 'utf8'));
const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// The version installed here (and tested here): workspaces install third-party packages at the root.
const installedVersion = (name) =>
  JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;

// Loaded from files next to their own code at run time (WebAssembly): installed, not bundled.
const RUNTIME_DEPENDENCIES = ['@cedar-policy/cedar-wasm', 'libpg-query'];
// Optional native accelerators that their users load inside try/catch.
const OPTIONAL = ['pg-native', 'pg-cloudflare', 'bufferutil', 'utf-8-validate'];
// The gateway is a program `server` and `demo` start (resolved at run time, never imported): not shipped.
const NOT_SHIPPED = ['@glovebox/gateway'];

const work = mkdtempSync(join(tmpdir(), 'glovebox-cli-pack-'));
const pkgDir = join(work, 'package');
mkdirSync(join(pkgDir, 'bin'), { recursive: true });

const { metafile } = await build({
  metafile: true,
  absWorkingDir: root,
  entryPoints: { glovebox: entry },
  outdir: join(pkgDir, 'dist'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  chunkNames: 'chunks/[name]-[hash]',
  external: [
    ...RUNTIME_DEPENDENCIES,
    ...RUNTIME_DEPENDENCIES.map((name) => `${name}/*`),
    ...OPTIONAL,
    ...NOT_SHIPPED.flatMap((name) => [name, `${name}/*`]),
  ],
  // Bundled CommonJS code calls require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __gbxRequire } from 'node:module'; const require = __gbxRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

// Minified code loses its license headers: the licenses of every bundled package go alongside.
const bundled = new Map();
for (const input of Object.keys(metafile.inputs)) {
  const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(
    input.slice(input.lastIndexOf('node_modules/')),
  );
  if (!match) continue;
  const dir = join(root, input.slice(0, input.lastIndexOf('node_modules/')), 'node_modules', match[1]);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const licenseFile = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
  bundled.set(manifest.name, {
    version: manifest.version,
    license: manifest.license ?? 'see its repository',
    text: licenseFile ? readFileSync(join(dir, licenseFile), 'utf8').trim() : '',
  });
}
writeFileSync(
  join(pkgDir, 'THIRD_PARTY_LICENSES.md'),
  [
    '# Third-party packages bundled in @glovebox/cli',
    '',
    ...[...bundled]
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([name, p]) => [`## ${name} ${p.version} (${p.license})`, '', p.text, '']),
  ].join('\n'),
);

writeFileSync(
  join(pkgDir, 'bin/glovebox.mjs'),
  "#!/usr/bin/env node\n// The `glovebox` command, installed from the packed CLI.\nawait import('../dist/glovebox.js');\n",
  { mode: 0o755 },
);
writeFileSync(
  join(pkgDir, 'package.json'),
  `${JSON.stringify(
    {
      name: cli.name,
      version: cli.version,
      description:
        'The glovebox command: policy-enforced secure debugging in production (client, standalone agent, policy tools)',
      license: rootPackage.license,
      type: 'module',
      bin: { glovebox: 'bin/glovebox.mjs' },
      files: ['bin', 'dist', 'README.md', 'THIRD_PARTY_LICENSES.md'],
      engines: rootPackage.engines,
      dependencies: Object.fromEntries(RUNTIME_DEPENDENCIES.map((name) => [name, installedVersion(name)])),
    },
    null,
    2,
  )}\n`,
);
writeFileSync(
  join(pkgDir, 'README.md'),
  [
    '# @glovebox/cli',
    '',
    'The `glovebox` command for engineers, approvers and auditors, the standalone agent (`glovebox agent`),',
    'and the local policy and redaction tools. It talks to a Glovebox gateway over HTTP(S): set',
    '`GLOVEBOX_URL`, then `glovebox login`. The gateway itself (`glovebox server`) and the demo run from the',
    'repository. Documentation: the repository README.',
    '',
  ].join('\n'),
);

mkdirSync(outDir, { recursive: true });
const packed = execFileSync('npm', ['pack', pkgDir, '--pack-destination', outDir, '--json'], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
});
rmSync(work, { recursive: true, force: true });
const [{ filename, size, entryCount }] = JSON.parse(packed);
process.stdout.write(`${join(outDir, filename)}  (${entryCount} files, ${Math.round(size / 1024)} KiB)\n`);

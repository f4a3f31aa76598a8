#!/usr/bin/env node
// Compiles the pre-scan (src/prescan.wat) with wabt into src/prescan-wasm.ts, the module prescan.ts
// loads. `--stdout` prints the base64 of the bytes instead (prescan-wasm.test.ts compares them with
// what is loaded). Run after editing the .wat: `npm run wasm -w @glovebox/redact`. ADR 0017.
import { readFileSync, writeFileSync } from 'node:fs';
import wabt from 'wabt';

const source = new URL('../src/prescan.wat', import.meta.url);
const target = new URL('../src/prescan-wasm.ts', import.meta.url);

const tools = await wabt();
const module = tools.parseWat('prescan.wat', readFileSync(source, 'utf8'));
try {
  module.resolveNames();
  module.validate();
  const base64 = Buffer.from(module.toBinary({}).buffer).toString('base64');
  if (process.argv.includes('--stdout')) process.stdout.write(`${base64}\n`);
  else
    writeFileSync(
      target,
      '// Generated from prescan.wat by scripts/build-prescan.mjs (`npm run wasm -w @glovebox/redact`); do not edit.\n' +
        '/** The pre-scan module (src/prescan.wat compiled by wabt), base64. */\n' +
        `export const PRESCAN_WASM =\n  '${base64}';\n`,
    );
} finally {
  module.destroy();
}

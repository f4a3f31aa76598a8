import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { prescanModuleBytes } from './prescan.js';

// The module's source is prescan.wat; the bytes prescan.ts loads are checked in (ADR 0017). An edit to
// either alone fails here.
test("the pre-scan module loaded is wabt's compilation of prescan.wat", () => {
  const script = fileURLToPath(new URL('../scripts/build-prescan.mjs', import.meta.url));
  const compiled = execFileSync(process.execPath, [script, '--stdout'], { encoding: 'utf8' }).trim();
  assert.equal(
    Buffer.from(prescanModuleBytes()).toString('base64'),
    compiled,
    'src/prescan-wasm.ts is not prescan.wat compiled: run `npm run wasm -w @glovebox/redact`',
  );
});

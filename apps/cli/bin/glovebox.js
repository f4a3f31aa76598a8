#!/usr/bin/env node
// The `glovebox` command. It lives outside dist/ so that `npm ci` can link it before the build.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('glovebox: not built yet; run `npm run build` first\n');
  process.exit(1);
}
await import(main.href);

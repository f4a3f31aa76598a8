// tsc does not set the executable bit; the CLI and gateway entry points need it to run as bins.
import { chmodSync, existsSync } from 'node:fs';

for (const bin of ['apps/cli/dist/main.js', 'apps/gateway/dist/main.js']) {
  if (existsSync(bin)) chmodSync(bin, 0o755);
}

// Writes docs/schema/glovebox-config.schema.json from the zod schema of glovebox.yaml.
// Run after changing document.ts: node apps/gateway/dist/config-apply/write-json-schema.js
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from './document.js';

const target = fileURLToPath(new URL('../../../../docs/schema/glovebox-config.schema.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);

// Shared by this package's tests only; not exported from index.ts.
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuthzRequest, PolicyContext } from './request.js';
import { GLOVEBOX_SCHEMA } from './schema.js';

/** examples/policies in this checkout. */
export const EXAMPLES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../examples/policies');

/** A fresh temporary directory holding the schema and the given policy files. */
export async function policyDir(
  files: Record<string, string | Uint8Array>,
  withSchema = true,
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gbx-policy-'));
  if (withSchema) await writeFile(join(dir, 'glovebox.cedarschema'), GLOVEBOX_SCHEMA);
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

/** A temporary copy of examples/policies. */
export async function copyOfExamples(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gbx-examples-'));
  await cp(EXAMPLES_DIR, dir, { recursive: true });
  return dir;
}

/** A valid context with overrides. */
export function context(overrides: Partial<PolicyContext> = {}): PolicyContext {
  return {
    reason: '',
    mfaAgeSec: 60,
    breakGlass: false,
    localHour: 12,
    weekday: 3,
    requester: 'alice',
    ...overrides,
  };
}

/** A request by alice (engineers) on a staging target, with overrides. */
export function request(overrides: Partial<AuthzRequest> = {}): AuthzRequest {
  return {
    principal: { id: 'alice', groups: ['engineers'] },
    action: 'facts',
    resource: { kind: 'target', name: 'api', env: 'staging', owner: 'team-a', tags: {} },
    context: context(),
    ...overrides,
  };
}

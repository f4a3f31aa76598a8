import { GloveboxError } from '@glovebox/core';
import { join } from 'node:path';
import { PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

export type { RecordingFilter, Store } from './store.js';
export * from './types.js';
export type { AgentRoute, ReplicaStore, SharedSecretRow } from './replicas.js';
export { SqliteStore } from './sqlite-store.js';
export { PostgresStore } from './postgres-store.js';

/**
 * Opens the store a `--store` value names: `postgres://…` (optionally `?schema=name`) or
 * `sqlite:PATH`; when absent, the embedded SQLite file under the data directory.
 */
export function openStore(storeUrl: string | undefined, dataDir: string): Store {
  if (!storeUrl) return new SqliteStore(join(dataDir, 'glovebox.db'));
  if (storeUrl.startsWith('sqlite:')) return new SqliteStore(storeUrl.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//.test(storeUrl)) {
    const url = new URL(storeUrl);
    const schema = url.searchParams.get('schema') ?? undefined;
    url.searchParams.delete('schema');
    return new PostgresStore({ connectionString: url.toString(), ...(schema ? { schema } : {}) });
  }
  throw new GloveboxError('GBX_CONFIG_INVALID', 'store must be postgres://… or sqlite:PATH');
}

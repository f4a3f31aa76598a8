import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

/** PostgreSQL used by tests: the machine's server unless GLOVEBOX_TEST_PG says otherwise. */
export const TEST_PG_URL = process.env.GLOVEBOX_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestStore {
  name: 'sqlite' | 'postgres';
  /** A fresh, migrated, empty store, and a function that disposes of it. */
  open(): Promise<{ store: Store; url: string; dispose(): Promise<void> }>;
}

/** The two store implementations every contract and integration suite runs against. */
export const TEST_STORES: TestStore[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'gbx-store-'));
      const path = join(dir, 'glovebox.db');
      const store = new SqliteStore(path);
      await store.migrate();
      return {
        store,
        url: `sqlite:${path}`,
        async dispose() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = `gbx_test_${randomBytes(6).toString('hex')}`;
      const store = new PostgresStore({ connectionString: TEST_PG_URL, schema, max: 4 });
      await store.migrate();
      return {
        store,
        url: `${TEST_PG_URL}?schema=${schema}`,
        async dispose() {
          await store.dropSchema();
          await store.close();
        },
      };
    },
  },
];

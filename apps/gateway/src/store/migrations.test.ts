import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from './migrations.js';
import { SqliteStore } from './sqlite-store.js';

test('migration versions are unique, ascending and the same for both stores', () => {
  for (const list of [SQLITE_MIGRATIONS, POSTGRES_MIGRATIONS]) {
    const versions = list.map((m) => m.version);
    assert.deepEqual(
      versions,
      [...versions].sort((a, b) => a - b),
      'ascending',
    );
    assert.equal(new Set(versions).size, versions.length, 'unique');
  }
  assert.deepEqual(
    SQLITE_MIGRATIONS.map((m) => [m.version, m.name]),
    POSTGRES_MIGRATIONS.map((m) => [m.version, m.name]),
  );
});

test('an upgrade counts the groups of users single sign-on linked before from their link time (migration 16)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-upgrade-'));
  try {
    const path = join(dir, 'glovebox.db');
    const db = new Database(path);
    db.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    for (const m of SQLITE_MIGRATIONS.filter((x) => x.version < 16)) {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, 0);
    }
    const user = db.prepare(
      "INSERT INTO users (id, name, groups_json, created_at, disabled) VALUES (?, ?, '[]', 1, 0)",
    );
    user.run('usr_sso', 'carol');
    user.run('usr_local', 'olivia');
    db.prepare('INSERT INTO sso_identities VALUES (?, ?, ?, ?)').run('https://idp', 'sub', 'usr_sso', 1234);
    db.close();
    const store = new SqliteStore(path);
    await store.migrate();
    assert.equal((await store.getUserById('usr_sso'))?.ssoGroupsAt, 1234);
    assert.equal((await store.getUserById('usr_local'))?.ssoGroupsAt, null);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS } from './migrations.js';

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

import { POSTGRES_APPEND_FUNCTION, searchIndexesMigration } from './audit-sql.js';
import {
  auditAppendOnly,
  baseTables,
  checkpointTable,
  recordingsTable,
  ssoAndWebauthnTables,
} from './base-tables.js';
import { credentialGenerationTable, identityStateTables, singleUseTable } from './identity-state.js';
import { instanceRouteTables, replicaTables } from './replicas.js';
import { revokedInstanceTable } from './revoked-instances.js';

/**
 * Versioned migrations, one list per dialect, applied in order and recorded in
 * `schema_migrations`. Never edit a released migration; add a new one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const common = (dialect: 'sqlite' | 'postgres'): Migration[] => {
  const bigint = dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
  const bool = dialect === 'sqlite' ? 'INTEGER' : 'BOOLEAN';
  return [
    {
      version: 1,
      name: 'identity, agents, requests, audit',
      sql: baseTables(bigint, bool),
    },
    { version: 2, name: 'audit rows are append-only', sql: auditAppendOnly(dialect) },
    {
      version: 3,
      name: 'signed audit checkpoints',
      sql: checkpointTable(dialect, bigint),
    },
    {
      version: 4,
      name: 'single sign-on identities and WebAuthn credentials',
      sql: ssoAndWebauthnTables(bigint),
    },
    {
      version: 5,
      name: 'recordings of streamed output (asciicast v2), chunk hashes are in the audit chain',
      sql: recordingsTable(bigint),
    },
    {
      version: 6,
      name: 'audit search: a generated decision column and an index per filter',
      sql: searchIndexesMigration(dialect),
    },
    {
      version: 7,
      name: 'policy bundles: immutable versions, activations, approvals, replica status',
      sql: policyBundleTables(dialect),
    },
    {
      version: 8,
      name: 'CI token exchanges: one use per CI token, the verified claims of each issued token',
      sql: `CREATE TABLE ci_token_exchanges (
  token_key TEXT PRIMARY KEY,
  issuer TEXT NOT NULL,
  subject TEXT NOT NULL,
  token_id TEXT,
  claims_json TEXT NOT NULL,
  expires_at ${dialect === 'sqlite' ? 'INTEGER' : 'BIGINT'} NOT NULL,
  exchanged_at ${dialect === 'sqlite' ? 'INTEGER' : 'BIGINT'} NOT NULL
);
CREATE INDEX ci_token_exchanges_token ON ci_token_exchanges(token_id);
CREATE INDEX ci_token_exchanges_expiry ON ci_token_exchanges(expires_at);`,
    },
    {
      version: 9,
      name: 'managed settings applied from glovebox.yaml (audit sinks, webhooks, SSO group mapping)',
      sql: `CREATE TABLE managed_settings (
  key TEXT PRIMARY KEY,
  value_json TEXT NOT NULL,
  revision INTEGER NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at ${dialect === 'sqlite' ? 'INTEGER' : 'BIGINT'} NOT NULL
);`,
    },
    {
      version: 10,
      name: 'MFA enrollment tickets and factor provenance, single-use TOTP steps, shared failure counters',
      sql: identityStateTables(dialect),
    },
    {
      version: 11,
      name: 'replicas: liveness, which replica holds each agent connection, sealed shared secrets',
      sql: replicaTables(bigint),
    },
    {
      version: 12,
      name: 'one route per agent instance: every process connected with a credential is reachable',
      sql: instanceRouteTables(bigint),
    },
    {
      version: 13,
      name: 'single-use WebAuthn challenges and OpenID login states, shared by every replica',
      sql: singleUseTable(bigint),
    },
    {
      version: 14,
      name: 'a token minted from a login names it and ends with it (logout revokes it)',
      sql: `ALTER TABLE tokens ADD COLUMN login_id TEXT;
CREATE INDEX tokens_login ON tokens(login_id);`,
    },
    {
      version: 15,
      name: 'one instance of an agent revoked while its siblings keep the credential',
      sql: revokedInstanceTable(bigint),
    },
    {
      version: 16,
      name: 'when single sign-on last set each user’s groups (tokens refused once that is too old)',
      sql: `ALTER TABLE users ADD COLUMN sso_groups_at ${bigint};
UPDATE users SET sso_groups_at = (SELECT MAX(s.created_at) FROM sso_identities s WHERE s.user_id = users.id)
  WHERE id IN (SELECT user_id FROM sso_identities);`,
    },
    {
      version: 17,
      name: 'audit append in one round trip while the head is where this process left it',
      // SQLite appends in-process: nothing to add there.
      sql: dialect === 'postgres' ? POSTGRES_APPEND_FUNCTION : 'SELECT 1;',
    },
    {
      version: 18,
      name: 'a credential generation that changes with every write to tokens or users',
      sql: credentialGenerationTable(dialect),
    },
  ];
};

export const SQLITE_MIGRATIONS = common('sqlite');
export const POSTGRES_MIGRATIONS = common('postgres');

/** Pushed policy bundles and their activations never change once written (ADR 0014). */
function policyBundleTables(dialect: 'sqlite' | 'postgres'): string {
  const bigint = dialect === 'sqlite' ? 'INTEGER' : 'BIGINT';
  const tables = `
CREATE TABLE policy_bundles (
  version INTEGER PRIMARY KEY,
  digest TEXT NOT NULL,
  policy_set_version TEXT NOT NULL,
  files_json TEXT NOT NULL,
  author TEXT NOT NULL,
  message TEXT NOT NULL,
  ci_json TEXT NOT NULL,
  tests_passed INTEGER NOT NULL,
  approvals_needed INTEGER NOT NULL,
  approver_groups_json TEXT NOT NULL,
  created_at ${bigint} NOT NULL
);
CREATE TABLE policy_activations (
  generation INTEGER PRIMARY KEY,
  version INTEGER NOT NULL REFERENCES policy_bundles(version),
  kind TEXT NOT NULL,
  actor TEXT NOT NULL,
  at ${bigint} NOT NULL
);
CREATE TABLE policy_approvals (
  version INTEGER NOT NULL REFERENCES policy_bundles(version),
  approver TEXT NOT NULL,
  digest TEXT NOT NULL,
  at ${bigint} NOT NULL,
  PRIMARY KEY (version, approver)
);
CREATE TABLE policy_replicas (
  replica TEXT PRIMARY KEY,
  generation INTEGER NOT NULL,
  version INTEGER,
  policy_set_version TEXT NOT NULL,
  error TEXT,
  at ${bigint} NOT NULL
);
`;
  const immutable = ['policy_bundles', 'policy_activations', 'policy_approvals'];
  if (dialect === 'sqlite')
    return (
      tables +
      immutable
        .map(
          (t) => `CREATE TRIGGER ${t}_no_update BEFORE UPDATE ON ${t}
BEGIN SELECT RAISE(ABORT, '${t} is append-only'); END;
CREATE TRIGGER ${t}_no_delete BEFORE DELETE ON ${t}
BEGIN SELECT RAISE(ABORT, '${t} is append-only'); END;`,
        )
        .join('\n')
    );
  return (
    tables +
    `CREATE FUNCTION glovebox_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
` +
    immutable
      .map(
        (t) => `CREATE TRIGGER ${t}_no_change BEFORE UPDATE OR DELETE ON ${t}
FOR EACH ROW EXECUTE FUNCTION glovebox_append_only();
CREATE TRIGGER ${t}_no_truncate BEFORE TRUNCATE ON ${t}
FOR EACH STATEMENT EXECUTE FUNCTION glovebox_append_only();`,
      )
      .join('\n')
  );
}

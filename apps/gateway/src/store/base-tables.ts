/** The first tables: users and their tokens, agents, access requests and approvals, audit events. */
export function baseTables(bigint: string, bool: string): string {
  return `
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  groups_json TEXT NOT NULL,
  password_hash TEXT,
  totp_secret_enc TEXT,
  mfa_enrolled_at ${bigint},
  created_at ${bigint} NOT NULL,
  disabled ${bool} NOT NULL
);
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  kind TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  created_at ${bigint} NOT NULL,
  expires_at ${bigint} NOT NULL,
  revoked_at ${bigint},
  mfa_at ${bigint},
  label TEXT
);
CREATE INDEX tokens_user ON tokens(user_id);
CREATE TABLE agents (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  env TEXT NOT NULL,
  owner TEXT NOT NULL,
  tags_json TEXT NOT NULL,
  credential_hash TEXT NOT NULL UNIQUE,
  created_at ${bigint} NOT NULL,
  revoked_at ${bigint}
);
CREATE TABLE access_requests (
  id TEXT PRIMARY KEY,
  requester_id TEXT NOT NULL REFERENCES users(id),
  status TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_at ${bigint} NOT NULL,
  record_json TEXT NOT NULL
);
CREATE INDEX access_requests_status ON access_requests(status);
CREATE INDEX access_requests_requester ON access_requests(requester_id);
CREATE TABLE approvals (
  request_id TEXT NOT NULL REFERENCES access_requests(id),
  approver_id TEXT NOT NULL REFERENCES users(id),
  verdict TEXT NOT NULL,
  digest TEXT NOT NULL,
  comment TEXT,
  created_at ${bigint} NOT NULL,
  approver_name TEXT NOT NULL,
  PRIMARY KEY (request_id, approver_id)
);
CREATE TABLE audit_events (
  seq ${bigint} PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  time TEXT NOT NULL,
  type TEXT NOT NULL,
  actor TEXT NOT NULL,
  session_id TEXT,
  action TEXT,
  target TEXT,
  outcome TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  event TEXT NOT NULL
);
CREATE INDEX audit_session ON audit_events(session_id);
CREATE INDEX audit_time ON audit_events(time);
CREATE TABLE sink_cursors (
  sink TEXT PRIMARY KEY,
  seq ${bigint} NOT NULL
);
`;
}

/** Audit rows can be neither changed nor deleted (nor truncated, in PostgreSQL). */
export function auditAppendOnly(dialect: 'sqlite' | 'postgres'): string {
  return dialect === 'sqlite'
    ? `
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
`
    : `
CREATE FUNCTION glovebox_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION glovebox_audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION glovebox_audit_append_only();
`;
}

/** Signed audit checkpoints, append-only like the events they cover. */
export function checkpointTable(dialect: 'sqlite' | 'postgres', bigint: string): string {
  return (
    `CREATE TABLE audit_checkpoints (seq ${bigint} PRIMARY KEY, checkpoint TEXT NOT NULL);` +
    (dialect === 'sqlite'
      ? `CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;`
      : `CREATE TRIGGER checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints
FOR EACH ROW EXECUTE FUNCTION glovebox_audit_append_only();`)
  );
}

/** Single sign-on identities and WebAuthn credentials. */
export function ssoAndWebauthnTables(bigint: string): string {
  return `
CREATE TABLE sso_identities (
  issuer TEXT NOT NULL,
  subject TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id),
  created_at ${bigint} NOT NULL,
  PRIMARY KEY (issuer, subject)
);
CREATE TABLE webauthn_credentials (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  public_key TEXT NOT NULL,
  counter ${bigint} NOT NULL,
  transports_json TEXT NOT NULL,
  created_at ${bigint} NOT NULL,
  last_used_at ${bigint}
);
CREATE INDEX webauthn_credentials_user ON webauthn_credentials(user_id);
`;
}

/** Recordings of streamed output (asciicast v2). */
export function recordingsTable(bigint: string): string {
  return `CREATE TABLE recordings (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  action TEXT NOT NULL,
  actor TEXT NOT NULL,
  created_at ${bigint} NOT NULL,
  chunks INTEGER NOT NULL,
  bytes ${bigint} NOT NULL,
  cast_text TEXT NOT NULL
);
CREATE INDEX recordings_session ON recordings(session_id);`;
}

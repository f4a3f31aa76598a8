import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { newId } from '@glovebox/core';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ChainedEvent } from '@glovebox/audit';
import { buildServer, type Gateway } from '../server.js';
import type { Actor } from '../services/identity.js';
import type { AccessRequestRecord } from '../store/index.js';

const POLICIES = fileURLToPath(new URL('../../../../examples/policies', import.meta.url));
export const ADMIN_TOKEN = 'gbx_t_admin-bootstrap-token-route-tests-00';

/** The roles the route table is tested with; `owner` asked for the sessions, nobody else did. */
export const ROLES = ['anonymous', 'engineer', 'approver', 'auditor', 'admin', 'owner', 'non-owner'] as const;
export type Role = (typeof ROLES)[number];

const GROUPS: Record<Exclude<Role, 'anonymous' | 'admin'>, { name: string; groups: string[] }> = {
  engineer: { name: 'erin', groups: ['engineers'] },
  approver: { name: 'sam', groups: ['sre-leads'] },
  auditor: { name: 'audrey', groups: ['auditors'] },
  owner: { name: 'olive', groups: ['engineers'] },
  'non-owner': { name: 'nora', groups: [] },
};

/** A gateway on SQLite or PostgreSQL (the example policies), a user per role and a prod target. */
export interface RouteTestGateway {
  gw: Gateway;
  /** A fresh API token for the role (fresh MFA); null for anonymous. */
  token(role: Role): Promise<string | null>;
  actor(role: Exclude<Role, 'anonymous'>): Promise<Actor>;
  /** A new session of `owner` on the prod target, in the given state. */
  session(state: 'pending' | 'active' | 'ended'): Promise<AccessRequestRecord>;
  /** A downloadable (kept) artifact of the session, and a recording of it; their ids. */
  evidence(sessionId: string): Promise<{ artifact: string; recording: string }>;
  /** The newest `authz.denied` event with a deny decision (its seq is 0 when there is none). */
  lastDenial(): Promise<{ seq: number; event: ChainedEvent | null }>;
  close(): Promise<void>;
}

export async function startRouteTestGateway(store?: string, listen = false): Promise<RouteTestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-routes-'));
  const gw = buildServer({
    dataDir: dir,
    ...(store ? { store } : {}),
    policiesDir: POLICIES,
    bootstrapToken: ADMIN_TOKEN,
    watchPolicies: false,
    port: 0,
    logDestination: new Writable({ write: (_c, _e, done) => done() }),
  });
  if (listen) await gw.listen();
  else await gw.ready();
  const s = gw.services;
  mkdirSync(join(dir, 'artifacts'), { recursive: true });
  const ids = new Map<Role, string>();
  const admin = await s.store.getUserByName('admin');
  ids.set('admin', admin!.id);
  for (const [role, u] of Object.entries(GROUPS)) {
    const user = await s.identity.createUser(u.name, u.groups, null);
    ids.set(role as Role, user.id);
  }
  await s.store.createAgent({
    id: 'agt_payments',
    name: 'payments',
    env: 'prod',
    owner: 'payments-team',
    tags: {},
    credentialHash: 'x'.repeat(64),
    createdAt: s.config.clock.now(),
    revokedAt: null,
  });
  const actor = async (role: Exclude<Role, 'anonymous'>): Promise<Actor> => {
    const user = (await s.store.getUserById(ids.get(role)!))!;
    const { record } = await s.identity.issueToken(user.id, 'api', 3600_000, null);
    await s.store.setTokenMfaAt(record.id, s.config.clock.now());
    return {
      userId: user.id,
      name: user.name,
      groups: user.groups,
      tokenId: record.id,
      tokenKind: 'api',
      mfaAt: s.config.clock.now(),
    };
  };
  return {
    gw,
    actor,
    async token(role) {
      if (role === 'anonymous') return null;
      const { token, record } = await s.identity.issueToken(ids.get(role)!, 'api', 3600_000, null);
      await s.store.setTokenMfaAt(record.id, s.config.clock.now());
      return token;
    },
    async session(state) {
      const owner = await actor('owner');
      const pending = await s.access.create(owner, {
        target: 'payments',
        actions: ['facts'],
        reason: 'route table test session',
        breakGlass: false,
      });
      if (state === 'pending') return pending;
      const active = await s.access.approve(await actor('approver'), pending.id, pending.digest, null);
      if (state === 'active') return active;
      return s.access.end(owner, active.id);
    },
    async evidence(sessionId) {
      const artifact = newId('art');
      writeFileSync(join(dir, 'artifacts', `${artifact}.heapsnapshot`), '{}');
      const now = s.config.clock.now();
      s.artifacts.stored({
        id: artifact,
        sessionId,
        actor: 'olive',
        action: 'heapsnapshot',
        sha256: '0'.repeat(64),
        bytes: 2,
        createdAt: now,
        expiresAt: 3600_000,
        keep: true,
        released: false,
      });
      s.artifacts.release(artifact);
      const recording = newId('rec');
      await s.store.saveRecording({
        id: recording,
        sessionId,
        action: 'facts',
        actor: 'olive',
        createdAt: now,
        chunks: 0,
        bytes: 0,
        cast: '',
      });
      return { artifact, recording };
    },
    async lastDenial() {
      const [row] = await s.store.queryAudit({
        type: 'authz.denied',
        decision: 'deny',
        order: 'desc',
        limit: 1,
      });
      return row ? { seq: row.seq, event: JSON.parse(row.event) as ChainedEvent } : { seq: 0, event: null };
    },
    async close() {
      await gw.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

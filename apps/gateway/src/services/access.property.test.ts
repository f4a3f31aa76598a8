import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { ManualClock, isGloveboxError } from '@glovebox/core';
import { PolicyEngine } from '@glovebox/policy';
import { createRedactor } from '@glovebox/redact';
import { SqliteStore } from '../store/sqlite-store.js';
import type { AccessRequestRecord } from '../store/types.js';
import { AccessService } from './access.js';
import { AuditService } from './audit-service.js';
import { Authorizer } from './authorizer.js';
import type { Actor } from './identity.js';

const POLICIES = fileURLToPath(new URL('../../../../examples/policies', import.meta.url));
const START = Date.parse('2026-11-25T10:00:00Z');

const people: Record<string, Actor> = {
  alice: {
    userId: 'u-alice',
    name: 'alice',
    groups: ['engineers'],
    tokenId: 't1',
    tokenKind: 'session',
    mfaAt: START,
  },
  bob: {
    userId: 'u-bob',
    name: 'bob',
    groups: ['engineers', 'sre-leads'],
    tokenId: 't2',
    tokenKind: 'session',
    mfaAt: START,
  },
  dave: {
    userId: 'u-dave',
    name: 'dave',
    groups: ['sre-leads'],
    tokenId: 't3',
    tokenKind: 'session',
    mfaAt: START,
  },
  erin: {
    userId: 'u-erin',
    name: 'erin',
    groups: ['engineers'],
    tokenId: 't4',
    tokenKind: 'session',
    mfaAt: START,
  },
};

type Step =
  | { kind: 'approve'; who: keyof typeof people; staleDigest: boolean }
  | { kind: 'deny'; who: keyof typeof people }
  | { kind: 'end'; who: keyof typeof people }
  | { kind: 'advance'; ms: number }
  | { kind: 'reap' }
  | { kind: 'act'; who: keyof typeof people };

const who = fc.constantFrom<keyof typeof people>('alice', 'bob', 'dave', 'erin');
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('approve' as const), who, staleDigest: fc.boolean() }),
  fc.record({ kind: fc.constant('deny' as const), who }),
  fc.record({ kind: fc.constant('end' as const), who }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1_000, max: 40 * 60_000 }) }),
  fc.record({ kind: fc.constant('reap' as const) }),
  fc.record({ kind: fc.constant('act' as const), who }),
);

const ALLOWED: Record<string, string[]> = {
  pending: ['pending', 'active', 'denied', 'expired'],
  active: ['active', 'ended'],
  denied: ['denied'],
  expired: ['expired'],
  ended: ['ended'],
};

test('request/approval state machine keeps its invariants under any sequence of operations', async () => {
  const engine = new PolicyEngine();
  const loaded = await engine.reload(POLICIES);
  assert.ok(loaded.ok, 'example policies load');
  await fc.assert(
    fc.asyncProperty(fc.array(step, { maxLength: 12 }), async (steps) => {
      const dir = mkdtempSync(join(tmpdir(), 'gbx-prop-'));
      const store = new SqliteStore(join(dir, 'db'));
      try {
        await store.migrate();
        const clock = new ManualClock(START);
        for (const p of Object.values(people)) {
          await store.createUser({
            id: p.userId,
            name: p.name,
            groups: p.groups,
            passwordHash: null,
            totpSecretEnc: null,
            mfaEnrolledAt: null,
            createdAt: START,
            disabled: false,
          });
        }
        await store.createAgent({
          id: 'a1',
          name: 'svc-prod',
          env: 'prod',
          owner: 'payments',
          tags: {},
          credentialHash: 'h',
          createdAt: START,
          revokedAt: null,
        });
        const authorizer = new Authorizer({ engine, clock, timeZone: 'UTC' });
        const audit = new AuditService({ store, clock, redactor: createRedactor() });
        const ended: string[] = [];
        const access = new AccessService({
          store,
          clock,
          authorizer,
          audit,
          listener: { sessionActivated: () => undefined, sessionEnded: (s) => ended.push(s.id) },
          notify: () => undefined,
          pendingTtlMs: 30 * 60_000,
        });
        const fresh = (a: Actor): Actor => ({ ...a, mfaAt: clock.now() });
        const created = await access.create(fresh(people.alice!), {
          target: 'svc-prod',
          actions: ['facts'],
          reason: 'incident',
          breakGlass: false,
        });
        assert.equal(created.status, 'pending');
        let previous: AccessRequestRecord = created;
        for (const s of steps) {
          try {
            switch (s.kind) {
              case 'approve':
                await access.approve(
                  fresh(people[s.who]!),
                  created.id,
                  s.staleDigest ? '0'.repeat(64) : created.digest,
                  null,
                );
                break;
              case 'deny':
                await access.deny(fresh(people[s.who]!), created.id, null, false);
                break;
              case 'end':
                await access.end(fresh(people[s.who]!), created.id);
                break;
              case 'advance':
                clock.advance(s.ms);
                break;
              case 'reap':
                await access.reap();
                break;
              case 'act':
                await access.authorizeAction(
                  fresh(people[s.who]!),
                  await access.readSession(created.id),
                  'facts',
                );
                break;
            }
          } catch (error) {
            if (!isGloveboxError(error)) throw error;
          }
          const now = (await store.getRequest(created.id))!;
          assert.ok(ALLOWED[previous.status]!.includes(now.status), `${previous.status} -> ${now.status}`);
          const approvals = (await store.listApprovals(created.id)).filter((a) => a.verdict === 'approve');
          assert.ok(
            approvals.every((a) => a.approverId !== people.alice!.userId),
            'nobody approves their own request',
          );
          assert.equal(
            new Set(approvals.map((a) => a.approverId)).size,
            approvals.length,
            'each approver counted once',
          );
          assert.ok(
            approvals.every((a) => a.digest === created.digest),
            'approvals are bound to the exact request',
          );
          if (now.status === 'active') {
            assert.ok(approvals.length >= now.obligations.approvals, 'active only with enough approvals');
            assert.ok(
              approvals.every((a) => ['u-bob', 'u-dave'].includes(a.approverId)),
              'only eligible approvers',
            );
          }
          previous = now;
        }
        await access.reap();
        const last = (await store.getRequest(created.id))!;
        if (last.status === 'active') {
          assert.ok(last.expiresAt! > clock.now(), 'an active session is within its TTL after a reap');
          assert.ok(
            last.lastActivityAt! + last.obligations.idleTimeoutSec * 1000 > clock.now(),
            'and within its idle timeout',
          );
        }
        if (last.status === 'pending') assert.ok(last.pendingExpiresAt > clock.now());
        if (ended.length > 0) assert.equal(last.status, 'ended', 'agents are told only about real ends');
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: 60 },
  );
});

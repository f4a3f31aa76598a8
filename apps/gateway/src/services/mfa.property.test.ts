import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { authenticator } from 'otplib';
import { GloveboxError, ManualClock } from '@glovebox/core';
import { TEST_STORES } from '../store/test-stores.js';
import type { Store } from '../store/index.js';
import { IdentityService, type Actor } from './identity.js';
import { SecretBox } from './secrets.js';

const PASSWORD = 'property-password-1';

type Command =
  | { kind: 'login' }
  | { kind: 'enroll'; withTicket: boolean }
  | { kind: 'confirm' }
  | { kind: 'verify' }
  | { kind: 'adminTicket' }
  | { kind: 'reset' }
  | { kind: 'wait'; minutes: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.constant({ kind: 'login' as const }),
  fc.record({ kind: fc.constant('enroll' as const), withTicket: fc.boolean() }),
  fc.constant({ kind: 'confirm' as const }),
  fc.constant({ kind: 'verify' as const }),
  fc.constant({ kind: 'adminTicket' as const }),
  fc.constant({ kind: 'reset' as const }),
  fc.record({ kind: fc.constant('wait' as const), minutes: fc.constantFrom(1, 20) }),
);

/** What the test saw, independent of the implementation: the facts the invariants speak about. */
interface Ghost {
  /** The bearer of the current login. */
  token: string;
  /** Tickets the admin issued and nobody used yet. */
  tickets: string[];
  /** The confirmed TOTP secret and the login that confirmed it. */
  factor: { secret: string; confirmedIn: string } | null;
  pending: string | null;
  /** Logins that proved a factor at login (OTP) or with a verify that counted. */
  proved: Set<string>;
}

async function run(store: Store, clock: ManualClock, commands: Command[]): Promise<void> {
  const identity = new IdentityService({
    store,
    clock,
    secrets: new SecretBox(randomBytes(32)),
    sessionTokenTtlMs: 24 * 3600_000,
    credentialLimits: { windowMs: 60_000, perUserAndSource: 1000, perUser: 1000, perSource: 1000 },
    maxGroupStalenessMs: 3600_000,
  });
  const user = await identity.createUser(`p-${randomBytes(5).toString('hex')}`, ['engineers'], PASSWORD);
  // Codes are single use per step: every code the test computes is for a step nobody used yet.
  const code = (secret: string) => {
    clock.advance(30_000);
    return authenticator.clone({ epoch: clock.now() }).generate(secret);
  };
  const login = async (g: Ghost | null): Promise<string> => {
    const otp = g?.factor ? code(g.factor.secret) : undefined;
    const { token, record } = await identity.login(user.name, PASSWORD, otp, '192.0.2.1');
    if (otp !== undefined && g) g.proved.add(record.id);
    return token;
  };
  const g: Ghost = { token: await login(null), tickets: [], factor: null, pending: null, proved: new Set() };
  const actorNow = (): Promise<Actor> => identity.authenticate(g.token, '127.0.0.1');
  const codeOf = (e: unknown) => (e instanceof GloveboxError ? e.code : String(e));
  for (const c of commands) {
    const before = await actorNow();
    const freshBefore = before.mfaAt !== null && clock.now() - before.mfaAt <= 15 * 60_000;
    try {
      if (c.kind === 'login') {
        g.token = await login(g);
        g.pending = null;
      } else if (c.kind === 'enroll') {
        const ticket = c.withTicket ? g.tickets[0] : undefined;
        const r = await identity.mfa.enrollTotp(before, ticket);
        // A factor is added only with an admin's unused ticket or a fresh second factor of this login.
        assert.ok(
          freshBefore || (ticket !== undefined && r.grant === 'ticket'),
          'enrolled with a password only',
        );
        if (r.grant === 'ticket') g.tickets.shift();
        g.pending = r.secret;
      } else if (c.kind === 'confirm' && g.pending) {
        const r = await identity.mfa.verifyTotp(before, code(g.pending));
        assert.equal(r.enrolled, true);
        g.factor = { secret: g.pending, confirmedIn: before.tokenId };
        g.pending = null;
      } else if (c.kind === 'verify' && g.factor) {
        const r = await identity.mfa.verifyTotp(before, code(g.factor.secret));
        assert.equal(r.enrolled, false);
        assert.notEqual(
          g.factor.confirmedIn,
          before.tokenId,
          'a factor counted in the login that enrolled it',
        );
        g.proved.add(before.tokenId);
      } else if (c.kind === 'adminTicket') {
        g.tickets.push((await identity.mfa.issueTicket(user.id)).ticket);
      } else if (c.kind === 'reset') {
        g.tickets.push((await identity.mfa.reset(user.id)).ticket);
        g.factor = null;
        g.pending = null;
      } else if (c.kind === 'wait') {
        clock.advance(c.minutes * 60_000);
      }
    } catch (error) {
      if (error instanceof assert.AssertionError) throw error;
      const expected = ['GBX_MFA_TICKET_REQUIRED', 'GBX_STEP_UP_REQUIRED', 'GBX_MFA_SAME_LOGIN'];
      assert.ok(expected.includes(codeOf(error)), `unexpected ${codeOf(error)} on ${c.kind}`);
      if (c.kind === 'verify') assert.equal(g.factor?.confirmedIn, before.tokenId);
      if (c.kind === 'enroll') assert.ok(!freshBefore, 'refused despite a fresh factor');
    }
    // Step-up looks at the login's MFA time: it is set only by a factor proven in this login that
    // another login enrolled (never by enrolling, never by a password).
    const after = await actorNow();
    if (after.mfaAt !== null)
      assert.ok(g.proved.has(after.tokenId), 'step-up satisfied without a proven factor');
  }
}

for (const kind of TEST_STORES) {
  test(`MFA state sequences never let a factor satisfy step-up in the login that enrolled it (${kind.name})`, async () => {
    const opened = await kind.open();
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 12 }), async (commands) => {
          await run(opened.store, new ManualClock(Date.parse('2026-12-01T00:00:00Z')), commands);
        }),
        { numRuns: kind.name === 'sqlite' ? 25 : 6 },
      );
    } finally {
      await opened.dispose();
    }
  });
}

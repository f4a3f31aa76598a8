import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { compileBundle } from './bundle.js';
import type { LoadedPolicySet } from './loader.js';
import { compareOutcomes, replayDecisions, type ReplayCase } from './replay.js';
import { GLOVEBOX_SCHEMA } from './schema.js';
import { context, request } from './test-helpers.js';

function compile(policies: string): LoadedPolicySet {
  const result = compileBundle({
    files: [
      { path: 'glovebox.cedarschema', text: GLOVEBOX_SCHEMA },
      { path: 'p.cedar', text: policies },
    ],
  });
  assert.ok(result.ok, result.ok ? '' : result.errors.join('\n'));
  return result.set;
}

const STAGING = `@id("staging-inspect") @maxDuration("4h")
permit (principal in Glovebox::Group::"engineers", action in Glovebox::Action::"inspect", resource is Glovebox::Target)
when { resource.env == "staging" };`;
const PROD = `@id("prod-inspect") @maxDuration("1h") @approvals("1") @approverGroups("sre-leads")
permit (principal in Glovebox::Group::"engineers", action in Glovebox::Action::"inspect", resource is Glovebox::Target)
when { resource.env == "prod" };`;
const ADMIN = `@id("admins") permit (principal in Glovebox::Group::"admins", action == Glovebox::Action::"administer", resource is Glovebox::Gateway);`;

const staging = { kind: 'target', name: 'api', env: 'staging', owner: '', tags: {} } as const;
const prod = { kind: 'target', name: 'billing', env: 'prod', owner: '', tags: {} } as const;

const history: ReplayCase[] = [
  { ref: 'e1', request: request({ action: 'facts', resource: staging }), recorded: 'allow' },
  { ref: 'e2', request: request({ action: 'eval', resource: staging }), recorded: 'allow' },
  { ref: 'e3', request: request({ action: 'facts', resource: prod }), recorded: 'allow' },
  {
    ref: 'e4',
    request: request({
      principal: { id: 'mallory', groups: ['contractors'] },
      action: 'facts',
      resource: staging,
    }),
    recorded: 'deny',
  },
  {
    ref: 'e5',
    request: request({
      principal: { id: 'root', groups: ['admins'] },
      action: 'administer',
      resource: { kind: 'gateway' },
      context: context({ requester: 'root' }),
    }),
    recorded: 'allow',
  },
];

test('replay lists exactly the recorded decisions a change flips, with their kinds', () => {
  const before = compile([STAGING, PROD, ADMIN].join('\n'));
  // eval on staging is forbidden now, contractors may read facts on staging, prod needs two
  // approvals with strict masking and a shorter session; admins unchanged.
  const after = compile(
    [
      STAGING,
      PROD.replace('@approvals("1")', '@approvals("2") @masking("strict")').replace('"1h"', '"30m"'),
      ADMIN,
      `@id("no-eval-staging") forbid (principal, action == Glovebox::Action::"eval", resource is Glovebox::Target) when { resource.env == "staging" };`,
      `@id("contractors-facts") permit (principal in Glovebox::Group::"contractors", action == Glovebox::Action::"facts", resource is Glovebox::Target) when { resource.env == "staging" };`,
    ].join('\n'),
  );
  const report = replayDecisions(before, after, history);
  assert.equal(report.replayed, 5);
  assert.equal(report.unchanged, 2);
  assert.equal(report.drifted, 0);
  assert.deepEqual(
    report.changes.map((c) => [c.ref, c.kinds]),
    [
      ['e2', ['allow-to-deny']],
      ['e3', ['obligations-tightened']],
      ['e4', ['deny-to-allow']],
    ],
  );
  const e3 = report.changes[1]!;
  assert.deepEqual(
    e3.obligations.map((o) => [o.field, o.before, o.after, o.direction]),
    [
      ['maxDurationSec', 3600, 1800, 'tightened'],
      ['approvals', 1, 2, 'tightened'],
      ['masking', 'standard', 'strict', 'tightened'],
    ],
  );
  assert.deepEqual(report.changes[0]!.after.determiningPolicies, ['no-eval-staging']);
  assert.equal(report.counts['allow-to-deny'], 1);
  assert.equal(report.counts['deny-to-allow'], 1);
  assert.equal(report.counts['obligations-tightened'], 1);

  // the same change the other way round: every flip reverses
  const back = replayDecisions(after, before, history);
  assert.deepEqual(
    back.changes.map((c) => [c.ref, c.kinds]),
    [
      ['e2', ['deny-to-allow']],
      ['e3', ['obligations-loosened']],
      ['e4', ['allow-to-deny']],
    ],
  );
});

test('replay counts recorded decisions the active set already decides differently as drift', () => {
  const active = compile([STAGING, ADMIN].join('\n'));
  const report = replayDecisions(active, active, history);
  assert.equal(report.changes.length, 0);
  // e3 (prod facts) was allowed when recorded; the active set has no prod permit
  assert.equal(report.drifted, 1);
});

test('step-up appearing or disappearing is a change; approver groups only count with approvals', () => {
  const mfa = `@id("fresh-mfa") @stepUp("mfa") @reason("MFA") forbid (principal, action, resource is Glovebox::Target) when { context.mfaAgeSec > 300 };`;
  const before = compile(
    [STAGING, `@id("nobody") forbid (principal in Glovebox::Group::"x", action, resource);`].join('\n'),
  );
  const after = compile([STAGING, mfa].join('\n'));
  const stale = {
    ref: 's',
    request: request({ action: 'facts', resource: staging, context: context({ mfaAgeSec: 4000 }) }),
  };
  assert.deepEqual(
    replayDecisions(before, after, [stale]).changes.map((c) => c.kinds),
    [['allow-to-deny']],
  );
  const both = compile(
    [
      STAGING,
      mfa,
      `@id("other") @reason("no") forbid (principal, action, resource) when { context.breakGlass };`,
    ].join('\n'),
  );
  const glass = {
    ref: 'g',
    request: request({
      action: 'facts',
      resource: staging,
      context: context({ mfaAgeSec: 4000, breakGlass: true }),
    }),
  };
  assert.deepEqual(
    replayDecisions(after, both, [glass]).changes.map((c) => c.kinds),
    [['step-up-removed']],
  );
  const o = {
    maxDurationSec: 60,
    idleTimeoutSec: 60,
    approvals: 0,
    approverGroups: [],
    masking: 'standard' as const,
    keepArtifactsSec: 0,
    outlivesLogin: false,
  };
  assert.deepEqual(
    compareOutcomes(
      { decision: 'allow', stepUp: false, determiningPolicies: [], obligations: o },
      {
        decision: 'allow',
        stepUp: false,
        determiningPolicies: [],
        obligations: { ...o, approvals: 1, approverGroups: ['leads'] },
      },
    ).obligations.map((c) => c.field),
    ['approvals'],
  );
});

test('property: a set replayed against itself changes nothing', () => {
  const set = compile([STAGING, PROD, ADMIN].join('\n'));
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          groups: fc.subarray(['engineers', 'admins', 'contractors']),
          action: fc.constantFrom('facts', 'eval', 'exec', 'request') as fc.Arbitrary<'facts'>,
          env: fc.constantFrom('staging', 'prod', 'dev'),
          mfaAgeSec: fc.nat(10_000),
        }),
        { maxLength: 20 },
      ),
      (rows) => {
        const cases = rows.map((r, i) => ({
          ref: String(i),
          request: request({
            principal: { id: 'u', groups: r.groups },
            action: r.action,
            resource: { ...staging, env: r.env },
            context: context({ mfaAgeSec: r.mfaAgeSec, requester: 'u' }),
          }),
        }));
        const report = replayDecisions(set, set, cases);
        return report.changes.length === 0 && report.unchanged === cases.length;
      },
    ),
    { numRuns: 50 },
  );
});

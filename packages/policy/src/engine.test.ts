import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { DEBUG_ACTIONS, POLICY_ACTIONS } from '@glovebox/protocol';
import { sanitizeCedarMessage, wasm } from './cedar.js';
import { PolicyEngine, type PolicyLogger, type ReloadResult } from './engine.js';
import { loadPolicyDir } from './bundle.js';
import { GATEWAY_ACTIONS, type AuthzRequest } from './request.js';
import { GLOVEBOX_SCHEMA, MFA_NEVER_SEC } from './schema.js';
import { context, EXAMPLES_DIR, policyDir, request } from './test-helpers.js';
import { watchPolicyDir } from './watch.js';

const ALLOW_FACTS = `@id("allow-facts")
permit (principal in Glovebox::Group::"engineers", action == Glovebox::Action::"facts", resource is Glovebox::Target);`;
// Long overflow at runtime: Cedar reports an error for this policy and skips it.
const ERRORING_FORBID = `@id("overflowing-forbid") @reason("never reached")
forbid (principal, action, resource) when { context.mfaAgeSec + 9223372036854775807 > 0 };`;

function recordingLogger(): PolicyLogger & {
  lines: { level: string; object: Record<string, unknown>; message: string }[];
} {
  const lines: { level: string; object: Record<string, unknown>; message: string }[] = [];
  return {
    lines,
    info: (object, message) => lines.push({ level: 'info', object, message }),
    error: (object, message) => lines.push({ level: 'error', object, message }),
  };
}

async function engineFor(files: Record<string, string>): Promise<PolicyEngine> {
  const engine = new PolicyEngine();
  const result = await engine.reload(await policyDir(files));
  assert.ok(result.ok, result.errors.join('\n'));
  return engine;
}

test('an engine with no valid policy set denies everything', async () => {
  const logger = recordingLogger();
  const engine = new PolicyEngine({ logger });
  const decision = engine.authorize(request());
  assert.equal(decision.allowed, false);
  assert.equal(decision.code, 'GBX_POLICY_UNAVAILABLE');
  assert.equal(decision.policyVersion, 'none');
  const result = await engine.reload(await policyDir({ 'a.cedar': 'permit (principal, action, resource);' }));
  assert.equal(result.ok, false);
  assert.equal(engine.ready, false);
  assert.equal(engine.authorize(request()).allowed, false);
  assert.match(logger.lines.at(-1)?.message ?? '', /REFUSED; no policy set is active/);
});

test('a forbid that errors at runtime still denies (Cedar alone would allow)', async () => {
  const dir = await policyDir({ 'a.cedar': `${ALLOW_FACTS}\n${ERRORING_FORBID}` });
  const loaded = await loadPolicyDir(dir);
  assert.ok(loaded.ok);
  const engine = new PolicyEngine();
  assert.deepEqual(engine.activate(loaded.set), []);

  // The premise: Cedar skips the erroring forbid and allows.
  const raw = wasm.isAuthorized({
    principal: { type: 'Glovebox::User', id: 'alice' },
    action: { type: 'Glovebox::Action', id: 'facts' },
    resource: { type: 'Glovebox::Target', id: 'api' },
    context: {
      reason: '',
      mfaAgeSec: 1,
      breakGlass: false,
      localHour: 1,
      weekday: 1,
      requester: { __entity: { type: 'Glovebox::User', id: 'alice' } },
    },
    entities: [
      {
        uid: { type: 'Glovebox::User', id: 'alice' },
        attrs: {},
        parents: [{ type: 'Glovebox::Group', id: 'engineers' }],
      },
      { uid: { type: 'Glovebox::Target', id: 'api' }, attrs: { env: 'staging' }, parents: [], tags: {} },
    ],
    policies: { staticPolicies: Object.fromEntries(loaded.set.policies.map((p) => [p.id, p.text])) },
  });
  assert.equal(raw.type === 'success' && raw.response.decision, 'allow');

  const decision = engine.authorize(request({ context: context({ mfaAgeSec: 1 }) }));
  assert.equal(decision.allowed, false);
  assert.deepEqual(decision.determiningPolicies, ['overflowing-forbid']);
  assert.match(decision.errors.join(), /policy "overflowing-forbid" failed to evaluate: integer overflow/);
  assert.equal(decision.obligations, undefined);
});

test('a permit that errors denies even when another permit allows', async () => {
  const engine = await engineFor({
    'a.cedar': `${ALLOW_FACTS}\n@id("erroring-permit") permit (principal, action, resource) when { context.localHour * 9223372036854775807 > 1 };`,
  });
  const decision = engine.authorize(request({ context: context({ localHour: 5 }) }));
  assert.equal(decision.allowed, false);
  assert.deepEqual(decision.determiningPolicies, ['erroring-permit']);
});

test('Cedar messages that quote request values are sanitized', () => {
  // Cedar quotes the whole context when it rejects a request; decisions are logged and audited.
  const secret = 'hunter2-AKIAIOSFODNN7EXAMPLE';
  const raw = wasm.isAuthorized({
    principal: { type: 'Glovebox::User', id: 'alice' },
    action: { type: 'Glovebox::Action', id: 'facts' },
    resource: { type: 'Glovebox::Target', id: 'api' },
    context: {
      reason: secret,
      mfaAgeSec: 'x',
      breakGlass: false,
      localHour: 1,
      weekday: 1,
      requester: { __entity: { type: 'Glovebox::User', id: 'alice' } },
    },
    entities: [],
    schema: GLOVEBOX_SCHEMA,
    validateRequest: true,
    policies: { staticPolicies: {} },
  });
  assert.equal(raw.type, 'failure');
  const message = raw.type === 'failure' ? (raw.errors[0]?.message ?? '') : '';
  assert.ok(message.includes('hunter2'), 'premise: Cedar quotes the value');
  const clean = sanitizeCedarMessage(message);
  assert.ok(!clean.includes('hunter2'), clean);
  assert.match(clean, /is not valid for/);
  assert.equal(sanitizeCedarMessage('for policy `no-self-approval`, x'), 'for policy `no-self-approval`, x');
});

test('invalid requests are denied with a field-level reason and no secret', async () => {
  const engine = await engineFor({ 'a.cedar': ALLOW_FACTS });
  const cases: [string, unknown, RegExp][] = [
    [
      'wrong type',
      request({ context: { ...context(), mfaAgeSec: 'yes' as unknown as number } }),
      /context\.mfaAgeSec/,
    ],
    [
      'unknown field',
      request({ context: { ...context(), extra: 'sk_live_secret' } as never }),
      /context: Unrecognized key/,
    ],
    ['control character', request({ principal: { id: 'al\nice', groups: [] } }), /principal\.id/],
    ['empty group', request({ principal: { id: 'alice', groups: [''] } }), /principal\.groups\.0/],
    ['hour out of range', request({ context: context({ localHour: 24 }) }), /context\.localHour/],
    ['unknown action', request({ action: 'delete' as never }), /action/],
    ['target action on gateway', request({ resource: { kind: 'gateway' } }), /applies to a target/],
    ['gateway action on target', request({ action: 'administer' }), /request rejected/],
  ];
  for (const [name, req, error] of cases) {
    const decision = engine.authorize(req as AuthzRequest);
    assert.equal(decision.allowed, false, name);
    assert.equal(decision.code, 'GBX_POLICY_DENIED', name);
    assert.match(decision.errors.join('\n'), error, name);
    assert.ok(!decision.errors.join().includes('sk_live_secret'), name);
  }
});

test('owner and tags reach policy; an empty owner grants nothing by ownership', async () => {
  const engine = await engineFor({
    'a.cedar': `@id("owners") permit (principal, action == Glovebox::Action::"facts", resource is Glovebox::Target)
when { resource has owner && principal in resource.owner };
@id("tagged") permit (principal, action == Glovebox::Action::"snapshot", resource is Glovebox::Target)
when { resource.hasTag("tier") && resource.getTag("tier") == "gold" };`,
  });
  const target = (owner: string, tags: Record<string, string> = {}) => ({
    kind: 'target' as const,
    name: 'api',
    env: 'prod',
    owner,
    tags,
  });
  const cases: [AuthzRequest, boolean][] = [
    [request({ principal: { id: 'a', groups: ['team-a'] }, resource: target('team-a') }), true],
    [request({ principal: { id: 'a', groups: ['team-b'] }, resource: target('team-a') }), false],
    [request({ principal: { id: 'a', groups: ['team-a'] }, resource: target('') }), false],
    [request({ action: 'snapshot', resource: target('', { tier: 'gold' }) }), true],
    [request({ action: 'snapshot', resource: target('', { tier: 'silver' }) }), false],
    [request({ action: 'snapshot', resource: target('') }), false],
  ];
  for (const [req, allowed] of cases) {
    const decision = engine.authorize(req);
    assert.equal(decision.allowed, allowed, JSON.stringify(req.resource));
    assert.deepEqual(decision.errors, []);
  }
});

test('several determining permits merge what they state, most restrictive first; what one leaves unstated it does not cap', async () => {
  const engine = await engineFor({
    'a.cedar': `@id("long") @maxDuration("4h") @idleTimeout("30m")
permit (principal in Glovebox::Group::"engineers", action == Glovebox::Action::"facts", resource);
@id("approved") @maxDuration("2h") @approvals("2") @approverGroups("security") @masking("strict")
permit (principal in Glovebox::Group::"engineers", action == Glovebox::Action::"facts", resource);
@id("leads") @approvals("1") @approverGroups("sre-leads")
permit (principal in Glovebox::Group::"engineers", action == Glovebox::Action::"facts", resource);`,
  });
  const decision = engine.authorize(request());
  assert.equal(decision.allowed, true);
  assert.deepEqual(decision.determiningPolicies, ['approved', 'leads', 'long']);
  // `leads` states no duration: the stated 2h and 30m hold, not the default 1h and 15m
  assert.deepEqual(decision.obligations, {
    maxDurationSec: 7200,
    idleTimeoutSec: 1800,
    approvals: 2,
    approverGroups: ['security', 'sre-leads'],
    masking: 'strict',
    keepArtifactsSec: 0,
    maxInstances: 0,
    outlivesLogin: false,
  });
});

test('stepUp is set only when a fresh MFA would turn the deny into an allow', async () => {
  const { engine } = await PolicyEngine.fromDir(EXAMPLES_DIR);
  const prod = { kind: 'target' as const, name: 'db', env: 'prod', owner: '', tags: {} };
  const stale = engine.authorize(request({ resource: prod, context: context({ mfaAgeSec: MFA_NEVER_SEC }) }));
  assert.equal(stale.stepUp, 'mfa');
  assert.equal(stale.code, 'GBX_STEP_UP_REQUIRED');
  const outsider = engine.authorize(
    request({
      principal: { id: 'm', groups: [] },
      resource: prod,
      context: context({ mfaAgeSec: MFA_NEVER_SEC, requester: 'm' }),
    }),
  );
  assert.equal(outsider.allowed, false);
  assert.equal(outsider.stepUp, undefined);
  assert.equal(outsider.code, 'GBX_POLICY_DENIED');
});

test('reload swaps atomically, keeps the last good set on a bad one, and logs loudly', async () => {
  const logger = recordingLogger();
  const dir = await policyDir({ 'a.cedar': ALLOW_FACTS });
  const engine = new PolicyEngine({ logger });
  const first = await engine.reload(dir);
  assert.ok(first.ok);
  assert.equal(first.changed, true);
  const v1 = engine.version;
  assert.match(v1 ?? '', /^sha256:/);

  const same = await engine.reload(dir);
  assert.equal(same.changed, false);
  assert.equal(engine.version, v1);

  await writeFile(
    join(dir, 'b.cedar'),
    '@id("broken") permit (principal, action, resource) when { context.nope };',
  );
  const bad = await engine.reload(dir);
  assert.equal(bad.ok, false);
  assert.equal(bad.version, v1);
  assert.match(bad.errors.join(), /b\.cedar: policy "broken"/);
  assert.equal(engine.version, v1);
  assert.equal(engine.authorize(request()).allowed, true);
  const refusal = logger.lines.find((l) => l.level === 'error');
  assert.match(refusal?.message ?? '', /REFUSED; keeping the last good policy set/);
  assert.deepEqual(refusal?.object['keptVersion'], v1);

  await writeFile(
    join(dir, 'b.cedar'),
    '@id("no-facts") forbid (principal, action == Glovebox::Action::"facts", resource);',
  );
  const good = await engine.reload(dir);
  assert.ok(good.ok);
  assert.notEqual(engine.version, v1);
  const decision = engine.authorize(request());
  assert.equal(decision.allowed, false);
  assert.deepEqual(decision.determiningPolicies, ['no-facts']);
  assert.equal(decision.policyVersion, engine.version);
});

test('concurrent reloads apply in call order', async () => {
  const a = await policyDir({ 'a.cedar': ALLOW_FACTS });
  const b = await policyDir({ 'b.cedar': '@id("none") forbid (principal, action, resource);' });
  const engine = new PolicyEngine();
  const results = await Promise.all([engine.reload(a), engine.reload(b), engine.reload(a)]);
  assert.ok(results.every((r) => r.ok));
  assert.equal(engine.version, results[0]?.version);
  assert.equal(results[1]?.previousVersion, results[0]?.version);
});

test('describe() lists every policy with effective obligations', async () => {
  const { engine } = await PolicyEngine.fromDir(EXAMPLES_DIR);
  const description = engine.describe();
  assert.equal(description.version, engine.version);
  assert.equal(description.schema, GLOVEBOX_SCHEMA);
  const prod = description.policies.find((p) => p.id === 'engineers-prod-inspect');
  assert.deepEqual(prod?.obligations, {
    maxDurationSec: 3600,
    idleTimeoutSec: 900,
    approvals: 1,
    approverGroups: ['sre-leads'],
    masking: 'standard',
    keepArtifactsSec: 0,
    maxInstances: 0,
    outlivesLogin: false,
  });
  const mfa = description.policies.find((p) => p.id === 'prod-requires-fresh-mfa');
  assert.equal(mfa?.effect, 'forbid');
  assert.equal(mfa?.stepUp, 'mfa');
  assert.equal(mfa?.obligations, undefined);
  assert.match(mfa?.text ?? '', /context\.mfaAgeSec > 900/);
  assert.deepEqual(new PolicyEngine().describe().policies, []);
});

test('watchPolicyDir reloads after a change and reports refusals', async () => {
  const dir = await policyDir({ 'a.cedar': ALLOW_FACTS });
  const { engine } = await PolicyEngine.fromDir(dir);
  const v1 = engine.version;
  const results: ReloadResult[] = [];
  let notify: () => void = () => undefined;
  const stop = watchPolicyDir(
    dir,
    engine,
    (r) => {
      results.push(r);
      notify();
    },
    { debounceMs: 20 },
  );
  const next = (): Promise<void> => new Promise((resolve) => (notify = resolve));
  try {
    let wait = next();
    await writeFile(
      join(dir, 'b.cedar'),
      '@id("b") forbid (principal, action == Glovebox::Action::"eval", resource);',
    );
    await wait;
    assert.ok(results.at(-1)?.ok);
    assert.notEqual(engine.version, v1);
    const v2 = engine.version;
    wait = next();
    await writeFile(join(dir, 'b.cedar'), 'garbage');
    await wait;
    assert.equal(results.at(-1)?.ok, false);
    assert.equal(engine.version, v2);
    wait = next();
    await rm(join(dir, 'b.cedar'));
    await wait;
    assert.equal(engine.version, v1);
  } finally {
    stop();
  }
});

// Property: over the shipped policy set and random requests, an allow always names at least one
// determining permit, never comes with errors, and always carries obligations.
test('property: no allow without a determining permit', async () => {
  const { engine } = await PolicyEngine.fromDir(EXAMPLES_DIR);
  const permits = new Set(
    engine
      .describe()
      .policies.filter((p) => p.effect === 'permit')
      .map((p) => p.id),
  );
  const groups = fc.uniqueArray(
    fc.constantFrom('engineers', 'sre-leads', 'oncall', 'admins', 'auditors', 'x', 'payments-team'),
    { maxLength: 4 },
  );
  const arbRequest = fc.record({
    principal: fc.record({ id: fc.constantFrom('alice', 'sam', 'olga'), groups }),
    action: fc.constantFrom(...POLICY_ACTIONS),
    env: fc.constantFrom('staging', 'prod', 'dev', ''),
    owner: fc.constantFrom('', 'payments-team', 'engineers'),
    context: fc.record(
      {
        reason: fc.constantFrom('', 'INC-1', 'x'.repeat(100)),
        mfaAgeSec: fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.constant(MFA_NEVER_SEC)),
        breakGlass: fc.boolean(),
        localHour: fc.integer({ min: 0, max: 23 }),
        weekday: fc.integer({ min: 0, max: 6 }),
        requester: fc.constantFrom('alice', 'sam', 'olga'),
        commandClass: fc.constantFrom('read', 'mutating', 'weird'),
        sqlClass: fc.constantFrom('read', 'write', 'ddl', 'admin'),
        sqlSchemas: fc.uniqueArray(fc.constantFrom('public', 'payments'), { maxLength: 2 }),
        sqlFunctions: fc.uniqueArray(fc.constantFrom('now', 'dblink'), { maxLength: 2 }),
        sqlDeleteWithoutWhere: fc.boolean(),
      },
      { requiredKeys: ['reason', 'mfaAgeSec', 'breakGlass', 'localHour', 'weekday', 'requester'] },
    ),
  });
  fc.assert(
    fc.property(arbRequest, (r) => {
      const req: AuthzRequest = {
        principal: r.principal,
        action: r.action,
        resource: GATEWAY_ACTIONS.has(r.action)
          ? { kind: 'gateway' }
          : { kind: 'target', name: 't', env: r.env, owner: r.owner, tags: {} },
        context: r.context,
      };
      const d = engine.authorize(req);
      assert.deepEqual(d.errors, []);
      if (d.allowed) {
        assert.ok(d.determiningPolicies.length > 0);
        assert.ok(d.determiningPolicies.every((id) => permits.has(id)));
        assert.ok(d.obligations !== undefined);
        assert.equal(d.code, undefined);
      } else {
        assert.equal(d.obligations, undefined);
        assert.ok(d.determiningPolicies.every((id) => !permits.has(id)));
      }
    }),
    { numRuns: 300 },
  );
});

// Property: whatever else the set holds, a policy that errors for a request makes it a deny.
test('property: an evaluation error always denies', async () => {
  const erroring = [
    ERRORING_FORBID,
    '@id("overflowing-permit") permit (principal, action, resource) when { (context.weekday + 1) * 9223372036854775807 > 1 };',
  ];
  const extra = [
    '@id("allow-all") permit (principal, action, resource);',
    '@id("allow-engineers") permit (principal in Glovebox::Group::"engineers", action, resource);',
    '@id("forbid-eval") forbid (principal, action == Glovebox::Action::"eval", resource);',
  ];
  const engines = new Map<string, PolicyEngine>();
  for (let e = 0; e < erroring.length; e++)
    for (let mask = 0; mask < 1 << extra.length; mask++) {
      const texts = [erroring[e]!, ...extra.filter((_, i) => mask & (1 << i))];
      engines.set(`${e}:${mask}`, await engineFor({ 'a.cedar': texts.join('\n') }));
    }
  fc.assert(
    fc.property(
      fc.constantFrom(...engines.keys()),
      fc.constantFrom(...DEBUG_ACTIONS),
      fc.integer({ min: 1, max: 1000 }),
      fc.integer({ min: 1, max: 6 }),
      (key, action, mfaAgeSec, weekday) => {
        const d = engines.get(key)!.authorize(request({ action, context: context({ mfaAgeSec, weekday }) }));
        assert.equal(d.allowed, false);
        assert.ok(d.errors.length > 0);
      },
    ),
    { numRuns: 200 },
  );
});

test('the shipped schema constant matches the Cedar schema the engine probes', async () => {
  const dir = await policyDir({ 'a.cedar': ALLOW_FACTS });
  const result = await loadPolicyDir(dir);
  assert.ok(result.ok);
  assert.equal(result.set.schemaText, GLOVEBOX_SCHEMA);
});

test('decision cache: equal requests share a decision, any difference or a new set decides again', async () => {
  const hours = `@id("office-hours") forbid (principal, action, resource) when { context.localHour < 9 };`;
  const dir = await policyDir({ 'a.cedar': `${ALLOW_FACTS}\n${hours}` });
  const { engine } = await PolicyEngine.fromDir(dir);
  const first = engine.authorize(request());
  assert.equal(first.allowed, true);
  // A caller that changes what it got cannot change what the next caller gets.
  assert.throws(() => first.determiningPolicies.push('forged'));
  first.allowed = false;
  const again = engine.authorize(request());
  assert.equal(again.allowed, true);
  assert.deepEqual(again.determiningPolicies, ['allow-facts']);
  assert.notEqual(again, first);
  // A clock-derived field in the context is part of the request: decided afresh.
  assert.equal(engine.authorize(request({ context: context({ localHour: 3 }) })).allowed, false);
  assert.equal(engine.authorize(request({ principal: { id: 'alice', groups: ['others'] } })).allowed, false);
  // A new policy set never answers from the old set's decisions.
  await writeFile(join(dir, 'a.cedar'), hours);
  assert.ok((await engine.reload(dir)).ok);
  assert.equal(engine.authorize(request()).allowed, false);
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT, decodeJwt } from 'jose';
import { isGloveboxError, ManualClock } from '@glovebox/core';
import type { CiTokenExchangeConfig } from '../config.js';
import { buildServer, type Gateway } from '../server.js';
import { startTestCiProvider, type TestCiProvider } from './test-ci-provider.js';

const EXAMPLES = fileURLToPath(new URL('../../../../examples/policies', import.meta.url));
const AUDIENCE = 'https://glovebox.test';
const MAIN = { repository: 'acme/policies', ref: 'refs/heads/main', sha: '0123abcd', run_id: '42' };

function exchangeConfig(issuer: string): CiTokenExchangeConfig {
  return {
    tokenTtlMs: 15 * 60_000,
    issuers: [
      {
        issuer,
        audience: AUDIENCE,
        algorithms: ['RS256'],
        maxTokenLifetimeSec: 3600,
        rules: [
          {
            claims: { repository: 'acme/policies', ref: 'refs/heads/main' },
            user: 'ci-policies',
            groups: ['ci', 'policy-admins'],
          },
          { claims: { repository: 'acme/policies' }, user: 'ci-policies-branches', groups: ['ci'] },
          { claims: { repository: 'acme/builds' }, user: 'ci-builds', groups: ['builders'] },
        ],
      },
    ],
  };
}

async function setup(t: TestContext): Promise<{ gw: Gateway; ci: TestCiProvider; clock: ManualClock }> {
  const ci = await startTestCiProvider(MAIN);
  const clock = new ManualClock(Date.now());
  const dir = mkdtempSync(join(tmpdir(), 'gbx-ci-'));
  const gw = buildServer({
    dataDir: dir,
    policiesDir: EXAMPLES,
    logLevel: 'silent',
    watchPolicies: false,
    clock,
    bootstrapToken: 'gbx_t_ci-exchange-test-bootstrap-0000000000',
    ciTokenExchange: exchangeConfig(ci.issuer),
  });
  await gw.ready();
  t.after(async () => {
    await gw.close();
    await ci.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { gw, ci, clock };
}

async function failures(gw: Gateway): Promise<string[]> {
  return (await gw.services.store.queryAudit({ type: 'auth.token_exchange_failed', limit: 100 })).map(
    (r) => (JSON.parse(r.event) as { details: { reason: string } }).details.reason,
  );
}

const refused = (e: unknown) =>
  isGloveboxError(e, 'GBX_AUTH_FAILED') && e.message === 'the CI token was not accepted';

test('a CI token from a trusted repository becomes a short-lived token of its CI identity, once', async (t) => {
  const { gw, ci } = await setup(t);
  const jwt = await ci.mint(AUDIENCE);
  const result = await gw.services.ciExchange.exchange(jwt);
  assert.deepEqual([result.user, result.groups], ['ci-policies', ['ci', 'policy-admins']]);
  assert.ok(result.expiresAt <= Date.now() + 15 * 60_000 + 1000);
  const actor = await gw.services.identity.authenticate(result.token, '127.0.0.1');
  assert.deepEqual([actor.name, actor.groups], ['ci-policies', ['ci', 'policy-admins']]);
  const claims = await gw.services.store.ciExchanges.claimsOfToken(actor.tokenId);
  assert.equal(claims?.['repository'], 'acme/policies');
  assert.equal(claims?.['sha'], '0123abcd');
  const exchanged = await gw.services.store.queryAudit({ type: 'auth.token_exchanged', limit: 5 });
  assert.equal(exchanged.length, 1);
  assert.ok(!exchanged[0]!.event.includes(result.token), 'the issued token is not in the audit trail');

  // the same CI token a second time: a replay
  await assert.rejects(gw.services.ciExchange.exchange(jwt), refused);
  assert.deepEqual(await failures(gw), ['token already used (replay)']);

  // a branch pipeline of the same repository gets the narrower identity
  ci.claims = { ...MAIN, ref: 'refs/heads/feature' };
  const branch = await gw.services.ciExchange.exchange(await ci.mint(AUDIENCE));
  assert.deepEqual([branch.user, branch.groups], ['ci-policies-branches', ['ci']]);
});

test('wrong audience, untrusted issuer, forged or expired tokens and unknown repositories are refused alike', async (t) => {
  const { gw, ci, clock } = await setup(t);
  const other = await startTestCiProvider(MAIN);
  t.after(() => other.close());
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const forged = await new SignJWT({ ...MAIN, jti: 'forged-1' })
    .setProtectedHeader({ alg: 'RS256', kid: 'ci-key' })
    .setIssuer(ci.issuer)
    .setAudience(AUDIENCE)
    .setSubject('ci-runner')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey);
  const hmac = await new SignJWT({ ...MAIN, jti: 'hmac-1' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ci.issuer)
    .setAudience(AUDIENCE)
    .setSubject('ci-runner')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(JSON.stringify(await exportJWK(privateKey))));
  const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(
    JSON.stringify({ ...MAIN, iss: ci.issuer, aud: AUDIENCE, sub: 'x', iat: 1, exp: 9_999_999_999 }),
  ).toString('base64url')}.`;
  const cases: [string, () => Promise<string>, RegExp][] = [
    ['wrong audience', () => ci.mint('https://someone-else.test'), /claim aud invalid/],
    ['untrusted issuer', () => other.mint(AUDIENCE), /issuer not trusted/],
    ['forged signature', async () => forged, /bad signature/],
    ['symmetric algorithm', async () => hmac, /algorithm not allowed/],
    ['unsigned', async () => unsigned, /algorithm not allowed|token rejected/],
    ['not a JWT', async () => 'not-a-token', /not a JWT/],
    [
      'unknown repository',
      async () => {
        ci.claims = { ...MAIN, repository: 'mallory/policies' };
        return ci.mint(AUDIENCE);
      },
      /no identity rule matches/,
    ],
  ];
  for (const [name, make, reason] of cases) {
    const before = (await failures(gw)).length;
    await assert.rejects(gw.services.ciExchange.exchange(await make()), refused, name);
    const reasons = await failures(gw);
    assert.equal(reasons.length, before + 1, name);
    assert.match(reasons[0]!, reason, name);
  }
  ci.claims = MAIN;
  const late = await ci.mint(AUDIENCE);
  clock.advance((decodeJwt(late).exp! - decodeJwt(late).iat!) * 1000 + 60_000);
  await assert.rejects(gw.services.ciExchange.exchange(late), refused);
  assert.match((await failures(gw))[0]!, /token expired/);
  assert.equal(await gw.services.store.getUserByName('ci-policies'), null, 'nothing was provisioned');
});

test('policy decides the exchange: a mapped identity outside "ci" gets no token', async (t) => {
  const { gw, ci } = await setup(t);
  ci.claims = { ...MAIN, repository: 'acme/builds' };
  await assert.rejects(gw.services.ciExchange.exchange(await ci.mint(AUDIENCE)), (e: unknown) =>
    isGloveboxError(e, 'GBX_POLICY_DENIED'),
  );
  const [event] = await gw.services.store.queryAudit({ type: 'auth.token_exchange_failed', limit: 1 });
  assert.match(event!.event, /denied by policy/);
  assert.match(event!.event, /"allowed":false/);
  assert.equal(await gw.services.store.getUserByName('ci-builds'), null);
});

test('configuration that would trust every repository, or map CI to a person, is refused at start', () => {
  const base = exchangeConfig('https://token.actions.githubusercontent.com');
  const build = (config: CiTokenExchangeConfig) =>
    buildServer({
      dataDir: mkdtempSync(join(tmpdir(), 'gbx-ci-cfg-')),
      policiesDir: EXAMPLES,
      logLevel: 'silent',
      ciTokenExchange: config,
    });
  const issuer = base.issuers[0]!;
  for (const [name, config, message] of [
    [
      'no repository pinned',
      {
        ...base,
        issuers: [
          { ...issuer, rules: [{ claims: { ref: 'refs/heads/main' }, user: 'ci-x', groups: ['ci'] }] },
        ],
      },
      /must pin the repository/,
    ],
    [
      'wildcard only',
      {
        ...base,
        issuers: [{ ...issuer, rules: [{ claims: { repository: '*' }, user: 'ci-x', groups: ['ci'] }] }],
      },
      /must pin the repository/,
    ],
    [
      'a person',
      {
        ...base,
        issuers: [
          { ...issuer, rules: [{ claims: { repository: 'a/b' }, user: 'admin', groups: ['admins'] }] },
        ],
      },
      /must start with ci-/,
    ],
    ['plain http issuer', { ...base, issuers: [{ ...issuer, issuer: 'http://ci.example.com' }] }, /https/],
    ['long-lived tokens', { ...base, tokenTtlMs: 24 * 3600_000 }, /1m to 1h/],
  ] as const)
    assert.throws(
      () => build(config as CiTokenExchangeConfig),
      (e: unknown) => isGloveboxError(e, 'GBX_CONFIG_INVALID') && message.test(e.message),
      name,
    );
});

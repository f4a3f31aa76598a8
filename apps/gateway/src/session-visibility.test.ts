import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import type { AccessRequestView } from '@glovebox/protocol';
import { startRouteTestGateway, type RouteTestGateway } from './routes/test-gateway.js';
import { TEST_STORES } from './store/test-stores.js';

/**
 * Who sees, watches and ends a session besides its owner: the SRE lead whose approval opened it
 * (policy `approvers-watch-and-end`) and auditors (readAudit, watching only). Everyone else — an
 * SRE lead who did not approve it, another engineer — cannot tell it from a missing one.
 */
async function world(url?: string) {
  const g = await startRouteTestGateway(url);
  const s = g.gw.services;
  const sandy = await s.identity.createUser('sandy', ['sre-leads'], null);
  const { token: sandyToken, record } = await s.identity.issueToken(sandy.id, 'api', 3600_000, null);
  await s.store.setTokenMfaAt(record.id, s.config.clock.now());
  const tokens = {
    owner: (await g.token('owner'))!,
    approver: (await g.token('approver'))!,
    auditor: (await g.token('auditor'))!,
    engineer: (await g.token('engineer'))!,
    otherLead: sandyToken,
  };
  return { g, tokens };
}
type Who = keyof Awaited<ReturnType<typeof world>>['tokens'];

async function call(
  g: RouteTestGateway,
  token: string,
  method: 'GET' | 'POST',
  url: string,
  payload: Record<string, unknown> = {},
) {
  return g.gw.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(method === 'POST' ? { payload } : {}),
  });
}

/** Starts watching; a watcher let through is released by ending the feed, so the answer completes. */
async function watch(g: RouteTestGateway, token: string, id: string) {
  const pending = call(g, token, 'GET', `/api/v1/sessions/${id}/live`);
  let settled = false;
  void pending.finally(() => (settled = true));
  while (!settled && g.gw.services.live.watchers(id) === 0) await tick();
  const watched = !settled;
  if (watched) g.gw.services.live.end(id);
  return { res: await pending, watched };
}

const listed = async (g: RouteTestGateway, token: string, all = false) =>
  (await call(g, token, 'GET', `/api/v1/sessions${all ? '?all=true' : ''}`)).json<{
    sessions: AccessRequestView[];
  }>().sessions;

for (const backend of TEST_STORES) {
  test(`the approver and auditors see and watch a session, only the approver ends it; nobody else can tell it exists (${backend.name})`, async (t) => {
    const opened = await backend.open();
    const { g, tokens } = await world(opened.url);
    t.after(async () => {
      await g.close();
      await opened.dispose();
    });
    const active = await g.session('active');
    const ended = await g.session('ended');
    const missing = 'ses_doesnotexist000000000000';

    for (const who of ['approver', 'auditor'] as const) {
      const mine = await listed(g, tokens[who]);
      assert.deepEqual(
        mine.map((v) => v.id),
        [active.id],
        `${who} lists the active session`,
      );
      assert.deepEqual(mine[0]!.allowed, {
        watch: true,
        end: who === 'approver',
        approve: false,
        deny: false,
        activity: who === 'auditor',
      });
      assert.equal(mine[0]!.targetEnv, 'prod');
      assert.deepEqual(
        (await listed(g, tokens[who], true)).map((v) => v.id).sort(),
        [active.id, ended.id].sort(),
        `${who} lists the ended one with --all`,
      );
      const { res, watched } = await watch(g, tokens[who], active.id);
      assert.ok(watched, `${who} watches: ${res.body}`);
    }

    // An auditor may see the session, so a refused end says why (403) instead of hiding it.
    const auditorEnd = await call(g, tokens.auditor, 'POST', `/api/v1/sessions/${active.id}/end`);
    assert.equal(auditorEnd.statusCode, 403, auditorEnd.body);

    // Another engineer may not see the session: every refusal is the 404 of a missing session.
    const notFound = (await call(g, tokens.engineer, 'GET', `/api/v1/sessions/${missing}/live`)).body;
    assert.deepEqual(await listed(g, tokens.engineer, true), []);
    const engineerWatch = await watch(g, tokens.engineer, active.id);
    assert.ok(!engineerWatch.watched);
    assert.equal(engineerWatch.res.statusCode, 404);
    assert.equal(engineerWatch.res.body, notFound, 'watching looks like a missing session');
    const end = await call(g, tokens.engineer, 'POST', `/api/v1/sessions/${active.id}/end`);
    const endMissing = await call(g, tokens.engineer, 'POST', `/api/v1/sessions/${missing}/end`);
    assert.equal(end.statusCode, 404);
    assert.equal(end.body, endMissing.body, 'ending looks like a missing session');
    // An SRE lead who did not approve it sees the request (they could have reviewed it) but may
    // neither list, watch nor end the session: policy says no.
    assert.deepEqual(await listed(g, tokens.otherLead, true), []);
    const leadWatch = await watch(g, tokens.otherLead, active.id);
    assert.ok(!leadWatch.watched);
    assert.equal(leadWatch.res.json<{ error: { code: string } }>().error.code, 'GBX_POLICY_DENIED');
    const leadEnd = await call(g, tokens.otherLead, 'POST', `/api/v1/sessions/${active.id}/end`);
    assert.equal(leadEnd.json<{ error: { code: string } }>().error.code, 'GBX_POLICY_DENIED');
    assert.equal((await g.gw.services.store.getRequest(active.id))!.status, 'active');

    const ending = await call(g, tokens.approver, 'POST', `/api/v1/sessions/${active.id}/end`);
    assert.equal(ending.statusCode, 200, ending.body);
    const view = ending.json<AccessRequestView>();
    assert.equal(view.status, 'ended');
    assert.deepEqual(view.allowed, {
      watch: false,
      end: false,
      approve: false,
      deny: false,
      activity: false,
    });
  });
}

test('an approver removed from sre-leads no longer lists, watches or ends what they approved', async (t) => {
  const { g, tokens } = await world();
  t.after(() => g.close());
  const active = await g.session('active');
  const s = g.gw.services;
  const sam = (await s.store.getUserByName('sam'))!;
  await s.store.updateUserGroups(sam.id, ['engineers']);
  assert.deepEqual(await listed(g, tokens.approver), []);
  const { watched } = await watch(g, tokens.approver, active.id);
  assert.ok(!watched);
  const end = await call(g, tokens.approver, 'POST', `/api/v1/sessions/${active.id}/end`);
  assert.equal(end.statusCode, 404, end.body);
});

test("answers carry the caller's permissions, decided as the routes decide", async (t) => {
  const { g, tokens } = await world();
  t.after(() => g.close());
  const pending = await g.session('pending');
  const get = async (who: Who) =>
    (await call(g, tokens[who], 'GET', `/api/v1/requests/${pending.id}`)).json<AccessRequestView>().allowed;
  assert.deepEqual(await get('owner'), {
    watch: false,
    end: false,
    approve: false,
    deny: true,
    activity: false,
  });
  assert.deepEqual(await get('approver'), {
    watch: false,
    end: false,
    approve: true,
    deny: true,
    activity: false,
  });
  assert.deepEqual(await get('otherLead'), {
    watch: false,
    end: false,
    approve: true,
    deny: true,
    activity: false,
  });
  assert.deepEqual(await get('auditor'), {
    watch: false,
    end: false,
    approve: false,
    deny: false,
    activity: true,
  });
  const approved = await call(g, tokens.approver, 'POST', `/api/v1/requests/${pending.id}/approve`, {
    digest: pending.digest,
  });
  assert.equal(approved.statusCode, 200, approved.body);
  // The approval opened the session: the approver now watches and ends it, the other lead does not.
  assert.deepEqual(approved.json<AccessRequestView>().allowed, {
    watch: true,
    end: true,
    approve: false,
    deny: false,
    activity: false,
  });
  assert.deepEqual(await get('otherLead'), {
    watch: false,
    end: false,
    approve: false,
    deny: false,
    activity: false,
  });
  assert.deepEqual(await get('owner'), {
    watch: true,
    end: true,
    approve: false,
    deny: false,
    activity: false,
  });
});

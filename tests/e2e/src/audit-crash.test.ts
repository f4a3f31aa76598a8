import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, deploy, waitFor, type Registration, type StoreKind } from './harness.js';

interface AuditEvent {
  id: string;
  type: string;
  sessionId: string | null;
  seq: number;
}

/**
 * Invariant 2 and 7 under crashes: while actions run, the gateway is killed with SIGKILL several
 * times. After each restart every acknowledged action has its intent and result events, and the
 * chain verifies.
 */
for (const store of ['sqlite', 'postgres'] as StoreKind[]) {
  test(`kill -9 under load loses no acknowledged action on ${store}`, { timeout: 180_000 }, async (t) => {
    const d = await deploy(store);
    t.after(() => d.stop());
    const admin = d.adminEnv;
    const alice = await d.addUser('alice', ['engineers']);
    const reg = (
      await cli(['agents', 'register', 'svc', '--env', 'staging', '--json'], admin)
    ).json<Registration>();
    await d.startAgentService(reg);
    const session = (
      await cli(['request', 'svc', '--actions', 'facts', '--reason', 'crash test', '--json'], alice)
    ).json<{ id: string }>().id;
    const token = (await cli(['tokens', 'create', '--ttl', '1h', '--json'], alice)).json<{ token: string }>()
      .token;
    const acknowledged: string[] = [];

    const agentUp = () =>
      waitFor(
        async () =>
          (await cli(['agents', '--json'], admin)).json<{ connected: boolean }[]>()[0]?.connected === true,
        'agent connected',
        30_000,
      );

    for (let round = 0; round < 3; round++) {
      await agentUp();
      let stop = false;
      const workers = Array.from({ length: 4 }, async () => {
        while (!stop) {
          try {
            const res = await fetch(`${d.url}/api/v1/sessions/${session}/actions/facts`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: '{"params":{}}',
            });
            if (res.ok) acknowledged.push(((await res.json()) as { auditEventId: string }).auditEventId);
          } catch {
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      });
      await new Promise((r) => setTimeout(r, 1500));
      await d.restartGateway();
      stop = true;
      await Promise.all(workers);
    }
    assert.ok(acknowledged.length > 5, `some actions were acknowledged (${acknowledged.length})`);
    const events = (await cli(['audit', '--json', '--session', session, '--limit', '10000'], admin)).json<
      AuditEvent[]
    >();
    const byId = new Map(events.map((e) => [e.id, e]));
    const intents = events.filter((e) => e.type === 'action.intent').map((e) => e.seq);
    for (const id of acknowledged) {
      const result = byId.get(id);
      assert.ok(result && result.type === 'action.result', `acknowledged action ${id} has its result event`);
      assert.ok(
        intents.some((seq) => seq < result.seq),
        `and an intent before it`,
      );
    }
    const verify = await cli(['audit', 'verify', '--json'], admin);
    assert.equal(verify.code, 0, verify.stdout);
  });
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActionModule } from '@glovebox/agent';
import { CLUSTER_ADMIN as ADMIN, moduleAgent, singleGateway } from './cluster/test-cluster.js';

test('attack: a streamed action keeps reaching a caller whose token was revoked', async (t) => {
  const { url, api } = await singleGateway(t);
  // The agent streams one piece, a second when told, then runs until its call is aborted.
  let next!: () => void;
  const told = new Promise<void>((resolve) => (next = resolve));
  let aborted!: () => void;
  const stopped = new Promise<void>((resolve) => (aborted = resolve));
  const module: ActionModule = {
    actions: {
      logpoint: async (_params, ctx) => {
        ctx.emit({ line: 'before' });
        await told;
        ctx.emit({ line: 'after-revocation' });
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
        aborted();
        return { result: { hits: 2 } };
      },
    },
    endSession: async () => undefined,
    close: async () => undefined,
  };
  t.after(() => next());
  await moduleAgent(t, url, [module]);
  await api('POST', '/users', ADMIN, {
    name: 'alice',
    groups: ['engineers'],
    password: 'alice-password-123',
  });
  const login = (await api('POST', '/auth/login', null, { user: 'alice', password: 'alice-password-123' }))
    .json.token as string;
  const minted = await api('POST', '/tokens', login, { ttl: '1h' });
  const token = minted.json.token as string;
  const session = await api('POST', '/requests', token, {
    target: 'svc',
    actions: ['logpoint'],
    reason: 'stream',
  });
  assert.equal(session.json.status, 'active', JSON.stringify(session.json));

  const res = await fetch(`${url}/api/v1/sessions/${session.json.id as string}/actions/logpoint`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/x-ndjson',
    },
    body: JSON.stringify({ params: {} }),
  });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes('\n')) text += decoder.decode((await reader.read()).value, { stream: true });
  assert.match(text, /"before"/);

  assert.equal((await api('DELETE', `/tokens/${minted.json.id as string}`, login)).status, 200);
  next();
  while (!text.includes('after-revocation')) {
    const r = await reader.read();
    if (r.done) break;
    text += decoder.decode(r.value, { stream: true });
  }
  const lines = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; data?: unknown; error?: { code: string } });
  // before: the piece emitted after the revocation reached the revoked token's holder
  assert.ok(!text.includes('after-revocation'), text);
  assert.equal(lines.at(-1)?.type, 'error', text);
  assert.equal(lines.at(-1)?.error?.code, 'GBX_AUTH_FAILED');
  await stopped; // and the call was cancelled on the agent
});

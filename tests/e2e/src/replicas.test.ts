import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addUser, agentEnv, cli, ROOT, waitFor, type Registration } from './harness.js';
import { alive, processWithArgv, startThreeReplicas, type ThreeReplicas } from './deployment.js';

/** A webhook receiver that counts how often each audit event (by seq) arrives. */
async function sinkReceiver() {
  const seen = new Map<number, number>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const batch = JSON.parse(body) as { events: { seq: number }[] };
      for (const e of batch.events) seen.set(e.seq, (seen.get(e.seq) ?? 0) + 1);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/audit`, seen, close: () => server.close() };
}

function startService(url: string, reg: Registration): ChildProcess {
  return spawn(process.execPath, ['--import', '@glovebox/agent/register', 'tests/e2e/fixtures/service.mjs'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...agentEnv(url, reg), PORT: '0' },
    stdio: 'ignore',
  });
}

function startHostAgent(dir: string, urls: string[], reg: Registration): ChildProcess {
  const config = join(dir, 'agent.yaml');
  writeFileSync(
    config,
    [
      'gateway:',
      `  url: [${urls.map((u) => u.replace('http', 'ws')).join(', ')}]`,
      '  credential: { env: GLOVEBOX_AGENT_TOKEN }',
      `  keys: [${reg.gatewayKeys.join(', ')}]`,
      'recordings:',
      `  dir: ${join(dir, 'recordings')}`,
      'targets:',
      '  - type: exec',
      '    name: host',
      '    commands:',
      '      - { name: echo, path: /bin/echo, class: read, args: [{ pattern: "[a-z0-9-]{1,32}" }] }',
      '      - { name: sleep, path: /bin/sleep, class: read, args: [{ pattern: "[0-9]{1,2}" }], timeout: 2m }',
      '',
    ].join('\n'),
  );
  return spawn(process.execPath, [join(ROOT, 'apps/cli/dist/main.js'), 'agent', '--config', config], {
    env: { PATH: process.env.PATH ?? '', GLOVEBOX_AGENT_TOKEN: reg.credential },
    stdio: 'ignore',
  });
}

/** Authorized `facts` calls through the load balancer until `until` resolves; the acknowledged ones. */
async function factsLoad(lb: string, token: string, session: string, until: Promise<void>) {
  let stop = false;
  void until.then(() => (stop = true));
  const acknowledged: string[] = [];
  let failed = 0;
  const worker = async () => {
    while (!stop) {
      const res = await fetch(`${lb}/api/v1/sessions/${session}/actions/facts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ params: {} }),
      }).catch(() => null);
      const body = res?.ok ? ((await res.json()) as { auditEventId?: string }) : null;
      if (body?.auditEventId) acknowledged.push(body.auditEventId);
      else {
        failed++;
        await res?.body?.cancel();
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return { acknowledged, failed };
}

test('three gateways on one PostgreSQL behind HAProxy (examples/deploy)', { timeout: 900_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gbx-e2e-replicas-'));
  const sink = await sinkReceiver();
  const config = join(dir, 'glovebox.yaml');
  writeFileSync(
    config,
    [
      'trustProxy: [127.0.0.1]',
      'audit:',
      '  sinks:',
      `    - { type: webhook, name: soc, url: "${sink.url}", secret: { env: GBX_E2E_SINK_SECRET } }`,
      '',
    ].join('\n'),
  );
  const d: ThreeReplicas = await startThreeReplicas(dir, {
    GLOVEBOX_DEPLOY_CONFIG: config,
    GBX_E2E_SINK_SECRET: randomBytes(16).toString('hex'),
  });
  const children: ChildProcess[] = [];
  t.after(async () => {
    for (const c of children) c.kill('SIGKILL');
    sink.close();
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const admin = {
    GLOVEBOX_URL: d.lb,
    GLOVEBOX_TOKEN: readFileSync(join(dir, 'deploy', 'admin.token'), 'utf8').trim(),
    GLOVEBOX_HOME: join(dir, 'admin'),
  };
  const alice = { GLOVEBOX_URL: d.lb, GLOVEBOX_HOME: join(dir, 'alice') };
  const via = (replica: string) => ({ ...alice, GLOVEBOX_URL: replica });
  const aliceToken = () =>
    (JSON.parse(readFileSync(join(alice.GLOVEBOX_HOME, 'credentials.json'), 'utf8')) as { token: string })
      .token;
  /** Whether the replica killed below was running the singleton jobs (sink dispatch among them). */
  let killedLed = false;

  await t.test('agents connect, through HAProxy or to a list of replicas; an engineer logs in', async () => {
    await addUser(admin, alice, 'alice', ['engineers']);
    const register = async (name: string) => {
      const reg = await cli(['agents', 'register', name, '--env', 'staging', '--json'], admin);
      assert.equal(reg.code, 0, reg.stderr);
      return reg.json<Registration>();
    };
    children.push(startService(d.lb, await register('svc')));
    await waitFor(async () => (await d.holderOf('svc')) >= 0, 'the service agent', 60_000);
    // The host agent is given the replicas' own URLs, starting with the one holding the service
    // agent, so that the kill below takes both agents' replica.
    const first = await d.holderOf('svc');
    const urls = [0, 1, 2].map((i) => d.replicas[(first + i) % 3]!);
    children.push(startHostAgent(dir, urls, await register('host')));
    await waitFor(async () => (await d.holderOf('host')) === first, 'the host agent', 60_000);
  });

  const open = async (target: string, actions: string) => {
    const r = await cli(
      ['request', target, '--actions', actions, '--reason', 'replicas e2e', '--json'],
      alice,
    );
    assert.equal(r.code, 0, r.stderr);
    const session = r.json<{ id: string; status: string }>();
    assert.equal(session.status, 'active');
    return session.id;
  };

  await t.test('actions and streams through every replica and through HAProxy', async () => {
    const svc = await open('svc', 'facts');
    const host = await open('host', 'exec');
    for (const [i, url] of [...d.replicas, d.lb].entries()) {
      const facts = await cli(['facts', svc, '--json'], via(url));
      assert.equal(facts.code, 0, `facts through ${url}: ${facts.stderr}`);
      const exec = await cli(['exec', host, '--', 'echo', `through-${i}`], via(url));
      assert.equal(exec.code, 0, `exec through ${url}: ${exec.stderr}`);
      assert.match(exec.stdout, new RegExp(`through-${i}`));
      // every replica lists both agents as connected, whichever replica holds them
      const agents = await cli(['agents', '--json'], { ...admin, GLOVEBOX_URL: url });
      assert.deepEqual(
        agents
          .json<{ name: string; connected: boolean }[]>()
          .map((a) => `${a.name}:${a.connected}`)
          .sort(),
        ['host:true', 'svc:true'],
        `agents through ${url}`,
      );
    }
    assert.equal((await cli(['end', host], alice)).code, 0);
  });

  await t.test('ending a session through another replica stops its running command', async () => {
    const host = await open('host', 'exec');
    const exec = spawn(
      process.execPath,
      [join(ROOT, 'apps/cli/dist/main.js'), 'exec', host, '--', 'sleep', '57'],
      {
        env: { PATH: process.env.PATH ?? '', ...alice },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let execErr = '';
    exec.stderr?.on('data', (b: Buffer) => (execErr += b.toString()));
    children.push(exec);
    let pid: number | null = null;
    await waitFor(
      async () => (pid = processWithArgv(['/bin/sleep', '--', '57'])) !== null,
      'the command running',
    ).catch((e: Error) => {
      throw new Error(`${e.message}: ${execErr}`);
    });
    const holder = await d.holderOf('host');
    const other = d.replicas[(holder + 1) % 3]!;
    const started = performance.now();
    const end = await fetch(`${other}/api/v1/sessions/${host}/end`, {
      method: 'POST',
      headers: { authorization: `Bearer ${aliceToken()}`, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(end.status, 200, await end.text());
    await waitFor(async () => !alive(pid!), 'the command ended', 20_000);
    const stoppedMs = Math.round(performance.now() - started);
    // Issue 14: the command ran 37.5 s after its session ended. The product's bound is 1 s; on a
    // loaded CI machine (two cores, tests in parallel) the assertion is generous and the figure is
    // reported: from sending `end` to one replica until the process is gone on the agent's host.
    t.diagnostic(`revocation through another replica: command ended ${stoppedMs} ms after 'end' started`);
    assert.ok(stoppedMs < 15_000, `the command ran ${stoppedMs} ms after the session ended`);
  });

  await t.test(
    'kill -9 of the agent’s replica mid-session: the session continues, nothing acknowledged is lost',
    async () => {
      const svc = await open('svc', 'facts');
      const killed = await d.holderOf('svc');
      let reconnected!: () => void;
      const until = new Promise<void>((r) => (reconnected = r));
      const load = factsLoad(d.lb, aliceToken(), svc, until);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(await d.holderOf('host'), killed, 'both agents were on the killed replica');
      killedLed = /"leader":true[^\n]*\n(?![\s\S]*"leader":false)/.test(d.log(killed));
      d.kill(killed);
      for (const agent of ['svc', 'host'])
        await waitFor(
          async () => ![-1, killed].includes(await d.holderOf(agent)),
          `${agent} on another replica`,
          60_000,
        );
      // the session goes on: actions through the surviving replicas reach the agent where it is now
      for (const url of d.replicas.filter((_, i) => i !== killed)) {
        await waitFor(
          async () => (await cli(['facts', svc], via(url))).code === 0,
          `facts through ${url}`,
          30_000,
        );
      }
      reconnected();
      const host = await open('host', 'exec');
      const exec = await cli(['exec', host, '--', 'echo', 'after-the-kill'], alice);
      assert.equal(exec.code, 0, exec.stderr);
      assert.match(exec.stdout, /after-the-kill/);
      const { acknowledged, failed } = await load;
      t.diagnostic(`kill -9: ${acknowledged.length} actions acknowledged, ${failed} failed around the kill`);
      assert.ok(acknowledged.length > 0);
      const found = await d.query<{ id: string }>('SELECT id FROM $schema.audit_events WHERE id = ANY($1)', [
        acknowledged,
      ]);
      assert.equal(
        found.length,
        new Set(acknowledged).size,
        'every acknowledged action is in the audit trail',
      );
      const status = await cli(['sessions', '--json'], via(d.lb));
      assert.equal(
        status.json<{ id: string; status: string }[]>().find((s) => s.id === svc)?.status,
        'active',
      );
    },
  );

  await t.test('sessions ended on two replicas at once end once', async () => {
    const alive2: number[] = [];
    for (const [i, url] of d.replicas.entries())
      if ((await fetch(`${url}/readyz`).catch(() => null))?.ok) alive2.push(i);
    const sessions: string[] = [];
    for (let i = 0; i < 4; i++) sessions.push(await open('svc', 'facts'));
    const ends = sessions.flatMap((s) => alive2.map((i) => cli(['end', s], via(d.replicas[i]!))));
    const codes = (await Promise.all(ends)).map((r) => r.code);
    assert.ok(codes.filter((c) => c === 0).length >= sessions.length, `end answered ${codes.join(',')}`);
    await waitFor(async () => {
      const rows = await d.query<{ status: string }>(
        `SELECT status FROM $schema.access_requests WHERE id = ANY($1)`,
        [sessions],
      );
      return rows.every((r) => r.status === 'ended');
    }, 'sessions ended');
    const all = await d.query<{ session_id: string; n: string }>(
      `SELECT session_id, count(*) AS n FROM $schema.audit_events WHERE type = 'session.ended' GROUP BY session_id`,
    );
    for (const row of all) assert.equal(Number(row.n), 1, `session ${row.session_id} ended ${row.n} times`);
    assert.ok(sessions.every((s) => all.some((r) => r.session_id === s)));
  });

  await t.test('the trail verifies on every replica after concurrent writes and a key rotation', async () => {
    const live = [];
    for (const url of d.replicas) if ((await fetch(`${url}/readyz`).catch(() => null))?.ok) live.push(url);
    const rotated = await cli(['audit', 'rotate-key', '--json'], { ...admin, GLOVEBOX_URL: live[0]! });
    assert.equal(rotated.code, 0, rotated.stderr);
    // writes on every live replica after the rotation, signed with the new key wherever they land
    const s = await open('svc', 'facts');
    await Promise.all(live.map((url) => cli(['facts', s], via(url))));
    for (const url of [...live, d.lb]) {
      const verify = await cli(['audit', 'verify', '--json'], { ...admin, GLOVEBOX_URL: url });
      assert.equal(verify.code, 0, `verify through ${url}: ${verify.stdout}${verify.stderr}`);
    }
    assert.equal((await cli(['end', s], alice)).code, 0);
  });

  await t.test('the sink receives each event once', async () => {
    const [head] = await d.query<{ seq: string }>('SELECT max(seq) AS seq FROM $schema.audit_events');
    const last = Number(head!.seq);
    await waitFor(async () => sink.seen.has(last), 'the sink caught up', 60_000);
    const missing = [];
    const twice = [];
    for (let seq = 1; seq <= last; seq++) {
      const n = sink.seen.get(seq) ?? 0;
      if (n === 0) missing.push(seq);
      if (n > 1) twice.push(seq);
    }
    assert.deepEqual(missing, []);
    t.diagnostic(`sink: ${last} events, ${twice.length} delivered twice (killed replica led: ${killedLed})`);
    // Delivery is at least once: a leader killed after the sink accepted a batch but before its
    // cursor was stored leaves that one batch (at most 100 events) to its successor, which sends it
    // again with the same seqs. Without a kill of the leader, nothing arrives twice.
    if (!killedLed) assert.deepEqual(twice, []);
    else
      assert.ok(
        twice.length <= 100 && twice.every((seq) => sink.seen.get(seq) === 2),
        `twice: ${twice.join(',')}`,
      );
  });
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import type { ChainedEvent } from '../event.js';
import { MemoryCursorStore, waitFor } from '../test-trail.js';
import { SinkDispatcher } from './dispatcher.js';
import { FileSink } from './file.js';
import { OtlpSink } from './otlp.js';
import type { AuditSink } from './sink.js';
import { SyslogSink } from './syslog.js';
import { verifyWebhookSignature } from '@glovebox/protocol';
import { WebhookSink } from './webhook.js';

/** What a receiver got: event id, seq and the received JSON, in arrival order. */
interface Received {
  id: string;
  seq: number;
  body: unknown;
}

/** A receiver the test can take down and bring back on the same port. */
interface Receiver {
  received: Received[];
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function listen(server: TcpServer | HttpServer, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

/** Parses RFC 6587 octet-counted frames from a byte stream. */
function octetCountingParser(onMessage: (message: string) => void): (chunk: Buffer) => void {
  let buffer = Buffer.alloc(0);
  return (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const space = buffer.indexOf(32);
      if (space === -1) return;
      const length = Number(buffer.subarray(0, space).toString('ascii'));
      assert.ok(Number.isInteger(length) && length > 0, 'bad octet count');
      if (buffer.length < space + 1 + length) return;
      onMessage(buffer.subarray(space + 1, space + 1 + length).toString('utf8'));
      buffer = buffer.subarray(space + 1 + length);
    }
  };
}

function syslogReceiver(tlsOptions?: { key: string; cert: string }): Receiver {
  const received: Received[] = [];
  let server: TcpServer | null = null;
  const sockets = new Set<Socket>();
  const receiver: Receiver = {
    received,
    port: 0,
    async start() {
      const onConnection = (socket: Socket): void => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
        socket.on(
          'data',
          octetCountingParser((message) => {
            const match =
              /^<(\d+)>1 (\S+) (\S+) (\S+) (\S+) (\S+) \[glovebox@32473 id="([^"]+)" seq="(\d+)" type="[^"]+"\] (.*)$/s.exec(
                message,
              );
            assert.ok(match, `not an RFC 5424 message: ${message.slice(0, 120)}`);
            received.push({ id: match[7]!, seq: Number(match[8]), body: JSON.parse(match[9]!) });
          }),
        );
      };
      server = tlsOptions ? createTlsServer(tlsOptions, onConnection) : createTcpServer(onConnection);
      receiver.port = await listen(server, receiver.port);
    },
    async stop() {
      const current = server;
      server = null;
      if (!current) return;
      const closed = new Promise((resolve) => current.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
  return receiver;
}

/** An HTTP receiver; `script` may answer some requests itself (garbage, hanging) to test retries. */
function httpReceiver(
  path: string,
  extract: (body: string, request: IncomingMessage) => Received[],
  script?: (request: number, response: ServerResponse) => boolean,
): Receiver & { requests: number } {
  let server: HttpServer | null = null;
  const receiver = {
    received: [] as Received[],
    port: 0,
    requests: 0,
    async start() {
      server = createHttpServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          receiver.requests++;
          if (script?.(receiver.requests, response)) return;
          if (request.url !== path || request.method !== 'POST') {
            response.writeHead(404).end();
            return;
          }
          try {
            receiver.received.push(...extract(Buffer.concat(chunks).toString('utf8'), request));
            response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
          } catch {
            response.writeHead(400).end();
          }
        });
      });
      receiver.port = await listen(server, receiver.port);
    },
    async stop() {
      const current = server;
      server = null;
      if (!current) return;
      const closed = new Promise((resolve) => current.close(resolve));
      current.closeAllConnections();
      await closed;
    },
  };
  return receiver;
}

/** Every event arrived; new ids arrived in seq order without gaps; repeats are identical copies. */
function assertInOrderAtLeastOnce(received: Received[], expected: ChainedEvent[]): void {
  const firstSeen = new Map<string, Received>();
  const order: number[] = [];
  for (const item of received) {
    const earlier = firstSeen.get(item.id);
    if (earlier) {
      assert.deepEqual(item.body, earlier.body, `duplicate of ${item.id} differs`);
      continue;
    }
    firstSeen.set(item.id, item);
    order.push(item.seq);
  }
  assert.deepEqual(
    order,
    expected.map((event) => event.seq),
  );
  for (const event of expected) assert.ok(firstSeen.has(event.id), `event ${event.id} never arrived`);
}

async function downAndBack(
  receiver: Receiver,
  sink: AuditSink,
  assertBody?: (item: Received, event: ChainedEvent) => void,
): Promise<SinkDispatcher> {
  const store = new MemoryCursorStore();
  store.append(30);
  await receiver.start();
  const dispatcher = new SinkDispatcher({
    sinks: [sink],
    store,
    batchSize: 7,
    pollIntervalMs: 20,
    deliverTimeoutMs: 5_000,
    backoff: { initialMs: 20, maxMs: 200 },
  });
  dispatcher.start();
  try {
    await waitFor(() => receiver.received.some((item) => item.seq === 30), 'the first 30 events');
    await receiver.stop();
    const more = store.append(30);
    dispatcher.nudge(more.at(-1)!.seq);
    await waitFor(
      () => (dispatcher.status()[0]?.consecutiveFailures ?? 0) >= 2,
      'failed attempts while the receiver is down',
    );
    const down = dispatcher.status()[0]!;
    assert.ok(down.lag > 0, 'lag is visible while the receiver is down');
    assert.ok(down.lastError !== undefined && down.lastError.length > 0);
    await receiver.start();
    await waitFor(
      () => receiver.received.some((item) => item.seq === 60),
      'the last event after the receiver is back',
    );
    await waitFor(() => dispatcher.status()[0]!.lag === 0, 'lag back to zero');
  } finally {
    await dispatcher.stop();
    await receiver.stop();
  }
  assertInOrderAtLeastOnce(receiver.received, store.events);
  if (assertBody) {
    const byId = new Map(store.events.map((event) => [event.id, event]));
    for (const item of receiver.received) assertBody(item, byId.get(item.id)!);
  }
  assert.equal(store.cursors.get(sink.name), 60);
  return dispatcher;
}

describe('sinks against real receivers that go down and come back', () => {
  let dir = '';
  let tlsMaterial: { key: string; cert: string } | null = null;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gbx-sinks-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=IP:127.0.0.1,DNS:localhost',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      tlsMaterial = {
        key: await readFile(join(dir, 'key.pem'), 'utf8'),
        cert: await readFile(join(dir, 'cert.pem'), 'utf8'),
      };
    } catch {
      tlsMaterial = null;
    }
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('syslog over TCP with octet counting', async () => {
    const receiver = syslogReceiver();
    await receiver.start();
    await receiver.stop();
    await downAndBack(
      receiver,
      new SyslogSink({
        name: 'syslog-tcp',
        host: '127.0.0.1',
        port: receiver.port,
        transport: 'tcp',
        timeoutMs: 2_000,
        hostname: 'gw 1',
      }),
      (item, event) => assert.deepEqual(item.body, JSON.parse(JSON.stringify(event))),
    );
  });

  test('syslog over TLS with a certificate made at test time', async (t) => {
    if (tlsMaterial === null) {
      t.skip('openssl is not available to make a certificate');
      return;
    }
    const receiver = syslogReceiver(tlsMaterial);
    await receiver.start();
    await receiver.stop();
    await downAndBack(
      receiver,
      new SyslogSink({
        name: 'syslog-tls',
        host: '127.0.0.1',
        port: receiver.port,
        transport: 'tls',
        tls: { ca: tlsMaterial.cert },
        timeoutMs: 2_000,
      }),
    );
  });

  test('syslog over TLS refuses a server whose certificate it does not trust', async (t) => {
    if (tlsMaterial === null) {
      t.skip('openssl is not available to make a certificate');
      return;
    }
    const receiver = syslogReceiver(tlsMaterial);
    await receiver.start();
    try {
      const sink = new SyslogSink({
        name: 'untrusted',
        host: '127.0.0.1',
        port: receiver.port,
        transport: 'tls',
        timeoutMs: 2_000,
      });
      const store = new MemoryCursorStore();
      await assert.rejects(sink.deliver(store.append(1)), /could not connect/);
      assert.equal(receiver.received.length, 0);
    } finally {
      await receiver.stop();
    }
  });

  test('webhook: HMAC-signed batches, retried through errors, hangs and downtime', async () => {
    const secret = 'test-webhook-secret-0123456789';
    let bad = 0;
    const receiver = httpReceiver(
      '/hooks/audit',
      (body, request) => {
        assert.ok(
          verifyWebhookSignature(secret, request.headers['x-glovebox-signature'] as string, body, Date.now()),
          'signature must verify',
        );
        const parsed = JSON.parse(body) as { firstSeq: number; lastSeq: number; events: ChainedEvent[] };
        assert.equal(parsed.firstSeq, parsed.events[0]!.seq);
        assert.equal(parsed.lastSeq, parsed.events.at(-1)!.seq);
        return parsed.events.map((event) => ({ id: event.id, seq: event.seq, body: event }));
      },
      (request, response) => {
        // Requests 3 and 4 get garbage: a 500, then no answer at all (the sink must time out).
        if (request === 3) {
          bad++;
          response.writeHead(500).end('<html>oops</html>');
          return true;
        }
        if (request === 4) {
          bad++;
          return true;
        }
        return false;
      },
    );
    await receiver.start();
    await receiver.stop();
    await downAndBack(
      receiver,
      new WebhookSink({
        name: 'webhook',
        url: `http://127.0.0.1:${receiver.port}/hooks/audit`,
        secret,
        timeoutMs: 500,
      }),
    );
    assert.equal(bad, 2);
  });

  test('OTLP/HTTP JSON logs', async () => {
    const receiver = httpReceiver('/v1/logs', (body) => {
      const parsed = JSON.parse(body) as {
        resourceLogs: {
          scopeLogs: {
            logRecords: {
              attributes: { key: string; value: Record<string, string> }[];
              body: { stringValue: string };
            }[];
          }[];
        }[];
      };
      return parsed.resourceLogs.flatMap((resource) =>
        resource.scopeLogs.flatMap((scope) =>
          scope.logRecords.map((record) => {
            const attr = (key: string) =>
              Object.values(record.attributes.find((a) => a.key === key)!.value)[0]!;
            return {
              id: attr('glovebox.event.id'),
              seq: Number(attr('glovebox.event.seq')),
              body: JSON.parse(record.body.stringValue),
            };
          }),
        ),
      );
    });
    await receiver.start();
    await receiver.stop();
    await downAndBack(
      receiver,
      new OtlpSink({
        name: 'otlp',
        endpoint: `http://127.0.0.1:${receiver.port}`,
        format: 'ocsf',
        timeoutMs: 1_000,
      }),
      (item, event) => {
        const ocsf = item.body as { metadata: { uid: string; sequence: number }; class_uid: number };
        assert.equal(ocsf.metadata.uid, event.id);
        assert.equal(ocsf.metadata.sequence, event.seq);
        assert.ok([3002, 6003].includes(ocsf.class_uid));
      },
    );
  });

  test('file sink: JSON lines, rotation by size, mode 0600, nothing lost', async () => {
    const path = join(dir, 'logs', 'audit.jsonl');
    const store = new MemoryCursorStore();
    store.append(40);
    const sink = new FileSink({ name: 'file', path, maxBytes: 4096, maxFiles: 50 });
    const dispatcher = new SinkDispatcher({ sinks: [sink], store, batchSize: 3, pollIntervalMs: 10 });
    dispatcher.start();
    await waitFor(() => store.cursors.get('file') === 40, 'all events in the file');
    await dispatcher.stop();
    const names = (await readdir(join(dir, 'logs'))).sort();
    assert.ok(names.length > 2, `expected rotated files, got ${names.join(', ')}`);
    const ordered = names
      .map((name) => ({ name, n: name === 'audit.jsonl' ? 0 : Number(name.split('.').at(-1)) }))
      .sort((a, b) => b.n - a.n);
    const seqs: number[] = [];
    for (const { name } of ordered) {
      const info = await stat(join(dir, 'logs', name));
      assert.equal(info.mode & 0o777, 0o600);
      assert.ok(info.size <= 4096);
      const text = await readFile(join(dir, 'logs', name), 'utf8');
      for (const line of text.trimEnd().split('\n')) seqs.push((JSON.parse(line) as ChainedEvent).seq);
    }
    assert.deepEqual(
      seqs,
      store.events.map((event) => event.seq),
    );
  });
});

describe('SinkDispatcher', () => {
  test('a sink that is down does not hold back another sink', async () => {
    const store = new MemoryCursorStore();
    store.append(10);
    const got: number[] = [];
    const healthy: AuditSink = {
      name: 'healthy',
      deliver: (batch) => {
        got.push(...batch.map((event) => event.seq));
        return Promise.resolve();
      },
    };
    const broken: AuditSink = {
      name: 'broken',
      deliver: () => Promise.reject(new Error('secret-bearing internal detail')),
    };
    const errors: string[] = [];
    const dispatcher = new SinkDispatcher({
      sinks: [healthy, broken],
      store,
      pollIntervalMs: 10,
      backoff: { initialMs: 10, maxMs: 50 },
      onError: (_sink, error) => errors.push(error.message),
    });
    dispatcher.start();
    await waitFor(() => got.length === 10 && errors.length >= 2, 'healthy delivery and broken retries');
    await dispatcher.stop();
    const [h, b] = dispatcher.status();
    assert.equal(h!.lag, 0);
    assert.equal(b!.lag, 10);
    assert.equal(b!.cursor, 0);
    assert.ok(!b!.lastError!.includes('secret-bearing'), 'unknown errors are reduced to a safe message');
    assert.ok(errors.every((message) => !message.includes('secret-bearing')));
  });

  test('resumes from the durable cursor after a restart', async () => {
    const store = new MemoryCursorStore();
    store.append(12);
    await store.setCursor('resume', 8);
    const got: number[] = [];
    const sink: AuditSink = {
      name: 'resume',
      deliver: (batch) => {
        got.push(...batch.map((event) => event.seq));
        return Promise.resolve();
      },
    };
    const dispatcher = new SinkDispatcher({ sinks: [sink], store, pollIntervalMs: 10 });
    dispatcher.start();
    await waitFor(() => store.cursors.get('resume') === 12, 'cursor at head');
    await dispatcher.stop();
    assert.deepEqual(got, [9, 10, 11, 12]);
  });

  test('two sinks with one name are API misuse', () => {
    const sink: AuditSink = { name: 'same', deliver: () => Promise.resolve() };
    assert.throws(
      () => new SinkDispatcher({ sinks: [sink, sink], store: new MemoryCursorStore() }),
      TypeError,
    );
  });
});

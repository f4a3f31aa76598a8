import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isGloveboxError } from '@glovebox/core';
import { chainEvent, type AuditEventInput } from '../event.js';
import { sampleInput } from '../test-trail.js';
import { createSinks, parseSinksConfig } from './config.js';
import { toOcsf } from './ocsf.js';
import { toOtlpLogs } from './otlp.js';
import { formatSyslogMessage, octetFrame } from './syslog.js';
import { signWebhookBody, verifyWebhookSignature } from '@glovebox/protocol';

interface OtlpBody {
  resourceLogs: {
    scopeLogs: {
      logRecords: {
        severityNumber: number;
        timeUnixNano: string;
        attributes: { key: string; value: unknown }[];
        body: { stringValue: string };
      }[];
    }[];
  }[];
}

const event = (input: Partial<AuditEventInput>) => chainEvent(null, { ...sampleInput(1), ...input }, 'evt_1');

describe('formats', () => {
  test('syslog: RFC 5424 header, structured data with id and seq, octet counting', () => {
    const e = event({ type: 'session.revoked', severity: 'W', details: { note: 'quote " bracket ] é' } });
    const message = formatSyslogMessage(e, {
      facility: 13,
      appName: 'glovebox',
      hostname: 'gw 1',
      procId: '42',
      format: 'native',
    });
    assert.match(
      message,
      /^<108>1 2026-01-01T00:00:01\.000Z gw_1 glovebox 42 session\.revoked \[glovebox@32473 id="evt_1" seq="1" type="session\.revoked"\] \{/,
    );
    assert.deepEqual(JSON.parse(message.slice(message.indexOf('] ') + 2)), JSON.parse(JSON.stringify(e)));
    const frame = octetFrame(message);
    assert.equal(Number(frame.slice(0, frame.indexOf(' '))), Buffer.byteLength(message));
  });

  const ocsfCases: [type: AuditEventInput['type'], classUid: number, activityId: number][] = [
    ['auth.login', 3002, 1],
    ['auth.logout', 3002, 2],
    ['request.created', 6003, 1],
    ['audit.exported', 6003, 2],
    ['request.approved', 6003, 3],
    ['session.ended', 6003, 4],
    ['action.intent', 6003, 1],
  ];
  for (const [type, classUid, activityId] of ocsfCases) {
    test(`OCSF: ${type} maps to class ${classUid}, activity ${activityId}`, () => {
      const o = toOcsf(event({ type, outcome: 'denied' }));
      assert.equal(o.class_uid, classUid);
      assert.equal(o.activity_id, activityId);
      assert.equal(o.type_uid, classUid * 100 + activityId);
      assert.equal(o.status_id, 2);
      assert.equal((o.metadata as { uid: string }).uid, 'evt_1');
      assert.equal((o.unmapped as { glovebox: { hash: string } }).glovebox.hash.length, 64);
    });
  }

  test('OTLP: severity numbers, nanosecond time, id and seq attributes', () => {
    const e = event({ type: 'policy.reload_failed', severity: 'E' });
    const body = toOtlpLogs([e], 'glovebox', 'native') as unknown as OtlpBody;
    const record = body.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
    assert.equal(record.severityNumber, 17);
    assert.equal(record.timeUnixNano, `${Date.parse(e.time)}000000`);
    assert.deepEqual(record.attributes.find((a) => a.key === 'glovebox.event.seq')!.value, {
      intValue: '1',
    });
    assert.equal(JSON.parse(record.body.stringValue).hash, e.hash);
  });

  test('webhook signatures: valid, tampered, stale and malformed', () => {
    const secret = 's'.repeat(32);
    const now = Date.parse('2026-01-01T00:00:00Z');
    const header = signWebhookBody(secret, now / 1000, '{"a":1}');
    assert.equal(verifyWebhookSignature(secret, header, '{"a":1}', now), true);
    assert.equal(verifyWebhookSignature(secret, header, '{"a":2}', now), false);
    assert.equal(verifyWebhookSignature('t'.repeat(32), header, '{"a":1}', now), false);
    assert.equal(verifyWebhookSignature(secret, header, '{"a":1}', now + 301_000), false);
    assert.equal(verifyWebhookSignature(secret, 'garbage', '{"a":1}', now), false);
    assert.equal(verifyWebhookSignature(secret, undefined, '{"a":1}', now), false);
  });
});

describe('sink configuration', () => {
  const env = { HOOK_SECRET: 'k'.repeat(32), OTLP_TOKEN: 'Bearer abc' };
  const files: Record<string, string> = { '/run/secrets/hook': `${'f'.repeat(32)}\n` };
  const environment = {
    env,
    readFile: (path: string) => {
      const text = files[path];
      if (text === undefined) throw new Error('ENOENT');
      return text;
    },
  };

  test('builds every kind of sink with defaults and secrets from env or file', () => {
    const sinks = createSinks(
      {
        sinks: [
          { type: 'file', name: 'file', path: '/var/log/glovebox/audit.jsonl' },
          {
            type: 'syslog',
            name: 'siem',
            host: 'syslog.internal',
            port: 6514,
            transport: 'tls',
            format: 'ocsf',
          },
          { type: 'webhook', name: 'soc', url: 'https://soc.example/hook', secret: { env: 'HOOK_SECRET' } },
          {
            type: 'webhook',
            name: 'soc2',
            url: 'https://soc.example/hook',
            secret: { file: '/run/secrets/hook' },
          },
          {
            type: 'otlp',
            name: 'otel',
            endpoint: 'https://otel.example',
            headers: { authorization: { env: 'OTLP_TOKEN' }, 'x-scope': 'team' },
          },
        ],
      },
      environment,
    );
    assert.deepEqual(
      sinks.map((sink) => sink.name),
      ['file', 'siem', 'soc', 'soc2', 'otel'],
    );
    const parsed = parseSinksConfig({ sinks: [{ type: 'file', name: 'f', path: '/x' }] });
    assert.deepEqual(parsed.sinks[0], {
      type: 'file',
      name: 'f',
      path: '/x',
      format: 'native',
      maxBytes: 104857600,
      maxFiles: 5,
      fsync: true,
      timeoutMs: 10000,
    });
  });

  const invalid: { name: string; sink: unknown }[] = [
    {
      name: 'an inline webhook secret',
      sink: { type: 'webhook', name: 'w', url: 'https://x.example', secret: 'k'.repeat(32) },
    },
    {
      name: 'an inline credential header',
      sink: {
        type: 'otlp',
        name: 'o',
        endpoint: 'https://x.example',
        headers: { Authorization: 'Bearer abc' },
      },
    },
    {
      name: 'plain http to a remote host',
      sink: { type: 'webhook', name: 'w', url: 'http://x.example', secret: { env: 'HOOK_SECRET' } },
    },
    {
      name: 'credentials in the URL',
      sink: { type: 'webhook', name: 'w', url: 'https://u:p@x.example', secret: { env: 'HOOK_SECRET' } },
    },
    { name: 'an unknown sink type', sink: { type: 'kafka', name: 'k' } },
    { name: 'a bad port', sink: { type: 'syslog', name: 's', host: 'h', port: 70000, transport: 'tcp' } },
    { name: 'an unknown field', sink: { type: 'file', name: 'f', path: '/x', colour: 'blue' } },
    { name: 'a bad name', sink: { type: 'file', name: 'Bad Name', path: '/x' } },
    {
      name: 'an unset environment variable',
      sink: { type: 'webhook', name: 'w', url: 'https://x.example', secret: { env: 'NOT_SET' } },
    },
    {
      name: 'an unreadable secret file',
      sink: { type: 'webhook', name: 'w', url: 'https://x.example', secret: { file: '/nope' } },
    },
  ];
  for (const { name, sink } of invalid) {
    test(`refuses ${name} with GBX_CONFIG_INVALID`, () => {
      assert.throws(
        () => createSinks({ sinks: [sink] }, environment),
        (error: unknown) =>
          isGloveboxError(error, 'GBX_CONFIG_INVALID') && !error.message.includes('k'.repeat(32)),
      );
    });
  }

  test('refuses duplicate sink names', () => {
    assert.throws(
      () =>
        parseSinksConfig({
          sinks: [
            { type: 'file', name: 'a', path: '/x' },
            { type: 'file', name: 'a', path: '/y' },
          ],
        }),
      (error: unknown) => isGloveboxError(error, 'GBX_CONFIG_INVALID'),
    );
  });

  test('a webhook secret that is too short is refused without echoing it', () => {
    assert.throws(
      () =>
        createSinks(
          { sinks: [{ type: 'webhook', name: 'w', url: 'https://x.example', secret: { env: 'SHORT' } }] },
          { ...environment, env: { SHORT: 'tiny-secret' } },
        ),
      (error: unknown) =>
        isGloveboxError(error, 'GBX_CONFIG_INVALID') && !error.message.includes('tiny-secret'),
    );
  });
});

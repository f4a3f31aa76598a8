import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { getHeapSnapshot, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createKnownSecrets, createRedactor, KnownSecrets } from './index.js';
import { everyWay, leaked } from './testing/index.js';

/** A password with no recognisable shape: no detector but the known-secret one can find it. */
const PASSWORD = 'plum7-Orbit/cask';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

test('a known secret with no recognisable shape is masked raw and in its common encodings', () => {
  const known = createKnownSecrets();
  assert.ok(known.add(PASSWORD, 'PASSWORD') > 0);
  const r = createRedactor({ knownSecrets: known });
  const plain = createRedactor();
  const cases: Array<[string, string]> = [
    [`psql: connected as app with ${PASSWORD} ok`, PASSWORD],
    [`tool -x${PASSWORD} -e 'select 1'`, PASSWORD],
    [`?next=${encodeURIComponent(PASSWORD + ' x')}&a=1`, encodeURIComponent(PASSWORD)],
    [`blob ${b64(PASSWORD)} end`, b64(PASSWORD)],
    [`creds ${b64(`app:${PASSWORD}`)} end`, b64(`app:${PASSWORD}`)],
    [`b1 ${b64(`x${PASSWORD}yz`)} b2 ${b64(`xy${PASSWORD}z`)} end`, b64(`xy${PASSWORD}z`)],
    [
      `hex ${Buffer.from(PASSWORD).toString('hex')} HEX ${Buffer.from(PASSWORD).toString('hex').toUpperCase()}`,
      Buffer.from(PASSWORD).toString('hex'),
    ],
    [`{"note":${JSON.stringify(`said "${PASSWORD}"`)}}`, PASSWORD],
  ];
  for (const [input, secret] of cases) {
    assert.ok(leaked(secret, input, plain.redactText(input).text), `no other detector catches ${input}`);
    for (const out of everyWay(r, input)) {
      assert.equal(leaked(secret, input, out), false, `leaked: ${out}`);
      assert.ok(out.includes('[REDACTED:PASSWORD]'), out);
    }
  }
  assert.deepEqual(r.redactText(`a ${PASSWORD} b ${PASSWORD}`).counts, { PASSWORD: 2 });
});

test('the encoded span is masked whole, not only the part that depends on the secret', () => {
  const known = createKnownSecrets();
  known.add(PASSWORD, 'PASSWORD');
  const r = createRedactor({ knownSecrets: known });
  const encoded = b64(`user:${PASSWORD}`);
  assert.equal(r.redactText(`auth ${encoded} done`).text, 'auth [REDACTED:PASSWORD] done');
});

test('short, trivial and repeated values are not registered; bad arguments are TypeErrors', () => {
  const known = createKnownSecrets();
  assert.equal(known.add('abc12'), 0);
  assert.equal(known.add('changeme'), 0);
  assert.equal(known.add('${DB_PASSWORD}'), 0);
  const first = known.add('long-enough-value');
  assert.ok(first > 0);
  assert.equal(known.add('long-enough-value'), 0);
  assert.throws(() => known.add(42 as unknown as string), TypeError);
  assert.throws(() => known.add('long-enough-value-2', 'lower'), TypeError);
  assert.throws(() => createRedactor({ knownSecrets: {} as unknown as KnownSecrets }), TypeError);
});

test('sensitive environment values and URL passwords are registered, ordinary ones are not', () => {
  const known = createKnownSecrets();
  const env = {
    PATH: '/usr/local/bin:/usr/bin',
    HOME: '/home/app',
    APP_DB_PASSWORD: 'tulip-Anchor-88',
    STRIPE_WEBHOOK_SIGNING_KEY: 'n9Vq2LmX4pR7sT1w',
    SSH_AUTH_SOCK: '/tmp/ssh-XXXXabcdEF12/agent.1234',
    CACHE_URL: 'redis://:Maple-Drift-42@cache.internal:6379/0',
    LOG_LEVEL: 'info',
    // the shell's working directories: `pwd` is a password's name only as a key of data
    PWD: '/srv/app/current',
    OLDPWD: '/srv/app/releases/41',
  };
  assert.equal(known.addSensitiveEnv(env), 3);
  const r = createRedactor({ knownSecrets: known });
  const out = r.redactText(
    'tulip-Anchor-88 n9Vq2LmX4pR7sT1w Maple-Drift-42 /home/app info /tmp/ssh-XXXXabcdEF12/agent.1234 at /srv/app/current/a.js',
  ).text;
  assert.equal(
    out,
    '[REDACTED:PASSWORD] [REDACTED:API_KEY] [REDACTED:PASSWORD] /home/app info /tmp/ssh-XXXXabcdEF12/agent.1234 at /srv/app/current/a.js',
  );
});

test('the state holds fingerprints only and rebuilds an equivalent set', () => {
  const known = createKnownSecrets();
  known.add(PASSWORD, 'PASSWORD');
  const state = known.toState();
  const json = JSON.stringify(state);
  for (let i = 0; i + 5 <= PASSWORD.length; i++)
    assert.ok(!json.includes(PASSWORD.slice(i, i + 5)), 'no five characters of the value in the state');
  assert.ok(!json.includes(b64(PASSWORD).slice(0, 8)));
  const copy = KnownSecrets.fromState(structuredClone(state));
  assert.equal(copy.size, known.size);
  const r = createRedactor({ knownSecrets: copy });
  assert.equal(r.redactText(`x ${PASSWORD} y`).text, 'x [REDACTED:PASSWORD] y');
  assert.throws(() => KnownSecrets.fromState({ ...state, version: 2 as 1 }), TypeError);
  assert.throws(
    () => KnownSecrets.fromState({ ...state, forms: [{ ...state.forms[0]!, grams: [] }] }),
    TypeError,
  );
});

test('attack: a heap snapshot of a process holding known secrets does not contain them', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // the secret exists as a string only inside this function; the test keeps its bytes off-heap
  const secretBytes = randomBytes(18);
  const known = createKnownSecrets();
  const r = createRedactor({ knownSecrets: known });
  (() => {
    const secret = secretBytes.toString('base64url');
    known.add(secret, 'PASSWORD');
    assert.equal(r.redactText(`x ${secret} y`).text, 'x [REDACTED:PASSWORD] y');
    // a detector's regex that matched last keeps its subject (V8's last match info) until the next
    // match: the text around the secret must not stay reachable that way either
    assert.equal(
      r.redactText(`x ${secret} mail bob@example.com y`).text,
      'x [REDACTED:PASSWORD] mail [REDACTED:EMAIL] y',
    );
  })();
  gc();
  let snapshot = '';
  for await (const chunk of getHeapSnapshot()) snapshot += String(chunk);
  assert.ok(snapshot.length > 1000);
  const secret = secretBytes.toString('base64url');
  const hits = snapshot.split(secret).length - 1;
  // the string just built above for the comparison is not in the snapshot taken before it
  assert.equal(hits, 0, 'the clear value is in the heap');
  assert.equal(known.size > 0, true);
});

// The engine remembers short texts it found clean; a secret registered afterwards must still be
// masked in them, in a string and as an object's key and value, and every hit must be counted.
test('attack: a value found clean before it became a known secret is masked once it is one', () => {
  const known = createKnownSecrets();
  const r = createRedactor({ knownSecrets: known });
  const leak = { [PASSWORD]: PASSWORD, note: PASSWORD };
  for (let i = 0; i < 3; i++) {
    assert.equal(r.redactText(PASSWORD).text, PASSWORD, 'not a secret yet');
    assert.deepEqual(r.redactValue(leak).value, leak);
  }
  known.add(PASSWORD, 'PASSWORD');
  for (let i = 0; i < 3; i++) {
    const text = r.redactText(PASSWORD);
    assert.ok(!text.text.includes(PASSWORD), text.text);
    assert.deepEqual(text.counts, { PASSWORD: 1 });
    const value = r.redactValue(leak);
    assert.ok(!JSON.stringify(value.value).includes(PASSWORD), JSON.stringify(value.value));
    assert.deepEqual(value.counts, { PASSWORD: 3 }, 'the key, its value and the note, each time');
  }
});

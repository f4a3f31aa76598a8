import * as v from './values.js';
import { Rng } from './values.js';
import { ALNUM, B64, DIGITS, HEX, LOWER } from './values.js';

/** A sensitive value placed in a corpus document; `type` is the engine's placeholder type family. */
export interface LabeledSecret {
  type: string;
  value: string;
  start: number;
  /** `strict` when only the strict masking level is expected to hide it. */
  level: 'standard' | 'strict';
}

/** A value that must survive redaction unchanged (ids, timestamps, checksums, versions …). */
export interface HardNegative {
  kind: string;
  value: string;
  start: number;
}

/** One labeled document of the corpus. */
export interface CorpusDocument {
  context: string;
  text: string;
  secrets: LabeledSecret[];
  negatives: HardNegative[];
}

/** Options of {@link generateCorpus}. */
export interface CorpusOptions {
  /** PRNG seed; the same seed always yields the same corpus. Default 1. */
  seed?: number;
  /** Number of documents. Default 2000. */
  documents?: number;
}

const STRICT_TYPES = new Set(['IPV4', 'IPV6', 'MAC_ADDRESS', 'PERSON_NAME']);

class Doc {
  text = '';
  readonly secrets: LabeledSecret[] = [];
  readonly negatives: HardNegative[] = [];
  constructor(
    readonly r: Rng,
    readonly context: string,
  ) {}
  t(s: string): this {
    this.text += s;
    return this;
  }
  s(type: string, value: string): this {
    this.secrets.push({
      type,
      value,
      start: this.text.length,
      level: STRICT_TYPES.has(type) ? 'strict' : 'standard',
    });
    this.text += value;
    return this;
  }
  n(kind: string, value: string): this {
    this.negatives.push({ kind, value, start: this.text.length });
    this.text += value;
    return this;
  }
  neg(): this {
    const [kind, value] = negative(this.r);
    return this.n(kind, value);
  }
}

// ---------------------------------------------------------------------------------------------
// Hard negatives: everything here must come out byte for byte.

function isoTime(r: Rng): string {
  const d = new Date(Date.UTC(2023, 0, 1) + r.int(0, 600 * 86400) * 1000 + r.int(0, 999));
  return r.pick([
    () => d.toISOString(),
    () => d.toISOString().replace('T', ' ').slice(0, 19),
    () => d.toISOString().slice(0, 19) + '+02:00',
  ])();
}

const NEGATIVES: Array<[string, (r: Rng) => string]> = [
  ['UUID', (r) => v.uuid(r)],
  ['GIT_SHA', (r) => r.chars(HEX, 40)],
  ['SHORT_SHA', (r) => r.chars(HEX, r.int(7, 12))],
  ['TRACE_ID', (r) => r.chars(HEX, 32)],
  ['SPAN_ID', (r) => r.chars(HEX, 16)],
  ['TRACEPARENT', (r) => `00-${r.chars(HEX, 32)}-${r.chars(HEX, 16)}-01`],
  ['TIMESTAMP', isoTime],
  ['EPOCH_S', (r) => String(r.int(1600000000, 1800000000))],
  ['EPOCH_MS', (r) => String(r.int(1600000000, 1800000000)) + r.chars(DIGITS, 3)],
  [
    'VERSION',
    (r) =>
      r.pick(['v', '', '@'] as const) +
      `${r.int(0, 20)}.${r.int(0, 40)}.${r.int(0, 99)}` +
      r.pick(['', '-beta.1', '-rc.2', '+build.7']),
  ],
  [
    'ORDER_ID',
    (r) =>
      r.pick([
        () => `ORD-${r.int(2019, 2025)}-${r.chars(DIGITS, 6)}`,
        () => `ord_${r.chars(LOWER + DIGITS, 14)}`,
        () => `#${r.chars(DIGITS, 7)}`,
        () => `PO-${r.chars(DIGITS, 4)}-${r.chars(DIGITS, 2)}`,
      ])(),
  ],
  ['LUHN_INVALID', (r) => v.luhnInvalid(r)],
  ['SHA256', (r) => r.chars(HEX, 64)],
  ['MD5', (r) => r.chars(HEX, 32)],
  ['INTEGRITY', (r) => `sha512-${r.chars(B64, 86)}==`],
  ['CRC32', (r) => `0x${r.chars(HEX, 8)}`],
  ['DURATION', (r) => `${r.int(1, 9999)}${r.pick(['ms', 's', 'µs', 'ns'])}`],
  ['BYTES', (r) => `${r.int(1, 999)}.${r.int(0, 9)} ${r.pick(['KiB', 'MiB', 'GB'])}`],
  [
    'HOSTNAME',
    (r) =>
      `${r.pick(['api', 'db', 'cache', 'worker'])}-${r.int(1, 40)}.${r.pick(['prod', 'staging'])}.internal`,
  ],
  [
    'URL',
    (r) =>
      `https://${r.pick(['api.example.com', 'cdn.acme.io'])}/v${r.int(1, 3)}/${r.pick(['orders', 'users', 'items'])}/${r.int(1, 99999)}?page=${r.int(1, 50)}&sort=asc`,
  ],
  [
    'PATH',
    (r) =>
      `/var/lib/${r.pick(['app', 'postgres', 'node'])}/${r.chars(LOWER, 6)}/${r.pick(['index.js', 'main.go', 'data.db'])}`,
  ],
  [
    'K8S_POD',
    (r) =>
      `${r.pick(['checkout', 'payments', 'search'])}-${r.chars(LOWER + DIGITS, 10)}-${r.chars(LOWER + DIGITS, 5)}`,
  ],
  ['IMAGE_DIGEST', (r) => `sha256:${r.chars(HEX, 64)}`],
  ['INVALID_SSN', (r) => v.invalidSsn(r)],
  ['INVALID_IBAN', (r) => v.iban(r, false)],
  [
    'DATE',
    (r) =>
      `${r.int(2019, 2025)}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`,
  ],
  [
    'CLOCK',
    (r) =>
      `${String(r.int(0, 23)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}.${r.chars(DIGITS, 3)}`,
  ],
  ['DECIMAL', (r) => `${r.int(0, 999)}.${r.chars(DIGITS, r.int(2, 17))}`],
  ['PORT', (r) => `:${r.int(1024, 65535)}`],
  [
    'ENV_REFERENCE',
    (r) => r.pick(['${DB_PASSWORD}', '${API_TOKEN}', '$SECRET_KEY', '{{ .Values.password }}']),
  ],
  ['BASE64_ID', (r) => r.chars(ALNUM, 22)],
  ['REQUEST_ID', (r) => `req_${r.chars(ALNUM, 24)}`],
  ['SEMVER_RANGE', (r) => `^${r.int(1, 9)}.${r.int(0, 20)}.${r.int(0, 9)}`],
  ['HTTP_STATUS', (r) => String(r.pick([200, 201, 204, 301, 400, 401, 403, 404, 409, 429, 500, 503]))],
  ['AMOUNT', (r) => `${r.int(1, 99999)}.${r.chars(DIGITS, 2)} ${r.pick(['EUR', 'USD', 'GBP'])}`],
  ['LAT_LONG', (r) => `${r.int(-89, 89)}.${r.chars(DIGITS, 6)},${r.int(-179, 179)}.${r.chars(DIGITS, 6)}`],
  ['MONGO_OBJECT_ID', (r) => r.chars(HEX, 24)],
  ['CERTIFICATE', (r) => `-----BEGIN CERTIFICATE-----\\nMIIB${r.chars(B64, 60)}\\n-----END CERTIFICATE-----`],
];

function negative(r: Rng): [string, string] {
  const [kind, gen] = r.pick(NEGATIVES);
  return [kind, gen(r)];
}

// ---------------------------------------------------------------------------------------------
// Secret families, each rendered by a context that puts it where it occurs in practice.

type SecretGen = (r: Rng) => [string, string];

const SECRETS: SecretGen[] = [
  (r) => ['EMAIL', v.email(r)],
  (r) => ['PHONE', v.phone(r)],
  (r) => ['CREDIT_CARD', v.card(r)],
  (r) => ['US_SSN', v.ssn(r)],
  (r) => ['IBAN', v.iban(r)],
  (r) => ['IPV4', v.ipv4(r)],
  (r) => ['IPV6', v.ipv6(r)],
  (r) => ['MAC_ADDRESS', v.mac(r)],
  (r) => ['AWS_ACCESS_KEY_ID', v.awsAccessKeyId(r)],
  (r) => ['GITHUB_TOKEN', v.githubToken(r)],
  (r) => ['SLACK_TOKEN', v.slackToken(r)],
  (r) => ['SLACK_WEBHOOK', v.slackWebhook(r)],
  (r) => ['STRIPE_KEY', v.stripeKey(r)],
  (r) => ['GOOGLE_API_KEY', v.googleApiKey(r)],
  (r) => ['OPENAI_API_KEY', v.openaiKey(r)],
  (r) => ['NPM_TOKEN', v.npmToken(r)],
  (r) => ['SENDGRID_API_KEY', v.sendgridKey(r)],
  (r) => ['JWT', v.jwt(r)],
  (r) => v.gloveboxToken(r),
];

const LEVELS = ['INFO', 'WARN', 'DEBUG', 'ERROR'];
const SERVICES = ['checkout', 'payments', 'auth', 'search', 'billing', 'notifier'];

function logPrefix(d: Doc): void {
  d.n('TIMESTAMP', isoTime(d.r)).t(` ${d.r.pick(LEVELS)} [${d.r.pick(SERVICES)}] `);
}

/** Appends one secret in a phrasing typical of `context`; all of them end without a newline. */
function inlineSecret(d: Doc, type: string, value: string): void {
  const r = d.r;
  switch (type) {
    case 'EMAIL':
      r.pick([
        () => d.t('user ').s(type, value).t(' logged in'),
        () => d.t('sending receipt to <').s(type, value).t('>'),
        () => d.t('GET /api/v1/users?email=').s(type, encodeURIComponent(value)).t('&limit=10'),
        () => d.t('mailto:').s(type, value),
        () => d.t('reply-to="').s(type, value).t('"'),
      ])();
      return;
    case 'PHONE':
      r.pick([
        () => d.t('sms to ').s(type, value).t(' queued'),
        () => d.t('phone=').s(type, value),
        () => d.t('callback number ').s(type, value).t('.'),
      ])();
      return;
    case 'CREDIT_CARD':
      r.pick([
        () => d.t('charge card ').s(type, value).t(' declined'),
        () => d.t('pan=').s(type, value),
        () => d.t('card number: ').s(type, value),
      ])();
      return;
    case 'US_SSN':
      r.pick([
        () => d.t('applicant ssn ').s(type, value).t(' verified'),
        () => d.t('SSN: ').s(type, value),
      ])();
      return;
    case 'IBAN':
      r.pick([
        () => d.t('payout to IBAN ').s(type, value).t(' scheduled'),
        () => d.t('iban=').s(type, value),
      ])();
      return;
    case 'IPV4':
    case 'IPV6':
      r.pick([
        () => d.t('client ').s(type, value).t(' connected'),
        () => d.t('remote_addr=').s(type, value),
        () =>
          d
            .t('from ')
            .s(type, value)
            .t(' port ')
            .t(String(r.int(1024, 65535))),
      ])();
      return;
    case 'MAC_ADDRESS':
      d.t('device ')
        .s(type, value)
        .t(' joined vlan ')
        .t(String(r.int(1, 4000)));
      return;
    default:
      r.pick([
        () => d.t('using credential ').s(type, value),
        () => d.t('config loaded: key=').s(type, value).t(' region=eu-west-1'),
        () => d.t('request failed for ').s(type, value).t(': 401 Unauthorized'),
        () => d.t('"credential": "').s(type, value).t('"'),
      ])();
  }
}

type Context = (d: Doc) => void;

const CONTEXTS: Record<string, Context> = {
  applog(d) {
    const lines = d.r.int(3, 8);
    for (let i = 0; i < lines; i++) {
      logPrefix(d);
      if (d.r.chance(0.45)) {
        const [type, value] = d.r.pick(SECRETS)(d.r);
        inlineSecret(d, type, value);
      } else {
        d.t(
          d.r.pick([
            'processed order ',
            'trace_id=',
            'cache miss for ',
            'released build ',
            'took ',
            'checksum ',
            'retrying job ',
          ]),
        );
        d.neg();
      }
      d.t(' request_id=')
        .n('REQUEST_ID', `req_${d.r.chars(ALNUM, 24)}`)
        .t('\n');
    }
  },
  access(d) {
    const lines = d.r.int(2, 6);
    for (let i = 0; i < lines; i++) {
      const r = d.r;
      d.s('IPV4', v.ipv4(r))
        .t(' - - [')
        .n('TIMESTAMP', isoTime(r))
        .t('] "GET /api/v1/orders/')
        .n('ORDER_ID', `ORD-${r.int(2019, 2025)}-${r.chars(DIGITS, 6)}`);
      if (r.chance(0.4)) d.t('?access_token=').s('TOKEN', v.opaqueToken(r));
      else if (r.chance(0.3)) d.t('?api_key=').s('API_KEY', v.hexSecret(r));
      else d.t('?page=').t(String(r.int(1, 9)));
      d.t(' HTTP/1.1" ')
        .n('HTTP_STATUS', String(r.pick([200, 404, 500])))
        .t(` ${r.int(100, 99999)} "-" "Mozilla/5.0" rt=`)
        .n('DURATION', `${r.int(1, 999)}ms`)
        .t('\n');
    }
  },
  json(d) {
    const r = d.r;
    d.t('{"id":"')
      .n('UUID', v.uuid(r))
      .t('","created_at":"')
      .n('TIMESTAMP', isoTime(r))
      .t('","customer":{"email":"')
      .s('EMAIL', v.email(r))
      .t('","first_name":"');
    d.s('PERSON_NAME', v.personName(r))
      .t('","phone":"')
      .s('PHONE', v.phone(r))
      .t('"},"payment":{"card":"')
      .s('CREDIT_CARD', v.card(r))
      .t('","amount":')
      .n('DECIMAL', `${r.int(1, 999)}.${r.chars(DIGITS, 2)}`);
    d.t('},"auth":{"password":"')
      .s('PASSWORD', v.password(r))
      .t('","api_key":"')
      .s('API_KEY', v.opaqueToken(r))
      .t('","refresh_token":"')
      .s('TOKEN', v.opaqueToken(r))
      .t('"},"version":"')
      .n('VERSION', `${r.int(1, 9)}.${r.int(0, 20)}.${r.int(0, 30)}`)
      .t('","trace":"')
      .n('TRACE_ID', r.chars(HEX, 32))
      .t('"}\n');
  },
  stack(d) {
    const r = d.r;
    d.t(`Error: connect ECONNREFUSED for user `).s('EMAIL', v.email(r)).t('\n');
    d.t(`    at Client.connect (/app/node_modules/pg/lib/client.js:${r.int(10, 400)}:${r.int(1, 40)})\n`);
    d.t('    at handler (/app/dist/routes/orders.js:')
      .n('CLOCK', `${r.int(10, 99)}:${r.int(10, 99)}:${r.int(10, 99)}.${r.chars(DIGITS, 3)}`)
      .t(')\n');
    d.t("  cause: { token: '")
      .s('TOKEN', v.opaqueToken(r))
      .t("', commit: '")
      .n('GIT_SHA', r.chars(HEX, 40))
      .t("' }\n");
  },
  sql(d) {
    const r = d.r;
    d.t(' id | email                         | ssn         | iban                          | created\n');
    d.t(
      '----+-------------------------------+-------------+-------------------------------+---------------------\n',
    );
    const rows = r.int(2, 5);
    for (let i = 0; i < rows; i++) {
      d.t(` ${r.int(1, 999)} | `)
        .s('EMAIL', v.email(r))
        .t(' | ')
        .s('US_SSN', v.ssn(r))
        .t(' | ')
        .s('IBAN', v.iban(r))
        .t(' | ')
        .n('TIMESTAMP', isoTime(r))
        .t('\n');
    }
    d.t(`(${rows} rows)\n`);
  },
  env(d) {
    const r = d.r;
    d.t('NODE_ENV=production\nGIT_COMMIT=').n('GIT_SHA', r.chars(HEX, 40)).t('\n');
    d.t('AWS_ACCESS_KEY_ID=').s('AWS_ACCESS_KEY_ID', v.awsAccessKeyId(r)).t('\n');
    d.t('AWS_SECRET_ACCESS_KEY=').s('AWS_SECRET_ACCESS_KEY', v.awsSecretKey(r)).t('\n');
    d.t('DATABASE_URL=postgres://app:')
      .s('PASSWORD', v.password(r).replace(/[#%^*]/g, 'x'))
      .t('@')
      .n('HOSTNAME', `db-${r.int(1, 9)}.prod.internal`)
      .t(':5432/app\n');
    d.t('STRIPE_SECRET_KEY=').s('STRIPE_KEY', v.stripeKey(r)).t('\n');
    d.t('GITHUB_TOKEN=').s('GITHUB_TOKEN', v.githubToken(r)).t('\n');
    d.t('SESSION_SECRET=').s('SECRET', v.hexSecret(r)).t('\n');
    d.t('DB_PASSWORD=').n('ENV_REFERENCE', '${VAULT_DB_PASSWORD}').t('\n');
    d.t('OPENAI_API_KEY=').s('OPENAI_API_KEY', v.openaiKey(r)).t('\n');
    d.t('NPM_TOKEN=').s('NPM_TOKEN', v.npmToken(r)).t('\n');
    d.t('SENDGRID_API_KEY=').s('SENDGRID_API_KEY', v.sendgridKey(r)).t('\n');
    d.t('SLACK_WEBHOOK_URL=')
      .s('SLACK_WEBHOOK', v.slackWebhook(r))
      .t('\nAPP_VERSION=')
      .n('VERSION', `${r.int(1, 9)}.${r.int(0, 20)}.${r.int(0, 30)}`)
      .t('\n');
    d.t('PORT=8080\nOTEL_TRACE_ID=').n('TRACE_ID', r.chars(HEX, 32)).t('\n');
  },
  headers(d) {
    const r = d.r;
    d.t('GET /v1/orders HTTP/1.1\nHost: api.example.com\n');
    r.pick([
      () => d.t('Authorization: Bearer ').s('BEARER_TOKEN', v.opaqueToken(r)).t('\n'),
      () => d.t('Authorization: Bearer ').s('JWT', v.jwt(r)).t('\n'),
      () =>
        d
          .t('Authorization: Basic ')
          .s(
            'BASIC_AUTH',
            Buffer.from(`${r.pick(['admin', 'svc', 'deploy'])}:${v.password(r)}`).toString('base64'),
          )
          .t('\n'),
    ])();
    d.t('Cookie: sessionid=')
      .s('SESSION_ID', r.chars(ALNUM, 32))
      .t('; csrftoken=')
      .s('TOKEN', r.chars(ALNUM, 32))
      .t('; theme=dark\n');
    d.t('X-Api-Key: ').s('API_KEY', r.chars(ALNUM, 40)).t('\n');
    d.t('X-Request-Id: ')
      .n('UUID', v.uuid(r))
      .t('\ntraceparent: ')
      .n('TRACEPARENT', `00-${r.chars(HEX, 32)}-${r.chars(HEX, 16)}-01`)
      .t('\n');
    d.t('If-None-Match: "').n('MD5', r.chars(HEX, 32)).t('"\nUser-Agent: curl/8.4.0\n\n');
    d.t('HTTP/1.1 200 OK\nSet-Cookie: session=')
      .s('SESSION_ID', r.chars(ALNUM + '-_', 40))
      .t('; Path=/; HttpOnly; Secure\nDate: ')
      .n('TIMESTAMP', isoTime(r))
      .t('\n');
  },
  connstr(d) {
    const r = d.r;
    const pw = (): string => v.password(r).replace(/[#%^*;]/g, 'x');
    r.pick([
      () =>
        d
          .t('Server=tcp:')
          .n('HOSTNAME', `sql-${r.int(1, 9)}.prod.internal`)
          .t(',1433;Database=orders;User ID=app;Password=')
          .s('PASSWORD', pw())
          .t(';Encrypt=true;\n'),
      () =>
        d
          .t('mongodb+srv://svc:')
          .s('PASSWORD', pw())
          .t('@cluster0.example.mongodb.net/app?retryWrites=true\n'),
      () => d.t('redis://:').s('PASSWORD', pw()).t('@cache-1.prod.internal:6379/0\n'),
      () =>
        d
          .t('DefaultEndpointsProtocol=https;AccountName=acmestore;AccountKey=')
          .s('AZURE_STORAGE_KEY', v.azureStorageKey(r))
          .t(';EndpointSuffix=core.windows.net\n'),
      () =>
        d
          .t('jdbc:postgresql://db.prod.internal:5432/app?user=app&password=')
          .s('PASSWORD', pw())
          .t('&ssl=true\n'),
      () => d.t('amqp://guest:').s('PASSWORD', pw()).t('@rabbit.prod.internal:5672/vhost\n'),
    ])();
  },
  config(d) {
    const r = d.r;
    r.pick([
      () => {
        d.t('database:\n  host: ')
          .n('HOSTNAME', `db-${r.int(1, 9)}.prod.internal`)
          .t('\n  port: 5432\n  password: "')
          .s('PASSWORD', v.password(r))
          .t('"\n');
        d.t('slack:\n  bot_token: ')
          .s('SLACK_TOKEN', v.slackToken(r))
          .t('\ngoogle:\n  api_key: ')
          .s('GOOGLE_API_KEY', v.googleApiKey(r))
          .t('\n');
        d.t('release: ')
          .n('VERSION', `${r.int(1, 9)}.${r.int(0, 20)}.${r.int(0, 30)}`)
          .t('\nowner: ')
          .s('EMAIL', v.email(r))
          .t('\n');
      },
      () => {
        d.t('[default]\naws_access_key_id = ')
          .s('AWS_ACCESS_KEY_ID', v.awsAccessKeyId(r))
          .t('\naws_secret_access_key = ')
          .s('AWS_SECRET_ACCESS_KEY', v.awsSecretKey(r))
          .t('\nregion = eu-west-1\n');
      },
      () => {
        d.t('spring.datasource.password=')
          .s('PASSWORD', v.password(r).replace(/[#;]/g, 'x'))
          .t('\nspring.datasource.url=jdbc:mysql://')
          .n('HOSTNAME', `db-${r.int(1, 9)}.prod.internal`)
          .t('/app\nclient_secret=')
          .s('SECRET', v.opaqueToken(r))
          .t('\n');
      },
      () => {
        d.t('service_account.json: {"type": "service_account", "private_key_id": "')
          .n('SHA_ID', r.chars(HEX, 40))
          .t('", "private_key": "')
          .s('PRIVATE_KEY', v.pemKey(r, '\\n'))
          .t('\\n", "client_email": "')
          .s('EMAIL', v.email(r))
          .t('"}\n');
      },
      () => {
        d.s('PRIVATE_KEY', v.pemKey(r)).t('\n');
      },
      () => {
        d.t('# id_rsa\n')
          .s('PRIVATE_KEY', v.pemKey(r, '\r\n'))
          .t('\r\nfingerprint SHA256:')
          .n('BASE64_ID', r.chars(ALNUM, 43))
          .t('\n');
      },
    ])();
  },
  locals(d) {
    const r = d.r;
    d.t('Local variables:\n  user = { id: ')
      .n('UUID', v.uuid(r))
      .t(", email: '")
      .s('EMAIL', v.email(r))
      .t("', name: 'x' }\n");
    d.t("  session = { token: '")
      .s('TOKEN', v.jwt(r))
      .t("', expiresAt: ")
      .n('EPOCH_MS', String(r.int(1600000000, 1800000000)) + r.chars(DIGITS, 3))
      .t(' }\n');
    d.t("  req.headers = { authorization: 'Bearer ")
      .s('BEARER_TOKEN', v.opaqueToken(r))
      .t("', 'x-request-id': '")
      .n('UUID', v.uuid(r))
      .t("' }\n");
    d.t('  amount = ')
      .n('DECIMAL', `${r.int(1, 999)}.${r.chars(DIGITS, 2)}`)
      .t('\n  cardLast4 = ')
      .n('CARD_LAST4', `'${r.chars(DIGITS, 4)}'`)
      .t('\n');
  },
  shell(d) {
    const r = d.r;
    d.t('$ kubectl get pods -o wide\nNAME                          READY   STATUS    IP            NODE\n');
    for (let i = 0; i < r.int(2, 4); i++)
      d.n(
        'K8S_POD',
        `${r.pick(['checkout', 'payments'])}-${r.chars(LOWER + DIGITS, 10)}-${r.chars(LOWER + DIGITS, 5)}`,
      )
        .t('   1/1     Running   ')
        .s('IPV4', v.ipv4(r))
        .t('   node-')
        .t(String(r.int(1, 9)))
        .t('\n');
    d.t('$ mysql -h db --user=root --password ')
      .s('PASSWORD', v.password(r).replace(/[#;]/g, 'x'))
      .t(' -e "select 1"\n');
    d.t('$ curl -H "Authorization: Bearer ')
      .s('GITHUB_TOKEN', v.githubToken(r))
      .t('" https://api.github.com/user\n');
    d.t('$ docker pull app@')
      .n('IMAGE_DIGEST', `sha256:${r.chars(HEX, 64)}`)
      .t('\n$ ip link\n2: eth0: <BROADCAST> mtu 1500\n    link/ether ')
      .s('MAC_ADDRESS', v.mac(r))
      .t(' brd ff:ff:ff:ff:ff:ff\n    inet6 ')
      .s('IPV6', v.ipv6(r))
      .t('/64 scope global\n');
  },
  csv(d) {
    const r = d.r;
    d.t('User name,Access key ID,Secret access key,Console login link\n');
    d.t('deploy,')
      .s('AWS_ACCESS_KEY_ID', v.awsAccessKeyId(r))
      .t(',')
      .s('AWS_SECRET_ACCESS_KEY', v.awsSecretKey(r))
      .t(',https://')
      .n('ACCOUNT_ID', r.chars(DIGITS, 12))
      .t('.signin.aws.amazon.com/console\n');
  },
  sqlstatements(d) {
    const r = d.r;
    d.t("ALTER USER reporting WITH PASSWORD '").s('PASSWORD', v.password(r).replace(/'/g, 'x')).t("';\n");
    d.t("UPDATE orders SET status='shipped' WHERE id='")
      .n('UUID', v.uuid(r))
      .t("' AND total > ")
      .n('DECIMAL', `${r.int(1, 999)}.${r.chars(DIGITS, 2)}`)
      .t(';\n');
  },
};

const CONTEXT_NAMES = Object.keys(CONTEXTS);

/**
 * Generates a labeled corpus of production-like text: application and access logs, JSON bodies,
 * stack traces, SQL rows, environment dumps, HTTP headers, connection strings, config files,
 * debugger locals and shell output, with every detector type and many kinds of hard negative.
 *
 * @example
 * const docs = generateCorpus({ seed: 7, documents: 500 });
 */
export function generateCorpus(options: CorpusOptions = {}): CorpusDocument[] {
  const r = new Rng(options.seed ?? 1);
  const n = options.documents ?? 2000;
  const docs: CorpusDocument[] = [];
  for (let i = 0; i < n; i++) {
    const context = CONTEXT_NAMES[i % CONTEXT_NAMES.length]!;
    const d = new Doc(r, context);
    CONTEXTS[context]!(d);
    d.t('note: ');
    d.neg();
    d.t(' and ');
    d.neg();
    d.t('\n');
    docs.push({ context, text: d.text, secrets: d.secrets, negatives: d.negatives });
  }
  return docs;
}

/**
 * About `bytes` of log text with sparse secrets (roughly one line in fifty carries one), for
 * throughput measurements.
 */
export function generateLogText(bytes: number, seed = 1): string {
  const r = new Rng(seed);
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const d = new Doc(r, 'applog');
    logPrefix(d);
    if (r.chance(0.02)) {
      const [type, value] = r.pick(SECRETS)(r);
      inlineSecret(d, type, value);
    } else {
      d.t(r.pick(['GET /api/v1/orders/', 'processed job ', 'cache hit ', 'span ', 'db query took ']));
      d.neg();
      d.t(` user_id=${r.int(1, 999999)} status=`)
        .t(String(r.pick([200, 201, 404, 500])))
        .t(' duration_ms=')
        .t(String(r.int(1, 2000)));
    }
    d.t(` trace_id=${r.chars(HEX, 32)}\n`);
    parts.push(d.text);
    size += d.text.length;
  }
  return parts.join('');
}

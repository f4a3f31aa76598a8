import * as v from './values.js';
import type { Rng } from './values.js';
import { ALNUM, B64, DIGITS, HEX, LOWER } from './values.js';

// ---------------------------------------------------------------------------------------------
// Hard negatives: everything here must come out byte for byte.

export function isoTime(r: Rng): string {
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

export function negative(r: Rng): [string, string] {
  const [kind, gen] = r.pick(NEGATIVES);
  return [kind, gen(r)];
}

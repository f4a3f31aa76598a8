/**
 * The regression corpus: every bypass or false positive ever found becomes a case here, forever.
 * This list only grows. `leak` values must not survive (no 8-character run of them); `keep` values
 * must come out unchanged.
 */
export interface RegressionCase {
  /** What the case guards, in a few words. */
  name: string;
  level: 'standard' | 'strict';
  input: string;
  leak: string[];
  keep: string[];
}

export const REGRESSION_CORPUS: readonly RegressionCase[] = [
  {
    name: 'password containing @ in a connection URL',
    level: 'standard',
    input: 'postgres://app:s3cr3tP@ss@db.internal:5432/prod',
    leak: ['s3cr3tP@ss'],
    keep: ['db.internal:5432/prod'],
  },
  {
    name: 'URL userinfo is not an e-mail address',
    level: 'standard',
    input: 'DATABASE_URL=postgres://app:Zoe723$gjt@db-6.prod.internal:5432/app',
    leak: ['Zoe723$gjt'],
    keep: ['db-6.prod.internal'],
  },
  {
    name: 'password ending in ? inside a redis URL',
    level: 'standard',
    input: 'redis://:Horse5665?@cache-1.prod.internal:6379/0',
    leak: ['Horse5665?'],
    keep: ['cache-1.prod.internal:6379/0'],
  },
  {
    name: 'UK mobile with a six-digit group',
    level: 'standard',
    input: '{"phone":"+44 7700 166472"}',
    leak: ['7700 166472'],
    keep: [],
  },
  {
    name: 'German number with an eight-digit group',
    level: 'standard',
    input: 'phone=+49 30 05554975 request_id=req_1',
    leak: ['30 05554975'],
    keep: ['req_1'],
  },
  {
    name: 'card-like digits inside an invalid IBAN are not a card',
    level: 'standard',
    input: 'note: FR58 9683 6350 6422 0671 6203 548 end',
    leak: [],
    keep: ['FR58 9683 6350 6422 0671 6203 548'],
  },
  {
    name: 'environment reference is not a secret',
    level: 'standard',
    input: 'DB_PASSWORD=${VAULT_DB_PASSWORD}\nAPI_TOKEN={{ .Values.token }}',
    leak: [],
    keep: ['${VAULT_DB_PASSWORD}', '{{ .Values.token }}'],
  },
  {
    name: 'truncated PEM key followed by ordinary log text',
    level: 'standard',
    input:
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC\nnext: plain words here\n',
    leak: ['MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC'],
    keep: ['next: plain words here'],
  },
  {
    name: 'counters named like secrets keep their values',
    level: 'strict',
    input: 'token_count=42 password_length=12 max_tokens=4096',
    leak: [],
    keep: ['token_count=42', 'password_length=12', 'max_tokens=4096'],
  },
  {
    name: 'scope operators are not IPv6 addresses',
    level: 'strict',
    input: 'std::vector a::b Foo::Bar dead::beef',
    leak: [],
    keep: ['std::vector a::b Foo::Bar dead::beef'],
  },
  {
    name: 'card number spelled with a word before it',
    level: 'standard',
    input: 'charge card 6553 2974 2679 4608 declined',
    leak: [],
    keep: ['charge card', 'declined'],
  },
  {
    name: 'JSON-escaped quoted secret inside a JSON string',
    level: 'standard',
    input: '{"body":"{\\"client_secret\\":\\"abcDEF123ghiJKL456\\"}"}',
    leak: ['abcDEF123ghiJKL456'],
    keep: ['client_secret'],
  },
  {
    name: 'SQL password keyword in mixed case, alone on its line',
    level: 'standard',
    input: "ALTER ROLE ops PaSsWoRd 'hunter2hunter2';",
    leak: ['hunter2hunter2'],
    keep: ['ALTER ROLE ops PaSsWoRd'],
  },
  {
    name: 'SQL password in mixed case masked the same whether or not an earlier line says PASSWORD',
    level: 'standard',
    input: "ALTER ROLE app PASSWORD 'Tr0ub4dor&3x';\nALTER ROLE ops iDeNtIfIeD bY 'hunter2hunter2';\n",
    leak: ['Tr0ub4dor&3x', 'hunter2hunter2'],
    keep: ['ALTER ROLE ops iDeNtIfIeD bY'],
  },
  {
    name: 'key name split by an underscore (SEC_RET), caught by redactValue but not in text',
    level: 'standard',
    input: 'export SEC_RET=Zq8vT2mLx9Wp\n',
    leak: ['Zq8vT2mLx9Wp'],
    keep: ['export SEC_RET='],
  },
  {
    name: 'key name spelled with dots (p.a.s.s.w.o.r.d)',
    level: 'standard',
    input: 'cfg p.a.s.s.w.o.r.d=hunter2hunter2 region=eu-west-1',
    leak: ['hunter2hunter2'],
    keep: ['cfg p.a.s.s.w.o.r.d=', 'region=eu-west-1'],
  },
  {
    name: 'quoted key name split by underscores and dashes',
    level: 'standard',
    input: '{"A_P_I-K_E_Y": "sk9Hh2kLq0PzX7wR", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"}',
    leak: ['sk9Hh2kLq0PzX7wR'],
    keep: ['"A_P_I-K_E_Y": ', '4bf92f3577b34da6a3ce929d0e0e4736'],
  },
];

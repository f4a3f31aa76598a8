import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedactor } from './index.js';
import { everyWay, leaked } from './testing/index.js';

// [what, input, values that must not survive, text that must]
const cases: Array<[string, string, string[], string[]]> = [
  [
    'space-aligned columns (kubectl -o custom-columns, -o wide), a second table ending the first',
    'NAME          DB_PASSWORD        API_TOKEN\napp-config    Plum7-Orbit-Tulip  q8Zr3vKx0LmNp2\nother         Anchor8-Tulip      xyzzy12345abc\nCONTAINER ID   IMAGE          COMMAND\n0f1e2d3c4b5a   nginx:1.25     nginx-g-daemon\n',
    ['Plum7-Orbit-Tulip', 'q8Zr3vKx0LmNp2', 'Anchor8-Tulip', 'xyzzy12345abc'],
    ['app-config', 'nginx:1.25     nginx-g-daemon', '0f1e2d3c4b5a'],
  ],
  [
    'YAML tags before a sensitive value (detect-secrets config.yaml)',
    'high_entropy_binary_secret: !!binary MjNjcnh1IDJieXJpdXYyeXJpaTJidnl1MnI4OXkyb3UwMg==\napi_key: !!str q8Zr3vKx0Lm\n',
    ['MjNjcnh1IDJieXJpdXYyeXJpaTJidnl1MnI4OXkyb3UwMg==', 'q8Zr3vKx0Lm'],
    ['!!binary', '!!str'],
  ],
  [
    'YAML block scalars under sensitive keys, tagged or not, until the indentation ends',
    'db:\n  db_password: !!binary |\n    aHVudGVyMi1zZWNyZXQ=\n\n    Plum7-Orbit-Tulip\n  user: bob\npassword: >-\n  Anchor8 Tulip Plum\nnote: |\n  ordinary words here\n',
    ['aHVudGVyMi1zZWNyZXQ=', 'Plum7-Orbit-Tulip', 'Anchor8 Tulip Plum'],
    ['  user: ', 'ordinary words here', 'db_password: !!binary |'],
  ],
  [
    'psql aligned output, transformed PII under an ssn column',
    ' id | username | password      | ssn       | created_at\n----+----------+---------------+-----------+---------------------\n  1 | alice    | plum7Orbit    | 536228741 | 2024-01-15 10:30:45\n  2 | bob      | Tulip-Anchor8 | 1478-22-635 | 2024-01-16 11:00:00\n(2 rows)\n',
    ['plum7Orbit', 'Tulip-Anchor8', '536228741', '1478-22-635'],
    ['2024-01-15 10:30:45', '(2 rows)'],
  ],
  [
    'mysql box',
    '+----+-----------+--------------------+\n| id | api_token | note               |\n+----+-----------+--------------------+\n|  7 | q8Zr3vKx0 | first deploy       |\n+----+-----------+--------------------+\n1 row in set (0.00 sec)\n',
    ['q8Zr3vKx0'],
    ['first deploy', '1 row in set'],
  ],
  [
    'psql -A -F, (unaligned, comma)',
    'id,secret,region\n1,Maple-Drift-42,eu-west-1\n2,Cedar-Brook-77,us-east-1\n(2 rows)\n',
    ['Maple-Drift-42', 'Cedar-Brook-77'],
    ['eu-west-1', 'us-east-1'],
  ],
  [
    'mysql -B (tab-separated)',
    'user\tpasswd\thost\nroot\tOak-Harbor-19\tlocalhost\n',
    ['Oak-Harbor-19'],
    ['localhost'],
  ],
  [
    'Kubernetes env: name line then value line',
    'env:\n  - name: DB_PASSWORD\n    value: Birch-Canyon-55\n  - name: LOG_LEVEL\n    value: debug\n',
    ['Birch-Canyon-55'],
    ['value: debug'],
  ],
  [
    '[name, value] pairs and name/value objects',
    'settings [["api_key", "zX81-qqPl-77Mw"], ["region", "eu"]] {"name":"CLIENT_SECRET","value":"Willow-Peak-31"}\n',
    ['zX81-qqPl-77Mw', 'Willow-Peak-31'],
    ['"region", "eu"'],
  ],
  [
    'redis-cli numbered replies: a sensitive field, then its value (CONFIG GET, HGETALL)',
    '127.0.0.1:6379> CONFIG GET requirepass\n1) "requirepass"\n2) "vR7#qLz!92mKd"\n127.0.0.1:6379> HGETALL user:7\n1) "name"\n2) "ann"\n3) "api_token"\n4) "tk-77Qw-Zp31"\n',
    ['vR7#qLz!92mKd', 'tk-77Qw-Zp31'],
    ['2) "ann"', '1) "requirepass"'],
  ],
  [
    'a sensitive name holding a {"value": …} object (Spring Boot actuator /env)',
    '{"properties":{"SPRING_DATASOURCE_PASSWORD":{"value":"Spr1ng-Ds-Pw!"},"SERVER_PORT":{"value":"8080"}}}\n',
    ['Spr1ng-Ds-Pw!'],
    ['"8080"'],
  ],
  [
    'mysql -p with the password attached',
    '$ mysql -uroot -pAsh-Meadow-64 -h db app\n',
    ['Ash-Meadow-64'],
    ['-h db app'],
  ],
  [
    'curl -u user:password',
    '$ curl -u deploy:Elm-Ridge-23 https://ci.example.com/api\n',
    ['Elm-Ridge-23'],
    ['https://ci.example.com/api'],
  ],
  ['--password=', '$ tool --password=Fir-Valley-48 --verbose\n', ['Fir-Valley-48'], ['--verbose']],
  ['--token value', '$ gh --token Pine-Shore-90 repo list\n', ['Pine-Shore-90'], ['repo list']],
  ['PGPASSWORD=', '$ PGPASSWORD=Yew-Grove-12 psql -h db\n', ['Yew-Grove-12'], ['psql -h db']],
  [
    "curl -H 'Authorization: …'",
    "$ curl -H 'Authorization: Token Spruce-Hill-57aa' https://api.example.com\n",
    ['Spruce-Hill-57aa'],
    ['curl -H'],
  ],
  // settings tables: one name and value per row (Vault CLI table output, mysql SHOW VARIABLES,
  // psql pg_settings, a key,value CSV); the row's name says what its value is
  [
    'vault kv get / vault token create: Key  Value rows',
    '====== Data ======\nKey         Value\n---         -----\napi_key     Vk-9f8e7d6c5b4a3928\npassword    Vault-Kv-Pw-7xQ\nusername    svc_orders\n\nKey                  Value\n---                  -----\ntoken                hvs.uV231Xe5hChQSLodCy7FazZc7DxN6gpYmnDZkk\ntoken_duration       768h\n',
    ['Vk-9f8e7d6c5b4a3928', 'Vault-Kv-Pw-7xQ', 'hvs.uV231Xe5hChQSLodCy7FazZc7DxN6gpYmnDZkk'],
    ['username    ', 'token_duration       768h'],
  ],
  [
    'mysql SHOW VARIABLES box and psql name | setting',
    '+---------------------+-----------------+\n| Variable_name       | Value           |\n+---------------------+-----------------+\n| replication_password | Repl-Var-Pw-3x |\n| port                | 3306            |\n+---------------------+-----------------+\n name | setting\n------+---------\n ssl_passphrase_command_secret | Pg-Set-Pw-9z\n work_mem | 4MB\n',
    ['Repl-Var-Pw-3x', 'Pg-Set-Pw-9z'],
    ['| port                | 3306            |', ' work_mem | 4MB'],
  ],
  [
    'aws ssm get-parameter: "Name" and "Value" members with another member between them',
    '{\n    "Parameter": {\n        "Name": "/prod/orders/db_password",\n        "Type": "SecureString",\n        "Value": "Ssm-Param-Pw-4kZ",\n        "Version": 3\n    }\n}\n',
    ['Ssm-Param-Pw-4kZ'],
    ['"Name": "/prod/orders/db_password"', '"Type": "SecureString"', '"Version": 3'],
  ],
  [
    'key,value CSV',
    'key,value\nregion,eu-west-1\nsmtp_password,Csv-Kv-Pw-4t\n',
    ['Csv-Kv-Pw-4t'],
    ['region,eu-west-1'],
  ],
  [
    'qualified flags (--db-password, --admin-token) and /proc/PID/cmdline NUL separators',
    '$ node server.js --db-password Flag-Db-Pw-7q --admin-token Tk-8f7e6d5c4b3a2918 --port 8080\n/usr/bin/node\u0000server.js\u0000--db-password\u0000Cmd-Nul-Pw-6tY\u0000--port\u00008080\u0000\n',
    ['Flag-Db-Pw-7q', 'Tk-8f7e6d5c4b3a2918', 'Cmd-Nul-Pw-6tY'],
    ['--port 8080', '--port\u00008080'],
  ],
  [
    '/proc/PID/environ: NUL ends a value',
    'DB_PASSWORD=Proc-Env-Pw-3mN\u0000NODE_ENV=production\u0000LANG=C.UTF-8\u0000\n',
    ['Proc-Env-Pw-3mN'],
    ['NODE_ENV=production', 'LANG=C.UTF-8'],
  ],
  [
    'kubeconfig client-key-data (base64 PEM longer than the decoder reads)',
    `users:\n- name: admin\n  user:\n    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t\n    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo${'QUJD'.repeat(600)}\n`,
    ['LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo'],
    ['client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t'],
  ],
];

for (const level of ['standard', 'strict'] as const) {
  test(`tables, pairs and command lines mask by context (${level})`, () => {
    const r = createRedactor({ level });
    for (const [what, input, secrets, keep] of cases) {
      for (const out of everyWay(r, input)) {
        for (const s of secrets) assert.equal(leaked(s, input, out), false, `${what}: ${s} in\n${out}`);
        for (const k of keep) assert.ok(out.includes(k), `${what}: lost ${k} in\n${out}`);
      }
    }
  });
}

test('tables without sensitive columns, and ordinary command lines, come out unchanged', () => {
  const r = createRedactor();
  const keep = [
    ' id | status  | created_at\n----+---------+---------------------\n  1 | shipped | 2024-01-15 10:30:45\n',
    'NAME                  READY   STATUS    RESTARTS   AGE\ncheckout-7d9f8-x2x   1/1     Running   0          3d\n',
    'name,count,ratio\nalpha,42,0.5\n',
    '$ ls -la /var/log && tail -n 20 app.log\n$ ps -p 1234 -o pid,cmd\n',
    'Key         Value\n---         -----\nregion      eu-west-1\nttl         768h\n',
    'name,value\nrequests_total,42\nauth_failures,3\n',
    '{\n  "Name": "/prod/orders/region",\n  "Type": "String",\n  "Value": "eu-west-1"\n}\n',
    '[\n  {\n    "Name": "/prod/db_password",\n    "Type": "SecureString"\n  },\n  {\n    "Value": "next-object-value"\n  }\n]\n',
    '$ app --password-file /run/secrets/db --token-ttl 3600 --pass-through\n',
  ];
  for (const input of keep) assert.equal(r.redactText(input).text, input);
});

test('etcdctl get --prefix: the line after a key path naming a secret is masked; listings of keys are not', () => {
  const r = createRedactor();
  const out = r.redactText(
    '/config/orders/db/host\ndb.internal\n/config/orders/db/password\nEtcd-Line-Pw-2wE\n/config/orders/replicas\n3\n',
  );
  assert.equal(
    out.text,
    '/config/orders/db/host\ndb.internal\n/config/orders/db/password\n[REDACTED:PASSWORD]\n/config/orders/replicas\n3\n',
  );
  // a listing of paths (find, etcdctl --keys-only) holds no values
  const listing = '/etc/app/password\n/etc/app/config\n/srv/secrets/api_token\n/srv/secrets/readme\n';
  assert.equal(r.redactText(listing).text, listing);
  // streamed one character at a time, as a terminal receives it
  const s = r.createStream();
  let streamed = '';
  for (const ch of '/prod/api_token\ntok-Value-9x\n') streamed += s.push(ch);
  streamed += s.end();
  assert.equal(streamed, '/prod/api_token\n[REDACTED:TOKEN]\n');
});

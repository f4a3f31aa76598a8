// What a failed password login costs depending on whom it names: nobody, a user with today's hash
// (scrypt N = 2^17), users whose hash older gateways wrote (N = 2^14, 2^15, 2^16), in the same run,
// through the HTTP API of one gateway. Median of the runs per case and its ratio to "nobody": an
// attacker timing logins must not tell the cases apart (a ratio near 1 everywhere).
// Run: npx tsc -b bench && node bench/dist/login-timing.js [runs]
import { randomBytes, scryptSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { buildServer } from '@glovebox/gateway';

const RUNS = Number(process.argv[2] ?? 7);
const POLICIES = fileURLToPath(new URL('../../examples/policies', import.meta.url));
const PASSWORD = 'olivia-password-123';

function hashWith(N: number): string {
  const salt = randomBytes(16);
  const key = scryptSync(PASSWORD, salt, 32, { N, r: 8, p: 1, maxmem: 160 * 1024 * 1024 });
  return ['scrypt', N, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
}

const dir = mkdtempSync(join(tmpdir(), 'gbx-login-timing-'));
const gw = buildServer({
  dataDir: dir,
  policiesDir: POLICIES,
  bootstrapToken: 'gbx_t_login-timing-bench-admin-token-0',
  watchPolicies: false,
  credentialLimits: { windowMs: 60_000, perUserAndSource: 1000, perUser: 1000, perSource: 10_000 },
  logDestination: new Writable({ write: (_c, _e, done) => done() }),
});
await gw.ready();
const { identity, store } = gw.services;
const cases: Record<string, string> = { nobody: 'nobody', 'N=2^17': 'current' };
await identity.createUser('current', ['engineers'], PASSWORD);
for (const N of [2 ** 14, 2 ** 15, 2 ** 16]) {
  const name = `older-${N}`;
  const user = await identity.createUser(name, ['engineers'], PASSWORD);
  await store.replacePasswordHash(user.id, user.passwordHash!, hashWith(N));
  cases[`N=2^${Math.log2(N)}`] = name;
}
const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const once = async (user: string) => {
  const start = process.hrtime.bigint();
  const res = await gw.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { user, password: 'wrong-password-12' },
  });
  if (res.statusCode !== 401) throw new Error(`expected 401, got ${res.statusCode}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
};
await once('nobody'); // the decoy hash is made once per process
// Interleaved, so that load on the machine falls on every case alike.
for (let i = 0; i < RUNS; i++)
  for (const [k, user] of Object.entries(cases)) times[k]!.push(await once(user));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(times.nobody!);
console.log(
  JSON.stringify({
    runs: RUNS,
    medianMs: Object.fromEntries(Object.entries(times).map(([k, xs]) => [k, Math.round(median(xs))])),
    ratioToNobody: Object.fromEntries(
      Object.entries(times).map(([k, xs]) => [k, +(median(xs) / base).toFixed(2)]),
    ),
  }),
);
await gw.close();
rmSync(dir, { recursive: true, force: true });

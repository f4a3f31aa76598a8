// Policy decision latency with 100 policies: the engine's entity slice against the same request
// evaluated with every entity (100+), both on the same prepared policy set, in the same run.
// Run: npx tsc -b bench && node bench/dist/policy-decision.js
import { copyFile, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { PolicyEngine, type AuthzRequest } from '@glovebox/policy';

const EXAMPLES = resolve(import.meta.dirname, '../../examples/policies');
const N = Number(process.env['BENCH_N'] ?? 3000);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function measure(fn: () => void): { p50: number; p99: number; mean: number } {
  for (let i = 0; i < 300; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return {
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    mean: times.reduce((a, b) => a + b, 0) / times.length,
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gbx-bench-policy-'));
  for (const f of await readdir(EXAMPLES))
    if (f.endsWith('.cedar') || f.endsWith('.cedarschema')) await copyFile(join(EXAMPLES, f), join(dir, f));
  const team: string[] = [];
  for (let i = 0; i < 90; i++)
    team.push(`@id("team-${i}-inspect") @maxDuration("2h") @idleTimeout("20m")
permit (principal in Glovebox::Group::"team-${i}", action in Glovebox::Action::"inspect", resource is Glovebox::Target)
when { resource has owner && resource.owner == Glovebox::Group::"team-${i}" && (resource.env == "staging" || context.mfaAgeSec < 600) };`);
  await writeFile(join(dir, 'teams.cedar'), team.join('\n\n'));

  const { engine, result } = await PolicyEngine.fromDir(dir);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  const policies = engine.describe().policies.length;

  const request: AuthzRequest = {
    principal: { id: 'alice', groups: ['engineers', 'team-7'] },
    action: 'snapshot',
    resource: {
      kind: 'target',
      name: 'checkout-staging',
      env: 'staging',
      owner: 'team-7',
      tags: { tier: 'gold' },
    },
    context: {
      reason: 'INC-42',
      mfaAgeSec: 60,
      breakGlass: false,
      localHour: 10,
      weekday: 2,
      requester: 'alice',
    },
  };
  const decision = engine.authorize(request);
  if (!decision.allowed) throw new Error(`bench request not allowed: ${JSON.stringify(decision)}`);

  // Baseline: the same call on the same prepared set, but with every user, group and target of a
  // realistic directory (100 groups, 50 users, 50 targets) instead of the request's slice.
  const schemaText = engine.describe().schema!;
  const staticPolicies = Object.fromEntries(engine.describe().policies.map((p) => [p.id, p.text]));
  cedar.preparseSchema('bench', schemaText);
  cedar.preparsePolicySet('bench', { staticPolicies });
  const G = (id: string) => ({ type: 'Glovebox::Group', id });
  const all: cedar.EntityJson[] = [];
  for (let i = 0; i < 90; i++) all.push({ uid: G(`team-${i}`), attrs: {}, parents: [] });
  for (const g of ['engineers', 'sre-leads', 'oncall', 'admins', 'auditors'])
    all.push({ uid: G(g), attrs: {}, parents: [] });
  for (let i = 0; i < 50; i++)
    all.push({
      uid: { type: 'Glovebox::User', id: i === 0 ? 'alice' : `user-${i}` },
      attrs: {},
      parents: [G('engineers'), G(`team-${i === 0 ? 7 : i}`)],
    });
  for (let i = 0; i < 50; i++)
    all.push({
      uid: { type: 'Glovebox::Target', id: i === 0 ? 'checkout-staging' : `target-${i}` },
      attrs: { env: 'staging', owner: { __entity: G(`team-${i === 0 ? 7 : i}`) } },
      parents: [],
      tags: { tier: 'gold' },
    });
  const call = {
    principal: { type: 'Glovebox::User', id: 'alice' },
    action: { type: 'Glovebox::Action', id: 'snapshot' },
    resource: { type: 'Glovebox::Target', id: 'checkout-staging' },
    context: {
      reason: 'INC-42',
      mfaAgeSec: 60,
      breakGlass: false,
      localHour: 10,
      weekday: 2,
      requester: { __entity: { type: 'Glovebox::User', id: 'alice' } },
    },
    entities: all,
    preparsedPolicySetId: 'bench',
    preparsedSchemaName: 'bench',
    validateRequest: true,
  };
  const check = cedar.statefulIsAuthorized(call);
  if (check.type !== 'success' || check.response.decision !== 'allow')
    throw new Error('baseline request not allowed');

  const sliced = measure(() => engine.authorize(request));
  const full = measure(() => cedar.statefulIsAuthorized(call));
  const ms = (x: number): string => `${x.toFixed(3)} ms`;
  console.log(
    `policy decision latency, ${policies} policies (${policies - 90} from examples/policies + 90 generated team rules), N=${N}`,
  );
  console.log(
    `  baseline: stateful Cedar, all ${all.length} entities   p50 ${ms(full.p50)}  p99 ${ms(full.p99)}  mean ${ms(full.mean)}`,
  );
  console.log(
    `  engine.authorize, request's entity slice   p50 ${ms(sliced.p50)}  p99 ${ms(sliced.p99)}  mean ${ms(sliced.mean)}`,
  );
  console.log(
    `  ratio baseline/engine: p50 ${(full.p50 / sliced.p50).toFixed(1)}x  p99 ${(full.p99 / sliced.p99).toFixed(1)}x`,
  );
  console.log(`  engine decisions/s (1 thread, from mean): ${Math.round(1000 / sliced.mean)}`);
}

await main();

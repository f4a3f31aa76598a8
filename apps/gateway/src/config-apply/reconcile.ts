import { canonicalJson } from '@glovebox/protocol';
import type { AgentRecord, UserRecord } from '../store/index.js';
import type { ManagedSetting } from '../store/managed-settings.js';
import type { ConfigDocument } from './document.js';

/** One difference between glovebox.yaml and the gateway. Never carries a secret value. */
export interface ConfigChange {
  section: 'users' | 'agents' | 'auditSinks' | 'webhooks' | 'sso';
  name: string;
  op: 'create' | 'update' | 'delete';
  /** What differs; secrets appear as `set` / `rotated`, never as values. */
  fields: { field: string; before?: unknown; after?: unknown }[];
}

/** What applying the document would do. */
export interface ConfigPlan {
  changes: ConfigChange[];
  /** Deletions that only happen with `--prune`. */
  pruneSkipped: ConfigChange[];
  /** Items already as the document says. */
  unchanged: number;
}

/** The gateway's current state, as far as glovebox.yaml manages it. */
export interface ConfigState {
  users: UserRecord[];
  agents: AgentRecord[];
  settings: ManagedSetting[];
}

export interface PlanOptions {
  prune: boolean;
  /** User name of whoever applies: never pruned (nobody locks themselves out by accident). */
  caller: string;
  /** Hashes of the agent credentials the client read (by agent name), to see rotations. */
  credentialHashes: Record<string, string>;
}

/** CI identities are made by the token exchange from its rules, not by glovebox.yaml. */
const EXCHANGE_MANAGED_USER = /^ci-/;

const sorted = (list: readonly string[]): string[] => [...new Set(list)].sort();
const same = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

/**
 * Compares a validated document with the gateway's state. Pure: the same inputs always give the
 * same plan, and a second plan after applying the first is empty (idempotence).
 */
export function planConfig(doc: ConfigDocument, state: ConfigState, options: PlanOptions): ConfigPlan {
  const plan: ConfigPlan = { changes: [], pruneSkipped: [], unchanged: 0 };
  const deletion = (change: ConfigChange): void => {
    (options.prune ? plan.changes : plan.pruneSkipped).push(change);
  };
  if (doc.users !== undefined) planUsers(doc.users, state.users, options, plan, deletion);
  if (doc.agents !== undefined) planAgents(doc.agents, state.agents, options, plan, deletion);
  const setting = (key: ManagedSetting['key']) => state.settings.find((s) => s.key === key)?.value;
  if (doc.auditSinks !== undefined)
    planNamedList(
      'auditSinks',
      doc.auditSinks,
      (setting('auditSinks') ?? []) as { name: string }[],
      plan,
      deletion,
    );
  if (doc.webhooks !== undefined)
    planNamedList(
      'webhooks',
      doc.webhooks,
      (setting('webhooks') ?? []) as { name: string }[],
      plan,
      deletion,
    );
  if (doc.sso !== undefined) {
    const current = setting('sso');
    if (same(current ?? null, doc.sso)) plan.unchanged++;
    else
      plan.changes.push({
        section: 'sso',
        name: 'groupMapping',
        op: current === undefined ? 'create' : 'update',
        fields: [
          {
            field: 'groupMapping',
            before: (current as { groupMapping?: unknown } | undefined)?.groupMapping ?? null,
            after: doc.sso.groupMapping,
          },
        ],
      });
  }
  return plan;
}

function planUsers(
  desired: NonNullable<ConfigDocument['users']>,
  current: UserRecord[],
  options: PlanOptions,
  plan: ConfigPlan,
  deletion: (c: ConfigChange) => void,
): void {
  const byName = new Map(current.map((u) => [u.name, u]));
  for (const want of desired) {
    const have = byName.get(want.name);
    if (have === undefined) {
      plan.changes.push({
        section: 'users',
        name: want.name,
        op: 'create',
        fields: [
          { field: 'groups', after: sorted(want.groups) },
          ...(want.disabled ? [{ field: 'disabled', after: true }] : []),
        ],
      });
      continue;
    }
    const fields: ConfigChange['fields'] = [];
    if (!same(sorted(have.groups), sorted(want.groups)))
      fields.push({ field: 'groups', before: sorted(have.groups), after: sorted(want.groups) });
    if (have.disabled !== want.disabled)
      fields.push({ field: 'disabled', before: have.disabled, after: want.disabled });
    if (fields.length === 0) plan.unchanged++;
    else plan.changes.push({ section: 'users', name: want.name, op: 'update', fields });
  }
  const wanted = new Set(desired.map((u) => u.name));
  for (const have of current) {
    if (wanted.has(have.name) || have.disabled) continue;
    if (have.name === options.caller || EXCHANGE_MANAGED_USER.test(have.name)) continue;
    deletion({
      section: 'users',
      name: have.name,
      op: 'delete',
      fields: [{ field: 'disabled', before: false, after: true }],
    });
  }
}

function planAgents(
  desired: NonNullable<ConfigDocument['agents']>,
  current: AgentRecord[],
  options: PlanOptions,
  plan: ConfigPlan,
  deletion: (c: ConfigChange) => void,
): void {
  const byName = new Map(current.map((a) => [a.name, a]));
  for (const want of desired) {
    const have = byName.get(want.name);
    const hash = options.credentialHashes[want.name];
    const attributes = { env: want.env, owner: want.owner, tags: want.tags };
    if (have === undefined || have.revokedAt !== null) {
      plan.changes.push({
        section: 'agents',
        name: want.name,
        op: 'create',
        fields: [
          ...Object.entries(attributes).map(([field, after]) => ({ field, after })),
          { field: 'credential', after: hash === undefined ? 'generated' : 'set' },
        ],
      });
      continue;
    }
    const fields: ConfigChange['fields'] = [];
    for (const [field, after] of Object.entries(attributes)) {
      const before = have[field as keyof typeof attributes];
      if (!same(before, after)) fields.push({ field, before, after });
    }
    if (hash !== undefined && hash !== have.credentialHash)
      fields.push({ field: 'credential', after: 'rotated' });
    if (fields.length === 0) plan.unchanged++;
    else plan.changes.push({ section: 'agents', name: want.name, op: 'update', fields });
  }
  const wanted = new Set(desired.map((a) => a.name));
  for (const have of current)
    if (!wanted.has(have.name) && have.revokedAt === null)
      deletion({
        section: 'agents',
        name: have.name,
        op: 'delete',
        fields: [{ field: 'revoked', before: false, after: true }],
      });
}

function planNamedList(
  section: 'auditSinks' | 'webhooks',
  desired: readonly { name: string }[],
  current: readonly { name: string }[],
  plan: ConfigPlan,
  deletion: (c: ConfigChange) => void,
): void {
  const byName = new Map(current.map((x) => [x.name, x]));
  for (const want of desired) {
    const have = byName.get(want.name);
    if (have === undefined)
      plan.changes.push({ section, name: want.name, op: 'create', fields: describe(undefined, want) });
    else if (same(have, want)) plan.unchanged++;
    else plan.changes.push({ section, name: want.name, op: 'update', fields: describe(have, want) });
  }
  const wanted = new Set(desired.map((x) => x.name));
  for (const have of current)
    if (!wanted.has(have.name)) deletion({ section, name: have.name, op: 'delete', fields: [] });
}

/** Field-level differences of two settings items; secret references are names, shown as they are. */
function describe(before: object | undefined, after: object): ConfigChange['fields'] {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after)])].sort();
  const b = (before ?? {}) as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  return keys
    .filter((k) => !same(b[k] ?? null, a[k] ?? null))
    .map((field) => ({
      field,
      ...(before === undefined ? {} : { before: b[field] ?? null }),
      after: a[field] ?? null,
    }));
}

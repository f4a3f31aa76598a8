import { createHash } from 'node:crypto';
import { GloveboxError, newSecret, type Clock } from '@glovebox/core';
import { canonicalJson } from '@glovebox/protocol';
import type { Redactor } from '@glovebox/redact';
import type { AgentRecord, Store, UserRecord } from '../store/index.js';
import type { ManagedSettingKey } from '../store/managed-settings.js';
import type { AuditService } from '../services/audit-service.js';
import type { AccountControl } from '../services/account-control.js';
import type { Actor, IdentityService } from '../services/identity.js';
import { hashBearer } from '../services/secrets.js';
import { configDocumentSchema, type ConfigDocument } from './document.js';
import { findInlineSecrets } from './inline-secrets.js';
import { planConfig, type ConfigChange, type ConfigPlan } from './reconcile.js';

export interface ConfigServiceDeps {
  store: Store;
  identity: IdentityService;
  /** Disabling users and revoking or re-keying agents: the same path as the API's. */
  control: AccountControl;
  audit: AuditService;
  clock: Clock;
  redactor: Redactor;
  /**
   * Checks that the gateway can use settings before they are stored (secret references resolve,
   * sinks can be built); throws GBX_CONFIG_INVALID naming the problem, never a secret.
   */
  checkSettings: (doc: ConfigDocument) => void;
  /** Applies stored settings on this replica at once (the others follow by polling). */
  reloadSettings: () => Promise<void>;
}

/** What the client sends: the document as parsed YAML, and the agent credentials it resolved. */
export interface ConfigRequest {
  document: unknown;
  prune: boolean;
  /** Agent name -> credential, read by the client from the references in the document. */
  credentials: Record<string, string>;
}

export interface ConfigApplyResult extends ConfigPlan {
  digest: string;
  /** Credentials generated for new agents without a reference: shown once, here only. */
  generatedCredentials: { agent: string; credential: string }[];
}

const MIN_CREDENTIAL_LENGTH = 32;

/**
 * `glovebox plan -f` / `glovebox apply -f`: reconciles users, agents, audit sinks, webhooks and
 * the SSO group mapping with a glovebox.yaml. A plan changes nothing; an apply makes exactly the
 * plan's changes (deletions only with `prune`), each recorded in the audit trail, then a
 * `config.applied` summary. Applying the same document twice changes nothing the second time.
 */
export class ConfigService {
  readonly #d: ConfigServiceDeps;

  constructor(deps: ConfigServiceDeps) {
    this.#d = deps;
  }

  /** Validates a raw document; GBX_CONFIG_INVALID names the path of the first problem. */
  parse(raw: unknown): ConfigDocument {
    const inline = findInlineSecrets(raw, this.#d.redactor);
    if (inline.length > 0)
      throw new GloveboxError(
        'GBX_CONFIG_INVALID',
        `glovebox.yaml: ${inline[0]}: secrets are never written inline: use { env: NAME } or { file: PATH }`,
        { details: { paths: inline } },
      );
    const parsed = configDocumentSchema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 20)
        .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
      throw new GloveboxError('GBX_CONFIG_INVALID', `glovebox.yaml: ${issues[0] ?? 'invalid'}`, {
        details: { issues },
      });
    }
    return parsed.data;
  }

  async plan(actor: Actor, request: ConfigRequest): Promise<ConfigPlan & { digest: string }> {
    const doc = this.parse(request.document);
    this.#checkCredentials(doc, request.credentials);
    return { ...(await this.#plan(actor, doc, request)), digest: digestOf(doc) };
  }

  async apply(actor: Actor, request: ConfigRequest): Promise<ConfigApplyResult> {
    const doc = this.parse(request.document);
    this.#checkCredentials(doc, request.credentials);
    this.#d.checkSettings(doc);
    const plan = await this.#plan(actor, doc, request);
    await this.#assertAdministrable(actor, doc, plan);
    const generatedCredentials: ConfigApplyResult['generatedCredentials'] = [];
    for (const change of plan.changes) {
      const generated = await this.#applyChange(actor, doc, change, request.credentials);
      if (generated !== undefined) generatedCredentials.push({ agent: change.name, credential: generated });
    }
    const digest = digestOf(doc);
    await this.#d.audit.record({
      type: 'config.applied',
      actor: { kind: 'user', id: actor.name },
      outcome: 'success',
      details: {
        digest,
        prune: request.prune,
        changes: plan.changes.length,
        pruneSkipped: plan.pruneSkipped.length,
        unchanged: plan.unchanged,
      },
    });
    if (plan.changes.some((c) => c.section !== 'users' && c.section !== 'agents'))
      await this.#d.reloadSettings();
    return { ...plan, digest, generatedCredentials };
  }

  async #plan(actor: Actor, doc: ConfigDocument, request: ConfigRequest): Promise<ConfigPlan> {
    const { store } = this.#d;
    const [users, agents, settings] = await Promise.all([
      store.listUsers(),
      store.listAgents(),
      store.managedSettings.all(),
    ]);
    const credentialHashes = Object.fromEntries(
      Object.entries(request.credentials).map(([agent, credential]) => [agent, hashBearer(credential)]),
    );
    return planConfig(
      doc,
      { users, agents, settings },
      { prune: request.prune, caller: actor.name, credentialHashes },
    );
  }

  #checkCredentials(doc: ConfigDocument, credentials: Record<string, string>): void {
    const referenced = new Set(
      (doc.agents ?? []).filter((a) => a.credential !== undefined).map((a) => a.name),
    );
    for (const [agent, credential] of Object.entries(credentials)) {
      if (!referenced.has(agent))
        throw new GloveboxError(
          'GBX_CONFIG_INVALID',
          `a credential was sent for ${agent}, whose entry names no credential`,
        );
      if (credential.length < MIN_CREDENTIAL_LENGTH || credential.length > 512 || /\s/.test(credential))
        throw new GloveboxError(
          'GBX_CONFIG_INVALID',
          `the credential of agent ${agent} must be ${MIN_CREDENTIAL_LENGTH} to 512 characters without spaces`,
        );
    }
    for (const agent of referenced)
      if (credentials[agent] === undefined)
        throw new GloveboxError(
          'GBX_CONFIG_INVALID',
          `the credential of agent ${agent} was not sent (its reference could not be read?)`,
        );
  }

  /** Refuses, audited, a plan after which no enabled user could administer the gateway. */
  async #assertAdministrable(actor: Actor, doc: ConfigDocument, plan: ConfigPlan): Promise<void> {
    const users = new Map((await this.#d.store.listUsers()).map((u) => [u.name, u]));
    const next: UserRecord[] = [];
    for (const change of plan.changes) {
      if (change.section !== 'users') continue;
      const want = doc.users?.find((u) => u.name === change.name);
      const have = users.get(change.name);
      const base: UserRecord = have ?? {
        id: `new:${change.name}`,
        name: change.name,
        groups: [],
        passwordHash: null,
        totpSecretEnc: null,
        mfaEnrolledAt: null,
        createdAt: this.#d.clock.now(),
        disabled: false,
      };
      next.push(
        change.op === 'delete' || !want
          ? { ...base, disabled: true }
          : { ...base, groups: want.groups, disabled: want.disabled },
      );
    }
    if (next.length === 0) return;
    await this.#d.control.assertAdministrable(next).catch(async (err: unknown) => {
      await this.#d.audit.record({
        type: 'config.applied',
        actor: { kind: 'user', id: actor.name },
        outcome: 'failure',
        details: { digest: digestOf(doc), reason: 'last administrator', users: next.map((u) => u.name) },
      });
      throw err;
    });
  }

  /** Makes one planned change; returns a generated credential when one was made. */
  async #applyChange(
    actor: Actor,
    doc: ConfigDocument,
    change: ConfigChange,
    credentials: Record<string, string>,
  ): Promise<string | undefined> {
    const { store, clock } = this.#d;
    const by = { kind: 'user' as const, id: actor.name };
    switch (change.section) {
      case 'users': {
        const want = doc.users?.find((u) => u.name === change.name);
        if (change.op === 'create' && want) {
          const user = await this.#d.identity.createUser(want.name, want.groups, null);
          if (want.disabled) await this.#d.control.disableUser(user, actor.name);
          await this.#record('user.created', by, change, {
            user: want.name,
            groups: user.groups,
            source: 'config',
          });
          return undefined;
        }
        const user = await store.getUserByName(change.name);
        if (!user) return undefined;
        if (change.op === 'delete' || (want?.disabled && !user.disabled))
          await this.#d.control.disableUser(user, actor.name);
        else if (want && !want.disabled && user.disabled) await this.#d.control.enableUser(user);
        if (want) await store.updateUserGroups(user.id, [...new Set(want.groups)].sort());
        await this.#record('user.updated', by, change, { user: change.name, source: 'config' });
        return undefined;
      }
      case 'agents':
        return this.#applyAgent(by, doc, change, credentials);
      case 'auditSinks':
      case 'webhooks':
      case 'sso': {
        const key: ManagedSettingKey = change.section;
        const value = doc[key];
        await store.managedSettings.put(key, value, actor.name, clock.now());
        await this.#record('config.changed', by, change, { section: key });
        return undefined;
      }
    }
  }

  async #applyAgent(
    by: { kind: 'user'; id: string },
    doc: ConfigDocument,
    change: ConfigChange,
    credentials: Record<string, string>,
  ): Promise<string | undefined> {
    const { store, clock } = this.#d;
    const existing = await store.getAgentByName(change.name);
    if (change.op === 'delete') {
      if (existing) await this.#d.control.revokeAgent(existing, by.id);
      await this.#record('agent.revoked', by, change, { agent: change.name, source: 'config' });
      return undefined;
    }
    const want = doc.agents?.find((a) => a.name === change.name);
    if (!want) return undefined;
    const given = credentials[want.name];
    const generated = given === undefined && change.op === 'create' ? newSecret('gbx_a') : undefined;
    const credential = given ?? generated;
    const next: AgentRecord = {
      id: existing?.id ?? `agt_${want.name}`,
      name: want.name,
      env: want.env,
      owner: want.owner,
      tags: want.tags,
      credentialHash: credential === undefined ? existing!.credentialHash : hashBearer(credential),
      createdAt: existing?.createdAt ?? clock.now(),
      revokedAt: null,
    };
    if (existing) await this.#d.control.replaceAgent(next);
    else await store.createAgent(next);
    await this.#record(
      existing && change.op === 'update' ? 'agent.updated' : 'agent.registered',
      by,
      change,
      {
        agent: want.name,
        env: want.env,
        owner: want.owner,
        tags: want.tags,
        source: 'config',
      },
    );
    return generated;
  }

  async #record(
    type:
      | 'user.created'
      | 'user.updated'
      | 'agent.registered'
      | 'agent.updated'
      | 'agent.revoked'
      | 'config.changed',
    actor: { kind: 'user'; id: string },
    change: ConfigChange,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.#d.audit.record({
      type,
      actor,
      ...(change.section === 'agents' ? { target: change.name } : {}),
      outcome: 'success',
      details: { ...details, op: change.op, fields: change.fields.map((f) => f.field) },
    });
  }
}

function digestOf(doc: ConfigDocument): string {
  return `sha256:${createHash('sha256').update(canonicalJson(doc)).digest('hex')}`;
}

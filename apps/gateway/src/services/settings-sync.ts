import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { GloveboxError } from '@glovebox/core';
import type { GatewayConfig, WebhookConfig } from '../config.js';
import type { ConfigDocument, ConfigWebhook } from '../config-apply/document.js';
import type { Store } from '../store/index.js';
import type { ManagedSetting } from '../store/managed-settings.js';
import type { AuditSinks } from './audit-sinks.js';
import type { Metrics } from './metrics.js';
import type { Notifier } from './notifier.js';

export interface SettingsSyncConfig {
  store: Store;
  config: GatewayConfig;
  sinks: AuditSinks;
  notifier: Notifier;
  log: Logger;
  metrics: Metrics;
  intervalMs: number;
  /** Where secret references are read; injectable for tests. */
  env?: Readonly<Record<string, string | undefined>>;
}

type SecretRef = { env: string } | { file: string };

/**
 * Keeps this replica on the settings applied from glovebox.yaml: audit sinks and webhooks join
 * those of the configuration file, the SSO group mapping replaces the file's. Secrets are read
 * here, where the gateway runs, from the references the document names. Polls the store's
 * settings revision; a revision that cannot be used keeps the previous settings, loudly.
 */
export class SettingsSync {
  readonly #c: SettingsSyncConfig;
  readonly #fileWebhooks: WebhookConfig[];
  readonly #fileGroupMapping: Record<string, string[]> | undefined;
  #revision = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #error: string | null = null;

  constructor(config: SettingsSyncConfig) {
    this.#c = config;
    this.#fileWebhooks = [...(config.config.webhooks ?? [])];
    this.#fileGroupMapping = config.config.oidc?.groupMapping;
  }

  /** Why the newest settings could not be applied, or null. */
  get error(): string | null {
    return this.#error;
  }

  async start(): Promise<void> {
    await this.reloadNow();
    this.#timer = setInterval(() => void this.#poll(), this.#c.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }

  /** Throws GBX_CONFIG_INVALID when this gateway could not use the document's settings. */
  check(doc: ConfigDocument): void {
    if (doc.auditSinks !== undefined) this.#c.sinks.sinksWith(doc.auditSinks);
    for (const hook of doc.webhooks ?? []) this.#webhook(hook);
  }

  async #poll(): Promise<void> {
    const revision = await this.#c.store.managedSettings.revision().catch(() => this.#revision);
    if (revision !== this.#revision) await this.reloadNow();
  }

  /** Loads and applies the stored settings now (one run at a time). */
  reloadNow(): Promise<void> {
    this.#running ??= this.#reload().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #reload(): Promise<void> {
    let settings: ManagedSetting[];
    try {
      settings = await this.#c.store.managedSettings.all();
    } catch {
      return; // the store is down; /readyz says so, and the next poll tries again
    }
    const revision = Math.max(0, ...settings.map((s) => s.revision));
    const value = (key: ManagedSetting['key']) => settings.find((s) => s.key === key)?.value;
    try {
      const webhooks = ((value('webhooks') ?? []) as ConfigWebhook[]).map((h) => this.#webhook(h));
      await this.#c.sinks.reconfigure((value('auditSinks') ?? []) as unknown[]);
      this.#c.notifier.setWebhooks([...this.#fileWebhooks, ...webhooks]);
      const sso = value('sso') as { groupMapping: Record<string, string[]> } | undefined;
      // OidcLogin reads the mapping at every login
      if (this.#c.config.oidc) this.#c.config.oidc.groupMapping = sso?.groupMapping ?? this.#fileGroupMapping;
      this.#error = null;
      this.#c.metrics.set('glovebox_settings_in_sync', 1);
      if (revision !== this.#revision) this.#c.log.info({ revision }, 'managed settings applied');
    } catch (error) {
      this.#error = error instanceof GloveboxError ? error.message : 'settings could not be applied';
      this.#c.metrics.set('glovebox_settings_in_sync', 0);
      this.#c.log.error(
        { revision, error: this.#error },
        'MANAGED SETTINGS NOT APPLIED: keeping the previous ones',
      );
    }
    this.#revision = revision;
  }

  #webhook(hook: ConfigWebhook): WebhookConfig {
    const url = typeof hook.url === 'string' ? hook.url : this.#secret(hook.url, `webhook ${hook.name} url`);
    if (!/^https?:\/\//.test(url))
      throw new GloveboxError('GBX_CONFIG_INVALID', `webhook ${hook.name}: url must be http(s)`);
    return {
      url,
      format: hook.format,
      ...(hook.secret ? { secret: this.#secret(hook.secret, `webhook ${hook.name} secret`) } : {}),
      ...(hook.events ? { events: hook.events } : {}),
    };
  }

  #secret(ref: SecretRef, what: string): string {
    const env = this.#c.env ?? process.env;
    let value: string | undefined;
    if ('env' in ref) value = env[ref.env];
    else
      try {
        value = readFileSync(ref.file, 'utf8').trim();
      } catch {
        throw new GloveboxError(
          'GBX_CONFIG_INVALID',
          `${what}: secret file ${ref.file} cannot be read on the gateway`,
        );
      }
    if (!value)
      throw new GloveboxError(
        'GBX_CONFIG_INVALID',
        `${what}: ${'env' in ref ? `environment variable ${ref.env}` : `file ${ref.file}`} is not set on the gateway`,
      );
    return value;
  }
}

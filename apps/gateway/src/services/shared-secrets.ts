import { GloveboxError, type Clock } from '@glovebox/core';
import type { Store } from '../store/index.js';
import type { SecretBox } from './secrets.js';

/** The names of the secrets replicas share through the store. */
export type SharedSecretName = 'envelope-signing-key' | 'replica-relay-key' | 'audit-keyring';

export interface SharedSecretsConfig {
  store: Store;
  clock: Clock;
  /** Seals and opens: the master key every replica is given (GLOVEBOX_MASTER_KEY or its file). */
  box: SecretBox;
  /** Runs first creation under a cluster-wide lock so that replicas starting at once agree. */
  exclusive: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
}

/**
 * Secrets every replica needs the same copy of (the envelope signing key, the replica relay key,
 * the audit keyring), kept in the store sealed with AES-256-GCM under the master key. A sealed
 * value names its secret, so one row cannot be swapped for another. A replica given another
 * master key cannot open them and refuses to start (GBX_CONFIG_INVALID), never forks its own.
 */
export class SharedSecrets {
  readonly #c: SharedSecretsConfig;

  constructor(config: SharedSecretsConfig) {
    this.#c = config;
  }

  /** The secret's value and version, or null when no replica stored it yet. */
  async read(name: SharedSecretName): Promise<{ value: string; version: number } | null> {
    const row = await this.#c.store.replicas.getSecret(name);
    if (!row) return null;
    let opened: unknown;
    try {
      opened = JSON.parse(this.#c.box.open(row.sealed));
    } catch {
      throw new GloveboxError(
        'GBX_CONFIG_INVALID',
        `the shared secret "${name}" cannot be opened: every replica needs the same GLOVEBOX_MASTER_KEY`,
      );
    }
    const o = opened as { name?: unknown; value?: unknown };
    if (o.name !== name || typeof o.value !== 'string')
      throw new GloveboxError(
        'GBX_CONFIG_INVALID',
        `the shared secret "${name}" is not the secret it claims`,
      );
    return { value: o.value, version: row.version };
  }

  /** The stored value; on first use the value `create` returns, stored once for every replica. */
  async getOrCreate(name: SharedSecretName, create: () => string | Promise<string>): Promise<string> {
    const found = await this.read(name);
    if (found) return found.value;
    return this.#c.exclusive(`secret:${name}`, async () => {
      const again = await this.read(name);
      if (again) return again.value;
      const value = await create();
      if (!(await this.#c.store.replicas.putSecret(name, this.#seal(name, value), 0, this.#c.clock.now())))
        throw new GloveboxError('GBX_CONFLICT', `the shared secret "${name}" was created meanwhile`);
      return value;
    });
  }

  /** Replaces a secret if it is still at `expectedVersion`; false when another replica was first. */
  replace(name: SharedSecretName, value: string, expectedVersion: number): Promise<boolean> {
    return this.#c.store.replicas.putSecret(
      name,
      this.#seal(name, value),
      expectedVersion,
      this.#c.clock.now(),
    );
  }

  #seal(name: string, value: string): string {
    return this.#c.box.seal(JSON.stringify({ name, value }));
  }
}

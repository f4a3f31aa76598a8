import { createHash } from 'node:crypto';
import pg from 'pg';
import {
  activationFromRow,
  approvalFromRow,
  BUNDLE_SUMMARY_COLUMNS,
  bundleFromRow,
  bundleSummaryFromRow,
  bundleToParams,
  replicaFromRow,
  type ActivationInput,
  type PolicyActivationRecord,
  type PolicyBundleStore,
} from './policy-bundles.js';

type Row = Record<string, unknown>;

/** Advisory lock key that serializes bundle versions and activations across gateway processes. */
const POLICY_LOCK = 0x67627870; // 'gbxp'
const RECONNECT_MS = 1000;

/**
 * Policy bundles in PostgreSQL. An activation NOTIFYs the other replicas (delivered at commit);
 * the notification carries no payload they rely on, they re-read the newest activation.
 */
export class PostgresPolicyBundles implements PolicyBundleStore {
  readonly #pool: pg.Pool;
  readonly #connection: { connectionString: string; schema: string };
  /** One channel per schema, so deployments sharing a database do not wake each other. */
  readonly #channel: string;

  constructor(pool: pg.Pool, connection: { connectionString: string; schema: string }) {
    this.#pool = pool;
    this.#connection = connection;
    this.#channel = `gbx_policy_${createHash('sha256').update(connection.schema).digest('hex').slice(0, 24)}`;
  }

  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [POLICY_LOCK]);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async #generation(client: pg.PoolClient): Promise<number> {
    const row = (await client.query('SELECT MAX(generation) AS g FROM policy_activations')).rows[0] as Row;
    return row.g === null ? 0 : Number(row.g);
  }

  async #activateIn(
    client: pg.PoolClient,
    version: number,
    a: ActivationInput,
  ): Promise<PolicyActivationRecord | null> {
    const current = await this.#generation(client);
    if (a.ifGeneration !== undefined && a.ifGeneration !== current) return null;
    const record = { generation: current + 1, version, kind: a.kind, actor: a.actor, at: a.at };
    await client.query('INSERT INTO policy_activations VALUES ($1, $2, $3, $4, $5)', [
      record.generation,
      version,
      a.kind,
      a.actor,
      a.at,
    ]);
    await client.query('SELECT pg_notify($1, $2)', [this.#channel, String(record.generation)]);
    return record;
  }

  add: PolicyBundleStore['add'] = (bundle, activation) =>
    this.#transaction(async (client) => {
      if (
        activation?.ifGeneration !== undefined &&
        (await this.#generation(client)) !== activation.ifGeneration
      )
        return null;
      const last = (await client.query('SELECT MAX(version) AS v FROM policy_bundles')).rows[0] as Row;
      const version = (last.v === null ? 0 : Number(last.v)) + 1;
      await client.query(
        'INSERT INTO policy_bundles VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
        bundleToParams(version, bundle),
      );
      return { version, activation: activation ? await this.#activateIn(client, version, activation) : null };
    });

  get: PolicyBundleStore['get'] = async (version) => {
    const r = (await this.#pool.query('SELECT * FROM policy_bundles WHERE version = $1', [version]))
      .rows[0] as Row | undefined;
    return r ? bundleFromRow(r) : null;
  };

  list: PolicyBundleStore['list'] = async (limit) =>
    (
      await this.#pool.query(
        `SELECT ${BUNDLE_SUMMARY_COLUMNS} FROM policy_bundles ORDER BY version DESC LIMIT $1`,
        [limit],
      )
    ).rows.map((r: Row) => bundleSummaryFromRow(r));

  activate: PolicyBundleStore['activate'] = (version, activation) =>
    this.#transaction((client) => this.#activateIn(client, version, activation));

  active: PolicyBundleStore['active'] = async () => {
    const r = (await this.#pool.query('SELECT * FROM policy_activations ORDER BY generation DESC LIMIT 1'))
      .rows[0] as Row | undefined;
    return r ? activationFromRow(r) : null;
  };

  activations: PolicyBundleStore['activations'] = async (limit) =>
    (
      await this.#pool.query('SELECT * FROM policy_activations ORDER BY generation DESC LIMIT $1', [limit])
    ).rows.map((r: Row) => activationFromRow(r));

  approve: PolicyBundleStore['approve'] = async (a) =>
    ((
      await this.#pool.query(
        'INSERT INTO policy_approvals VALUES ($1, $2, $3, $4) ON CONFLICT (version, approver) DO NOTHING',
        [a.version, a.approver, a.digest, a.at],
      )
    ).rowCount ?? 0) > 0;

  approvals: PolicyBundleStore['approvals'] = async (version) =>
    (
      await this.#pool.query('SELECT * FROM policy_approvals WHERE version = $1 ORDER BY at', [version])
    ).rows.map((r: Row) => approvalFromRow(r));

  reportReplica: PolicyBundleStore['reportReplica'] = async (r) => {
    await this.#pool.query(
      `INSERT INTO policy_replicas VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (replica) DO UPDATE SET
       generation = excluded.generation, version = excluded.version,
       policy_set_version = excluded.policy_set_version, error = excluded.error, at = excluded.at`,
      [r.replica, r.generation, r.version, r.policySetVersion, r.error, r.at],
    );
  };

  replicas: PolicyBundleStore['replicas'] = async (since) =>
    (
      await this.#pool.query('SELECT * FROM policy_replicas WHERE at >= $1 ORDER BY replica', [since])
    ).rows.map((r: Row) => replicaFromRow(r));

  subscribe: PolicyBundleStore['subscribe'] = (onChange) => {
    let stopped = false;
    let client: pg.Client | undefined;
    let timer: NodeJS.Timeout | undefined;
    const connect = (): void => {
      if (stopped) return;
      const next = new pg.Client({ connectionString: this.#connection.connectionString });
      client = next;
      const retry = (): void => {
        next.removeAllListeners();
        next.on('error', () => undefined);
        next.end().catch(() => undefined);
        if (stopped || timer !== undefined) return;
        timer = setTimeout(() => {
          timer = undefined;
          connect();
        }, RECONNECT_MS);
        timer.unref();
      };
      next.on('error', retry);
      next.on('end', retry);
      next.on('notification', () => onChange());
      next
        .connect()
        .then(() => next.query(`LISTEN ${this.#channel}`))
        // anything activated while we were not listening is picked up at once
        .then(() => onChange())
        .catch(retry);
    };
    connect();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      client?.removeAllListeners();
      client?.on('error', () => undefined);
      void client?.end().catch(() => undefined);
    };
  };
}

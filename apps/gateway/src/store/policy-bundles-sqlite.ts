import type Database from 'better-sqlite3';
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

/**
 * Policy bundles in the embedded SQLite store. Several gateway processes on one file see each
 * other's activations by polling; there is no notification channel.
 */
export class SqlitePolicyBundles implements PolicyBundleStore {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  #get(sql: string, ...params: unknown[]): Row | undefined {
    return this.#db.prepare(sql).get(...params) as Row | undefined;
  }
  #all(sql: string, ...params: unknown[]): Row[] {
    return this.#db.prepare(sql).all(...params) as Row[];
  }

  #activateNow(version: number, a: ActivationInput): PolicyActivationRecord | null {
    const head = this.#get('SELECT MAX(generation) AS g FROM policy_activations');
    const current = head?.g === null || head?.g === undefined ? 0 : Number(head.g);
    if (a.ifGeneration !== undefined && a.ifGeneration !== current) return null;
    const record = { generation: current + 1, version, kind: a.kind, actor: a.actor, at: a.at };
    this.#db
      .prepare('INSERT INTO policy_activations VALUES (?, ?, ?, ?, ?)')
      .run(record.generation, version, a.kind, a.actor, a.at);
    return record;
  }

  add: PolicyBundleStore['add'] = async (bundle, activation) => {
    const tx = this.#db.transaction(() => {
      if (activation?.ifGeneration !== undefined) {
        const head = this.#get('SELECT MAX(generation) AS g FROM policy_activations');
        if ((head?.g === null || head?.g === undefined ? 0 : Number(head.g)) !== activation.ifGeneration)
          return null;
      }
      const last = this.#get('SELECT MAX(version) AS v FROM policy_bundles');
      const version = (last?.v === null || last?.v === undefined ? 0 : Number(last.v)) + 1;
      this.#db
        .prepare('INSERT INTO policy_bundles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(...bundleToParams(version, bundle));
      return { version, activation: activation ? this.#activateNow(version, activation) : null };
    });
    return tx.immediate();
  };

  get: PolicyBundleStore['get'] = async (version) => {
    const r = this.#get('SELECT * FROM policy_bundles WHERE version = ?', version);
    return r ? bundleFromRow(r) : null;
  };

  list: PolicyBundleStore['list'] = async (limit) =>
    this.#all(
      `SELECT ${BUNDLE_SUMMARY_COLUMNS} FROM policy_bundles ORDER BY version DESC LIMIT ?`,
      limit,
    ).map(bundleSummaryFromRow);

  activate: PolicyBundleStore['activate'] = async (version, activation) =>
    this.#db.transaction(() => this.#activateNow(version, activation)).immediate();

  active: PolicyBundleStore['active'] = async () => {
    const r = this.#get('SELECT * FROM policy_activations ORDER BY generation DESC LIMIT 1');
    return r ? activationFromRow(r) : null;
  };

  activations: PolicyBundleStore['activations'] = async (limit) =>
    this.#all('SELECT * FROM policy_activations ORDER BY generation DESC LIMIT ?', limit).map(
      activationFromRow,
    );

  approve: PolicyBundleStore['approve'] = async (a) =>
    this.#db
      .prepare('INSERT INTO policy_approvals VALUES (?, ?, ?, ?) ON CONFLICT (version, approver) DO NOTHING')
      .run(a.version, a.approver, a.digest, a.at).changes > 0;

  approvals: PolicyBundleStore['approvals'] = async (version) =>
    this.#all('SELECT * FROM policy_approvals WHERE version = ? ORDER BY at', version).map(approvalFromRow);

  reportReplica: PolicyBundleStore['reportReplica'] = async (r) => {
    this.#db
      .prepare(
        `INSERT INTO policy_replicas VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (replica) DO UPDATE SET
         generation = excluded.generation, version = excluded.version,
         policy_set_version = excluded.policy_set_version, error = excluded.error, at = excluded.at`,
      )
      .run(r.replica, r.generation, r.version, r.policySetVersion, r.error, r.at);
  };

  replicas: PolicyBundleStore['replicas'] = async (since) =>
    this.#all('SELECT * FROM policy_replicas WHERE at >= ? ORDER BY replica', since).map(replicaFromRow);

  subscribe: PolicyBundleStore['subscribe'] = () => () => undefined;
}

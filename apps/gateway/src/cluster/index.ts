import type { Logger } from 'pino';
import { PostgresStore, type Store } from '../store/index.js';
import type { Cluster } from './cluster.js';
import { LocalCluster } from './local-cluster.js';
import { PostgresCluster } from './postgres-cluster.js';

export type { Cluster, ControlListener, ControlMessage } from './cluster.js';
export { SingletonJobs } from './singleton-jobs.js';
export { AgentRouter } from './agent-router.js';

/** The cluster a store supports: PostgreSQL replicas share one; SQLite is a cluster of one. */
export function openCluster(store: Store, log: Logger, options: { leaderPollMs?: number } = {}): Cluster {
  if (store instanceof PostgresStore)
    return new PostgresCluster({
      client: store.clientConfig(),
      schema: store.schema,
      log,
      ...(options.leaderPollMs ? { leaderPollMs: options.leaderPollMs } : {}),
    });
  return new LocalCluster();
}

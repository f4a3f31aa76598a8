import type { ActionModule } from '@glovebox/agent';
import type { ExecTargetConfig, HostAgentConfig, PostgresTargetConfig } from './config.js';
import { createExecModule, type ExecModule } from './exec/exec-module.js';
import type { HostTools } from './exec/launcher.js';
import type { RedactorFactory } from './redactor.js';
import { createPostgresModule, type PostgresModule } from './sql/postgres-module.js';

/** Everything the standalone agent serves, ready to register with the agent runtime. */
export interface HostModules {
  exec: ExecModule | null;
  postgres: PostgresModule | null;
  /** Both modules, for the runtime's dispatch table. */
  modules: ActionModule[];
  /** What to announce in the hello message: each target and the actions it serves. */
  targets: { name: string; actions: string[] }[];
}

/**
 * Builds the exec and postgres modules of a validated configuration.
 *
 * @example
 * const host = createHostModules(loadHostAgentConfig('agent.yaml'));
 * if (host.exec?.sandbox === 'none') log.warn('bubblewrap not installed: commands run unsandboxed');
 */
export function createHostModules(
  config: HostAgentConfig,
  options: { redactorFor?: RedactorFactory; tools?: HostTools; env?: NodeJS.ProcessEnv } = {},
): HostModules {
  const execTargets = config.targets.filter((t): t is ExecTargetConfig => t.type === 'exec');
  const pgTargets = config.targets.filter((t): t is PostgresTargetConfig => t.type === 'postgres');
  const exec =
    execTargets.length === 0
      ? null
      : createExecModule(execTargets, {
          recordingsDir: config.recordings.dir,
          sandbox: config.sandbox,
          readsWithoutSandbox: config.readsWithoutSandbox,
          programs: config.programs,
          ...(options.redactorFor ? { redactorFor: options.redactorFor } : {}),
          ...(options.tools ? { tools: options.tools } : {}),
        });
  const postgres =
    pgTargets.length === 0
      ? null
      : createPostgresModule(pgTargets, {
          ...(options.redactorFor ? { redactorFor: options.redactorFor } : {}),
          ...(options.env ? { env: options.env } : {}),
        });
  return {
    exec,
    postgres,
    modules: [exec, postgres].filter((m): m is ExecModule | PostgresModule => m !== null),
    targets: config.targets.map((t) => ({ name: t.name, actions: t.type === 'exec' ? ['exec'] : ['query'] })),
  };
}

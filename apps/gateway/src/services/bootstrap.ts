import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import pino from 'pino';
import type { Redactor } from '@glovebox/redact';
import type { GatewayConfig } from '../config.js';
import type { GatewayServices } from '../server.js';

/** The gateway's logger: every line goes through the redactor, credentials are censored. */
export function redactingLogger(config: GatewayConfig, redactor: Redactor): pino.Logger {
  return pino(
    {
      level: config.logLevel,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token'],
        censor: '[REDACTED]',
      },
      formatters: { log: (obj) => redactor.redactValue(obj).value as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const redacted = args.map((a) => (typeof a === 'string' ? redactor.redactText(a).text : a));
          method.apply(this, redacted as Parameters<typeof method>);
        },
      },
    },
    config.logDestination ?? pino.destination(1),
  );
}

/** Where other replicas reach this one: the configured URL, else the address it listens on. */
export function replicaUrlOf(
  config: GatewayConfig,
  address: AddressInfo | string | null,
  listening: string,
): string {
  if (config.replicaUrl) return config.replicaUrl;
  if (address && typeof address === 'object' && ['0.0.0.0', '::'].includes(config.host))
    return `http://${hostname()}:${address.port}`;
  return listening;
}

/** First start on an empty store: creates `admin` in `admins` with an API token. */
export async function bootstrap(s: GatewayServices, logger: pino.Logger): Promise<void> {
  if ((await s.store.countUsers()) > 0) return;
  const admin = await s.identity.createUser('admin', ['admins'], null);
  const ttl = 365 * 24 * 3600_000;
  const fromEnv = s.config.bootstrapToken ?? process.env.GLOVEBOX_BOOTSTRAP_TOKEN;
  if (fromEnv) {
    await s.identity.adoptToken(admin.id, fromEnv, ttl, 'bootstrap');
    logger.info('created user admin with the bootstrap token from GLOVEBOX_BOOTSTRAP_TOKEN');
  } else {
    const { token } = await s.identity.issueToken(admin.id, 'api', ttl, 'bootstrap');
    if (s.config.onBootstrapToken) s.config.onBootstrapToken(token);
    else
      process.stderr.write(
        `\nGlovebox bootstrap: admin API token (shown once, store it safely):\n  ${token}\n\n`,
      );
  }
  await s.audit.record({
    type: 'user.created',
    actor: { kind: 'system', id: 'bootstrap' },
    outcome: 'success',
    details: { user: 'admin', groups: ['admins'] },
  });
}

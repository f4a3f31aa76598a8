import { z } from 'zod';
import { loginResponseSchema } from './http.js';

/**
 * HTTP schemas of the CI token exchange (`glovebox login --ci`) and of declarative configuration
 * (`glovebox plan -f` / `glovebox apply -f`).
 */

/** A CI provider's OIDC token (a JWT), exchanged for a short-lived Glovebox token. */
export const ciTokenExchangeBodySchema = z.strictObject({
  token: z
    .string()
    .min(1)
    .max(16 * 1024),
});
/** The answer is a login's: the token, its expiry and the CI identity it belongs to. */
export const ciTokenExchangeResultSchema = loginResponseSchema;
export type CiTokenExchangeResult = z.infer<typeof ciTokenExchangeResultSchema>;

/**
 * What `plan -f`/`apply -f` send: the parsed glovebox.yaml (validated by the gateway), whether
 * deletions are wanted, and the agent credentials the client read from the file's references.
 */
export const configRequestBodySchema = z.strictObject({
  document: z.unknown(),
  prune: z.boolean().default(false),
  credentials: z
    .record(z.string().max(64), z.string().max(512))
    .refine((c) => Object.keys(c).length <= 10_000, 'too many credentials')
    .default({}),
});
export type ConfigRequestBody = z.input<typeof configRequestBodySchema>;

const configChangeSchema = z.object({
  section: z.enum(['users', 'agents', 'auditSinks', 'webhooks', 'sso']),
  name: z.string(),
  op: z.enum(['create', 'update', 'delete']),
  fields: z.array(
    z.object({ field: z.string(), before: z.unknown().optional(), after: z.unknown().optional() }),
  ),
});

export const configPlanSchema = z.object({
  digest: z.string(),
  changes: z.array(configChangeSchema),
  /** Deletions that only happen with `--prune`. */
  pruneSkipped: z.array(configChangeSchema),
  unchanged: z.number(),
});
export type ConfigPlanView = z.infer<typeof configPlanSchema>;

export const configApplySchema = configPlanSchema.extend({
  /** Credentials generated for new agents without a reference: shown once, here only. */
  generatedCredentials: z.array(z.object({ agent: z.string(), credential: z.string() })),
  /**
   * Fingerprints of the gateway key the agents this apply created must pin (`GLOVEBOX_GATEWAY_KEYS`,
   * `gateway.keys`), as `agents register` prints them; empty when it created no agent.
   */
  gatewayKeys: z.array(z.string()),
});
export type ConfigApplyView = z.infer<typeof configApplySchema>;

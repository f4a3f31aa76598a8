import { z } from 'zod';
import { secretRefSchema, sinkConfigSchema } from '@glovebox/audit';

/**
 * `glovebox.yaml`: the declarative configuration `glovebox plan -f` / `glovebox apply -f` reconcile
 * the gateway with — users and their groups, agents, audit sinks, webhooks and the single sign-on
 * group mapping. A section that is absent is not managed (left as it is, even with `--prune`); a
 * section that is present is the whole truth for its kind. Secrets are references (`{ env }` or
 * `{ file }`), never values: an inline secret is refused. The JSON Schema editors validate
 * against is generated from this (docs/schema/glovebox-config.schema.json; a test keeps it in step).
 */

const NOT_INLINE = 'secrets are never written inline: use { env: NAME } or { file: PATH }';

/** A secret reference; a plain string here is the mistake this schema exists to catch. */
const secretRef = z.union(secretRefSchema.options, {
  error: (issue) => (typeof issue.input === 'string' ? NOT_INLINE : undefined),
});
const name = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lowercase letters, digits, . _ -; at most 64');
const groupList = z.array(name).max(64);

export const configUserSchema = z.strictObject({
  name: name.describe('Local user name; the user logs in by single sign-on or is given a token.'),
  groups: groupList.default([]).describe('Policy groups (Glovebox::Group) the user is in.'),
  disabled: z.boolean().default(false).describe('A disabled user cannot log in; its tokens stop working.'),
});

export const configAgentSchema = z.strictObject({
  name: name.describe("The target's name in policy (Glovebox::Target)."),
  env: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/)
    .describe('resource.env in policy, e.g. prod.'),
  owner: z
    .string()
    .regex(/^[a-z0-9._-]{0,64}$/)
    .default('')
    .describe('Owning group (resource.owner); empty for none.'),
  tags: z
    .record(z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/), z.string().max(128))
    .default({})
    .describe('resource.getTag("k") in policy.'),
  credential: secretRef
    .optional()
    .describe(
      "Where the agent's credential is read when applying (it is stored hashed). Without it a new agent gets a generated credential, shown once.",
    ),
});

export const configWebhookSchema = z.strictObject({
  name: name.describe('Stable name of this receiver.'),
  url: z
    .union([z.url({ protocol: /^https?$/ }), secretRefSchema])
    .describe(
      'Receiver URL; give it as { env } or { file } when the URL itself is a secret (Slack incoming webhooks).',
    ),
  format: z.enum(['slack', 'json']).default('json'),
  secret: secretRef
    .optional()
    .describe('HMAC-SHA256 key for the x-glovebox-signature header, read by the gateway.'),
  events: z
    .array(
      z.enum([
        'request.created',
        'request.approved',
        'request.denied',
        'request.expired',
        'break-glass',
        'session.started',
        'session.ended',
        'mfa.enrolled',
        'mfa.removed',
      ]),
    )
    .optional()
    .describe('Notice kinds to send; all when absent.'),
});

export const configDocumentSchema = z
  .strictObject({
    $schema: z.string().optional(),
    apiVersion: z.literal('glovebox/v1').describe('Version of this file format.'),
    users: z.array(configUserSchema).max(10_000).optional(),
    agents: z.array(configAgentSchema).max(10_000).optional(),
    auditSinks: z.array(sinkConfigSchema).max(32).optional().describe('Audit sinks, as in docs/audit.md.'),
    webhooks: z.array(configWebhookSchema).max(32).optional(),
    sso: z
      .strictObject({
        groupMapping: z
          .record(z.string().min(1).max(256), groupList)
          .describe('Identity-provider group -> policy groups; only mapped groups count.'),
      })
      .optional(),
  })
  .superRefine((doc, ctx) => {
    for (const [section, items] of [
      ['users', doc.users],
      ['agents', doc.agents],
      ['auditSinks', doc.auditSinks],
      ['webhooks', doc.webhooks],
    ] as const) {
      const seen = new Set<string>();
      (items ?? []).forEach((item, i) => {
        if (seen.has(item.name))
          ctx.addIssue({
            code: 'custom',
            path: [section, i, 'name'],
            message: `"${item.name}" appears twice`,
          });
        seen.add(item.name);
      });
    }
  });

/** A validated `glovebox.yaml`. */
export type ConfigDocument = z.output<typeof configDocumentSchema>;
export type ConfigUser = z.output<typeof configUserSchema>;
export type ConfigAgent = z.output<typeof configAgentSchema>;
export type ConfigWebhook = z.output<typeof configWebhookSchema>;

/** The JSON Schema of `glovebox.yaml`, as published for editors. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configDocumentSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return {
    ...schema,
    $id: 'https://glovebox.dev/schema/glovebox-config.schema.json',
    title: 'glovebox.yaml',
    description: 'Declarative Glovebox configuration for `glovebox plan -f` and `glovebox apply -f`.',
  };
}

import { z } from 'zod';

/**
 * HTTP schemas of policy deployment: bundles pushed from CI, versions, activations, replicas,
 * diffs and impact analysis (`glovebox policy push|versions|diff|rollback|approve|plan`).
 */

/** CI metadata a pushing client reads from its environment; informative only (the gateway says what it verified). */
export const ciMetadataSchema = z
  .record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9]{0,31}$/), z.string().max(512))
  .refine((m) => Object.keys(m).length <= 16, 'at most 16 CI metadata fields');

/** One file of a bundle on the wire; the gateway checks paths and contents. */
export const bundleFileSchema = z.strictObject({ path: z.string().max(160), text: z.string() });

export const policyPushBodySchema = z.strictObject({
  files: z.array(bundleFileSchema).min(1).max(701),
  message: z.string().max(1000).default(''),
  ci: ciMetadataSchema.default({}),
});

export const policyPushResultSchema = z.object({
  version: z.number(),
  digest: z.string(),
  policySetVersion: z.string(),
  unchanged: z.boolean(),
  activated: z.boolean(),
  approvalsPending: z.number(),
  testsPassed: z.number(),
});
export type PolicyPushResult = z.infer<typeof policyPushResultSchema>;

const originSchema = z.object({
  claimed: z.record(z.string(), z.string()),
  verified: z.record(z.string(), z.string()).optional(),
});

export const policyVersionSchema = z.object({
  version: z.number(),
  digest: z.string(),
  policySetVersion: z.string(),
  author: z.string(),
  message: z.string(),
  origin: originSchema,
  testsPassed: z.number(),
  approvalsNeeded: z.number(),
  approverGroups: z.array(z.string()),
  approvals: z.array(z.string()),
  createdAt: z.number(),
  state: z.enum(['active', 'pending-approval', 'superseded', 'inactive']),
});
export type PolicyVersionView = z.infer<typeof policyVersionSchema>;

export const policyActivationSchema = z.object({
  generation: z.number(),
  version: z.number(),
  kind: z.enum(['seed', 'push', 'approve', 'rollback']),
  actor: z.string(),
  at: z.number(),
});

export const policyReplicaSchema = z.object({
  replica: z.string(),
  generation: z.number(),
  version: z.number().nullable(),
  policySetVersion: z.string(),
  error: z.string().nullable(),
  at: z.number(),
});

/** What the answering replica runs. */
export const policySyncStatusSchema = z.object({
  source: z.enum(['directory', 'store']),
  generation: z.number().nullable(),
  version: z.number().nullable(),
  policySetVersion: z.string().nullable(),
  latestGeneration: z.number().nullable(),
  inSync: z.boolean(),
  error: z.string().nullable(),
  lastCheckAt: z.number().nullable(),
});

export const policyVersionsSchema = z.object({
  status: policySyncStatusSchema,
  active: policyActivationSchema.nullable(),
  versions: z.array(policyVersionSchema),
  activations: z.array(policyActivationSchema),
  replicas: z.array(policyReplicaSchema),
});
export type PolicyVersionsView = z.infer<typeof policyVersionsSchema>;

export const policyBundleViewSchema = policyVersionSchema
  .omit({ state: true, approvals: true })
  .extend({ files: z.array(bundleFileSchema) });
export type PolicyBundleView = z.infer<typeof policyBundleViewSchema>;

export const policyDiffSchema = z.object({
  from: z.number(),
  to: z.number(),
  identical: z.boolean(),
  files: z.array(
    z.object({ path: z.string(), status: z.enum(['added', 'removed', 'modified']), patch: z.string() }),
  ),
  policies: z.array(
    z.object({
      id: z.string(),
      status: z.enum(['added', 'removed', 'modified']),
      effect: z.enum(['permit', 'forbid']),
      file: z.string(),
    }),
  ),
});
export type PolicyDiffView = z.infer<typeof policyDiffSchema>;

export const policyRollbackBodySchema = z.strictObject({ version: z.number().int().positive() });
export const policyRollbackResultSchema = z.object({ generation: z.number(), unchanged: z.boolean() });
export const policyApproveBodySchema = z.strictObject({ digest: z.string().regex(/^sha256:[0-9a-f]{64}$/) });
export const policyApproveResultSchema = z.object({ approvals: z.number(), activated: z.boolean() });

export const policyPlanBodySchema = z.strictObject({
  files: z.array(bundleFileSchema).min(1).max(701),
  days: z.number().int().min(1).max(365).default(7),
  maxDecisions: z.number().int().min(1).max(200_000).default(50_000),
});

/** Kinds of decision change a plan reports. */
export const CHANGE_KIND_NAMES = [
  'allow-to-deny',
  'deny-to-allow',
  'step-up-added',
  'step-up-removed',
  'obligations-tightened',
  'obligations-loosened',
  'obligations-changed',
] as const;

const outcomeSchema = z.object({
  decision: z.enum(['allow', 'deny']),
  stepUp: z.boolean(),
  obligations: z
    .object({
      maxDurationSec: z.number(),
      idleTimeoutSec: z.number(),
      approvals: z.number(),
      approverGroups: z.array(z.string()),
      masking: z.string(),
      keepArtifactsSec: z.number(),
      maxInstances: z.number().optional(),
      outlivesLogin: z.boolean().optional(),
    })
    .optional(),
  determiningPolicies: z.array(z.string()),
});
const obligationValue = z.union([z.number(), z.string(), z.array(z.string()), z.boolean()]);

export const policyPlanSchema = z.object({
  since: z.string(),
  until: z.string(),
  activeVersion: z.string(),
  proposedVersion: z.string(),
  proposedDigest: z.string(),
  tests: z.object({ ok: z.boolean(), passed: z.number(), failed: z.number(), errors: z.array(z.string()) }),
  history: z.object({
    events: z.number(),
    decisions: z.number(),
    replayed: z.number(),
    redactedContext: z.number(),
    unreplayable: z.object({
      count: z.number(),
      byType: z.record(z.string(), z.number()),
      oldest: z.string().nullable(),
      newest: z.string().nullable(),
    }),
    truncated: z.boolean(),
  }),
  unchanged: z.number(),
  drifted: z.number(),
  counts: z.record(z.enum(CHANGE_KIND_NAMES), z.number()),
  changes: z.array(
    z.object({
      ref: z.string(),
      time: z.string(),
      eventType: z.string(),
      sessionId: z.string().nullable(),
      action: z.string(),
      principal: z.string(),
      resource: z.string(),
      kinds: z.array(z.enum(CHANGE_KIND_NAMES)),
      before: outcomeSchema,
      after: outcomeSchema,
      obligations: z.array(
        z.object({
          field: z.string(),
          before: obligationValue,
          after: obligationValue,
          direction: z.enum(['tightened', 'loosened', 'changed']),
        }),
      ),
    }),
  ),
});
export type PolicyPlanView = z.infer<typeof policyPlanSchema>;

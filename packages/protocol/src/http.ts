import { z } from 'zod';
import { DEBUG_ACTIONS, maskingLevelSchema } from './actions.js';
import { API_PREFIX, FIELD_LIMITS, MAX_REASON_LENGTH } from './constants.js';

/**
 * HTTP API v1 schemas: the gateway validates requests and serializes responses through them
 * (a field not in a response schema never leaves the server); the CLI and web console parse with them.
 */

export { API_PREFIX };

const name = z.string().min(1).max(64);
const id = z.string().min(1).max(64);

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

export const loginBodySchema = z
  .object({ user: name, password: z.string().min(1).max(1024), otp: z.string().max(16).optional() })
  .strict();
export const loginResponseSchema = z.object({
  token: z.string(),
  expiresAt: z.number(),
  user: z.object({ name: z.string(), groups: z.array(z.string()) }),
});

export const whoamiResponseSchema = z.object({
  user: z.string(),
  groups: z.array(z.string()),
  tokenKind: z.enum(['session', 'api']),
  mfa: z.object({ enrolled: z.boolean(), ageSec: z.number().nullable() }),
});

export const createUserBodySchema = z
  .object({
    name,
    groups: z.array(name).max(32).default([]),
    password: z.string().min(FIELD_LIMITS.minPassword).max(1024).optional(),
  })
  .strict();
export const userSchema = z.object({
  name: z.string(),
  groups: z.array(z.string()),
  mfaEnrolled: z.boolean(),
  createdAt: z.number(),
  /** A disabled user cannot log in and holds no working token. */
  disabled: z.boolean().optional(),
});
/** `glovebox users disable|enable NAME`: what disabling ended at once (zero when enabling). */
export const userAccessChangedSchema = z.object({
  user: z.string(),
  disabled: z.boolean(),
  tokensRevoked: z.number(),
  sessionsClosed: z.number(),
});

export const createTokenBodySchema = z
  .object({
    user: name.optional(),
    /** Lifetime; at most what policy allows (the createToken decision), which is also the default. */
    ttl: z.string().max(16).optional(),
    label: z.string().max(FIELD_LIMITS.maxLabel).optional(),
  })
  .strict();
export const tokenSchema = z.object({
  id: z.string(),
  user: z.string(),
  kind: z.enum(['session', 'api']),
  label: z.string().nullable(),
  createdAt: z.number(),
  expiresAt: z.number(),
  revokedAt: z.number().nullable(),
});
/**
 * `limitedBy`: what set the expiry — the lifetime asked for, the policy's maximum, or the end of the
 * login the token was minted from.
 */
export const createdTokenSchema = tokenSchema.extend({
  token: z.string(),
  limitedBy: z.enum(['request', 'policy', 'login']),
});

/** An admin-issued, single-use ticket that lets a user enroll a first second factor. */
export const enrollmentTicketSchema = z.object({ ticket: z.string(), expiresAt: z.number() });
export const createdUserSchema = userSchema.extend({ enrollmentTicket: enrollmentTicketSchema });
export const resetMfaResponseSchema = z.object({
  user: z.string(),
  enrollmentTicket: enrollmentTicketSchema,
});
export const mfaEnrollBodySchema = z.object({ ticket: z.string().min(1).max(200).optional() }).strict();
export const mfaEnrollResponseSchema = z.object({ secret: z.string(), otpauthUrl: z.string() });
export const mfaVerifyBodySchema = z.object({ code: z.string().regex(/^\d{6}$/) }).strict();
/** `enrolled`: the code confirmed a new factor (no step-up in this login). */
export const mfaVerifyResponseSchema = z.object({ verifiedAt: z.number(), enrolled: z.boolean().optional() });

const tagKey = z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/);
export const registerAgentBodySchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/),
    env: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/),
    owner: z
      .string()
      .regex(/^[a-z0-9._-]{0,64}$/)
      .default(''),
    tags: z.record(tagKey, z.string().max(128)).default({}),
  })
  .strict();
/** One process connected with a target's credential. */
export const instanceViewSchema = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number(),
  /** The service's version, when the instance announced one. */
  version: z.string().nullable(),
  agentVersion: z.string(),
  node: z.string(),
  startedAt: z.number(),
  connectedAt: z.number(),
});
export type InstanceView = z.infer<typeof instanceViewSchema>;

export const agentSchema = z.object({
  name: z.string(),
  env: z.string(),
  owner: z.string(),
  tags: z.record(z.string(), z.string()),
  createdAt: z.number(),
  connected: z.boolean(),
  lastSeen: z.number().nullable(),
  actions: z.array(z.string()),
  instances: z.array(instanceViewSchema),
});
export const registeredAgentSchema = z.object({
  agent: agentSchema,
  credential: z.string(),
  /** Fingerprints (`sha256:<hex>`) of the gateway keys the agent pins (GLOVEBOX_GATEWAY_KEYS). */
  gatewayKeys: z.array(z.string()),
});
/** The gateway key agents pin now, and the keys it replaced (oldest first), by fingerprint. */
export const gatewayKeysSchema = z.object({ current: z.string(), previous: z.array(z.string()) });
/** `glovebox agents revoke NAME`: the registration is revoked, its connection closed, its sessions ended. */
export const revokedAgentSchema = z.object({
  agent: z.string(),
  sessionsClosed: z.number(),
  /** Set when one instance was revoked (the credential stays valid for its siblings). */
  instance: z.string().optional(),
});
export const targetSchema = z.object({
  name: z.string(),
  env: z.string(),
  owner: z.string(),
  tags: z.record(z.string(), z.string()),
  connected: z.boolean(),
  actions: z.array(z.string()),
  /** Every process connected with the target's credential, oldest connection first. */
  instances: z.array(instanceViewSchema),
});

export const requestStatusSchema = z.enum(['pending', 'active', 'denied', 'expired', 'ended']);
/**
 * What an approval covers for `query` and `exec`: the exact statements, the exact commands (argv), or
 * a class (`read`). Approvals are bound to it through the request's digest.
 */
export const requestScopeSchema = z
  .object({
    sql: z.array(z.string().min(1).max(100_000)).min(1).max(20).optional(),
    commands: z
      .array(z.array(z.string().max(4096)).min(1).max(256))
      .min(1)
      .max(20)
      .optional(),
    class: z.literal('read').optional(),
  })
  .strict();
export type RequestScope = z.infer<typeof requestScopeSchema>;
export const createRequestBodySchema = z
  .object({
    target: name,
    actions: z.array(z.enum(DEBUG_ACTIONS)).min(1).max(DEBUG_ACTIONS.length),
    reason: z.string().min(1).max(MAX_REASON_LENGTH),
    ticket: z.string().max(FIELD_LIMITS.maxTicket).optional(),
    duration: z.string().max(16).optional(),
    breakGlass: z.boolean().default(false),
    scope: requestScopeSchema.optional(),
  })
  .strict();
export const obligationsSchema = z.object({
  maxDurationSec: z.number(),
  idleTimeoutSec: z.number(),
  approvals: z.number(),
  approverGroups: z.array(z.string()),
  masking: maskingLevelSchema,
  /** Seconds the gateway keeps artifacts (heap snapshots); 0 or absent: until fetched once. */
  keepArtifactsSec: z.number().optional(),
  /** Most instances one action may reach; 0 or absent: no limit. */
  maxInstances: z.number().optional(),
  /** A token minted under it may outlive the login it was minted from (createToken only). */
  outlivesLogin: z.boolean().optional(),
});
export const approvalSchema = z.object({
  approver: z.string(),
  verdict: z.enum(['approve', 'deny']),
  comment: z.string().nullable(),
  createdAt: z.number(),
});
export const sessionPermissionsSchema = z.object({
  /** `GET /sessions/:id/live` */
  watch: z.boolean(),
  /** `POST /sessions/:id/end` */
  end: z.boolean(),
  /** `POST /requests/:id/approve` (a reviewer who has not reviewed it yet) */
  approve: z.boolean(),
  /** `POST /requests/:id/deny` (a reviewer, an admin, or the requester withdrawing it) */
  deny: z.boolean(),
  /** `GET /audit?session=…`: the session's audited activity */
  activity: z.boolean(),
});
export type SessionPermissions = z.infer<typeof sessionPermissionsSchema>;
export const accessRequestSchema = z.object({
  id: z.string(),
  status: requestStatusSchema,
  requester: z.string(),
  target: z.string(),
  actions: z.array(z.string()),
  reason: z.string(),
  ticket: z.string().nullable(),
  breakGlass: z.boolean(),
  durationSec: z.number(),
  obligations: obligationsSchema,
  policyVersion: z.string(),
  determiningPolicies: z.array(z.string()),
  digest: z.string(),
  createdAt: z.number(),
  pendingExpiresAt: z.number(),
  activatedAt: z.number().nullable(),
  expiresAt: z.number().nullable(),
  lastActivityAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  endReason: z.string().nullable(),
  /** What approvals cover for query and exec; absent on a request that needs approval means `read`. */
  scope: requestScopeSchema.optional(),
  approvals: z.array(approvalSchema),
  /** The target's environment from its registration (`prod`, `staging`); null once it is unregistered. */
  targetEnv: z.string().nullable(),
  /** What the caller may do to it now: the answer the route that does it would give. */
  allowed: sessionPermissionsSchema,
});
export type AccessRequestView = z.infer<typeof accessRequestSchema>;
export const listRequestsQuerySchema = z
  .object({ pending: z.enum(['true', 'false']).optional(), all: z.enum(['true', 'false']).optional() })
  .strict();
export const reviewBodySchema = z
  .object({
    digest: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    comment: z.string().max(1000).optional(),
  })
  .strict();

export const idParamsSchema = z.object({ id }).strict();
export const actionParamsSchema = z.object({ id, action: z.enum(DEBUG_ACTIONS) }).strict();
export const artifactParamsSchema = z
  .object({ id, artifact: z.string().regex(/^art_[A-Za-z0-9_-]{1,60}$/) })
  .strict();
/**
 * Which instances of the target an action reaches: the one named (id or unambiguous prefix), a
 * random sample of N, or (neither) all of them — always within the session's `maxInstances`.
 */
export const instanceSelectorSchema = z
  .object({
    instance: z.string().min(1).max(64).optional(),
    sample: z.number().int().min(1).max(1000).optional(),
  })
  .strict()
  .refine(
    (s) => s.instance === undefined || s.sample === undefined,
    'instance and sample exclude each other',
  );
export type InstanceSelector = z.infer<typeof instanceSelectorSchema>;

/**
 * One action parameter: every action's parameters are flat (a string, a number, a flag, or
 * `exec`'s argv), each checked again by its agent; anything nested is refused here, before it
 * reaches policy, the audit trail or a signed envelope.
 */
const actionParamSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);

export const actionBodySchema = z
  .object({
    params: z.record(z.string().max(64), actionParamSchema).default({}),
    instances: instanceSelectorSchema.optional(),
  })
  .strict();

/** One instance's part of an action that reached several: its labels and its result or refusal. */
export const instanceResultSchema = z.object({
  instance: z.string(),
  host: z.string(),
  pid: z.number(),
  ok: z.boolean(),
  result: z.unknown().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type InstanceResult = z.infer<typeof instanceResultSchema>;

export const actionResponseSchema = z.object({
  sessionId: z.string(),
  action: z.string(),
  /** Ids of the instances reached. With one, `result` is its result; with several, `result` is
   *  `{ instances: InstanceResult[] }`, each labelled, refusals included. */
  instances: z.array(z.string()),
  result: z.unknown(),
  redactions: z.record(z.string(), z.number()),
  auditEventId: z.string(),
});

/** A search of the audit trail (`GET /audit`): every filter applied in the database, newest first. */
export const auditQuerySchema = z
  .object({
    /** `1h`, `2d`, `today`, `yesterday`, `2026-12-01` or RFC 3339 with its offset; inclusive. */
    since: z.string().max(40).optional(),
    /** Same forms as `since`; exclusive. */
    until: z.string().max(40).optional(),
    /** Minutes east of UTC of the reader, for `today`, `yesterday` and dates (default 0: UTC). */
    tz: z.coerce.number().int().min(-840).max(840).optional(),
    actor: z.string().max(128).optional(),
    session: z.string().max(64).optional(),
    target: z.string().max(128).optional(),
    action: z.string().max(32).optional(),
    type: z.string().max(64).optional(),
    outcome: z.enum(['success', 'failure', 'denied', 'pending']).optional(),
    decision: z.enum(['allow', 'deny']).optional(),
    /** Cursor: only events older than this seq (the `older` of the previous page). */
    before: z.coerce.number().int().nonnegative().optional(),
    /** Cursor: only events newer than this seq (the `newer` of the previous page). */
    after: z.coerce.number().int().nonnegative().optional(),
    /** Page size, default 100. */
    limit: z.coerce.number().int().min(1).max(10_000).optional(),
  })
  .strict();
export const auditEventViewSchema = z.object({
  seq: z.number(),
  id: z.string(),
  time: z.string(),
  type: z.string(),
  actor: z.string(),
  sessionId: z.string().nullable(),
  action: z.string().nullable(),
  target: z.string().nullable(),
  outcome: z.string(),
  decision: z.enum(['allow', 'deny']).nullable(),
  hash: z.string(),
  /** False when the event does not match its hash or a stored column disagrees with it. */
  intact: z.boolean(),
  event: z.record(z.string(), z.unknown()),
});
/** One page, newest first, with the cursors of its neighbours (null when there is none). */
export const auditListSchema = z.object({
  events: z.array(auditEventViewSchema),
  /** Pass as `before` for the next, older page. */
  older: z.number().nullable(),
  /** Pass as `after` for the previous, newer page. */
  newer: z.number().nullable(),
  /** Seqs whose edited columns matched while their hashed event does not: left out, reported. */
  inconsistent: z.array(z.number()),
  /** The time window as searched, in UTC (relative forms resolved at the gateway's clock). */
  since: z.string().nullable(),
  until: z.string().nullable(),
});
export type AuditEventView = z.infer<typeof auditEventViewSchema>;
export type AuditList = z.infer<typeof auditListSchema>;

export const policyViewSchema = z.object({
  version: z.string(),
  policies: z.array(
    z.object({ id: z.string(), effect: z.string(), annotations: z.record(z.string(), z.string()) }),
  ),
});

export const healthSchema = z.object({ status: z.string() });

/** A head witnessed outside the store, as `SEQ:HASH` (the hash of the event at that seq). */
export const witnessedHeadTextSchema = z.string().regex(/^[1-9][0-9]{0,15}:[0-9a-f]{64}$/);

/**
 * `GET /audit/verify`: heads witnessed outside the store (a sink, an earlier export, a note) the
 * trail must reach. With `Accept: application/x-ndjson` the answer streams progress lines
 * (`{"type":"progress",…}`) and ends with one `{"type":"result",…report}` or `{"type":"error",…}`.
 */
export const auditVerifyQuerySchema = z
  .object({ head: z.union([witnessedHeadTextSchema, z.array(witnessedHeadTextSchema).max(16)]).optional() })
  .strict();

export const auditVerifySchema = z.object({
  ok: z.boolean(),
  events: z.number(),
  checkpoints: z.number(),
  headSeq: z.number(),
  headHash: z.string(),
  unsignedTail: z.number(),
  /** The highest witnessed head the trail was held against. */
  witnessSeq: z.number().optional(),
  firstBadSeq: z.number().optional(),
  problem: z.string().optional(),
  /** When not ok: GBX_AUDIT_ROLLED_BACK (behind a witnessed head) or GBX_AUDIT_VERIFY_FAILED. */
  code: z.string().optional(),
  message: z.string(),
});
export type AuditVerify = z.infer<typeof auditVerifySchema>;

/** A progress line of a streamed live verification. */
export const auditVerifyProgressSchema = z.object({
  type: z.literal('progress'),
  events: z.number(),
  headSeq: z.number(),
  /** The store's head when the verification started: how far it has to go. */
  targetSeq: z.number(),
});
export type AuditVerifyProgress = z.infer<typeof auditVerifyProgressSchema>;

export const recordingSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  action: z.string(),
  actor: z.string(),
  createdAt: z.number(),
  chunks: z.number(),
  bytes: z.number(),
});
export const recordingContentSchema = recordingSchema.extend({
  cast: z.string(),
  verification: z.object({ ok: z.boolean(), message: z.string() }),
});

// ---- web console, single sign-on and WebAuthn (issue 7) -------------------------------------

/** What the console learns about its own login (`GET /auth/console/session`). */
export const consoleSessionSchema = z.object({
  authenticated: z.boolean(),
  methods: z.object({ sso: z.boolean(), password: z.boolean() }),
  user: z.string().optional(),
  groups: z.array(z.string()).optional(),
  /** Anti-forgery token the console sends back in `x-glovebox-csrf`. */
  csrf: z.string().optional(),
  expiresAt: z.number().optional(),
  mfaAgeSec: z.number().nullable().optional(),
});
export type ConsoleSession = z.infer<typeof consoleSessionSchema>;

/** `POST /auth/sso/device`: an RFC 8628 device authorization for `glovebox login --sso`. */
export const deviceStartResponseSchema = z.object({
  deviceCode: z.string(),
  userCode: z.string(),
  verificationUri: z.string(),
  verificationUriComplete: z.string().nullable(),
  expiresIn: z.number(),
  interval: z.number(),
});
export type DeviceStart = z.infer<typeof deviceStartResponseSchema>;
export const deviceTokenBodySchema = z.object({ deviceCode: z.string().min(8).max(512) }).strict();

/** WebAuthn ceremony options, with the sealed challenge the verify call must return. */
export const webauthnOptionsResponseSchema = z.object({
  options: z.record(z.string(), z.unknown()),
  challengeToken: z.string(),
});
export const webauthnVerifyBodySchema = z
  .object({
    challengeToken: z.string().min(1).max(4096),
    response: z.record(z.string(), z.unknown()),
  })
  .strict();
export const webauthnRegisteredSchema = z.object({ credentialId: z.string(), createdAt: z.number() });
export const webauthnCredentialListSchema = z.object({
  credentials: z.array(
    z.object({ id: z.string(), createdAt: z.number(), lastUsedAt: z.number().nullable() }),
  ),
});

export const sinkStatusSchema = z.object({
  name: z.string(),
  cursor: z.number(),
  headSeq: z.number(),
  lag: z.number(),
  delivered: z.number(),
  failures: z.number(),
  consecutiveFailures: z.number(),
  lastError: z.string().optional(),
  lastSuccessAt: z.number().optional(),
  nextAttemptAt: z.number().optional(),
});

import { z } from 'zod';
import { signedEnvelopeSchema } from './envelope.js';
import { keyRotationSchema, signedWelcomeSchema } from './gateway-trust.js';

/** Version of the agent channel; the gateway refuses agents that speak another one. */
export const AGENT_PROTOCOL_VERSION = 3;

/** Largest single frame either side accepts on the agent channel. */
export const AGENT_MAX_FRAME_BYTES = 4 * 1024 * 1024;

/** An error code an agent reports: the shape of a code, never free text (it is logged and audited). */
const agentErrorCode = z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/);
const errorSchema = z.object({ code: agentErrorCode, message: z.string().max(2000) }).strict();
export type AgentError = z.infer<typeof errorSchema>;

// ---- agent -> gateway ----------------------------------------------------------------------

export const agentHelloSchema = z
  .object({
    type: z.literal('hello'),
    protocol: z.literal(AGENT_PROTOCOL_VERSION),
    agentVersion: z.string().max(64),
    /** Fresh random value per connection; the gateway signs it back in its welcome. */
    nonce: z.string().min(16).max(64),
    runtime: z
      .object({ node: z.string().max(32), pid: z.number().int(), hostname: z.string().max(255) })
      .strict(),
    /** This process among every process connected with the same credential (one service, many
     *  instances): a random id chosen at start, when it started, the service's version if known. */
    instance: z
      .object({
        id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
        startedAt: z.number().int().nonnegative(),
        version: z.string().max(64).nullable(),
      })
      .strict(),
    /** What the agent can do, per target it serves. The gateway uses it for routing only; target
     *  attributes (env, tags, owner) always come from the registration, never from the agent. */
    targets: z
      .array(
        z
          .object({
            name: z.string().min(1).max(128),
            actions: z.array(z.string().max(32)).max(32),
            /** Allow-listed commands (exec targets): names and classes only, for policy context. */
            commands: z
              .array(z.object({ name: z.string().min(1).max(64), class: z.string().min(1).max(32) }).strict())
              .max(256)
              .optional(),
          })
          .strict(),
      )
      .min(1)
      .max(64),
  })
  .strict();

export const agentHeartbeatSchema = z.object({ type: z.literal('heartbeat'), time: z.number() }).strict();

export const agentResultSchema = z
  .object({
    type: z.literal('result'),
    callId: z.string().max(64),
    ok: z.boolean(),
    result: z.unknown().optional(),
    error: errorSchema.optional(),
    /** What was read and what was redacted, for the audit event. Counts and names only. */
    accessed: z.record(z.string(), z.unknown()).optional(),
    redactions: z.record(z.string(), z.number().int().nonnegative()).optional(),
  })
  .strict();

/** A piece of a streamed result (logpoint line, command output); ordered by `seq`. */
export const agentStreamSchema = z
  .object({
    type: z.literal('stream'),
    callId: z.string().max(64),
    seq: z.number().int().nonnegative(),
    data: z.unknown(),
  })
  .strict();

/**
 * The agent refused something the gateway end of its connection sent (a welcome, an envelope), told
 * so the gateway can record it; sent before the agent closes a connection it no longer trusts.
 */
export const agentRefusalSchema = z
  .object({
    type: z.literal('refusal'),
    code: agentErrorCode,
    message: z.string().max(500),
    callId: z.string().max(64).optional(),
  })
  .strict();

export const agentToGatewaySchema = z.discriminatedUnion('type', [
  agentHelloSchema,
  agentHeartbeatSchema,
  agentResultSchema,
  agentStreamSchema,
  agentRefusalSchema,
]);
export type AgentToGateway = z.infer<typeof agentToGatewaySchema>;
export type AgentHello = z.infer<typeof agentHelloSchema>;
export type AgentResult = z.infer<typeof agentResultSchema>;
export type AgentStream = z.infer<typeof agentStreamSchema>;
export type AgentRefusal = z.infer<typeof agentRefusalSchema>;

// ---- gateway -> agent ----------------------------------------------------------------------

/**
 * The first and only welcome of a connection. The agent trusts it when `key` is pinned, or reached
 * from a pinned key through `rotations` (each signed by the key before it), and `welcome` is signed
 * by `key` over the agent's nonce; the connection's envelopes are then signed by `key` and name the
 * welcome's channel.
 */
export const gatewayWelcomeSchema = z
  .object({
    type: z.literal('welcome'),
    /** The Ed25519 public key (SPKI PEM) that signs this welcome and this connection's envelopes. */
    key: z.string().max(4096),
    rotations: z.array(keyRotationSchema).max(64),
    welcome: signedWelcomeSchema,
  })
  .strict();

/** An action to perform; everything the agent may trust is inside the signed envelope. */
export const gatewayCallSchema = z
  .object({ type: z.literal('call'), envelope: signedEnvelopeSchema })
  .strict();

/** Extends a session's lease; carries a signed envelope of action `lease` (params `{}`). */
export const gatewayLeaseSchema = z
  .object({ type: z.literal('lease'), envelope: signedEnvelopeSchema })
  .strict();

/**
 * Ends a session at once on the agent: a signed envelope of action `revoke` naming the session, bound
 * to the connection like every envelope. Unsigned, an attacker in the middle could end any session.
 */
export const gatewayRevokeSchema = z
  .object({ type: z.literal('revoke'), envelope: signedEnvelopeSchema })
  .strict();

/** Stops a running call (streams, commands): a signed envelope of action `cancel`, params `{ callId }`. */
export const gatewayCancelSchema = z
  .object({ type: z.literal('cancel'), envelope: signedEnvelopeSchema })
  .strict();

/** Envelope actions that are control messages: never run as a call, never accepted as another. */
export const CONTROL_ACTIONS: ReadonlySet<string> = new Set(['lease', 'revoke', 'cancel']);

export const gatewayToAgentSchema = z.discriminatedUnion('type', [
  gatewayWelcomeSchema,
  gatewayCallSchema,
  gatewayLeaseSchema,
  gatewayRevokeSchema,
  gatewayCancelSchema,
]);
export type GatewayToAgent = z.infer<typeof gatewayToAgentSchema>;
export type GatewayWelcome = z.infer<typeof gatewayWelcomeSchema>;

import { z } from 'zod';
import { DEBUG_ACTIONS } from './constants.js';

export { DEBUG_ACTIONS };
export const debugActionSchema = z.enum(DEBUG_ACTIONS);
export type DebugAction = z.infer<typeof debugActionSchema>;

/** Every action name known to policy: debug actions plus the workflow and administrative ones. */
export const POLICY_ACTIONS = [
  ...DEBUG_ACTIONS,
  'request',
  'approve',
  'end',
  // watching a session's live output (its owner always may; routes/table.ts in the gateway)
  'watch',
  'administer',
  'readAudit',
  // policy deployment from CI: push and roll back, approve a push, replay history; CI login
  'deployPolicy',
  'approvePolicy',
  'planPolicy',
  'exchangeToken',
  // reading the gateway's metrics and the policy set in force (routes/table.ts in the gateway)
  'readMetrics',
  'readPolicy',
  // minting an API token (routes/table.ts); the token's user is context.requester
  'createToken',
] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

/** How much the redaction engine masks; set by the session's policy obligations. */
export const maskingLevelSchema = z.enum(['standard', 'strict']);
export type MaskingLevel = z.infer<typeof maskingLevelSchema>;

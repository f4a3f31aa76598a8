import { z } from 'zod';

/** Actions an engineer can be granted inside a session; each is authorized again on every use. */
export const DEBUG_ACTIONS = [
  'facts',
  'snapshot',
  'logpoint',
  'eval',
  'profile',
  'heapstats',
  'heapsnapshot',
  'exec',
  'query',
] as const;
export const debugActionSchema = z.enum(DEBUG_ACTIONS);
export type DebugAction = z.infer<typeof debugActionSchema>;

/** Every action name known to policy: debug actions plus the workflow and administrative ones. */
export const POLICY_ACTIONS = [
  ...DEBUG_ACTIONS,
  'request',
  'approve',
  'end',
  'administer',
  'readAudit',
] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

/** How much the redaction engine masks; set by the session's policy obligations. */
export const maskingLevelSchema = z.enum(['standard', 'strict']);
export type MaskingLevel = z.infer<typeof maskingLevelSchema>;

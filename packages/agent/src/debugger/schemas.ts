import { z } from 'zod';

/** `file:line`, with the line 1-based; the file may be a TypeScript source resolved through source maps. */
export const locationSchema = z
  .string()
  .min(3)
  .max(1024)
  .regex(/^[^\0\n\r]+:\d{1,7}$/, 'location must be FILE:LINE');

export const snapshotParamsSchema = z.strictObject({
  location: locationSchema,
  condition: z.string().min(1).max(500).optional(),
  waitMs: z.number().int().min(1).max(3_600_000),
  hits: z.number().int().min(1).max(100).optional(),
});

export const logpointParamsSchema = z.strictObject({
  location: locationSchema,
  template: z.string().min(1).max(2000),
  condition: z.string().min(1).max(500).optional(),
  maxPerSecond: z.number().positive().max(10_000).optional(),
  /** Examine every hit while the CPU budget allows, up to the agent's every-hit line cap. */
  everyHit: z.boolean().optional(),
  durationMs: z.number().int().min(1).max(86_400_000),
});

export const evalParamsSchema = z.strictObject({
  expression: z.string().min(1).max(2000),
  timeoutMs: z.number().int().min(1).max(60_000),
});

export const profileParamsSchema = z.strictObject({
  seconds: z.number().positive().max(3600),
});

export type SnapshotParams = z.infer<typeof snapshotParamsSchema>;
export type LogpointParams = z.infer<typeof logpointParamsSchema>;
export type EvalParams = z.infer<typeof evalParamsSchema>;
export type ProfileParams = z.infer<typeof profileParamsSchema>;

/** Splits `file:line` at the last colon (Windows drive letters and URLs keep theirs). */
export function splitLocation(location: string): { file: string; line: number } {
  const i = location.lastIndexOf(':');
  return { file: location.slice(0, i), line: Number(location.slice(i + 1)) };
}

// Shared by the audit benchmarks: a realistic, varied event for position `i`.
import type { AuditEventInput } from '@glovebox/audit';

const START = Date.parse('2026-01-01T00:00:00.000Z');

/** An action intent or result as the gateway records them: user, session, target, decision, details. */
export function benchEventInput(i: number): AuditEventInput {
  const result = i % 2 === 0;
  return {
    type: result ? 'action.result' : 'action.intent',
    time: new Date(START + i).toISOString(),
    actor: { kind: 'user', id: `engineer-${i % 50}@example.com` },
    sessionId: `ses_${(i >> 6).toString(36).padStart(16, '0')}`,
    action: i % 3 === 0 ? 'query' : 'snapshot',
    target: `payments-api-${i % 4}`,
    decision: {
      allowed: true,
      determiningPolicies: ['oncall-may-debug-payments'],
      policyVersion: 'sha256:9f2c1e',
      reasons: [],
    },
    outcome: result ? 'success' : 'pending',
    details: result
      ? {
          durationMs: i % 900,
          bytes: (i * 37) % 65536,
          columns: ['id', 'email', 'total'],
          rows: i % 100,
          redacted: { email: i % 7, card: i % 2 },
        }
      : { location: 'src/orders/checkout.ts:142', maxDepth: 3 },
  };
}

import type { AuditRecord, AuditService } from './audit-service.js';
import type { AccountNotice, Notifier } from './notifier.js';

/** A second factor enrolled (confirmed) or a user's factors removed. */
export interface FactorChange {
  kind: AccountNotice['kind'];
  /** Whose factors changed. */
  user: string;
  /** Who did it: the user, or an admin. */
  actor: string;
  factor: 'totp' | 'webauthn' | 'all';
  via: string;
  /** The policy decision that allowed it, when one did (an admin's reset). */
  decision?: AuditRecord['decision'];
  details?: Record<string, unknown>;
}

/**
 * Records a change to a user's second factors in the audit trail (`auth.mfa_enrolled`,
 * `auth.mfa_removed`) and notifies the webhooks (`mfa.enrolled`, `mfa.removed`), so that a factor
 * someone else added, or a reset, is seen where people look, not only in the trail.
 */
export async function recordFactorChange(
  s: { audit: AuditService; notifier: Pick<Notifier, 'notifyAccount'> },
  c: FactorChange,
): Promise<void> {
  await s.audit.record({
    type: c.kind === 'mfa.enrolled' ? 'auth.mfa_enrolled' : 'auth.mfa_removed',
    actor: { kind: 'user', id: c.actor },
    ...(c.decision ? { decision: c.decision } : {}),
    outcome: 'success',
    details: c.kind === 'mfa.enrolled' ? { method: c.factor, via: c.via, ...c.details } : { ...c.details },
  });
  s.notifier.notifyAccount({
    kind: c.kind,
    user: c.user,
    factor: c.factor,
    via: c.via,
    by: c.actor === c.user ? null : c.actor,
  });
}

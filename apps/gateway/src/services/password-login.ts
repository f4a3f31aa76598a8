import { GloveboxError } from '@glovebox/core';
import type { AuditService } from './audit-service.js';
import type { IdentityService } from './identity.js';

/**
 * A password login from the API or the console, with its audit event either way: `auth.login`
 * on success, `auth.login_failed` (with the error code, never the password) on any failure.
 */
export async function passwordLogin(
  identity: IdentityService,
  audit: AuditService,
  input: {
    user: string;
    password: string;
    otp: string | undefined;
    clientAddress: string;
    via: 'api' | 'console';
  },
): Promise<Awaited<ReturnType<IdentityService['login']>>> {
  try {
    const result = await identity.login(input.user, input.password, input.otp, input.clientAddress);
    await audit.record({
      type: 'auth.login',
      actor: { kind: 'user', id: result.user.name },
      outcome: 'success',
      details: { method: 'password', via: input.via, mfa: result.record.mfaAt !== null },
    });
    return result;
  } catch (error) {
    await audit.record({
      type: 'auth.login_failed',
      actor: { kind: 'anonymous', id: input.user.slice(0, 64) },
      outcome: 'failure',
      details: { via: input.via, code: error instanceof GloveboxError ? error.code : 'GBX_INTERNAL' },
    });
    throw error;
  }
}

import { GloveboxError } from '@glovebox/core';
import type { Redactor } from '@glovebox/redact';
import type { AuditService } from './audit-service.js';
import { isUserName, type IdentityService } from './identity.js';

/**
 * What a failed login records as who tried: the user field is where people paste passwords. A
 * text that cannot name a user (capitals, symbols, spaces, too long) is never recorded; one that
 * could passes the redactor first.
 */
export function failedLoginName(user: string, redactor: Redactor): string {
  if (!isUserName(user)) return '[not a user name]';
  return redactor.redactText(user).text;
}

/**
 * A password login from the API or the console, with its audit event either way: `auth.login`
 * on success, `auth.login_failed` (with the error code, never the password, and the user field
 * only as `failedLoginName` gives it) on any failure.
 */
export async function passwordLogin(
  identity: IdentityService,
  audit: AuditService,
  redactor: Redactor,
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
      actor: { kind: 'anonymous', id: failedLoginName(input.user, redactor) },
      outcome: 'failure',
      details: { via: input.via, code: error instanceof GloveboxError ? error.code : 'GBX_INTERNAL' },
    });
    throw error;
  }
}

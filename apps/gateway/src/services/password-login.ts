import { GloveboxError } from '@glovebox/core';
import type { Redactor } from '@glovebox/redact';
import type { AuditService } from './audit-service.js';
import { isUserName, type IdentityService } from './identity.js';

/**
 * What a failed login records as who tried: the user field is where people paste passwords, and
 * a password can look like a name (`summer2026`). Only the name of a user that exists is
 * recorded (after the redactor); anything else is `[unknown user]`, and the source address keeps
 * probing visible.
 */
export async function failedLoginName(
  user: string,
  identity: IdentityService,
  redactor: Redactor,
): Promise<string> {
  if (!isUserName(user)) return '[not a user name]';
  if (!(await identity.userExists(user))) return '[unknown user]';
  return redactor.redactText(user).text;
}

/**
 * A password login from the API or the console, with its audit event either way: `auth.login`
 * on success, `auth.login_failed` (with the error code, never the password, and the user field
 * only as `failedLoginName` gives it) on any failure (with the source address).
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
    const code = error instanceof GloveboxError ? error.code : 'GBX_INTERNAL';
    const who = await failedLoginName(input.user, identity, redactor).catch(() => '[unknown user]');
    await audit.record({
      type: 'auth.login_failed',
      actor: { kind: 'anonymous', id: who },
      outcome: 'failure',
      details: { via: input.via, code, source: input.clientAddress },
    });
    throw error;
  }
}

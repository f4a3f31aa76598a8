import type { Command } from 'commander';
import { GloveboxError, isGloveboxError } from '@glovebox/core';
import type { z } from 'zod';
import type { DeviceStart, loginResponseSchema } from '@glovebox/protocol';
import { ciProviderToken } from '../../ci-login.js';
import type { ApiClient } from '../../client.js';
import {
  clearCredentials,
  credentialsFor,
  envSetting,
  forgetCurrentSession,
  saveCredentials,
} from '../../home.js';
import { neutraliseLine } from '../../terminal-text.js';
import { when, type Output } from '../../output.js';
import { context, otpCode, stdinPassword, usage } from '../common.js';

type LoginResponse = z.infer<typeof loginResponseSchema>;

interface LoginOptions {
  user?: string;
  passwordStdin?: boolean;
  otp?: string;
  sso?: boolean;
  ci?: boolean;
  audience?: string;
}

async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) return stdinPassword();
  const env = envSetting('GLOVEBOX_PASSWORD');
  if (env) return env;
  return usage('give the password on stdin with --password-stdin (or GLOVEBOX_PASSWORD)');
}

/** In a pipeline: the CI provider's OIDC token exchanged for a short-lived one. */
async function loginFromCi(api: ApiClient, out: Output, options: LoginOptions): Promise<void> {
  const audience = options.audience ?? envSetting('GLOVEBOX_CI_AUDIENCE') ?? api.url;
  const res = await api.call<LoginResponse>('POST', '/auth/ci/token', {
    token: await ciProviderToken(audience),
  });
  saveCredentials({ url: api.url, token: res.token, user: res.user.name, expiresAt: res.expiresAt });
  out.result(
    { user: res.user.name, groups: res.user.groups, expiresAt: res.expiresAt, method: 'ci' },
    (safe) =>
      `logged in as ${safe.user} (${safe.groups.join(', ') || 'no groups'}) from CI until ${when(safe.expiresAt)}`,
  );
}

/** Through the identity provider's device flow: the person confirms a code in a browser. */
async function loginWithSso(api: ApiClient, out: Output): Promise<void> {
  const device = await api.call<DeviceStart>('POST', '/auth/sso/device', {});
  // Shown even with --json (on stderr): without it nobody can complete the login.
  process.stderr.write(
    `To log in, open ${neutraliseLine(device.verificationUriComplete ?? device.verificationUri)}\n` +
      `and confirm the code ${neutraliseLine(device.userCode)} (waiting up to ${Math.round(device.expiresIn / 60)} min)…\n`,
  );
  const deadline = Date.now() + device.expiresIn * 1000;
  let interval = Math.max(1, device.interval) * 1000;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, interval));
    try {
      const res = await api.call<LoginResponse>('POST', '/auth/sso/device/token', {
        deviceCode: device.deviceCode,
      });
      saveCredentials({
        url: api.url,
        token: res.token,
        user: res.user.name,
        expiresAt: res.expiresAt,
      });
      out.result(
        { user: res.user.name, groups: res.user.groups, expiresAt: res.expiresAt, method: 'sso' },
        (safe) =>
          `logged in as ${safe.user} (${safe.groups.join(', ') || 'no groups'}) through single sign-on until ${when(safe.expiresAt)}`,
      );
      out.next('glovebox targets', 'what you may request access to');
      return;
    } catch (error) {
      if (!isGloveboxError(error, 'GBX_AUTH_PENDING')) throw error;
      if (Date.now() > deadline)
        throw new GloveboxError('GBX_AUTH_FAILED', 'the login was not confirmed in time; run it again');
      interval = Math.min(interval + 500, 10_000);
    }
  }
}

/** With a local user's password (and a one-time code when MFA is enrolled). */
async function loginWithPassword(api: ApiClient, out: Output, options: LoginOptions): Promise<void> {
  const user = options.user ?? process.env.USER ?? usage('--user is required');
  if (options.otp !== undefined) otpCode(options.otp, '--otp');
  const password = await readPassword(options.passwordStdin === true);
  const res = await api.call<LoginResponse>('POST', '/auth/login', {
    user,
    password,
    ...(options.otp ? { otp: options.otp } : {}),
  });
  saveCredentials({ url: api.url, token: res.token, user: res.user.name, expiresAt: res.expiresAt });
  out.result(
    { user: res.user.name, groups: res.user.groups, expiresAt: res.expiresAt },
    (safe) =>
      `logged in as ${safe.user} (${safe.groups.join(', ') || 'no groups'}) until ${when(safe.expiresAt)}`,
  );
  out.next('glovebox targets', 'what you may request access to');
}

/** `glovebox login`: a short-lived session token saved in GLOVEBOX_HOME (password, SSO or CI). */
export function registerLoginCommand(program: Command): void {
  program
    .command('login')
    .description('log in as a local user and save a short-lived session token in GLOVEBOX_HOME')
    .option('--user <name>', 'user name (default: $USER)')
    .option('--password-stdin', 'read the password from stdin')
    .option('--otp <code>', 'one-time code, when MFA is enrolled')
    .option('--sso', 'log in through the identity provider (device flow: confirm in a browser)')
    .option(
      '--ci',
      "in a pipeline: exchange the CI provider's OIDC token (GLOVEBOX_CI_TOKEN, or GitHub Actions') for a short-lived token",
    )
    .option(
      '--audience <aud>',
      'with --ci on GitHub Actions: the audience to ask for (default: GLOVEBOX_CI_AUDIENCE, else the gateway URL)',
    )
    .action(async (options: LoginOptions, command: Command) => {
      const { api, out } = context(command);
      if (options.ci) return loginFromCi(api, out, options);
      if (options.sso) return loginWithSso(api, out);
      return loginWithPassword(api, out, options);
    });
}

/**
 * `glovebox logout`: revokes the saved login of this gateway (and the API tokens minted from it)
 * and forgets it, with the current session; a login saved for another gateway is left alone. A login the gateway no longer accepts is forgotten; any other failure
 * keeps it saved and fails, so the user knows it still works and can try again.
 */
export function registerLogoutCommand(program: Command): void {
  program
    .command('logout')
    .description('revoke the saved login and the tokens minted from it, and forget it')
    .action(async (_o: unknown, command: Command) => {
      const { api, out } = context(command);
      if (credentialsFor(api.url)) {
        await api.call('POST', '/auth/logout', {}).catch((error: unknown) => {
          if (!isGloveboxError(error, 'GBX_AUTH_FAILED')) throw error;
        });
        clearCredentials();
      }
      forgetCurrentSession(api.url);
      out.result({ ok: true }, () => 'logged out');
    });
}

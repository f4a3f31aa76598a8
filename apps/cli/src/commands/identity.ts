import type { Command } from 'commander';
import { GloveboxError, isGloveboxError } from '@glovebox/core';
import type { z } from 'zod';
import type {
  DeviceStart,
  createdTokenSchema,
  loginResponseSchema,
  mfaEnrollResponseSchema,
  whoamiResponseSchema,
} from '@glovebox/protocol';
import { ciProviderToken } from '../ci-login.js';
import { clearCredentials, forgetCurrentSession, loadCredentials, saveCredentials } from '../home.js';
import { neutraliseLine } from '../terminal-text.js';
import { readStdin, when } from '../output.js';
import { context, usage } from './common.js';

async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) return (await readStdin()).replace(/\r?\n$/, '');
  const env = process.env.GLOVEBOX_PASSWORD;
  if (env) return env;
  return usage('give the password on stdin with --password-stdin (or GLOVEBOX_PASSWORD)');
}

export function registerIdentityCommands(program: Command): void {
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
    .action(
      async (
        options: {
          user?: string;
          passwordStdin?: boolean;
          otp?: string;
          sso?: boolean;
          ci?: boolean;
          audience?: string;
        },
        command: Command,
      ) => {
        const { api, out } = context(command);
        if (options.ci) {
          const audience = options.audience ?? process.env.GLOVEBOX_CI_AUDIENCE ?? api.url;
          const res = await api.call<z.infer<typeof loginResponseSchema>>('POST', '/auth/ci/token', {
            token: await ciProviderToken(audience),
          });
          saveCredentials({ url: api.url, token: res.token, user: res.user.name, expiresAt: res.expiresAt });
          out.result(
            { user: res.user.name, groups: res.user.groups, expiresAt: res.expiresAt, method: 'ci' },
            (safe) =>
              `logged in as ${safe.user} (${safe.groups.join(', ') || 'no groups'}) from CI until ${when(safe.expiresAt)}`,
          );
          return;
        }
        if (options.sso) {
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
              const res = await api.call<z.infer<typeof loginResponseSchema>>(
                'POST',
                '/auth/sso/device/token',
                {
                  deviceCode: device.deviceCode,
                },
              );
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
                throw new GloveboxError(
                  'GBX_AUTH_FAILED',
                  'the login was not confirmed in time; run it again',
                );
              interval = Math.min(interval + 500, 10_000);
            }
          }
        }
        const user = options.user ?? process.env.USER ?? usage('--user is required');
        const password = await readPassword(options.passwordStdin === true);
        const res = await api.call<z.infer<typeof loginResponseSchema>>('POST', '/auth/login', {
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
      },
    );

  program
    .command('logout')
    .description('revoke the saved session token and forget it')
    .action(async (_o: unknown, command: Command) => {
      const { api, out } = context(command);
      if (loadCredentials()) {
        await api.call('POST', '/auth/logout').catch(() => undefined);
        clearCredentials();
      }
      forgetCurrentSession(api.url);
      out.result({ ok: true }, () => 'logged out');
    });

  program
    .command('whoami')
    .description('who the gateway thinks you are')
    .action(async (_o: unknown, command: Command) => {
      const { api, out } = context(command);
      const me = await api.call<z.infer<typeof whoamiResponseSchema>>('GET', '/whoami');
      out.result(me, (safe) =>
        [
          `user:   ${safe.user}`,
          `groups: ${safe.groups.join(', ') || '-'}`,
          `token:  ${safe.tokenKind}`,
          `mfa:    ${safe.mfa.enrolled ? `enrolled${safe.mfa.ageSec === null ? '' : `, last checked ${safe.mfa.ageSec}s ago`}` : 'not enrolled'}`,
        ].join('\n'),
      );
    });

  const mfa = program.command('mfa').description('multi-factor authentication (TOTP)');
  mfa
    .command('enroll')
    .description(
      'start TOTP enrollment; add the secret to an authenticator app, then run `mfa verify`. The first factor needs the ticket an admin gave you (`users add`, `users reset-mfa`); another one needs a fresh check of an existing factor',
    )
    .option('--ticket <ticket>', 'enrollment ticket from an admin (or GLOVEBOX_MFA_TICKET)')
    .action(async (o: { ticket?: string }, command: Command) => {
      const { api, out } = context(command);
      const ticket = o.ticket ?? process.env.GLOVEBOX_MFA_TICKET;
      const res = await api.call<z.infer<typeof mfaEnrollResponseSchema>>(
        'POST',
        '/mfa/enroll',
        ticket ? { ticket } : {},
      );
      out.result(res, (safe) => `secret: ${safe.secret}\nurl:    ${safe.otpauthUrl}`);
      out.next('glovebox mfa verify CODE', 'add the secret to an authenticator app, then confirm a code');
    });
  mfa
    .command('verify')
    .description('check a code: confirms enrollment and refreshes this login for step-up')
    .argument('<code>', 'the 6-digit code')
    .action(async (code: string, _o: unknown, command: Command) => {
      const { api, out } = context(command);
      if (!/^\d{6}$/.test(code)) usage('the code is 6 digits');
      const res = await api.call<{ verifiedAt: number; enrolled?: boolean }>('POST', '/mfa/verify', { code });
      if (res.enrolled) {
        out.result(res, (safe) => `enrolled at ${when(safe.verifiedAt)}`);
        out.next(
          'glovebox login --otp CODE',
          'a factor never counts for step-up in the login that enrolled it: log in again with a code',
        );
        return;
      }
      out.result(res, (safe) => `verified at ${when(safe.verifiedAt)}`);
      out.note('a command that stopped for MFA (exit 4) can be run again now');
    });

  const LIMITED_BY = {
    request: '',
    policy: ', the longest policy allows',
    login: ', when the login it was minted from ends',
  } as const;
  const tokens = program.command('tokens').description('API tokens for automation');
  tokens
    .command('create')
    .description('create an API token (shown once, stored hashed)')
    .option('--user <name>', 'for another user (admins)')
    .option('--ttl <duration>', 'lifetime, e.g. 1h, 1d (default and maximum: what policy allows)')
    .option('--label <text>', 'what it is for')
    .action(async (o: { user?: string; ttl?: string; label?: string }, command: Command) => {
      const { api, out } = context(command);
      const res = await api.call<z.infer<typeof createdTokenSchema>>('POST', '/tokens', {
        ...(o.ttl ? { ttl: o.ttl } : {}),
        ...(o.user ? { user: o.user } : {}),
        ...(o.label ? { label: o.label } : {}),
      });
      out.result(
        res,
        (safe) =>
          `${safe.token}\n(token ${safe.id} for ${safe.user}, expires ${when(safe.expiresAt)}${LIMITED_BY[safe.limitedBy]}; shown once)`,
      );
      out.next('GLOVEBOX_TOKEN=<the token above> glovebox whoami', 'scripts authenticate with it');
    });
  tokens
    .command('revoke')
    .description('revoke an API token by id')
    .argument('<id>')
    .action(async (id: string, _o: unknown, command: Command) => {
      const { api, out } = context(command);
      await api.call('DELETE', `/tokens/${encodeURIComponent(id)}`);
      out.result({ ok: true, id }, (safe) => `revoked ${safe.id}`);
    });
}

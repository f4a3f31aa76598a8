import type { Command } from 'commander';
import type { z } from 'zod';
import type {
  agentSchema,
  createdUserSchema,
  gatewayKeysSchema,
  registeredAgentSchema,
  resetMfaResponseSchema,
  revokedAgentSchema,
  userAccessChangedSchema,
  userSchema,
} from '@glovebox/protocol';
import { table, when } from '../output.js';
import { context, stdinPassword, usage } from './common.js';
import { FIELD_LIMITS } from '@glovebox/protocol/constants';

function parseTags(values: string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i <= 0) usage(`--tag must be key=value, got "${v}"`);
    const key = v.slice(0, i);
    // a second value would silently replace the first, and tags feed policy decisions
    if (Object.hasOwn(tags, key)) usage(`--tag ${key} is given twice: give each tag once`);
    tags[key] = v.slice(i + 1);
  }
  return tags;
}

export function registerAdminCommands(program: Command): void {
  registerUserCommands(program);
  registerAgentCommands(program);
}

function registerUserCommands(program: Command): void {
  const users = program.command('users').description('local users (admins)');
  users
    .command('add')
    .description('create a local user')
    .argument('<name>')
    .option('--groups <list>', 'comma-separated groups', '')
    .option('--password-stdin', 'read a password from stdin (otherwise the user has no password login)')
    .action(async (name: string, o: { groups: string; passwordStdin?: boolean }, command: Command) => {
      const { api, out } = context(command);
      const groups = o.groups
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean);
      const password = o.passwordStdin ? await stdinPassword() : undefined;
      if (password !== undefined && password.length < FIELD_LIMITS.minPassword)
        usage(`the password on stdin must be at least ${FIELD_LIMITS.minPassword} characters`);
      const res = await api.call<z.infer<typeof createdUserSchema>>('POST', '/users', {
        name,
        groups,
        ...(password ? { password } : {}),
      });
      out.result(
        res,
        (safe) =>
          `created ${safe.name} (${safe.groups.join(', ') || 'no groups'})\n` +
          `MFA enrollment ticket (give it to ${safe.name} privately; single use, until ${when(safe.enrollmentTicket.expiresAt)}):\n` +
          safe.enrollmentTicket.ticket,
      );
      out.next(
        password ? `glovebox login --user ${name} --password-stdin` : `glovebox tokens create --user ${name}`,
        password ? 'they log in with their password' : 'they have no password: give them a token',
      );
    });
  users
    .command('list')
    .description('list users')
    .action(async (_o: unknown, command: Command) => {
      const { api, out } = context(command);
      const res = await api.call<{ users: z.infer<typeof userSchema>[] }>('GET', '/users');
      out.result(res.users, (users) =>
        table(
          ['NAME', 'GROUPS', 'MFA', 'DISABLED'],
          users.map((u) => [
            u.name,
            u.groups.join(','),
            u.mfaEnrolled ? 'yes' : 'no',
            u.disabled ? 'yes' : 'no',
          ]),
        ),
      );
    });

  users
    .command('reset-mfa')
    .description('remove every second factor of a user and issue a new enrollment ticket (lost device)')
    .argument('<name>')
    .action(async (name: string, _o: unknown, command: Command) => {
      const { api, out } = context(command);
      const res = await api.call<z.infer<typeof resetMfaResponseSchema>>(
        'POST',
        `/users/${encodeURIComponent(name)}/reset-mfa`,
        {},
      );
      out.result(
        res,
        (safe) =>
          `removed every second factor of ${safe.user}; enrollment ticket (single use, until ${when(safe.enrollmentTicket.expiresAt)}):\n` +
          safe.enrollmentTicket.ticket,
      );
      out.next(`glovebox mfa enroll --ticket TICKET`, `what ${name} runs after logging in`);
    });

  for (const change of ['disable', 'enable'] as const)
    users
      .command(change)
      .description(
        change === 'disable'
          ? 'disable a user: every token and login of theirs ends at once, their requests and sessions too'
          : 'enable a disabled user again (they log in anew; old tokens stay revoked)',
      )
      .argument('<name>')
      .action(async (name: string, _o: unknown, command: Command) => {
        const { api, out } = context(command);
        const res = await api.call<z.infer<typeof userAccessChangedSchema>>(
          'POST',
          `/users/${encodeURIComponent(name)}/${change}`,
          {},
        );
        out.result(res, (safe) =>
          safe.disabled
            ? `disabled ${safe.user}: ${safe.tokensRevoked} token(s) revoked, ${safe.sessionsClosed} request(s) and session(s) ended`
            : `enabled ${safe.user}`,
        );
      });
}

function registerAgentCommands(program: Command): void {
  const agents = program
    .command('agents')
    .description('registered agents, connected or not')
    .action(async (_o: unknown, command: Command) => {
      const { api, out } = context(command);
      const res = await api.call<{ agents: z.infer<typeof agentSchema>[] }>('GET', '/agents');
      out.result(res.agents, (list) =>
        table(
          ['NAME', 'ENV', 'OWNER', 'INSTANCES', 'LAST SEEN', 'ACTIONS'],
          list.map((a) => [
            a.name,
            a.env,
            a.owner,
            a.instances.length,
            when(a.lastSeen),
            a.actions.join(','),
          ]),
        ),
      );
    });
  agents
    .command('register')
    .description("register an agent; prints its credential once (the target's attributes come from here)")
    .argument('<name>')
    .requiredOption('--env <env>', 'environment, e.g. staging or prod')
    .option('--owner <group>', 'owning team (a group)', '')
    .option('--tag <k=v>', 'a tag; repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action(async (name: string, o: { env: string; owner: string; tag: string[] }, command: Command) => {
      const { api, out } = context(command);
      const res = await api.call<z.infer<typeof registeredAgentSchema>>('POST', '/agents', {
        name,
        env: o.env,
        owner: o.owner,
        tags: parseTags(o.tag),
      });
      const keys = res.gatewayKeys.join(',');
      out.result(
        res,
        (safe) =>
          `${safe.credential}\n(agent ${safe.agent.name}, env ${safe.agent.env}; set it as GLOVEBOX_AGENT_TOKEN; shown once)\n` +
          `gateway key: ${keys}\n(the agent trusts only this key: set it as GLOVEBOX_GATEWAY_KEYS, or gateway.keys)`,
      );
      out.next(
        `GLOVEBOX_URL=${api.url} GLOVEBOX_AGENT_TOKEN=<the credential> GLOVEBOX_GATEWAY_KEYS=${keys} node --import @glovebox/agent/register app.js`,
        'or `glovebox agent --config agent.yaml` (gateway.keys) for commands and databases',
      );
    });
  const keysText = (k: z.infer<typeof gatewayKeysSchema>) =>
    [`current  ${k.current}`, ...k.previous.map((p) => `replaced ${p}`)].join('\n');
  const keys = agents
    .command('keys')
    .description('the gateway key agents pin (GLOVEBOX_GATEWAY_KEYS, gateway.keys), and the keys it replaced')
    .action(async (_o: unknown, command: Command) => {
      const { api, out } = context(command);
      out.result(await api.call<z.infer<typeof gatewayKeysSchema>>('GET', '/gateway/keys'), keysText);
    });
  keys
    .command('rotate')
    .description(
      'replace the gateway key; the new one is announced signed by the old, agents pinned to it follow',
    )
    .action(async (_o: unknown, command: Command) => {
      const { api, out } = context(command);
      out.result(await api.call<z.infer<typeof gatewayKeysSchema>>('POST', '/gateway/keys/rotate'), keysText);
      out.next(
        'glovebox agents keys',
        're-pin agents to the current key when convenient (the old one then retires)',
      );
    });
  agents
    .command('revoke')
    .description(
      'revoke an agent: its credential stops working, its connections close, its sessions end; with --instance, only that instance',
    )
    .argument('<name>')
    .option(
      '--instance <id>',
      'revoke only this instance (id or unambiguous prefix; see glovebox targets): its connection closes, its sessions end on it, it cannot reconnect; the others keep the credential',
    )
    .action(async (name: string, o: { instance?: string }, command: Command) => {
      const { api, out } = context(command);
      const res = await api.call<z.infer<typeof revokedAgentSchema>>(
        'POST',
        `/agents/${encodeURIComponent(name)}/revoke`,
        o.instance === undefined ? {} : { instance: o.instance },
      );
      out.result(res, (safe) =>
        safe.instance
          ? `revoked instance ${safe.instance} of ${safe.agent}; the other instances keep the credential`
          : `revoked ${safe.agent}; ${safe.sessionsClosed} session(s) ended`,
      );
    });
  agents
    .command('rotate')
    .description("replace an agent's credential; prints the new one once (the old one stops working now)")
    .argument('<name>')
    .action(async (name: string, _o: unknown, command: Command) => {
      const { api, out } = context(command);
      const res = await api.call<z.infer<typeof registeredAgentSchema>>(
        'POST',
        `/agents/${encodeURIComponent(name)}/rotate`,
        {},
      );
      out.result(
        res,
        (safe) =>
          `${safe.credential}\n(new credential of agent ${safe.agent.name}; the old one no longer connects; shown once)`,
      );
      out.next(
        'restart the agent with GLOVEBOX_AGENT_TOKEN=<the credential>',
        'its sessions resume on reconnection',
      );
    });
}

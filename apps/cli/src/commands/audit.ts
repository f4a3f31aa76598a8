import type { Command } from 'commander';
import type { z } from 'zod';
import type { sinkStatusSchema } from '@glovebox/protocol';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { VerifyReport } from '@glovebox/audit';
import { EXIT } from '../client.js';
import { table } from '../output.js';
import { registerAuditSearch } from './audit-search.js';
import { verifyAuditTrail, type VerifyOptions } from './audit-verify.js';
import { context, localOutput, outFileOption } from './common.js';

/** The verdict for a person; an export checked only against the keys it carries says so. */
export function describeReport(r: VerifyReport): string {
  const witnessed = r.witnessSeq === undefined ? '' : `, reaches the witnessed head ${r.witnessSeq}`;
  const embedded =
    r.keys === 'embedded'
      ? '\nchecked with the keys in the file itself: a file rewritten and re-signed as a whole passes too; add --key PEM|DIR with the gateway keys you trust'
      : '';
  return r.ok
    ? `ok: ${r.events} events, ${r.checkpoints} signed checkpoints (head ${r.headSeq}${witnessed}; ${r.unsignedTail} after the last checkpoint)${embedded}`
    : `FAILED (${r.code ?? 'GBX_AUDIT_VERIFY_FAILED'}) at seq ${r.firstBadSeq ?? '?'}: ${r.problem ?? 'invalid'} — ${r.message}`;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function registerAuditCommands(program: Command): void {
  const audit = program
    .command('audit')
    .description('search the audit trail, newest first (reading it is itself a policy decision)');
  registerAuditSearch(audit);

  audit
    .command('export')
    .description('export the trail as JSON lines with its signed checkpoints and public keys')
    .option('--out <file>', 'write to this file (default: stdout)')
    .action(async (o: { out?: string }, command: Command) => {
      const { api } = context(command);
      if (o.out !== undefined) outFileOption(o.out);
      const source = await api.send('GET', '/audit/export');
      if ((source.statusCode ?? 500) >= 400) throw await api.errorOf(source);
      if (o.out) await pipeline(source, createWriteStream(o.out, { mode: 0o600 }));
      else await pipeline(source, process.stdout);
      if (o.out) process.stderr.write(`exported to ${o.out}\n`);
    });

  audit
    .command('verify')
    .description('verify the live trail, or an export offline with --file (no gateway needed)')
    .option('--file <file>', 'an export written by `audit export`')
    .option('--key <pem>', 'a trusted public key file (PEM); repeat for rotated keys', collect, [])
    .option('--head <seq:hash>', 'a head witnessed outside the store the trail must reach', collect, [])
    .option(
      '--head-file <file>',
      'take the latest signed head from a witness file, a file sink output or an earlier export',
      collect,
      [],
    )
    .addHelpText(
      'after',
      '\nFails (exit 1, GBX_AUDIT_ROLLED_BACK) when the trail stops short of a witnessed head.',
    )
    .action(async (o: VerifyOptions, command: Command) => {
      const report = await verifyAuditTrail(o, command);
      localOutput(command).result(report, describeReport);
      if (!report.ok) process.exitCode = EXIT.error;
    });

  audit
    .command('sinks')
    .description('delivery state of each audit sink: cursor, lag, failures')
    .action(async (_o: unknown, command: Command) => {
      const { api, out } = context(command);
      const res = await api.call<{ sinks: z.infer<typeof sinkStatusSchema>[] }>('GET', '/audit/sinks');
      out.result(res.sinks, (sinks) =>
        sinks.length === 0
          ? 'no audit sinks configured'
          : table(
              ['SINK', 'CURSOR', 'LAG', 'DELIVERED', 'FAILURES', 'LAST ERROR'],
              sinks.map((x) => [x.name, x.cursor, x.lag, x.delivered, x.failures, x.lastError ?? '-']),
            ),
      );
    });

  audit
    .command('rotate-key')
    .description('sign the head with the current checkpoint key, then switch to a new one (admins)')
    .action(async (_o: unknown, command: Command) => {
      const { api, out } = context(command);
      const res = await api.call<{ keyId: string }>('POST', '/audit/keys/rotate', {});
      out.result(
        res,
        (safe) => `new checkpoint key ${safe.keyId}; earlier checkpoints still verify with the retired key`,
      );
    });
}

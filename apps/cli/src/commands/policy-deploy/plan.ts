import type { Command } from 'commander';
import type { PolicyPlanView } from '@glovebox/protocol';
import { EXIT } from '../../client.js';
import { context, usage } from '../common.js';
import { readBundle } from './operands.js';

/** Exit code of `policy plan` when recorded decisions would change (0 unchanged, 1 error). */
export const PLAN_CHANGES_EXIT = 5;

/** `glovebox policy plan DIR`: replays recorded decisions against a bundle and lists what would change. */
export function registerPlanCommand(policy: Command): void {
  policy
    .command('plan')
    .description(
      `replay recorded decisions against DIR and list what would change (exit 0: nothing, ${PLAN_CHANGES_EXIT}: changes)`,
    )
    .argument('<dir>')
    .option('--days <n>', 'how many days of recorded decisions to replay', '7')
    .option('--max <n>', 'most decisions to replay (the newest)', '50000')
    .action(async (dir: string, o: { days: string; max: string }, command: Command) => {
      const { api, out } = context(command);
      const days = Number(o.days);
      const max = Number(o.max);
      if (!Number.isInteger(days) || days < 1 || days > 365) usage('--days is a whole number from 1 to 365');
      if (!Number.isInteger(max) || max < 1 || max > 200_000)
        usage('--max is a whole number from 1 to 200000');
      const plan = await api.call<PolicyPlanView>('POST', '/policy/plan', {
        files: await readBundle(dir),
        days,
        maxDecisions: max,
      });
      out.result(plan, planText);
      process.exitCode = !plan.tests.ok ? EXIT.error : plan.changes.length > 0 ? PLAN_CHANGES_EXIT : EXIT.ok;
    });
}

const ARROWS: Record<string, string> = {
  'allow-to-deny': 'allow → deny',
  'deny-to-allow': 'deny → allow',
  'step-up-added': 'now needs MFA',
  'step-up-removed': 'no MFA step-up',
  'obligations-tightened': 'tightened',
  'obligations-loosened': 'loosened',
  'obligations-changed': 'changed',
};

/** The plan for people: history, then identical changes grouped with a count. */
function planText(plan: PolicyPlanView): string {
  const h = plan.history;
  const lines = [
    `proposed ${plan.proposedVersion.slice(7, 19)} (tests: ${plan.tests.passed} passed, ${plan.tests.failed} failed) against active ${plan.activeVersion.slice(7, 19)}`,
    `history ${plan.since} .. ${plan.until}: ${h.events} events, ${h.decisions} decisions, ${h.replayed} replayed${h.redactedContext ? ` (${h.redactedContext} with redacted reason/command)` : ''}${h.truncated ? ', only the newest (--max)' : ''}`,
  ];
  if (h.unreplayable.count > 0)
    lines.push(
      `not replayable: ${h.unreplayable.count} decisions recorded without their request (${Object.entries(
        h.unreplayable.byType,
      )
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')}; ${h.unreplayable.oldest ?? ''} .. ${h.unreplayable.newest ?? ''})`,
    );
  for (const e of plan.tests.errors) lines.push(`test error: ${e}`);
  if (plan.changes.length === 0) {
    lines.push('no recorded decision would change');
  } else {
    lines.push(`${plan.changes.length} recorded decision(s) would change:`);
    const groups = new Map<string, { text: string; count: number; first: string }>();
    for (const c of plan.changes) {
      const detail = c.obligations
        .map((o) => `${o.field} ${JSON.stringify(o.before)}→${JSON.stringify(o.after)}`)
        .join(', ');
      const text = `${c.kinds
        .map((k) => ARROWS[k] ?? k)
        .join(', ')
        .padEnd(16)} ${c.principal} ${c.action} ${c.resource}${detail ? `: ${detail}` : ''}`;
      const g = groups.get(text);
      if (g) g.count++;
      else
        groups.set(text, {
          text,
          count: 1,
          first: `${c.time} ${c.eventType}${c.sessionId ? ` ${c.sessionId}` : ''}`,
        });
    }
    for (const g of groups.values()) lines.push(`  ${g.text}  (${g.count}×, e.g. ${g.first})`);
  }
  if (plan.drifted > 0)
    lines.push(
      `note: ${plan.drifted} recorded decision(s) were made under an earlier version and the active one already decides them differently`,
    );
  return lines.join('\n');
}

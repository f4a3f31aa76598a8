import { api } from './api.js';
import type { InstanceView } from '@glovebox/protocol';
import { h, table, when, type Child } from './dom.js';

interface Target {
  name: string;
  env: string;
  owner: string;
  connected: boolean;
  actions: string[];
  /** Every process connected with the target's credential. */
  instances: InstanceView[];
}
interface Agent extends Target {
  lastSeen: number | null;
  tags: Record<string, string>;
}

export async function targetsView(): Promise<Child[]> {
  const { targets } = await api<{ targets: Target[] }>('GET', '/targets');
  const agents = await api<{ agents: Agent[] }>('GET', '/agents').catch(() => null);
  const yesNo = (b: boolean) =>
    h('span', { class: b ? 'badge ok' : 'badge bad' }, b ? 'connected' : 'offline');
  return [
    h('h1', {}, 'Targets'),
    targets.length
      ? table(
          'Targets you may request',
          ['Name', 'Environment', 'Owner', 'Agent', 'Instances', 'Actions'],
          targets.map((t) => [
            t.name,
            t.env,
            t.owner,
            yesNo(t.connected),
            String(t.instances.length),
            t.actions.join(', '),
          ]),
        )
      : h('p', { class: 'muted' }, 'No target is visible to you.'),
    targets.some((t) => t.instances.length > 0)
      ? table(
          'Instances (processes connected with a target’s credential)',
          ['Target', 'Instance', 'Host', 'PID', 'Version', 'Started'],
          targets.flatMap((t) =>
            t.instances.map((i) => [
              t.name,
              i.id,
              i.host,
              String(i.pid),
              i.version ?? '-',
              when(i.startedAt),
            ]),
          ),
        )
      : null,
    agents
      ? [
          h('h2', {}, 'Agents'),
          table(
            'Registered agents',
            ['Name', 'Environment', 'Owner', 'Status', 'Last seen'],
            agents.agents.map((a) => [a.name, a.env, a.owner, yesNo(a.connected), when(a.lastSeen)]),
          ),
        ]
      : null,
  ];
}

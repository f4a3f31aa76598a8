import { api } from './api.js';
import { h, table, when, type Child } from './dom.js';

interface Target {
  name: string;
  env: string;
  owner: string;
  connected: boolean;
  actions: string[];
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
          ['Name', 'Environment', 'Owner', 'Agent', 'Actions'],
          targets.map((t) => [t.name, t.env, t.owner, yesNo(t.connected), t.actions.join(', ')]),
        )
      : h('p', { class: 'muted' }, 'No target is visible to you.'),
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

import { api } from './api.js';
import { facts, h, table, type Child } from './dom.js';

interface Policy {
  version: string;
  policies: { id: string; effect: string; annotations: Record<string, string> }[];
}

export async function policyView(): Promise<Child[]> {
  const p = await api<Policy>('GET', '/policy');
  return [
    h('h1', {}, 'Active policy set'),
    facts([
      ['Version', h('code', {}, p.version)],
      ['Policies', String(p.policies.length)],
    ]),
    table(
      'Policies',
      ['Policy', 'Effect', 'Obligations and notes'],
      p.policies.map((x) => [
        x.id,
        x.effect,
        Object.entries(x.annotations)
          .map(([k, v]) => `${k}: ${v}`)
          .join('; '),
      ]),
    ),
  ];
}

import { randomInt } from 'node:crypto';
import { GloveboxError } from '@glovebox/core';
import type { AgentHello, InstanceSelector, InstanceView } from '@glovebox/protocol';

/** A connected instance of a target, wherever its connection is held. */
export interface InstanceRef {
  id: string;
  hello: AgentHello;
  connectedAt: number;
}

/** How an instance is shown: id, host, pid, versions, start and connection times. */
export function instanceView(i: InstanceRef): InstanceView {
  return {
    id: i.id,
    host: i.hello.runtime.hostname,
    pid: i.hello.runtime.pid,
    version: i.hello.instance.version,
    agentVersion: i.hello.agentVersion,
    node: i.hello.runtime.node,
    startedAt: i.hello.instance.startedAt,
    connectedAt: i.connectedAt,
  };
}

/** Actions whose result cannot be merged across instances (one artifact each). */
const SINGLE_INSTANCE_ACTIONS = new Set(['heapsnapshot']);

/**
 * Chooses which instances one action reaches: the one named (by id or an unambiguous prefix), a
 * random sample, or all of them, within the session's `maxInstances` obligation (0: no limit).
 * Refuses rather than silently narrowing: the engineer learns the limit and chooses.
 */
export function selectInstances(
  target: string,
  action: string,
  connected: readonly InstanceRef[],
  selector: InstanceSelector,
  maxInstances: number,
): InstanceRef[] {
  if (connected.length === 0)
    throw new GloveboxError('GBX_AGENT_UNAVAILABLE', `no instance of "${target}" is connected`);
  let chosen: InstanceRef[];
  if (selector.instance !== undefined) {
    const wanted = selector.instance;
    const exact = connected.find((i) => i.id === wanted);
    const prefixed = connected.filter((i) => i.id.startsWith(wanted));
    const one = exact ?? (prefixed.length === 1 ? prefixed[0] : undefined);
    if (!one)
      throw new GloveboxError(
        'GBX_AGENT_UNAVAILABLE',
        prefixed.length > 1
          ? `"${wanted}" names ${prefixed.length} instances of "${target}": give more of the id`
          : `instance "${wanted}" of "${target}" is not connected`,
      );
    chosen = [one];
  } else if (selector.sample !== undefined) {
    const pool = [...connected];
    chosen = [];
    while (chosen.length < selector.sample && pool.length > 0)
      chosen.push(pool.splice(randomInt(pool.length), 1)[0]!);
  } else chosen = [...connected];
  if (maxInstances > 0 && chosen.length > maxInstances)
    throw new GloveboxError(
      'GBX_INSTANCE_LIMIT',
      `policy lets one action reach at most ${maxInstances} instance(s) of "${target}" and ${chosen.length} ` +
        'would be reached: choose one with --instance ID or a few with --sample N',
    );
  if (chosen.length > 1 && SINGLE_INSTANCE_ACTIONS.has(action))
    throw new GloveboxError(
      'GBX_REQUEST_INVALID',
      `${action} reaches one instance at a time and "${target}" has ${chosen.length}: choose one with --instance ID`,
    );
  return chosen;
}

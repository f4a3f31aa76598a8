/**
 * Instances that connect while an action on every instance of a target is running join it. A
 * logpoint on all pods of a service is meant for the service, and pods come and go during it (a
 * rollout, a scale-up): only following the ones present at the start would silently miss the new
 * ones. The joiner gets the rest of the logpoint's duration; it is authorized again (the session
 * may have ended), counted against `maxInstances` (over the limit it is labelled refused, never
 * silently left out), and audited with its own intent event.
 */
import { GloveboxError } from '@glovebox/core';
import type { InstanceRef } from './instances.js';

/** Actions that last a while on every instance, so a late instance can join them. */
const JOINABLE = new Set(['logpoint']);
/** How often the connected instances are looked at while the action runs. */
export const JOIN_POLL_MS = 1000;
/** A joiner needs at least this much of the duration left. */
const MIN_LEFT_MS = 1000;

/** One instance's part of a fanned-out action. */
export interface Part<T> {
  ref: InstanceRef;
  outcome: Promise<T>;
}

export interface JoinContext<T> {
  target: string;
  action: string;
  params: Record<string, unknown>;
  /** The action reaches every instance (no `instance` or `sample` selector). */
  everyInstance: boolean;
  /** 0: no limit. */
  maxInstances: number;
  startedAt: number;
  now(): number;
  signal?: AbortSignal;
  instances(target: string): Promise<InstanceRef[]>;
  /** Authorizes, audits and runs the action on a late instance with the parameters given. */
  join(ref: InstanceRef, params: Record<string, unknown>): Promise<T>;
}

/** Whether instances connecting later join this action. */
export function joinable(action: string, everyInstance: boolean, params: Record<string, unknown>): boolean {
  return everyInstance && JOINABLE.has(action) && typeof params.durationMs === 'number';
}

function settledFlag(parts: Part<unknown>[]): () => boolean {
  const settled = new WeakSet<Promise<unknown>>();
  for (const p of parts)
    void p.outcome.then(
      () => settled.add(p.outcome),
      () => settled.add(p.outcome),
    );
  return () => parts.every((p) => settled.has(p.outcome));
}

/**
 * Adds a part for every instance that connects while the action runs, until its duration is over,
 * every part has ended, or the caller aborts. Resolves when joining is over (not when the parts end).
 */
export async function joinLateInstances<T>(c: JoinContext<T>, parts: Part<T>[]): Promise<void> {
  if (!joinable(c.action, c.everyInstance, c.params)) return;
  const until = c.startedAt + (c.params.durationMs as number) - MIN_LEFT_MS;
  const seen = new Set(parts.map((p) => p.ref.id));
  let allSettled = settledFlag(parts);
  while (!c.signal?.aborted && c.now() < until && !allSettled()) {
    await new Promise((r) => setTimeout(r, JOIN_POLL_MS));
    if (c.signal?.aborted || c.now() >= until || allSettled()) return;
    const connected = await c.instances(c.target).catch(() => [] as InstanceRef[]);
    const late = connected.filter((i) => !seen.has(i.id));
    for (const ref of late) {
      seen.add(ref.id);
      let outcome: Promise<T>;
      if (c.maxInstances > 0 && parts.length >= c.maxInstances) {
        outcome = Promise.reject(
          new GloveboxError(
            'GBX_INSTANCE_LIMIT',
            `instance "${ref.id}" connected during the ${c.action}, but policy lets one action reach at most ${c.maxInstances} instance(s) of "${c.target}"`,
          ),
        );
        outcome.catch(() => undefined);
      } else {
        const left = Math.max(MIN_LEFT_MS, c.startedAt + (c.params.durationMs as number) - c.now());
        outcome = c.join(ref, { ...c.params, durationMs: Math.round(left) });
      }
      parts.push({ ref, outcome });
    }
    if (late.length > 0) allSettled = settledFlag(parts);
  }
}

/**
 * The in-isolate half of the debugger, composed from the small functions of this folder. It runs in
 * the application's main isolate: the worker injects the source text of every function listed in
 * runtime-source.ts, so none of them may refer to anything but its parameters, globals and siblings.
 * Tests import them directly.
 */
import { evaluateForEval } from './evaluate.js';
import { captureIntrinsics } from './intrinsics.js';
import {
  addProbe,
  createRuntimeState,
  hitProbe,
  probeStats,
  removeProbe,
  tickProbes,
  type RuntimeState,
} from './probes.js';
import { createSensitiveKeys } from './sensitive.js';
import { serializeRoot } from './serializer.js';
import type {
  CaptureBudgets,
  ExprNode,
  ProbeRuntime,
  ProbeSpec,
  ProbeStats,
  RuntimeConfig,
  RuntimeMessage,
  ScopeReader,
  TypeChecks,
} from './types.js';

/**
 * Builds the in-isolate runtime. `post` delivers messages to the worker; `types` must be
 * `util.types` (when it is missing, every object is treated as a possible Proxy and shown opaque).
 */
export function createProbeRuntime(
  config: RuntimeConfig,
  post: (message: RuntimeMessage) => void,
  types: TypeChecks | undefined,
): ProbeRuntime {
  const I = captureIntrinsics(types);
  const keys = createSensitiveKeys(config.sensitiveKeys);
  const rt: RuntimeState = createRuntimeState(I, keys, config, post);
  let timer: ReturnType<typeof setInterval> | undefined;
  const stopTimer = (): void => {
    if (timer !== undefined && rt.probes.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  const hit = (id: number, read: ScopeReader): void => {
    hitProbe(rt, id, read);
    if (!rt.probes.has(id)) stopTimer();
  };
  rt.entry = hit;
  const serialize = (value: unknown, budgets: CaptureBudgets) => serializeRoot(I, keys, value, budgets);
  return {
    c: rt.c,
    hit,
    add(spec: ProbeSpec) {
      addProbe(rt, spec);
      if (timer === undefined) {
        timer = setInterval(() => tickProbes(rt), rt.adaptMs);
        // The application's exit must not wait for a debugger timer.
        if (typeof timer === 'object' && typeof timer.unref === 'function') timer.unref();
      }
    },
    remove(id: number) {
      removeProbe(rt, id);
      stopTimer();
    },
    removeAll() {
      for (const id of [...rt.probes.keys()]) removeProbe(rt, id);
      stopTimer();
    },
    setCpuFactor(factor: number) {
      if (typeof factor === 'number' && factor > 0 && factor <= 1) rt.cpuFactor = factor;
    },
    serialize,
    evaluateToJson(
      expr: { node: ExprNode; names: string[]; sensitive: number[] },
      read: ScopeReader,
      budgets: CaptureBudgets,
    ) {
      return I.jsonStringify(evaluateForEval(I, keys, rt.sentinels, expr, read, budgets));
    },
    serializeToJson: (value: unknown, budgets: CaptureBudgets) => I.jsonStringify(serialize(value, budgets)),
    stats() {
      const out: Record<number, ProbeStats> = {};
      for (const [id, p] of rt.probes) out[id] = probeStats(p);
      return out;
    },
  };
}

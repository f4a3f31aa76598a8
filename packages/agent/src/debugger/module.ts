/**
 * The debugger action module: wires the inspector link, the probe installer and the four actions,
 * and owns the lifecycle (sessions ending, shutdown).
 */
import { GloveboxError } from '@glovebox/core';
import type { ActionContext, ActionModule, ActionOutcome } from '../action.js';
import { evalAction } from './actions/eval.js';
import { logpointAction } from './actions/logpoint.js';
import { profileAction } from './actions/profile.js';
import { snapshotAction } from './actions/snapshot.js';
import { DebuggerCore } from './core.js';
import { InspectorLink } from './inspector.js';
import { SourceMaps } from './locations.js';
import { ProbeInstaller } from './probe-installer.js';
import { settings, type DebuggerOptions } from './settings.js';
import { ThreadCpuMonitor } from './thread-cpu.js';

export type { DebuggerOptions, ProbeTechnique } from './settings.js';

/** What the module reports about itself, for tests and `facts`. */
export interface DebuggerStatus {
  /** True while this module has the V8 Debugger domain enabled. */
  debuggerEnabled: boolean;
  debuggerEnables: number;
  /** Pauses seen (a `debugger;` statement while the domain was on); each was resumed at once. */
  pausesObserved: number;
  activeProbes: number;
  /** Scripts currently carrying LiveEdit hooks (active or inert, pending restoration). */
  patchedScripts: number;
  runtimeInstalled: boolean;
  /** The main thread's last measured share of CPU while runnable (what the CPU breaker scales by). */
  mainThreadCpuShare: number;
}

/** The debugger action module, with its status for tests and diagnostics. */
export interface DebuggerModule extends ActionModule {
  status(): DebuggerStatus;
}

/**
 * Creates the live-debugging action module (`snapshot`, `logpoint`, `eval`, `profile`). Instantiate it
 * in the agent's worker thread: it connects an inspector session to the main thread.
 *
 * @example
 * const modules = [createFactsModule(facts), createDebuggerModule()];
 */
export function createDebuggerModule(options: DebuggerOptions = {}): DebuggerModule {
  return new LiveDebugger(options);
}

class LiveDebugger implements DebuggerModule {
  readonly actions: DebuggerModule['actions'];
  readonly #core: DebuggerCore;
  readonly #cpu: ThreadCpuMonitor;
  readonly #sessionAborts = new Map<string, Set<AbortController>>();
  #closed = false;

  constructor(options: DebuggerOptions) {
    const o = settings(options);
    const link = new InspectorLink((m) => {
      const probe = this.#core.installer.probes.get(m.id);
      // A reused hook keeps its id: only messages of the current probe on it are delivered.
      if (probe?.gen === m.gen) probe.onMessage(m);
    }, o.log);
    const maps = new SourceMaps();
    this.#core = new DebuggerCore(o, link, new ProbeInstaller(link, maps, o), maps);
    this.#cpu = new ThreadCpuMonitor((f) => link.tellRuntime({ t: 'cpu', f }));
    const core = this.#core;
    this.actions = {
      snapshot: (p, ctx) =>
        this.#guard(ctx, (signal) => this.#withCpu(() => snapshotAction(core, p, ctx, signal))),
      logpoint: (p, ctx) =>
        this.#guard(ctx, (signal) => this.#withCpu(() => logpointAction(core, p, ctx, signal))),
      eval: (p, ctx) => this.#guard(ctx, () => evalAction(core, p, ctx)),
      profile: (p, ctx) => this.#guard(ctx, (signal) => profileAction(core, p, signal)),
    };
  }

  status(): DebuggerStatus {
    const { link, installer } = this.#core;
    return {
      debuggerEnabled: link.debuggerEnabled,
      debuggerEnables: link.debuggerEnables,
      pausesObserved: link.pauses,
      activeProbes: installer.probes.size,
      patchedScripts: [...installer.patches.values()].filter((p) => p.applied.size > 0).length,
      runtimeInstalled: link.runtimeInstalled,
      mainThreadCpuShare: this.#cpu.lastShare,
    };
  }

  async endSession(sessionId: string): Promise<void> {
    for (const c of this.#sessionAborts.get(sessionId) ?? []) c.abort();
    const { installer } = this.#core;
    const mine = [...installer.probes.values()].filter((p) => p.sessionId === sessionId);
    await Promise.allSettled(mine.map((p) => installer.remove(p)));
    // Everything the session created disappears: idle hooks go too (one LiveEdit per script).
    await installer.restoreIdle();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const set of this.#sessionAborts.values()) for (const c of set) c.abort();
    const { installer, link } = this.#core;
    await Promise.allSettled([...installer.probes.values()].map((p) => installer.remove(p)));
    await installer.restoreIdle();
    this.#cpu.stop();
    await installer.serial(() => link.close());
  }

  /** Measures the main thread's CPU share while a probe action runs (the breaker's clock). */
  async #withCpu<T>(run: () => Promise<T>): Promise<T> {
    this.#cpu.start();
    try {
      return await run();
    } finally {
      this.#cpu.release();
    }
  }

  /** Runs a handler with an abort signal that also fires when the call's session ends. */
  async #guard(
    ctx: ActionContext,
    run: (signal: AbortSignal) => Promise<ActionOutcome>,
  ): Promise<ActionOutcome> {
    if (this.#closed) throw new GloveboxError('GBX_AGENT_UNAVAILABLE', 'the debugger is shut down');
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    if (ctx.signal.aborted) controller.abort();
    let set = this.#sessionAborts.get(ctx.sessionId);
    if (set === undefined) this.#sessionAborts.set(ctx.sessionId, (set = new Set()));
    set.add(controller);
    try {
      return await run(controller.signal);
    } catch (err) {
      if (err instanceof GloveboxError) throw err;
      if (err instanceof Error && err.name === 'ZodError') {
        // the first problem, named by its field: the rule, never the value given
        const issue = (err as Error & { issues?: { path: PropertyKey[]; message: string }[] }).issues?.[0];
        const field = issue && issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
        const why = issue ? `: ${field}${issue.message}` : '';
        throw new GloveboxError('GBX_REQUEST_INVALID', `invalid debugger parameters${why}`, { cause: err });
      }
      this.#core.o.log(`debugger action failed: ${err instanceof Error ? err.message : 'unknown'}`);
      throw new GloveboxError('GBX_DEBUG_PROBE_FAILED', 'the debugger could not perform the action', {
        cause: err,
      });
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      set.delete(controller);
      if (set.size === 0) this.#sessionAborts.delete(ctx.sessionId);
    }
  }
}

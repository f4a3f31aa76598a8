/**
 * Installing and removing probes. The technique is decided once, from what the parser knows about the
 * enclosing functions: V8's LiveEdit refuses to patch a function with a suspended invocation (an
 * async function or generator waiting at an `await`/`yield`) and the top-level code of an ES module,
 * so those go straight to a non-pausing breakpoint condition; everything else gets one LiveEdit try.
 * No retry loop: every LiveEdit attempt costs a heap walk on the main thread, accepted or refused.
 * Heap walks (enabling the Debugger domain, LiveEdit) are predicted from the heap's size before they
 * start ({@link InstallCostModel}); one that would not fit the install budget is not started.
 */
import { GloveboxError } from '@glovebox/core';
import { buildConditionHook, buildHook } from './hook.js';
import { InstallCostModel, MainThreadClock, type HeapWalk, type WalkSize } from './install-cost.js';
import type { InspectorLink, ScriptInfo } from './inspector.js';
import { resolveLocation, type ResolvedLocation, type SourceMaps } from './locations.js';
import type * as PlacementModule from './placement.js';
import type { ScriptPlan, StatementSite } from './placement.js';
import {
  chooseSite,
  liveEditBlocker,
  loadPlacement,
  refuseForbiddenBreakpoint,
} from './placement-resolve.js';
import type { ProbeSpec, RuntimeMessage } from './runtime/types.js';
import type { ProbeTechnique, Settings } from './settings.js';

/** A hook in a script's text. */
export interface Hook {
  offset: number;
  line: number;
  column: number;
  text: string;
  /** The names its reader reads, by index. */
  names: readonly string[];
  /** False once its probe ended: the gate is off and the next probe on that statement reuses it. */
  inUse: boolean;
}

/** A script we edited: its original text and the hooks wanted and applied. */
export interface ScriptPatch {
  scriptId: string;
  url: string;
  original: string;
  hooks: Map<number, Hook>;
  /** Hooks currently in V8's copy of the script. */
  applied: Map<number, Hook>;
}

/** A probe living in the process. */
export interface ActiveProbe {
  /** The gate id (a reused hook keeps its id). */
  id: number;
  /** Unique per probe; runtime messages carry it. */
  gen: number;
  sessionId: string;
  kind: 'snapshot' | 'logpoint';
  technique: ProbeTechnique;
  scriptId: string;
  breakpointId?: string;
  onMessage(message: RuntimeMessage): void;
}

/** What the caller of {@link ProbeInstaller.install} asks for. */
export interface ProbeRequest {
  sessionId: string;
  kind: 'snapshot' | 'logpoint';
  location: string;
  /** Builds the runtime spec once the names in scope are known (parses condition and template). */
  spec: (names: { locals: string[]; closure: string[] }, id: number, gen: number) => ProbeSpec;
  onMessage: (m: RuntimeMessage) => void;
}

/** Where a probe went and what installing it cost. */
export interface InstalledProbe {
  probe: ActiveProbe;
  file: string;
  line: number;
  generatedLine: number;
  url: string;
  /** Main-thread time spent in the install's inspector round trips (thread CPU time on Linux), ms. */
  installMs: number;
  /** Why LiveEdit was not tried, when it was not. */
  liveEditSkipped?: string;
  /** True when an idle hook left by an earlier probe on that statement was reused. */
  rearmed?: boolean;
}

interface Resolved {
  loc: ResolvedLocation;
  site: StatementSite;
  /** Zero-based line in the file the engineer named. */
  line: number;
  source: string;
  names: { locals: string[]; closure: string[] };
}

/** Installs and removes probes; runs everything through one queue. */
export class ProbeInstaller {
  readonly probes = new Map<number, ActiveProbe>();
  readonly patches = new Map<string, ScriptPatch>();
  /** Scripts we edited, by URL: after LiveEdit V8 may still report the superseded copy under another id. */
  readonly #liveScripts = new Map<string, string>();
  readonly #plans = new Map<string, { source: string; plan: ScriptPlan }>();
  readonly #link: InspectorLink;
  readonly #maps: SourceMaps;
  readonly #o: Settings;
  #queue: Promise<unknown> = Promise.resolve();
  #nextId = 1;
  #nextGen = 1;
  /** Where earlier probes went, by location text: a probe on a statement with an idle hook needs no Debugger domain. */
  readonly #resolved = new Map<string, Resolved>();
  readonly #model = new InstallCostModel();
  readonly #clock = new MainThreadClock();
  /** The main heap's size at the current install, MB. */
  #heapMb = 0;

  constructor(link: InspectorLink, maps: SourceMaps, o: Settings) {
    this.#link = link;
    this.#maps = maps;
    this.#o = o;
  }

  /** Runs `fn` after everything queued before it. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #timed(method: string, params: object, cost: { ms: number }): Promise<Record<string, unknown>> {
    const t0 = this.#clock.mark();
    try {
      return await this.#link.post(method, params);
    } finally {
      cost.ms += this.#clock.since(t0);
    }
  }

  /** A heap walk: refused before it starts when its prediction does not fit what is left of the budget. */
  async #walk<T>(op: HeapWalk, cost: { ms: number }, fn: () => Promise<T>, enforce = true): Promise<T> {
    // Sized before it starts: an enable renews the script count.
    const size = this.#size();
    const predicted = this.#model.predict(op, size);
    if (enforce && predicted > this.#o.installBudgetMs - cost.ms)
      throw budgetError(this.#o.installBudgetMs, cost.ms, predicted);
    const t0 = this.#clock.mark();
    try {
      return await fn();
    } finally {
      const ms = this.#clock.since(t0);
      cost.ms += ms;
      this.#model.observe(op, size, ms);
    }
  }

  #size(): WalkSize {
    return { heapMb: this.#heapMb, scripts: this.#link.scriptsReported };
  }

  install(req: ProbeRequest): Promise<InstalledProbe> {
    return this.serial(async () => {
      const cost = { ms: 0 };
      await this.#link.ensureRuntime({
        globalPerSecond: this.#o.globalPerSecond,
        sensitiveKeys: this.#o.sensitiveKeys,
      });
      const known = this.#resolved.get(req.location);
      if (known !== undefined) {
        const rearmed = await this.#rearm(req, known, cost);
        if (rearmed !== undefined) return rearmed;
      }
      const heap = await this.#timed('Runtime.getHeapUsage', {}, cost);
      this.#heapMb = typeof heap['usedSize'] === 'number' ? heap['usedSize'] / 2 ** 20 : 0;
      if (this.#link.debuggerEnabled) await this.#link.acquireDebugger();
      else await this.#walk('enable', cost, () => this.#link.acquireDebugger());
      let keepDebugger = false;
      try {
        const r = await this.#resolveSite(req.location, cost);
        const rearmed = await this.#rearm(req, r, cost);
        if (rearmed !== undefined) return rearmed;
        const gen = this.#nextGen++;
        const id = this.#nextId++;
        const spec = req.spec(r.names, id, gen);
        const probe: ActiveProbe = {
          id,
          gen,
          sessionId: req.sessionId,
          kind: req.kind,
          technique: 'liveedit',
          scriptId: r.loc.script.scriptId,
          onMessage: req.onMessage,
        };
        const skipped = liveEditBlocker(r.site, r.loc.script);
        refuseForbiddenBreakpoint(skipped, this.#o.techniques);
        // Registered before the gate opens: the first capture can arrive before installation returns.
        this.probes.set(id, probe);
        const installed = await this.#place(probe, spec, r.loc, r.site, r.source, skipped, cost).catch(
          (err: unknown) => {
            this.probes.delete(id);
            throw err;
          },
        );
        if (!installed) {
          this.probes.delete(id);
          throw new GloveboxError('GBX_DEBUG_PROBE_FAILED', 'the probe could not be installed at that line');
        }
        keepDebugger = probe.technique === 'breakpoint';
        return {
          ...this.#where(probe, r),
          installMs: cost.ms,
          ...(skipped === undefined ? {} : { liveEditSkipped: skipped }),
        };
      } finally {
        if (!keepDebugger) await this.#link.releaseDebugger();
      }
    });
  }

  /** Resolves a location to its statement; must run with the Debugger domain enabled. */
  async #resolveSite(location: string, cost: { ms: number }): Promise<Resolved> {
    const loc = await resolveLocation(
      this.#link,
      this.#maps,
      location,
      (s) => this.#liveScripts.get(s.url) === s.scriptId,
    );
    const placement = await loadPlacement();
    const source = await this.#source(loc.script, cost);
    const { site, line } = chooseSite(placement, this.#plan(loc.script.scriptId, source, placement), loc);
    const resolved = { loc, site, line, source, names: placement.namesAt(site) };
    if (this.#resolved.size > 256) this.#resolved.clear();
    this.#resolved.set(location, resolved);
    return resolved;
  }

  /**
   * A new probe on a statement whose hook is still in the code, idle: it only needs its gate opened
   * (one small evaluation on the main thread, no LiveEdit, no Debugger domain).
   */
  async #rearm(req: ProbeRequest, r: Resolved, cost: { ms: number }): Promise<InstalledProbe | undefined> {
    const patch = this.patches.get(r.loc.script.scriptId);
    const entry = [...(patch?.hooks ?? [])].find(([, h]) => !h.inUse && h.offset === r.site.offset);
    if (patch === undefined || entry === undefined || !patch.applied.has(entry[0])) return undefined;
    const [id, hook] = entry;
    const gen = this.#nextGen++;
    const spec = req.spec(r.names, id, gen);
    if (!spec.names.every((n, i) => hook.names[i] === n)) return undefined;
    const probe: ActiveProbe = {
      id,
      gen,
      sessionId: req.sessionId,
      kind: req.kind,
      technique: 'liveedit',
      scriptId: r.loc.script.scriptId,
      onMessage: req.onMessage,
    };
    hook.inUse = true;
    this.probes.set(id, probe);
    try {
      await this.#runtimeAdd(spec, cost);
    } catch (err) {
      hook.inUse = false;
      this.probes.delete(id);
      throw err;
    }
    return { ...this.#where(probe, r), installMs: cost.ms, rearmed: true };
  }

  #where(probe: ActiveProbe, r: Resolved): Omit<InstalledProbe, 'installMs'> {
    return {
      probe,
      file: r.loc.file,
      line: r.line + 1,
      generatedLine: r.site.line + 1,
      url: r.loc.script.url,
    };
  }

  async #source(script: ScriptInfo, cost: { ms: number }): Promise<string> {
    const patch = this.patches.get(script.scriptId);
    if (patch !== undefined) return patch.original;
    const r = await this.#timed('Debugger.getScriptSource', { scriptId: script.scriptId }, cost);
    return typeof r['scriptSource'] === 'string' ? r['scriptSource'] : '';
  }

  #plan(scriptId: string, source: string, placement: typeof PlacementModule): ScriptPlan {
    const cached = this.#plans.get(scriptId);
    if (cached !== undefined && cached.source === source) return cached.plan;
    let plan: ScriptPlan;
    try {
      plan = placement.planScript(source);
    } catch {
      throw new GloveboxError('GBX_DEBUG_LOCATION_NOT_FOUND', 'that script could not be parsed');
    }
    if (this.#plans.size > 64) this.#plans.clear();
    this.#plans.set(scriptId, { source, plan });
    return plan;
  }

  /** Tries the allowed techniques in order, within the install budget. */
  async #place(
    probe: ActiveProbe,
    spec: ProbeSpec,
    loc: ResolvedLocation,
    site: StatementSite,
    source: string,
    liveEditBlocked: string | undefined,
    cost: { ms: number },
  ): Promise<boolean> {
    const budget = this.#o.installBudgetMs;
    let predictedOver: number | undefined;
    for (const technique of this.#o.techniques) {
      if (technique === 'liveedit') {
        if (liveEditBlocked !== undefined) continue;
        // LiveEdit walks the heap: predicted over what is left of the budget, it is not started.
        const predicted = this.#model.predict('liveedit', this.#size());
        if (predicted > budget - cost.ms) {
          this.#o.log(
            `liveedit skipped: predicted ${predicted.toFixed(1)} ms at ${this.#heapMb.toFixed(0)} MB`,
          );
          predictedOver = predicted;
          continue;
        }
        const hook: Hook = {
          offset: site.offset,
          line: site.line,
          column: site.column,
          names: spec.names,
          inUse: true,
          text: buildHook(this.#link.key, probe.id, spec.names),
        };
        if (!(await this.#liveEditInsert(loc, probe.id, hook, source, cost))) continue;
        // The gate opens only once the edit is known here: a hit in V8's new copy before that would
        // be reported with the hooks of the old copy, its columns shifted by the hook's length.
        try {
          await this.#runtimeAdd(spec, cost);
        } catch (err) {
          hook.inUse = false;
          throw err;
        }
        return true;
      } else {
        if (cost.ms > budget) break;
        spec.hitOverheadMs = this.#o.breakpointHitCostMs;
        await this.#runtimeAdd(spec, cost);
        const r = await this.#timed(
          'Debugger.setBreakpoint',
          {
            location: { scriptId: loc.script.scriptId, lineNumber: site.line, columnNumber: site.column },
            condition: buildConditionHook(this.#link.key, probe.id, spec.names),
          },
          cost,
        ).catch(() => undefined);
        if (r !== undefined && typeof r['breakpointId'] === 'string') {
          probe.breakpointId = r['breakpointId'];
          probe.technique = 'breakpoint';
          return true;
        }
        await this.#runtimeRemove(probe.id);
      }
    }
    if (cost.ms > budget || predictedOver !== undefined) throw budgetError(budget, cost.ms, predictedOver);
    return false;
  }

  async #runtimeAdd(spec: ProbeSpec, cost: { ms: number }): Promise<void> {
    const t0 = performance.now();
    await this.#link.runtimeCall(`R.add(${JSON.stringify(spec)})`);
    cost.ms += performance.now() - t0;
  }

  async #runtimeRemove(id: number): Promise<void> {
    if (!this.#link.runtimeInstalled) return;
    await this.#link.runtimeCall(`R === undefined ? undefined : R.remove(${id})`).catch(() => undefined);
  }

  /** One LiveEdit attempt; a refusal leaves the script as it was. */
  async #liveEditInsert(
    loc: ResolvedLocation,
    id: number,
    hook: Hook,
    source: string,
    cost: { ms: number },
  ): Promise<boolean> {
    let patch = this.patches.get(loc.script.scriptId);
    if (patch === undefined) {
      patch = {
        scriptId: loc.script.scriptId,
        url: loc.script.url,
        original: source,
        hooks: new Map(),
        applied: new Map(),
      };
      this.patches.set(loc.script.scriptId, patch);
    }
    patch.hooks.set(id, hook);
    const status = await this.#applyPatch(patch, cost);
    if (status === 'Ok') return true;
    patch.hooks.delete(id);
    if (patch.applied.size === 0 && patch.hooks.size === 0) this.patches.delete(patch.scriptId);
    this.#o.log(`liveedit refused (${status}); trying the next technique`);
    return false;
  }

  /** Makes V8's copy of the script equal to the original plus the current hooks. */
  async #applyPatch(patch: ScriptPatch, cost: { ms: number }, enforce = true): Promise<string> {
    const hooks = [...patch.hooks.values()].sort((a, b) => b.offset - a.offset);
    let text = patch.original;
    for (const h of hooks) text = text.slice(0, h.offset) + h.text + text.slice(h.offset);
    const spent = cost.ms;
    const r = await this.#walk(
      'liveedit',
      cost,
      () => this.#link.post('Debugger.setScriptSource', { scriptId: patch.scriptId, scriptSource: text }),
      enforce,
    );
    const status = typeof r['status'] === 'string' ? r['status'] : 'Ok';
    this.#o.log(
      `setScriptSource hooks=${patch.hooks.size} -> ${status} in ${(cost.ms - spent).toFixed(1)} ms`,
    );
    if (status === 'Ok') {
      patch.applied = new Map(patch.hooks);
      this.#liveScripts.set(patch.url, patch.scriptId);
    }
    return status;
  }

  /**
   * Switches the probe off at once (the gate). A breakpoint is removed; a LiveEdit hook stays in the
   * code, idle (two loads per hit), for the next probe on that statement: removing it would cost
   * another heap walk. {@link restoreIdle} takes idle hooks out (when a session ends, at shutdown).
   */
  async remove(probe: ActiveProbe): Promise<void> {
    if (this.probes.get(probe.id) !== probe) return;
    this.probes.delete(probe.id);
    await this.serial(async () => {
      if (probe.technique === 'breakpoint') {
        // The breakpoint first: until it goes, every hit on the line pays a debug-evaluate of the
        // condition (~0.2 ms) on the main thread, gate open or not, and every round trip before its
        // removal is served by a thread slowed that way.
        if (probe.breakpointId !== undefined)
          await this.#link
            .post('Debugger.removeBreakpoint', { breakpointId: probe.breakpointId })
            .catch(() => undefined);
        await this.#link.releaseDebugger();
        await this.#runtimeRemove(probe.id);
        return;
      }
      await this.#runtimeRemove(probe.id);
      const hook = this.patches.get(probe.scriptId)?.hooks.get(probe.id);
      if (hook !== undefined) hook.inUse = false;
    });
  }

  /** Puts back the original source of every script whose hooks are all idle (one LiveEdit each). */
  restoreIdle(): Promise<void> {
    return this.serial(async () => {
      for (const patch of [...this.patches.values()]) {
        const idle = [...patch.hooks].filter(([, h]) => !h.inUse).map(([id]) => id);
        if (idle.length === 0) continue;
        for (const id of idle) patch.hooks.delete(id);
        await this.#link.acquireDebugger();
        let status = 'Ok';
        try {
          // Never refused for its cost: everything a session created disappears with it.
          status = await this.#applyPatch(patch, { ms: 0 }, false);
        } catch {
          status = 'Failed';
        } finally {
          await this.#link.releaseDebugger();
        }
        if (status === 'Ok' && patch.hooks.size === 0) this.patches.delete(patch.scriptId);
        else if (status !== 'Ok')
          this.#o.log(`a script could not be restored (${status}); its idle hooks stay switched off`);
      }
    });
  }
}

function budgetError(budgetMs: number, spentMs: number, predictedMs?: number): GloveboxError {
  return new GloveboxError(
    'GBX_DEBUG_INSTALL_BUDGET',
    `installing this probe would cost more than ${budgetMs} ms of the application's main thread` +
      (predictedMs === undefined ? '' : ` (a heap walk predicted at ${Math.round(predictedMs)} ms)`),
    {
      details: {
        spentMs: Math.round(spentMs),
        budgetMs,
        ...(predictedMs === undefined ? {} : { predictedMs: Math.round(predictedMs) }),
      },
    },
  );
}

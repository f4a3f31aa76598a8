import { Session } from 'node:inspector/promises';
import { BroadcastChannel } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import { isAbsolute, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { types } from 'node:util';
import { GloveboxError } from '@glovebox/core';
import {
  createRedactor,
  mergeCounts,
  type KnownSecrets,
  type Redactor,
  type RedactionCounts,
} from '@glovebox/redact';
import type { ActionContext, ActionModule, ActionOutcome, MaskingLevel } from '../action.js';
import { NameTable, parseExpression, parseTemplate } from './expression.js';
import { buildConditionHook, buildHook, planHook } from './js-scan.js';
import {
  createProbeRuntime,
  type CaptureBudgets,
  type ExprNode,
  type ProbeSpec,
  type RuntimeMessage,
  type TruncationMarks,
} from './runtime.js';
import {
  evalParamsSchema,
  logpointParamsSchema,
  profileParamsSchema,
  snapshotParamsSchema,
  splitLocation,
} from './schemas.js';
import type { SourceMapIndex } from './source-map.js';
import { loadSourceMapForFile } from './source-map.js';

/** How a probe gets into the running code. */
export type ProbeTechnique = 'liveedit' | 'breakpoint';

/** Options of {@link createDebuggerModule}; every limit has a safe default. */
export interface DebuggerOptions {
  /** Per-capture budgets (defaults: 30 frames, depth 3, 20 fields, 100 items, 255 chars, 64 KiB, 10 ms). */
  budgets?: Partial<CaptureBudgets>;
  /** Budgets of one logpoint line (defaults: depth 2, 10 fields, 20 items, 200 chars, 2 KiB, 2 ms). */
  logpointBudgets?: Partial<CaptureBudgets>;
  /** Snapshot captures per second per probe (default 5). */
  snapshotsPerSecond?: number;
  /** Default and maximum logpoint lines per second per probe (defaults 10 and 100). */
  logpointPerSecond?: number;
  maxLogpointPerSecond?: number;
  /** Captures plus log lines per second across the process (default 50). */
  globalPerSecond?: number;
  /** Main-thread milliseconds a probe may use per second before it is switched off (default 20). */
  cpuBudgetMsPerSecond?: number;
  /** Estimated main-thread cost of one breakpoint-condition hit, charged to its budget (default 0.3 ms). */
  breakpointHitCostMs?: number;
  /** Upper bounds of the untrusted parameters. */
  maxWaitMs?: number;
  maxHits?: number;
  maxLogpointDurationMs?: number;
  maxEvalTimeoutMs?: number;
  maxProfileSeconds?: number;
  /** Techniques to try, in order (default `['liveedit', 'breakpoint']`). */
  techniques?: ProbeTechnique[];
  /** How long LiveEdit is retried while a suspended async function blocks it (default 1500 ms). */
  liveEditRetryMs?: number;
  /** Extra key names masked in the isolate, in addition to the built-in list. */
  sensitiveKeys?: string[];
  /** Secrets masked by value wherever they appear (the agent's credential, sensitive environment values). */
  knownSecrets?: KnownSecrets;
  /** Diagnostics (never values). Default: silent. */
  log?: (message: string) => void;
}

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
}

/** The debugger action module, with its status for tests and diagnostics. */
export interface DebuggerModule extends ActionModule {
  status(): DebuggerStatus;
}

interface ScriptInfo {
  scriptId: string;
  url: string;
  sourceMapURL: string;
}

interface ScriptPatch {
  scriptId: string;
  url: string;
  original: string;
  hooks: Map<number, { offset: number; line: number; column: number; text: string }>;
  /** Hooks currently in V8's copy of the script. */
  applied: Map<number, { offset: number; line: number; column: number; text: string }>;
}

interface ResolvedLocation {
  script: ScriptInfo;
  /** Source file (absolute path) and 1-based line the probe reports. */
  file: string;
  line: number;
  generatedLine: number;
  source: string;
  map: SourceMapIndex | undefined;
}

interface ActiveProbe {
  id: number;
  sessionId: string;
  kind: 'snapshot' | 'logpoint';
  technique: ProbeTechnique;
  scriptId: string;
  breakpointId?: string;
  onMessage(message: RuntimeMessage): void;
}

const DEFAULT_BUDGETS: CaptureBudgets = {
  maxFrames: 30,
  maxDepth: 3,
  maxFields: 20,
  maxItems: 100,
  maxStringLength: 255,
  maxBytes: 65_536,
  maxTimeMs: 10,
};
const DEFAULT_LOG_BUDGETS: CaptureBudgets = {
  maxFrames: 0,
  maxDepth: 2,
  maxFields: 10,
  maxItems: 20,
  maxStringLength: 200,
  maxBytes: 2048,
  maxTimeMs: 2,
};

type Settings = Required<Omit<DebuggerOptions, 'budgets' | 'logpointBudgets' | 'log' | 'knownSecrets'>> & {
  knownSecrets?: KnownSecrets;
  budgets: CaptureBudgets;
  logpointBudgets: CaptureBudgets;
  log: (message: string) => void;
};

function settings(o: DebuggerOptions): Settings {
  return {
    snapshotsPerSecond: 5,
    logpointPerSecond: 10,
    maxLogpointPerSecond: 100,
    globalPerSecond: 50,
    cpuBudgetMsPerSecond: 20,
    breakpointHitCostMs: 0.3,
    maxWaitMs: 300_000,
    maxHits: 20,
    maxLogpointDurationMs: 3_600_000,
    maxEvalTimeoutMs: 5_000,
    maxProfileSeconds: 60,
    techniques: ['liveedit', 'breakpoint'],
    liveEditRetryMs: 1500,
    sensitiveKeys: [],
    ...withoutUndefined(o),
    budgets: { ...DEFAULT_BUDGETS, ...withoutUndefined(o.budgets ?? {}) },
    logpointBudgets: { ...DEFAULT_LOG_BUDGETS, ...withoutUndefined(o.logpointBudgets ?? {}) },
    log: o.log ?? (() => undefined),
  };
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Creates the live-debugging action module (`snapshot`, `logpoint`, `eval`, `profile`). Instantiate it
 * in the agent's worker thread: it connects an inspector session to the main thread.
 *
 * @example
 * const modules = [createFactsModule(facts), createDebuggerModule()];
 */
export function createDebuggerModule(options: DebuggerOptions = {}): DebuggerModule {
  return new LiveDebugger(settings(options));
}

class LiveDebugger implements DebuggerModule {
  readonly actions: DebuggerModule['actions'];
  readonly #o: Settings;
  readonly #key = `__glovebox_dbg_${randomBytes(6).toString('hex')}`;
  readonly #channelName = `glovebox-debugger-${randomBytes(8).toString('hex')}`;
  #session: Session | undefined;
  #channel: BroadcastChannel | undefined;
  #runtimeInstalled = false;
  #debuggerUsers = 0;
  #debuggerEnabled = false;
  #debuggerEnables = 0;
  #pauses = 0;
  #scripts = new Map<string, ScriptInfo>();
  #patches = new Map<string, ScriptPatch>();
  /** Scripts we edited, by URL: after LiveEdit V8 may still report the superseded copy under another id. */
  #liveScripts = new Map<string, string>();
  #probes = new Map<number, ActiveProbe>();
  #nextId = 1;
  #queue: Promise<unknown> = Promise.resolve();
  #maps = new Map<string, Promise<SourceMapIndex | undefined>>();
  #redactors = new Map<MaskingLevel, Redactor>();
  #profiling = false;
  #sessionAborts = new Map<string, Set<AbortController>>();
  #closed = false;
  readonly #local = createProbeRuntime({ globalPerSecond: 1, sensitiveKeys: [] }, () => undefined, types);
  readonly #sensitiveExtra: Set<string>;

  constructor(o: Settings) {
    this.#o = o;
    this.#sensitiveExtra = new Set(o.sensitiveKeys.map((k) => k.toLowerCase().replace(/[\s\-_@$.]/g, '')));
    this.actions = {
      snapshot: (p, ctx) => this.#guard(ctx, (signal) => this.#snapshot(p, ctx, signal)),
      logpoint: (p, ctx) => this.#guard(ctx, (signal) => this.#logpoint(p, ctx, signal)),
      eval: (p, ctx) => this.#guard(ctx, () => this.#eval(p, ctx)),
      profile: (p, ctx) => this.#guard(ctx, (signal) => this.#profile(p, ctx, signal)),
    };
  }

  status(): DebuggerStatus {
    return {
      debuggerEnabled: this.#debuggerEnabled,
      debuggerEnables: this.#debuggerEnables,
      pausesObserved: this.#pauses,
      activeProbes: this.#probes.size,
      patchedScripts: [...this.#patches.values()].filter((p) => p.applied.size > 0).length,
      runtimeInstalled: this.#runtimeInstalled,
    };
  }

  async endSession(sessionId: string): Promise<void> {
    for (const c of this.#sessionAborts.get(sessionId) ?? []) c.abort();
    const mine = [...this.#probes.values()].filter((p) => p.sessionId === sessionId);
    await Promise.allSettled(mine.map((p) => this.#removeProbe(p)));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const set of this.#sessionAborts.values()) for (const c of set) c.abort();
    await Promise.allSettled([...this.#probes.values()].map((p) => this.#removeProbe(p)));
    await this.#serial(async () => {
      if (this.#session !== undefined && this.#runtimeInstalled) {
        await this.#post('Runtime.evaluate', {
          expression: `(() => { const r = globalThis.${this.#key}; if (r) { r.removeAll(); r.close(); delete globalThis.${this.#key}; } })()`,
        }).catch(() => undefined);
      }
      this.#runtimeInstalled = false;
      this.#channel?.close();
      this.#channel = undefined;
      this.#session?.disconnect();
      this.#session = undefined;
      this.#debuggerEnabled = false;
    });
  }

  // ---- plumbing ----------------------------------------------------------------------------------

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
        throw new GloveboxError('GBX_REQUEST_INVALID', 'invalid debugger parameters', { cause: err });
      }
      this.#o.log(`debugger action failed: ${err instanceof Error ? err.message : 'unknown'}`);
      throw new GloveboxError('GBX_DEBUG_PROBE_FAILED', 'the debugger could not perform the action', {
        cause: err,
      });
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      set.delete(controller);
      if (set.size === 0) this.#sessionAborts.delete(ctx.sessionId);
    }
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #connect(): Session {
    if (this.#session !== undefined) return this.#session;
    const session = new Session();
    session.connectToMainThread();
    session.on(
      'Debugger.scriptParsed',
      (m: { params: { scriptId: string; url: string; sourceMapURL?: string } }) => {
        const { scriptId, url, sourceMapURL } = m.params;
        if (url.startsWith('file:') || isAbsolute(url))
          this.#scripts.set(scriptId, { scriptId, url, sourceMapURL: sourceMapURL ?? '' });
      },
    );
    session.on('Debugger.paused', () => {
      // We never pause on purpose: a `debugger;` statement or similar met while the domain was on.
      this.#pauses++;
      session.post('Debugger.resume').catch(() => undefined);
    });
    this.#session = session;
    const channel = new BroadcastChannel(this.#channelName);
    channel.onmessage = (event: unknown) => {
      const msg = (event as { data: RuntimeMessage }).data;
      if ((msg as { t: string }).t === 'err')
        this.#o.log(`runtime message lost: ${(msg as unknown as { message: string }).message}`);
      this.#probes.get(msg.id)?.onMessage(msg);
    };
    (channel as unknown as { unref?: () => void }).unref?.();
    this.#channel = channel;
    return session;
  }

  #post(method: string, params?: object): Promise<Record<string, unknown>> {
    const session = this.#connect();
    const post = session.post.bind(session) as unknown as (
      m: string,
      p?: object,
    ) => Promise<Record<string, unknown> | undefined>;
    return post(method, params).then((r) => r ?? {});
  }

  async #acquireDebugger(): Promise<void> {
    this.#debuggerUsers++;
    if (this.#debuggerUsers === 1) {
      this.#scripts.clear();
      this.#debuggerEnables++;
      this.#debuggerEnabled = true;
      await this.#post('Debugger.enable', { maxScriptsCacheSize: 1e6 });
    }
  }

  async #releaseDebugger(): Promise<void> {
    this.#debuggerUsers--;
    if (this.#debuggerUsers === 0) {
      this.#debuggerEnabled = false;
      await this.#post('Debugger.disable').catch(() => undefined);
    }
  }

  async #ensureRuntime(): Promise<void> {
    if (this.#runtimeInstalled) return;
    const config = { globalPerSecond: this.#o.globalPerSecond, sensitiveKeys: [...this.#sensitiveExtra] };
    const expression = `(() => {
      if (globalThis.${this.#key} !== undefined) return;
      const util = typeof process === 'object' && typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('node:util') : undefined;
      const channel = new BroadcastChannel(${JSON.stringify(this.#channelName)});
      if (typeof channel.unref === 'function') channel.unref();
      const rt = (${createProbeRuntime.toString()})(${JSON.stringify(config)}, (m) => { try { channel.postMessage(m); } catch (e) { try { channel.postMessage({ t: "err", id: m.id, message: String(e && e.message) }); } catch {} } }, util && util.types ? util.types : undefined);
      rt.close = () => channel.close();
      Object.defineProperty(globalThis, ${JSON.stringify(this.#key)}, { value: rt, configurable: true, enumerable: false, writable: false });
    })()`;
    const r = await this.#post('Runtime.evaluate', { expression, silent: true });
    if (r['exceptionDetails'] !== undefined) throw new Error('runtime injection failed');
    this.#runtimeInstalled = true;
  }

  #redactor(level: MaskingLevel): Redactor {
    let r = this.#redactors.get(level);
    if (r === undefined) {
      const known = this.#o.knownSecrets;
      r = createRedactor({
        level,
        sensitiveKeys: this.#o.sensitiveKeys,
        ...(known ? { knownSecrets: known } : {}),
      });
      this.#redactors.set(level, r);
    }
    return r;
  }

  // ---- locations -----------------------------------------------------------------------------------

  #sourceMap(script: ScriptInfo): Promise<SourceMapIndex | undefined> {
    let p = this.#maps.get(script.url);
    if (p === undefined) {
      p = (async () => {
        const path = toPath(script.url);
        if (path === undefined) return undefined;
        if (script.sourceMapURL.startsWith('data:')) {
          return loadSourceMapForFile(path, `//# sourceMappingURL=${script.sourceMapURL}`);
        }
        return loadSourceMapForFile(path).catch(() => undefined);
      })();
      this.#maps.set(script.url, p);
    }
    return p;
  }

  /** Must run with the Debugger domain enabled (the script list comes from `scriptParsed`). */
  async #resolve(location: string): Promise<ResolvedLocation> {
    const { file, line } = splitLocation(location);
    const wanted = normalize(file.startsWith('file:') ? (toPath(file) ?? file) : file);
    const matches = (candidate: string): boolean => {
      const c = normalize(candidate);
      if (isAbsolute(wanted)) return c === wanted;
      const rel = wanted.replace(/^\.[\\/]/, '');
      return c === rel || c.endsWith(sep + rel);
    };
    const found: Array<{ script: ScriptInfo; map?: SourceMapIndex; sourceIndex?: number; file: string }> = [];
    for (const script of this.#scripts.values()) {
      const path = toPath(script.url);
      if (path === undefined || path.includes(`${sep}node_modules${sep}`)) continue;
      if (matches(path)) {
        found.push({ script, file: path });
        continue;
      }
      if (script.sourceMapURL === '') continue;
      const map = await this.#sourceMap(script);
      if (map === undefined) continue;
      const i = map.sources.findIndex(matches);
      if (i >= 0) found.push({ script, map, sourceIndex: i, file: map.sources[i]! });
    }
    const files = new Set(found.map((f) => f.file));
    if (files.size === 0)
      throw new GloveboxError('GBX_DEBUG_LOCATION_NOT_FOUND', 'no loaded script matches that file');
    if (files.size > 1) {
      throw new GloveboxError(
        'GBX_DEBUG_LOCATION_NOT_FOUND',
        `that file name matches ${files.size} loaded files; give more of the path`,
      );
    }
    found.sort((a, b) => Number(a.script.scriptId) - Number(b.script.scriptId));
    const hit = found.find((f) => this.#liveScripts.get(f.script.url) === f.script.scriptId) ?? found[0]!;
    const fetched = (await this.#post('Debugger.getScriptSource', { scriptId: hit.script.scriptId }))[
      'scriptSource'
    ];
    const source = typeof fetched === 'string' ? fetched : '';
    let generatedLine = line - 1;
    let reportedLine = line;
    if (hit.map !== undefined && hit.sourceIndex !== undefined) {
      const g = hit.map.generatedPositionsFor(hit.sourceIndex, line - 1, 3);
      if (g === undefined)
        throw new GloveboxError(
          'GBX_DEBUG_LOCATION_NOT_FOUND',
          'that line has no code in the compiled output',
        );
      generatedLine = g.positions[0]!.line;
      reportedLine = g.original + 1;
    }
    const patch = this.#patches.get(hit.script.scriptId);
    const original = patch?.original ?? source;
    return {
      script: hit.script,
      file: hit.file,
      line: reportedLine,
      generatedLine,
      source: original,
      map: hit.map,
    };
  }

  // ---- probes ----------------------------------------------------------------------------------------

  async #installProbe(args: {
    sessionId: string;
    kind: 'snapshot' | 'logpoint';
    location: string;
    condition: string | undefined;
    template: string | undefined;
    perSecond: number;
    maxCaptures: number;
    budgets: CaptureBudgets;
    onMessage: (m: RuntimeMessage) => void;
  }): Promise<{ probe: ActiveProbe; file: string; line: number; generatedLine: number; url: string }> {
    return this.#serial(async () => {
      await this.#ensureRuntime();
      await this.#acquireDebugger();
      let keepDebugger = false;
      try {
        const loc = await this.#resolve(args.location);
        let plan;
        try {
          plan = planHook(loc.source, loc.generatedLine, 0, 3);
        } catch {
          plan = undefined;
        }
        if (plan === undefined) {
          throw new GloveboxError(
            'GBX_DEBUG_LOCATION_NOT_FOUND',
            'no statement starts on or just after that line',
          );
        }
        const names = new NameTable([...plan.locals, ...plan.closure]);
        const capturedCount = names.names.length;
        let condition: ExprNode | undefined;
        let template: Array<string | ExprNode> | undefined;
        if (args.condition !== undefined) condition = parseExpression(args.condition, names);
        if (args.template !== undefined) template = parseTemplate(args.template, names);
        const id = this.#nextId++;
        const sensitive = names.names.flatMap((n, i) => (this.#isSensitiveName(n) ? [i] : []));
        const spec: ProbeSpec = {
          id,
          kind: args.kind,
          names: names.names,
          localCount: plan.locals.length,
          capturedCount,
          sensitive,
          perSecond: args.perSecond,
          maxCaptures: args.maxCaptures,
          cpuBudgetMsPerSecond: this.#o.cpuBudgetMsPerSecond,
          hitOverheadMs: 0,
          budgets: args.budgets,
          ...(condition === undefined ? {} : { condition }),
          ...(template === undefined ? {} : { template }),
        };
        const probe: ActiveProbe = {
          id,
          sessionId: args.sessionId,
          kind: args.kind,
          technique: 'liveedit',
          scriptId: loc.script.scriptId,
          onMessage: args.onMessage,
        };
        const hookText = buildHook(this.#key, id, names.names);
        // Registered before the gate opens: the first capture can arrive before installation returns.
        this.#probes.set(id, probe);
        let installed = false;
        for (const technique of this.#o.techniques) {
          if (technique === 'liveedit') {
            await this.#addRuntimeProbe(spec);
            installed = await this.#liveEditInsert(loc, id, plan, hookText);
            if (!installed) await this.#removeRuntimeProbe(id);
          } else {
            spec.hitOverheadMs = this.#o.breakpointHitCostMs;
            await this.#addRuntimeProbe(spec);
            const r = await this.#post('Debugger.setBreakpoint', {
              location: { scriptId: loc.script.scriptId, lineNumber: plan.line, columnNumber: plan.column },
              condition: buildConditionHook(this.#key, id, names.names),
            }).catch(() => undefined);
            if (r !== undefined && typeof r['breakpointId'] === 'string') {
              probe.breakpointId = r['breakpointId'];
              probe.technique = 'breakpoint';
              keepDebugger = true;
              installed = true;
            } else await this.#removeRuntimeProbe(id);
          }
          if (installed) break;
        }
        if (!installed) {
          this.#probes.delete(id);
          throw new GloveboxError('GBX_DEBUG_PROBE_FAILED', 'the probe could not be installed at that line');
        }
        return {
          probe,
          file: loc.file,
          line: loc.map === undefined ? plan.line + 1 : loc.line,
          generatedLine: plan.line + 1,
          url: loc.script.url,
        };
      } finally {
        if (!keepDebugger) await this.#releaseDebugger();
      }
    });
  }

  #isSensitiveName(name: string): boolean {
    if (this.#redactor('standard').isSensitiveKey(name)) return true;
    const r = this.#local.serialize({ [name]: 1 }, DEFAULT_BUDGETS);
    return r.redacted > 0;
  }

  async #addRuntimeProbe(spec: ProbeSpec): Promise<void> {
    const r = await this.#post('Runtime.evaluate', {
      expression: `globalThis.${this.#key}.add(${JSON.stringify(spec)})`,
      silent: true,
    });
    if (r['exceptionDetails'] !== undefined) throw new Error('probe registration failed');
  }

  async #removeRuntimeProbe(id: number): Promise<void> {
    if (!this.#runtimeInstalled) return;
    await this.#post('Runtime.evaluate', {
      expression: `globalThis.${this.#key}?.remove(${id})`,
      silent: true,
    }).catch(() => undefined);
  }

  /** Inserts the hook with LiveEdit, retrying while a suspended async function blocks the edit. */
  async #liveEditInsert(
    loc: ResolvedLocation,
    id: number,
    plan: { offset: number; line: number; column: number },
    text: string,
  ): Promise<boolean> {
    let patch = this.#patches.get(loc.script.scriptId);
    if (patch === undefined) {
      patch = {
        scriptId: loc.script.scriptId,
        url: loc.script.url,
        original: loc.source,
        hooks: new Map(),
        applied: new Map(),
      };
      this.#patches.set(loc.script.scriptId, patch);
    }
    patch.hooks.set(id, { offset: plan.offset, line: plan.line, column: plan.column, text });
    const deadline = Date.now() + this.#o.liveEditRetryMs;
    for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
      const status = await this.#applyPatch(patch);
      if (status === 'Ok') return true;
      if (status === 'CompileError' || Date.now() + delay > deadline) {
        patch.hooks.delete(id);
        if (status !== 'CompileError') await this.#applyPatch(patch);
        this.#o.log(`liveedit refused (${status}); trying the next technique`);
        return false;
      }
      // Give suspended invocations time to finish; the domain stays on only for the edit itself.
      await this.#releaseDebugger();
      await sleep(delay);
      await this.#acquireDebugger();
    }
  }

  /** Makes V8's copy of the script equal to the original plus the current hooks. */
  async #applyPatch(patch: ScriptPatch): Promise<string> {
    const hooks = [...patch.hooks.values()].sort((a, b) => b.offset - a.offset);
    let text = patch.original;
    for (const h of hooks) text = text.slice(0, h.offset) + h.text + text.slice(h.offset);
    const r = await this.#post('Debugger.setScriptSource', { scriptId: patch.scriptId, scriptSource: text });
    const status = typeof r['status'] === 'string' ? r['status'] : 'Ok';
    this.#o.log(`setScriptSource ${patch.url} hooks=${patch.hooks.size} -> ${status}`);
    if (status === 'Ok') {
      patch.applied = new Map(patch.hooks);
      this.#liveScripts.set(patch.url, patch.scriptId);
    }
    return status;
  }

  async #removeProbe(probe: ActiveProbe): Promise<void> {
    if (!this.#probes.has(probe.id)) return;
    this.#probes.delete(probe.id);
    await this.#serial(async () => {
      // Switch the gate off first: from here on the hook or condition is inert.
      await this.#removeRuntimeProbe(probe.id);
      if (probe.technique === 'breakpoint') {
        if (probe.breakpointId !== undefined) {
          await this.#post('Debugger.removeBreakpoint', { breakpointId: probe.breakpointId }).catch(
            () => undefined,
          );
        }
        await this.#releaseDebugger();
        return;
      }
      const patch = this.#patches.get(probe.scriptId);
      if (patch === undefined) return;
      patch.hooks.delete(probe.id);
      await this.#restore(patch);
    });
  }

  /** Puts the script back (minus removed hooks). When blocked, the inert hook stays and we retry later. */
  async #restore(patch: ScriptPatch, attempt = 0): Promise<void> {
    await this.#acquireDebugger();
    let status = 'Ok';
    try {
      status = await this.#applyPatch(patch);
    } catch {
      status = 'Failed';
    } finally {
      await this.#releaseDebugger();
    }
    if (status === 'Ok') {
      if (patch.hooks.size === 0) this.#patches.delete(patch.scriptId);
      return;
    }
    if (attempt < 20 && !this.#closed) {
      const t = setTimeout(
        () => {
          void this.#serial(() => this.#restore(patch, attempt + 1)).catch(() => undefined);
        },
        250 * (attempt + 1),
      );
      t.unref();
    } else this.#o.log('a script could not be restored; its hook stays switched off');
  }

  // ---- frames ---------------------------------------------------------------------------------------

  async #toSourceFrames(
    frames: Array<{ fn: string; url: string; line: number; col: number }>,
  ): Promise<Array<{ function: string; file: string; line: number; column: number }>> {
    const out: Array<{ function: string; file: string; line: number; column: number }> = [];
    for (const f of frames) {
      let line = f.line;
      let col = f.col;
      const fileUrl = f.url.startsWith('file:')
        ? f.url
        : isAbsolute(f.url)
          ? pathToFileURL(f.url).href
          : f.url;
      const patch = [...this.#patches.values()].find((p) => p.url === fileUrl || p.url === f.url);
      if (patch !== undefined) {
        for (const h of patch.applied.values())
          if (h.line === line - 1 && col - 1 > h.column) col -= h.text.length;
      }
      let file = toPath(f.url) ?? f.url;
      const script = [...this.#scripts.values()].find((s) => s.url === fileUrl || s.url === f.url);
      const map =
        script !== undefined || fileUrl.startsWith('file:')
          ? await this.#sourceMap(script ?? { scriptId: '', url: fileUrl, sourceMapURL: '' })
          : undefined;
      const pos = map?.originalPositionFor({ line: line - 1, column: col - 1 });
      if (pos !== undefined) {
        file = pos.source;
        line = pos.line + 1;
        col = pos.column + 1;
      }
      out.push({ function: f.fn, file, line, column: col });
    }
    return out;
  }

  // ---- actions --------------------------------------------------------------------------------------

  async #snapshot(params: unknown, ctx: ActionContext, signal: AbortSignal): Promise<ActionOutcome> {
    const p = snapshotParamsSchema.parse(params);
    const hits = Math.min(p.hits ?? 1, this.#o.maxHits);
    const waitMs = Math.min(p.waitMs, this.#o.maxWaitMs);
    const captures: Array<Extract<RuntimeMessage, { t: 'cap' }>> = [];
    let disabled: Extract<RuntimeMessage, { t: 'off' }> | undefined;
    let wake: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (wake = resolve));
    const installed = await this.#installProbe({
      sessionId: ctx.sessionId,
      kind: 'snapshot',
      location: p.location,
      condition: p.condition,
      template: undefined,
      perSecond: this.#o.snapshotsPerSecond,
      maxCaptures: hits,
      budgets: this.#o.budgets,
      onMessage: (m) => {
        if (m.t === 'cap') captures.push(m);
        else if (m.t === 'off') {
          if (m.reason === 'cpu') disabled = m;
          wake();
        }
        if (captures.length >= hits) wake();
      },
    });
    try {
      await Promise.race([done, sleep(waitMs, signal)]);
    } finally {
      await this.#removeProbe(installed.probe);
    }
    const redactor = this.#redactor(ctx.masking);
    const counts: RedactionCounts = {};
    const variables = new Set<string>();
    let bytes = 0;
    let inIsolate = 0;
    const results = [];
    for (const cap of captures.slice(0, hits)) {
      const frames = await this.#toSourceFrames(cap.frames);
      const top = frames[0];
      const framesOut: Array<Record<string, unknown>> = frames.map((f) => ({ ...f }));
      if (top !== undefined) {
        framesOut[0] = { ...top, locals: cap.locals, closure: cap.closure, this: cap.self };
      }
      const r = redactor.redactValue({ frames: framesOut });
      mergeCounts(counts, r.counts);
      for (const n of cap.read) variables.add(n);
      bytes += cap.bytes;
      inIsolate += cap.redacted;
      results.push({
        time: new Date(cap.time).toISOString(),
        frames: (r.value as { frames: unknown[] }).frames,
        truncated: nonZero(cap.truncated),
        dropped: cap.dropped,
      });
    }
    if (inIsolate > 0) counts['SENSITIVE_KEY'] = (counts['SENSITIVE_KEY'] ?? 0) + inIsolate;
    const first = results[0];
    const status =
      first !== undefined
        ? 'captured'
        : disabled !== undefined
          ? 'disabled'
          : signal.aborted
            ? 'cancelled'
            : 'timeout';
    return {
      result: {
        status,
        location: {
          file: installed.file,
          line: installed.line,
          generated: { url: installed.url, line: installed.generatedLine },
        },
        technique: installed.probe.technique,
        frames: first?.frames ?? [],
        truncated: first?.truncated ?? {},
        captures: results,
        ...(disabled === undefined
          ? {}
          : { disabled: { reason: 'cpu-budget', hits: disabled.hits, spentMs: round(disabled.spentMs) } }),
      },
      accessed: {
        location: `${installed.file}:${installed.line}`,
        technique: installed.probe.technique,
        captures: results.length,
        frames: results
          .flatMap((r) => (r.frames as Array<{ function: string }>).map((f) => f.function))
          .slice(0, 100),
        variables: [...variables].slice(0, 200),
        bytes,
      },
      redactions: counts,
    };
  }

  async #logpoint(params: unknown, ctx: ActionContext, signal: AbortSignal): Promise<ActionOutcome> {
    const p = logpointParamsSchema.parse(params);
    const perSecond = Math.min(p.maxPerSecond ?? this.#o.logpointPerSecond, this.#o.maxLogpointPerSecond);
    const durationMs = Math.min(p.durationMs, this.#o.maxLogpointDurationMs);
    const redactor = this.#redactor(ctx.masking);
    const counts: RedactionCounts = {};
    const variables = new Set<string>();
    let lines = 0;
    let dropped = 0;
    let bytes = 0;
    let inIsolate = 0;
    let disabled: Extract<RuntimeMessage, { t: 'off' }> | undefined;
    let wake: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (wake = resolve));
    const installed = await this.#installProbe({
      sessionId: ctx.sessionId,
      kind: 'logpoint',
      location: p.location,
      condition: p.condition,
      template: p.template,
      perSecond,
      maxCaptures: Number.MAX_SAFE_INTEGER,
      budgets: this.#o.logpointBudgets,
      onMessage: (m) => {
        if (m.t === 'log') {
          const r = redactor.redactText(m.line);
          mergeCounts(counts, r.counts);
          inIsolate += m.redacted;
          for (const n of m.read) variables.add(n);
          lines++;
          dropped += m.dropped;
          bytes += r.text.length;
          ctx.emit({ time: new Date(m.time).toISOString(), line: r.text, dropped: m.dropped });
        } else if (m.t === 'off') {
          disabled = m;
          dropped = Math.max(dropped, m.dropped);
          ctx.emit({
            time: new Date().toISOString(),
            line: '[glovebox] logpoint disabled: it went over its CPU budget',
            dropped: 0,
            disabled: 'cpu-budget',
          });
          wake();
        }
      },
    });
    try {
      await Promise.race([done, sleep(durationMs, signal)]);
    } finally {
      await this.#removeProbe(installed.probe);
    }
    if (inIsolate > 0) counts['SENSITIVE_KEY'] = (counts['SENSITIVE_KEY'] ?? 0) + inIsolate;
    return {
      result: {
        status: disabled !== undefined ? 'disabled' : signal.aborted ? 'cancelled' : 'ended',
        location: { file: installed.file, line: installed.line },
        technique: installed.probe.technique,
        lines,
        dropped,
        ...(disabled === undefined
          ? {}
          : { disabled: { reason: 'cpu-budget', hits: disabled.hits, spentMs: round(disabled.spentMs) } }),
      },
      accessed: {
        location: `${installed.file}:${installed.line}`,
        technique: installed.probe.technique,
        lines,
        variables: [...variables].slice(0, 200),
        bytes,
      },
      redactions: counts,
    };
  }

  async #eval(params: unknown, ctx: ActionContext): Promise<ActionOutcome> {
    const p = evalParamsSchema.parse(params);
    const timeout = Math.min(p.timeoutMs, this.#o.maxEvalTimeoutMs);
    return this.#serial(async () => {
      await this.#ensureRuntime();
      const group = `gbx-eval-${randomBytes(4).toString('hex')}`;
      let r: Record<string, unknown>;
      try {
        r = await this.#post('Runtime.evaluate', {
          expression: p.expression,
          throwOnSideEffect: true,
          timeout,
          objectGroup: group,
          silent: true,
          generatePreview: false,
        });
      } catch (err) {
        if (err instanceof Error && /terminated/i.test(err.message)) {
          throw new GloveboxError(
            'GBX_DEBUG_TIMEOUT',
            `the expression ran longer than ${timeout} ms and was stopped`,
          );
        }
        throw err;
      }
      try {
        const details = r['exceptionDetails'] as
          { exception?: { className?: string; description?: string } } | undefined;
        const result = r['result'] as {
          type: string;
          value?: unknown;
          objectId?: string;
          unserializableValue?: string;
          description?: string;
        };
        if (details !== undefined) {
          const desc = details.exception?.description ?? '';
          if (/side-effect/i.test(desc)) {
            throw new GloveboxError(
              'GBX_DEBUG_SIDE_EFFECT',
              'the expression could have side effects, so it was not run',
            );
          }
          if (/terminated/i.test(desc))
            throw new GloveboxError('GBX_DEBUG_TIMEOUT', 'the expression was stopped');
          const className = details.exception?.className ?? 'Error';
          throw new GloveboxError(
            'GBX_DEBUG_EVAL_FAILED',
            `the expression threw ${/^\w{1,40}$/.test(className) ? className : 'an error'}`,
          );
        }
        let value: unknown;
        let truncated: TruncationMarks | undefined;
        let inIsolate = 0;
        let bytes = 0;
        if (result.objectId !== undefined) {
          const s = await this.#post('Runtime.callFunctionOn', {
            functionDeclaration: `function (b) { return globalThis.${this.#key}.serializeToJson(this, b); }`,
            objectId: result.objectId,
            arguments: [{ value: this.#o.budgets }],
            returnByValue: true,
            silent: true,
          });
          const json = (s['result'] as { value?: unknown } | undefined)?.value;
          if (typeof json !== 'string') throw new Error('serialization failed');
          const parsed = JSON.parse(json) as {
            value: unknown;
            truncated: TruncationMarks;
            bytes: number;
            redacted: number;
          };
          value = parsed.value;
          truncated = parsed.truncated;
          inIsolate = parsed.redacted;
          bytes = parsed.bytes;
        } else if (result.unserializableValue !== undefined) {
          value = { '@type': result.type, value: result.unserializableValue };
        } else if (result.type === 'undefined') {
          value = { '@type': 'undefined' };
        } else if (result.type === 'string' && typeof result.value === 'string') {
          const max = this.#o.budgets.maxStringLength;
          value =
            result.value.length > max
              ? { '@truncated': 'string', value: result.value.slice(0, max), length: result.value.length }
              : result.value;
          bytes = Math.min(result.value.length, max);
        } else {
          value = result.value;
        }
        const red = this.#redactor(ctx.masking).redactValue(value);
        const counts = { ...red.counts };
        if (inIsolate > 0) counts['SENSITIVE_KEY'] = (counts['SENSITIVE_KEY'] ?? 0) + inIsolate;
        return {
          result: {
            value: red.value,
            type: result.type,
            ...(truncated === undefined ? {} : { truncated: nonZero(truncated) }),
          },
          accessed: { expression: true, bytes },
          redactions: counts,
        };
      } finally {
        await this.#post('Runtime.releaseObjectGroup', { objectGroup: group }).catch(() => undefined);
      }
    });
  }

  async #profile(params: unknown, _ctx: ActionContext, signal: AbortSignal): Promise<ActionOutcome> {
    const p = profileParamsSchema.parse(params);
    const seconds = Math.min(p.seconds, this.#o.maxProfileSeconds);
    if (this.#profiling)
      throw new GloveboxError('GBX_CONFLICT', 'a CPU profile is already being taken in this process');
    this.#profiling = true;
    try {
      await this.#post('Profiler.enable');
      await this.#post('Profiler.start');
      await sleep(seconds * 1000, signal);
      const r = await this.#post('Profiler.stop');
      const profile = r['profile'] as { nodes: unknown[]; startTime: number; endTime: number };
      return {
        result: profile,
        accessed: {
          profileSeconds: round((profile.endTime - profile.startTime) / 1e6),
          nodes: profile.nodes.length,
        },
        redactions: {},
      };
    } finally {
      await this.#post('Profiler.disable').catch(() => undefined);
      this.#profiling = false;
    }
  }
}

function toPath(url: string): string | undefined {
  if (url.startsWith('file:')) {
    try {
      return fileURLToPath(url);
    } catch {
      return undefined;
    }
  }
  return isAbsolute(url) ? url : undefined;
}

function nonZero(t: TruncationMarks): Partial<TruncationMarks> {
  return Object.fromEntries(Object.entries(t).filter(([, v]) => v !== 0));
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

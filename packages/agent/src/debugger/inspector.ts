/**
 * The worker's link to the main thread's inspector: one session, the Debugger domain switched on only
 * while someone needs it (reference-counted), the list of loaded scripts, and the injected runtime
 * with its message channel.
 */
import { Session } from 'node:inspector/promises';
import { BroadcastChannel } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { probeRuntimeSource } from './runtime/runtime-source.js';
import type { RuntimeMessage } from './runtime/types.js';

/** A script V8 reported while the Debugger domain was on. */
export interface ScriptInfo {
  scriptId: string;
  url: string;
  sourceMapURL: string;
  /** True for ES modules (V8 refuses LiveEdits of their top-level code). */
  isModule: boolean;
}

/** Inspector session, Debugger-domain reference count, scripts and the runtime's channel. */
export class InspectorLink {
  /** Hidden global property holding the runtime in the main isolate. */
  readonly key = `__glovebox_dbg_${randomBytes(6).toString('hex')}`;
  readonly #channelName = `glovebox-debugger-${randomBytes(8).toString('hex')}`;
  readonly scripts = new Map<string, ScriptInfo>();
  #session: Session | undefined;
  #channel: BroadcastChannel | undefined;
  #users = 0;
  runtimeInstalled = false;
  debuggerEnabled = false;
  debuggerEnables = 0;
  pauses = 0;
  /** Scripts V8 reported since the last enable began (every one, any URL); undefined before the first. */
  scriptsReported: number | undefined;
  readonly #onMessage: (m: RuntimeMessage) => void;
  readonly #log: (m: string) => void;

  constructor(onMessage: (m: RuntimeMessage) => void, log: (m: string) => void) {
    this.#onMessage = onMessage;
    this.#log = log;
  }

  #connect(): Session {
    if (this.#session !== undefined) return this.#session;
    const session = new Session();
    session.connectToMainThread();
    session.on(
      'Debugger.scriptParsed',
      (m: { params: { scriptId: string; url: string; sourceMapURL?: string; isModule?: boolean } }) => {
        const { scriptId, url, sourceMapURL, isModule } = m.params;
        // V8 reports every loaded script at each enable, at a cost per script (ADR 0030).
        this.scriptsReported = (this.scriptsReported ?? 0) + 1;
        if (url.startsWith('file:') || isAbsolute(url))
          this.scripts.set(scriptId, {
            scriptId,
            url,
            sourceMapURL: sourceMapURL ?? '',
            isModule: isModule === true,
          });
      },
    );
    session.on('Debugger.paused', () => {
      // We never pause on purpose: a `debugger;` statement or similar met while the domain was on.
      this.pauses++;
      session.post('Debugger.resume').catch(() => undefined);
    });
    this.#session = session;
    const channel = new BroadcastChannel(this.#channelName);
    channel.onmessage = (event: unknown) => {
      const msg = (event as { data: RuntimeMessage | { t: 'err'; message: string } }).data;
      if (msg.t === 'err') this.#log(`runtime message lost: ${msg.message}`);
      else this.#onMessage(msg);
    };
    (channel as unknown as { unref?: () => void }).unref?.();
    this.#channel = channel;
    return session;
  }

  /** Sends one inspector command to the main thread. */
  post(method: string, params?: object): Promise<Record<string, unknown>> {
    const session = this.#connect();
    const post = session.post.bind(session) as unknown as (
      m: string,
      p?: object,
    ) => Promise<Record<string, unknown> | undefined>;
    return post(method, params).then((r) => r ?? {});
  }

  /** Evaluates `code` against the runtime (`R` names it) in the main isolate; throws on an exception. */
  async runtimeCall(code: string): Promise<unknown> {
    const r = await this.post('Runtime.evaluate', {
      expression: `((R) => ${code})(globalThis.${this.key})`,
      silent: true,
      returnByValue: true,
    });
    if (r['exceptionDetails'] !== undefined) throw new Error('runtime call failed');
    return (r['result'] as { value?: unknown } | undefined)?.value;
  }

  /** Posts a message to the runtime (it listens on the same channel). */
  tellRuntime(message: { t: 'cpu'; f: number }): void {
    this.#channel?.postMessage(message);
  }

  async acquireDebugger(): Promise<void> {
    this.#users++;
    if (this.#users === 1) {
      this.scripts.clear();
      this.scriptsReported = 0;
      this.debuggerEnables++;
      this.debuggerEnabled = true;
      await this.post('Debugger.enable', { maxScriptsCacheSize: 1e6 });
    }
  }

  async releaseDebugger(): Promise<void> {
    this.#users--;
    if (this.#users === 0) {
      this.debuggerEnabled = false;
      await this.post('Debugger.disable').catch(() => undefined);
    }
  }

  /** Injects the runtime once (no Debugger domain needed). */
  async ensureRuntime(config: { globalPerSecond: number; sensitiveKeys: string[] }): Promise<void> {
    if (this.runtimeInstalled) return;
    this.#connect();
    // Messages leave at the next microtask checkpoint, not from inside the probed code: a post wakes
    // the worker, and the scheduler would then preempt the main thread in the middle of the hooked call.
    const expression = `(() => {
      if (globalThis.${this.key} !== undefined) return;
      const util = typeof process === 'object' && typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('node:util') : undefined;
      const channel = new BroadcastChannel(${JSON.stringify(this.#channelName)});
      const send = (m) => { try { channel.postMessage(m); } catch (e) { try { channel.postMessage({ t: "err", id: m.id, message: String(e && e.message) }); } catch {} } };
      const queue = [];
      const flush = () => { const ms = queue.splice(0); for (const m of ms) send(m); };
      const post = (m) => { if (queue.push(m) === 1) queueMicrotask(flush); };
      const rt = (${probeRuntimeSource()})(${JSON.stringify(config)}, post, util && util.types ? util.types : undefined);
      channel.onmessage = (e) => { const m = e && e.data; if (m && m.t === 'cpu') rt.setCpuFactor(m.f); };
      if (typeof channel.unref === 'function') channel.unref();
      rt.close = () => channel.close();
      Object.defineProperty(globalThis, ${JSON.stringify(this.key)}, { value: rt, configurable: true, enumerable: false, writable: false });
    })()`;
    const r = await this.post('Runtime.evaluate', { expression, silent: true });
    if (r['exceptionDetails'] !== undefined) throw new Error('runtime injection failed');
    this.runtimeInstalled = true;
  }

  /** Removes every probe and the runtime from the main isolate and disconnects. */
  async close(): Promise<void> {
    if (this.#session !== undefined && this.runtimeInstalled) {
      await this.post('Runtime.evaluate', {
        expression: `(() => { const r = globalThis.${this.key}; if (r) { r.removeAll(); r.close(); delete globalThis.${this.key}; } })()`,
      }).catch(() => undefined);
    }
    this.runtimeInstalled = false;
    this.#channel?.close();
    this.#channel = undefined;
    this.#session?.disconnect();
    this.#session = undefined;
    this.debuggerEnabled = false;
  }
}

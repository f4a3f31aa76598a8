import { url as inspectorUrl } from 'node:inspector';

/** Whether the process's inspector (the V8 debugger port) is open, and to whom. */
export interface InspectorExposure {
  open: boolean;
  /** `host:port` the inspector listens on, when open. */
  address: string | null;
  /** Listening on this machine only (127.0.0.0/8, ::1, localhost). */
  loopback: boolean;
  /**
   * `flag`: opened at start by `--inspect…` (command line or NODE_OPTIONS); `runtime`: opened after
   * start, by `kill -USR1` or `inspector.open()`.
   */
  openedBy: 'flag' | 'runtime' | null;
  /** Open to other machines, or opened at run time: anyone who reaches it runs code unchecked. */
  exposed: boolean;
}

const INSPECT_FLAG = /(^|\s)--inspect(-brk|-wait)?(=|\s|$)/;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The inspector's state as the main thread of the application sees it (call it there: a worker
 * has its own).
 *
 * @example
 * inspectorExposure(); // { open: false, address: null, loopback: false, openedBy: null, exposed: false }
 */
export function inspectorExposure(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
): InspectorExposure {
  const url = inspectorUrl();
  if (!url) return { open: false, address: null, loopback: false, openedBy: null, exposed: false };
  const { host } = new URL(url);
  const loopback = isLoopback(new URL(url).hostname);
  const openedBy =
    execArgv.some((a) => INSPECT_FLAG.test(a)) || INSPECT_FLAG.test(nodeOptions) ? 'flag' : 'runtime';
  return { open: true, address: host, loopback, openedBy, exposed: !loopback || openedBy === 'runtime' };
}

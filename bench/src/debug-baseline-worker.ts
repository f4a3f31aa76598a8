/**
 * Worker for the capture benchmark's baselines: a breakpoint on the probe line, handled either by an
 * immediate resume (empty pause) or by a dd-trace-style recursive Runtime.getProperties capture to
 * depth 2 with concurrency 2, then resume.
 */
import { Session } from 'node:inspector/promises';
import { parentPort, workerData } from 'node:worker_threads';

interface RemoteObject {
  type: string;
  objectId?: string;
}
interface PropertyDescriptor {
  name: string;
  value?: RemoteObject;
}
interface PausedEvent {
  params: { callFrames: Array<{ scopeChain: Array<{ type: string; object: RemoteObject }> }> };
}

const { url, line, mode } = workerData as { url: string; line: number; mode: 'pause' | 'getprops' };
const port = parentPort!;
const session = new Session();
session.connectToMainThread();
let captured = 0;

async function getProps(objectId: string): Promise<PropertyDescriptor[]> {
  const r = await session.post('Runtime.getProperties', { objectId, ownProperties: true });
  return r.result as PropertyDescriptor[];
}

async function capture(event: PausedEvent): Promise<void> {
  const frame = event.params.callFrames[0];
  if (frame === undefined) return;
  const scopes = frame.scopeChain.filter((s) => s.type !== 'global' && s.object.objectId !== undefined);
  const queue: Array<{ id: string; depth: number }> = scopes.map((s) => ({
    id: s.object.objectId!,
    depth: 0,
  }));
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
      const props = await getProps(job.id);
      captured += props.length;
      if (job.depth + 1 >= 2) continue;
      for (const p of props) {
        if (p.value?.type === 'object' && p.value.objectId !== undefined)
          queue.push({ id: p.value.objectId, depth: job.depth + 1 });
      }
    }
  };
  await Promise.all([worker(), worker()]);
}

session.on('Debugger.paused', (event: PausedEvent) => {
  const done = mode === 'getprops' ? capture(event) : Promise.resolve();
  void done.finally(() => session.post('Debugger.resume').catch(() => undefined));
});

let breakpointId: string | undefined;
port.on('message', (msg: string) => {
  void (async () => {
    if (msg === 'arm') {
      await session.post('Debugger.enable');
      const r = await session.post('Debugger.setBreakpointByUrl', { url, lineNumber: line, columnNumber: 0 });
      breakpointId = r.breakpointId;
      port.postMessage('armed');
    } else if (msg === 'disarm') {
      if (breakpointId !== undefined) await session.post('Debugger.removeBreakpoint', { breakpointId });
      await session.post('Debugger.disable');
      // The thread that started us terminates the worker; disconnecting here aborted Node 20.
      port.postMessage({ captured });
    }
  })();
});

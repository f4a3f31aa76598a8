/**
 * Test support: Chrome DevTools' own heap-snapshot model (the code behind the Memory tab), from the
 * `chrome-devtools-frontend` package, run in Node. Its TypeScript sources are transpiled once into
 * a cache folder; only the i18n helper (progress strings) and the text_utils barrel (which would
 * pull in CodeMirror) are replaced by two-line shims. Not exported from the package.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';

const require = createRequire(import.meta.url);

const SHIMS: Record<string, string> = {
  'core/i18n/i18n.js':
    'export const i18n = { serializeUIString: (string, values = {}) => JSON.stringify({ string, values }), ' +
    'registerUIStrings: () => ({}), getLocalizedString: (_r, s) => s, ' +
    'getLazilyComputedLocalizedString: (_r, s) => () => s, lockedString: (s) => s, lockedLazyString: (s) => () => s };\n',
  'core/text_utils/text_utils.js': "export * as TextUtils from './TextUtils.js';\n",
};

async function transpile(): Promise<string> {
  const pkg = dirname(require.resolve('chrome-devtools-frontend/package.json'));
  const version = (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string })
    .version;
  const out = join(tmpdir(), `glovebox-devtools-${version}`);
  const entry = join(out, 'entrypoints/heap_snapshot_worker/HeapSnapshotLoader.js');
  if (existsSync(join(out, '.complete'))) return out;
  const { default: ts } = await import('typescript');
  const root = join(pkg, 'front_end');
  const seen = new Set<string>();
  const visit = (rel: string): void => {
    if (seen.has(rel)) return;
    seen.add(rel);
    mkdirSync(dirname(join(out, rel)), { recursive: true });
    const shim = SHIMS[rel];
    if (shim !== undefined) {
      writeFileSync(join(out, rel), shim);
      if (rel.startsWith('core/text_utils/')) visit('core/text_utils/TextUtils.js');
      return;
    }
    const source = readFileSync(join(root, rel.replace(/\.js$/, '.ts')), 'utf8');
    const js = ts.transpileModule(source, {
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        useDefineForClassFields: true,
      },
    }).outputText;
    writeFileSync(join(out, rel), js);
    const imports = /(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;
    for (const m of js.matchAll(imports)) visit(normalize(join(dirname(rel), m[1] ?? m[2]!)));
  };
  visit('entrypoints/heap_snapshot_worker/HeapSnapshotLoader.js');
  visit('entrypoints/heap_snapshot_worker/HeapSnapshot.js');
  if (!existsSync(entry)) throw new Error('DevTools heap snapshot loader not found');
  writeFileSync(join(out, '.complete'), version);
  return out;
}

/** What the tests read from DevTools' model of a snapshot. */
export interface DevToolsSnapshot {
  nodeCount: number;
  totalSize: number;
  /** Per class name: count, self size, largest retained size (DevTools' Summary view). */
  aggregates: Map<string, { count: number; self: number; maxRet: number }>;
  /** Node id -> [retained size, dominator's id], for every node. */
  retained: Map<number, [number, number]>;
  /** Node id -> the name DevTools shows (concatenated strings joined, as in the Memory tab). */
  names: Map<number, string>;
}

interface DevToolsNode {
  id(): number;
  retainedSize(): number;
  name(): string;
  dominatorIndex(): number;
}

interface DevToolsHeapSnapshot {
  nodeCount: number;
  totalSize: number;
  aggregatesWithFilter(
    filter: object,
  ): Record<string, { name: string; count: number; self: number; maxRet: number }>;
  allNodes(): { hasNext(): boolean; next(): void; item(): DevToolsNode };
  createNode(nodeIndex: number): DevToolsNode;
}

interface LoaderModule {
  HeapSnapshotLoader: new (dispatcher: { sendEvent(): void }) => {
    write(chunk: string): void;
    close(): void;
    buildSnapshot(port: MessagePort): Promise<DevToolsHeapSnapshot>;
  };
}

interface SnapshotModule {
  SecondaryInitManager: new (port: MessagePort) => unknown;
}

/** Loads `.heapsnapshot` text with DevTools' HeapSnapshotLoader and JSHeapSnapshot. */
export async function loadWithDevTools(text: string): Promise<DevToolsSnapshot> {
  const poly = Promise as unknown as { withResolvers?: unknown };
  poly.withResolvers ??= function <T>() {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((a, b) => {
      resolve = a;
      reject = b;
    });
    return { promise, resolve, reject };
  };
  const dir = await transpile();
  const url = (rel: string) => pathToFileURL(join(dir, rel)).href;
  const loaderModule = (await import(
    url('entrypoints/heap_snapshot_worker/HeapSnapshotLoader.js')
  )) as LoaderModule;
  const snapshotModule = (await import(
    url('entrypoints/heap_snapshot_worker/HeapSnapshot.js')
  )) as SnapshotModule;
  const loader = new loaderModule.HeapSnapshotLoader({ sendEvent: () => undefined });
  for (let i = 0; i < text.length; i += 65536) loader.write(text.slice(i, i + 65536));
  loader.close();
  const { port1, port2 } = new MessageChannel();
  new snapshotModule.SecondaryInitManager(port2);
  try {
    const snapshot = await loader.buildSnapshot(port1);
    const aggregates = new Map<string, { count: number; self: number; maxRet: number }>();
    for (const a of Object.values(snapshot.aggregatesWithFilter({})))
      aggregates.set(a.name, { count: a.count, self: a.self, maxRet: a.maxRet });
    const retained = new Map<number, [number, number]>();
    const names = new Map<number, string>();
    for (let it = snapshot.allNodes(); it.hasNext(); it.next()) {
      const node = it.item();
      const dominator = snapshot.createNode(node.dominatorIndex());
      retained.set(node.id(), [node.retainedSize(), dominator.id()]);
      names.set(node.id(), node.name());
    }
    return { nodeCount: snapshot.nodeCount, totalSize: snapshot.totalSize, aggregates, retained, names };
  } finally {
    port1.close();
    port2.close();
  }
}

/**
 * The source text injected into the application's isolate: every runtime function, declared in one
 * scope, then `createProbeRuntime` called with the configuration. The list below is the whole
 * runtime; a test evaluates the text in an empty context to prove that nothing else is referenced.
 */
import * as evaluate from './evaluate.js';
import * as interpreter from './interpreter.js';
import * as intrinsics from './intrinsics.js';
import * as probes from './probes.js';
import { createProbeRuntime } from './runtime.js';
import * as sensitive from './sensitive.js';
import * as serializer from './serializer.js';
import * as stack from './stack.js';

const modules: Array<Record<string, unknown>> = [
  intrinsics,
  sensitive,
  serializer,
  interpreter,
  evaluate,
  stack,
  probes,
];

/**
 * An expression evaluating to a function `(config, post, types) => ProbeRuntime`, built from the
 * functions' own source text.
 */
export function probeRuntimeSource(): string {
  const declarations: string[] = [];
  for (const m of modules) {
    for (const value of Object.values(m))
      if (typeof value === 'function') declarations.push(value.toString());
  }
  declarations.push(createProbeRuntime.toString());
  return `(() => {\n${declarations.join('\n')}\nreturn createProbeRuntime;\n})()`;
}

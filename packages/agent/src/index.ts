export type { ActionContext, ActionHandler, ActionModule, ActionOutcome, MaskingLevel } from './action.js';
export { AgentRuntime, type AgentRuntimeOptions } from './runtime.js';
export {
  createFactsModule,
  processFactsCollector,
  type ProcessFacts,
  type ProcessFactsOptions,
} from './facts.js';
export { startAgent, type StartAgentOptions, type AgentHandle } from './start.js';
export { NonceCache } from './nonce-cache.js';
export {
  createDebuggerModule,
  type DebuggerModule,
  type DebuggerOptions,
  type DebuggerStatus,
} from './debugger/index.js';
export {
  createHeapModule,
  diffSnapshots,
  classTotals,
  SnapshotReader,
  redactSnapshot,
  type HeapModuleOptions,
  type ClassGrowth,
  type ClassTotals,
} from './heap/index.js';
export type { HeapAgentOptions } from './worker.js';
export type { AgentDebuggerOptions } from './debugger-config.js';

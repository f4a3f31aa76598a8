/**
 * Live debugging of the Node.js process the agent runs in: snapshots, logpoints, side-effect-free
 * evaluation and CPU profiles, as an {@link ActionModule} for the agent's worker thread.
 */
export {
  createDebuggerModule,
  type DebuggerModule,
  type DebuggerOptions,
  type DebuggerStatus,
  type ProbeTechnique,
} from './module.js';
export type { CaptureBudgets, TruncationMarks } from './runtime/types.js';

export { createHeapModule, type HeapModuleOptions, type HeapSpace } from './module.js';
export { DEFAULT_CAPTURE_LIMITS, checkHeadroom, type CaptureLimits, type MemoryFigures } from './capture.js';
export { SnapshotReader, type ParsedSnapshot } from './reader.js';
export { redactSnapshot, type HeapRedactionOptions, type HeapRedactionStats } from './redact-snapshot.js';
export { classTotals, diffSnapshots, type ClassGrowth, type ClassTotals, type Retainer } from './summary.js';

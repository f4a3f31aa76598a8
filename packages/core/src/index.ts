export { ERROR_CODES, GloveboxError, isGloveboxError, type ErrorCode } from './errors.js';
export { systemClock, ManualClock, type Clock } from './clock.js';
export { newId, newSecret } from './ids.js';
export { parseDuration, formatDuration } from './duration.js';
export { parseTimeSpec, localOffsetAt, type UtcOffsetAt } from './time-spec.js';

/** How a probe's hits were sampled, as reported to the engineer. */
import type { SamplingState } from '../runtime/types.js';

/** `ratio` is the share of hits examined (1 = every hit); `stride` the current 1-in-N. */
export interface SamplingReport {
  hits: number;
  examined: number;
  ratio: number;
  stride: number;
}

export function samplingReport(s: SamplingState | undefined): SamplingReport {
  if (s === undefined || s.hits === 0) return { hits: 0, examined: 0, ratio: 1, stride: 1 };
  return {
    hits: s.hits,
    examined: s.examined,
    ratio: Math.round((s.examined / s.hits) * 1e6) / 1e6,
    stride: s.stride,
  };
}

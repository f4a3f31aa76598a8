// Code probed by bench/src/debug-live.ts. Keep the PROBE markers on their lines.

let sink = 0;

/** A small synchronous step of the hot path (LiveEdit can patch it while the loop runs). */
export function step(i: number): number {
  const doubled = i * 2; // PROBE: hot-sync
  return doubled + 1;
}

/** The hot async function: almost always suspended at its await under load. */
export async function handle(i: number): Promise<number> {
  await Promise.resolve();
  const v = step(i); // PROBE: hot-async
  sink += v;
  return v;
}

/** Calls `leaf` below `depth` frames of recursion (for snapshots at ~30 frames). */
export function atDepth(depth: number, leaf: () => number): number {
  if (depth <= 0) return leaf();
  return atDepth(depth - 1, leaf) + 0;
}

export function deepStep(i: number): number {
  const marker = i;
  const total = marker * 2; // PROBE: deep
  return total + sink * 0;
}

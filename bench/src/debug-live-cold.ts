// A line that never runs, for the cold-probe phase of bench/src/debug-live.ts (its own file, so that
// installing the probe does not recompile the hot code). Keep the PROBE marker on its line.

/** Never called: a probe here is a cold probe. */
export function neverCalled(x: number): number {
  const y = x + 1; // PROBE: cold
  return y;
}

/** Never called: a probe here is a cold probe placed by breakpoint (V8 cannot patch async functions). */
export async function neverCalledAsync(x: number): Promise<number> {
  await Promise.resolve();
  const y = x + 1; // PROBE: cold-async
  return y;
}

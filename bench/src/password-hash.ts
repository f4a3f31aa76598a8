// Cost of one password check at the scrypt parameters the gateway writes (N = 2^17, r = 8, p = 1)
// against the ones it wrote before (N = 2^15), in the same run: median of the runs, and the ratio.
// Run: npx tsc -b bench && node bench/dist/password-hash.js [runs]
import { randomBytes, scryptSync } from 'node:crypto';

const RUNS = Number(process.argv[2] ?? 5);

function medianMs(N: number): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    scryptSync('olivia-password-123', randomBytes(16), 32, { N, r: 8, p: 1, maxmem: 160 * 1024 * 1024 });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const before = medianMs(2 ** 15);
const now = medianMs(2 ** 17);
console.log(
  JSON.stringify({
    runs: RUNS,
    medianMsN15: Math.round(before),
    medianMsN17: Math.round(now),
    ratio: +(now / before).toFixed(2),
  }),
);

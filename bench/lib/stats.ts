/** Small statistics for interleaved A/B timings: nearest-rank percentiles and ratios. */

export const now = () => performance.now();

/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export const median = (samples: number[]) => percentile(samples, 50);

export interface Series {
  name: string;
  samples: number[];
}

/**
 * Lets the event loop finish what the previous call left behind (socket bookkeeping after a
 * response, timers), untimed, so that work is not billed to whichever variant runs next.
 */
const settle = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

/**
 * Runs the variants round-robin, `rounds` times after `warmup` rounds that are thrown away, and
 * rotates which variant goes first in each round (ABC, BCA, CAB, ...), so neither a warm cache nor a
 * burst of noise from the rest of the machine favours one of them. Each call is timed alone.
 */
export async function interleave(
  variants: { name: string; run: (i: number) => Promise<unknown> }[],
  opts: { rounds: number; warmup: number },
): Promise<Series[]> {
  const series = variants.map((v) => ({ name: v.name, samples: [] as number[] }));
  const total = opts.warmup + opts.rounds;
  for (let round = 0; round < total; round++) {
    for (let k = 0; k < variants.length; k++) {
      const index = (round + k) % variants.length;
      await settle();
      const started = now();
      await variants[index]!.run(round);
      const ms = now() - started;
      if (round >= opts.warmup) series[index]!.samples.push(ms);
    }
  }
  return series;
}

export const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2)) + " ms";
export const fmtUs = (ms: number) => `${Math.round(ms * 1000).toLocaleString("en-US")} µs`;
export const fmtRatio = (r: number) => r.toFixed(2);
export const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");

/**
 * The timing core every suite uses. Contenders doing the same work are timed side by side in one run:
 * warmed up, calibrated once to a number of calls per timed block, then run round-robin (the order
 * rotating each round) so that a noisy neighbour on a shared machine hits them all alike. Each block
 * gives one rate sample; a contender's result is the median of its samples, and its ratio is that median
 * over the baseline's. No bare times are reported, only rates and ratios.
 */

/** How a rate is shown: value = work units per nanosecond × perNs. */
export interface Unit {
  readonly label: string;
  readonly perNs: number;
}

export const UNITS = {
  elementsPerNs: { label: 'elements/ns', perNs: 1 },
  /** One GFLOP/s is one FLOP per ns. */
  gflops: { label: 'GFLOP/s', perNs: 1 },
  samplesPerSecond: { label: 'samples/s', perNs: 1e9 },
} as const satisfies Record<string, Unit>;

export interface Contender {
  readonly name: string;
  /**
   * Runs before each timed block of this contender, outside the timing: switching a peer library's
   * backend, resetting state. May be async.
   */
  readonly enter?: () => unknown;
  /** One call of the work. A returned promise is awaited inside the timing (ONNX Runtime, async peers). */
  readonly run: () => unknown;
}

export interface TimingOptions {
  /** Timed blocks per contender (fewer for a slow one, see `budgetMs`). */
  readonly rounds: number;
  /** Target length of one timed block; calls per block are calibrated once to reach it. */
  readonly roundMs: number;
  /** Warm-up time per contender (and at least two calls) before calibration. */
  readonly warmupMs: number;
  /** Upper bound on calls per block. */
  readonly maxReps: number;
  /**
   * Rough cap on one contender's timed time: one whose single call is slow gets fewer rounds, down to
   * one; its `samples` say how many it got.
   */
  readonly budgetMs: number;
}

export const DEFAULT_TIMING: TimingOptions = { rounds: 7, roundMs: 30, warmupMs: 40, maxReps: 1_000_000, budgetMs: 1500 };
export const QUICK_TIMING: TimingOptions = { rounds: 3, roundMs: 15, warmupMs: 15, maxReps: 1_000_000, budgetMs: 400 };

export interface MeasureOptions {
  /** Units of work one call does (elements, FLOPs, samples), the same for every contender. */
  readonly work: number;
  readonly unit: Unit;
  /** Name of the contender the ratios are taken against; defaults to the first. */
  readonly baseline?: string;
  readonly timing: TimingOptions;
}

export interface ContenderResult {
  readonly name: string;
  /** Median rate in the unit of the measurement; NaN when the contender failed. */
  readonly median: number;
  /** Rate of each timed block, in round order. */
  readonly samples: readonly number[];
  /** Calls per timed block. */
  readonly reps: number;
  /** Median over the baseline's median; null when either is missing. */
  readonly ratio: number | null;
  /** (max − min) / median of the samples: how noisy this contender was. */
  readonly spread: number;
  readonly error?: string;
}

export interface Measurement {
  readonly unit: string;
  readonly work: number;
  readonly baseline: string;
  readonly results: readonly ContenderResult[];
}

const now = (): number => Number(process.hrtime.bigint());

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

interface Plan {
  readonly contender: Contender;
  readonly async: boolean;
  readonly reps: number;
  readonly rounds: number;
  readonly samples: number[];
  error?: string;
}

/** Times `reps` calls; the loop is kept free of anything but the call. */
async function timeBlock(c: Contender, reps: number, isAsync: boolean): Promise<number> {
  const run = c.run;
  if (isAsync) {
    const t0 = now();
    for (let i = 0; i < reps; i++) await run();
    return now() - t0;
  }
  const t0 = now();
  for (let i = 0; i < reps; i++) run();
  return now() - t0;
}

/**
 * Warm-up (at least two calls and `warmupMs`, or just the first call when that one alone is slow, as its
 * loops have long been optimised by the time it returns), then calls per block from the per-call time,
 * and rounds cut down to what `budgetMs` affords (at least one).
 */
async function plan(c: Contender, t: TimingOptions): Promise<Plan> {
  await c.enter?.();
  const start = now();
  const first = c.run();
  const isAsync = isThenable(first);
  if (isAsync) await first;
  const firstNs = now() - start;
  let calls = 0;
  let elapsed = 0;
  if (firstNs < slowCallMs(t) * 1e6) {
    while (calls < 1 || firstNs + elapsed < t.warmupMs * 1e6) {
      elapsed += await timeBlock(c, 1, isAsync);
      calls++;
    }
  }
  const perCall = Math.max(calls ? elapsed / calls : firstNs, 1);
  const reps = Math.max(1, Math.min(t.maxReps, Math.ceil((t.roundMs * 1e6) / perCall)));
  const rounds = Math.max(1, Math.min(t.rounds, Math.floor((t.budgetMs * 1e6) / (perCall * reps))));
  return { contender: c, async: isAsync, reps, rounds, samples: [] };
}

/** A first call this long is warm-up enough. */
const slowCallMs = (t: TimingOptions): number => Math.max(4 * t.roundMs, 100);

/**
 * Measures contenders doing the same work, alternating between them. A contender that throws is
 * reported with its error and NaN instead of stopping the others.
 */
export async function measure(contenders: readonly Contender[], options: MeasureOptions): Promise<Measurement> {
  const { work, unit, timing } = options;
  if (contenders.length === 0) throw new Error('measure: no contenders');
  const names = new Set(contenders.map((c) => c.name));
  if (names.size !== contenders.length) throw new Error(`measure: contender names must be unique, got ${contenders.map((c) => c.name).join(', ')}`);
  const baseline = options.baseline ?? contenders[0]!.name;
  if (!names.has(baseline)) throw new Error(`measure: baseline "${baseline}" is not a contender (${[...names].join(', ')})`);

  const plans: Plan[] = [];
  for (const c of contenders) {
    try {
      plans.push(await plan(c, timing));
    } catch (e) {
      plans.push({ contender: c, async: false, reps: 0, rounds: 0, samples: [], error: e instanceof Error ? e.message : String(e) });
    }
  }

  const maxRounds = Math.max(...plans.map((p) => p.rounds));
  for (let r = 0; r < maxRounds; r++) {
    for (let k = 0; k < plans.length; k++) {
      const p = plans[(k + r) % plans.length]!;
      if (p.error !== undefined || p.samples.length >= p.rounds) continue;
      try {
        await p.contender.enter?.();
        const ns = await timeBlock(p.contender, p.reps, p.async);
        p.samples.push(((work * p.reps) / Math.max(ns, 1)) * unit.perNs);
      } catch (e) {
        p.error = e instanceof Error ? e.message : String(e);
      }
    }
  }

  const medians = new Map(plans.map((p) => [p.contender.name, p.error === undefined ? median(p.samples) : NaN]));
  const base = medians.get(baseline)!;
  const results = plans.map((p): ContenderResult => {
    const m = medians.get(p.contender.name)!;
    const spread = p.samples.length > 1 ? (Math.max(...p.samples) - Math.min(...p.samples)) / m : 0;
    return {
      name: p.contender.name,
      median: m,
      samples: p.samples,
      reps: p.reps,
      ratio: Number.isFinite(m) && Number.isFinite(base) && base > 0 ? m / base : null,
      spread,
      ...(p.error !== undefined ? { error: p.error } : {}),
    };
  });
  return { unit: unit.label, work, baseline, results };
}

/** The median of a named contender, or NaN when it was not measured or failed. */
export function rateOf(m: Measurement, name: string): number {
  return m.results.find((r) => r.name === name)?.median ?? NaN;
}

/**
 * The one loop over an experiment's grid. `sweep` runs the chosen cells in order and owns what every
 * experiment used to repeat around its own loop: it stops at Ctrl-C (before a cell, or when a cell returns
 * null), shows progress (one unit per cell, the cell's label as status), disposes what a cell tracked
 * however the cell ends, shares data loaded once between cells, and hands the records gathered so far to a
 * checkpoint after each cell.
 */
import type { BudgetBase, CellContext, Disposable, GridPlan, ProgressReporter } from './types.js';

/** One cell's result as results.json keeps it: the cell's index in the experiment's grid and its record. */
export interface RunRecord<R = unknown> {
  readonly cell: number;
  readonly run: R;
}

export interface SweepOptions<B extends BudgetBase, C, R> extends GridPlan<B> {
  /** The cells to run, each with its index in the whole grid (a shard runs some of them). */
  readonly cells: ReadonlyArray<{ readonly index: number; readonly cell: C }>;
  readonly label: (cell: C) => string;
  readonly run: (cell: C, ctx: CellContext<B>) => Promise<R | null>;
  readonly signal: AbortSignal;
  readonly progress: ProgressReporter;
  /** Called after each finished cell with every record so far; may be slow, so it is awaited. */
  readonly checkpoint?: (records: readonly RunRecord<R>[]) => Promise<void>;
}

export interface SweepOutcome<R> {
  /** The finished cells' records, in the order of `cells`. */
  readonly records: RunRecord<R>[];
  /** True when the signal stopped the sweep before every cell finished. */
  readonly stopped: boolean;
}

export async function sweep<B extends BudgetBase, C, R>(options: SweepOptions<B, C, R>): Promise<SweepOutcome<R>> {
  const { cells, signal, progress } = options;
  const records: RunRecord<R>[] = [];
  const shared = new Map<string, Promise<unknown>>();
  progress.setTotal(cells.length);
  for (const { index, cell } of cells) {
    if (signal.aborted) return { records, stopped: true };
    const label = options.label(cell);
    progress.status(label);
    const owned: Disposable[] = [];
    const ctx: CellContext<B> = {
      budget: options.budget,
      seeds: options.seeds,
      signal,
      status: (text) => progress.status(text),
      shared: <T>(what: string, make: () => T | Promise<T>): Promise<T> => {
        let p = shared.get(what) as Promise<T> | undefined;
        if (!p) {
          progress.status(what);
          p = Promise.resolve().then(make);
          // A failed load is not kept: the next cell tries again rather than inheriting the error.
          p.catch(() => shared.delete(what));
          shared.set(what, p);
        }
        return p.finally(() => progress.status(label));
      },
      track: (resource) => {
        owned.push(resource);
        return resource;
      },
    };
    let run: R | null;
    try {
      run = await options.run(cell, ctx);
    } finally {
      for (const resource of owned.reverse()) resource.dispose();
    }
    if (run === null) return { records, stopped: true };
    records.push({ cell: index, run });
    progress.advance();
    await options.checkpoint?.(records);
    // Lets a Ctrl-C that arrived during a long synchronous cell be seen before the next one starts.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { records, stopped: signal.aborted && records.length < cells.length };
}

/** Disposes `resource` once `fn` is done with it, for loops that make many models inside one cell. */
export async function disposing<T extends Disposable, U>(resource: T, fn: (resource: T) => U | Promise<U>): Promise<U> {
  try {
    return await fn(resource);
  } finally {
    resource.dispose();
  }
}

/**
 * Sharding: splitting the lab's grid (experiments × configurations × seeds) over machines that know nothing
 * of each other. Every cell of every requested experiment gets a global number, in run order; shard k of n
 * runs the cells whose number is k − 1 modulo n. The rule depends only on the request, so each machine
 * computes its own share, and `rectifier report merge` puts the shards back together.
 */

export interface Shard {
  /** 1-based: shard 1 of 4 is the first. */
  readonly index: number;
  readonly count: number;
}

/** The largest shard count accepted; far beyond the cells any budget has. */
const MAX_SHARDS = 10_000;

/** Parses `--shard k/n` (1 ≤ k ≤ n); the error names the option and shows the expected form. */
export function parseShard(value: unknown, option = '--shard'): Shard {
  const text = typeof value === 'string' ? value.trim() : undefined;
  const m = text === undefined ? null : /^(\d+)\s*\/\s*(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1 && count <= MAX_SHARDS && index >= 1 && index <= count)) {
    const given = value === undefined ? 'nothing' : JSON.stringify(value);
    throw new RangeError(`${option}: expected k/n with 1 ≤ k ≤ n ≤ ${MAX_SHARDS} (e.g. 2/4 for the second of four shards), got ${given}`);
  }
  return { index, count };
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/**
 * The cells of each grid that `shard` runs, with their index in their own grid. `sizes` are the grid
 * sizes of the requested experiments, in run order; without a shard every cell is chosen.
 */
export function shardCells(sizes: readonly number[], shard?: Shard): number[][] {
  let global = 0;
  return sizes.map((size) => {
    const chosen: number[] = [];
    for (let i = 0; i < size; i++, global++) if (!shard || global % shard.count === shard.index - 1) chosen.push(i);
    return chosen;
  });
}

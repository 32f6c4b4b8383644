/**
 * `rectifier sweep --dataset <name> [train options…] --grid <option>=<a>,<b>… [--grid …] [--shard k/n]
 * [--out dir] [--json]`: a grid of `rectifier train` runs → one table. Every combination of the grid's
 * values is one cell (the first --grid varies slowest); each cell is one `rectifier train --json` in a
 * child process of its own (so runs cannot share state or memory), and its summary becomes a row.
 * sweep.json in --out is rewritten atomically after each cell. With --shard k/n only a deterministic 1/n
 * of the cells run (src/lab/shard.ts), and `rectifier sweep merge` joins the shards' sweep.json files.
 */
import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { formatShard, parseShard, shardCells, type Shard } from '../../lab/shard.js';
import { mean, sd } from '../../lab/stats.js';
import { checkWritableDir, formatTable, writeFileAtomic } from '../../report/index.js';

export const SWEEP_FILE = 'sweep.json';

/** The `train` options a grid may vary, by their command-line names, and whether their values are numbers. */
const GRID_OPTIONS: Readonly<Record<string, 'number' | 'text'>> = {
  activation: 'text', model: 'text', optimizer: 'text', init: 'text', backend: 'text',
  lr: 'number', epochs: 'number', 'batch-size': 'number', seed: 'number', samples: 'number',
};

/** What every train run of a sweep shares: the dataset and the options fixed on the command line. */
export type Fixed = Record<string, string | number>;

export interface SweepCommandOptions {
  dataset: string;
  /** `option=v1,v2,…`, one per varied option. */
  grid: readonly string[];
  /** Other `train` options, fixed for every cell (command-line names: lr, epochs, batch-size…). */
  fixed?: Fixed;
  shard?: string;
  out?: string;
  json?: boolean;
  /** Where progress lines go (default stderr); false for none. */
  progress?: ((line: string) => void) | false;
  /** How to start the CLI in a child process (default: the way this process was started). */
  cli?: { command: string; args: string[] };
}

/** One finished cell: its index in the grid, the options it varied, and what `train --json` reported. */
export interface SweepRow {
  cell: number;
  options: Record<string, string | number>;
  result: {
    testAccuracy: number | null; testLoss: number | null; trainAccuracy: number | null; trainLoss: number | null;
    seconds: number; samplesPerSecond: number;
  };
}

/** sweep.json. */
export interface SweepFile {
  kind: 'rectifier-sweep';
  dataset: string;
  fixed: Fixed;
  grid: Array<{ option: string; values: Array<string | number> }>;
  /** Cells in the whole grid. */
  cells: number;
  /** `k/n` when this file holds one shard; the shards joined when merged. */
  shard?: string;
  mergedShards?: string[];
  complete: boolean;
  rows: SweepRow[];
}

/** Parses `--grid option=a,b,c`; numbers are checked for options that take numbers. */
export function parseGrid(specs: readonly string[]): SweepFile['grid'] {
  if (!Array.isArray(specs) || specs.length === 0) {
    throw new TypeError('sweep: expected at least one --grid <option>=<value>,<value>… (e.g. --grid activation=relu,gelu)');
  }
  const seen = new Set<string>();
  return specs.map((spec) => {
    const m = typeof spec === 'string' ? /^\s*([a-z-]+)\s*=\s*(.+?)\s*$/.exec(spec) : null;
    if (!m) throw new TypeError(`sweep: expected --grid <option>=<value>,<value>…, got ${JSON.stringify(spec)}`);
    const option = m[1]!;
    const kind = GRID_OPTIONS[option];
    if (!kind) throw new TypeError(`sweep: --grid ${option}: a grid varies one of ${Object.keys(GRID_OPTIONS).join(', ')}`);
    if (seen.has(option)) throw new TypeError(`sweep: --grid ${option} is given twice; list all its values in one --grid`);
    seen.add(option);
    const values = m[2]!.split(',').map((v) => v.trim());
    if (values.some((v) => v === '')) throw new TypeError(`sweep: --grid ${option}: expected values separated by commas, got ${JSON.stringify(m[2])}`);
    const parsed = values.map((v) => {
      if (kind === 'text') return v;
      const n = Number(v);
      if (!Number.isFinite(n)) throw new TypeError(`sweep: --grid ${option}: expected numbers, got ${JSON.stringify(v)}`);
      return n;
    });
    if (new Set(parsed).size !== parsed.length) throw new TypeError(`sweep: --grid ${option}: a value is listed twice in ${JSON.stringify(m[2])}`);
    return { option, values: parsed };
  });
}

/** Every combination of the grid's values, the first option varying slowest. */
export function expandGrid(grid: SweepFile['grid']): Array<Record<string, string | number>> {
  return grid.reduce<Array<Record<string, string | number>>>(
    (cells, { option, values }) => cells.flatMap((c) => values.map((v) => ({ ...c, [option]: v }))),
    [{}],
  );
}

/** The command line of `node` running this same CLI (source through tsx, or the built bin). */
function cliInvocation(): { command: string; args: string[] } {
  return { command: process.execPath, args: [...process.execArgv, process.argv[1]!] };
}

/** Runs `rectifier train … --json` in a child process and returns its summary (the last stdout line). */
async function trainInChild(cli: { command: string; args: string[] }, dataset: string, options: Record<string, string | number>): Promise<SweepRow['result']> {
  const { command, args } = cli;
  const flags = Object.entries(options).flatMap(([k, v]) => [`--${k}`, String(v)]);
  const argv = [...args, 'train', '--dataset', dataset, ...flags, '--json'];
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', fail);
    child.on('close', (c) => done({ code: c, stdout: out, stderr: err }));
  });
  const last = stdout.trim().split('\n').pop() ?? '';
  let summary: Record<string, unknown> | null = null;
  try {
    summary = JSON.parse(last) as Record<string, unknown>;
  } catch {
    summary = null;
  }
  if (code !== 0 || summary === null) {
    const why = stderr.trim().split('\n').filter(Boolean).pop() ?? `exit code ${code}`;
    throw new Error(`sweep: rectifier train ${flags.join(' ')} failed: ${why}`);
  }
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    testAccuracy: num(summary.testAccuracy), testLoss: num(summary.testLoss), trainAccuracy: num(summary.trainAccuracy), trainLoss: num(summary.trainLoss),
    seconds: num(summary.seconds) ?? 0, samplesPerSecond: num(summary.samplesPerSecond) ?? 0,
  };
}

/** One table row per cell, and, when seeds vary, one per combination of the other options (mean ± sd over seeds). */
export function sweepTables(file: SweepFile): string {
  const keys = file.grid.map((g) => g.option);
  const fmt = (v: number | null) => (v === null ? '—' : v);
  const rows = [...file.rows].sort((a, b) => a.cell - b.cell).map((r) => [
    ...keys.map((k) => String(r.options[k])), fmt(r.result.testAccuracy), fmt(r.result.testLoss), fmt(r.result.trainAccuracy), r.result.seconds,
  ]);
  const out = [formatTable([...keys, 'test accuracy', 'test loss', 'train accuracy', 'seconds'], rows)];
  if (keys.includes('seed') && keys.length > 1) {
    const others = keys.filter((k) => k !== 'seed');
    const groups = new Map<string, SweepRow[]>();
    for (const r of [...file.rows].sort((a, b) => a.cell - b.cell)) {
      const key = others.map((k) => String(r.options[k])).join('\u0000');
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const spread = (xs: number[]) => (xs.length > 1 ? `${mean(xs).toPrecision(3)} ± ${sd(xs).toPrecision(2)}` : xs.length ? xs[0]!.toPrecision(3) : '—');
    const summaryRows = [...groups.values()].map((rs) => [
      ...others.map((k) => String(rs[0]!.options[k])),
      rs.length,
      spread(rs.flatMap((r) => (r.result.testAccuracy === null ? [] : [r.result.testAccuracy]))),
      spread(rs.flatMap((r) => (r.result.testLoss === null ? [] : [r.result.testLoss]))),
    ]);
    out.push('', 'Mean ± sd over seeds', formatTable([...others, 'seeds', 'test accuracy', 'test loss'], summaryRows));
  }
  return out.join('\n');
}

async function writeSweep(dir: string, file: SweepFile): Promise<string> {
  const path = join(dir, SWEEP_FILE);
  await writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`);
  return path;
}

/** Runs the sweep (or one shard of it), writing sweep.json after each cell; prints the table at the end. */
export async function runSweep(opts: SweepCommandOptions): Promise<{ file: SweepFile; path: string }> {
  if (typeof opts?.dataset !== 'string' || opts.dataset.trim() === '') throw new TypeError('sweep: expected --dataset <name>, the data every train run uses');
  const grid = parseGrid(opts.grid);
  const fixed: Fixed = { ...(opts.fixed ?? {}) };
  for (const g of grid) {
    if (g.option in fixed) throw new TypeError(`sweep: --${g.option} is both fixed and in a --grid; give it in one place`);
  }
  const shard: Shard | undefined = opts.shard === undefined ? undefined : parseShard(opts.shard);
  const out = await checkWritableDir(opts.out ?? 'sweep-results', '--out');
  const cells = expandGrid(grid);
  const chosen = shardCells([cells.length], shard)[0]!;
  const file: SweepFile = {
    kind: 'rectifier-sweep', dataset: opts.dataset, fixed, grid, cells: cells.length,
    ...(shard ? { shard: formatShard(shard) } : {}), complete: false, rows: [],
  };
  const say = opts.progress === false ? () => {} : (opts.progress ?? ((line: string) => process.stderr.write(`${line}\n`)));
  let path = await writeSweep(out, file);
  for (const [i, index] of chosen.entries()) {
    const options = cells[index]!;
    say(`[${i + 1}/${chosen.length}] train ${Object.entries(options).map(([k, v]) => `--${k} ${v}`).join(' ')}`);
    const result = await trainInChild(opts.cli ?? cliInvocation(), opts.dataset, { ...fixed, ...options });
    file.rows.push({ cell: index, options, result });
    path = await writeSweep(out, file);
  }
  file.complete = true;
  path = await writeSweep(out, file);
  if (opts.json) console.log(JSON.stringify({ sweep: path, cells: file.cells, rows: file.rows.length, ...(shard ? { shard: formatShard(shard) } : {}) }));
  else console.log(`${sweepTables(file)}\n\nSweep: ${path}`);
  return { file, path };
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(resolve(path))).isDirectory();
  } catch {
    return false;
  }
}

async function readSweep(path: string): Promise<SweepFile> {
  let file = resolve(path);
  try {
    if ((await stat(file)).isDirectory()) file = join(file, SWEEP_FILE);
  } catch {
    // reported by the read below
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`sweep file ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const f = parsed as Partial<SweepFile>;
  if (f === null || typeof f !== 'object' || f.kind !== 'rectifier-sweep' || !Array.isArray(f.rows) || !Array.isArray(f.grid) || !Number.isInteger(f.cells)) {
    throw new Error(`sweep file ${path}: not a sweep.json written by rectifier sweep`);
  }
  return f as SweepFile;
}

/** Joins the sweep.json files of the shards of one sweep into one file and table in `out`. */
export async function runSweepMerge(paths: readonly string[], opts: { out?: string; json?: boolean }): Promise<{ file: SweepFile; path: string }> {
  if (!Array.isArray(paths) || paths.length === 0) throw new TypeError('sweep merge: expected the sweep.json of each shard');
  if (typeof opts.out !== 'string' || opts.out.trim() === '') throw new TypeError('sweep merge: expected --out <dir> for the merged sweep');
  const files = await Promise.all(paths.map(async (p) => ({ source: p, file: await readSweep(p) })));
  const first = files[0]!;
  const identity = (f: SweepFile) => JSON.stringify([f.dataset, f.fixed, f.grid, f.cells, f.shard?.split('/')[1] ?? '1']);
  const owner = new Map<number, string>();
  const shards = new Map<string, string>();
  const rows: SweepRow[] = [];
  for (const { source, file } of files) {
    if (identity(file) !== identity(first.file)) throw new Error(`sweep merge: ${source} is not a shard of the same sweep as ${first.source} (dataset, options, grid or shard count differ)`);
    const shard = file.shard ?? '1/1';
    if (shards.has(shard)) throw new Error(`sweep merge: shard ${shard} is given twice (${shards.get(shard)} and ${source})`);
    shards.set(shard, source);
    for (const row of file.rows) {
      if (owner.has(row.cell)) throw new Error(`sweep merge: cell ${row.cell} is in both ${owner.get(row.cell)} and ${source}`);
      owner.set(row.cell, source);
      rows.push(row);
    }
  }
  rows.sort((a, b) => a.cell - b.cell);
  const { shard: _shard, ...rest } = first.file;
  const merged: SweepFile = {
    ...rest,
    mergedShards: [...shards.keys()].sort((a, b) => Number(a.split('/')[0]) - Number(b.split('/')[0])),
    complete: rows.length === first.file.cells && files.every((f) => f.file.complete),
    rows,
  };
  const target = resolve(opts.out, SWEEP_FILE);
  const clash = await Promise.all(paths.map(async (p) => ((await isDir(p)) ? resolve(p, SWEEP_FILE) : resolve(p)) === target));
  if (clash.some(Boolean)) throw new Error(`sweep merge: --out ${opts.out} holds one of the inputs; choose another folder so no shard is overwritten`);
  const out = await checkWritableDir(opts.out, '--out');
  const path = await writeSweep(out, merged);
  if (opts.json) console.log(JSON.stringify({ sweep: path, cells: merged.cells, rows: rows.length, complete: merged.complete }));
  else console.log(`${sweepTables(merged)}\n\n${merged.complete ? '' : `Incomplete: ${rows.length} of ${merged.cells} cells.\n`}Sweep: ${path}`);
  return { file: merged, path };
}

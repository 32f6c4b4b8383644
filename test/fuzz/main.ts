/**
 * `npm run fuzz -- [--long] [--target a,b] [--seed N] [--cases N] [--case I] [--workers N] [--cpu-limit ms]
 * [--time-limit ms] [--memory-bound MB]`: the fuzz suite outside the test runner. The default is what CI
 * runs (seed 1, 1,000 cases per target); --long runs 20,000 per target from a fresh seed (printed, so a
 * failure can be replayed); --case replays one case. Exits 1 when any case fails.
 */
import { parseArgs } from 'node:util';
import { FuzzPool, formatCounts, type TargetCounts } from './harness.js';
import { CI_CASES, CI_SEED, LONG_CASES, loadTargets, TARGET_NAMES } from './suite.js';

const { values } = parseArgs({
  options: {
    long: { type: 'boolean' },
    target: { type: 'string' },
    seed: { type: 'string' },
    cases: { type: 'string' },
    case: { type: 'string' },
    workers: { type: 'string' },
    'time-limit': { type: 'string' },
    'cpu-limit': { type: 'string' },
    'memory-bound': { type: 'string' },
  },
});

function int(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
  return n;
}

const names = values.target ? values.target.split(',') : [...TARGET_NAMES];
const seed = int('seed', values.seed) ?? (values.long ? Math.floor(Math.random() * 2 ** 31) : CI_SEED);
const cases = int('cases', values.cases) ?? (values.long ? LONG_CASES : CI_CASES);
const only = int('case', values.case);
const workers = int('workers', values.workers);
const timeLimitMs = int('time-limit', values['time-limit']);
const cpuLimitMs = int('cpu-limit', values['cpu-limit']);
const memoryBoundMb = int('memory-bound', values['memory-bound']);
const targets = await loadTargets(names);
const pool = new FuzzPool({
  log: (line) => console.log(line),
  ...(workers ? { workers } : {}),
  ...(timeLimitMs ? { timeLimitMs } : {}),
  ...(cpuLimitMs ? { cpuLimitMs } : {}),
  ...(memoryBoundMb ? { memoryBoundMb } : {}),
});
console.log(`fuzz: ${names.join(', ')}; seed ${seed}; ${only !== undefined ? `case ${only}` : `${cases} cases per target`}`);
const all: TargetCounts[] = [];
try {
  for (const t of targets) {
    const counts = await pool.run(t, { seed, cases, ...(only !== undefined ? { only } : {}) });
    all.push(counts);
    console.log(`${t.name}: ${counts.cases} cases, ${counts.errors} clear errors, ${counts.results} correct results, ${counts.failures.length} failures (${counts.seconds} s)`);
  }
} finally {
  await pool.close();
}
console.log(`\n${formatCounts(all, pool)}`);
process.exitCode = all.some((c) => c.failures.length > 0) ? 1 : 0;

/**
 * The fuzz and bad-input suite as CI runs it: for each target, 1,000 malformed inputs generated from seed 1,
 * each run in a worker process with a time limit and a memory bound, each ending in a clear error or a
 * correct result, with no stray file left behind. Prints the counts per target. A failing case is saved
 * under fuzz-failures/ with the command that replays it; `npm run fuzz -- --long` runs 20,000 per target.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { FuzzPool, formatCounts, type TargetCounts } from './harness.js';
import { CI_CASES, CI_SEED, loadTargets, TARGET_NAMES } from './suite.js';

const pool = new FuzzPool({ log: (line) => console.log(line) });
const counts: TargetCounts[] = [];

after(async () => {
  await pool.close();
  if (counts.length > 0) console.log(`\n${formatCounts(counts, pool)}`);
});

for (const name of TARGET_NAMES) {
  test(`fuzz ${name}: ${CI_CASES} malformed inputs each end in a clear error or a correct result`, async () => {
    const [target] = await loadTargets([name]);
    const c = await pool.run(target!, { seed: CI_SEED, cases: CI_CASES });
    counts.push(c);
    console.log(`${name}: ${c.cases} cases, ${c.errors} clear errors, ${c.results} correct results, ${c.failures.length} failures (${c.seconds} s)`);
    assert.equal(c.errors + c.results + c.failures.length, c.cases);
    const shown = c.failures.slice(0, 5).map((f) => `case ${f.index} (${f.verdict}): ${f.message.slice(0, 300)}\n    input: ${f.how.slice(0, 200)}\n    saved in ${f.saved}`);
    assert.equal(c.failures.length, 0, `${c.failures.length} of ${c.cases} ${name} cases failed:\n  ${shown.join('\n  ')}`);
  });
}

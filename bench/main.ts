/**
 * `npm run bench [-- <suite>…] [--quick] [--json] [--sizes 4096,64K] [--only relu,gelu]`
 *
 * Runs the named suites (all registered suites when none is named) and prints their tables, or one
 * JSON document with --json. Speed is always a ratio measured side by side in the same run.
 */
import { availableParallelism, cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { activationsSuite } from './activations.js';
import { gemmSuite } from './gemm.js';
import { cnnSuite, mlpSuite } from './training.js';
import { memorySuite } from './memory.js';
import { relaxedSuite } from './relaxed.js';
import { rnnSuite } from './rnn.js';
import { parseSize } from './format.js';
import { DEFAULT_TIMING, QUICK_TIMING } from './harness.js';
import type { BenchOptions, Suite, SuiteContext } from './suite.js';

/** Every suite `npm run bench` knows, in the order a full run takes them. */
const SUITES: readonly Suite[] = [activationsSuite, gemmSuite, mlpSuite, cnnSuite, rnnSuite, (await import('./monitors.js')).monitorsSuite, memorySuite, relaxedSuite];

const USAGE = `usage: npm run bench -- [suite …] [--quick] [--json] [--sizes 4096,64K,1M] [--only relu,gelu]
suites: ${SUITES.map((s) => `${s.name} (${s.description})`).join('; ')}`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function parse(argv: string[]): { suites: Suite[]; options: BenchOptions } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        quick: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        sizes: { type: 'string' },
        only: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    fail(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const suites = positionals.map((name) => SUITES.find((s) => s.name === name) ?? fail(`unknown suite "${name}"; valid suites: ${SUITES.map((s) => s.name).join(', ')}`));
  const list = (text: string | undefined): string[] | null =>
    text === undefined ? null : text.split(',').map((t) => t.trim()).filter((t) => t !== '');
  let sizes: number[] | null = null;
  try {
    sizes = list(values.sizes)?.map(parseSize) ?? null;
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
  if (sizes && sizes.length === 0) fail('--sizes needs at least one size, such as --sizes 4096,64K');
  const only = list(values.only);
  if (only && only.length === 0) fail('--only needs at least one name, such as --only relu,gelu');
  return {
    suites: suites.length ? [...new Set(suites)] : [...SUITES],
    options: { quick: values.quick!, json: values.json!, sizes, only },
  };
}

function environment(): Record<string, unknown> {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return {
    rectifier: pkg.version,
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    date: new Date().toISOString(),
  };
}

async function main(): Promise<void> {
  const { suites, options } = parse(process.argv.slice(2));
  const timing = options.quick ? QUICK_TIMING : DEFAULT_TIMING;
  const tty = !options.json && process.stderr.isTTY;
  let progressShown = false;
  const clearProgress = (): void => {
    if (progressShown) process.stderr.write('\r\x1b[K');
    progressShown = false;
  };
  const ctx: SuiteContext = {
    options,
    timing,
    note: (line) => {
      clearProgress();
      (options.json ? process.stderr : process.stdout).write(`${line}\n`);
    },
    progress: (line) => {
      if (!tty) return;
      clearProgress();
      process.stderr.write(line);
      progressShown = line !== '';
    },
  };
  const env = environment();
  if (!options.json) {
    process.stdout.write(`rectifier ${env.rectifier} bench · node ${env.node} · ${env.cpu} · ${env.cores} cores${options.quick ? ' · --quick' : ''}\n`);
  }
  const results: Record<string, unknown> = {};
  for (const suite of suites) {
    try {
      const result = await suite.run(ctx);
      if (options.json) results[suite.name] = result.data;
      else process.stdout.write(`\n${result.text}\n`);
    } catch (e) {
      // A suite's bad argument (an unknown --only id, say) is the user's to fix: say it and stop.
      clearProgress();
      fail(`${suite.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ environment: env, options, timing, suites: results }, null, 2)}\n`);
  }
}

await main();

/**
 * The accuracy runs of the engine, at the presets' defaults, on this machine: prints each run's test
 * accuracy and time, then a table. Usage:
 *   node --conditions=source --import tsx scripts/accuracy.ts [mlp] [cnn] [mnist] [spiral]
 */
import { runTrain, type TrainCommandOptions } from '../src/cli/commands/train.js';
import { formatTable } from '../src/report/index.js';

const RUNS: Record<string, { opts: TrainCommandOptions; target: string; pass: (acc: number) => boolean }> = {
  mlp: { opts: { dataset: 'fashion-mnist', model: 'mlp' }, target: '>= 0.885 in < 5 min', pass: (a) => a >= 0.885 },
  cnn: { opts: { dataset: 'fashion-mnist', model: 'cnn' }, target: '>= 0.915 in < 15 min', pass: (a) => a >= 0.915 },
  mnist: { opts: { dataset: 'mnist', model: 'mlp' }, target: '>= 0.96', pass: (a) => a >= 0.96 },
  spiral: { opts: { dataset: 'spiral', model: 'mlp', activation: 'relu' }, target: '>= 0.98', pass: (a) => a >= 0.98 },
  'spiral-linear': { opts: { dataset: 'spiral', model: 'mlp', activation: 'linear' }, target: 'fails (< 0.98)', pass: (a) => a < 0.98 },
};

const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(RUNS);
const rows: (string | number)[][] = [];
for (const name of names) {
  const run = RUNS[name];
  if (!run) throw new Error(`unknown run "${name}"; runs: ${Object.keys(RUNS).join(', ')}`);
  const { summary, model } = await runTrain({ ...run.opts, json: true });
  model.dispose();
  rows.push([name, summary.dataset, summary.activation, summary.epochs, summary.testAccuracy, summary.seconds, run.target, run.pass(summary.testAccuracy) ? 'yes' : 'NO']);
}
console.log(formatTable(['run', 'dataset', 'activation', 'epochs', 'test accuracy', 'seconds', 'target', 'met'], rows));

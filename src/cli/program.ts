/**
 * The `rectifier` command. Each subcommand lives in commands/; this file only wires them to the parser.
 */
import { Command, Option } from 'commander';
import { printActivations } from './commands/activations.js';
import { runEvaluate, runPredict } from './commands/evaluate.js';
import { runInspect } from './commands/inspect.js';
import { runLabCommand } from './commands/lab.js';
import { EXPERIMENT_IDS } from '../lab/index.js';
import { runReport } from './commands/report.js';
import { MODEL_PRESETS, runTrain } from './commands/train.js';
import { DATASET_NAMES } from './datasets.js';
import { activationIds } from '../activations/index.js';
import { INITIALIZER_IDS } from '../nn/index.js';

const program = new Command();
program
  .name('rectifier')
  .description('The ReLU family, exact and fast, in the networks where they work.')
  .showHelpAfterError();

program
  .command('start')
  .description('the quick lab: every claim about ReLU, measured in under 5 minutes (what `npm start` runs)')
  .option('--out <dir>', 'where results.json and index.html go', 'lab-results')
  .action(async (opts: { out: string }) => {
    await runLabCommand([], { quick: true, out: opts.out });
  });

program
  .command('lab [experiments...]')
  .description(`run the lab's experiments (all, or some of: ${EXPERIMENT_IDS.join(', ')}); writes results.json and index.html`)
  .option('--quick', 'the quick budget (under 5 minutes for all eight on 2 cores)')
  .option('--seeds <n>', 'seeds per configuration (default: per budget)')
  .option('--out <dir>', 'where results.json and index.html go', 'lab-results')
  .option('--json', 'print one JSON summary as the last line of stdout')
  .addOption(new Option('--budget <name>', 'tiny | quick | full').hideHelp())
  .action(async (experiments: string[], opts: { quick?: boolean; seeds?: number; out?: string; json?: boolean; budget?: 'tiny' | 'quick' | 'full' }) => {
    await runLabCommand(experiments, opts);
  });

program
  .command('activations')
  .description('list the activation table: ids, parameters, kink conventions, init, ONNX op')
  .option('--json', 'print JSON instead of a table')
  .action((opts: { json?: boolean }) => printActivations(Boolean(opts.json)));

/** Parses an integer option, naming the option when it is not one. */
const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got "${v}"`);
  return n;
};
const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new Error(`${name} must be a number, got "${v}"`);
  return n;
};

program
  .command('train')
  .description('train a model on a dataset, with a progress bar per epoch and a summary')
  .requiredOption('--dataset <name>', `${DATASET_NAMES.join(' | ')} | <file.csv>`)
  .option('--model <preset>', `${MODEL_PRESETS.join(' | ')} | layer widths like 784-256-256-10`, 'mlp')
  .option('--activation <id>', `one of: ${activationIds().join(', ')}`, 'relu')
  .option('--epochs <n>', 'passes over the training set (default: per preset)', int('--epochs'))
  .option('--batch-size <n>', 'samples per step (default: per preset)', int('--batch-size'))
  .option('--optimizer <name>', 'sgd (Nesterov momentum 0.9) | adam | adamw')
  .option('--lr <rate>', 'initial learning rate, annealed to 0 by a cosine schedule', num('--lr'))
  .option('--init <id>', `auto (follows the activation) | ${INITIALIZER_IDS.join(' | ')}`, 'auto')
  .option('--seed <n>', 'seed for initialisation, shuffling, dropout and rrelu', int('--seed'), 0)
  .option('--samples <n>', 'train on the first n training samples only', int('--samples'))
  .option('--backend <name>', 'js | wasm (default: wasm where it loads)')
  .option('--save <file>', 'save the trained model (.safetensors)')
  .option('--monitor', 'print a per-layer health table (dead units, sparsity, gradient flow) and advice at each epoch end')
  .option('--monitor-jsonl <file>', 'append the per-epoch statistics to this file as JSON lines')
  .option('--json', 'print one JSON summary as the last line of stdout')
  .action(async (opts) => {
    await runTrain(opts);
  });

program
  .command('inspect <model>')
  .description('dead units, sparsity, saturation and distributions of each layer of a saved model on a probe set')
  .requiredOption('--dataset <name>', `${DATASET_NAMES.join(' | ')} | <file.csv>`)
  .option('--samples <n>', 'probe samples', int('--samples'))
  .option('--split <name>', 'train | test', 'test')
  .option('--json', 'print JSON')
  .action(async (model: string, opts: { dataset: string; samples?: number; split?: 'train' | 'test'; json?: boolean }) => {
    await runInspect(model, opts);
  });

program
  .command('evaluate <model>')
  .description('loss and accuracy of a saved model on a dataset\'s test split')
  .requiredOption('--dataset <name>', `${DATASET_NAMES.join(' | ')} | <file.csv>`)
  .option('--json', 'print JSON')
  .action(async (model: string, opts: { dataset: string; json?: boolean }) => {
    await runEvaluate(model, opts);
  });

program
  .command('predict <model>')
  .description('predicted classes of the first test samples of a dataset')
  .requiredOption('--dataset <name>', `${DATASET_NAMES.join(' | ')} | <file.csv>`)
  .option('--samples <n>', 'how many samples', int('--samples'), 10)
  .option('--json', 'print JSON')
  .action(async (model: string, opts: { dataset: string; samples?: number; json?: boolean }) => {
    await runPredict(model, opts);
  });

program
  .command('report <results>')
  .description('render results.json (a file or its folder) to a self-contained index.html, running nothing')
  .option('--out <dir>', 'where to write index.html (default: beside results.json)')
  .option('--json', 'print one JSON line { html, experiments, complete } instead of the summary')
  .action(async (results: string, opts: { out?: string; json?: boolean }) => {
    await runReport(results, opts);
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // A user error (bad file, bad option) is a message, not a stack trace.
  console.error(`rectifier: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}

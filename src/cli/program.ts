/**
 * The `rectifier` command's parser: each subcommand lives in commands/; this file wires them to commander.
 * `runCli(args)` runs one command line in this process and resolves with its exit code, so main.ts (the
 * installed command) and the tests drive the same code.
 */
import { Command, CommanderError, Option } from 'commander';
import { printActivations } from './commands/activations.js';
import { runEvaluate, runPredict } from './commands/evaluate.js';
import { runExport } from './commands/export.js';
import { runInspect } from './commands/inspect.js';
import { runLabCommand } from './commands/lab.js';
import { EXPERIMENT_IDS } from '../lab/index.js';
import { runMerge, runReport } from './commands/report.js';
import { runSweep, runSweepMerge, type Fixed } from './commands/sweep.js';
import { MODEL_PRESETS, runTrain } from './commands/train.js';
import { DATASET_NAMES, REGRESSION_NAMES } from './datasets.js';
import { shortenMessage, shortValue } from './messages.js';
import { activationIds } from '../activations/index.js';
import { INITIALIZER_IDS } from '../nn/index.js';
import { installNodeFileSystem } from '../io/files.js';

// Model files and monitor logs are paths here.
installNodeFileSystem();

/** What `runCli` can be given besides the arguments. */
export interface CliOptions {
  /** Stops a running `lab` as Ctrl-C does (embedders and tests). */
  readonly signal?: AbortSignal;
}

/**
 * A path or name option: a value starting with '-' is almost always the next option taken as this one's
 * value (`--out --json`), so it is refused with a way to say it on purpose.
 */
const path = (name: string) => (v: string) => {
  if (v.startsWith('-')) throw new Error(`${name} needs a path or a name, got ${JSON.stringify(shortValue(v))}, which looks like an option; write ./${shortValue(v)} for a file of that name`);
  return v;
};
/** Parses an integer option, naming the option when it is not one (an empty value is not 0). */
const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got ${JSON.stringify(shortValue(v))}`);
  return n;
};
const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new Error(`${name} must be a number, got ${JSON.stringify(shortValue(v))}`);
  return n;
};

/** A fresh parser for one command line (commander keeps state per parse). */
function buildProgram(options: CliOptions): Command {
  const program = new Command();
  program
    .name('rectifier')
    .description('The ReLU family, exact and fast, in the networks where they work.')
    .showHelpAfterError()
    // `report merge … --out` gives --out to merge, not to report.
    .enablePositionalOptions()
    // Set before the subcommands are added, which copy these settings: errors come back to runCli
    // instead of exiting, and an argument of a megabyte is not echoed whole.
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(shortenMessage(text)) });

  program
    .command('start')
    .description('the quick lab: every claim about ReLU, measured in under 5 minutes (what `npm start` runs)')
    .option('--out <dir>', 'where results.json and index.html go', path('--out'), 'lab-results')
    .action(async (opts: { out: string }) => {
      await runLabCommand([], { quick: true, out: opts.out, ...(options.signal ? { signal: options.signal } : {}) });
    });

  program
    .command('lab [experiments...]')
    .description(`run the lab's experiments (all, or some of: ${EXPERIMENT_IDS.join(', ')}); writes results.json and index.html`)
    .option('--quick', 'the quick budget (under 5 minutes for all of them on 2 cores)')
    .option('--seeds <n>', 'seeds per configuration (default: per budget)')
    .option('--shard <k/n>', 'run only shard k of n of the grid (experiments × configurations × seeds); join shards with `rectifier report merge`')
    .option('--out <dir>', 'where results.json and index.html go', path('--out'), 'lab-results')
    .option('--json', 'print one JSON summary as the last line of stdout')
    .addOption(new Option('--budget <name>', 'tiny | quick | full').hideHelp())
    .action(async (experiments: string[], opts: { quick?: boolean; seeds?: number; shard?: string; out?: string; json?: boolean; budget?: 'tiny' | 'quick' | 'full' }) => {
      await runLabCommand(experiments, { ...opts, ...(options.signal ? { signal: options.signal } : {}) });
    });

  program
    .command('activations')
    .description('list the activation table: ids, parameters, kink conventions, init, ONNX op')
    .option('--json', 'print JSON instead of a table')
    .action((opts: { json?: boolean }) => printActivations(Boolean(opts.json)));

  program
    .command('train')
    .description('train a model on a dataset, with a progress bar per epoch and a summary; Ctrl-C stops after the step in progress and writes a checkpoint')
    .option('--dataset <name>', `${DATASET_NAMES.join(' | ')} | ${REGRESSION_NAMES.join(' | ')} | <file.csv> (required, except with --resume)`, path('--dataset'))
    .option('--model <preset>', `${MODEL_PRESETS.join(' | ')} | layer widths like 784-256-256-10 (default: mlp)`)
    .option('--activation <id>', `one of: ${activationIds().join(', ')} (default: relu)`)
    .option('--epochs <n>', 'passes over the training set (default: per preset)', int('--epochs'))
    .option('--batch-size <n>', 'samples per step (default: per preset)', int('--batch-size'))
    .option('--optimizer <name>', 'sgd (Nesterov momentum 0.9) | adam | adamw')
    .option('--lr <rate>', 'initial learning rate, annealed to 0 by a cosine schedule', num('--lr'))
    .option('--init <id>', `auto (follows the activation) | ${INITIALIZER_IDS.join(' | ')} (rnn/lstm/gru: the recurrent kernel's; identity makes an IRNN) (default: auto)`)
    .option('--seed <n>', 'seed for initialisation, shuffling, dropout and rrelu (default: 0)', int('--seed'))
    .option('--samples <n>', 'train on the first n training samples only', int('--samples'))
    .option('--backend <name>', 'js | wasm (default: wasm where it loads)')
    .option('--save <file>', 'save the trained model (.safetensors)', path('--save'))
    .option('--monitor', 'print a per-layer health table (dead units, sparsity, gradient flow) and advice at each epoch end')
    .option('--monitor-jsonl <file>', 'append the per-epoch statistics to this file as JSON lines', path('--monitor-jsonl'))
    .option('--checkpoint <dir>', 'write checkpoints into this directory (model, optimizer state, position, options), every epoch or as --every says', path('--checkpoint'))
    .option('--every <n>', 'checkpoint every n epochs ("2", "2epochs") or every n steps ("500steps"); default every epoch')
    .option('--resume <dir>', 'continue the run whose checkpoint is in dir, with the options it began with; it ends with the weights of an uninterrupted run', path('--resume'))
    .option('--json', 'print one JSON summary as the last line of stdout')
    .action(async (opts) => {
      // The trained model is not needed once saved and summarised.
      (await runTrain(opts)).model.dispose();
    });

  const collect = (value: string, previous: string[] = []) => [...previous, value];

  const sweep = program
    .command('sweep')
    .description('a grid of `train` runs → one table: every combination of the --grid values, each in its own process (`sweep merge` joins shards)')
    .option('--dataset <name>', `${DATASET_NAMES.join(' | ')} | <file.csv> (required)`, path('--dataset'))
    // Not mandatory options to commander, which would then demand them of `sweep merge` too; runSweep checks them.
    .option('--grid <option=values>', 'an option of train and its values, e.g. activation=relu,gelu or lr=0.01,0.001 (repeat for more options; required)', collect)
    .option('--model <preset>', 'fixed for every run (see train)')
    .option('--activation <id>', 'fixed for every run (see train)')
    .option('--epochs <n>', 'fixed for every run (see train)', int('--epochs'))
    .option('--batch-size <n>', 'fixed for every run (see train)', int('--batch-size'))
    .option('--optimizer <name>', 'fixed for every run (see train)')
    .option('--lr <rate>', 'fixed for every run (see train)', num('--lr'))
    .option('--init <id>', 'fixed for every run (see train)')
    .option('--seed <n>', 'fixed for every run (see train)', int('--seed'))
    .option('--samples <n>', 'fixed for every run (see train)', int('--samples'))
    .option('--backend <name>', 'fixed for every run (see train)')
    .option('--shard <k/n>', 'run only shard k of n of the grid\'s cells; join shards with `rectifier sweep merge`')
    .option('--out <dir>', 'where sweep.json goes', path('--out'), 'sweep-results')
    .option('--json', 'print one JSON line at the end instead of the table')
    .action(async (opts: Record<string, unknown> & { dataset: string; grid: string[]; shard?: string; out: string; json?: boolean }) => {
      const names: Record<string, string> = { model: 'model', activation: 'activation', epochs: 'epochs', batchSize: 'batch-size', optimizer: 'optimizer', lr: 'lr', init: 'init', seed: 'seed', samples: 'samples', backend: 'backend' };
      const fixed: Fixed = {};
      for (const [key, flag] of Object.entries(names)) if (opts[key] !== undefined) fixed[flag] = opts[key] as string | number;
      await runSweep({ dataset: opts.dataset, grid: opts.grid, fixed, ...(opts.shard !== undefined ? { shard: opts.shard } : {}), out: opts.out, ...(opts.json ? { json: true } : {}) });
    });

  sweep
    .command('merge <sweeps...>')
    .description('join the sweep.json files of `rectifier sweep --shard k/n` runs into one table')
    .requiredOption('--out <dir>', 'where the merged sweep.json goes (not a shard\'s folder)', path('--out'))
    .option('--json', 'print one JSON line instead of the table')
    .action(async (files: string[], opts: { out: string; json?: boolean }) => {
      await runSweepMerge(files, opts);
    });

  program
    .command('inspect <model>')
    .description('dead units, sparsity, saturation and distributions of each layer of a saved model on a probe set')
    .requiredOption('--dataset <name>', `${DATASET_NAMES.join(' | ')} | <file.csv>`, path('--dataset'))
    .option('--samples <n>', 'probe samples', int('--samples'))
    .option('--split <name>', 'train | test', 'test')
    .option('--json', 'print JSON')
    .action(async (model: string, opts: { dataset: string; samples?: number; split?: 'train' | 'test'; json?: boolean }) => {
      await runInspect(model, opts);
    });

  program
    .command('evaluate <model>')
    .description('loss and accuracy of a saved model on a dataset\'s test split')
    .requiredOption('--dataset <name>', `${DATASET_NAMES.join(' | ')} | <file.csv>`, path('--dataset'))
    .option('--json', 'print JSON')
    .action(async (model: string, opts: { dataset: string; json?: boolean }) => {
      await runEvaluate(model, opts);
    });

  program
    .command('predict <model>')
    .description('predicted classes of the first test samples of a dataset')
    .requiredOption('--dataset <name>', `${DATASET_NAMES.join(' | ')} | <file.csv>`, path('--dataset'))
    .option('--samples <n>', 'how many samples', int('--samples'), 10)
    .option('--json', 'print JSON')
    .action(async (model: string, opts: { dataset: string; samples?: number; json?: boolean }) => {
      await runPredict(model, opts);
    });

  program
    .command('export <model>')
    .description('write a model (saved by model.save, or an .onnx file) as ONNX, as a PyTorch state_dict, or as our .safetensors')
    .option('--onnx <file>', 'write an ONNX model', path('--onnx'))
    .option('--opset <n>', 'ONNX opset to write (13 to 21, default 17)', int('--opset'))
    .option('--nchw', "the ONNX model takes channels-first images (PyTorch's layout; default channels-last, as predict)")
    .option('--pytorch <file>', 'write the state_dict of the equivalent torch.nn.Sequential (.safetensors)', path('--pytorch'))
    .option('--safetensors <file>', 'write the model as model.save does (architecture and weights)', path('--safetensors'))
    .option('--drop-final-softmax', 'when reading an ONNX classifier that ends in Softmax, keep the logits')
    .option('--json', 'print JSON')
    .action(async (model: string, opts) => {
      await runExport(model, opts);
    });

  const report = program
    .command('report')
    .description('render results.json (a file or its folder) to a self-contained index.html, running nothing; `report merge` joins shards')
    .argument('<results>', 'results.json, or the folder holding it')
    .option('--out <dir>', 'where to write index.html (default: beside results.json)', path('--out'))
    .option('--json', 'print one JSON line { html, experiments, complete } instead of the summary')
    .action(async (results: string, opts: { out?: string; json?: boolean }) => {
      await runReport(results, opts);
    });

  report
    .command('merge <results...>')
    .description('join the results of `rectifier lab --shard k/n` runs into one results.json and index.html')
    .requiredOption('--out <dir>', 'where the merged results.json and index.html go (not a shard\'s folder)', path('--out'))
    .option('--json', 'print one JSON line { results, html, experiments, complete, shards } instead of the summary')
    .action(async (results: string[], opts: { out: string; json?: boolean }) => {
      await runMerge(results, opts);
    });

  // commander's own `help <name>` prints the general help and fails without saying why when the name is
  // not a command; this one says so.
  program.helpCommand(false);
  program
    .command('help [command]')
    .description('show the help of a command')
    .action((name?: string) => {
      if (name === undefined) return program.outputHelp();
      const command = program.commands.find((c) => c.name() === name && c.name() !== 'help');
      if (!command) {
        throw new Error(`help: unknown command ${JSON.stringify(name)}; the commands are ${program.commands.map((c) => c.name()).filter((n) => n !== 'help').join(', ')}`);
      }
      command.outputHelp();
    });

  return program;
}

/**
 * Runs one command line (the arguments after `rectifier`) and resolves with the exit code: 0, 1 for a user
 * error (printed as one `rectifier: …` line on stderr, never a stack trace), commander's code for a parse
 * error, or what the command set (130 for an interrupted lab).
 */
export async function runCli(args: readonly string[], options: CliOptions = {}): Promise<number> {
  const program = buildProgram(options);
  const previous = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync([...args], { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (e) {
    // commander has already printed its own message (unknown option, missing argument, --help).
    if (e instanceof CommanderError) return e.exitCode;
    // A user error (bad file, bad option) is a message, not a stack trace.
    console.error(`rectifier: ${shortenMessage(e instanceof Error ? e.message : String(e))}`);
    return 1;
  } finally {
    process.exitCode = previous;
  }
}

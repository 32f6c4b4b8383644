/**
 * The `rectifier` command. Each subcommand lives in commands/; this file only wires them to the parser.
 */
import { Command } from 'commander';
import { printActivations } from './commands/activations.js';
import { runReport } from './commands/report.js';
import { runStart } from './commands/start.js';

const program = new Command();
program
  .name('rectifier')
  .description('The ReLU family, exact and fast, in the networks where they work.')
  .showHelpAfterError();

program
  .command('start')
  .description('the activation table and a short benchmark (what `npm start` runs)')
  .action(() => runStart());

program
  .command('activations')
  .description('list the activation table: ids, parameters, kink conventions, init, ONNX op')
  .option('--json', 'print JSON instead of a table')
  .action((opts: { json?: boolean }) => printActivations(Boolean(opts.json)));

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

/**
 * The `rectifier` command. Each subcommand lives in commands/; this file only wires them to the parser.
 */
import { Command } from 'commander';
import { printActivations } from './commands/activations.js';
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

await program.parseAsync(process.argv);

/** The `rectifier` command: runs the command line it was given and exits with its code. */
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2));

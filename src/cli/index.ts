/** cli/ — the `rectifier` command (main.ts) and its subcommands (commands/). */
export { activationRows } from './commands/activations.js';

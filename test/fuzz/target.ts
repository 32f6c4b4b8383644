/**
 * What a fuzz target is, and how an outcome is judged. A target generates malformed inputs (in the parent,
 * which saves them when a case fails) and runs one input (in a worker process the parent can kill). A run
 * either returns — and the target has then checked that the result is correct — or throws, and the error
 * must be one of ours: a message with context, not an engine error such as "Cannot read properties of
 * undefined".
 */
import type { Rng } from 'rectifier';

/** One generated input: files written into the case's folder before the run, and arguments. */
export interface FuzzCase {
  /** File name (relative to the case folder) → contents. */
  readonly files: Record<string, Uint8Array | string>;
  /** Anything structured-cloneable the run needs (which API to call, options, a command line). */
  readonly args: unknown;
  /** What was done to the valid input, for the report of a failure. */
  readonly how: string;
  /** Named pipes to create in the case folder (where mkfifo exists; on other systems the case is skipped). */
  readonly fifos?: readonly string[];
  /** Files a run may leave even when it ends in an error: complete files written before it (a log). */
  readonly mayLeave?: readonly string[];
}

/** What a correct run returns: the files it was expected to create (relative to the case folder). */
export interface RunResult {
  readonly outputs?: readonly string[];
}

/** Thrown by a target's run when the code under test returned, but returned something wrong. */
export class WrongResult extends Error {
  override name = 'WrongResult';
}

/** Thrown by a target's run for a clear error that was printed rather than thrown (a CLI's stderr). */
export class ReportedError extends Error {
  override name = 'ReportedError';
}

export interface FuzzTarget<Corpus = unknown> {
  readonly name: string;
  /** Builds the valid inputs the cases damage (once, in the parent; `dir` is a scratch folder). */
  corpus(dir: string): Promise<Corpus>;
  /** The malformed input for one case. */
  generate(rng: Rng, corpus: Corpus): FuzzCase;
  /** Runs one case in the worker, with the case folder as the working directory. */
  run(args: unknown, dir: string): Promise<RunResult>;
  /** Whether an error message carries the context a user needs (the file, the function or the option). */
  hasContext(message: string, args: unknown): boolean;
}

// Engine and runtime messages that reach a user only when our own checks missed something.
const RAW_ERRORS: readonly RegExp[] = [
  /^Cannot read propert/,
  /^Cannot set propert/,
  /^Cannot destructure/,
  /^Cannot convert /,
  /^Cannot create property/,
  /^Cannot mix BigInt/,
  /is not a function/,
  /is not iterable/,
  /is not a constructor/,
  /is not defined$/,
  /^Invalid array length/,
  /^Invalid typed array length/,
  /^Invalid string length/,
  /^Array buffer allocation failed/,
  /^Maximum call stack size exceeded/,
  /^Unexpected token/,
  /^Unexpected end of JSON/,
  /^Unexpected non-whitespace character/,
  /^Expected property name/,
  /^Expected ',' or/,
  /^Bad control character/,
  /^Start offset -?\d+ is outside the bounds/,
  /^Offset is outside the bounds/,
  /^The value of "[^"]+" is out of range/,
  /^The "[^"]+" argument must be/,
  /^E[A-Z]+: [a-z ]+, [a-z]+ '/, // a bare fs error: "ENOENT: no such file or directory, open 'x'"
  /^WebAssembly\./,
  /^memory access out of bounds/,
  /^unreachable/,
  /^\[object /,
  /^undefined$/,
  /^null$/,
];

/** Longer messages than this are a dump, not an explanation (a megabyte input echoed back). */
export const MAX_MESSAGE_LENGTH = 4000;

/** Why an error message is not acceptable, or null when it is clear. */
export function unclearBecause(message: string, hasContext: boolean): string | null {
  if (message.trim() === '') return 'the error has no message';
  const body = message.replace(/^rectifier: /, '');
  const raw = RAW_ERRORS.find((re) => re.test(body));
  if (raw) return `raw engine error (${raw.source})`;
  if (/\n\s+at .+:\d+:\d+\)?$/m.test(message)) return 'the message holds a stack trace';
  if (message.length > MAX_MESSAGE_LENGTH) return `the message is ${message.length} characters long`;
  if (/\.[^/\s]+\.\d+\.[0-9a-z]+\.tmp\b/.test(message)) return 'the message names a hidden temporary file instead of the target';
  if (!hasContext) return 'the message does not say which input, function or option it is about';
  return null;
}

/** Verdicts of one case; the first two are the acceptable ones. */
export type Verdict = 'error' | 'result' | 'unclear' | 'wrong' | 'crash' | 'hang' | 'memory' | 'leftover' | 'leak';
export const FAILURES: readonly Verdict[] = ['unclear', 'wrong', 'crash', 'hang', 'memory', 'leftover', 'leak'];

/** What a benchmark suite is and what it is given: the parsed flags, timing settings and a way to talk. */
import type { TimingOptions } from './harness.js';

export interface BenchOptions {
  /** Fewer rounds, shorter blocks, and suites may skip their slowest contenders (stated in their notes). */
  readonly quick: boolean;
  /** One JSON document on stdout instead of tables. */
  readonly json: boolean;
  /** --sizes: problem sizes overriding a suite's defaults (element counts for elementwise suites). */
  readonly sizes: readonly number[] | null;
  /** --only: names a suite restricts itself to (activation ids for the activations suite). */
  readonly only: readonly string[] | null;
}

export interface SuiteContext {
  readonly options: BenchOptions;
  readonly timing: TimingOptions;
  /** A line the reader must see as it happens (a backend that did not load): stdout, or stderr under --json. */
  note(line: string): void;
  /** Transient progress, on a terminal only. */
  progress(line: string): void;
}

export interface SuiteResult {
  /** Tables and notes for the terminal. */
  readonly text: string;
  /** The same results as plain data for --json. */
  readonly data: unknown;
}

export interface Suite {
  readonly name: string;
  readonly description: string;
  run(ctx: SuiteContext): Promise<SuiteResult>;
}

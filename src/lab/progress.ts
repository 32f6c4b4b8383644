/**
 * Progress of a lab run on stderr: which experiment, which unit of it, elapsed time and ETAs, so stdout
 * stays clean for the summary (or the one JSON line of `--json`). On a terminal the line is redrawn in
 * place; elsewhere (CI logs, pipes) a line is printed at most every few seconds.
 */
import type { ProgressReporter } from './types.js';

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** How often a non-terminal stream gets a line. */
const PLAIN_INTERVAL_MS = 5000;
/** How often a terminal line is redrawn. */
const TTY_INTERVAL_MS = 100;

/** "1:05", "12:00", "1:02:03". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}

/** The plan of a run: each experiment's id and the time its budget is expected to take. */
export interface ProgressPlan {
  readonly experiments: ReadonlyArray<{ readonly id: string; readonly expectedSeconds: number }>;
}

/**
 * Tracks the whole run. The lab's ETA is the current experiment's remaining time plus the expected times
 * of those still to come, scaled by how the finished ones compared with their own expectations (a slower
 * machine is slower for all of them).
 */
export class LabProgress {
  private readonly stream: ProgressStream | null;
  private readonly plan: ProgressPlan;
  private index = -1;
  private started = 0;
  private experimentStarted = 0;
  private total = 0;
  private done = 0;
  private label = '';
  private lastDraw = 0;
  private drawn = false;
  private spentOnFinished = 0;
  private expectedOfFinished = 0;

  constructor(stream: ProgressStream | null, plan: ProgressPlan) {
    this.stream = stream;
    this.plan = plan;
    this.started = performance.now();
  }

  /** Starts the next experiment and returns the reporter it receives. */
  begin(id: string): ProgressReporter {
    this.index = this.plan.experiments.findIndex((e) => e.id === id);
    this.experimentStarted = performance.now();
    this.total = 0;
    this.done = 0;
    this.label = 'starting';
    this.draw(true);
    return {
      setTotal: (units) => {
        if (!Number.isFinite(units) || units < 0) throw new RangeError(`progress.setTotal: units must be a number ≥ 0, got ${units}`);
        this.total = units;
        this.draw(false);
      },
      advance: (label, units = 1) => {
        this.done += units;
        if (label !== undefined) this.label = label;
        this.draw(false);
      },
      status: (label) => {
        this.label = label;
        this.draw(false);
      },
    };
  }

  /** Ends the current experiment; prints its line for good. */
  end(outcome: string): void {
    const spent = (performance.now() - this.experimentStarted) / 1000;
    const expected = this.plan.experiments[this.index]?.expectedSeconds ?? 0;
    if (expected > 0) {
      this.spentOnFinished += spent;
      this.expectedOfFinished += expected;
    }
    this.clear();
    const id = this.plan.experiments[this.index]?.id ?? '?';
    this.stream?.write(`${this.prefix()} ${id}: ${outcome} in ${formatDuration(spent)}\n`);
  }

  /** A line of its own (warnings, "stopping…"), keeping the progress line below it. */
  message(text: string): void {
    this.clear();
    this.stream?.write(`${text}\n`);
    this.draw(true);
  }

  /** Removes the progress line at the end of the run. */
  finish(): void {
    this.clear();
  }

  private prefix(): string {
    return `[${this.index + 1}/${this.plan.experiments.length}]`;
  }

  /** Seconds the current experiment still needs, from its own pace or else its expectation. */
  private experimentRemaining(): number {
    const elapsed = (performance.now() - this.experimentStarted) / 1000;
    if (this.total > 0 && this.done > 0) return (elapsed / this.done) * Math.max(0, this.total - this.done);
    const expected = this.plan.experiments[this.index]?.expectedSeconds ?? 0;
    return Math.max(0, expected * this.pace() - elapsed);
  }

  /** Measured over expected time of the finished experiments (1 before any finished). */
  private pace(): number {
    return this.expectedOfFinished > 0 ? this.spentOnFinished / this.expectedOfFinished : 1;
  }

  private labRemaining(): number {
    const rest = this.plan.experiments.slice(this.index + 1).reduce((s, e) => s + e.expectedSeconds, 0);
    return this.experimentRemaining() + rest * this.pace();
  }

  private line(): string {
    const id = this.plan.experiments[this.index]?.id ?? '?';
    const elapsed = (performance.now() - this.experimentStarted) / 1000;
    const units = this.total > 0 ? ` ${Math.min(this.done, this.total)}/${this.total}` : '';
    const parts = [`${this.prefix()} ${id}${units}`, this.label, `${formatDuration(elapsed)} elapsed`, `ETA ${formatDuration(this.experimentRemaining())}`];
    if (this.plan.experiments.length > 1) parts.push(`lab ETA ${formatDuration(this.labRemaining())}`);
    return parts.filter(Boolean).join(' · ');
  }

  private draw(force: boolean): void {
    if (!this.stream || this.index < 0) return;
    const now = performance.now();
    const tty = this.stream.isTTY === true;
    if (!force && now - this.lastDraw < (tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS)) return;
    this.lastDraw = now;
    if (tty) {
      const width = Math.max(20, (this.stream.columns ?? 100) - 1);
      const text = this.line();
      this.stream.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
      this.drawn = true;
    } else {
      this.stream.write(`${this.line()}\n`);
    }
  }

  private clear(): void {
    if (this.drawn && this.stream?.isTTY) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}

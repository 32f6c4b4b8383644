/**
 * Kernel threads that run kernel calls the calling thread hands them, synchronously, on the same shared
 * WebAssembly memory (workers.ts starts them: worker_threads in Node, Web Workers in a browser).
 *
 * A call is split by the caller into tasks, one per thread, each an export name and its numeric
 * arguments (pointers into the shared memory, sizes, parameters): a task is a whole kernel call on a
 * block of the output, so a worker needs no code of its own beyond "call this export". Task 0 runs on
 * the calling thread; the others are written to per-worker slots of the control block (protocol.ts)
 * and signalled with Atomics.notify. The caller then waits until every worker has written its done
 * counter: with Atomics.wait where the thread may block (Node, any worker), spinning on a browser's
 * main thread, where Atomics.wait is not allowed.
 *
 * Workers spin for a short while after a task before they block, because training issues kernel calls
 * back to back and a wake-up from Atomics.wait costs tens of microseconds. A task is claimed with a
 * compare-and-swap, and the caller, once its own share is done, takes back any task no worker has
 * claimed yet: on a machine whose other cores are busy, a sleeping worker then costs nothing but the
 * split itself, rather than the wait for the scheduler to run it. Workers start on first use; until one
 * has instantiated the module (it says so in its slot), its task runs on the calling thread instead,
 * which gives the same result bits.
 */
import type { WasmMemory, WasmModule } from './engine.js';
import { mayBlock } from './host.js';
import { ARGS_WORD, MAX_ARGS, SLOT, SLOT_WORDS, SPIN } from './protocol.js';
import { startWorker } from './workers.js';

/** One kernel call: the export to run and its arguments. */
export interface Task {
  readonly fn: string;
  readonly args: readonly number[];
}

export class ThreadPool {
  private readonly words: Int32Array;
  private readonly args: Float64Array[];
  private readonly fnIndex: Map<string, number>;
  private readonly seq: number[];
  private started = false;
  private readyCount = 0;
  private readonly waiting: Array<() => void> = [];
  /** Whether this thread may block in Atomics.wait (else it spins). */
  private readonly blocks = mayBlock();
  /** Set when a worker failed to start or a task trapped; the pool then stays single-threaded. */
  broken: string | null = null;

  constructor(
    private readonly module: WasmModule,
    private readonly memory: WasmMemory,
    /** Byte offset of the control block: CONTROL_BYTES_PER_WORKER per worker. */
    private readonly control: number,
    /** Workers (threads besides the caller). */
    readonly workers: number,
    private readonly names: readonly string[],
  ) {
    this.words = new Int32Array(memory.buffer, control, SLOT_WORDS * workers);
    this.args = Array.from({ length: workers }, (_, w) => new Float64Array(memory.buffer, control + w * SLOT_WORDS * 4 + ARGS_WORD * 4, MAX_ARGS));
    this.fnIndex = new Map(names.map((n, i) => [n, i]));
    this.seq = new Array<number>(workers).fill(0);
  }

  /** Starts the workers (once); they become ready asynchronously. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (let w = 0; w < this.workers; w++) {
      startWorker(
        { module: this.module, memory: this.memory, slot: this.control + w * SLOT_WORDS * 4, names: this.names },
        () => {
          this.readyCount++;
          this.settle();
        },
        (message) => {
          this.broken = `a kernel thread failed: ${message}`;
          this.settle();
        },
      );
    }
  }

  /**
   * Resolves once the first `workers` workers have started (or one failed: the pool then runs every
   * task on the calling thread, with the same results).
   */
  whenReady(workers = this.workers): Promise<void> {
    this.start();
    const done = (): boolean => this.broken !== null || this.readyCount >= Math.min(workers, this.workers);
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (done()) resolve();
        else this.waiting.push(check);
      };
      check();
    });
  }

  private settle(): void {
    const waiting = this.waiting.splice(0);
    for (const check of waiting) check();
  }

  /** How many workers can take a task now. */
  readyWorkers(): number {
    let n = 0;
    for (let w = 0; w < this.workers; w++) if (this.ready(w)) n++;
    return n;
  }

  /** Workers that have instantiated the module and can take a task now. */
  private ready(w: number): boolean {
    return Atomics.load(this.words, w * SLOT_WORDS + SLOT.READY) === 1;
  }

  /**
   * Runs the tasks, task 0 on the calling thread through `local`, the others on workers (or here, for a
   * worker not yet ready), and returns when all are done.
   */
  run(tasks: readonly Task[], local: (task: Task) => void): void {
    if (!this.started) this.start();
    const posted: number[] = [];
    const inline: Task[] = [];
    for (let t = 1; t < tasks.length; t++) {
      const w = t - 1;
      const task = tasks[t]!;
      if (w >= this.workers || this.broken !== null || !this.ready(w)) {
        inline.push(task);
        continue;
      }
      const fn = this.fnIndex.get(task.fn);
      if (fn === undefined || task.args.length > MAX_ARGS) throw new Error(`thread pool: cannot post ${task.fn} with ${task.args.length} arguments`);
      const base = w * SLOT_WORDS;
      this.words[base + SLOT.FN] = fn;
      this.words[base + SLOT.ARGC] = task.args.length;
      this.args[w]!.set(task.args);
      const seq = ++this.seq[w]!;
      Atomics.store(this.words, base + SLOT.SEQ, seq);
      Atomics.notify(this.words, base + SLOT.SEQ);
      posted.push(w);
    }
    if (tasks.length > 0) local(tasks[0]!);
    for (const task of inline) local(task);
    for (const w of posted) {
      const base = w * SLOT_WORDS;
      const seq = this.seq[w]!;
      if (Atomics.compareExchange(this.words, base + SLOT.CLAIM, seq - 1, seq) === seq - 1) {
        local(tasks[w + 1]!);
        continue;
      }
      let done = Atomics.load(this.words, base + SLOT.DONE);
      for (let i = 0; done !== seq && i < SPIN; i++) done = Atomics.load(this.words, base + SLOT.DONE);
      while (done !== seq) {
        if (this.blocks) Atomics.wait(this.words, base + SLOT.DONE, done, 1000);
        done = Atomics.load(this.words, base + SLOT.DONE);
      }
      if (Atomics.load(this.words, base + SLOT.FAILED) !== 0) {
        this.broken = `kernel thread ${w + 1} trapped in ${tasks[w + 1]!.fn}`;
        throw new Error(`wasm backend: ${this.broken}`);
      }
    }
  }
}

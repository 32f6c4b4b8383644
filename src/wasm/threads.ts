/**
 * Threads for the wasm kernels: worker_threads that instantiate the same module on the same shared
 * WebAssembly memory and run kernel calls the main thread hands them, synchronously.
 *
 * A call is split by the caller into tasks, one per thread, each an export name and its numeric
 * arguments (pointers into the shared memory, sizes, parameters): a task is a whole kernel call on a
 * block of the output, so a worker needs no code of its own beyond "call this export". Task 0 runs on
 * the calling thread; the others are written to per-worker slots of a control block in the shared
 * memory and signalled with Atomics.notify. The caller then waits with Atomics.wait (allowed on Node's
 * main thread, unlike a browser's) until every worker has written its done counter.
 *
 * Workers spin for a short while after a task before they block, because training issues kernel calls
 * back to back and a wake-up from Atomics.wait costs tens of microseconds. A task is claimed with a
 * compare-and-swap, and the caller, once its own share is done, takes back any task no worker has
 * claimed yet: on a machine whose other cores are busy, a sleeping worker then costs nothing but the
 * split itself, rather than the wait for the scheduler to run it. They are started on first use
 * and unref'd, so they never keep a process alive; until a worker has instantiated the module (it says so
 * in its slot), its task runs on the calling thread instead, which gives the same result bits.
 */
import type { WasmMemory, WasmModule } from './engine.js';

/** One kernel call: the export to run and its arguments. */
export interface Task {
  readonly fn: string;
  readonly args: readonly number[];
}

/** i32 words per worker slot; the first few are counters and flags, then float64 arguments. */
const SLOT_WORDS = 64;
const SEQ = 0;
const DONE = 1;
const FN = 2;
const ARGC = 3;
const READY = 4;
const FAILED = 5;
/** The last task sequence number claimed, by the worker or by the caller taking it back. */
const CLAIM = 6;
/** Float64 arguments start at this i32 word (8-byte aligned). */
const ARGS_WORD = 8;
export const MAX_ARGS = (SLOT_WORDS - ARGS_WORD) / 2;
export const CONTROL_BYTES_PER_WORKER = SLOT_WORDS * 4;

/**
 * Spin iterations before blocking (a few microseconds). Longer spins win on an idle machine and lose
 * badly on a busy one, where the spinning worker takes the core the caller needs (measured on a shared
 * 2-core host: 200,000 iterations cost two fifths of the MLP's two-thread training speed against 2,000;
 * 20,000 was within the noise of 2,000).
 */
const SPIN = 2000;

// The worker, as CommonJS source run with eval: it needs nothing but the module and the memory.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, slot, names } = workerData;
const words = new Int32Array(memory.buffer, slot, ${SLOT_WORDS});
const args = new Float64Array(memory.buffer, slot + ${ARGS_WORD * 4}, ${MAX_ARGS});
let fns;
try {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  fns = names.map((n) => instance.exports[n]);
  Atomics.store(words, ${READY}, 1);
} catch (e) {
  Atomics.store(words, ${READY}, -1);
  throw e;
}
let seen = 0;
const call = [];
for (;;) {
  let seq = Atomics.load(words, ${SEQ});
  for (let i = 0; seq === seen && i < ${SPIN}; i++) seq = Atomics.load(words, ${SEQ});
  while (seq === seen) {
    Atomics.wait(words, ${SEQ}, seen);
    seq = Atomics.load(words, ${SEQ});
  }
  const claimed = Atomics.compareExchange(words, ${CLAIM}, seq - 1, seq) === seq - 1;
  seen = seq;
  // The caller took the task back (this worker was slow to wake): it runs it, and says nothing here.
  if (!claimed) continue;
  const argc = words[${ARGC}];
  call.length = argc;
  for (let i = 0; i < argc; i++) call[i] = args[i];
  try {
    fns[words[${FN}]](...call);
  } catch (e) {
    Atomics.store(words, ${FAILED}, 1);
  }
  Atomics.store(words, ${DONE}, seen);
  Atomics.notify(words, ${DONE});
}
`;

interface NodeWorker {
  unref(): void;
  on(event: string, listener: (e: unknown) => void): void;
}

interface WorkerThreads {
  Worker: new (source: string, options: { eval: true; workerData: unknown; execArgv: string[] }) => NodeWorker;
}

function workerThreads(): WorkerThreads | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return (proc?.getBuiltinModule?.('node:worker_threads') as WorkerThreads | undefined) ?? null;
}

/** Whether this environment can run kernel threads at all (Node with worker_threads). */
export function threadsSupported(): boolean {
  return workerThreads() !== null;
}

export class ThreadPool {
  private readonly words: Int32Array;
  private readonly args: Float64Array[];
  private readonly fnIndex: Map<string, number>;
  private readonly seq: number[];
  private started = false;
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
    const wt = workerThreads();
    if (!wt) {
      this.broken = 'worker_threads is not available';
      return;
    }
    for (let w = 0; w < this.workers; w++) {
      const worker = new wt.Worker(WORKER_SOURCE, {
        eval: true,
        // The worker is plain JavaScript: no loader hooks (tsx …) to start, which would delay it.
        execArgv: [],
        workerData: { module: this.module, memory: this.memory, slot: this.control + w * SLOT_WORDS * 4, names: this.names },
      });
      worker.on('error', (e) => {
        this.broken = `a kernel thread failed: ${e instanceof Error ? e.message : String(e)}`;
      });
      worker.unref();
    }
  }

  /** How many workers can take a task now. */
  readyWorkers(): number {
    let n = 0;
    for (let w = 0; w < this.workers; w++) if (this.ready(w)) n++;
    return n;
  }

  /** Workers that have instantiated the module and can take a task now. */
  private ready(w: number): boolean {
    return Atomics.load(this.words, w * SLOT_WORDS + READY) === 1;
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
      this.words[base + FN] = fn;
      this.words[base + ARGC] = task.args.length;
      this.args[w]!.set(task.args);
      const seq = ++this.seq[w]!;
      Atomics.store(this.words, base + SEQ, seq);
      Atomics.notify(this.words, base + SEQ);
      posted.push(w);
    }
    if (tasks.length > 0) local(tasks[0]!);
    for (const task of inline) local(task);
    for (const w of posted) {
      const base = w * SLOT_WORDS;
      const seq = this.seq[w]!;
      if (Atomics.compareExchange(this.words, base + CLAIM, seq - 1, seq) === seq - 1) {
        local(tasks[w + 1]!);
        continue;
      }
      let done = Atomics.load(this.words, base + DONE);
      for (let i = 0; done !== seq && i < SPIN; i++) done = Atomics.load(this.words, base + DONE);
      while (done !== seq) {
        Atomics.wait(this.words, base + DONE, done, 1000);
        done = Atomics.load(this.words, base + DONE);
      }
      if (Atomics.load(this.words, base + FAILED) !== 0) {
        this.broken = `kernel thread ${w + 1} trapped in ${tasks[w + 1]!.fn}`;
        throw new Error(`wasm backend: ${this.broken}`);
      }
    }
  }
}

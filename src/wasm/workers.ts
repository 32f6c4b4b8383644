/**
 * Starting a kernel thread: a Node worker_threads Worker, or in a browser a Web Worker (which exists
 * only where the page is cross-origin isolated, see host.ts). Either way the thread runs the same small
 * loop, given as source text so that no bundler has to find, copy or bundle a worker file: it
 * instantiates the module on the shared memory, says it is ready, then serves the tasks the calling
 * thread writes into its slot of the control block (the protocol is pool.ts's).
 */
import type { WasmMemory, WasmModule } from './engine.js';
import { nodeBuiltin, webWorkerConstructor } from './host.js';
import { ARGS_WORD, MAX_ARGS, SLOT, SLOT_WORDS, SPIN } from './protocol.js';

/** What a kernel thread needs: the module, the memory, its slot (byte offset), the export names by index. */
export interface WorkerInit {
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  readonly slot: number;
  readonly names: readonly string[];
}

// The loop both kinds of worker run. Atomics.wait is allowed in any worker.
const SERVE = `
function serve({ module, memory, slot, names }, ready) {
  const words = new Int32Array(memory.buffer, slot, ${SLOT_WORDS});
  const args = new Float64Array(memory.buffer, slot + ${ARGS_WORD * 4}, ${MAX_ARGS});
  let fns;
  try {
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    fns = names.map((n) => instance.exports[n]);
    Atomics.store(words, ${SLOT.READY}, 1);
  } catch (e) {
    Atomics.store(words, ${SLOT.READY}, -1);
    throw e;
  }
  ready();
  let seen = 0;
  const call = [];
  for (;;) {
    let seq = Atomics.load(words, ${SLOT.SEQ});
    for (let i = 0; seq === seen && i < ${SPIN}; i++) seq = Atomics.load(words, ${SLOT.SEQ});
    while (seq === seen) {
      Atomics.wait(words, ${SLOT.SEQ}, seen);
      seq = Atomics.load(words, ${SLOT.SEQ});
    }
    const claimed = Atomics.compareExchange(words, ${SLOT.CLAIM}, seq - 1, seq) === seq - 1;
    seen = seq;
    // The caller took the task back (this worker was slow to wake): it runs it, and says nothing here.
    if (!claimed) continue;
    const argc = words[${SLOT.ARGC}];
    call.length = argc;
    for (let i = 0; i < argc; i++) call[i] = args[i];
    try {
      fns[words[${SLOT.FN}]](...call);
    } catch (e) {
      Atomics.store(words, ${SLOT.FAILED}, 1);
    }
    Atomics.store(words, ${SLOT.DONE}, seen);
    Atomics.notify(words, ${SLOT.DONE});
  }
}
`;

// Node: CommonJS run with eval, given its slot as workerData.
const NODE_SOURCE = `${SERVE}
const { workerData, parentPort } = require('node:worker_threads');
serve(workerData, () => parentPort.postMessage('ready'));
`;

// Browser: a classic worker from a Blob URL, given its slot in its first message.
const WEB_SOURCE = `${SERVE}
self.onmessage = (event) => {
  self.onmessage = null;
  serve(event.data, () => self.postMessage('ready'));
};
`;

interface NodeWorker {
  unref(): void;
  on(event: string, listener: (e: unknown) => void): void;
}

interface WorkerThreads {
  Worker: new (source: string, options: { eval: true; workerData: unknown; execArgv: string[]; name?: string }) => NodeWorker;
}

interface BlobUrlApi {
  createObjectURL(blob: unknown): string;
  revokeObjectURL(url: string): void;
}

let webSourceUrl: string | null = null;

/**
 * Starts one kernel thread. `onReady` is called once it has instantiated the module; `onError` if it
 * fails to start or dies. Node workers are unref'd once ready, so they never keep a process alive.
 */
export function startWorker(init: WorkerInit, onReady: () => void, onError: (message: string) => void): void {
  const threads = nodeBuiltin<WorkerThreads>('node:worker_threads');
  if (threads) {
    const worker = new threads.Worker(NODE_SOURCE, {
      eval: true,
      // The worker is plain JavaScript: no loader hooks (tsx …) to start, which would delay it.
      execArgv: [],
      workerData: init,
    });
    // Kept referenced until it is ready, so that a process awaiting ready() stays alive for it; then
    // unref'd, so that kernel threads never keep a process alive.
    worker.on('message', () => {
      worker.unref();
      onReady();
    });
    worker.on('error', (e) => {
      worker.unref();
      onError(e instanceof Error ? e.message : String(e));
    });
    return;
  }
  const Worker = webWorkerConstructor();
  const Blob = (globalThis as { Blob?: new (parts: string[], options: { type: string }) => unknown }).Blob;
  const urls = (globalThis as { URL?: BlobUrlApi }).URL;
  if (!Worker || !Blob || !urls?.createObjectURL) {
    onError('this context cannot start workers');
    return;
  }
  webSourceUrl ??= urls.createObjectURL(new Blob([WEB_SOURCE], { type: 'text/javascript' }));
  const worker = new Worker(webSourceUrl, { name: `rectifier kernels ${init.slot}` });
  worker.addEventListener('message', () => onReady());
  worker.addEventListener('error', (e) => onError(e.message ?? 'a kernel worker failed to start'));
  worker.postMessage(init);
}

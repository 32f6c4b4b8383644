/**
 * A fuzz worker: a child process that runs cases sent by the harness, one at a time, and answers with a
 * verdict. It lives in its own process so that the harness can kill it on a hang or a crash and start
 * another. A watchdog thread samples the process's resident memory and CPU time every few milliseconds
 * (a thread keeps sampling while the main thread is stuck in a loop or a large allocation): past the
 * memory bound, or past the CPU time a case may use, it writes what it saw to a marker file and kills the
 * process, which the harness reports as a memory failure or a hang. CPU time, unlike the clock, does not
 * grow when other work shares the machine; the harness's own clock limit catches a case that waits.
 */
import { Worker } from 'node:worker_threads';
import { memory } from 'rectifier';
import { resetCapture, startCapture } from './capture.js';
import { ReportedError, type FuzzTarget, unclearBecause, WrongResult, type Verdict } from './target.js';

export interface WorkerInit {
  readonly type: 'init';
  readonly boundBytes: number;
  /** CPU time a case may use, in milliseconds. */
  readonly cpuLimitMs: number;
  readonly markerFile: string;
}

/** What the watchdog writes to the marker file before it kills the worker. */
export interface WatchdogMarker {
  readonly kind: 'memory' | 'cpu';
  readonly rss: number;
  readonly cpuMs: number;
}

export interface CaseRequest {
  readonly type: 'case';
  readonly id: number;
  readonly target: string;
  readonly dir: string;
  readonly args: unknown;
}

export interface CaseReply {
  readonly type: 'verdict';
  readonly id: number;
  readonly verdict: Verdict;
  readonly message: string;
  readonly outputs: readonly string[];
  /** Highest resident memory seen during the case, in bytes. */
  readonly peakBytes: number;
  /** How long the run took, in milliseconds. */
  readonly ms: number;
}

// Shared with the watchdog: [0] peak resident bytes of the case, [1] CPU microseconds at its start, [2] 1
// while a case runs.
const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const state = new Float64Array(workerData.state);
const die = (kind, rss, cpuMs) => {
  try { fs.writeFileSync(workerData.markerFile, JSON.stringify({ kind, rss, cpuMs })); } finally { process.kill(process.pid, 'SIGKILL'); }
};
setInterval(() => {
  const rss = process.memoryUsage.rss();
  if (rss > state[0]) state[0] = rss;
  if (rss > workerData.boundBytes) die('memory', rss, 0);
  if (state[2] === 1) {
    const u = process.cpuUsage();
    const cpuMs = (u.user + u.system - state[1]) / 1000;
    if (cpuMs > workerData.cpuLimitMs) die('cpu', rss, cpuMs);
  }
}, 4);
`;

const targets = new Map<string, FuzzTarget>();
async function targetNamed(name: string): Promise<FuzzTarget> {
  let t = targets.get(name);
  if (!t) {
    t = ((await import(`./targets/${name}.ts`)) as { target: FuzzTarget }).target;
    targets.set(name, t);
  }
  return t;
}

startCapture();

let state: Float64Array | null = null;
let current: number | null = null;

function send(reply: CaseReply): void {
  process.send!(reply);
}

async function runCase(req: CaseRequest): Promise<CaseReply> {
  const target = await targetNamed(req.target);
  resetCapture();
  state![0] = process.memoryUsage.rss();
  const cpu = process.cpuUsage();
  state![1] = cpu.user + cpu.system;
  state![2] = 1;
  const tensorsBefore = memory().numTensors;
  const cwd = process.cwd();
  let verdict: Verdict;
  let message = '';
  let outputs: readonly string[] = [];
  process.chdir(req.dir);
  const t0 = performance.now();
  try {
    const r = await target.run(req.args, req.dir);
    verdict = 'result';
    outputs = r.outputs ?? [];
  } catch (e) {
    if (e instanceof WrongResult) {
      verdict = 'wrong';
      message = e.message;
    } else if (!(e instanceof Error)) {
      verdict = 'unclear';
      message = `threw a non-Error value: ${String(e)}`;
    } else {
      message = e.message;
      const why = unclearBecause(message, target.hasContext(message, req.args));
      verdict = why ? 'unclear' : 'error';
      if (why) message = `${why}: ${e instanceof ReportedError ? '' : `${e.name}: `}${message.slice(0, 2000)}`;
    }
  } finally {
    state![2] = 0;
    process.chdir(cwd);
  }
  const leaked = memory().numTensors - tensorsBefore;
  if (leaked > 0 && verdict !== 'unclear' && verdict !== 'wrong') {
    message = `${leaked} tensor(s) still alive after the case (${verdict === 'error' ? `failed with: ${message}` : 'succeeded'})`;
    verdict = 'leak';
  }
  return { type: 'verdict', id: req.id, verdict, message, outputs, peakBytes: state![0]!, ms: performance.now() - t0 };
}

function crash(what: string, e: unknown): void {
  const text = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
  if (current !== null) send({ type: 'verdict', id: current, verdict: 'crash', message: `${what}: ${text}`, outputs: [], peakBytes: state?.[0] ?? 0, ms: 0 });
  setTimeout(() => process.exit(70), 50);
}
process.on('uncaughtException', (e) => crash('uncaught exception', e));
process.on('unhandledRejection', (e) => crash('unhandled rejection', e));

process.on('message', (msg: WorkerInit | CaseRequest) => {
  if (msg.type === 'init') {
    const shared = new SharedArrayBuffer(24);
    state = new Float64Array(shared);
    const dog = new Worker(WATCHDOG, { eval: true, workerData: { state: shared, boundBytes: msg.boundBytes, cpuLimitMs: msg.cpuLimitMs, markerFile: msg.markerFile } });
    dog.unref();
    process.send!({ type: 'ready' });
    return;
  }
  current = msg.id;
  runCase(msg).then(
    (reply) => {
      current = null;
      send(reply);
    },
    (e) => crash('the harness failed', e),
  );
});
process.on('disconnect', () => process.exit(0));

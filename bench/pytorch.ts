/**
 * PyTorch as the CNN suite's reference, where it is installed (Debian: apt-get install python3-torch):
 * bench/pytorch_cnn.py times the same model and step on one thread in its own process. Processes cannot
 * alternate with in-process contenders block by block, so the suite runs it before and after its own
 * measurements and takes the median of both runs' rounds.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./pytorch_cnn.py', import.meta.url));
/** Interpreters tried in order: the one on PATH may be a separate install without Debian's packages. */
const PYTHONS = ['python3', '/usr/bin/python3'];

export interface PytorchRun {
  readonly torch: string;
  readonly threads: number;
  readonly samplesPerSecond: number[];
}

let interpreter: string | null | undefined;

function findInterpreter(): string | null {
  if (interpreter !== undefined) return interpreter;
  interpreter = null;
  for (const python of PYTHONS) {
    const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return (interpreter = python);
  }
  return interpreter;
}

/** One run of the script, or the reason there is none (no interpreter with torch, or the script failed). */
export function runPytorchCnn(rounds: number, seconds: number): PytorchRun | string {
  return runPytorchScript<PytorchRun>(SCRIPT, [String(rounds), String(seconds)]);
}

/** Runs a bench script of this folder with the interpreter that has torch; its last stdout line is JSON. */
export function runPytorchScript<T>(script: string, args: readonly string[], timeoutMs = 120_000): T | string {
  const python = findInterpreter();
  if (!python) return `PyTorch not found (tried ${PYTHONS.join(', ')} with "import torch")`;
  const r = spawnSync(python, [script, ...args], { encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) return `${python} ${script} failed (exit ${r.status}): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
  } catch {
    return `${python} ${script} printed no JSON: ${r.stdout.slice(0, 200)}`;
  }
}

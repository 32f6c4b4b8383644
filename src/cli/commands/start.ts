/**
 * `rectifier start` (what `npm start` runs): the activation table and a short side-by-side measurement
 * of a few activations against a plain copy of the same bytes, on the current backend.
 */
import { getActivation } from '../../activations/index.js';
import { backendFailure, getBackend } from '../../backend/index.js';
import { formatTable } from '../../report/index.js';
import { tensor, tidy } from '../../tensor/index.js';
import { printActivations } from './activations.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Elements per nanosecond of `fn` on n elements: medians of rounds that alternate between contenders. */
function measure(contenders: Record<string, () => void>, n: number, rounds = 7): Record<string, number> {
  const times: Record<string, number[]> = {};
  const reps: Record<string, number> = {};
  for (const [name, fn] of Object.entries(contenders)) {
    fn(); // warm-up
    let r = 1;
    for (;;) {
      const t0 = performance.now();
      for (let i = 0; i < r; i++) fn();
      if (performance.now() - t0 > 20 || r > 1 << 16) break;
      r *= 2;
    }
    reps[name] = r;
    times[name] = [];
  }
  for (let round = 0; round < rounds; round++) {
    for (const [name, fn] of Object.entries(contenders)) {
      const t0 = performance.now();
      for (let i = 0; i < reps[name]!; i++) fn();
      times[name]!.push((performance.now() - t0) * 1e6 / reps[name]!);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, ts]) => [k, n / median(ts)]));
}

export function runStart(): void {
  console.log('Rectifier: the ReLU family, exact and fast.\n');
  printActivations(false);
  const name = getBackend(); // chooses the backend on first use, so ask before asking why
  const failure = backendFailure();
  console.log(`\nbackend: ${name}${failure ? ` (wasm unavailable: ${failure})` : ''}`);
  const n = 1 << 20;
  const ids = ['relu', 'leaky_relu', 'gelu', 'sigmoid', 'tanh'];
  tidy(() => {
    const src = new Float32Array(n).map((_, i) => Math.sin(i) * 4);
    const dst = new Float32Array(n);
    const x = tensor(src);
    const y = tensor(new Float32Array(n));
    const contenders: Record<string, () => void> = { copy: () => dst.set(src) };
    for (const id of ids) {
      const act = getActivation(id);
      contenders[id] = () => act.forward(x, y);
    }
    const speed = measure(contenders, n);
    console.log(`\nforward on ${n.toLocaleString('en')} float32 elements, medians of 7 alternating rounds:`);
    console.log(
      formatTable(
        ['', 'elements/ns', 'vs copy'],
        ['copy', ...ids].map((k) => [k, speed[k]!, speed[k]! / speed.copy!]),
      ),
    );
  });
  console.log('\nMore: `npm run bench -- activations` for the full benchmark, `npm test` for the tests.');
}

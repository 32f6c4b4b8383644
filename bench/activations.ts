/**
 * The activations suite: every row of the activation table, forward and backward, at 4K … 16M elements,
 * in elements/ns, side by side with a copy of the same bytes and with TensorFlow.js's cpu and wasm
 * backends; then the speed targets, checked against the measured medians.
 *
 * What is timed, per call:
 * - rectifier-{wasm,js}: `getActivation(id).forward(x, out)` / `.backward(x, dy, out)` on tensors of that
 *   backend, `out` preallocated (default parameters; rrelu in inference).
 * - copy: `Float32Array.prototype.set` of the same bytes: for the forward, n floats (read n, write n,
 *   as f reads x and writes y); for the backward, 1.5·n floats (read 1.5n, write 1.5n: the 3n floats
 *   of traffic of reading x and dy and writing dx). Rates are per activation element in both cases.
 * - tfjs-{wasm,cpu}: the public op (tf.relu(x) …) and dispose of its result, for the forward; for the
 *   backward the gradient function TF.js registers for that kernel, called on dy and what the kernel
 *   saves (x or y, computed outside the timing), inside tf.tidy, keeping only dx. Input tensors are made
 *   once, outside the timing; TF.js allocates each output, as it always does.
 */
import { Rng, empty, getActivation, getSpec, listActivations } from 'rectifier';
import type { Activation, ActivationSpec, Backend, ParamValues, Tensor } from 'rectifier';
import type { Tensor as TfTensor } from '@tensorflow/tfjs-core';
import { rectifierBackends } from './backends.js';
import { formatRate, formatRatio, formatSize, renderTable } from './format.js';
import { UNITS, measure, rateOf } from './harness.js';
import type { Contender, Measurement } from './harness.js';
import type { Suite, SuiteContext, SuiteResult } from './suite.js';
import { loadTfjs } from './tfjs.js';
import type { Tf, TfBackendName, TfjsPeer } from './tfjs.js';

const DEFAULT_SIZES = [1 << 12, 1 << 16, 1 << 20, 1 << 24];
/**
 * Under --quick, the two slow contenders are skipped from this size on, where one call of theirs costs
 * from a few hundred ms to seconds: rectifier-js (the reference backend) and tfjs-cpu.
 */
const QUICK_SLOW_LIMIT = 1 << 24;
const SEED = 20240607;

type Direction = 'forward' | 'backward';
const DIRECTIONS: readonly Direction[] = ['forward', 'backward'];

/**
 * TF.js's op for a table id, where tfjs-core 4.22 has one. It has none for celu, gelu, gelu_tanh, silu,
 * mish, hard_sigmoid, hard_swish, softsign, thresholded_relu (tfjs-layers composes some of these from
 * several ops), nor rrelu or linear.
 */
interface TfjsOp {
  readonly kernel: string;
  readonly forward: (tf: Tf, x: TfTensor, extra: Record<string, TfTensor>, p: ParamValues) => TfTensor;
  /** Inputs besides x, made on the current TF.js backend (prelu's slope). */
  readonly extraInputs?: (tf: Tf, p: ParamValues) => Record<string, TfTensor>;
  readonly attrs?: (p: ParamValues) => Record<string, number>;
  /** False when the table's parameters are ones TF.js cannot express. */
  readonly applies?: (p: ParamValues) => boolean;
}

const TFJS_OPS: Readonly<Record<string, TfjsOp>> = {
  relu: { kernel: 'Relu', forward: (tf, x) => tf.relu(x) },
  relu6: { kernel: 'Relu6', forward: (tf, x) => tf.relu6(x) },
  leaky_relu: { kernel: 'LeakyRelu', forward: (tf, x, _, p) => tf.leakyRelu(x, p.alpha), attrs: (p) => ({ alpha: p.alpha! }) },
  prelu: {
    kernel: 'Prelu',
    forward: (tf, x, e) => tf.prelu(x, e.alpha!),
    extraInputs: (tf, p) => ({ alpha: tf.scalar(p.alpha!) }),
  },
  elu: { kernel: 'Elu', forward: (tf, x) => tf.elu(x), applies: (p) => p.alpha === 1 },
  selu: { kernel: 'Selu', forward: (tf, x) => tf.selu(x) },
  softplus: { kernel: 'Softplus', forward: (tf, x) => tf.softplus(x), applies: (p) => p.beta === 1 },
  sigmoid: { kernel: 'Sigmoid', forward: (tf, x) => tf.sigmoid(x) },
  tanh: { kernel: 'Tanh', forward: (tf, x) => tf.tanh(x) },
};

const NAMES = {
  wasm: 'rectifier-wasm',
  js: 'rectifier-js',
  copy: 'copy',
  tfWasm: 'tfjs-wasm',
  tfCpu: 'tfjs-cpu',
} as const;

interface Row {
  readonly activation: string;
  readonly direction: Direction;
  readonly size: number;
  readonly measurement: Measurement;
}

/**
 * The copy baseline's arrays, as views of one buffer so that their distances are known: the destination
 * sits 1 KiB and 2 KiB (mod 4 KiB) past its sources. Where it sits just past a source mod 4 KiB
 * (0 < dst − src mod 4096 < 32 bytes), TypedArray.prototype.set — glibc's memmove — runs 14× slower
 * on this project's AMD machines at 4K–64K elements (0.7 instead of 10 elements/ns), and separately
 * allocated arrays land there by chance.
 */
function copyArrays(xs: Float32Array, dys: Float32Array): {
  x: Float32Array; dy: Float32Array; out: Float32Array; backwardSource: Float32Array; backwardTarget: Float32Array;
} {
  const n = xs.length;
  const page = 1024; // floats in 4 KiB
  const backwardLength = Math.ceil(n * 1.5);
  const dyAt = Math.ceil(n / page) * page + 256;
  const outAt = Math.ceil((dyAt + n) / page) * page + 512;
  const sourceAt = Math.ceil((outAt + n) / page) * page;
  const targetAt = Math.ceil((sourceAt + backwardLength) / page) * page + 512;
  const buffer = new ArrayBuffer((targetAt + backwardLength) * 4);
  const x = new Float32Array(buffer, 0, n);
  const dy = new Float32Array(buffer, dyAt * 4, n);
  x.set(xs);
  dy.set(dys);
  const backwardSource = new Float32Array(buffer, sourceAt * 4, backwardLength);
  backwardSource.set(xs);
  backwardSource.set(dys.subarray(0, backwardLength - n), n);
  return {
    x, dy, out: new Float32Array(buffer, outAt * 4, n),
    backwardSource, backwardTarget: new Float32Array(buffer, targetAt * 4, backwardLength),
  };
}

/** Tensors on one rectifier backend, filled with the size's inputs. */
interface RectifierBuffers {
  readonly x: Tensor;
  readonly dy: Tensor;
  readonly out: Tensor;
}

function rectifierBuffers(b: Backend, xs: Float32Array, dys: Float32Array): RectifierBuffers {
  const shape = [xs.length];
  const x = empty(shape, 'float32', b);
  const dy = empty(shape, 'float32', b);
  const out = empty(shape, 'float32', b);
  // Views are taken after all allocations: wasm memory may have moved while growing.
  x.storage.f32().set(xs);
  dy.storage.f32().set(dys);
  return { x, dy, out };
}

function rectifierContender(name: string, act: Activation, buf: RectifierBuffers, dir: Direction): Contender {
  const { x, dy, out } = buf;
  if (dir === 'forward') return { name, run: () => act.forward(x, out) };
  // Where the derivative reads the output (relu, sigmoid, tanh …), time that kernel, as a layer runs it
  // and as TF.js's registered gradients do. It is branch-free, so timing it on x instead of a saved y
  // measures the same work.
  if (act.spec.backwardFrom === 'y') return { name, run: () => act.backwardFromOutput(x, dy, out) };
  return { name, run: () => act.backward(x, dy, out) };
}

/** One activation on one TF.js backend: its inputs, the saved tensors its gradient reads, and runners. */
interface TfjsCase {
  readonly forward: () => void;
  readonly backward: (() => void) | null;
  /** The forward output and the backward's dx, read back (for the agreement check). */
  values(): Partial<Record<Direction, Float32Array>>;
  dispose(): void;
}

function tfjsCase(peer: TfjsPeer, op: TfjsOp, p: ParamValues, x: TfTensor, dy: TfTensor): TfjsCase {
  const { tf } = peer;
  const extra = op.extraInputs?.(tf, p) ?? {};
  const attrs = op.attrs?.(p) ?? {};
  const made: TfTensor[] = Object.values(extra);
  const forward = (): void => op.forward(tf, x, extra, p).dispose();
  let backward: (() => void) | null = null;
  let dx: (() => TfTensor) | null = null;
  const grad = tf.getGradient(op.kernel);
  if (grad) {
    const inputs: Record<string, TfTensor> = { x, ...extra };
    const saved: TfTensor[] = (grad.inputsToSave ?? []).map((name) => {
      const t = inputs[name];
      if (!t) throw new Error(`TF.js gradient of ${op.kernel} saves input "${name}", which this benchmark does not make`);
      return t;
    });
    if (grad.outputsToSave?.some(Boolean)) {
      const y = op.forward(tf, x, extra, p);
      made.push(y);
      saved.push(y);
    }
    const gradFunc = grad.gradFunc;
    backward = () => tf.tidy(() => void gradFunc(dy, saved, attrs).x!());
    dx = () => tf.tidy(() => gradFunc(dy, saved, attrs).x!());
  }
  const read = (t: TfTensor): Float32Array => {
    const v = t.dataSync() as Float32Array;
    t.dispose();
    return v;
  };
  return {
    forward,
    backward,
    values: () => ({ forward: read(op.forward(tf, x, extra, p)), ...(dx ? { backward: read(dx()) } : {}) }),
    dispose: () => made.forEach((t) => t.dispose()),
  };
}

/** Largest |a − b| / (1 + |b|): a sanity check that two contenders compute the same function. */
function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!));
    if (!(d <= worst)) worst = d; // NaN sticks
  }
  return worst;
}

interface Check {
  readonly what: string;
  readonly value: number;
}

interface Target {
  readonly label: string;
  readonly checks: readonly Check[];
  readonly threshold: number;
  /**
   * The same ratio for something the target cannot beat, measured in the same run: the identity
   * (linear) on the wasm backend for relu against the copy (one 128-bit load and store per four floats,
   * no arithmetic), or a copy of the bytes for a multiple of TF.js's speed. Printed under a missed
   * target when it is below the threshold wherever the target is missed, that is when it explains the miss.
   */
  readonly ceiling?: { readonly label: string; readonly checks: readonly Check[] };
}

function selectSpecs(only: readonly string[] | null): ActivationSpec[] {
  if (!only) return [...listActivations()];
  const wanted = new Set(only.map((id) => getSpec(id).id));
  return listActivations().filter((s) => wanted.has(s.id));
}

async function run(ctx: SuiteContext): Promise<SuiteResult> {
  const { options, timing } = ctx;
  const specs = selectSpecs(options.only);
  const sizes = options.sizes ?? DEFAULT_SIZES;
  for (const id of Object.keys(TFJS_OPS)) getSpec(id); // a renamed table id must fail here, not vanish quietly
  const notes: string[] = [];

  const backends = await rectifierBackends();
  if (!backends.wasm) ctx.note(`wasm backend unavailable: ${backends.wasmFailure}`);
  const primary = backends.wasm ? 'wasm' : 'js';
  const primaryName = backends.wasm ? NAMES.wasm : NAMES.js;

  let peer: TfjsPeer | null = null;
  try {
    peer = await loadTfjs();
    for (const [name, reason] of Object.entries(peer.failures)) ctx.note(`TF.js ${name} backend unavailable: ${reason}`);
    const kernels = specs.map((s) => TFJS_OPS[s.id]?.kernel).filter((k): k is string => k !== undefined);
    const missing = peer.registerGradients([...new Set(kernels)]);
    if (missing.length) ctx.note(`TF.js gradients not found for ${missing.join(', ')}: their backward is not measured`);
  } catch (e) {
    ctx.note(`TF.js unavailable: ${e instanceof Error ? e.message : String(e)}`);
  }
  const tfBackends: TfBackendName[] = peer ? peer.backends.filter((b) => b === 'wasm' || b === 'cpu') : [];

  notes.push(
    'copy = Float32Array.prototype.set of the same bytes: n floats for the forward (read x, write y), 1.5·n floats for the backward (read x and dy, write dx = the traffic of a 1.5·n copy); arrays placed 1-2 KiB apart mod 4 KiB; rates per activation element.',
    `inputs: x ~ U(-4, 4), dy ~ U(-1, 1), seed ${SEED}; default parameters; rectifier calls forward(x, out) / backward(x, dy, out) (backwardFromOutput for the activations whose derivative reads y) on preallocated tensors.`,
  );
  if (peer) {
    notes.push(
      `TF.js ${peer.version} (prod mode): forward = the public op, result disposed; backward = TF.js's registered gradient on dy and the saved x or y (made outside the timing), in tf.tidy. TF.js allocates every output.`,
      `TF.js wasm: ${peer.wasmInfo ?? 'not loaded'}.`,
    );
    const without = specs.filter((s) => !TFJS_OPS[s.id] || !(TFJS_OPS[s.id]!.applies?.(getActivation(s.id).params) ?? true)).map((s) => s.id);
    if (without.length) notes.push(`no TF.js op: ${without.join(', ')}.`);
  }
  const skipSlow = (n: number): boolean => options.quick && n >= QUICK_SLOW_LIMIT;
  if (sizes.some(skipSlow)) notes.push(`--quick: rectifier-js and tfjs-cpu are not measured at ${formatSize(QUICK_SLOW_LIMIT)} elements and above.`);
  if (!backends.wasm) notes.push(`ratio columns and targets use rectifier-js, because the wasm backend did not load.`);

  const rows: Row[] = [];
  const total = sizes.length * specs.length * DIRECTIONS.length;
  const rng = new Rng(SEED);

  for (const n of sizes) {
    const xs = new Float32Array(n);
    const dys = new Float32Array(n);
    for (let i = 0; i < n; i++) xs[i] = rng.uniform(-4, 4);
    for (let i = 0; i < n; i++) dys[i] = rng.uniform(-1, 1);
    const copy = copyArrays(xs, dys);
    const rect: Partial<Record<'js' | 'wasm', RectifierBuffers>> = { js: rectifierBuffers(backends.js, xs, dys) };
    if (backends.wasm) rect.wasm = rectifierBuffers(backends.wasm, xs, dys);

    const tfHere = tfBackends.filter((b) => !(b === 'cpu' && skipSlow(n)));
    const tfInputs: Partial<Record<TfBackendName, { x: TfTensor; dy: TfTensor }>> = {};
    for (const b of tfHere) {
      await peer!.use(b);
      tfInputs[b] = { x: peer!.tf.tensor1d(xs), dy: peer!.tf.tensor1d(dys) };
    }

    try {
      for (const spec of specs) {
        const act = getActivation(spec.id);
        const op = TFJS_OPS[spec.id];
        const cases: Partial<Record<TfBackendName, TfjsCase>> = {};
        if (op && (op.applies?.(act.params) ?? true)) {
          for (const b of tfHere) {
            await peer!.use(b);
            cases[b] = tfjsCase(peer!, op, act.params, tfInputs[b]!.x, tfInputs[b]!.dy);
          }
        }
        try {
          if (n === sizes[0]) notes.push(...(await agreement(spec.id, act, rect.js!, peer, cases)));
          for (const dir of DIRECTIONS) {
            ctx.progress(`activations ${rows.length + 1}/${total}: ${spec.id} ${dir} ${formatSize(n)}`);
            const contenders: Contender[] = [];
            if (rect.wasm) contenders.push(rectifierContender(NAMES.wasm, act, rect.wasm, dir));
            if (!skipSlow(n)) contenders.push(rectifierContender(NAMES.js, act, rect.js!, dir));
            const { x: cx, out: cout, backwardSource, backwardTarget } = copy;
            contenders.push({ name: NAMES.copy, run: dir === 'forward' ? () => cout.set(cx) : () => backwardTarget.set(backwardSource) });
            for (const b of tfHere) {
              const c = cases[b];
              const fn = c && (dir === 'forward' ? c.forward : c.backward);
              if (fn) contenders.push({ name: b === 'wasm' ? NAMES.tfWasm : NAMES.tfCpu, enter: () => peer!.use(b), run: fn });
            }
            if (rows.length === 0) {
              // The first measurement of the process would also pay for tiering up the paths every later
              // one shares (Activation.forward, the TF.js engine): run it once unrecorded.
              await measure(contenders, { work: n, unit: UNITS.elementsPerNs, baseline: NAMES.copy, timing: { ...timing, rounds: 1 } });
            }
            const measurement = await measure(contenders, { work: n, unit: UNITS.elementsPerNs, baseline: NAMES.copy, timing });
            for (const r of measurement.results) {
              if (r.error) ctx.note(`${r.name} failed on ${spec.id} ${dir} ${formatSize(n)}: ${r.error}`);
            }
            rows.push({ activation: spec.id, direction: dir, size: n, measurement });
          }
        } finally {
          for (const b of tfHere) {
            if (cases[b]) {
              await peer!.use(b);
              cases[b]!.dispose();
            }
          }
        }
      }
    } finally {
      for (const r of Object.values(rect)) {
        r.x.dispose();
        r.dy.dispose();
        r.out.dispose();
      }
      for (const b of tfHere) {
        await peer!.use(b);
        tfInputs[b]!.x.dispose();
        tfInputs[b]!.dy.dispose();
      }
    }
  }
  ctx.progress('');

  const targets = evaluateTargets(rows, specs, sizes, primaryName);
  return {
    text: renderText(rows, specs, sizes, notes, targets, primary, primaryName, timing.rounds),
    data: {
      unit: UNITS.elementsPerNs.label,
      sizes,
      primary: primaryName,
      wasmFailure: backends.wasmFailure,
      tfjs: peer ? { version: peer.version, backends: peer.backends, wasm: peer.wasmInfo, failures: peer.failures } : null,
      notes,
      rows: rows.map((r) => ({
        activation: r.activation,
        direction: r.direction,
        size: r.size,
        baseline: r.measurement.baseline,
        results: r.measurement.results,
      })),
      targets: targets.map((t) => ({ ...t, pass: passes(t) })),
    },
  };
}

/**
 * Checks on the smallest size that the contenders compute the same function, so that a wrong mapping
 * to a TF.js op (a different default slope, say) shows up as a note and not as a fast number.
 */
async function agreement(id: string, act: Activation, js: RectifierBuffers, peer: TfjsPeer | null, cases: Partial<Record<TfBackendName, TfjsCase>>): Promise<string[]> {
  const out: string[] = [];
  const y = act.forward(js.x);
  const dx = act.backward(js.x, js.dy);
  const want = { forward: y.data, backward: dx.data };
  y.dispose();
  dx.dispose();
  for (const [b, c] of Object.entries(cases) as [TfBackendName, TfjsCase][]) {
    await peer!.use(b);
    const got = c.values();
    for (const dir of DIRECTIONS) {
      const v = got[dir];
      if (!v) continue;
      const d = maxRelDiff(v, want[dir]);
      if (!(d <= 1e-4)) out.push(`tfjs-${b} ${id} ${dir} differs from rectifier by up to ${d.toExponential(1)} (relative): check the op mapping.`);
    }
  }
  return out;
}

function evaluateTargets(rows: readonly Row[], specs: readonly ActivationSpec[], sizes: readonly number[], primaryName: string): Target[] {
  const find = (id: string, dir: Direction, n: number) => rows.find((r) => r.activation === id && r.direction === dir && r.size === n)?.measurement;
  const rate = (id: string, dir: Direction, n: number, who: string) => {
    const m = find(id, dir, n);
    return m ? rateOf(m, who) : NaN;
  };
  const targets: Target[] = [];
  const ids = new Set(specs.map((s) => s.id));
  const short = (dir: Direction) => (dir === 'forward' ? 'fwd' : 'bwd');

  if (ids.has('relu')) {
    for (const dir of DIRECTIONS) {
      targets.push({
        label: `relu ${dir} ≥ 0.9× copy at every size`,
        threshold: 0.9,
        checks: sizes.map((n) => ({ what: formatSize(n), value: rate('relu', dir, n, primaryName) / rate('relu', dir, n, NAMES.copy) })),
        // Without linear in the run its ratios are NaN, filtered out below, and no bound is printed.
        ceiling: { label: `linear (the identity) on ${primaryName}`, checks: sizes.map((n) => ({ what: formatSize(n), value: rate('linear', dir, n, primaryName) / rate('linear', dir, n, NAMES.copy) })) },
      });
    }
  }
  const reluLike = specs.filter((s) => ['leaky_relu', 'relu6', 'prelu'].includes(s.id) || s.id.startsWith('hard_'));
  if (ids.has('relu')) {
    for (const s of reluLike) {
      for (const dir of DIRECTIONS) {
        targets.push({
          label: `${s.id} ${dir} ≥ 0.8× relu`,
          threshold: 0.8,
          checks: sizes.map((n) => ({ what: formatSize(n), value: rate(s.id, dir, n, primaryName) / rate('relu', dir, n, primaryName) })),
        });
      }
    }
  }
  const at = 1 << 20;
  if (sizes.includes(at)) {
    for (const s of specs) {
      if (s.id === 'relu' || reluLike.includes(s)) continue;
      targets.push({
        label: `${s.id} ≥ 0.1× copy at ${formatSize(at)}`,
        threshold: 0.1,
        checks: DIRECTIONS.map((dir) => ({ what: short(dir), value: rate(s.id, dir, at, primaryName) / rate(s.id, dir, at, NAMES.copy) })),
      });
    }
  }
  for (const s of specs) {
    const m = find(s.id, 'forward', sizes[0]!);
    if (!m || !m.results.some((r) => r.name === NAMES.tfWasm)) continue;
    const threshold = s.id === 'relu' ? 1 : 3;
    for (const dir of DIRECTIONS) {
      const checks = sizes.map((n) => ({ what: formatSize(n), value: rate(s.id, dir, n, primaryName) / rate(s.id, dir, n, NAMES.tfWasm) }));
      // Where TF.js already runs near the speed of a copy, the copy bounds the multiple any kernel can reach.
      const copyChecks = sizes.map((n) => ({ what: formatSize(n), value: rate(s.id, dir, n, NAMES.copy) / rate(s.id, dir, n, NAMES.tfWasm) }));
      targets.push({ label: `${s.id} ${dir} ≥ ${threshold}× tfjs-wasm`, threshold, checks, ceiling: { label: 'a copy of the same bytes', checks: copyChecks } });
    }
  }
  return targets
    .map((t) => ({
      ...t,
      checks: t.checks.filter((c) => !Number.isNaN(c.value)),
      ...(t.ceiling ? { ceiling: { ...t.ceiling, checks: t.ceiling.checks.filter((c) => !Number.isNaN(c.value)) } } : {}),
    }))
    .filter((t) => t.checks.length > 0);
}

/** A median with '~' when it rests on fewer than three rounds (a contender too slow for more). */
function cell(m: Measurement, name: string): string {
  const r = m.results.find((x) => x.name === name);
  if (!r) return '—';
  return formatRate(r.median) + (Number.isFinite(r.median) && r.samples.length < 3 ? '~' : '');
}

const passes = (t: Target): boolean => t.checks.every((c) => c.value >= t.threshold);

/** Whether the target's ceiling is itself below the threshold wherever the target is missed. */
function boundsEveryMiss(t: Target): boolean {
  const misses = t.checks.filter((c) => !(c.value >= t.threshold));
  return misses.length > 0 && misses.every((m) => {
    const bound = t.ceiling?.checks.find((c) => c.what === m.what);
    return bound !== undefined && bound.value < t.threshold;
  });
}

function renderText(
  rows: readonly Row[],
  specs: readonly ActivationSpec[],
  sizes: readonly number[],
  notes: readonly string[],
  targets: readonly Target[],
  primary: string,
  primaryName: string,
  rounds: number,
): string {
  const head = ['activation', 'dir', 'n', 'wasm', 'js', 'copy', 'tf-wasm', 'tf-cpu', `${primary}/copy`, `${primary}/tf-wasm`];
  const body: string[][] = [];
  for (const spec of specs) {
    for (const dir of DIRECTIONS) {
      for (const n of sizes) {
        const row = rows.find((r) => r.activation === spec.id && r.direction === dir && r.size === n);
        if (!row) continue;
        const m = row.measurement;
        const p = rateOf(m, primaryName);
        const first = n === sizes[0];
        body.push([
          first && dir === 'forward' ? spec.id : '',
          first ? (dir === 'forward' ? 'fwd' : 'bwd') : '',
          formatSize(n),
          cell(m, NAMES.wasm),
          cell(m, NAMES.js),
          cell(m, NAMES.copy),
          cell(m, NAMES.tfWasm),
          cell(m, NAMES.tfCpu),
          formatRatio(p / rateOf(m, NAMES.copy)),
          formatRatio(p / rateOf(m, NAMES.tfWasm)),
        ]);
      }
    }
  }
  const lines = [
    `activations — elements/ns, median of up to ${rounds} alternating rounds (higher is better)`,
    ...notes.map((n) => `  ${n}`),
    `  ~ = median of fewer than 3 rounds (a slow contender at that size).`,
    '',
    renderTable(head, body, 2),
    '',
    `targets (${primaryName}; information, not a test):`,
  ];
  for (const t of targets) {
    const detail = t.checks.map((c) => `${c.what} ${formatRatio(c.value)}${c.value >= t.threshold ? '' : '!'}`).join(' ');
    lines.push(`  ${passes(t) ? 'PASS' : 'MISS'}  ${t.label}: ${detail}`);
    if (t.ceiling && boundsEveryMiss(t)) {
      lines.push(`          same ratio for ${t.ceiling.label}: ${t.ceiling.checks.map((c) => `${c.what} ${formatRatio(c.value)}`).join(' ')}`);
    }
  }
  const passed = targets.filter(passes).length;
  lines.push(`  ${passed} of ${targets.length} targets met`);
  return lines.join('\n');
}

export const activationsSuite: Suite = {
  name: 'activations',
  description: 'every activation of the table, forward and backward, vs a copy of the same bytes and TF.js cpu/wasm',
  run,
};

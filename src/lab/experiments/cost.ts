/**
 * Computational cost: ReLU is "a compare and a select" where sigmoid, tanh, GELU and friends need
 * exponentials or erf, so it is said to be cheaper to compute (Krizhevsky et al. 2012 and Glorot et al.
 * 2011 both cite it). We time every activation of the table, forward and backward, on both backends, side
 * by side with a plain copy of the same bytes, and the time per epoch of one model with each activation.
 */
import { activationIds, getSpec } from '../../activations/lookup.js';
import { getActivation } from '../../ops/activation.js';
import { backendInstance, getBackend } from '../../runtime/backend.js';
import type { Backend, BackendName, Storage } from '../../backend/types.js';
import { sgd } from '../../optim/optimizers.js';
import type { Verdict } from '../../report/schema.js';
import { partialNote, type Findings } from '../result.js';
import { basisFigure, cell, figure, median, num } from '../stats.js';
import { imageData, mlp, train } from '../training.js';
import type { BudgetBase, Experiment, SummaryPlan } from '../types.js';
import { disposing } from '../sweep.js';

export interface CostBudget extends BudgetBase {
  /** Elements per kernel call. */
  readonly elements: number;
  /** Timed rounds per kernel (the median is kept); contenders alternate within each round. */
  readonly rounds: number;
  /** Minimum milliseconds of one timed round. */
  readonly roundMs: number;
  /** The activations whose epoch is timed, and the model and data used. */
  readonly epochActivations: readonly string[];
  readonly hidden: readonly number[];
  readonly trainSize: number;
  readonly batchSize: number;
}

const BACKENDS: readonly BackendName[] = ['js', 'wasm'];
const EXPENSIVE = ['sigmoid', 'tanh'] as const;
/** The family compared in `variants`: their epochs are timed in the full budget. */
const FAMILY = ['relu', 'leaky_relu', 'prelu', 'rrelu', 'elu', 'selu', 'celu', 'gelu', 'silu', 'mish', 'softplus', 'sigmoid', 'tanh'];

const RULE =
  'Verdict rule: agrees when relu’s forward + backward kernel is faster than both sigmoid’s and tanh’s on both backends and an epoch with relu is at least 5% faster than with either; ' +
  'partly when only the kernels are faster (the matrix products dominate an epoch); disagrees when relu’s kernel is not faster than sigmoid’s and tanh’s.';

type Cell = { part: 'kernels'; backend: BackendName } | { part: 'epochs' };

/**
 * A cell's record: every kernel timed on one backend (`copy` null and no rows where the backend did not
 * load), or the epoch times of every activation on the backend the lab ran on.
 */
export type Run =
  | { part: 'kernels'; backend: BackendName; copy: number | null; rows: KernelTiming[] }
  | { part: 'epochs'; backend: string; epochs: EpochTiming[] };

export interface KernelTiming {
  backend: BackendName;
  activation: string;
  forwardNs: number;
  backwardNs: number;
}

export interface EpochTiming {
  activation: string;
  seconds: number;
}

/** Nanoseconds per element of `fn` on `n` elements: the median of rounds, each at least `roundMs` long. */
function timePerElement(fn: () => void, n: number, rounds: number, roundMs: number): number {
  fn();
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    if (performance.now() - t0 >= roundMs || reps >= 1 << 16) break;
    reps *= 2;
  }
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    times.push(((performance.now() - t0) * 1e6) / (reps * n));
  }
  return median(times);
}

function fill(storage: Storage, n: number): void {
  const v = storage.f32();
  for (let i = 0; i < n; i++) v[i] = Math.sin(i * 0.7) * 4;
}

function timeKernels(be: Backend, b: CostBudget, ids: readonly string[]): { copy: number; rows: KernelTiming[] } {
  const n = b.elements;
  const x = be.allocate(n, 'float32');
  const y = be.allocate(n, 'float32');
  const dy = be.allocate(n, 'float32');
  const dx = be.allocate(n, 'float32');
  try {
    fill(x, n);
    fill(dy, n);
    const copy = timePerElement(() => be.copyRange(x, 0, y, 0, n), n, b.rounds, b.roundMs);
    const rows = ids.map((id) => {
      const call = getActivation(id);
      const forwardNs = timePerElement(() => be.unary(call, x, y), n, b.rounds, b.roundMs);
      be.unary(call, x, y);
      // The backward the training engine runs: from y where the spec allows it (relu: dy·[y > 0]), else from x.
      const backward = call.backwardReadsOutput ? () => be.unaryGradFromY(call, y, dy, dx) : () => be.unaryGrad(call, x, dy, dx);
      const backwardNs = timePerElement(backward, n, b.rounds, b.roundMs);
      return { backend: be.name, activation: id, forwardNs, backwardNs };
    });
    return { copy, rows };
  } finally {
    for (const s of [x, y, dy, dx]) be.release(s);
  }
}

/** The members of the family `variants` compares, whose epochs are timed here too. */
export { FAMILY };

export const cost: Experiment<CostBudget, Cell, Run> = {
  id: 'cost',
  title: 'ReLU is cheap to compute',
  claim:
    'The rectifier is computationally cheaper than sigmoid or tanh: a comparison instead of an exponential, forward and backward, which makes networks faster to run and train.',
  source: { citation: 'Glorot, Bordes & Bengio 2011, Deep Sparse Rectifier Neural Networks (AISTATS); Krizhevsky, Sutskever & Hinton 2012', url: 'https://proceedings.mlr.press/v15/glorot11a.html' },
  budgets: {
    tiny: { expectedSeconds: 3, elements: 1 << 14, rounds: 3, roundMs: 2, epochActivations: ['relu', 'sigmoid', 'tanh'], hidden: [32], trainSize: 300, batchSize: 50 },
    quick: { expectedSeconds: 30, elements: 1 << 18, rounds: 5, roundMs: 10, epochActivations: FAMILY, hidden: [128], trainSize: 2000, batchSize: 64 },
    full: { expectedSeconds: 180, elements: 1 << 20, rounds: 9, roundMs: 40, epochActivations: FAMILY, hidden: [256, 256], trainSize: 10000, batchSize: 64 },
  },

  grid: () => [...BACKENDS.map((backend): Cell => ({ part: 'kernels', backend })), { part: 'epochs' }],
  label: (c) => (c.part === 'kernels' ? `kernels on ${c.backend}` : 'one epoch with each activation'),

  async run(c, ctx) {
    const b = ctx.budget;
    if (c.part === 'kernels') {
      let be: Backend;
      try {
        be = await backendInstance(c.backend);
      } catch {
        // A machine without WebAssembly SIMD still gets the js numbers; the table says what is missing.
        return { part: 'kernels', backend: c.backend, copy: null, rows: [] };
      }
      const { copy, rows } = timeKernels(be, b, activationIds().filter((id) => id !== 'linear'));
      return { part: 'kernels', backend: c.backend, copy, rows };
    }
    // The epochs are one cell: their times are compared with each other, so they must come from one machine.
    const { train: data } = await ctx.shared('loading Fashion-MNIST', () => imageData('fashion-mnist', b.trainSize, 1, true));
    const epochs: EpochTiming[] = [];
    for (const activation of b.epochActivations) {
      if (ctx.signal.aborted) return null;
      ctx.status(`one epoch with ${activation}`);
      const outcome = await disposing(mlp({ inputs: 784, hidden: b.hidden, activation, outputs: 10, seed: ctx.seeds[0]! }), async (model) => {
        model.compile({ optimizer: sgd({ learningRate: 0.01, momentum: 0.9 }), loss: 'softmax_cross_entropy' });
        // A first epoch warms the code paths up; the second is timed.
        await train(model, data, { epochs: 1, batchSize: b.batchSize, signal: ctx.signal });
        return train(model, data, { epochs: 1, batchSize: b.batchSize, signal: ctx.signal });
      });
      if (outcome.aborted) return null;
      epochs.push({ activation, seconds: outcome.seconds });
    }
    return { part: 'epochs', backend: getBackend(), epochs };
  },

  summarize,
};

export function summarize(runs: readonly Run[], plan: SummaryPlan<CostBudget>): Findings {
  const b = plan.budget;
  const kernels = runs.flatMap((r) => (r.part === 'kernels' ? r.rows : []));
  const copies: Partial<Record<BackendName, number>> = {};
  for (const r of runs) if (r.part === 'kernels' && r.copy !== null) copies[r.backend] = r.copy;
  const epochRun = runs.find((r): r is Extract<Run, { part: 'epochs' }> => r.part === 'epochs');
  const epochs = epochRun?.epochs ?? [];
  const epochBackend = epochRun?.backend ?? 'default';
  const k = (be: BackendName, id: string) => kernels.find((r) => r.backend === be && r.activation === id);
  const total = (r: KernelTiming | undefined) => (r ? r.forwardNs + r.backwardNs : NaN);
  const measuredBackends = BACKENDS.filter((be) => k(be, 'relu'));
  const kernelFaster = measuredBackends.length > 0 && measuredBackends.every((be) => EXPENSIVE.every((e) => total(k(be, 'relu')) < total(k(be, e))));
  const epochOf = (id: string) => epochs.find((e) => e.activation === id)?.seconds;
  const reluEpoch = epochOf('relu');
  const epochFaster = reluEpoch !== undefined && EXPENSIVE.every((e) => epochOf(e) !== undefined && reluEpoch <= 0.95 * epochOf(e)!);
  let verdict: Verdict = 'inconclusive';
  if (measuredBackends.length > 0) verdict = !kernelFaster ? 'disagrees' : epochs.length >= 3 && epochFaster ? 'agrees' : epochs.length >= 3 ? 'partly' : 'inconclusive';
  const ratioText = (be: BackendName) =>
    `${be}: relu ${num(total(k(be, 'relu')))} ns per element forward + backward, sigmoid ${num(total(k(be, 'sigmoid')))}, tanh ${num(total(k(be, 'tanh')))}, gelu ${num(total(k(be, 'gelu')))} (a copy of the same bytes: ${num(copies[be])})`;
  const summary =
    (measuredBackends.length ? `${measuredBackends.map(ratioText).join('; ')}. ` : 'No kernel was timed. ') +
    (reluEpoch !== undefined
      ? `One epoch of the MLP took ${num(reluEpoch)} s with relu, ${EXPENSIVE.map((e) => `${num(epochOf(e))} s with ${e}`).join(' and ')} on the ${epochBackend} backend. `
      : '') +
    (verdict === 'agrees'
      ? 'ReLU is cheaper both as a kernel and over a whole epoch.'
      : verdict === 'partly'
        ? 'The relu kernel is the cheaper one, but in a whole epoch the matrix products dominate and the activation hardly changes the time.'
        : verdict === 'disagrees'
          ? 'Here relu’s kernel is not faster than sigmoid’s and tanh’s: their polynomial approximations run at memory speed too.'
          : 'Not enough to judge.') +
    partialNote(runs.length, plan.planned, 'measurements');
  const ids = [...new Set(kernels.map((r) => r.activation))];
  return {
    setup:
      `Kernels: every activation of the table except linear, on ${b.elements.toLocaleString('en-US')} float32 elements in [-4, 4], forward and the backward the training engine uses ` +
      `(from y where the activation allows it, else from x), on the js and wasm backends; median of ${b.rounds} rounds of at least ${b.roundMs} ms, next to a plain copy of the same bytes. ` +
      `Epochs: MLP 784 → ${b.hidden.join(' → ')} → 10 on the first ${b.trainSize} Fashion-MNIST images, batch ${b.batchSize}, SGD, the second of two epochs timed, on the ${epochBackend} backend. ${RULE}`,
    measured: [
      ...measuredBackends.flatMap((be) => [figure(`${be}: relu forward + backward`, [total(k(be, 'relu'))], 'ns/element'), figure(`${be}: sigmoid forward + backward`, [total(k(be, 'sigmoid'))], 'ns/element'), figure(`${be}: tanh forward + backward`, [total(k(be, 'tanh'))], 'ns/element')]),
      ...b.epochActivations.map((id) => figure(`epoch with ${id}`, [epochOf(id) ?? null], 's')),
    ],
    basis: [
      ...measuredBackends.map((be) =>
        basisFigure(`${be}: relu fwd+bwd over the faster of sigmoid and tanh`, [total(k(be, 'relu')) / Math.min(...EXPENSIVE.map((e) => total(k(be, e))))], 'rule: < 1', '×'),
      ),
      ...(reluEpoch !== undefined && EXPENSIVE.every((e) => epochOf(e) !== undefined)
        ? [basisFigure('epoch with relu over the faster of sigmoid and tanh', [reluEpoch / Math.min(...EXPENSIVE.map((e) => epochOf(e)!))], 'rule: ≤ 0.95 for agrees', '×')]
        : []),
    ],
    verdict,
    summary,
    tables: [
      {
        title: 'Nanoseconds per element (median); ratios are to a copy of the same bytes on the same backend',
        columns: ['activation', ...BACKENDS.flatMap((be) => [`${be} forward`, `${be} backward`, `${be} fwd+bwd / copy`])],
        rows: ids.map((id) => [
          id + (getSpec(id).piecewiseLinear ? ' (piecewise linear)' : ''),
          ...BACKENDS.flatMap((be) => {
            const r = k(be, id);
            return [cell(r?.forwardNs, 3), cell(r?.backwardNs, 3), cell(r && copies[be] ? total(r) / copies[be]! : null, 3)];
          }),
        ]),
      },
      {
        title: 'Time of one epoch with each activation',
        columns: ['activation', 'seconds', 'relative to relu'],
        rows: epochs.map((e) => [e.activation, cell(e.seconds, 3), cell(reluEpoch ? e.seconds / reluEpoch : null, 3)]),
      },
    ],
    charts: [
      ...measuredBackends.map((be) => ({
        kind: 'bar' as const,
        title: `Forward and backward cost per element, ${be} backend`,
        caption: `Median ns per element over ${b.elements.toLocaleString('en-US')} elements; the rule is a copy of the same bytes.`,
        yLabel: 'ns per element',
        groups: ids,
        series: [
          { name: 'forward', values: ids.map((id) => cell(k(be, id)?.forwardNs, 3)) },
          { name: 'backward', values: ids.map((id) => cell(k(be, id)?.backwardNs, 3)) },
        ],
        reference: { label: 'copy', value: cell(copies[be], 3) ?? 0 },
      })),
      {
        kind: 'bar',
        title: 'Seconds per epoch, same MLP with each activation',
        caption: `${b.trainSize} images, batch ${b.batchSize}, ${epochBackend} backend.`,
        yLabel: 'seconds',
        groups: epochs.map((e) => e.activation),
        series: [{ name: 'epoch', values: epochs.map((e) => cell(e.seconds, 3)) }],
      },
    ],
  };
}

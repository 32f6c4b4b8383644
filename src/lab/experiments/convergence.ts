/**
 * Convergence speed: Krizhevsky, Sutskever & Hinton 2012 (Figure 1) trained a four-layer CNN on CIFAR-10
 * with ReLUs and with tanh, each at its own best learning rate and without regularization, and the ReLU
 * network reached 25% training error six times faster. We run the same race on Fashion-MNIST: a small
 * four-layer CNN (two convolutions, two dense layers), SGD with momentum 0.9 and batch 128 as in the paper,
 * each activation's learning rate chosen from a grid by the paper's own criterion (fastest to the
 * training-error threshold), and the training error measured on training images in inference mode.
 */
import { take, type Dataset } from '../../data/dataset.js';
import { sgd } from '../../optim/optimizers.js';
import type { LineSeries, Verdict } from '../../report/schema.js';
import { TransformLayer } from '../../nn/index.js';
import type { Sequential } from '../../nn/index.js';
import { Rng } from '../../util/random.js';
import { partialNote, type Findings } from '../result.js';
import { basisFigure, cell, figure, finite, mean, meanSd, num, pct, sd } from '../stats.js';
import { cnn, imageData, mlp, train } from '../training.js';
import type { BudgetBase, Experiment, SummaryPlan } from '../types.js';

/**
 * How each network starts. `matched`: the initialization suited to each activation (He for relu, Glorot
 * for tanh and sigmoid), so neither starts handicapped. `paper`: what Krizhevsky et al. used, weights from
 * N(0, 0.01²) for every layer and activation (Section 5), with zero biases.
 */
export type ConvergenceInit = 'matched' | 'paper';

export interface ConvergenceBudget extends BudgetBase {
  readonly trainSize: number;
  /** Training samples the training error is measured on (the first ones of the training set). */
  readonly probeSize: number;
  /** `cnn`: two convolutions (`filters`) then `hidden` dense layers; `mlp`: `hidden` dense layers only. */
  readonly model: 'mlp' | 'cnn';
  readonly hidden: readonly number[];
  readonly filters: readonly [number, number];
  readonly batchSize: number;
  readonly activations: readonly Act[];
  readonly inits: readonly ConvergenceInit[];
  /** The learning-rate grid each activation picks its best rate from (with the first seed). */
  readonly learningRates: readonly number[];
  /** Training error to reach, as a fraction. */
  readonly threshold: number;
  /** A run that has not reached the threshold after this many steps stops there. */
  readonly maxSteps: number;
  /** Steps between two measurements of the training error. */
  readonly evalEvery: number;
}

type Act = 'relu' | 'tanh' | 'sigmoid';
const MOMENTUM = 0.9;
const PAPER_STD = 0.01;

/** The `paper` setting races only the claim's pair, relu and tanh; sigmoid is a baseline of the matched setting. */
function activationsFor(b: ConvergenceBudget, init: ConvergenceInit): readonly Act[] {
  return init === 'paper' ? b.activations.filter((a) => a !== 'sigmoid') : b.activations;
}

const INIT_TEXT: Record<ConvergenceInit, string> = {
  matched: 'He normal for relu, Glorot uniform for tanh and sigmoid, zero biases',
  paper: `N(0, ${PAPER_STD}²) weights for every layer and activation, zero biases (Krizhevsky et al.'s initialization)`,
};

const RULE =
  'Verdict rule, on S = mean over seeds of (steps tanh needs) / (steps relu needs) to the threshold, with the initialization matched to each activation: ' +
  'agrees when S ≥ 3 (the same order as the published six-fold), partly when 1.2 ≤ S < 3, disagrees when S < 1.2, inconclusive when relu never reached the threshold. ' +
  'A run that never reaches it counts as the step cap, which makes S a lower bound.';

export interface Run {
  activation: Act;
  init: ConvergenceInit;
  learningRate: number;
  seed: number;
  /** Steps until the training error first measured ≤ threshold, or null. */
  steps: number | null;
  /** Training seconds (measurements excluded) until then, or null. */
  seconds: number | null;
  finalError: number;
  stepsRun: number;
  diverged: boolean;
  /** Stopped during the rate search once it could no longer beat the fastest rate found so far. */
  pruned: boolean;
  /** [step, training error] every evalEvery steps. */
  curve: Array<[number, number]>;
  /** Part of the learning-rate search (first seed) or a repetition at the chosen rate. */
  search: boolean;
}

function buildModel(b: ConvergenceBudget, activation: string, init: ConvergenceInit, seed: number): Sequential {
  const model =
    b.model === 'cnn'
      ? cnn({ inputShape: [28, 28, 1], filters: b.filters, activation, outputs: 10, seed, hidden: b.hidden })
      : mlp({ inputs: 784, hidden: b.hidden, activation, outputs: 10, seed });
  if (init === 'paper') {
    const rng = new Rng(seed * 7919 + 17);
    for (const layer of model.layers) {
      if (!(layer instanceof TransformLayer)) continue;
      const values = layer.weights().map((p, i) => {
        const v = new Float32Array(p.size);
        if (i === 0) for (let k = 0; k < v.length; k++) v[k] = rng.normal(0, PAPER_STD);
        return v;
      });
      layer.setWeights(values);
    }
  }
  return model;
}

/** Error on training images in inference mode: what the paper plots, not a running average over batches. */
function trainingError(model: Sequential, probe: Dataset): number {
  return 1 - (model.evaluate(probe.x, probe.y, { batchSize: 500 }).accuracy ?? 0);
}

async function race(
  b: ConvergenceBudget, data: Dataset, probe: Dataset, activation: Act, init: ConvergenceInit, learningRate: number, seed: number,
  signal: AbortSignal, stopAfter: number,
): Promise<Run | null> {
  const model = buildModel(b, activation, init, seed);
  try {
    // Krizhevsky et al. train with SGD and momentum 0.9; Figure 1 uses no regularization of any kind.
    model.compile({ optimizer: sgd({ learningRate, momentum: MOMENTUM }), loss: 'softmax_cross_entropy', metrics: ['accuracy'] });
    const curve: Array<[number, number]> = [[0, trainingError(model, probe)]];
    let steps: number | null = null;
    let seconds: number | null = null;
    let measuring = 0;
    let pruned = false;
    const cap = Math.min(b.maxSteps, stopAfter);
    const started = performance.now();
    const epochs = Math.ceil((b.maxSteps * b.batchSize) / data.length);
    const outcome = await train(model, data, {
      epochs,
      batchSize: b.batchSize,
      signal,
      onStep: (step) => {
        if (step % b.evalEvery !== 0 && step < cap) return;
        const t = performance.now();
        const trainingSeconds = (t - started - measuring) / 1000;
        const error = trainingError(model, probe);
        measuring += performance.now() - t;
        curve.push([step, error]);
        if (steps === null && error <= b.threshold) {
          steps = step;
          seconds = trainingSeconds;
        }
        if (steps === null && step >= cap && cap < b.maxSteps) pruned = true;
        if (steps !== null || step >= cap) model.stopTraining = true;
      },
    });
    if (outcome.aborted && steps === null) return null;
    return {
      activation, init, learningRate, seed, steps, seconds, pruned,
      finalError: curve[curve.length - 1]![1], stepsRun: outcome.steps, diverged: outcome.diverged, curve, search: false,
    };
  } finally {
    model.dispose();
  }
}

/** Fewest steps to the threshold; among rates that never reached it, the lowest final error. */
function bestRate(runs: readonly Run[]): number | null {
  if (runs.length === 0) return null;
  const ranked = [...runs].sort((a, b) => (a.steps ?? Infinity) - (b.steps ?? Infinity) || Number(a.pruned) - Number(b.pruned) || a.finalError - b.finalError);
  return ranked[0]!.learningRate;
}

interface Cell {
  init: ConvergenceInit;
  activation: Act;
}

export const convergence: Experiment<ConvergenceBudget, Cell, Run[]> = {
  id: 'convergence',
  title: 'ReLU networks train faster than tanh networks',
  claim:
    'A four-layer convolutional network with ReLUs reaches 25% training error on CIFAR-10 six times faster than an equivalent network with tanh ' +
    'neurons, each with the learning rate that made it train fastest and no regularization.',
  source: { citation: 'Krizhevsky, Sutskever & Hinton 2012, ImageNet Classification with Deep Convolutional Neural Networks (NeurIPS), Figure 1', url: 'https://papers.nips.cc/paper/4824-imagenet-classification-with-deep-convolutional-neural-networks' },
  budgets: {
    tiny: {
      expectedSeconds: 4, trainSize: 1000, probeSize: 300, model: 'mlp', hidden: [32, 16, 16], filters: [4, 8], batchSize: 32,
      activations: ['relu', 'tanh'], inits: ['matched', 'paper'], learningRates: [0.03, 0.1], threshold: 0.35, maxSteps: 60, evalEvery: 10,
    },
    quick: {
      expectedSeconds: 45, trainSize: 12000, probeSize: 1000, model: 'cnn', hidden: [64], filters: [8, 16], batchSize: 128,
      activations: ['relu', 'tanh'], inits: ['matched'], learningRates: [0.01, 0.03, 0.1, 0.3], threshold: 0.15, maxSteps: 400, evalEvery: 10,
    },
    full: {
      expectedSeconds: 540, trainSize: 30000, probeSize: 1000, model: 'cnn', hidden: [64], filters: [8, 16], batchSize: 128,
      activations: ['relu', 'tanh', 'sigmoid'], inits: ['matched', 'paper'], learningRates: [0.01, 0.03, 0.1, 0.3], threshold: 0.15, maxSteps: 800, evalEvery: 10,
    },
  },

  grid: ({ budget }) => budget.inits.flatMap((init) => activationsFor(budget, init).map((activation) => ({ init, activation }))),
  label: (c) => `${c.init} init · ${c.activation}`,

  /**
   * One cell is one activation and initialization: its learning-rate search with the first seed, then the
   * other seeds at the rate the search chose. The two steps depend on each other, so they share a cell.
   */
  async run({ init, activation }, ctx) {
    const b = ctx.budget;
    const { data, probe } = await ctx.shared('loading Fashion-MNIST', async () => {
      const { train: data } = await imageData('fashion-mnist', b.trainSize, 1, b.model === 'mlp');
      return { data, probe: take(data, Math.min(b.probeSize, data.length)) };
    });
    const [first, ...rest] = ctx.seeds;
    const runs: Run[] = [];
    // Largest rate first: fast rates are usually found early, and a slower rate is stopped as soon as it can no longer win.
    const grid = [...b.learningRates].sort((x, y) => y - x);
    let best = Infinity;
    for (const lr of grid) {
      if (ctx.signal.aborted) return null;
      ctx.status(`${init} init · ${activation} · lr ${lr} · seed ${first} (choosing the rate)`);
      const run = await race(b, data, probe, activation, init, lr, first!, ctx.signal, best);
      if (!run) return null;
      runs.push({ ...run, search: true });
      if (run.steps !== null) best = Math.min(best, run.steps);
    }
    const lr = bestRate(runs);
    for (const seed of lr === null ? [] : rest) {
      if (ctx.signal.aborted) return null;
      ctx.status(`${init} init · ${activation} · lr ${lr} · seed ${seed}`);
      const run = await race(b, data, probe, activation, init, lr!, seed, ctx.signal, Infinity);
      if (!run) return null;
      runs.push(run);
    }
    return runs;
  },

  summarize,
};

export function summarize(cells: readonly (readonly Run[])[], plan: SummaryPlan<ConvergenceBudget>): Findings {
  const b = plan.budget;
  // Every learning-rate search first, then the repetitions at the chosen rates, each in grid order.
  const runs = [...cells.flatMap((c) => c.filter((r) => r.search)), ...cells.flatMap((c) => c.filter((r) => !r.search))];
  const acts = b.activations;
  const actsOf = (i: ConvergenceInit) => activationsFor(b, i);
  const othersOf = (i: ConvergenceInit) => actsOf(i).filter((a) => a !== 'relu');
  const chosen = (a: Act, i: ConvergenceInit) => bestRate(runs.filter((r) => r.activation === a && r.init === i && r.search));
  const final = (a: Act, i: ConvergenceInit) =>
    runs.filter((r) => r.activation === a && r.init === i && r.learningRate === chosen(a, i) && (r.search ? r.seed === plan.seeds[0] : true));
  const stepsOf = (a: Act, i: ConvergenceInit) => final(a, i).map((r) => r.steps);
  const secondsOf = (a: Act, i: ConvergenceInit) => final(a, i).map((r) => r.seconds);
  // Per seed, the other activation's cost over relu's; a run that never reached the threshold counts as the cap.
  const ratios = (other: Act, i: ConvergenceInit, by: 'steps' | 'seconds') =>
    plan.seeds.flatMap((seed) => {
      const r = final('relu', i).find((x) => x.seed === seed);
      const o = final(other, i).find((x) => x.seed === seed);
      if (!r || !o || r.steps === null || r.seconds === null) return [];
      if (by === 'steps') return [(o.steps ?? b.maxSteps) / r.steps];
      return o.seconds === null ? [] : [o.seconds / r.seconds];
    });
  const censored = (a: Act, i: ConvergenceInit) => final(a, i).filter((r) => r.steps === null).length;
  const primary: ConvergenceInit = b.inits.includes('matched') ? 'matched' : b.inits[0]!;
  const sTanh = acts.includes('tanh') ? ratios('tanh', primary, 'steps') : [];
  let verdict: Verdict = 'inconclusive';
  if (sTanh.length > 0) {
    const s = mean(sTanh);
    verdict = s >= 3 ? 'agrees' : s >= 1.2 ? 'partly' : 'disagrees';
  }
  const epochsOf = (steps: number) => (steps * b.batchSize) / b.trainSize;
  const maxLr = Math.max(...b.learningRates);
  const minLr = Math.min(...b.learningRates);
  const describeAct = (a: Act, i: ConvergenceInit) => {
    const reached = finite(stepsOf(a, i));
    const lr = chosen(a, i);
    if (lr === null) return `${a}: not run`;
    const edge = lr === maxLr || lr === minLr ? ` (an edge of the grid)` : '';
    if (reached.length === 0) return `${a} (best rate ${lr}${edge}) never reached it within ${b.maxSteps} steps`;
    return (
      `${a} (best rate ${lr}${edge}) needed ${meanSd(reached, (v) => num(v))} steps (${num(epochsOf(mean(reached)), 2)} epochs, ${meanSd(secondsOf(a, i), (v) => `${num(v)} s`)})` +
      `${censored(a, i) ? `, and ${censored(a, i)} run(s) never reached it` : ''}`
    );
  };
  const speedText = (i: ConvergenceInit) =>
    othersOf(i)
      .map((o) => {
        const s = ratios(o, i, 'steps');
        const t = ratios(o, i, 'seconds');
        return s.length ? `${meanSd(s, (v) => `${num(v, 2)}×`)} as fast as ${o} in steps (${meanSd(t, (v) => `${num(v, 2)}×`)} in seconds)` : null;
      })
      .filter((x) => x !== null)
      .join(' and ');
  const settingText = (i: ConvergenceInit) => {
    const s = speedText(i);
    return (
      `With ${i === 'matched' ? 'the initialization matched to each activation' : `Krizhevsky et al.'s N(0, ${PAPER_STD}²) initialization`}: ${actsOf(i).map((a) => describeAct(a, i)).join('; ')}. ` +
      (s ? `ReLU reached it ${s}${othersOf(i).some((o) => censored(o, i)) ? ' (lower bounds where a run never reached the threshold)' : ''}. ` : 'ReLU never reached the threshold, so no speed-up can be computed. ')
    );
  };
  const summary =
    `Threshold: ${pct(b.threshold, 0)} training error. ` +
    b.inits.filter((i) => runs.some((r) => r.init === i)).map(settingText).join('') +
    'The paper reports six-fold over tanh on CIFAR-10. ' +
    (verdict === 'agrees'
      ? 'ReLU is several times faster here too.'
      : verdict === 'partly'
        ? 'ReLU is faster, but by much less than six-fold on this smaller problem.'
        : verdict === 'disagrees'
          ? 'On this problem and network ReLU is not meaningfully faster than tanh: the six-fold gap does not reproduce here.'
          : 'Not enough runs to judge.') +
    partialNote(cells.length, plan.planned, 'configurations');
  const curves: LineSeries[] = b.inits.flatMap((i) =>
    actsOf(i).flatMap((a) => {
      const r = final(a, i).find((x) => x.seed === plan.seeds[0]);
      const label = b.inits.length > 1 ? `${a}, ${i} init (lr ${r?.learningRate})` : `${a} (lr ${r?.learningRate})`;
      return r ? [{ name: label, points: r.curve.map(([s, e]) => [s, cell(e)] as [number, number | null]) }] : [];
    }),
  );
  const modelText =
    b.model === 'mlp'
      ? `an MLP 784 → ${b.hidden.join(' → ')} → 10 (${b.hidden.length + 1} weight layers; a smaller stand-in for the paper's four-layer CNN, used where a CNN would not fit the budget)`
      : `a ${2 + b.hidden.length + 1}-layer CNN: conv 3×3 ×${b.filters[0]} → max-pool 2 → conv 3×3 ×${b.filters[1]} → max-pool 2 → ${b.hidden.map((h) => `dense ${h}`).join(' → ')} → dense 10, ` +
        'the activation after every layer but the last (the paper’s CIFAR-10 network is also four layers; its exact shape is not given in the paper)';
  const groups = b.inits.flatMap((i) => othersOf(i).map((o) => (b.inits.length > 1 ? `over ${o}, ${i} init` : `over ${o}`)));
  const barValues = b.inits.flatMap((i) => othersOf(i).map((o) => ratios(o, i, 'steps')));
  return {
    setup:
      `Data: the first ${b.trainSize} Fashion-MNIST training images; the training error is measured on the first ${b.probeSize} of them (images the network trains on), in inference mode, ` +
      `every ${b.evalEvery} steps. Threshold: ${pct(b.threshold, 0)}, ours rather than the paper's 25%, because Fashion-MNIST is easier than CIFAR-10 and this network passes 25% training error within its first epoch. Model: ${modelText}. Initialization: ${b.inits.map((i) => INIT_TEXT[i]).join('; and, as a second setting racing relu and tanh only, ')}. ` +
      `Training: SGD with momentum ${MOMENTUM} (as in the paper), batch ${b.batchSize}, no regularization (no weight decay, dropout or augmentation), at most ${b.maxSteps} steps (${num(epochsOf(b.maxSteps), 2)} epochs). ` +
      `Learning rate: for each activation and initialization, the one from {${b.learningRates.join(', ')}} that reaches the threshold in the fewest steps with seed ${plan.seeds[0]} ` +
      `(the paper's criterion: each network's rate "chosen to make training as fast as possible"; a rate is stopped once it has used as many steps as the fastest so far, since it can no longer win); ` +
      `the other seeds (${plan.seeds.slice(1).join(', ') || 'none'}) rerun at that rate. Seconds count training only, not the error measurements, on a machine that may be shared, so steps are the primary measure. ${RULE}`,
    published: [
      { label: 'ReLU speed-up over tanh to 25% training error', value: 6, unit: '×', note: 'CIFAR-10, four-layer CNN, Figure 1' },
    ],
    measured: [
      ...b.inits.flatMap((i) =>
        othersOf(i).flatMap((o) => [
          figure(`speed-up of relu over ${o} (steps${b.inits.length > 1 ? `, ${i} init` : ''})`, ratios(o, i, 'steps'), '×'),
          figure(`speed-up of relu over ${o} (seconds${b.inits.length > 1 ? `, ${i} init` : ''})`, ratios(o, i, 'seconds'), '×'),
        ]),
      ),
      ...b.inits.flatMap((i) =>
        actsOf(i).flatMap((a) => [
          figure(`${a}${b.inits.length > 1 ? ` (${i} init)` : ''}: steps to ${pct(b.threshold, 0)} error`, stepsOf(a, i)),
          figure(`${a}${b.inits.length > 1 ? ` (${i} init)` : ''}: seconds to ${pct(b.threshold, 0)} error`, secondsOf(a, i), 's'),
        ]),
      ),
    ],
    basis: [
      basisFigure(`speed-up of relu over tanh (steps${b.inits.length > 1 ? `, ${primary} init` : ''})`, sTanh, 'published 6×; rule: ≥ 3× agrees, ≥ 1.2× partly', '×'),
      ...(['relu', 'tanh'] as const)
        .filter((a) => actsOf(primary).includes(a))
        .map((a) => basisFigure(`${a}${b.inits.length > 1 ? ` (${primary} init)` : ''}: steps to ${pct(b.threshold, 0)} error`, stepsOf(a, primary), censored(a, primary) ? `${censored(a, primary)} run(s) never reached it` : 'at its best rate')),
    ],
    verdict,
    summary,
    tables: [
      {
        title: `Steps and seconds to ${pct(b.threshold, 0)} training error at each activation's best learning rate`,
        columns: ['initialization', 'activation', 'learning rate', 'steps (mean)', 'steps (sd)', 'seconds (mean)', 'runs that never reached it', 'speed-up of relu over it (steps)'],
        rows: b.inits.flatMap((i) =>
          actsOf(i).map((a) => {
            const st = finite(stepsOf(a, i));
            const sp = a === 'relu' ? [1] : ratios(a, i, 'steps');
            return [i, a, chosen(a, i), cell(mean(st)), cell(st.length > 1 ? sd(st) : null), cell(mean(finite(secondsOf(a, i))), 3), censored(a, i), cell(sp.length ? mean(sp) : null, 3)];
          }),
        ),
      },
      {
        title: 'Every run (the first seed tries every learning rate)',
        columns: ['initialization', 'activation', 'learning rate', 'seed', 'steps to threshold', 'seconds to threshold', 'steps run', 'final training error', 'outcome'],
        rows: runs.map((r) => [
          r.init, r.activation, r.learningRate, r.seed, r.steps, cell(r.seconds, 3), r.stepsRun, cell(r.finalError),
          r.diverged ? 'diverged' : r.steps !== null ? 'reached' : r.pruned ? 'stopped: slower than a faster rate' : 'not reached',
        ]),
      },
    ],
    charts: [
      {
        kind: 'line',
        title: `Training error against steps (seed ${plan.seeds[0]}, best rate of each)`,
        caption: `Each run stops once its error reaches ${pct(b.threshold, 0)} (or after ${b.maxSteps} steps). Krizhevsky et al.'s Figure 1 shows the same kind of curves for CIFAR-10.`,
        xLabel: 'steps',
        yLabel: 'training error',
        series: curves,
      },
      {
        kind: 'bar',
        title: 'How many times fewer steps ReLU needs to reach the threshold',
        caption: 'Mean over seeds, one standard deviation as error bars; the rule marks the published six-fold speed-up over tanh.',
        yLabel: 'speed-up (×)',
        groups,
        series: [{ name: 'relu', values: barValues.map((v) => cell(v.length ? mean(v) : null)), errors: barValues.map((v) => cell(v.length > 1 ? sd(v) : null)) }],
        reference: { label: 'published: 6× over tanh (CIFAR-10)', value: 6 },
      },
    ],
  };
}

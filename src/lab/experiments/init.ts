/**
 * Initialization of deep ReLU networks: He et al. 2015 derive that a ReLU layer halves the variance of its
 * input unless the weights have variance 2/fan_in, so with "Xavier" initialization (variance 1/fan_in) the
 * signal of a 30-layer ReLU network shrinks by 2³⁰ and training stalls, while their initialization keeps
 * the variance constant and the network converges (Figure 3).
 */
import { sgd } from '../../optim/optimizers.js';
import type { LineSeries, Verdict } from '../../report/schema.js';
import { hiddenLayerReports } from '../diagnostics.js';
import { partialNote, type Findings } from '../result.js';
import { basisFigure, cell, figure, finite, mean, meanSd, num, pct } from '../stats.js';
import { accuracy, imageData, mlp, train } from '../training.js';
import type { BudgetBase, Experiment, SummaryPlan } from '../types.js';

export interface InitBudget extends BudgetBase {
  readonly depth: number;
  readonly width: number;
  readonly trainSize: number;
  readonly testSize: number;
  /** Samples the activation statistics at initialization are measured on. */
  readonly probeSize: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
}

const SCHEMES = [
  { id: 'xavier', label: 'Xavier (Glorot)', initializer: 'glorot_normal' },
  { id: 'he', label: 'He', initializer: 'he_normal' },
] as const;
type Scheme = (typeof SCHEMES)[number]['id'];

/** ln 10: the cross-entropy of a network that predicts the uniform distribution over 10 classes. */
const CHANCE_LOSS = Math.log(10);

const RULE =
  `Verdict rule: a run converges when its last epoch's training loss is ≤ 75% of ln 10 (${num(0.75 * CHANCE_LOSS)}) and stalls when it stays above 90% (${num(0.9 * CHANCE_LOSS)}). ` +
  'Agrees when every He run converges and every Xavier run stalls; partly when He ends lower than Xavier on average by at least 10%; disagrees when Xavier ends as low as He or lower; otherwise inconclusive.';

export interface Run {
  scheme: Scheme;
  seed: number;
  /** Variance of each hidden layer's output at initialization. */
  variance: number[];
  /** Mean training loss per epoch. */
  loss: number[];
  testAccuracy: number;
  /** ‖∂L/∂W‖ of the first weight layer over the last, per epoch (src/monitors). */
  gradientRatio: Array<number | null>;
  seconds: number;
  diverged: boolean;
}

interface Cell {
  scheme: Scheme;
  seed: number;
}

export const init: Experiment<InitBudget, Cell, Run> = {
  id: 'init',
  title: 'He initialization lets a 30-layer ReLU network train; Xavier stalls',
  claim:
    'With ReLU, weights of variance 2/fan_in keep the variance of the signal constant from layer to layer; the "Xavier" variance 1/fan_in halves it at ' +
    'every layer, so a 30-layer ReLU network initialized that way stalls while the same network with the new initialization converges.',
  source: { citation: 'He, Zhang, Ren & Sun 2015, Delving Deep into Rectifiers (ICCV), Section 2.2 and Figure 3', url: 'https://arxiv.org/abs/1502.01852' },
  budgets: {
    tiny: { expectedSeconds: 3, depth: 30, width: 16, trainSize: 500, testSize: 200, probeSize: 200, epochs: 1, batchSize: 50, learningRate: 0.01 },
    quick: { expectedSeconds: 30, depth: 30, width: 64, trainSize: 5000, testSize: 1000, probeSize: 500, epochs: 4, batchSize: 64, learningRate: 0.01 },
    full: { expectedSeconds: 150, depth: 30, width: 128, trainSize: 12000, testSize: 5000, probeSize: 1000, epochs: 6, batchSize: 64, learningRate: 0.01 },
  },

  grid: ({ seeds }) => seeds.flatMap((seed) => SCHEMES.map((s) => ({ scheme: s.id, seed }))),
  label: (c) => `${SCHEMES.find((s) => s.id === c.scheme)!.label} · seed ${c.seed}`,

  async run({ scheme, seed }, ctx) {
    const b = ctx.budget;
    const { data, test, probe } = await ctx.shared('loading Fashion-MNIST', async () => {
      const { train: data, test } = await imageData('fashion-mnist', b.trainSize, b.testSize, true);
      return { data, test, probe: data.x.subarray(0, Math.min(b.probeSize, data.length) * 784) };
    });
    const initializer = SCHEMES.find((s) => s.id === scheme)!.initializer;
    const model = ctx.track(mlp({ inputs: 784, hidden: Array<number>(b.depth).fill(b.width), activation: 'relu', outputs: 10, init: initializer, seed }));
    const variance = hiddenLayerReports(model, probe).map((r) => r.std ** 2);
    model.compile({ optimizer: sgd({ learningRate: b.learningRate, momentum: 0.9 }), loss: 'softmax_cross_entropy', metrics: ['accuracy'] });
    const outcome = await train(model, data, { epochs: b.epochs, batchSize: b.batchSize, signal: ctx.signal, monitor: { every: 10, probeAtInit: 0 } });
    if (outcome.aborted) return null;
    return {
      scheme, seed, variance,
      loss: outcome.history.history.loss,
      testAccuracy: accuracy(model, test),
      gradientRatio: outcome.health.map((e) => e.gradientRatio),
      seconds: outcome.seconds,
      diverged: outcome.diverged,
    };
  },

  summarize,
};

export function summarize(runs: readonly Run[], plan: SummaryPlan<InitBudget>): Findings {
  const b = plan.budget;
  const of = (s: Scheme) => runs.filter((r) => r.scheme === s);
  const lastLoss = (r: Run) => r.loss[r.loss.length - 1] ?? NaN;
  const converges = (r: Run) => lastLoss(r) <= 0.75 * CHANCE_LOSS;
  const stalls = (r: Run) => !(lastLoss(r) <= 0.9 * CHANCE_LOSS);
  const he = of('he');
  const xavier = of('xavier');
  let verdict: Verdict = 'inconclusive';
  if (he.length > 0 && xavier.length > 0) {
    const heLoss = mean(he.map(lastLoss));
    const xLoss = mean(xavier.map(lastLoss));
    if (he.every(converges) && xavier.every(stalls)) verdict = 'agrees';
    else if (heLoss <= 0.9 * xLoss) verdict = 'partly';
    else if (xLoss <= heLoss) verdict = 'disagrees';
  }
  // Variance of the last hidden layer over that of the first, at initialization: 2^-(depth-1) in theory for Xavier, 1 for He.
  const decay = (s: Scheme) => of(s).map((r) => (r.variance.length > 1 ? r.variance[r.variance.length - 1]! / r.variance[0]! : NaN));
  const summary =
    (runs.length === 0
      ? 'No run finished. '
      : `At initialization the output variance of the last hidden layer relative to the first is ${meanSd(decay('xavier'), (v) => v.toExponential(1))} with Xavier ` +
        `(theory for ReLU: 2^-${b.depth - 1} ≈ ${(2 ** -(b.depth - 1)).toExponential(1)}) and ${meanSd(decay('he'), (v) => num(v))} with He (theory: 1). ` +
        `After ${b.epochs} epoch${b.epochs > 1 ? 's' : ''} the training loss is ${meanSd(xavier.map(lastLoss))} with Xavier and ${meanSd(he.map(lastLoss))} with He ` +
        `(ln 10 = ${num(CHANCE_LOSS)} is chance), test accuracy ${meanSd(xavier.map((r) => r.testAccuracy), (v) => pct(v))} against ${meanSd(he.map((r) => r.testAccuracy), (v) => pct(v))}. `) +
    (verdict === 'agrees'
      ? 'As He et al. report, the Xavier-initialized network stalls at chance while the He-initialized one learns.'
      : verdict === 'partly'
        ? 'He initialization trains better, but the contrast is not the clean stall-versus-converge of the paper within this budget.'
        : verdict === 'disagrees'
          ? 'Here Xavier initialization did as well as He, contrary to the claim.'
          : 'Not enough to judge.') +
    partialNote(runs.length, plan.planned);
  const firstSeed = (s: Scheme) => of(s).find((r) => r.seed === plan.seeds[0]) ?? of(s)[0];
  const varianceSeries: LineSeries[] = SCHEMES.flatMap((s) => {
    const r = firstSeed(s.id);
    return r ? [{ name: s.label, points: r.variance.map((v, i) => [i + 1, v > 0 ? cell(v) : null] as [number, number | null]) }] : [];
  });
  const lossSeries: LineSeries[] = SCHEMES.flatMap((s) => {
    const rs = of(s.id);
    if (rs.length === 0) return [];
    const epochs = Math.max(...rs.map((r) => r.loss.length));
    const points: Array<[number, number | null]> = [];
    const band: Array<[number, number, number]> = [];
    for (let e = 0; e < epochs; e++) {
      const xs = finite(rs.map((r) => r.loss[e]));
      points.push([e + 1, xs.length ? cell(mean(xs)) : null]);
      if (xs.length > 1) band.push([e + 1, cell(Math.min(...xs))!, cell(Math.max(...xs))!]);
    }
    return [{ name: s.label, points, ...(band.length ? { band } : {}) }];
  });
  return {
    setup:
      `Model: ${b.depth} hidden dense layers of ${b.width} ReLU units (784 → ${b.width} ×${b.depth} → 10), biases zero; kernels drawn from N(0, 2/(fan_in + fan_out)) ("Xavier", ` +
      `1/fan_in for the square layers) or N(0, 2/fan_in) (He). Data: the first ${b.trainSize} Fashion-MNIST training images, ${b.testSize} test images; ` +
      `variance at initialization measured with src/monitors' inspect on ${b.probeSize} training images. Training: SGD, momentum 0.9, learning rate ${b.learningRate}, ` +
      `batch ${b.batchSize}, ${b.epochs} epochs, seeds ${plan.seeds.join(', ')}. ${RULE}`,
    published: [
      { label: '30-layer ReLU network, Xavier initialization', value: 'stalls (does not learn)', note: 'ImageNet, Figure 3 (right)' },
      { label: '30-layer ReLU network, He initialization', value: 'converges', note: 'ImageNet, Figure 3 (right)' },
    ],
    measured: [
      figure('final training loss, Xavier', xavier.map(lastLoss)),
      figure('final training loss, He', he.map(lastLoss)),
      figure('test accuracy, Xavier', xavier.map((r) => r.testAccuracy * 100), '%'),
      figure('test accuracy, He', he.map((r) => r.testAccuracy * 100), '%'),
      figure('last/first hidden-layer variance at init, Xavier', decay('xavier')),
      figure('last/first hidden-layer variance at init, He', decay('he')),
    ],
    basis: [
      basisFigure('final training loss, He', he.map(lastLoss), `rule: converges ≤ ${num(0.75 * CHANCE_LOSS)} in every run`),
      basisFigure('final training loss, Xavier', xavier.map(lastLoss), `rule: stalls > ${num(0.9 * CHANCE_LOSS)} in every run`),
    ],
    verdict,
    summary,
    tables: [
      {
        title: 'Every run',
        columns: ['initialization', 'seed', 'variance layer 1', `variance layer ${b.depth}`, 'loss epoch 1', 'final loss', 'test accuracy', 'grad ratio first/last (last epoch)', 'seconds'],
        rows: runs.map((r) => [
          SCHEMES.find((s) => s.id === r.scheme)!.label, r.seed, cell(r.variance[0]), cell(r.variance[r.variance.length - 1]),
          cell(r.loss[0]), cell(lastLoss(r)), cell(r.testAccuracy), cell(r.gradientRatio[r.gradientRatio.length - 1] ?? null), cell(r.seconds, 3),
        ]),
      },
    ],
    charts: [
      {
        kind: 'line',
        title: 'Variance of each hidden layer’s output at initialization',
        caption: `Seed ${plan.seeds[0]}, over ${b.probeSize} training images. He et al.'s analysis predicts a halving per layer with Xavier and a flat line with He.`,
        xLabel: 'hidden layer',
        yLabel: 'output variance',
        logY: true,
        series: varianceSeries,
      },
      {
        kind: 'line',
        title: 'Training loss per epoch',
        caption: `Mean over seeds (band: min to max). ln 10 ≈ ${num(CHANCE_LOSS)} is the loss of a network that has learned nothing.`,
        xLabel: 'epoch',
        yLabel: 'training loss',
        series: lossSeries,
      },
    ],
  };
}

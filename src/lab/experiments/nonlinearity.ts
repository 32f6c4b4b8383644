/**
 * Non-linearity: without an activation, any stack of dense layers is one affine map, so it can only draw a
 * straight decision boundary. With ReLU the same stack is piecewise linear and can bend the boundary
 * around XOR's quadrants, concentric circles and interleaved spirals (Glorot, Bordes & Bengio 2011 discuss
 * the rectifier's piecewise-linear nature; the expressivity of such networks is counted in Montúfar et
 * al. 2014, https://arxiv.org/abs/1402.1869).
 */
import { circles, spiral, xor } from '../../data/synthetic.js';
import type { Split } from '../../data/dataset.js';
import { adam } from '../../optim/optimizers.js';
import type { BoundaryChart, Verdict } from '../../report/schema.js';
import { noGrad } from '../../autograd/tape.js';
import { tidy } from '../../tensor/tensor.js';
import type { Sequential } from '../../nn/index.js';
import { partialNote, type Findings } from '../result.js';
import { basisFigure, cell, figure, finite, list, mean, meanSd, pct } from '../stats.js';
import { accuracy, mlp, train } from '../training.js';
import type { BudgetBase, Experiment, SummaryPlan } from '../types.js';

export interface NonlinearityBudget extends BudgetBase {
  /** Points per data set, train and test together (20% held out). */
  readonly points: number;
  readonly hidden: readonly number[];
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Cells per side of the drawn decision regions. */
  readonly resolution: number;
}

const DATASETS = ['xor', 'circles', 'spiral'] as const;
type DatasetName = (typeof DATASETS)[number];
const ACTIVATIONS = ['relu', 'linear'] as const;

/** The rule behind the verdict (stated in the report's setup). */
const RULE =
  'Verdict rule: agrees when ReLU reaches ≥ 90% test accuracy on all three sets while the linear network stays ≤ 75% on all three; ' +
  'partly when ReLU beats linear by ≥ 10 points on at least two sets; disagrees when ReLU is never ≥ 5 points better; otherwise inconclusive.';

function dataset(name: DatasetName, points: number, seed: number): Split {
  if (name === 'xor') return xor({ n: points, seed, noise: 0.05 });
  if (name === 'circles') return circles({ n: points, seed, noise: 0.08, factor: 0.5 });
  return spiral({ n: points, seed, noise: 0.2, arms: 3 });
}

export interface Run {
  dataset: DatasetName;
  activation: string;
  seed: number;
  trainAccuracy: number;
  testAccuracy: number;
  seconds: number;
  /** The decision regions over the test points (first seed only). */
  boundary?: Pick<BoundaryChart, 'extent' | 'grid' | 'points' | 'classes'>;
}

interface Cell {
  dataset: DatasetName;
  activation: (typeof ACTIVATIONS)[number];
  seed: number;
}

/** The predicted class of each cell of a resolution² grid over `extent`, row-major from the bottom-left. */
function decisionGrid(model: Sequential, extent: [number, number, number, number], resolution: number): number[] {
  const [x0, x1, y0, y1] = extent;
  const w = (x1 - x0) / resolution;
  const h = (y1 - y0) / resolution;
  const xs = new Float32Array(resolution * resolution * 2);
  for (let r = 0; r < resolution; r++) {
    for (let c = 0; c < resolution; c++) {
      const k = r * resolution + c;
      xs[2 * k] = x0 + (c + 0.5) * w;
      xs[2 * k + 1] = y0 + (r + 0.5) * h;
    }
  }
  return noGrad(() =>
    tidy(() => {
      const out = model.predict(xs, { batchSize: 1024 });
      const v = out.view() as Float32Array;
      const classes = model.outputShape[0]!;
      const grid: number[] = [];
      for (let k = 0; k < resolution * resolution; k++) {
        let best = 0;
        for (let j = 1; j < classes; j++) if (v[k * classes + j]! > v[k * classes + best]!) best = j;
        grid.push(best);
      }
      return grid;
    }),
  ) as number[];
}

function extentOf(split: Split): [number, number, number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const ds of [split.train, split.test]) for (const v of ds.x) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const pad = 0.1 * (hi - lo);
  return [lo - pad, hi + pad, lo - pad, hi + pad];
}

export const nonlinearity: Experiment<NonlinearityBudget, Cell, Run> = {
  id: 'nonlinearity',
  title: 'ReLU lets a network learn non-linear patterns',
  claim:
    'A network of linear layers is a single linear map whatever its depth; inserting the rectifier max(0, x) between the layers makes it ' +
    'piecewise linear, able to separate classes that no straight line separates (XOR, concentric circles, spirals).',
  source: { citation: 'Glorot, Bordes & Bengio 2011, Deep Sparse Rectifier Neural Networks (AISTATS)', url: 'https://proceedings.mlr.press/v15/glorot11a.html' },
  budgets: {
    tiny: { expectedSeconds: 3, points: 200, hidden: [16, 16], epochs: 15, batchSize: 32, learningRate: 0.02, resolution: 16 },
    quick: { expectedSeconds: 15, points: 600, hidden: [32, 32], epochs: 60, batchSize: 32, learningRate: 0.01, resolution: 48 },
    full: { expectedSeconds: 60, points: 1000, hidden: [64, 64], epochs: 200, batchSize: 32, learningRate: 0.01, resolution: 80 },
  },

  grid: ({ seeds }) => DATASETS.flatMap((dataset) => seeds.flatMap((seed) => ACTIVATIONS.map((activation) => ({ dataset, activation, seed })))),
  label: (c) => `${c.dataset} · ${c.activation} · seed ${c.seed}`,

  async run({ dataset: name, activation, seed }, ctx) {
    const b = ctx.budget;
    const split = dataset(name, b.points, seed);
    const model = ctx.track(mlp({ inputs: 2, hidden: b.hidden, activation, outputs: split.train.numClasses, seed }));
    model.compile({ optimizer: adam({ learningRate: b.learningRate }), loss: 'softmax_cross_entropy', metrics: ['accuracy'] });
    const outcome = await train(model, split.train, { epochs: b.epochs, batchSize: b.batchSize, signal: ctx.signal });
    if (outcome.aborted) return null;
    const run: Run = {
      dataset: name, activation, seed,
      trainAccuracy: accuracy(model, split.train),
      testAccuracy: accuracy(model, split.test),
      seconds: outcome.seconds,
    };
    // The decision regions are drawn for the first seed only.
    if (seed === ctx.seeds[0]) {
      const extent = extentOf(split);
      run.boundary = {
        extent,
        grid: decisionGrid(model, extent, b.resolution),
        points: Array.from({ length: split.test.length }, (_, i) => [split.test.x[2 * i]!, split.test.x[2 * i + 1]!, split.test.y[i]!] as [number, number, number]),
        classes: [...split.test.classNames],
      };
    }
    return run;
  },

  summarize,
};

export function summarize(runs: readonly Run[], plan: SummaryPlan<NonlinearityBudget>): Findings {
  const b = plan.budget;
  const charts: BoundaryChart[] = runs.flatMap((r) =>
    r.boundary
      ? [{
          kind: 'boundary' as const,
          title: `${r.dataset} — ${r.activation}`,
          caption: `Decision regions of the ${r.activation === 'relu' ? 'ReLU' : 'linear'} network (seed ${r.seed}) with the test points on top; test accuracy ${pct(r.testAccuracy)}.`,
          extent: r.boundary.extent,
          resolution: b.resolution,
          grid: r.boundary.grid,
          points: r.boundary.points,
          ...(r.boundary.classes ? { classes: r.boundary.classes } : {}),
          xLabel: 'x₁',
          yLabel: 'x₂',
        }]
      : [],
  );
  const acc = (d: DatasetName, a: string) => runs.filter((r) => r.dataset === d && r.activation === a).map((r) => r.testAccuracy);
  const meanOf = (d: DatasetName, a: string) => (acc(d, a).length ? mean(acc(d, a)) : NaN);
  const measuredSets = DATASETS.filter((d) => acc(d, 'relu').length > 0 && acc(d, 'linear').length > 0);
  let verdict: Verdict = 'inconclusive';
  if (measuredSets.length === DATASETS.length) {
    const reluGood = DATASETS.every((d) => meanOf(d, 'relu') >= 0.9);
    const linearBad = DATASETS.every((d) => meanOf(d, 'linear') <= 0.75);
    const gaps = DATASETS.map((d) => meanOf(d, 'relu') - meanOf(d, 'linear'));
    if (reluGood && linearBad) verdict = 'agrees';
    else if (gaps.filter((g) => g >= 0.1).length >= 2) verdict = 'partly';
    else if (gaps.every((g) => g < 0.05)) verdict = 'disagrees';
  }
  const basis = () => {
    if (measuredSets.length === 0) return [];
    const weakestRelu = measuredSets.reduce((x, y) => (meanOf(y, 'relu') < meanOf(x, 'relu') ? y : x));
    const bestLinear = measuredSets.reduce((x, y) => (meanOf(y, 'linear') > meanOf(x, 'linear') ? y : x));
    const leads = measuredSets.filter((d) => meanOf(d, 'relu') - meanOf(d, 'linear') >= 0.1).length;
    return [
      basisFigure(`ReLU test accuracy, lowest set (${weakestRelu})`, [meanOf(weakestRelu, 'relu') * 100], 'rule: ≥ 90% on all three', '%'),
      basisFigure(`linear test accuracy, highest set (${bestLinear})`, [meanOf(bestLinear, 'linear') * 100], 'rule: ≤ 75% on all three', '%'),
      basisFigure('sets where ReLU leads linear by ≥ 10 points', [leads], `of ${measuredSets.length}; partly needs ≥ 2`),
    ];
  };
  const sentences = measuredSets.map((d) => `${d}: ReLU ${meanSd(acc(d, 'relu'), (v) => pct(v))} against linear ${meanSd(acc(d, 'linear'), (v) => pct(v))}`);
  const summary =
    (measuredSets.length
      ? `Test accuracy, mean over ${plan.seeds.length} seed${plan.seeds.length > 1 ? 's' : ''}: ${sentences.join('; ')}. `
      : 'No run finished. ') +
    (verdict === 'agrees'
      ? 'The ReLU network separates all three sets while the linear one cannot do better than a straight line allows, as claimed: the boundaries below show the bends.'
      : verdict === 'partly'
        ? 'ReLU clearly helps on most sets, but not everywhere to the 90% mark within this budget.'
        : verdict === 'disagrees'
          ? 'Within this budget ReLU did not beat the linear network, which contradicts the claim; more epochs may be needed.'
          : 'The runs so far are not enough to judge.') +
    partialNote(runs.length, plan.planned);
  return {
    setup:
      `Data: xor (noise 0.05), circles (radius ratio 0.5, noise 0.08) and spiral (3 arms, noise 0.2), ${b.points} points each, 20% held out for testing. ` +
      `Model: 2 → ${b.hidden.join(' → ')} → classes, the same network with ReLU or with no activation (linear), default initialization. ` +
      `Training: Adam, learning rate ${b.learningRate}, batch ${b.batchSize}, ${b.epochs} epochs, seeds ${plan.seeds.join(', ')}. ` +
      `Decision regions drawn on a ${b.resolution}×${b.resolution} grid for the first seed. ${RULE}`,
    measured: DATASETS.flatMap((d) => [
      figure(`${d}: ReLU test accuracy`, acc(d, 'relu').map((v) => v * 100), '%'),
      figure(`${d}: linear test accuracy`, acc(d, 'linear').map((v) => v * 100), '%'),
    ]),
    basis: basis(),
    verdict,
    summary,
    tables: [
      {
        title: 'Test accuracy by data set (mean over seeds)',
        columns: ['data set', 'ReLU', 'linear', 'difference'],
        rows: DATASETS.map((d) => [d, cell(meanOf(d, 'relu')), cell(meanOf(d, 'linear')), cell(meanOf(d, 'relu') - meanOf(d, 'linear'))]),
      },
      {
        title: 'Every run',
        columns: ['data set', 'activation', 'seed', 'train accuracy', 'test accuracy', 'seconds'],
        rows: runs.map((r) => [r.dataset, r.activation, r.seed, cell(r.trainAccuracy), cell(r.testAccuracy), cell(r.seconds, 3)]),
      },
    ],
    charts: [
      {
        kind: 'bar',
        title: 'Test accuracy: ReLU against no activation',
        caption: `Mean over seeds; error bars are one standard deviation. Chance is ${list(['50% for xor and circles', '33% for the 3-arm spiral'])}.`,
        yLabel: 'test accuracy',
        groups: [...DATASETS],
        series: ACTIVATIONS.map((a) => ({
          name: a,
          values: DATASETS.map((d) => cell(meanOf(d, a))),
          errors: DATASETS.map((d) => {
            const xs = finite(acc(d, a));
            return xs.length > 1 ? cell(Math.sqrt(xs.reduce((s, v) => s + (v - mean(xs)) ** 2, 0) / (xs.length - 1))) : null;
          }),
        })),
      },
      ...charts,
    ],
  };
}

/**
 * The family side by side: the same MLP and the same small CNN on Fashion-MNIST with each member of the
 * ReLU family and the classic sigmoid and tanh. Ramachandran, Zoph & Le 2017 found that the differences
 * between good activations are small (Swish matching or slightly beating ReLU); we measure accuracy, time,
 * sparsity and dead units for each.
 */
import { adam } from '../../optim/optimizers.js';
import type { Verdict } from '../../report/schema.js';
import type { Sequential } from '../../nn/index.js';
import { hiddenLayerReports, overallDeadFraction, overallSparsity } from '../diagnostics.js';
import { partialNote, type Findings } from '../result.js';
import { basisFigure, cell, figure, finite, mean, meanSd, pct, sd } from '../stats.js';
import { accuracy, cnn, imageData, mlp, train } from '../training.js';
import type { BudgetBase, Experiment, SummaryPlan } from '../types.js';
import { FAMILY } from './cost.js';

export interface VariantsBudget extends BudgetBase {
  readonly activations: readonly string[];
  readonly mlp: { readonly hidden: readonly number[]; readonly trainSize: number; readonly testSize: number; readonly epochs: number };
  /** The CNN runs with the first `seeds` seeds only (it is by far the slower model). */
  readonly cnn: { readonly filters: readonly [number, number]; readonly trainSize: number; readonly testSize: number; readonly epochs: number; readonly seeds: number };
  readonly batchSize: number;
  readonly learningRate: number;
}

/** Members counted as "the ReLU family" for the verdict (sigmoid and tanh are the classic baselines). */
const BASELINES = ['sigmoid', 'tanh'];
const CLOSE = 0.02;

const RULE =
  `Verdict rule, on the MLP: agrees when every ReLU-family member is within ${CLOSE * 100} points of relu's mean test accuracy (the differences are small) and relu is within ${CLOSE * 100} points of the best; ` +
  'partly when relu is within that margin of the best but some members are further away; disagrees when some member beats relu by more than the margin.';

type ModelKind = 'mlp' | 'cnn';

export interface Run {
  model: ModelKind;
  activation: string;
  seed: number;
  testAccuracy: number;
  seconds: number;
  sparsity: number;
  deadFraction: number;
  diverged: boolean;
}

interface Cell {
  model: ModelKind;
  activation: string;
  seed: number;
}

export const variants: Experiment<VariantsBudget, Cell, Run> = {
  id: 'variants',
  title: 'The ReLU family compared',
  claim:
    'Members of the ReLU family (leaky ReLU, PReLU, RReLU, ELU, SELU, CELU, GELU, SiLU/Swish, Mish, softplus) are proposed as improvements on ReLU, but on a given task the ' +
    'differences between good activations are small, with Swish-like functions matching or slightly beating ReLU.',
  source: { citation: 'Ramachandran, Zoph & Le 2017, Searching for Activation Functions', url: 'https://arxiv.org/abs/1710.05941' },
  budgets: {
    tiny: {
      expectedSeconds: 5, activations: ['relu', 'leaky_relu', 'prelu', 'gelu', 'sigmoid'], batchSize: 50, learningRate: 0.002,
      mlp: { hidden: [32], trainSize: 500, testSize: 200, epochs: 1 }, cnn: { filters: [2, 4], trainSize: 100, testSize: 100, epochs: 1, seeds: 1 },
    },
    quick: {
      expectedSeconds: 40, activations: FAMILY, batchSize: 64, learningRate: 0.001,
      mlp: { hidden: [128, 64], trainSize: 5000, testSize: 1000, epochs: 3 }, cnn: { filters: [8, 16], trainSize: 4000, testSize: 1000, epochs: 2, seeds: 1 },
    },
    full: {
      expectedSeconds: 450, activations: FAMILY, batchSize: 64, learningRate: 0.001,
      mlp: { hidden: [256, 128], trainSize: 15000, testSize: 5000, epochs: 5 }, cnn: { filters: [8, 16], trainSize: 8000, testSize: 2000, epochs: 3, seeds: 3 },
    },
  },

  grid: ({ budget, seeds }) => {
    const cnnSeeds = seeds.slice(0, Math.max(1, budget.cnn.seeds));
    return (['mlp', 'cnn'] as const).flatMap((model) =>
      budget.activations.flatMap((activation) => (model === 'mlp' ? seeds : cnnSeeds).map((seed) => ({ model, activation, seed }))),
    );
  },
  label: (c) => `${c.model} · ${c.activation} · seed ${c.seed}`,

  async run({ model: kind, activation, seed }, ctx) {
    const b = ctx.budget;
    const spec = b[kind];
    const { data, test } = await ctx.shared(`loading Fashion-MNIST for the ${kind}`, async () => {
      const { train: data, test } = await imageData('fashion-mnist', spec.trainSize, spec.testSize, kind === 'mlp');
      return { data, test };
    });
    const model: Sequential = ctx.track(
      kind === 'mlp'
        ? mlp({ inputs: 784, hidden: b.mlp.hidden, activation, outputs: 10, seed })
        : cnn({ inputShape: [28, 28, 1], filters: b.cnn.filters, activation, outputs: 10, seed }),
    );
    model.compile({ optimizer: adam({ learningRate: b.learningRate }), loss: 'softmax_cross_entropy', metrics: ['accuracy'] });
    const outcome = await train(model, data, { epochs: spec.epochs, batchSize: b.batchSize, signal: ctx.signal });
    if (outcome.aborted) return null;
    const reports = hiddenLayerReports(model, test.x);
    return {
      model: kind, activation, seed, seconds: outcome.seconds, diverged: outcome.diverged,
      testAccuracy: accuracy(model, test), sparsity: overallSparsity(reports), deadFraction: overallDeadFraction(reports),
    };
  },

  summarize,
};

export function summarize(runs: readonly Run[], plan: SummaryPlan<VariantsBudget>): Findings {
  const b = plan.budget;
  const at = (m: ModelKind, a: string) => runs.filter((r) => r.model === m && r.activation === a);
  const acc = (m: ModelKind, a: string) => mean(at(m, a).map((r) => r.testAccuracy));
  const measured = (m: ModelKind) => b.activations.filter((a) => at(m, a).length > 0);
  const mlpActs = measured('mlp');
  let verdict: Verdict = 'inconclusive';
  const relu = acc('mlp', 'relu');
  const family = mlpActs.filter((a) => !BASELINES.includes(a));
  const best = mlpActs.length ? mlpActs.reduce((x, y) => (acc('mlp', y) > acc('mlp', x) ? y : x)) : undefined;
  if (Number.isFinite(relu) && family.length === b.activations.filter((a) => !BASELINES.includes(a)).length && best) {
    const reluNearBest = acc('mlp', best) - relu <= CLOSE;
    const allClose = family.every((a) => Math.abs(acc('mlp', a) - relu) <= CLOSE);
    verdict = reluNearBest && allClose ? 'agrees' : reluNearBest ? 'partly' : 'disagrees';
  }
  const basis = () => {
    if (!Number.isFinite(relu) || !best || family.length === 0) return [];
    const furthest = family.reduce((x, y) => (Math.abs(acc('mlp', y) - relu) > Math.abs(acc('mlp', x) - relu) ? y : x));
    return [
      basisFigure('MLP relu: test accuracy', at('mlp', 'relu').map((r) => r.testAccuracy * 100), 'the reference', '%'),
      basisFigure(`MLP best (${best}) minus relu`, [(acc('mlp', best) - relu) * 100], `rule: ≤ ${CLOSE * 100} points`, 'points'),
      basisFigure(`MLP furthest family member (${furthest}) from relu`, [Math.abs(acc('mlp', furthest) - relu) * 100], `rule: ≤ ${CLOSE * 100} points for all`, 'points'),
    ];
  };
  const ranked = (m: ModelKind) => [...measured(m)].sort((x, y) => acc(m, y) - acc(m, x));
  const describeModel = (m: ModelKind) => {
    const r = ranked(m);
    if (r.length === 0) return '';
    const top = r.slice(0, 3).map((a) => `${a} ${meanSd(at(m, a).map((x) => x.testAccuracy), (v) => pct(v))}`).join(', ');
    const bottom = r.slice(-2).map((a) => `${a} ${pct(acc(m, a))}`).join(', ');
    return `${m.toUpperCase()}: best ${top}; relu ${pct(acc(m, 'relu'))} (rank ${r.indexOf('relu') + 1} of ${r.length}); last ${bottom}. `;
  };
  const spread = family.length ? Math.max(...family.map((a) => acc('mlp', a))) - Math.min(...family.map((a) => acc('mlp', a))) : NaN;
  const summary =
    describeModel('mlp') +
    describeModel('cnn') +
    (family.length ? `On the MLP the ReLU-family members span ${pct(spread)} of test accuracy. ` : '') +
    (verdict === 'agrees'
      ? 'The members of the family are within a couple of points of each other and of relu, as claimed.'
      : verdict === 'partly'
        ? 'Relu is close to the best, but some members differ by more than the margin within this short budget.'
        : verdict === 'disagrees'
          ? 'Some member beats relu by more than the margin here.'
          : 'Not enough to judge.') +
    partialNote(runs.length, plan.planned);
  const bar = (m: ModelKind) => ({
    kind: 'bar' as const,
    title: `Test accuracy by activation, ${m.toUpperCase()}`,
    caption: 'Mean over seeds, one standard deviation as error bars.',
    yLabel: 'test accuracy',
    groups: measured(m),
    series: [
      {
        name: m,
        values: measured(m).map((a) => cell(acc(m, a))),
        errors: measured(m).map((a) => {
          const xs = finite(at(m, a).map((r) => r.testAccuracy));
          return xs.length > 1 ? cell(sd(xs)) : null;
        }),
      },
    ],
  });
  return {
    setup:
      `Data: Fashion-MNIST. MLP 784 → ${b.mlp.hidden.join(' → ')} → 10 on the first ${b.mlp.trainSize} training images, ${b.mlp.epochs} epoch${b.mlp.epochs > 1 ? 's' : ''}, ` +
      `tested on ${b.mlp.testSize}, seeds ${plan.seeds.join(', ')}. CNN conv 3×3 ×${b.cnn.filters[0]} → max-pool → conv 3×3 ×${b.cnn.filters[1]} → max-pool → dense 10 on ` +
      `${b.cnn.trainSize} images, ${b.cnn.epochs} epoch${b.cnn.epochs > 1 ? 's' : ''}, tested on ${b.cnn.testSize}, seed${plan.seeds.slice(0, Math.max(1, b.cnn.seeds)).length > 1 ? 's' : ''} ` +
      `${plan.seeds.slice(0, Math.max(1, b.cnn.seeds)).join(', ')}. Each activation with its default parameters and initialization (src/nn/init.ts); prelu as a linear layer followed by a PReLU layer. ` +
      `Training: Adam, learning rate ${b.learningRate}, batch ${b.batchSize}. Sparsity (exact zeros) and dead units of the hidden layers over the test images with src/monitors inspect. ${RULE}`,
    measured: [
      ...measured('mlp').map((a) => figure(`MLP ${a}: test accuracy`, at('mlp', a).map((r) => r.testAccuracy * 100), '%')),
      ...measured('cnn').map((a) => figure(`CNN ${a}: test accuracy`, at('cnn', a).map((r) => r.testAccuracy * 100), '%')),
    ],
    basis: basis(),
    verdict,
    summary,
    tables: (['mlp', 'cnn'] as const).map((m) => ({
      title: `${m.toUpperCase()}: mean over seeds`,
      columns: ['activation', 'test accuracy', 'sd', 'seconds', 'sparsity', 'dead units', 'diverged runs'],
      rows: ranked(m).map((a) => {
        const rs = at(m, a);
        const xs = rs.map((r) => r.testAccuracy);
        return [a, cell(mean(xs)), cell(xs.length > 1 ? sd(xs) : null), cell(mean(rs.map((r) => r.seconds)), 3), cell(mean(rs.map((r) => r.sparsity))), cell(mean(rs.map((r) => r.deadFraction))), rs.filter((r) => r.diverged).length];
      }),
    })),
    charts: [
      bar('mlp'),
      bar('cnn'),
      {
        kind: 'scatter',
        title: 'Test accuracy against training time, MLP',
        caption: 'One point per activation (mean over seeds).',
        xLabel: 'seconds',
        yLabel: 'test accuracy',
        series: measured('mlp').map((a) => ({ name: a, points: [[cell(mean(at('mlp', a).map((r) => r.seconds)), 3)!, cell(acc('mlp', a))!] as [number, number]] })),
      },
    ],
  };
}

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
import { partialNote, resultOf } from '../result.js';
import { cell, figure, finite, mean, meanSd, pct, sd } from '../stats.js';
import { accuracy, cnn, imageData, mlp, train } from '../training.js';
import type { BudgetBase, Experiment, ExperimentContext } from '../types.js';
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

interface Run {
  model: ModelKind;
  activation: string;
  seed: number;
  testAccuracy: number;
  seconds: number;
  sparsity: number;
  deadFraction: number;
  diverged: boolean;
}

export const variants: Experiment<VariantsBudget> = {
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

  async run(ctx) {
    const b = ctx.budget;
    const runs: Run[] = [];
    const cnnSeeds = ctx.seeds.slice(0, Math.max(1, b.cnn.seeds));
    const planned = b.activations.length * (ctx.seeds.length + cnnSeeds.length);
    ctx.progress.setTotal(planned);
    for (const kind of ['mlp', 'cnn'] as const) {
      const spec = b[kind];
      ctx.progress.status(`loading Fashion-MNIST for the ${kind}`);
      const { train: data, test } = await imageData('fashion-mnist', spec.trainSize, spec.testSize, kind === 'mlp');
      const probe = test.x;
      for (const activation of b.activations) {
        for (const seed of kind === 'mlp' ? ctx.seeds : cnnSeeds) {
          if (ctx.signal.aborted) return summarize(ctx, runs, planned);
          ctx.progress.status(`${kind} · ${activation} · seed ${seed}`);
          const model: Sequential =
            kind === 'mlp'
              ? mlp({ inputs: 784, hidden: b.mlp.hidden, activation, outputs: 10, seed })
              : cnn({ inputShape: [28, 28, 1], filters: b.cnn.filters, activation, outputs: 10, seed });
          try {
            model.compile({ optimizer: adam({ learningRate: b.learningRate }), loss: 'softmax_cross_entropy', metrics: ['accuracy'] });
            const outcome = await train(model, data, { epochs: spec.epochs, batchSize: b.batchSize, signal: ctx.signal });
            if (outcome.aborted) return summarize(ctx, runs, planned);
            const reports = hiddenLayerReports(model, probe);
            runs.push({
              model: kind, activation, seed, seconds: outcome.seconds, diverged: outcome.diverged,
              testAccuracy: accuracy(model, test), sparsity: overallSparsity(reports), deadFraction: overallDeadFraction(reports),
            });
          } finally {
            model.dispose();
          }
          ctx.progress.advance();
        }
        await ctx.checkpoint(summarize(ctx, runs, planned));
      }
    }
    return summarize(ctx, runs, planned);
  },
};

function summarize(ctx: ExperimentContext<VariantsBudget>, runs: Run[], planned: number) {
  const b = ctx.budget;
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
    partialNote(runs.length, planned);
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
  return resultOf(variants, {
    setup:
      `Data: Fashion-MNIST. MLP 784 → ${b.mlp.hidden.join(' → ')} → 10 on the first ${b.mlp.trainSize} training images, ${b.mlp.epochs} epoch${b.mlp.epochs > 1 ? 's' : ''}, ` +
      `tested on ${b.mlp.testSize}, seeds ${ctx.seeds.join(', ')}. CNN conv 3×3 ×${b.cnn.filters[0]} → max-pool → conv 3×3 ×${b.cnn.filters[1]} → max-pool → dense 10 on ` +
      `${b.cnn.trainSize} images, ${b.cnn.epochs} epoch${b.cnn.epochs > 1 ? 's' : ''}, tested on ${b.cnn.testSize}, seed${ctx.seeds.slice(0, Math.max(1, b.cnn.seeds)).length > 1 ? 's' : ''} ` +
      `${ctx.seeds.slice(0, Math.max(1, b.cnn.seeds)).join(', ')}. Each activation with its default parameters and initialization (src/nn/init.ts); prelu as a linear layer followed by a PReLU layer. ` +
      `Training: Adam, learning rate ${b.learningRate}, batch ${b.batchSize}. Sparsity (exact zeros) and dead units of the hidden layers over the test images with src/monitors inspect. ${RULE}`,
    measured: [
      ...measured('mlp').map((a) => figure(`MLP ${a}: test accuracy`, at('mlp', a).map((r) => r.testAccuracy * 100), '%')),
      ...measured('cnn').map((a) => figure(`CNN ${a}: test accuracy`, at('cnn', a).map((r) => r.testAccuracy * 100), '%')),
    ],
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
  });
}

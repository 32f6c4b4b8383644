/**
 * Dying ReLU. (a) Lu, Shin, Su & Karniadakis 2019 prove that a deep ReLU network is "born dead" (a constant
 * function, because some layer outputs zero for every input) with a probability that tends to 1 as depth
 * grows at fixed width, worst for narrow networks, and propose a randomized asymmetric initialization
 * (RAI) that lowers it. As in their numerical examples, we take narrow networks (width 2–4) with a 1-D input,
 * and estimate over many draws the probability of being born dead and of collapsing, that is of being a
 * constant function after training to fit f(x) = |x|, with He and with RAI initialization, at depths where
 * the probability climbs from low to high. (b) Units also die while
 * training when the learning rate is large; we count dead units against the learning rate for relu and
 * for the variants designed to avoid it (leaky_relu, prelu, elu).
 */
import { adam, sgd } from '../../optim/optimizers.js';
import type { Verdict } from '../../report/schema.js';
import { NonFiniteLossError, type Sequential } from '../../nn/index.js';
import { hiddenLayerReports, overallDeadFraction } from '../diagnostics.js';
import { partialNote, type Findings } from '../result.js';
import { basisFigure, cell, figure, finite, mean, meanSd, pct } from '../stats.js';
import { accuracy, imageData, mlp, train } from '../training.js';
import type { BudgetBase, CellContext, Experiment, SummaryPlan } from '../types.js';
import { disposing } from '../sweep.js';
import { inspect } from '../../monitors/index.js';

export interface DyingBudget extends BudgetBase {
  readonly depths: readonly number[];
  readonly widths: readonly number[];
  /** Networks drawn per (depth, width, initialization) to estimate the probability of being born dead. */
  readonly initRuns: number;
  /** Of those, how many are also trained to see whether they collapse. */
  readonly trainRuns: number;
  readonly trainSteps: number;
  /** Part (b): learning rates, activations and the Fashion-MNIST MLP. */
  readonly learningRates: readonly number[];
  readonly activations: readonly string[];
  readonly hidden: readonly number[];
  readonly trainSize: number;
  readonly testSize: number;
  readonly epochs: number;
}

const INITS = [
  { id: 'he', label: 'He normal, zero biases', kernel: 'he_normal' },
  { id: 'rai', label: 'RAI (Lu et al. 2019)', kernel: 'rai' },
] as const;
type InitId = (typeof INITS)[number]['id'];
/** Inputs of the small networks of part (a): evenly spaced points of [-1, 1], the whole 1-D domain. */
const PROBE_POINTS = 256;
/** Adam's learning rate for the fits of part (a). */
const FIT_LR = 0.005;
/**
 * A trained network counts as constant when its output varies over the domain by less than this fraction of
 * the target's spread: a collapsed network (some layer dead, or stuck in the "mean state" of Lu, Su &
 * Karniadakis 2018, https://arxiv.org/abs/1808.04947) is constant to rounding, a fitted one varies like |x|.
 */
const CONSTANT_TOLERANCE = 1e-3;

const RULE =
  'Verdict rule, part (a), three tests: at the narrowest width the born-dead probability with He initialization grows by at least 10 points from the shallowest to the deepest network; ' +
  'RAI lowers it at the deepest; and RAI lowers the probability of being constant after training, averaged over the grid. Agrees when all three hold, partly when one or two do, disagrees when none does.';

type Cell =
  | { part: 'a'; depth: number; width: number; init: InitId }
  | { part: 'b'; activation: string; learningRate: number; seed: number };

/** A cell's record: part (a) counts over the networks of one grid cell, part (b) one training run. */
export type Run = { part: 'a'; cell: GridCell } | { part: 'b'; run: LrRun };

/** Inputs of part (a): evenly spaced points of [-1, 1]. */
const PROBE = new Float32Array(PROBE_POINTS).map((_, i) => -1 + (2 * i) / (PROBE_POINTS - 1));
// Lu et al.'s 1-D regression example: f(x) = |x|, which a width-2 ReLU network represents exactly.
const TARGET = PROBE.map((x) => Math.abs(x));
const TARGET_MEAN = mean(Array.from(TARGET));
const TARGET_STD = Math.sqrt(mean(Array.from(TARGET, (t) => (t - TARGET_MEAN) ** 2)));

export interface GridCell {
  depth: number;
  width: number;
  init: InitId;
  drawn: number;
  bornDead: number;
  trained: number;
  collapsed: number;
}

export interface LrRun {
  activation: string;
  learningRate: number;
  seed: number;
  deadFraction: number;
  testAccuracy: number;
  diverged: boolean;
}

/** True when some hidden layer outputs its flat value for every probe input: the network is constant. */
function isDead(model: Sequential, probe: Float32Array): boolean {
  return hiddenLayerReports(model, probe).some((r) => r.deadUnits === r.units);
}

/** True when the trained network's output does not depend on its input (over the probe). */
function isConstant(model: Sequential, probe: Float32Array, targetStd: number): boolean {
  const reports = inspect(model, probe);
  return isDead(model, probe) || !(reports[reports.length - 1]!.std >= CONSTANT_TOLERANCE * targetStd);
}

export const dying: Experiment<DyingBudget, Cell, Run> = {
  id: 'dying',
  title: 'Dying ReLU: born-dead networks and units killed by large steps',
  claim:
    'A deep and narrow ReLU network initialized with symmetric distributions is dead (a constant function) with a probability that grows with depth, and the ' +
    'randomized asymmetric initialization lowers it; large learning rates kill ReLU units during training, which leaky and exponential variants avoid.',
  source: { citation: 'Lu, Shin, Su & Karniadakis 2019, Dying ReLU and Initialization: Theory and Numerical Examples', url: 'https://arxiv.org/abs/1903.06733' },
  budgets: {
    tiny: {
      expectedSeconds: 4, depths: [2, 10], widths: [2, 4], initRuns: 20, trainRuns: 2, trainSteps: 20,
      learningRates: [0.01, 0.5], activations: ['relu', 'leaky_relu'], hidden: [32], trainSize: 300, testSize: 200, epochs: 1,
    },
    // Widths 2–4 are where Lu et al. show the effect; depths from 2 (rarely dead) to 16–20 (almost always dead with He).
    quick: {
      expectedSeconds: 35, depths: [2, 4, 8, 16], widths: [2, 4], initRuns: 300, trainRuns: 24, trainSteps: 500,
      learningRates: [0.01, 0.1, 0.5], activations: ['relu', 'leaky_relu', 'prelu', 'elu'], hidden: [128, 128], trainSize: 3000, testSize: 500, epochs: 1,
    },
    full: {
      expectedSeconds: 480, depths: [2, 4, 6, 8, 10, 15, 20], widths: [2, 3, 4], initRuns: 600, trainRuns: 25, trainSteps: 800,
      learningRates: [0.01, 0.03, 0.1, 0.3, 1], activations: ['relu', 'leaky_relu', 'prelu', 'elu'], hidden: [256, 256], trainSize: 8000, testSize: 2000, epochs: 2,
    },
  },

  grid: ({ budget, seeds }) => [
    ...budget.depths.flatMap((depth) => budget.widths.flatMap((width) => INITS.map((i): Cell => ({ part: 'a', depth, width, init: i.id })))),
    ...budget.activations.flatMap((activation) => budget.learningRates.flatMap((learningRate) => seeds.map((seed): Cell => ({ part: 'b', activation, learningRate, seed })))),
  ],
  label: (c) => (c.part === 'a' ? `(a) ${c.depth} layers × ${c.width} units · ${c.init}` : `(b) ${c.activation} · lr ${c.learningRate} · seed ${c.seed}`),

  async run(c, ctx) {
    if (c.part === 'a') {
      const cell = await bornDead(c, ctx);
      return cell && { part: 'a', cell };
    }
    const run = await killedByLargeSteps(c, ctx);
    return run && { part: 'b', run };
  },

  summarize,
};

/** Part (a), one cell: `initRuns` networks drawn, the first `trainRuns` of them also trained to fit |x|. */
async function bornDead(c: Extract<Cell, { part: 'a' }>, ctx: CellContext<DyingBudget>): Promise<GridCell | null> {
  const b = ctx.budget;
  const kernel = INITS.find((i) => i.id === c.init)!.kernel;
  const cell: GridCell = { depth: c.depth, width: c.width, init: c.init, drawn: 0, bornDead: 0, trained: 0, collapsed: 0 };
  for (let k = 0; k < b.initRuns; k++) {
    if (ctx.signal.aborted) return null;
    const seed = ctx.seeds[0]! * 1_000_003 + k;
    await disposing(mlp({ inputs: 1, hidden: Array<number>(c.depth).fill(c.width), activation: 'relu', outputs: 1, init: kernel, seed }), (model) => {
      cell.drawn++;
      if (isDead(model, PROBE)) cell.bornDead++;
      if (k < b.trainRuns) {
        model.compile({ optimizer: adam({ learningRate: FIT_LR }), loss: 'mse' });
        try {
          for (let s = 0; s < b.trainSteps; s++) model.trainStep(PROBE, TARGET);
        } catch (error) {
          if (!(error instanceof NonFiniteLossError)) throw error;
        }
        cell.trained++;
        if (isConstant(model, PROBE, TARGET_STD)) cell.collapsed++;
      }
    });
  }
  return cell;
}

/** Part (b), one cell: a Fashion-MNIST MLP trained with plain SGD at one learning rate, then its dead units counted. */
async function killedByLargeSteps(c: Extract<Cell, { part: 'b' }>, ctx: CellContext<DyingBudget>): Promise<LrRun | null> {
  const b = ctx.budget;
  const { train: data, test } = await ctx.shared('(b) loading Fashion-MNIST', () => imageData('fashion-mnist', b.trainSize, b.testSize, true));
  const model = ctx.track(mlp({ inputs: 784, hidden: b.hidden, activation: c.activation, outputs: 10, seed: c.seed }));
  // Plain SGD: momentum or Adam would change the effective step the rate stands for.
  model.compile({ optimizer: sgd({ learningRate: c.learningRate }), loss: 'softmax_cross_entropy', metrics: ['accuracy'] });
  const outcome = await train(model, data, { epochs: b.epochs, batchSize: 64, signal: ctx.signal });
  if (outcome.aborted) return null;
  return {
    activation: c.activation, learningRate: c.learningRate, seed: c.seed, diverged: outcome.diverged,
    deadFraction: overallDeadFraction(hiddenLayerReports(model, test.x)),
    testAccuracy: accuracy(model, test),
  };
}

export function summarize(runs: readonly Run[], plan: SummaryPlan<DyingBudget>): Findings {
  const b = plan.budget;
  const grid = runs.flatMap((r) => (r.part === 'a' ? [r.cell] : []));
  const lrRuns = runs.flatMap((r) => (r.part === 'b' ? [r.run] : []));
  const find = (d: number, w: number, i: InitId) => grid.find((c) => c.depth === d && c.width === w && c.init === i);
  const p = (c: GridCell | undefined) => (c && c.drawn > 0 ? c.bornDead / c.drawn : null);
  const q = (c: GridCell | undefined) => (c && c.trained > 0 ? c.collapsed / c.trained : null);
  const narrow = Math.min(...b.widths);
  const shallow = Math.min(...b.depths);
  const deep = Math.max(...b.depths);
  const pHeShallow = p(find(shallow, narrow, 'he'));
  const pHeDeep = p(find(deep, narrow, 'he'));
  const pRaiDeep = p(find(deep, narrow, 'rai'));
  const meanCollapse = (init: InitId) => mean(finite(grid.filter((c) => c.init === init).map((c) => q(c))));
  let verdict: Verdict = 'inconclusive';
  if (pHeShallow !== null && pHeDeep !== null && pRaiDeep !== null) {
    const grows = pHeDeep >= pHeShallow + 0.1;
    const raiHelps = pRaiDeep < pHeDeep;
    const he = meanCollapse('he');
    const rai = meanCollapse('rai');
    const raiHelpsTrained = Number.isFinite(he) && Number.isFinite(rai) && rai < he;
    const held = [grows, raiHelps, raiHelpsTrained].filter(Boolean).length;
    verdict = held === 3 ? 'agrees' : held > 0 ? 'partly' : 'disagrees';
  }
  const lrAt = (a: string, lr: number) => lrRuns.filter((r) => r.activation === a && r.learningRate === lr);
  const deadAt = (a: string, lr: number) => mean(lrAt(a, lr).map((r) => r.deadFraction));
  const maxLr = Math.max(...b.learningRates);
  const minLr = Math.min(...b.learningRates);
  const lrText = b.activations
    .filter((a) => lrAt(a, maxLr).length > 0)
    .map((a) => `${a} ${pct(deadAt(a, minLr))} at lr ${minLr} and ${meanSd(lrAt(a, maxLr).map((r) => r.deadFraction), (v) => pct(v))} at lr ${maxLr}`)
    .join('; ');
  const collapseText = b.depths
    .filter((d) => q(find(d, narrow, 'he')) !== null)
    .map((d) => `${d} layers ${pct(q(find(d, narrow, 'he')), 0)} (He) vs ${pct(q(find(d, narrow, 'rai')), 0)} (RAI)`)
    .join(', ');
  const summary =
    (pHeDeep !== null
      ? `(a) At width ${narrow}, the probability of a born-dead network with He initialization is ${pct(pHeShallow)} at depth ${shallow} and ${pct(pHeDeep)} at depth ${deep}; ` +
        `with RAI ${pct(p(find(shallow, narrow, 'rai')))} and ${pct(pRaiDeep)}. After ${b.trainSteps} Adam steps fitting |x|, the share of width-${narrow} networks that are constant functions ` +
        `(collapsed) is ${collapseText}; over the whole grid ${pct(meanCollapse('he'))} with He and ${pct(meanCollapse('rai'))} with RAI. `
      : '(a) Not finished. ') +
    (lrText ? `(b) Dead hidden units on Fashion-MNIST after ${b.epochs} epoch${b.epochs > 1 ? 's' : ''} of plain SGD: ${lrText}. ` : '') +
    (verdict === 'agrees'
      ? 'Narrow networks die more often as they get deeper, and the asymmetric initialization lowers both the born-dead and the collapse probability, as Lu et al. report. '
      : verdict === 'partly'
        ? 'Only part of the pattern shows within this budget (see the rule). '
        : verdict === 'disagrees'
          ? 'Neither the growth with depth nor the benefit of RAI shows here. '
          : '') +
    'We could not find Lu et al.’s measured probabilities (born dead and collapsed, for widths 2–4) in a source we could check, so no published number is shown beside ours; the paper states the trend: at fixed width the born-dead probability tends to 1 with depth, faster for narrow widths, and RAI lowers it.' +
    partialNote(runs.length, plan.planned, 'configurations');
  const heat = (init: InitId, value: (c: GridCell | undefined) => number | null, what: string) => ({
    kind: 'heatmap' as const,
    title: `${what}, ${INITS.find((i) => i.id === init)!.label}`,
    caption: `Fraction of ${what === 'Born dead' ? b.initRuns : b.trainRuns} networks per cell; 1-D input over [-1, 1].`,
    xLabel: 'width (units per layer)',
    yLabel: 'hidden layers',
    x: [...b.widths],
    y: b.depths.map(String),
    values: b.depths.map((d) => b.widths.map((w) => cell(value(find(d, w, init))))),
    scale: [0, 1] as [number, number],
    valueLabel: 'probability',
  });
  return {
    setup:
      `(a) Networks 1 → width × depth → 1 with ReLU, depth in {${b.depths.join(', ')}}, width in {${b.widths.join(', ')}}, initialized with He normal weights and zero biases or with RAI ` +
      `(one weight or the bias of each unit drawn from Beta(2, 1), the rest from N(0, 0.6007²/fan_in)); ${b.initRuns} networks per cell, born dead when some hidden layer outputs 0 for ` +
      `all ${PROBE_POINTS} evenly spaced inputs of [-1, 1] (src/monitors inspect), which makes the network a constant function. The first ${b.trainRuns} of them are trained ${b.trainSteps} full-batch Adam steps ` +
      `(learning rate ${FIT_LR}, MSE) to fit f(x) = |x| on those points, as in Lu et al.'s 1-D examples, ` +
      `and counted as collapsed when the trained network is a constant function (some layer dead, or an output spread below ${CONSTANT_TOLERANCE} of the target's). (b) MLP 784 → ${b.hidden.join(' → ')} → 10 with ${b.activations.join(', ')}, ${b.trainSize} Fashion-MNIST images, ` +
      `${b.epochs} epoch${b.epochs > 1 ? 's' : ''} of plain SGD (batch 64) at learning rates {${b.learningRates.join(', ')}}, seeds ${plan.seeds.join(', ')}; dead units counted over ${b.testSize} test images. ${RULE}`,
    measured: [
      figure(`born dead, He, depth ${deep}, width ${narrow}`, [pHeDeep === null ? null : pHeDeep * 100], '%'),
      figure(`born dead, RAI, depth ${deep}, width ${narrow}`, [pRaiDeep === null ? null : pRaiDeep * 100], '%'),
      figure(`born dead, He, depth ${shallow}, width ${narrow}`, [pHeShallow === null ? null : pHeShallow * 100], '%'),
      figure(`constant after training, He, mean over the grid`, [meanCollapse('he') * 100], '%'),
      figure(`constant after training, RAI, mean over the grid`, [meanCollapse('rai') * 100], '%'),
      ...b.activations.map((a) => figure(`${a}: dead units at lr ${maxLr}`, lrAt(a, maxLr).map((r) => r.deadFraction * 100), '%')),
    ],
    basis:
      pHeShallow === null || pHeDeep === null || pRaiDeep === null
        ? []
        : [
            basisFigure(`born dead, He, depth ${shallow} → ${deep}, width ${narrow}`, [(pHeDeep - pHeShallow) * 100], 'rule: grows ≥ 10 points', 'points'),
            basisFigure(`born dead at depth ${deep}, width ${narrow}: RAI minus He`, [(pRaiDeep - pHeDeep) * 100], 'rule: < 0', 'points'),
            basisFigure('constant after training, mean over the grid: RAI minus He', [(meanCollapse('rai') - meanCollapse('he')) * 100], 'rule: < 0', 'points'),
          ],
    verdict,
    summary,
    tables: [
      {
        title: '(a) Probability of a born-dead network and of collapse after training',
        columns: ['hidden layers', 'width', 'initialization', 'networks', 'born dead', 'trained', 'constant after training'],
        rows: grid.map((c) => [c.depth, c.width, c.init, c.drawn, cell(p(c)), c.trained, cell(q(c))]),
      },
      {
        title: '(b) Dead hidden units against learning rate (mean over seeds)',
        columns: ['activation', ...b.learningRates.map((lr) => `lr ${lr}`), `test accuracy at lr ${maxLr}`],
        rows: b.activations.map((a) => [a, ...b.learningRates.map((lr) => (lrAt(a, lr).length ? cell(deadAt(a, lr)) : null)), lrAt(a, maxLr).length ? cell(mean(lrAt(a, maxLr).map((r) => r.testAccuracy))) : null]),
      },
    ],
    charts: [
      heat('he', p, 'Born dead'),
      heat('rai', p, 'Born dead'),
      heat('he', q, 'Constant after training'),
      heat('rai', q, 'Constant after training'),
      {
        kind: 'line',
        title: `Born-dead and collapse probability against depth at width ${narrow}`,
        caption: `Born dead: ${b.initRuns} networks per point; constant after training: the first ${b.trainRuns} of them.`,
        xLabel: 'hidden layers',
        yLabel: 'probability',
        series: INITS.flatMap((i) => [
          { name: `born dead, ${i.label}`, points: b.depths.map((d) => [d, cell(p(find(d, narrow, i.id)))] as [number, number | null]) },
          { name: `constant after training, ${i.label}`, points: b.depths.map((d) => [d, cell(q(find(d, narrow, i.id)))] as [number, number | null]) },
        ]),
      },
      {
        kind: 'line',
        title: '(b) Dead hidden units against learning rate',
        caption: 'Fraction of hidden units that output their flat value for every test image; leaky_relu and prelu have no flat region, so they cannot die by this definition.',
        xLabel: 'learning rate',
        yLabel: 'dead fraction',
        logX: true,
        series: b.activations.map((a) => ({ name: a, points: b.learningRates.map((lr) => [lr, lrAt(a, lr).length ? cell(deadAt(a, lr)) : null] as [number, number | null]) })),
      },
    ],
  };
}

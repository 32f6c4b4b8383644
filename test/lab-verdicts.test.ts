/**
 * Each experiment's verdict rule, on hand-made run records: for every experiment one table that agrees,
 * one that partly agrees and one that disagrees with the claim. `summarize` is pure, so the records are
 * frozen (a summary that wrote into them would throw) and summarizing twice gives the same section.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convergence, summarize as summarizeConvergence, type Run as ConvergenceRun } from '../src/lab/experiments/convergence.js';
import { cost, summarize as summarizeCost, type Run as CostRun } from '../src/lab/experiments/cost.js';
import { depth, summarize as summarizeDepth, type Run as DepthRun } from '../src/lab/experiments/depth.js';
import { dying, summarize as summarizeDying, type Run as DyingRun } from '../src/lab/experiments/dying.js';
import { init, summarize as summarizeInit, type Run as InitRun } from '../src/lab/experiments/init.js';
import { nonlinearity, summarize as summarizeNonlinearity, type Run as NonlinearityRun } from '../src/lab/experiments/nonlinearity.js';
import { sparsity, summarize as summarizeSparsity, type Run as SparsityRun } from '../src/lab/experiments/sparsity.js';
import { variants, summarize as summarizeVariants, type Run as VariantsRun } from '../src/lab/experiments/variants.js';
import type { Findings, SummaryPlan } from '../src/lab/index.js';
import type { Verdict } from '../src/report/index.js';

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Summarizes frozen records twice, checks both agree, and returns the findings. */
function judge<B, R>(summarize: (runs: readonly R[], plan: SummaryPlan<B & { expectedSeconds: number }>) => Findings, runs: R[], plan: SummaryPlan<B & { expectedSeconds: number }>): Findings {
  const frozen = deepFreeze(structuredClone(runs));
  const first = summarize(frozen, plan);
  assert.deepEqual(summarize(frozen, plan), first, 'summarize is deterministic');
  assert.ok(first.basis.length > 0, 'the verdict states the figures it rests on');
  return first;
}

const cases = <R>(table: Record<Exclude<Verdict, 'inconclusive'>, R[]>) => Object.entries(table) as Array<[Verdict, R[]]>;

test('depth: vanishing sigmoid gradients and trainability at the deepest network', () => {
  const plan = { budget: depth.budgets.tiny, seeds: [1], planned: 6 };
  const run = (activation: DepthRun['activation'], d: number, ratio: number, acc: number): DepthRun => ({
    activation, depth: d, seed: 1, gradients: [ratio, ...Array<number>(d).fill(1)], std: [], saturation: [], testAccuracy: acc,
    finalLoss: 1, trainingRatio: [], seconds: 1, diverged: false,
  });
  const table = (sigmoid: [number, number], tanh: [number, number], relu: [number, number]) =>
    [2, 6].flatMap((d) => [run('sigmoid', d, ...sigmoid), run('tanh', d, ...tanh), run('relu', d, ...relu)]);
  for (const [verdict, runs] of cases({
    agrees: table([1e-5, 0.1], [0.2, 0.7], [0.5, 0.8]),
    partly: table([1e-5, 0.8], [0.2, 0.7], [0.5, 0.8]),
    disagrees: table([0.5, 0.8], [0.5, 0.8], [0.5, 0.8]),
  })) {
    const found = judge(summarizeDepth, runs, plan);
    assert.equal(found.verdict, verdict);
    assert.match(found.basis.map((f) => f.label).join(' | '), /sigmoid: first\/last gradient ratio at init, 6 layers/);
  }
  assert.equal(judge(summarizeDepth, table([1e-5, 0.1], [0.2, 0.7], [0.5, 0.8]).filter((r) => r.depth === 2), plan).verdict, 'inconclusive', 'the deepest network must have run');
});

test('init: He converges where Xavier stalls', () => {
  const plan = { budget: init.budgets.tiny, seeds: [1, 2], planned: 4 };
  const run = (scheme: InitRun['scheme'], seed: number, loss: number): InitRun => ({
    scheme, seed, variance: [1, 0.5], loss: [2.3, loss], testAccuracy: 0.5, gradientRatio: [], seconds: 1, diverged: false,
  });
  const table = (he: number, xavier: number) => [1, 2].flatMap((seed) => [run('xavier', seed, xavier), run('he', seed, he)]);
  for (const [verdict, runs] of cases({ agrees: table(1.0, 2.3), partly: table(1.9, 2.3), disagrees: table(2.3, 2.0) })) {
    assert.equal(judge(summarizeInit, runs, plan).verdict, verdict);
  }
});

test('sparsity: the MNIST sparsity that keeps accuracy against the published 83.4%, and the row shows that λ', () => {
  const plan = { budget: sparsity.budgets.tiny, seeds: [1], planned: 2 };
  const run = (penalty: number, s: number, acc: number): SparsityRun => ({
    dataset: 'mnist', penalty, seed: 1, sparsity: [0.5, s], deadFraction: 0, perLayer: [s], testAccuracy: acc, seconds: 1,
  });
  for (const [verdict, runs] of cases({
    agrees: [run(0, 0.6, 0.9), run(1e-3, 0.8, 0.89)],
    partly: [run(0, 0.6, 0.9), run(1e-3, 0.65, 0.89)],
    disagrees: [run(0, 0.4, 0.9), run(1e-3, 0.45, 0.9)],
  })) {
    assert.equal(judge(summarizeSparsity, runs, plan).verdict, verdict);
  }
  // A sparser setting that costs more than 2 points of accuracy does not count: λ 0 is compared, and shown.
  const costly = judge(summarizeSparsity, [run(0, 0.6, 0.9), run(1e-3, 0.83, 0.8)], plan);
  assert.equal(costly.verdict, 'partly');
  assert.equal(costly.basis[0]!.label, 'mnist, λ 0: sparsity');
  assert.equal(costly.basis[0]!.value, 60);
  const kept = judge(summarizeSparsity, [run(0, 0.6, 0.9), run(1e-3, 0.8, 0.89)], plan);
  assert.equal(kept.basis[0]!.label, 'mnist, λ 0.001: sparsity', 'the row names the λ the verdict compared');
  assert.equal(kept.basis[0]!.value, 80);
  assert.match(kept.basis[0]!.note!, /published 83\.4%/);
});

test('dying: born dead more often with depth, less with RAI, before and after training', () => {
  const plan = { budget: dying.budgets.tiny, seeds: [1], planned: 12 };
  const a = (depth: number, init: 'he' | 'rai', bornDead: number, collapsed: number): DyingRun => ({
    part: 'a', cell: { depth, width: 2, init, drawn: 100, bornDead: bornDead * 100, trained: 10, collapsed: collapsed * 10 },
  });
  const table = (heShallow: number, heDeep: number, raiDeep: number, heCollapse: number, raiCollapse: number) => [
    a(2, 'he', heShallow, heCollapse), a(2, 'rai', heShallow, raiCollapse), a(10, 'he', heDeep, heCollapse), a(10, 'rai', raiDeep, raiCollapse),
  ];
  for (const [verdict, runs] of cases({
    agrees: table(0.1, 0.9, 0.3, 0.8, 0.2),
    partly: table(0.1, 0.9, 0.95, 0.5, 0.5),
    disagrees: table(0.5, 0.5, 0.6, 0.5, 0.5),
  })) {
    assert.equal(judge(summarizeDying, runs, plan).verdict, verdict);
  }
});

test('cost: relu’s kernel against sigmoid’s and tanh’s, and an epoch with each', () => {
  const plan = { budget: cost.budgets.tiny, seeds: [1], planned: 3 };
  const kernels = (backend: 'js' | 'wasm', relu: number, others: number): CostRun => ({
    part: 'kernels', backend, copy: 0.5,
    rows: [['relu', relu], ['sigmoid', others], ['tanh', others]].map(([activation, ns]) => ({ backend, activation: activation as string, forwardNs: ns as number, backwardNs: ns as number })),
  });
  const epochs = (relu: number, others: number): CostRun => ({
    part: 'epochs', backend: 'wasm', epochs: [{ activation: 'relu', seconds: relu }, { activation: 'sigmoid', seconds: others }, { activation: 'tanh', seconds: others }],
  });
  for (const [verdict, runs] of cases({
    agrees: [kernels('js', 1, 5), kernels('wasm', 0.5, 2), epochs(1, 1.2)],
    partly: [kernels('js', 1, 5), kernels('wasm', 0.5, 2), epochs(1, 1)],
    disagrees: [kernels('js', 6, 5), kernels('wasm', 0.5, 2), epochs(1, 1.2)],
  })) {
    assert.equal(judge(summarizeCost, runs, plan).verdict, verdict);
  }
});

test('variants: the family within two points of relu, relu near the best', () => {
  const plan = { budget: variants.budgets.tiny, seeds: [1], planned: 10 };
  const run = (activation: string, acc: number): VariantsRun => ({ model: 'mlp', activation, seed: 1, testAccuracy: acc, seconds: 1, sparsity: 0.5, deadFraction: 0, diverged: false });
  const table = (accs: Record<string, number>) => Object.entries(accs).map(([a, acc]) => run(a, acc));
  for (const [verdict, runs] of cases({
    agrees: table({ relu: 0.8, leaky_relu: 0.81, prelu: 0.795, gelu: 0.805, sigmoid: 0.7 }),
    partly: table({ relu: 0.8, leaky_relu: 0.79, prelu: 0.75, gelu: 0.8, sigmoid: 0.7 }),
    disagrees: table({ relu: 0.8, leaky_relu: 0.8, prelu: 0.8, gelu: 0.85, sigmoid: 0.7 }),
  })) {
    assert.equal(judge(summarizeVariants, runs, plan).verdict, verdict);
  }
});

test('nonlinearity: ReLU separates all three sets, the linear network none', () => {
  const plan = { budget: nonlinearity.budgets.tiny, seeds: [1], planned: 6 };
  const run = (dataset: NonlinearityRun['dataset'], activation: string, acc: number): NonlinearityRun => ({ dataset, activation, seed: 1, trainAccuracy: acc, testAccuracy: acc, seconds: 1 });
  const table = (relu: number, linear: number) => (['xor', 'circles', 'spiral'] as const).flatMap((d) => [run(d, 'relu', relu), run(d, 'linear', linear)]);
  for (const [verdict, runs] of cases({ agrees: table(0.95, 0.6), partly: table(0.85, 0.6), disagrees: table(0.6, 0.6) })) {
    assert.equal(judge(summarizeNonlinearity, runs, plan).verdict, verdict);
  }
});

test('convergence: steps tanh needs over steps relu needs, at each one’s best rate', () => {
  const plan = { budget: convergence.budgets.tiny, seeds: [1], planned: 4 };
  const run = (activation: ConvergenceRun['activation'], learningRate: number, steps: number | null): ConvergenceRun => ({
    activation, init: 'matched', learningRate, seed: 1, steps, seconds: steps, finalError: 0.3, stepsRun: steps ?? 60, diverged: false, pruned: false,
    curve: [[0, 0.9], [steps ?? 60, 0.3]], search: true,
  });
  // One cell per activation: its learning-rate search (the faster rate wins).
  const table = (tanhSteps: number) => [[run('relu', 0.1, 10), run('relu', 0.03, 20)], [run('tanh', 0.1, tanhSteps), run('tanh', 0.03, null)]];
  for (const [verdict, cells] of cases({ agrees: table(40), partly: table(20), disagrees: table(10) })) {
    const found = judge(summarizeConvergence, cells, plan);
    assert.equal(found.verdict, verdict);
    assert.equal(found.basis[0]!.value, ({ agrees: 4, partly: 2, disagrees: 1 } as Record<string, number>)[verdict]);
  }
});

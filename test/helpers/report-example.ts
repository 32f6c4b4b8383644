/**
 * An illustrative results file that uses every part of the schema (each chart kind, published figures,
 * tables, a failed and an incomplete experiment on request). It lets the report be previewed, tested and
 * styled without running the lab. Its numbers are made up to look like a run and say so in each setup.
 */
import type { ExperimentResult, LabResults } from '../../src/report/schema.js';

const EXAMPLE_NOTE = 'Illustrative numbers for previewing the report, not a measurement.';

/** Options for `exampleResults`. */
export interface ExampleOptions {
  /** Mark the run as interrupted: `complete: false` and the last experiment `incomplete`. */
  interrupted?: boolean;
  /** Mark the `cost` experiment as failed, with an error message. */
  withFailure?: boolean;
}

/** A deterministic pseudo-random sequence, so the example is identical on every call. */
function sequence(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const round = (v: number, digits = 4) => +v.toFixed(digits);

function lossCurve(rate: number, floor: number, epochs: number, noise: () => number): Array<[number, number]> {
  return Array.from({ length: epochs }, (_, i) => [i + 1, round(floor + (2.3 - floor) * Math.exp(-rate * (i + 1)) * (1 + 0.04 * (noise() - 0.5)))]);
}

function convergence(): ExperimentResult {
  const noise = sequence(1);
  const relu = lossCurve(0.55, 0.22, 20, noise);
  const tanh = lossCurve(0.22, 0.3, 20, noise);
  const sigmoid = lossCurve(0.08, 0.45, 20, noise);
  const band = (points: Array<[number, number]>): Array<[number, number, number]> =>
    points.map(([x, y]) => [x, round(y * 0.95), round(y * 1.05)]);
  return {
    title: 'Convergence speed: ReLU against tanh and sigmoid',
    claim:
      'A four-layer convolutional network with ReLUs reaches 25% training error on CIFAR-10 six times faster than an equivalent network with tanh neurons.',
    source: {
      citation: 'Krizhevsky, Sutskever & Hinton 2012',
      url: 'https://papers.nips.cc/paper/2012/hash/c399862d3b9d6b76c8436e924a68c45b-Abstract.html',
    },
    setup: `Fashion-MNIST, 2 conv + 2 dense layers, SGD with momentum 0.9, 20 epochs, 3 seeds per activation. ${EXAMPLE_NOTE}`,
    published: [{ label: 'Speed-up to 25% training error, ReLU vs tanh', value: 6, unit: '×', note: 'Figure 1, CIFAR-10' }],
    measured: [
      { label: 'Speed-up to target loss, ReLU vs tanh', value: 2.8, spread: 0.3, unit: '×' },
      { label: 'Speed-up to target loss, ReLU vs sigmoid', value: 7.5, spread: 1.1, unit: '×' },
      { label: 'Final test accuracy, ReLU', value: 89.6, spread: 0.4, unit: '%' },
    ],
    verdict: 'partly',
    summary:
      'ReLU reached the target loss first in every seed, 2.8× faster than tanh and 7.5× faster than sigmoid. The direction matches the paper; the size of the gap is smaller than the 6× reported, as expected for a shallower network on an easier data set.',
    tables: [
      {
        title: 'Epochs to reach the target training loss (0.5)',
        columns: ['activation', 'epochs (mean)', 'sd', 'final test accuracy %'],
        rows: [
          ['relu', 2.7, 0.3, 89.6],
          ['tanh', 7.6, 0.6, 88.1],
          ['sigmoid', 20.3, 2.2, 84.9],
        ],
      },
    ],
    charts: [
      {
        kind: 'line',
        title: 'Training loss per epoch',
        caption: 'Shaded: mean ± one sd over 3 seeds.',
        xLabel: 'epoch',
        yLabel: 'training loss',
        logY: true,
        series: [
          { name: 'relu', points: relu, band: band(relu) },
          { name: 'tanh', points: tanh, band: band(tanh) },
          { name: 'sigmoid', points: sigmoid, band: band(sigmoid) },
        ],
      },
      {
        kind: 'bar',
        title: 'Speed-up of ReLU to the target loss',
        yLabel: 'speed-up (×)',
        groups: ['vs tanh', 'vs sigmoid'],
        series: [{ name: 'relu', values: [2.8, 7.5], errors: [0.3, 1.1] }],
        reference: { label: 'Krizhevsky 2012, vs tanh', value: 6 },
      },
    ],
    status: 'complete',
    seconds: 412.3,
  };
}

function depth(): ExperimentResult {
  const depths = [2, 4, 6, 8, 10, 12];
  const activations = ['relu', 'tanh', 'sigmoid'];
  const decay: Record<string, number> = { relu: 0.97, tanh: 0.72, sigmoid: 0.25 };
  const norms = activations.map((a) => depths.map((d) => +(decay[a]! ** (d - 1)).toPrecision(3)));
  return {
    title: 'Vanishing gradients by depth',
    claim:
      'With sigmoid units the gradients reaching the lower layers of a deep network shrink towards zero, and the top hidden layer saturates early in training.',
    source: { citation: 'Glorot & Bengio 2010', url: 'https://proceedings.mlr.press/v9/glorot10a.html' },
    setup: `MNIST, dense nets of width 128 and depth 2–12, Xavier init, one batch of 256 at initialisation, 3 seeds. ${EXAMPLE_NOTE}`,
    measured: [
      { label: 'First-layer / last-layer gradient norm at depth 12, sigmoid', value: 2.4e-7, unit: '' },
      { label: 'First-layer / last-layer gradient norm at depth 12, relu', value: 0.72, spread: 0.05 },
    ],
    verdict: 'agrees',
    summary:
      'The gradient reaching the first layer falls geometrically with depth for sigmoid (by about four per layer) and tanh, while ReLU keeps it within one order of magnitude at depth 12.',
    tables: [
      {
        title: 'First-layer gradient norm relative to the last layer',
        columns: ['depth', ...activations],
        rows: depths.map((d, j) => [d, ...activations.map((_, i) => norms[i]![j]!)]),
      },
    ],
    charts: [
      {
        kind: 'heatmap',
        title: 'Relative gradient norm of the first layer',
        caption: 'log colour scale; dark means the gradient has vanished.',
        xLabel: 'depth (layers)',
        yLabel: 'activation',
        x: depths,
        y: activations,
        values: norms,
        valueLabel: 'relative norm',
        logScale: true,
      },
      {
        kind: 'line',
        title: 'Gradient norm by layer, depth 12',
        xLabel: 'layer (1 = input side)',
        yLabel: 'gradient norm',
        logY: true,
        series: activations.map((a) => ({
          name: a,
          points: Array.from({ length: 12 }, (_, i): [number, number] => [i + 1, +(decay[a]! ** (11 - i)).toPrecision(3)]),
        })),
      },
    ],
    status: 'complete',
    seconds: 38.9,
  };
}

function init(): ExperimentResult {
  const steps = Array.from({ length: 25 }, (_, i) => (i + 1) * 40);
  return {
    title: 'Xavier against He initialisation in a 30-layer ReLU network',
    claim:
      'A 30-layer ReLU network initialised with Xavier’s scaling fails to converge, while the same network with the He et al. scaling (variance 2/n) trains.',
    source: { citation: 'He, Zhang, Ren & Sun 2015', url: 'https://arxiv.org/abs/1502.01852' },
    setup: `Fashion-MNIST, 30 dense ReLU layers of width 64, SGD lr 0.01, 1,000 steps, 3 seeds. ${EXAMPLE_NOTE}`,
    published: [
      { label: '30-layer model, Xavier init', value: 'does not converge', note: 'Figure 3' },
      { label: '30-layer model, He init', value: 'converges' },
    ],
    measured: [
      { label: 'Final loss, He init', value: 0.61, spread: 0.04 },
      { label: 'Final loss, Xavier init', value: 2.3, spread: 0.01 },
      { label: 'Output std at init, Xavier (30 layers)', value: 3.1e-5 },
    ],
    verdict: 'agrees',
    summary:
      'With Xavier scaling the activations shrink by about √2 per layer and the loss stays at chance (2.30) for the whole budget; with He scaling the same network trains normally.',
    tables: [],
    charts: [
      {
        kind: 'line',
        title: 'Training loss, 30 layers',
        xLabel: 'step',
        yLabel: 'training loss',
        series: [
          { name: 'He (kaiming)', points: steps.map((s): [number, number] => [s, round(0.6 + 1.7 * Math.exp(-s / 220), 3)]) },
          { name: 'Xavier (glorot)', points: steps.map((s): [number, number] => [s, round(2.302 - s * 1e-6, 4)]) },
        ],
      },
    ],
    status: 'complete',
    seconds: 95.2,
  };
}

function sparsity(): ExperimentResult {
  return {
    title: 'Sparsity of rectifier networks',
    claim: 'Rectifier networks learn sparse representations: on MNIST about 83.4% of hidden units are exactly zero for a given input.',
    source: { citation: 'Glorot, Bordes & Bengio 2011', url: 'https://proceedings.mlr.press/v15/glorot11a.html' },
    setup: `MNIST and Fashion-MNIST, 3 hidden layers of 1,000 ReLUs with L1 penalty 0.001, 10 epochs, 3 seeds. ${EXAMPLE_NOTE}`,
    published: [{ label: 'Zero activations on MNIST', value: 83.4, unit: '%', note: 'MNIST, rectifier network with L1 penalty' }],
    measured: [
      { label: 'Zero activations on MNIST', value: 79.2, spread: 1.4, unit: '%' },
      { label: 'Zero activations on Fashion-MNIST', value: 71.5, spread: 2.0, unit: '%' },
    ],
    verdict: 'agrees',
    summary: 'About four in five hidden units are exactly zero on MNIST, close to the 83.4% reported; tanh and sigmoid networks have none.',
    tables: [
      {
        title: 'Fraction of exact zeros by layer (%)',
        columns: ['layer', 'MNIST', 'Fashion-MNIST'],
        rows: [
          [1, 74.1, 66.0],
          [2, 80.3, 72.9],
          [3, 83.2, 75.6],
        ],
      },
    ],
    charts: [
      {
        kind: 'bar',
        title: 'Exact zeros among hidden activations',
        yLabel: 'zeros (%)',
        groups: ['layer 1', 'layer 2', 'layer 3'],
        series: [
          { name: 'MNIST', values: [74.1, 80.3, 83.2], errors: [1.2, 1.5, 1.1] },
          { name: 'Fashion-MNIST', values: [66.0, 72.9, 75.6], errors: [2.1, 1.8, 2.3] },
        ],
        reference: { label: 'Glorot 2011, MNIST', value: 83.4 },
      },
    ],
    status: 'complete',
    seconds: 120.4,
  };
}

function dying(): ExperimentResult {
  const depths = [2, 5, 10, 20, 30, 50];
  const published = depths.map((d): [number, number] => [d, round(1 - Math.exp(-d / 14), 3)]);
  return {
    title: 'Dying ReLU in deep narrow networks',
    claim:
      'A deep ReLU network of fixed width collapses (every unit dead for every input) with a probability that tends to one as the depth grows; randomized asymmetric initialization lowers it.',
    source: { citation: 'Lu, Shin, Su & Karniadakis 2019', url: 'https://arxiv.org/abs/1903.06733' },
    setup: `Networks of width 3 on a 1-D regression, depths 2–50, 1,000 random initialisations per depth. ${EXAMPLE_NOTE}`,
    published: [{ label: 'Collapse probability at fixed width as depth grows', value: '→ 1', note: 'main theorem' }],
    measured: [
      { label: 'Collapse probability, depth 50, He init', value: 0.95, spread: 0.01 },
      { label: 'Collapse probability, depth 50, asymmetric init', value: 0.62, spread: 0.02 },
    ],
    verdict: 'agrees',
    summary: 'The share of networks born dead rises with depth just as the paper’s curve does; the asymmetric initialization keeps about a third of them alive at depth 50.',
    tables: [],
    charts: [
      {
        kind: 'line',
        title: 'Probability that the network is born dead',
        xLabel: 'depth',
        yLabel: 'collapse probability',
        series: [
          { name: 'He init', points: depths.map((d): [number, number] => [d, round(1 - Math.exp(-d / 15), 3)]) },
          { name: 'asymmetric init', points: depths.map((d): [number, number] => [d, round(0.7 * (1 - Math.exp(-d / 25)), 3)]) },
          { name: 'Lu et al. 2019', published: true, points: published },
        ],
      },
    ],
    status: 'complete',
    seconds: 61.7,
  };
}

function cost(): ExperimentResult {
  const activations = ['relu', 'leaky_relu', 'elu', 'gelu', 'silu', 'tanh', 'sigmoid'];
  const ns = [1e3, 1e4, 1e5, 1e6];
  const base: Record<string, number> = { relu: 1, leaky_relu: 1.1, elu: 3.2, gelu: 5.8, silu: 3.9, tanh: 4.4, sigmoid: 3.6 };
  return {
    title: 'Computational cost of the activation',
    claim: 'ReLU is cheaper to compute than activations that need an exponential, such as sigmoid and tanh.',
    source: { citation: 'Glorot, Bordes & Bengio 2011', url: 'https://proceedings.mlr.press/v15/glorot11a.html' },
    setup: `Forward + backward over Float32 arrays of 10³–10⁶ elements, JS and WASM backends, median of 21 runs. ${EXAMPLE_NOTE}`,
    measured: [
      { label: 'sigmoid / relu time, 10⁶ elements', value: 3.6, spread: 0.2, unit: '×' },
      { label: 'gelu / relu time, 10⁶ elements', value: 5.8, spread: 0.3, unit: '×' },
    ],
    verdict: 'agrees',
    summary: 'Every activation with a transcendental function costs 3–6 times as much as ReLU per element; leaky ReLU is within 10%.',
    tables: [
      {
        title: 'Time relative to relu at 10⁶ elements',
        columns: ['activation', 'forward', 'backward'],
        rows: activations.map((a) => [a, base[a]!, round(base[a]! * 0.8, 2)]),
      },
    ],
    charts: [
      {
        kind: 'scatter',
        title: 'Throughput by array size',
        xLabel: 'elements (log₁₀)',
        yLabel: 'elements per ns',
        series: activations.slice(0, 4).map((a) => ({
          name: a,
          points: ns.map((n): [number, number] => [Math.log10(n), round((1.8 / base[a]!) * (1 - 200 / n), 3)]),
        })),
      },
    ],
    status: 'complete',
    seconds: 14.2,
  };
}

function variants(): ExperimentResult {
  const names = ['relu', 'leaky_relu', 'prelu', 'elu', 'selu', 'gelu', 'silu', 'mish'];
  const accuracy = [89.6, 89.8, 90.1, 89.9, 89.2, 90.3, 90.2, 90.2];
  const spread = [0.4, 0.3, 0.4, 0.3, 0.6, 0.3, 0.2, 0.3];
  return {
    title: 'The ReLU variants compared',
    claim: 'The variants of ReLU (leaky, parametric, exponential, smooth) match or slightly improve on it, each at some extra cost.',
    source: { citation: 'Xu, Wang, Chen & Li 2015', url: 'https://arxiv.org/abs/1505.00853' },
    setup: `Fashion-MNIST, the convolutional network of the convergence experiment, 15 epochs, 3 seeds per activation. ${EXAMPLE_NOTE}`,
    published: [{ label: 'CIFAR-10 test error, ReLU → RReLU', value: '12.45% → 11.19%', note: 'Table 3, NIN' }],
    measured: [
      { label: 'Best test accuracy (gelu)', value: 90.3, spread: 0.3, unit: '%' },
      { label: 'relu test accuracy', value: 89.6, spread: 0.4, unit: '%' },
    ],
    verdict: 'inconclusive',
    summary: 'All variants land within one percentage point of ReLU; with three seeds the differences are within noise, so no ranking can be claimed.',
    tables: [
      {
        title: 'Test accuracy after 15 epochs (%)',
        columns: ['activation', 'mean', 'sd'],
        rows: names.map((n, i) => [n, accuracy[i]!, spread[i]!]),
      },
    ],
    charts: [
      {
        kind: 'bar',
        title: 'Test accuracy by activation',
        yLabel: 'test accuracy (%)',
        groups: names,
        series: [{ name: 'test accuracy', values: accuracy, errors: spread }],
      },
    ],
    status: 'complete',
    seconds: 588.0,
  };
}

function nonlinearity(): ExperimentResult {
  const resolution = 60;
  const extent: [number, number, number, number] = [-1.5, 1.5, -1.5, 1.5];
  const cell = (r: number, c: number) => ({
    x: extent[0] + ((c + 0.5) * (extent[1] - extent[0])) / resolution,
    y: extent[2] + ((r + 0.5) * (extent[3] - extent[2])) / resolution,
  });
  const grid = (f: (x: number, y: number) => number) =>
    Array.from({ length: resolution * resolution }, (_, i) => {
      const { x, y } = cell(Math.floor(i / resolution), i % resolution);
      return f(x, y);
    });
  const noise = sequence(7);
  const points: Array<[number, number, number]> = Array.from({ length: 160 }, () => {
    const x = round(noise() * 2.6 - 1.3, 3);
    const y = round(noise() * 2.6 - 1.3, 3);
    return [x, y, x * y > 0 ? 1 : 0];
  });
  return {
    title: 'Non-linearity: decision boundaries',
    claim: 'A network with ReLU units can separate classes that no linear model can, such as XOR; without a non-linearity a deep network is still a linear model.',
    source: { citation: 'Nair & Hinton 2010', url: 'https://www.cs.toronto.edu/~hinton/absps/reluICML.pdf' },
    setup: `XOR, circles and spiral sets of 400 points, 2 hidden layers of 16 units, Adam, 500 steps; relu against linear (identity) activations. ${EXAMPLE_NOTE}`,
    measured: [
      { label: 'XOR accuracy, relu', value: 99.4, spread: 0.5, unit: '%' },
      { label: 'XOR accuracy, linear', value: 51.2, spread: 2.3, unit: '%' },
    ],
    verdict: 'agrees',
    summary: 'With ReLU the network carves the plane into the four XOR quadrants; with the identity it draws one straight line and stays at chance.',
    tables: [
      {
        title: 'Test accuracy (%)',
        columns: ['data set', 'relu', 'linear'],
        rows: [
          ['xor', 99.4, 51.2],
          ['circles', 98.7, 50.3],
          ['spiral', 96.1, null],
        ],
      },
    ],
    charts: [
      {
        kind: 'boundary',
        title: 'XOR, relu',
        extent,
        resolution,
        grid: grid((x, y) => (x * y > 0 ? 1 : 0)),
        points,
        classes: ['class 0', 'class 1'],
      },
      {
        kind: 'boundary',
        title: 'XOR, linear',
        extent,
        resolution,
        grid: grid((x, y) => (0.3 * x - y > 0.05 ? 1 : 0)),
        points,
        classes: ['class 0', 'class 1'],
      },
    ],
    status: 'complete',
    seconds: 22.5,
  };
}

/** A complete example run over all eight experiments. */
export function exampleResults(options: ExampleOptions = {}): LabResults {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`exampleResults: expected options to be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const experiments: Record<string, ExperimentResult> = {
    convergence: convergence(),
    depth: depth(),
    init: init(),
    sparsity: sparsity(),
    dying: dying(),
    cost: cost(),
    variants: variants(),
    nonlinearity: nonlinearity(),
  };
  if (options.withFailure) {
    experiments.cost = {
      ...experiments.cost!,
      status: 'failed',
      verdict: 'inconclusive',
      error: 'RangeError: WebAssembly.Memory.grow(): Maximum memory size exceeded',
      measured: [],
      tables: [],
      charts: [],
      summary: 'The experiment stopped with an error before it measured anything.',
    };
  }
  if (options.interrupted) {
    experiments.nonlinearity = { ...experiments.nonlinearity!, status: 'incomplete', verdict: 'inconclusive' };
  }
  return {
    version: '0.1.0',
    createdAt: '2025-01-15T09:30:00.000Z',
    complete: !options.interrupted,
    command: 'rectifier lab --seeds 3',
    settings: { quick: false, seeds: 3, experiments: Object.keys(experiments), example: true },
    machine: {
      node: 'v20.19.0',
      platform: 'linux',
      arch: 'x64',
      cpus: 2,
      cpuModel: 'Example CPU @ 2.40GHz',
      memoryGB: 24,
      backend: 'wasm',
    },
    experiments,
  };
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dense, Rng, computeFans, getActivation, initialize, layers, sequential, RAI_SIGMA } from 'rectifier';

function stats(a: Float32Array): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of a) {
    s += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = s / a.length;
  let q = 0;
  for (const v of a) q += (v - mean) ** 2;
  return { mean, std: Math.sqrt(q / a.length), min, max };
}

// For n = 200,000 draws the sample std has relative standard error ≈ 1/√(2n) ≈ 0.16%; 1.5% is ~9 sigma.
const SHAPE = [400, 500];
const N = 400 * 500;

test('He normal: std = gain/√fan_in with the activation gain (√2 relu, √(2/(1+α²)) leaky)', () => {
  const relu = stats(initialize('he_normal', SHAPE, { seed: 1, activation: getActivation('relu') }));
  assert.ok(Math.abs(relu.std / (Math.SQRT2 / Math.sqrt(400)) - 1) < 0.015, `std ${relu.std}`);
  assert.ok(Math.abs(relu.mean) < 5 * relu.std / Math.sqrt(N));
  const leaky = stats(initialize('he_normal', SHAPE, { seed: 2, activation: getActivation('leaky_relu', { alpha: 0.5 }) }));
  assert.ok(Math.abs(leaky.std / (Math.sqrt(2 / 1.25) / Math.sqrt(400)) - 1) < 0.015, `std ${leaky.std}`);
  const fanOut = stats(initialize({ id: 'he_normal', mode: 'fan_out' }, SHAPE, { seed: 3, activation: getActivation('relu') }));
  assert.ok(Math.abs(fanOut.std / (Math.SQRT2 / Math.sqrt(500)) - 1) < 0.015);
});

test('uniform variants stay inside their bounds and have the matching std', () => {
  const heU = stats(initialize('he_uniform', SHAPE, { seed: 4, activation: getActivation('relu') }));
  const bound = Math.SQRT2 * Math.sqrt(3 / 400);
  assert.ok(heU.min >= -bound && heU.max <= bound && heU.max > 0.99 * bound);
  assert.ok(Math.abs(heU.std / (bound / Math.sqrt(3)) - 1) < 0.015);
  const gu = stats(initialize('glorot_uniform', SHAPE, { seed: 5 }));
  assert.ok(Math.abs(gu.std / Math.sqrt(2 / 900) - 1) < 0.015);
  const gn = stats(initialize('glorot_normal', SHAPE, { seed: 6 }));
  assert.ok(Math.abs(gn.std / Math.sqrt(2 / 900) - 1) < 0.015);
  const ln = stats(initialize('lecun_normal', SHAPE, { seed: 7 }));
  assert.ok(Math.abs(ln.std / Math.sqrt(1 / 400) - 1) < 0.015);
  const lu = stats(initialize('lecun_uniform', SHAPE, { seed: 8 }));
  assert.ok(Math.abs(lu.std / Math.sqrt(1 / 400) - 1) < 0.015);
  assert.ok(initialize('zeros', [3]).every((v) => v === 0));
  assert.ok(initialize({ id: 'constant', value: 0.1 }, [3]).every((v) => Math.abs(v - 0.1) < 1e-7));
});

test('fans follow torch.nn.init for dense kernels and HWIO conv filters', () => {
  assert.deepEqual(computeFans([784, 128]), { fanIn: 784, fanOut: 128 });
  assert.deepEqual(computeFans([3, 3, 16, 32]), { fanIn: 144, fanOut: 288 });
});

test('the default initializer follows the activation: He for ReLU, Glorot for tanh, LeCun for SELU', () => {
  const std = (activation: string) => {
    const d = layers.dense({ units: 400, activation }) as Dense;
    sequential({ inputShape: [800], layers: [d], seed: 11 });
    return stats(d.kernel.value.view() as Float32Array).std;
  };
  assert.ok(Math.abs(std('relu') / (Math.SQRT2 / Math.sqrt(800)) - 1) < 0.02);
  assert.ok(Math.abs(std('tanh') / Math.sqrt(2 / 1200) - 1) < 0.02);
  assert.ok(Math.abs(std('selu') / Math.sqrt(1 / 800) - 1) < 0.02);
  // a linear dense followed by an activation layer initialises for that activation
  const d = layers.dense({ units: 400 }) as Dense;
  sequential({ inputShape: [800], layers: [d, layers.activation({ activation: 'relu' })], seed: 11 });
  assert.ok(Math.abs(stats(d.kernel.value.view() as Float32Array).std / (Math.SQRT2 / Math.sqrt(800)) - 1) < 0.02);
  assert.throws(() => layers.dense({ units: 2, kernelInitializer: 'he_norml' as 'he_normal' }), /unknown initializer "he_norml"/);
});

test('randomized asymmetric initialization (Lu et al. 2019): one Beta(2,1) coordinate per neuron, the rest N(0, σ²/fan_in)', () => {
  const fanIn = 50;
  const units = 4000;
  const d = layers.dense({ units, activation: 'relu', kernelInitializer: 'rai' }) as Dense;
  sequential({ inputShape: [fanIn], layers: [d], seed: 3 });
  const k = d.kernel.value.view() as Float32Array;
  const b = d.bias!.value.view() as Float32Array;
  const special: number[] = [];
  const rest: number[] = [];
  let biasChosen = 0;
  const std = RAI_SIGMA / Math.sqrt(fanIn);
  for (let j = 0; j < units; j++) {
    const v = [...Array.from({ length: fanIn }, (_, i) => k[i * units + j]!), b[j]!];
    // A Beta(2,1) draw above 6σ cannot come from the normal part (p ≈ 1e-9), so it identifies the
    // neuron's asymmetric coordinate; smaller Beta draws hide among the normals and are left there.
    const maxIdx = v.reduce((m, x, i) => (x > v[m]! ? i : m), 0);
    if (v[maxIdx]! > 6 * std) {
      special.push(v[maxIdx]!);
      if (maxIdx === fanIn) biasChosen++;
      v.splice(maxIdx, 1);
    }
    rest.push(...v);
  }
  // Beta(2,1) values exceed 6σ/√fan_in (≈ 0.51) with probability 1 − 0.51² ≈ 0.74
  assert.ok(Math.abs(special.length / units - (1 - (6 * std) ** 2)) < 0.03, `${special.length}`);
  // Robust scale (median |x| / 0.6745), since the hidden small Beta draws (~0.5% of these values) would
  // inflate a plain standard deviation.
  const abs = Float64Array.from(rest, Math.abs).sort();
  const robust = abs[Math.floor(abs.length / 2)]! / 0.6744897501960817;
  assert.ok(Math.abs(robust / std - 1) < 0.03, `normal part scale ${robust} vs ${std}`);
  assert.ok(Math.abs(stats(Float32Array.from(rest)).mean) < 0.01);
  // Beta(2,1) has mean 2/3; conditioned on > c it is (2/3)(1 − c³)/(1 − c²)
  const c = 6 * std;
  const m = special.reduce((a, x) => a + x, 0) / special.length;
  assert.ok(Math.abs(m - ((2 / 3) * (1 - c ** 3)) / (1 - c ** 2)) < 0.01, `mean of the asymmetric draws ${m}`);
  assert.ok(special.every((x) => x <= 1));
  // the chosen coordinate is uniform over fan_in + 1 positions, so the bias is chosen about 1/51 of the time
  assert.ok(biasChosen > 0 && biasChosen / special.length < 0.05);
});

test('initializers are deterministic in the seed', () => {
  assert.deepEqual(initialize('he_normal', [10], { seed: 9 }), initialize('he_normal', [10], { rng: new Rng(9) }));
  assert.notDeepEqual(initialize('he_normal', [10], { seed: 9 }), initialize('he_normal', [10], { seed: 10 }));
});

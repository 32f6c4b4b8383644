/**
 * Convolution and pooling kernels (src/backend/conv.ts) against definitions written here from scratch:
 * a direct 7-loop convolution in float64, its adjoints written as scatters, central differences of the
 * scalar loss Σ dy·conv(x, w), and pooling by enumerating each window's real elements.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/util/random.js';
import { matmulReference } from '../src/backend/js-gemm.js';
import { JsBackend, arrayStorage } from '../src/backend/js.js';
import type { MatmulShape } from '../src/backend/types.js';
import { conv2dGeometry, pool2dGeometry, type Padding } from '../src/backend/geometry.js';
import { BLOCK_ROWS, col2im, conv2dBackwardFilter, conv2dBackwardInput, conv2dForward, im2col } from '../src/backend/js-conv.js';
import { avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward } from '../src/backend/js-pool.js';

type Shape4 = [number, number, number, number];

interface ConvCase {
  input: Shape4;
  filter: Shape4;
  strides: [number, number];
  padding: Padding;
}

// ---------------------------------------------------------------------------------------------------
// Independent definitions

/** TensorFlow's output size and leading padding along one axis (tf.nn.conv2d documentation). */
function tfAxis(size: number, k: number, stride: number, padding: Padding): { out: number; before: number } {
  if (padding === 'valid') return { out: Math.ceil((size - k + 1) / stride), before: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + k - size, 0);
  return { out, before: Math.floor(total / 2) };
}

function convDims(c: ConvCase) {
  const [N, H, W, C] = c.input;
  const [KH, KW, , CO] = c.filter;
  const h = tfAxis(H, KH, c.strides[0], c.padding);
  const w = tfAxis(W, KW, c.strides[1], c.padding);
  return { N, H, W, C, KH, KW, CO, SH: c.strides[0], SW: c.strides[1], OH: h.out, OW: w.out, PT: h.before, PL: w.before };
}

/**
 * Visits every (output, kernel tap, input) triple of the convolution whose input position is real:
 * the seven loops of the definition, shared by the forward and both adjoints below.
 */
function forEachTap(c: ConvCase, visit: (xi: number, wi: number, yi: number) => void): void {
  const { N, H, W, C, KH, KW, CO, SH, SW, OH, OW, PT, PL } = convDims(c);
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++)
        for (let co = 0; co < CO; co++)
          for (let ky = 0; ky < KH; ky++)
            for (let kx = 0; kx < KW; kx++)
              for (let ci = 0; ci < C; ci++) {
                const iy = oy * SH - PT + ky;
                const ix = ox * SW - PL + kx;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                visit(((n * H + iy) * W + ix) * C + ci, ((ky * KW + kx) * C + ci) * CO + co, ((n * OH + oy) * OW + ox) * CO + co);
              }
}

/** The result in float64 and, per element, the sum of |terms| (the scale its rounding error is relative to). */
interface Naive {
  value: Float64Array;
  scale: Float64Array;
}

function naiveConv(c: ConvCase, x: ArrayLike<number>, w: ArrayLike<number>, bias?: ArrayLike<number>): Naive {
  const { N, OH, OW, CO } = convDims(c);
  const value = new Float64Array(N * OH * OW * CO);
  const scale = new Float64Array(value.length);
  forEachTap(c, (xi, wi, yi) => {
    const t = x[xi]! * w[wi]!;
    value[yi]! += t;
    scale[yi]! += Math.abs(t);
  });
  if (bias) {
    for (let i = 0; i < value.length; i++) {
      value[i]! += bias[i % CO]!;
      scale[i]! += Math.abs(bias[i % CO]!);
    }
  }
  return { value, scale };
}

function naiveConvInputGrad(c: ConvCase, dy: ArrayLike<number>, w: ArrayLike<number>): Naive {
  const size = c.input.reduce((a, b) => a * b, 1);
  const value = new Float64Array(size);
  const scale = new Float64Array(size);
  forEachTap(c, (xi, wi, yi) => {
    const t = dy[yi]! * w[wi]!;
    value[xi]! += t;
    scale[xi]! += Math.abs(t);
  });
  return { value, scale };
}

function naiveConvFilterGrad(c: ConvCase, x: ArrayLike<number>, dy: ArrayLike<number>): Naive {
  const size = c.filter.reduce((a, b) => a * b, 1);
  const value = new Float64Array(size);
  const scale = new Float64Array(size);
  forEachTap(c, (xi, wi, yi) => {
    const t = x[xi]! * dy[yi]!;
    value[wi]! += t;
    scale[wi]! += Math.abs(t);
  });
  return { value, scale };
}

// ---------------------------------------------------------------------------------------------------
// Helpers

function randomArray(rng: Rng, n: number, low = -1, high = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(low, high);
  return a;
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const describeCase = (c: ConvCase) =>
  `input [${c.input}] filter [${c.filter}] strides [${c.strides}] ${c.padding}`;

/** Float32 results may differ from the float64 definition by rounding relative to the terms' magnitudes. */
function assertClose(actual: ArrayLike<number>, expected: Naive, label: string, rel = 2e-6): void {
  assert.equal(actual.length, expected.value.length, `${label}: length`);
  for (let i = 0; i < actual.length; i++) {
    const e = expected.value[i]!;
    const tol = rel * (expected.scale[i]! + 1e-30);
    if (!(Math.abs(actual[i]! - e) <= tol)) {
      assert.fail(`${label}: element ${i} is ${actual[i]}, expected ${e} (tolerance ${tol})`);
    }
  }
}

function randomConvCase(rng: Rng): ConvCase {
  const padding: Padding = rng.next() < 0.5 ? 'valid' : 'same';
  const H = 1 + rng.int(9);
  const W = 1 + rng.int(9);
  let KH = 1 + rng.int(5);
  let KW = 1 + rng.int(5);
  if (padding === 'valid') {
    KH = Math.min(KH, H);
    KW = Math.min(KW, W);
  }
  return {
    input: [1 + rng.int(3), H, W, 1 + rng.int(5)],
    filter: [KH, KW, 0, 1 + rng.int(5)], // inChannels set by convCases
    strides: [1 + rng.int(3), 1 + rng.int(3)],
    padding,
  };
}

/** Random cases plus the edges a random draw may miss: big kernels over tiny images, 1×1, big strides. */
function convCases(seed: number, count: number): ConvCase[] {
  const rng = new Rng(seed);
  const cases: ConvCase[] = [
    { input: [1, 2, 3, 2], filter: [5, 4, 2, 3], strides: [1, 1], padding: 'same' },
    { input: [2, 1, 1, 3], filter: [5, 5, 3, 2], strides: [2, 3], padding: 'same' },
    { input: [3, 4, 5, 4], filter: [1, 1, 4, 5], strides: [1, 1], padding: 'valid' },
    { input: [2, 5, 5, 3], filter: [1, 1, 3, 2], strides: [1, 1], padding: 'same' },
    { input: [1, 9, 9, 2], filter: [1, 1, 2, 3], strides: [3, 2], padding: 'valid' },
    { input: [2, 9, 7, 1], filter: [2, 2, 1, 4], strides: [3, 3], padding: 'valid' },
    { input: [1, 8, 6, 3], filter: [3, 5, 3, 2], strides: [2, 1], padding: 'same' },
    { input: [1, 4, 4, 1], filter: [3, 3, 1, 1], strides: [2, 2], padding: 'same' },
  ];
  for (let i = 0; i < count; i++) cases.push(randomConvCase(rng));
  for (const c of cases) c.filter[2] = c.input[3];
  return cases;
}

// ---------------------------------------------------------------------------------------------------
// Geometry

test('conv2dGeometry gives the output sizes and paddings TensorFlow documents', () => {
  const cases: [Shape4, Shape4, number | [number, number], Padding, Record<string, number>][] = [
    // 'same': out = ceil(in/s); total padding (out−1)·s + k − in, the odd one at the bottom/right.
    [[1, 5, 5, 1], [3, 3, 1, 1], 2, 'same', { outH: 3, outW: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 }],
    [[1, 4, 4, 1], [3, 3, 1, 1], 2, 'same', { outH: 2, outW: 2, padTop: 0, padLeft: 0, padBottom: 1, padRight: 1 }],
    [[1, 2, 2, 1], [5, 5, 1, 1], 1, 'same', { outH: 2, outW: 2, padTop: 2, padLeft: 2, padBottom: 2, padRight: 2 }],
    [[1, 10, 10, 1], [1, 1, 1, 1], 4, 'same', { outH: 3, outW: 3, padTop: 0, padBottom: 0 }],
    [[64, 28, 28, 1], [3, 3, 1, 16], 1, 'same', { batch: 64, outH: 28, outW: 28, outC: 16, padTop: 1, padLeft: 1 }],
    // 'valid': out = floor((in − k)/s) + 1, no padding.
    [[2, 7, 6, 3], [2, 3, 3, 4], [3, 2], 'valid', { batch: 2, inC: 3, outC: 4, outH: 2, outW: 2, strideH: 3, strideW: 2, padTop: 0 }],
    [[1, 28, 28, 1], [5, 5, 1, 6], 1, 'valid', { outH: 24, outW: 24, kh: 5, kw: 5 }],
  ];
  for (const [input, filter, strides, padding, expected] of cases) {
    const g = conv2dGeometry(input, filter, strides, padding);
    for (const [key, value] of Object.entries(expected)) {
      assert.equal(g[key as keyof typeof g], value, `${key} of [${input}] * [${filter}] strides ${strides} ${padding}`);
    }
  }
});

test('pool2dGeometry defaults strides to the pool size and pads as TensorFlow', () => {
  const g = pool2dGeometry([2, 7, 5, 3], 2);
  assert.deepEqual([g.outH, g.outW, g.strideH, g.strideW, g.padTop], [3, 2, 2, 2, 0]);
  const s = pool2dGeometry([1, 5, 6, 1], [3, 2], [2, 3], 'same');
  // H: ceil(5/2) = 3, total (3−1)·2 + 3 − 5 = 2; W: ceil(6/3) = 2, total (2−1)·3 + 2 − 6 < 0 → 0.
  assert.deepEqual([s.outH, s.outW, s.padTop, s.padBottom, s.padLeft, s.padRight], [3, 2, 1, 1, 0, 0]);
  assert.equal(pool2dGeometry([1, 4, 4, 1], 2, null).strideH, 2);
});

test('conv2dGeometry rejects bad shapes, strides and padding, naming both shapes', () => {
  const both = (input: string, filter: string) => new RegExp(`${input}[\\s\\S]*${filter}|${filter}[\\s\\S]*${input}`);
  const inp = '\\[1, 5, 5, 3\\]';
  assert.throws(() => conv2dGeometry([1, 5, 5, 3], [3, 3, 2, 8]), /expects 2 input channels.*has 3/);
  assert.throws(() => conv2dGeometry([1, 5, 5, 3], [3, 3, 2, 8]), both(inp, '\\[3, 3, 2, 8\\]'));
  assert.throws(() => conv2dGeometry([1, 5, 5, 3], [6, 3, 3, 1], 1, 'valid'), /'valid' padding.*6×3 kernel.*5×5 image/);
  assert.throws(() => conv2dGeometry([1, 5, 5, 3], [6, 3, 3, 1], 1, 'valid'), both(inp, '\\[6, 3, 3, 1\\]'));
  assert.throws(() => conv2dGeometry([1, 5, 5, 3], [3, 3, 3, 1], 0), /strides must be a positive integer.*got 0.*\[1, 5, 5, 3\].*\[3, 3, 3, 1\]/);
  assert.throws(() => conv2dGeometry([1, 5, 5, 3], [3, 3, 3, 1], [1, -2]), /strides.*got \[1, -2\]/);
  assert.throws(() => conv2dGeometry([1, 5, 5, 3], [3, 3, 3, 1], 1.5), /strides.*got 1\.5/);
  assert.throws(() => conv2dGeometry([5, 5, 3], [3, 3, 3, 1]), /inputShape must be \[batch, height, width, channels\].*rank 3 \[5, 5, 3\].*filterShape \[3, 3, 3, 1\]/);
  assert.throws(() => conv2dGeometry([1, 5, 5, 3], [3, 3, 3]), /filterShape must be .*rank 3 \[3, 3, 3\].*inputShape \[1, 5, 5, 3\]/);
  assert.throws(() => conv2dGeometry([1, 0, 5, 3], [3, 3, 3, 1]), /inputShape.*\[1, 0, 5, 3\]/);
  assert.throws(() => conv2dGeometry([1, 5, 5, 3], [0, 3, 3, 1], 1, 'same'), /filterShape.*\[0, 3, 3, 1\]/);
  assert.throws(() => conv2dGeometry([1, 5, 5, 3], [3, 3, 3, 1], 1, 'full' as Padding), /padding must be 'valid' or 'same', got "full"/);
});

test('pool2dGeometry rejects bad arguments with clear messages', () => {
  assert.throws(() => pool2dGeometry([1, 3, 3, 1], 4), /'valid' padding.*4×4 pool.*3×3 image.*\[1, 3, 3, 1\]/);
  assert.throws(() => pool2dGeometry([1, 3, 3, 1], 0), /poolSize must be a positive integer.*got 0/);
  assert.throws(() => pool2dGeometry([1, 3, 3, 1], 2, [0, 1]), /strides.*got \[0, 1\]/);
  assert.throws(() => pool2dGeometry([3, 3, 1], 2), /inputShape.*rank 3 \[3, 3, 1\]/);
  assert.throws(() => pool2dGeometry([1, 3, 3, 1], 2, 1, 'SAME' as Padding), /padding.*"SAME"/);
  assert.equal(pool2dGeometry([1, 3, 3, 1], 4, 1, 'same').outH, 3);
});

// ---------------------------------------------------------------------------------------------------
// im2col / col2im

test('im2col writes each output pixel patch in (ky, kx, c) order with zeros for padding, for any row range', () => {
  const rng = new Rng(11);
  for (const c of convCases(110, 30)) {
    const g = conv2dGeometry(c.input, c.filter, c.strides, c.padding);
    const { N, H, W, C, KH, KW, SH, SW, OH, OW, PT, PL } = convDims(c);
    const x = randomArray(rng, size(c.input));
    const rows = N * OH * OW;
    const patch = KH * KW * C;
    const rowStart = rng.int(rows);
    const rowCount = rng.int(rows - rowStart + 1);
    const cols = new Float32Array(rowCount * patch + 3).fill(NaN);
    im2col(x, g, cols, rowStart, rowCount);
    for (let r = rowStart; r < rowStart + rowCount; r++) {
      const ox = r % OW;
      const oy = Math.floor(r / OW) % OH;
      const n = Math.floor(r / (OW * OH));
      for (let ky = 0; ky < KH; ky++)
        for (let kx = 0; kx < KW; kx++)
          for (let ci = 0; ci < C; ci++) {
            const iy = oy * SH - PT + ky;
            const ix = ox * SW - PL + kx;
            const expected = iy < 0 || iy >= H || ix < 0 || ix >= W ? 0 : x[((n * H + iy) * W + ix) * C + ci]!;
            const got = cols[(r - rowStart) * patch + (ky * KW + kx) * C + ci];
            if (got !== expected) assert.fail(`${describeCase(c)}: row ${r} tap (${ky}, ${kx}, ${ci}) is ${got}, expected ${expected}`);
          }
    }
    assert.ok(Number.isNaN(cols[rowCount * patch]), 'im2col writes past rowCount rows');
  }
});

test('col2im is the adjoint of im2col and adds into dx', () => {
  const rng = new Rng(12);
  for (const c of convCases(120, 30)) {
    const g = conv2dGeometry(c.input, c.filter, c.strides, c.padding);
    const { N, OH, OW, KH, KW, C } = convDims(c);
    const rows = N * OH * OW;
    const patch = KH * KW * C;
    const x = randomArray(rng, size(c.input));
    const colsIn = randomArray(rng, rows * patch);
    const cols = new Float32Array(rows * patch);
    im2col(x, g, cols);
    const base = randomArray(rng, x.length);
    const dx = base.slice();
    col2im(colsIn, g, dx);
    // ⟨im2col(x), C⟩ = ⟨x, col2im(C)⟩ in float64, with col2im's result taken relative to the base it added to.
    let lhs = 0;
    let rhs = 0;
    let scale = 0;
    for (let i = 0; i < cols.length; i++) {
      lhs += cols[i]! * colsIn[i]!;
      scale += Math.abs(cols[i]! * colsIn[i]!);
    }
    for (let i = 0; i < x.length; i++) rhs += x[i]! * (dx[i]! - base[i]!);
    assert.ok(Math.abs(lhs - rhs) <= 1e-5 * (scale + 1), `${describeCase(c)}: ⟨im2col x, C⟩ = ${lhs} but ⟨x, col2im C⟩ = ${rhs}`);
  }
});

// ---------------------------------------------------------------------------------------------------
// Convolution

test('conv2dForward matches the direct 7-loop convolution on random shapes, strides and paddings', () => {
  const rng = new Rng(1);
  const cases = convCases(100, 120);
  for (const [i, c] of cases.entries()) {
    const g = conv2dGeometry(c.input, c.filter, c.strides, c.padding);
    const x = randomArray(rng, size(c.input));
    const w = randomArray(rng, size(c.filter));
    const bias = i % 2 === 0 ? randomArray(rng, c.filter[3]) : undefined;
    const out = new Float32Array(g.batch * g.outH * g.outW * g.outC).fill(NaN);
    conv2dForward(x, w, out, g, bias);
    assertClose(out, naiveConv(c, x, w, bias), describeCase(c));
  }
});

test('conv2dBackwardInput matches the adjoint of the direct convolution and overwrites dx', () => {
  const rng = new Rng(2);
  for (const c of convCases(200, 120)) {
    const g = conv2dGeometry(c.input, c.filter, c.strides, c.padding);
    const dy = randomArray(rng, g.batch * g.outH * g.outW * g.outC);
    const w = randomArray(rng, size(c.filter));
    const dx = new Float32Array(size(c.input)).fill(7);
    conv2dBackwardInput(dy, w, dx, g);
    assertClose(dx, naiveConvInputGrad(c, dy, w), describeCase(c));
  }
});

test('conv2dBackwardFilter matches the adjoint of the direct convolution, overwriting or accumulating', () => {
  const rng = new Rng(3);
  for (const [i, c] of convCases(300, 120).entries()) {
    const g = conv2dGeometry(c.input, c.filter, c.strides, c.padding);
    const x = randomArray(rng, size(c.input));
    const dy = randomArray(rng, g.batch * g.outH * g.outW * g.outC);
    const expected = naiveConvFilterGrad(c, x, dy);
    if (i % 2 === 0) {
      const dw = new Float32Array(size(c.filter)).fill(-3);
      conv2dBackwardFilter(x, dy, dw, g);
      assertClose(dw, expected, describeCase(c));
    } else {
      const start = randomArray(rng, size(c.filter));
      const dw = start.slice();
      conv2dBackwardFilter(x, dy, dw, g, true);
      const shifted = {
        value: expected.value.map((v, j) => v + start[j]!),
        scale: expected.scale.map((v, j) => v + Math.abs(start[j]!)),
      };
      assertClose(dw, shifted, `${describeCase(c)} (accumulate)`);
    }
  }
});

test('both convolution gradients agree with central differences of Σ dy·conv(x, w) in float64', () => {
  const rng = new Rng(4);
  for (const c of convCases(400, 25)) {
    const g = conv2dGeometry(c.input, c.filter, c.strides, c.padding);
    const x = Float64Array.from(randomArray(rng, size(c.input)));
    const w = Float64Array.from(randomArray(rng, size(c.filter)));
    const dy = randomArray(rng, g.batch * g.outH * g.outW * g.outC);
    const loss = () => naiveConv(c, x, w).value.reduce((s, y, i) => s + y * dy[i]!, 0);
    const dx = new Float32Array(x.length);
    const dw = new Float32Array(w.length);
    conv2dBackwardInput(dy, Float32Array.from(w), dx, g);
    conv2dBackwardFilter(Float32Array.from(x), dy, dw, g);
    const h = 1e-3;
    for (const [name, v, grad] of [['x', x, dx], ['w', w, dw]] as const) {
      for (let t = 0; t < 8; t++) {
        const i = rng.int(v.length);
        const keep = v[i]!;
        v[i] = keep + h;
        const up = loss();
        v[i] = keep - h;
        const down = loss();
        v[i] = keep;
        const numeric = (up - down) / (2 * h);
        assert.ok(
          Math.abs(grad[i]! - numeric) <= 1e-4 * (1 + Math.abs(numeric)),
          `${describeCase(c)}: d/d${name}[${i}] is ${grad[i]}, central difference ${numeric}`,
        );
      }
    }
  }
});

test('large batches go through the GEMM in panels of at most BLOCK_ROWS output pixels', () => {
  const rng = new Rng(5);
  const cases: ConvCase[] = [
    { input: [4, 13, 11, 2], filter: [3, 3, 2, 4], strides: [1, 1], padding: 'same' },
    { input: [2, 19, 17, 3], filter: [1, 1, 3, 2], strides: [1, 1], padding: 'valid' },
  ];
  for (const c of cases) {
    const g = conv2dGeometry(c.input, c.filter, c.strides, c.padding);
    const rows = g.batch * g.outH * g.outW;
    assert.ok(rows > 2 * BLOCK_ROWS, 'the case must span several panels');
    const calls: MatmulShape[] = [];
    const gemm = (a: Float32Array, b: Float32Array, out: Float32Array, shape: MatmulShape) => {
      calls.push(shape);
      matmulReference(a, b, out, shape);
    };
    const x = randomArray(rng, size(c.input));
    const w = randomArray(rng, size(c.filter));
    const dy = randomArray(rng, rows * g.outC);

    const out = new Float32Array(rows * g.outC);
    conv2dForward(x, w, out, g, undefined, gemm);
    assertClose(out, naiveConv(c, x, w), `forward ${describeCase(c)}`);
    assert.equal(calls.length, Math.ceil(rows / BLOCK_ROWS));
    assert.ok(calls.every((s) => s.m <= BLOCK_ROWS));
    assert.equal(calls.reduce((sum, s) => sum + s.m, 0), rows);

    calls.length = 0;
    const dx = new Float32Array(x.length);
    conv2dBackwardInput(dy, w, dx, g, gemm);
    assertClose(dx, naiveConvInputGrad(c, dy, w), `backward input ${describeCase(c)}`);
    assert.ok(calls.length > 1 && calls.every((s) => s.m <= BLOCK_ROWS));

    calls.length = 0;
    const dw = new Float32Array(w.length);
    conv2dBackwardFilter(x, dy, dw, g, false, gemm);
    assertClose(dw, naiveConvFilterGrad(c, x, dy), `backward filter ${describeCase(c)}`);
    assert.ok(calls.length > 1 && calls.every((s) => s.k <= BLOCK_ROWS));
  }
});

test('convolution kernels reject arrays that do not match the geometry', () => {
  const g = conv2dGeometry([2, 4, 4, 3], [3, 3, 3, 5], 1, 'same');
  const x = new Float32Array(2 * 4 * 4 * 3);
  const w = new Float32Array(3 * 3 * 3 * 5);
  const y = new Float32Array(2 * 4 * 4 * 5);
  assert.throws(() => conv2dForward(x.subarray(1), w, y, g), /conv2dForward: x must have batch·inH·inW·inC = 96 elements, got 95/);
  assert.throws(() => conv2dForward(x, w.subarray(1), y, g), /filter must have kh·kw·inC·outC = 135 elements, got 134/);
  assert.throws(() => conv2dForward(x, w, y.subarray(1), g), /out must have batch·outH·outW·outC = 160 elements, got 159/);
  assert.throws(() => conv2dForward(x, w, y, g, new Float32Array(4)), /bias must have outC = 5 elements, got 4/);
  assert.throws(() => conv2dForward(Array.from(x) as unknown as Float32Array, w, y, g), /x must be a Float32Array.*got an array of length 96/);
  assert.throws(() => conv2dBackwardInput(y, w, x.subarray(2), g), /conv2dBackwardInput: dx must have .* = 96 elements, got 94/);
  assert.throws(() => conv2dBackwardFilter(x, y, w, g, 1 as unknown as boolean), /accumulate must be a boolean/);
  const pool = pool2dGeometry([2, 4, 4, 3], 2);
  assert.throws(() => conv2dForward(x, w, y, pool as never), /g must be a Conv2dGeometry made by conv2dGeometry/);
  assert.throws(() => im2col(x, g, new Float32Array(10), 0, 2), /cols must hold at least rowCount·kh·kw·inC = 2·27 = 54 elements, got 10/);
  assert.throws(() => im2col(x, g, new Float32Array(10000), 30, 10), /rowCount must be an integer in \[0, 2\]/);
});

// ---------------------------------------------------------------------------------------------------
// Pooling

interface PoolCase {
  input: Shape4;
  pool: [number, number];
  strides: [number, number];
  padding: Padding;
}

/** The real input elements of each window, in row-major window order, as flat indices into x. */
function poolWindows(c: PoolCase): { outShape: Shape4; windows: number[][] } {
  const [N, H, W, C] = c.input;
  const h = tfAxis(H, c.pool[0], c.strides[0], c.padding);
  const w = tfAxis(W, c.pool[1], c.strides[1], c.padding);
  const windows: number[][] = [];
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < h.out; oy++)
      for (let ox = 0; ox < w.out; ox++)
        for (let ch = 0; ch < C; ch++) {
          const members: number[] = [];
          for (let ky = 0; ky < c.pool[0]; ky++)
            for (let kx = 0; kx < c.pool[1]; kx++) {
              const iy = oy * c.strides[0] - h.before + ky;
              const ix = ox * c.strides[1] - w.before + kx;
              if (iy >= 0 && iy < H && ix >= 0 && ix < W) members.push(((n * H + iy) * W + ix) * C + ch);
            }
          windows.push(members);
        }
  return { outShape: [N, h.out, w.out, C], windows };
}

function poolCases(seed: number, count: number): PoolCase[] {
  const rng = new Rng(seed);
  const cases: PoolCase[] = [
    { input: [1, 5, 5, 2], pool: [2, 2], strides: [2, 2], padding: 'same' },
    { input: [2, 7, 3, 1], pool: [3, 2], strides: [1, 2], padding: 'valid' },
    { input: [1, 3, 3, 3], pool: [5, 5], strides: [1, 1], padding: 'same' },
    { input: [1, 9, 9, 1], pool: [2, 2], strides: [3, 3], padding: 'valid' },
  ];
  for (let i = 0; i < count; i++) {
    const padding: Padding = rng.next() < 0.5 ? 'valid' : 'same';
    const H = 1 + rng.int(9);
    const W = 1 + rng.int(9);
    let ph = 1 + rng.int(4);
    let pw = 1 + rng.int(4);
    if (padding === 'valid') {
      ph = Math.min(ph, H);
      pw = Math.min(pw, W);
    }
    cases.push({ input: [1 + rng.int(3), H, W, 1 + rng.int(5)], pool: [ph, pw], strides: [1 + rng.int(3), 1 + rng.int(3)], padding });
  }
  return cases;
}

const describePool = (c: PoolCase) => `input [${c.input}] pool [${c.pool}] strides [${c.strides}] ${c.padding}`;
const poolGeometry = (c: PoolCase) => pool2dGeometry(c.input, c.pool, c.strides, c.padding);

test('maxPool2dForward takes the first maximum of each window real elements and records where it was', () => {
  const rng = new Rng(6);
  for (const c of poolCases(600, 100)) {
    const g = poolGeometry(c);
    const { outShape, windows } = poolWindows(c);
    // Values from a small set, so ties are common; all negative so a padded zero would show.
    const x = new Float32Array(size(c.input)).map(() => -1 - rng.int(4));
    const out = new Float32Array(size(outShape)).fill(NaN);
    const argmax = new Int32Array(out.length).fill(-1);
    maxPool2dForward(x, out, g, argmax);
    windows.forEach((members, o) => {
      const max = Math.max(...members.map((i) => x[i]!));
      const first = members.find((i) => x[i] === max)!;
      assert.equal(out[o], max, `${describePool(c)}: output ${o}`);
      assert.equal(argmax[o], first, `${describePool(c)}: argmax ${o}`);
    });
    const withoutArgmax = new Float32Array(out.length);
    maxPool2dForward(x, withoutArgmax, g);
    assert.deepEqual(withoutArgmax, out);
  }
});

test('maxPool2dForward propagates NaN and handles infinities', () => {
  const g = pool2dGeometry([1, 2, 4, 1], 2);
  const x = new Float32Array([1, 5, -Infinity, -Infinity, NaN, 2, -Infinity, NaN]);
  const out = new Float32Array(2);
  const argmax = new Int32Array(2);
  maxPool2dForward(x, out, g, argmax);
  assert.ok(Number.isNaN(out[0]), 'a NaN after the maximum still wins');
  assert.equal(argmax[0], 4);
  assert.ok(Number.isNaN(out[1]));
  assert.equal(argmax[1], 7);
  const allNegInf = new Float32Array(8).fill(-Infinity);
  maxPool2dForward(allNegInf, out, g, argmax);
  assert.deepEqual([...out], [-Infinity, -Infinity]);
  assert.deepEqual([...argmax], [0, 2]);
});

test('maxPool2dBackward routes each gradient to the recorded input and matches central differences', () => {
  const rng = new Rng(7);
  for (const c of poolCases(700, 60)) {
    const g = poolGeometry(c);
    const { outShape, windows } = poolWindows(c);
    // Distinct values a unit apart: a step of 0.25 never changes which element wins.
    const n = size(c.input);
    const x = rng.shuffle(Float32Array.from({ length: n }, (_, i) => i - n / 2));
    const out = new Float32Array(size(outShape));
    const argmax = new Int32Array(out.length);
    maxPool2dForward(x, out, g, argmax);
    const dy = randomArray(rng, out.length);
    const dx = new Float32Array(n).fill(9);
    maxPool2dBackward(dy, argmax, dx);

    const expected = new Float64Array(n);
    windows.forEach((members, o) => {
      const winner = members.reduce((best, i) => (x[i]! > x[best]! ? i : best), members[0]!);
      expected[winner]! += dy[o]!;
    });
    const scale = new Float64Array(n).fill(1);
    assertClose(dx, { value: expected, scale }, describePool(c), 1e-6);

    const loss = (v: Float32Array) => windows.reduce((s, members, o) => s + Math.max(...members.map((i) => v[i]!)) * dy[o]!, 0);
    for (let t = 0; t < 6; t++) {
      const i = rng.int(n);
      const up = x.slice();
      up[i]! += 0.25;
      const down = x.slice();
      down[i]! -= 0.25;
      const numeric = (loss(up) - loss(down)) / 0.5;
      assert.ok(Math.abs(dx[i]! - numeric) <= 1e-5, `${describePool(c)}: dx[${i}] is ${dx[i]}, central difference ${numeric}`);
    }
  }
});

test('avgPool2dForward averages the real elements of each window only', () => {
  // TF's 'same' average pooling divides by the count of real elements: [[1, 2], [3, 4]], pool 2, stride 1.
  const g = pool2dGeometry([1, 2, 2, 1], 2, 1, 'same');
  const out = new Float32Array(4);
  avgPool2dForward(new Float32Array([1, 2, 3, 4]), out, g);
  assert.deepEqual([...out], [2.5, 3, 3.5, 4]);

  const rng = new Rng(8);
  for (const c of poolCases(800, 100)) {
    const g = poolGeometry(c);
    const { outShape, windows } = poolWindows(c);
    const x = randomArray(rng, size(c.input));
    const out = new Float32Array(size(outShape)).fill(NaN);
    avgPool2dForward(x, out, g);
    const value = Float64Array.from(windows, (m) => m.reduce((s, i) => s + x[i]!, 0) / m.length);
    const scale = Float64Array.from(windows, (m) => m.reduce((s, i) => s + Math.abs(x[i]!), 0) / m.length);
    assertClose(out, { value, scale }, describePool(c));
  }
});

test('avgPool2dBackward is the adjoint of the average and matches central differences', () => {
  const rng = new Rng(9);
  for (const c of poolCases(900, 80)) {
    const g = poolGeometry(c);
    const { outShape, windows } = poolWindows(c);
    const n = size(c.input);
    const dy = randomArray(rng, size(outShape));
    const dx = new Float32Array(n).fill(5);
    avgPool2dBackward(dy, dx, g);
    const value = new Float64Array(n);
    const scale = new Float64Array(n);
    windows.forEach((members, o) => {
      for (const i of members) {
        value[i]! += dy[o]! / members.length;
        scale[i]! += Math.abs(dy[o]!) / members.length;
      }
    });
    assertClose(dx, { value, scale }, describePool(c));

    const x = Float64Array.from(randomArray(rng, n));
    const loss = () => windows.reduce((s, m, o) => s + (m.reduce((a, i) => a + x[i]!, 0) / m.length) * dy[o]!, 0);
    for (let t = 0; t < 6; t++) {
      const i = rng.int(n);
      const keep = x[i]!;
      x[i] = keep + 1e-3;
      const up = loss();
      x[i] = keep - 1e-3;
      const down = loss();
      x[i] = keep;
      const numeric = (up - down) / 2e-3;
      assert.ok(Math.abs(dx[i]! - numeric) <= 1e-5 * (1 + Math.abs(numeric)), `${describePool(c)}: dx[${i}] ${dx[i]} vs ${numeric}`);
    }
  }
});

test('pooling kernels reject arrays that do not match the geometry', () => {
  const g = pool2dGeometry([2, 4, 4, 3], 2);
  const x = new Float32Array(96);
  const out = new Float32Array(24);
  assert.throws(() => maxPool2dForward(x.subarray(1), out, g), /maxPool2dForward: x must have batch·inH·inW·channels = 96 elements, got 95/);
  assert.throws(() => maxPool2dForward(x, out, g, new Int32Array(23)), /argmax must have .* = 24 elements.*got 23/);
  assert.throws(() => maxPool2dForward(x, out, g, new Float32Array(24) as unknown as Int32Array), /argmax must be an Int32Array, got a Float32Array of length 24/);
  assert.throws(() => maxPool2dBackward(out, new Int32Array(24).fill(96), x), /argmax\[0\] must index dx \(0 … 95\), got 96/);
  assert.throws(() => maxPool2dBackward(out, new Int32Array(3), x), /argmax must have one entry per element of dy \(24\), got 3/);
  assert.throws(() => avgPool2dForward(x, out.subarray(2), g), /avgPool2dForward: out must have batch·outH·outW·channels = 24 elements, got 22/);
  assert.throws(() => avgPool2dBackward(out, x.subarray(1), g), /avgPool2dBackward: dx must have .* = 96 elements, got 95/);
  const conv = conv2dGeometry([2, 4, 4, 3], [2, 2, 3, 3]);
  assert.throws(() => avgPool2dForward(x, out, conv as never), /g must be a Pool2dGeometry made by pool2dGeometry/);
});

// ---------------------------------------------------------------------------------------------------
// Backend interface

test('the JS backend exposes the kernels on Storage', () => {
  const rng = new Rng(10);
  const backend = new JsBackend();
  const c: ConvCase = { input: [2, 6, 5, 3], filter: [3, 2, 3, 4], strides: [2, 1], padding: 'same' };
  const g = conv2dGeometry(c.input, c.filter, c.strides, c.padding);
  const x = randomArray(rng, size(c.input));
  const w = randomArray(rng, size(c.filter));
  const bias = randomArray(rng, 4);
  const ySize = g.batch * g.outH * g.outW * g.outC;
  const y = new Float32Array(ySize);
  backend.conv2d(arrayStorage(x), arrayStorage(w), arrayStorage(y), g, arrayStorage(bias));
  assertClose(y, naiveConv(c, x, w, bias), 'backend.conv2d');

  const dy = randomArray(rng, ySize);
  const dx = new Float32Array(x.length);
  backend.conv2dBackwardInput(arrayStorage(dy), arrayStorage(w), arrayStorage(dx), g);
  assertClose(dx, naiveConvInputGrad(c, dy, w), 'backend.conv2dBackwardInput');
  const dw = new Float32Array(w.length).fill(1);
  backend.conv2dBackwardFilter(arrayStorage(x), arrayStorage(dy), arrayStorage(dw), g, true);
  const gw = naiveConvFilterGrad(c, x, dy);
  assertClose(dw, { value: gw.value.map((v) => v + 1), scale: gw.scale.map((v) => v + 1) }, 'backend.conv2dBackwardFilter');

  const pg = pool2dGeometry([2, 6, 5, 3], 2, 2, 'same');
  const pooled = new Float32Array(2 * pg.outH * pg.outW * 3);
  const argmax = new Int32Array(pooled.length);
  const direct = new Float32Array(pooled.length);
  const directArgmax = new Int32Array(pooled.length);
  backend.maxPool2d(arrayStorage(x), arrayStorage(pooled), pg, arrayStorage(argmax));
  maxPool2dForward(x, direct, pg, directArgmax);
  assert.deepEqual(pooled, direct);
  assert.deepEqual(argmax, directArgmax);
  const back = new Float32Array(x.length);
  backend.maxPool2dBackward(arrayStorage(pooled), arrayStorage(argmax), arrayStorage(back));
  const backDirect = new Float32Array(x.length);
  maxPool2dBackward(pooled, argmax, backDirect);
  assert.deepEqual(back, backDirect);
  backend.avgPool2d(arrayStorage(x), arrayStorage(pooled), pg);
  avgPool2dForward(x, direct, pg);
  assert.deepEqual(pooled, direct);
  backend.avgPool2dBackward(arrayStorage(pooled), arrayStorage(back), pg);
  avgPool2dBackward(pooled, backDirect, pg);
  assert.deepEqual(back, backDirect);
});

/** randomTranslation: zero-filled whole-pixel shifts in training, the identity in inference. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradOf, layers, mul, requireGrad, sequential, sum, tensor, tidy } from 'rectifier';

function oneHotImages(n: number, h: number, w: number, at: (b: number) => [number, number]): Float32Array {
  const x = new Float32Array(n * h * w);
  for (let b = 0; b < n; b++) {
    const [y, xx] = at(b);
    x[b * h * w + y * w + xx] = 1;
  }
  return x;
}

test('in training each image moves by whole pixels within the bound, zero-filled; in inference nothing moves', () => {
  const n = 200;
  const model = sequential({ inputShape: [9, 9, 1], layers: [layers.randomTranslation({ height: 0.25 })], seed: 4 });
  const x = oneHotImages(n, 9, 9, () => [4, 4]);
  tidy(() => {
    const input = tensor(x, [n, 9, 9, 1]);
    const out = model.forward(input, { training: true }).toArray();
    const shifts = new Set<string>();
    for (let b = 0; b < n; b++) {
      const img = out.slice(b * 81, (b + 1) * 81);
      assert.equal(img.reduce((a, v) => a + v, 0), 1, `image ${b} keeps its single pixel`);
      const at = img.indexOf(1);
      const dy = Math.floor(at / 9) - 4;
      const dx = (at % 9) - 4;
      assert.ok(Math.abs(dy) <= 2 && Math.abs(dx) <= 2, `shift (${dy}, ${dx}) within round(0.25·9) = 2`);
      shifts.add(`${dy},${dx}`);
    }
    assert.equal(shifts.size, 25, 'every shift in [−2, 2]² occurs');
    assert.deepEqual(model.forward(input, { training: false }).toArray(), Array.from(x));
  });
});

test('pixels shifted out of the image are dropped and the vacated ones are zero', () => {
  const model = sequential({ inputShape: [4, 4, 1], layers: [layers.randomTranslation({ height: 0.5 })], seed: 1 });
  const x = new Float32Array(64 * 16).fill(1);
  tidy(() => {
    const out = model.forward(tensor(x, [64, 4, 4, 1]), { training: true }).toArray();
    for (let b = 0; b < 64; b++) {
      const img = out.slice(b * 16, (b + 1) * 16);
      const rows = [0, 1, 2, 3].map((r) => img.slice(r * 4, r * 4 + 4).reduce((a, v) => a + v, 0));
      const filledRows = rows.filter((v) => v > 0).length;
      const filledCols = [0, 1, 2, 3].filter((c) => img[c] + img[4 + c] + img[8 + c] + img[12 + c] > 0).length;
      assert.equal(img.reduce((a, v) => a + v, 0), filledRows * filledCols, 'a shifted block of ones, zeros elsewhere');
    }
  });
});

test('the backward is the adjoint of the shift: <T x, w> = <x, T* w>', () => {
  const model = sequential({ inputShape: [6, 5, 2], layers: [layers.randomTranslation({ height: 0.3, width: 0.4 })], seed: 9 });
  const n = 7;
  const xs = Float32Array.from({ length: n * 60 }, (_, i) => Math.sin(i * 1.3));
  const ws = Float32Array.from({ length: n * 60 }, (_, i) => Math.cos(i * 0.7));
  tidy(() => {
    const x = requireGrad(tensor(xs, [n, 6, 5, 2]));
    const w = tensor(ws, [n, 6, 5, 2]);
    const loss = sum(mul(model.forward(x, { training: true }), w));
    loss.backward();
    const g = gradOf(x)!.toArray();
    const adjoint = g.reduce((a, v, i) => a + v * xs[i]!, 0);
    assert.ok(Math.abs(adjoint - loss.toArray()[0]!) < 1e-4, `<x, T*w> = ${adjoint}, <Tx, w> = ${loss.toArray()[0]}`);
    assert.ok(g.some((v) => v === 0), 'pixels shifted out receive no gradient');
  });
});

test('the same seed gives the same shifts; bad options are named', () => {
  const run = (seed: number) => tidy(() => {
    const m = sequential({ inputShape: [8, 8, 1], layers: [layers.randomTranslation({ height: 0.2 })], seed });
    return m.forward(tensor(oneHotImages(20, 8, 8, () => [3, 3]), [20, 8, 8, 1]), { training: true }).toArray();
  });
  assert.deepEqual(run(5), run(5));
  assert.notDeepEqual(run(5), run(6));
  assert.throws(() => layers.randomTranslation({ height: 1.5 }), /randomTranslation: height must be a fraction in \[0, 1\), got 1.5/);
  assert.throws(() => sequential({ inputShape: [10], layers: [layers.randomTranslation({ height: 0.1 })] }), /randomTranslation needs images \[height, width, channels\], got \[10\]/);
});

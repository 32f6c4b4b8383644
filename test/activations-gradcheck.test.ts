/**
 * Layer 1 of the activation tests: the table's derivative against central differences of its own value,
 * in float64, for every activation and parameter set, at points kept away from kinks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allSpecs, kinkPoints, parameterSets } from './helpers/activations.js';

const H = 1e-5;

for (const spec of allSpecs()) {
  test(`${spec.id}: f' matches central differences of f`, () => {
    for (const params of parameterSets(spec)) {
      const kinks = kinkPoints(spec, params);
      const [lo, hi] = spec.plotRange;
      let checked = 0;
      for (let i = 0; i <= 400; i++) {
        const x = lo - 2 + ((hi - lo + 4) * i) / 400 + 1e-3; // offset so the grid never lands on a kink
        if (kinks.some((k) => Math.abs(x - k) < 10 * H)) continue;
        const numeric = (spec.f(x + H, params) - spec.f(x - H, params)) / (2 * H);
        const analytic = spec.df(x, params);
        const err = Math.abs(numeric - analytic);
        assert.ok(
          err <= 1e-6 * Math.max(1, Math.abs(analytic)),
          `${spec.id} ${JSON.stringify(params)} at x=${x}: analytic ${analytic}, numeric ${numeric}`,
        );
        checked++;
      }
      assert.ok(checked > 300, `${spec.id}: only ${checked} points checked`);
    }
  });
}

test('points far out in the tails agree with differences too (no cancellation in the reference)', () => {
  for (const spec of allSpecs()) {
    for (const x of [-30, -15, 15, 30]) {
      const h = 1e-4 * Math.abs(x);
      const params = parameterSets(spec)[0]!;
      if (kinkPoints(spec, params).some((k) => Math.abs(x - k) < 2 * h)) continue;
      const numeric = (spec.f(x + h, params) - spec.f(x - h, params)) / (2 * h);
      const analytic = spec.df(x, params);
      assert.ok(
        // differences of an f that sits near a constant (elu → −α) lose digits, hence the absolute term
        Math.abs(numeric - analytic) <= 1e-5 * Math.abs(analytic) + (1e-15 * Math.max(1, Math.abs(spec.f(x, params)))) / h,
        `${spec.id} at ${x}: analytic ${analytic}, numeric ${numeric}`,
      );
    }
  }
});

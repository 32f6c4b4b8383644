import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Parameter, clipGradNorm, ops, optimizers, requireGrad, tensor, tidy, zeroGrad, type Optimizer, type Tensor } from 'rectifier';

const W0 = [1, -2, 0.5];
/** Gradients per step: the gradient of Σ w·c_t is c_t. */
const C = [[0.3, -0.1, 0.8], [-0.5, 0.2, 0.1], [0.05, 0.4, -0.7], [0.2, 0.2, 0.2]];

function run(opt: Optimizer, param: Tensor | Parameter): number[] {
  const w = param instanceof Parameter ? param.value : param;
  for (const c of C) {
    tidy(() => ops.sum(ops.mul(w, tensor(c))).backward());
    opt.step([param]);
    opt.zeroGrad([param]);
  }
  return w.toArray();
}

function close(got: number[], want: number[], tol = 2e-6): void {
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) <= tol * Math.max(1, Math.abs(want[i]!)), `[${i}] ${g} vs ${want[i]} (got ${got}, want ${want})`));
}

/** torch.optim.SGD as documented: g += wd·p; b = μ·b + g; g = nesterov ? g + μ·b : b; p −= lr·g. */
function sgdReference(lr: number, mu: number, nesterov: boolean, wd: number): number[] {
  const p = [...W0];
  const b = [0, 0, 0];
  for (const c of C) {
    for (let i = 0; i < 3; i++) {
      let g = c[i]! + wd * p[i]!;
      b[i] = mu * b[i]! + g;
      g = nesterov ? g + mu * b[i]! : b[i]!;
      p[i] = p[i]! - lr * g;
    }
  }
  return p;
}

/** Kingma & Ba 2014, Algorithm 1, with L2 (Adam) or decoupled decay (AdamW, Loshchilov & Hutter). */
function adamReference(lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean): number[] {
  const p = [...W0];
  const m = [0, 0, 0];
  const v = [0, 0, 0];
  C.forEach((c, t0) => {
    const t = t0 + 1;
    for (let i = 0; i < 3; i++) {
      let g = c[i]!;
      if (decoupled) p[i] = p[i]! * (1 - lr * wd);
      else g += wd * p[i]!;
      m[i] = b1 * m[i]! + (1 - b1) * g;
      v[i] = b2 * v[i]! + (1 - b2) * g * g;
      const mh = m[i]! / (1 - b1 ** t);
      const vh = v[i]! / (1 - b2 ** t);
      p[i] = p[i]! - (lr * mh) / (Math.sqrt(vh) + eps);
    }
  });
  return p;
}

test('SGD: plain, momentum, Nesterov and weight decay match the published update rule', () => {
  for (const [mu, nesterov, wd] of [[0, false, 0], [0.9, false, 0], [0.9, true, 0], [0.8, true, 0.1], [0, false, 0.05]] as const) {
    const got = run(optimizers.sgd({ learningRate: 0.1, momentum: mu, nesterov, weightDecay: wd }), requireGrad(tensor(W0)));
    close(got, sgdReference(0.1, mu, nesterov, wd));
  }
});

test('Adam with bias correction and AdamW with decoupled decay match the published update rules', () => {
  close(run(optimizers.adam({ learningRate: 0.01 }), requireGrad(tensor(W0))), adamReference(0.01, 0.9, 0.999, 1e-8, 0, false));
  close(run(optimizers.adam({ learningRate: 0.05, beta1: 0.8, beta2: 0.99, weightDecay: 0.1 }), requireGrad(tensor(W0))), adamReference(0.05, 0.8, 0.99, 1e-8, 0.1, false));
  close(run(optimizers.adamw({ learningRate: 0.05, weightDecay: 0.2 }), requireGrad(tensor(W0))), adamReference(0.05, 0.9, 0.999, 1e-8, 0.2, true));
  // the first Adam step moves every weight by lr (m̂/√v̂ = ±1), the property bias correction exists for
  const w = requireGrad(tensor([0, 0]));
  tidy(() => ops.sum(ops.mul(w, tensor([1e-3, -50]))).backward());
  optimizers.adam({ learningRate: 0.01 }).step([w]);
  close(w.toArray(), [-0.01, 0.01], 1e-5);
});

test('parameters flagged noDecay skip weight decay', () => {
  const decayed = run(optimizers.adamw({ learningRate: 0.05, weightDecay: 0.2 }), new Parameter('w', tensor(W0)));
  const exempt = run(optimizers.adamw({ learningRate: 0.05, weightDecay: 0.2 }), new Parameter('slope', tensor(W0), { noDecay: true }));
  close(decayed, adamReference(0.05, 0.9, 0.999, 1e-8, 0.2, true));
  close(exempt, adamReference(0.05, 0.9, 0.999, 1e-8, 0, true));
  close(run(optimizers.sgd({ learningRate: 0.1, weightDecay: 0.5 }), new Parameter('s', tensor(W0), { noDecay: true })), sgdReference(0.1, 0, false, 0));
});

test('step and cosine schedules, and an optimizer following one', () => {
  const step = optimizers.schedules.stepDecay({ initialLearningRate: 0.1, stepSize: 2, gamma: 0.5 });
  assert.deepEqual([0, 1, 2, 3, 4].map((t) => step.at(t)), [0.1, 0.1, 0.05, 0.05, 0.025]);
  const cos = optimizers.schedules.cosineDecay({ initialLearningRate: 1, decaySteps: 4, minLearningRate: 0.2 });
  close([0, 2, 4, 9].map((t) => cos.at(t)), [1, 0.6, 0.2, 0.2], 1e-12);
  const warm = optimizers.schedules.cosineDecay({ initialLearningRate: 1, decaySteps: 4, warmupSteps: 2 });
  close([0, 1, 2].map((t) => warm.at(t)), [0.5, 1, 1], 1e-12);
  // SGD with a step schedule equals plain SGD with the rate of each step
  const w = requireGrad(tensor(W0));
  const opt = optimizers.sgd({ learningRate: step });
  run(opt, w);
  const want = [...W0];
  C.forEach((c, t) => c.forEach((g, i) => { want[i] = want[i]! - step.at(t) * g; }));
  close(w.toArray(), want);
  assert.equal(opt.iterations, 4);
});

test('clipGradNorm scales gradients to the global norm and returns the norm before clipping', () => {
  const a = requireGrad(tensor([0, 0]));
  const b = requireGrad(tensor([0]));
  tidy(() => ops.add(ops.sum(ops.mul(a, tensor([3, 4]))), ops.sum(ops.mul(b, tensor([12])))).backward());
  const norm = clipGradNorm([a, b], 1.3);
  assert.ok(Math.abs(norm - 13) < 1e-6);
  close([...a.grad!.toArray(), ...b.grad!.toArray()], [0.3, 0.4, 1.2], 1e-5);
  assert.equal(clipGradNorm([a, b], 100), clipGradNorm([a, b], 100), 'no change below the limit');
  zeroGrad([a, b]);
});

test('optimizer options are validated with the argument, the rule and the value', () => {
  assert.throws(() => optimizers.sgd({ learningRate: -1 }), /sgd: learningRate must be a finite number > 0 or a schedule, got -1/);
  assert.throws(() => optimizers.sgd({ momentum: 1.5 }), /sgd: momentum must be a number in \[0, 1\), got 1.5/);
  assert.throws(() => optimizers.sgd({ nesterov: true }), /nesterov needs momentum > 0/);
  assert.throws(() => optimizers.adam({ beta2: 1 }), /adam: beta2 must be a number in \[0, 1\)/);
  assert.throws(() => optimizers.adamw({ weightDecay: -0.1 }), /adamw: weightDecay must be a number in \[0, Infinity\)/);
  assert.throws(() => optimizers.sgd().step(42 as never), /params must be an iterable/);
  assert.throws(() => optimizers.schedules.stepDecay({ initialLearningRate: 0.1, stepSize: 0 }), /stepSize must be a positive integer, got 0/);
});

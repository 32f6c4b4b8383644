/**
 * The tape: every op that sees an input requiring a gradient records a node (its inputs and a backward
 * rule, written next to the forward in src/ops). `backward(loss)` walks the nodes reachable
 * from `loss` in reverse topological order, as micrograd does, so no global list grows between steps.
 *
 * Ownership: gradients of leaves (parameters) are accumulated in place (`+=`, PyTorch semantics) and are
 * taken out of tidy scopes, so they survive the step that produced them; `zeroGrad` disposes them. Every
 * other gradient is an intermediate and is disposed as soon as its node has run.
 */
import { empty } from '../tensor/create.js';
import { Tensor, installGradientTape, keep } from '../tensor/tensor.js';
import { describe } from '../util/describe.js';

/** A backward rule: given dL/d(output), returns dL/d(input) for each input (null where none is needed). */
export type BackwardRule = (dy: Tensor) => ReadonlyArray<Tensor | null>;

interface Node {
  readonly inputs: readonly Tensor[];
  readonly backward: BackwardRule;
  readonly op: string;
}

const nodes = new WeakMap<Tensor, Node>();
const leaves = new WeakSet<Tensor>();
const grads = new WeakMap<Tensor, Tensor>();
/** Intermediates whose gradient backward keeps (PyTorch's retain_grad), for diagnostics such as src/monitors. */
const retained = new WeakSet<Tensor>();
let gradDisabled = 0;

/** True when ops record: outside every `noGrad` scope. */
export function isGradEnabled(): boolean {
  return gradDisabled === 0;
}

/**
 * Runs `fn` with recording switched off: inference, metrics and optimizer updates build no graph.
 * Nested scopes are fine; the previous state returns even if `fn` throws.
 */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`noGrad: expected a function, got ${describe(fn)}`);
  gradDisabled++;
  try {
    return fn();
  } finally {
    gradDisabled--;
  }
}

/** Marks a float32 tensor as a leaf whose gradient `backward` accumulates (a parameter). */
export function requireGrad<T extends Tensor>(t: T, on = true): T {
  if (!(t instanceof Tensor)) throw new TypeError(`requireGrad: t must be a Tensor, got ${describe(t)}`);
  if (on && t.dtype !== 'float32') throw new TypeError(`requireGrad: only float32 tensors have gradients, got ${t.dtype}`);
  if (on) leaves.add(t);
  else leaves.delete(t);
  return t;
}

/** True for leaves marked with `requireGrad` and for outputs of recorded ops. */
export function requiresGrad(t: Tensor): boolean {
  if (!(t instanceof Tensor)) throw new TypeError(`requiresGrad: t must be a Tensor, got ${describe(t)}`);
  return leaves.has(t) || nodes.has(t);
}

/** The accumulated gradient of a leaf, or null before any backward (or after zeroGrad). */
export function gradOf(t: Tensor): Tensor | null {
  if (!(t instanceof Tensor)) throw new TypeError(`gradOf: t must be a Tensor, got ${describe(t)}`);
  const g = grads.get(t);
  return g && !g.isDisposed ? g : null;
}

/**
 * Asks the next backward through `t`, an op output, to keep dL/dt (as PyTorch's `retain_grad`): read it
 * with `gradOf(t)`, free it with `zeroGrad([t])`. Leaves keep their gradient anyway. Returns `t`.
 */
export function retainGrad<T extends Tensor>(t: T): T {
  if (!(t instanceof Tensor)) throw new TypeError(`retainGrad: t must be a Tensor, got ${describe(t)}`);
  if (!requiresGrad(t)) throw new Error(`retainGrad: the tensor of shape [${t.shape.join(', ')}] does not require a gradient (no parameter led to it, or it was computed inside noGrad)`);
  if (nodes.has(t)) retained.add(t);
  return t;
}

/** Disposes the gradients of the given leaves (the next backward starts from zero). */
export function zeroGrad(params: Iterable<Tensor>): void {
  if (!params || typeof (params as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`zeroGrad: params must be an iterable of Tensors, got ${describe(params)}`);
  }
  for (const t of params) {
    const g = grads.get(t);
    if (g) {
      g.dispose();
      grads.delete(t);
    }
  }
}

/**
 * Records `out` as the result of an op on `inputs` when recording is on and some input requires a
 * gradient; otherwise records nothing, so inference keeps no graph. Returns `out`.
 */
export function record(op: string, out: Tensor, inputs: readonly Tensor[], backward: BackwardRule): Tensor {
  if (typeof op !== 'string') throw new TypeError(`record: op must be a string naming the op, got ${describe(op)}`);
  if (!(out instanceof Tensor)) throw new TypeError(`record (${op}): out must be a Tensor, got ${describe(out)}`);
  if (!Array.isArray(inputs) || !inputs.every((t) => t instanceof Tensor)) throw new TypeError(`record (${op}): inputs must be an array of Tensors, got ${describe(inputs)}`);
  if (typeof backward !== 'function') throw new TypeError(`record (${op}): backward must be a function (dy) => input gradients, got ${describe(backward)}`);
  if (gradDisabled === 0 && inputs.some((t) => leaves.has(t) || nodes.has(t))) nodes.set(out, { inputs, backward, op });
  return out;
}

/** True when an op on these inputs would be recorded (ops use it to decide what to keep). */
export function willRecord(inputs: readonly Tensor[]): boolean {
  return gradDisabled === 0 && inputs.some((t) => leaves.has(t) || nodes.has(t));
}

function accumulateInto(target: Tensor, g: Tensor): void {
  if (target.size !== g.size) {
    throw new Error(`backward: a gradient of ${g.size} values reached a tensor of shape [${target.shape}]`);
  }
  target.backend.binary('add', target.storage, g.storage, target.storage);
}

/**
 * Backpropagates from `root`. With no `gradient`, root must hold one value (a loss) and dL/droot = 1.
 * Leaf gradients accumulate (`+=`) across calls until `zeroGrad`. The graph is freed as it is walked;
 * calling backward twice through the same graph is an error, as in PyTorch without retain_graph.
 */
export function backward(root: Tensor, gradient?: Tensor): void {
  if (!(root instanceof Tensor)) throw new TypeError(`backward: root must be a Tensor, got ${describe(root)}`);
  if (!requiresGrad(root)) {
    throw new Error('backward: this tensor does not require a gradient (no input of the ops that made it was a parameter, or it was computed inside noGrad)');
  }
  let seed: Tensor;
  if (gradient === undefined) {
    if (root.size !== 1) throw new Error(`backward: root must be a scalar when no gradient is given, got shape [${root.shape}]`);
    seed = empty(root.shape, 'float32', root.backend);
    seed.storage.f32()[0] = 1;
  } else {
    if (!(gradient instanceof Tensor)) throw new TypeError(`backward: gradient must be a Tensor, got ${describe(gradient)}`);
    if (gradient.size !== root.size) throw new Error(`backward: gradient has shape [${gradient.shape}] but root has shape [${root.shape}]`);
    seed = empty(root.shape, 'float32', root.backend);
    root.backend.affine(gradient.storage, 1, 0, seed.storage);
  }

  // Topological order by iterative depth-first search (deep models would overflow a recursive one).
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: Array<[Tensor, number]> = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const node = nodes.get(top[0]);
    const inputs = node?.inputs ?? [];
    if (top[1] < inputs.length) {
      const next = inputs[top[1]++]!;
      if (!seen.has(next) && nodes.has(next)) {
        seen.add(next);
        stack.push([next, 0]);
      }
    } else {
      stack.pop();
      order.push(top[0]);
    }
  }

  const pending = new Map<Tensor, Tensor>([[root, seed]]);
  try {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      const node = nodes.get(t);
      const dy = pending.get(t);
      pending.delete(t);
      nodes.delete(t);
      if (!dy) continue;
      if (!node) {
        // backward() called on a leaf itself: its gradient is the seed.
        const existing = gradOf(t);
        if (existing) {
          accumulateInto(existing, dy);
          dy.dispose();
        } else {
          grads.set(t, keep(dy));
        }
        continue;
      }
      if (retained.has(t)) {
        retained.delete(t);
        const copy = empty(dy.shape, 'float32', dy.backend);
        dy.backend.copyRange(dy.storage, 0, copy.storage, 0, dy.size);
        const existing = gradOf(t);
        if (existing) {
          accumulateInto(existing, copy);
          copy.dispose();
        } else {
          grads.set(t, keep(copy));
        }
      }
      let results: ReadonlyArray<Tensor | null>;
      try {
        results = node.backward(dy);
      } catch (e) {
        dy.dispose();
        throw new Error(`backward through ${node.op}: ${e instanceof Error ? e.message : String(e)}`);
      }
      const used = new Set<Tensor>();
      node.inputs.forEach((input, k) => {
        let g = results[k] ?? null;
        if (!g) return;
        if (!requiresGrad(input)) {
          if (g !== dy && !used.has(g)) g.dispose();
          return;
        }
        // A rule may hand back dy or the same tensor twice; copy so no two slots share storage.
        if (g === dy || used.has(g)) {
          const copy = empty(g.shape, 'float32', g.backend);
          g.backend.copyRange(g.storage, 0, copy.storage, 0, g.size);
          g = copy;
        }
        used.add(g);
        if (leaves.has(input) && !nodes.has(input)) {
          const existing = gradOf(input);
          if (existing) {
            accumulateInto(existing, g);
            g.dispose();
          } else {
            grads.set(input, keep(g));
          }
        } else {
          const existing = pending.get(input);
          if (existing) {
            accumulateInto(existing, g);
            g.dispose();
          } else {
            pending.set(input, g);
          }
        }
      });
      dy.dispose();
    }
  } finally {
    for (const g of pending.values()) g.dispose();
  }
}

// `loss.backward()`, `w.grad` and `w.requiresGrad`, members of Tensor, run on this tape.
installGradientTape({ backward, gradOf, requiresGrad, requireGrad });

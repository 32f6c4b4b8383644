/**
 * Recurrent layers over sequences [batch, time, features]: SimpleRNN (any activation of the table; relu
 * with an identity recurrent kernel is the IRNN of Le, Jaitly & Hinton 2015,
 * https://arxiv.org/abs/1504.00941), LSTM and GRU with Keras' and PyTorch's equations. Each runs as one op
 * of src/ops/recurrent.ts (input projection for all steps in one product, one recurrent product per step,
 * backpropagation through time on the tape).
 *
 * Initialisers, by default: the input kernel follows the activation as a dense layer's does (He normal for
 * the ReLU family, Glorot uniform for tanh and sigmoid: see ../init.ts); the recurrent kernel is orthogonal
 * (Saxe et al. 2014, Keras' default), drawn for each gate's [units, units] block apart; biases are zeros,
 * except the LSTM's forget gate, which starts at 1 (`unitForgetBias`, Jozefowicz et al. 2015,
 * https://proceedings.mlr.press/v37/jozefowicz15.html, Keras' default). The IRNN:
 * `layers.simpleRnn({ units, activation: 'relu', recurrentInitializer: 'identity',
 * kernelInitializer: { id: 'normal', stddev: 0.001 } })`.
 *
 * Padding: with `maskValue` set, a step whose features all equal it is padding for that sample: the state
 * is carried through it (Keras' Masking). `truncate: k` cuts the gradient through the recurrence every k
 * steps (truncated BPTT).
 */
import type { ActivationLike } from '../../activations/lookup.js';
import type { OnnxAttribute } from '../../activations/types.js';
import type { Parameter } from '../../autograd/parameter.js';
import { Activation, toActivation } from '../../ops/activation.js';
import { gru, lstm, simpleRnn, type SequenceOptions, type SequenceProbe } from '../../ops/recurrent.js';
import type { Shape, Tensor } from '../../tensor/tensor.js';
import { describe } from '../../util/describe.js';
import type { Rng } from '../../util/random.js';
import { defaultInitializer, fillInitializer, resolveInitializer, type InitializerLike, type ResolvedInitializer } from '../init.js';
import { Layer, type ForwardContext, type LayerRole } from '../layer.js';
import type { OnnxGraphWriter } from '../onnx-writer.js';
import { booleanOption, optionsObject, positiveInt } from './options.js';
import { registerLayer } from './registry.js';

export interface RecurrentOptions {
  readonly units: number;
  /** The state's activation (SimpleRNN) or the candidate's and cell output's (LSTM, GRU). Default tanh. */
  readonly activation?: ActivationLike;
  readonly useBias?: boolean;
  /** Default 'auto': follows the activation, as dense layers do. */
  readonly kernelInitializer?: InitializerLike;
  /** Default 'orthogonal' (each gate's block apart); 'identity' or { id: 'identity', gain } for the IRNN. */
  readonly recurrentInitializer?: InitializerLike;
  readonly biasInitializer?: InitializerLike;
  /** Every step's state [time, units] (true) or the last one [units] (false, the default). */
  readonly returnSequences?: boolean;
  /** A step whose features all equal this value is padding (default: none). */
  readonly maskValue?: number | null;
  /** Truncated BPTT: cut the recurrent gradient every `truncate` steps (0, the default: full BPTT). */
  readonly truncate?: number;
  readonly name?: string;
}

export interface GatedOptions extends RecurrentOptions {
  /** The gates' activation (default sigmoid). */
  readonly recurrentActivation?: ActivationLike;
}

export interface LstmOptions extends GatedOptions {
  /** Start the forget gate's bias at 1 (default true). */
  readonly unitForgetBias?: boolean;
}

/** The ONNX names of the activations ONNX's RNN, LSTM and GRU operators take, with their attributes. */
function onnxRecurrentActivation(layer: string, act: Activation): { name: string; alpha?: number; beta?: number } {
  switch (act.id) {
    case 'relu': return { name: 'Relu' };
    case 'tanh': return { name: 'Tanh' };
    case 'sigmoid': return { name: 'Sigmoid' };
    case 'softsign': return { name: 'Softsign' };
    case 'linear': return { name: 'Affine', alpha: 1, beta: 0 };
    case 'leaky_relu': return { name: 'LeakyRelu', alpha: act.params.alpha! };
    case 'elu': return { name: 'Elu', alpha: act.params.alpha! };
  }
  throw new Error(`ONNX export: ${layer} uses ${act.id}, which ONNX's recurrent operators do not take (relu, tanh, sigmoid, softsign, linear, leaky_relu, elu)`);
}

abstract class RecurrentLayer extends Layer {
  readonly role: LayerRole = 'transform';
  readonly units: number;
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerLike;
  readonly recurrentInitializer: InitializerLike;
  readonly biasInitializer: InitializerLike;
  readonly returnSequences: boolean;
  readonly maskValue: number | null;
  readonly truncate: number;
  kernel!: Parameter;
  recurrentKernel!: Parameter;
  bias: Parameter | null = null;
  protected probe: SequenceProbe | null = null;
  /** Gates per unit: 1 (SimpleRNN), 3 (GRU), 4 (LSTM). */
  protected abstract readonly gates: number;

  constructor(protected readonly kind: string, o: Record<string, unknown>) {
    super(o.name as string | undefined);
    this.units = positiveInt(kind, 'units', o.units);
    this.activation = toActivation((o.activation as ActivationLike | undefined) ?? 'tanh');
    if (this.activation.stochastic) throw new Error(`${kind}: ${this.activation.id} draws random slopes in training and cannot run inside a recurrence; use leaky_relu`);
    this.useBias = booleanOption(kind, 'useBias', o.useBias, true);
    this.kernelInitializer = (o.kernelInitializer as InitializerLike | undefined) ?? 'auto';
    this.recurrentInitializer = (o.recurrentInitializer as InitializerLike | undefined) ?? 'orthogonal';
    this.biasInitializer = (o.biasInitializer as InitializerLike | undefined) ?? 'zeros';
    resolveInitializer(this.kernelInitializer, `${kind}: kernelInitializer`);
    resolveInitializer(this.recurrentInitializer, `${kind}: recurrentInitializer`);
    resolveInitializer(this.biasInitializer, `${kind}: biasInitializer`);
    this.returnSequences = booleanOption(kind, 'returnSequences', o.returnSequences, false);
    const mv = o.maskValue ?? null;
    if (mv !== null && (typeof mv !== 'number' || !Number.isFinite(mv))) throw new TypeError(`${kind}: maskValue must be a finite number or null, got ${describe(mv)}`);
    this.maskValue = mv as number | null;
    const tr = o.truncate ?? 0;
    if (!Number.isInteger(tr) || (tr as number) < 0) throw new RangeError(`${kind}: truncate must be an integer >= 0 (steps; 0 for full BPTT), got ${describe(tr)}`);
    this.truncate = tr as number;
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 2) this.shapeError('[time, features] (sequences; use layers.embedding for token ids)', inputShape);
    return this.returnSequences ? [inputShape[0]!, this.units] : [this.units];
  }

  protected override createWeights(inputShape: Shape, rng: Rng): void {
    const features = inputShape[1]!;
    const U = this.units;
    const G = this.gates;
    const kernelInit = resolveInitializer(this.kernelInitializer);
    const kernel = new Float32Array(features * G * U);
    fillInitializer(kernel, [features, G * U], kernelInit === 'auto' ? defaultInitializer(this.activation) : kernelInit, this.activation, rng);
    this.kernel = this.addWeight('kernel', [features, G * U], kernel);
    const recInit = resolveInitializer(this.recurrentInitializer);
    const rec: ResolvedInitializer = recInit === 'auto' ? { id: 'orthogonal', mode: 'fan_in', gain: null, value: 0 } : recInit;
    const recurrent = new Float32Array(U * G * U);
    // Each gate's [units, units] block is drawn apart (an orthogonal or identity matrix per gate).
    const block = new Float32Array(U * U);
    for (let k = 0; k < G; k++) {
      fillInitializer(block, [U, U], rec, this.activation, rng);
      for (let r = 0; r < U; r++) recurrent.set(block.subarray(r * U, (r + 1) * U), r * G * U + k * U);
    }
    this.recurrentKernel = this.addWeight('recurrent_kernel', [U, G * U], recurrent);
    if (this.useBias) this.bias = this.addWeight('bias', [G * U], this.initialBias(rng), { noDecay: true });
  }

  protected initialBias(rng: Rng): Float32Array {
    const b = new Float32Array(this.gates * this.units);
    const init = resolveInitializer(this.biasInitializer);
    fillInitializer(b, [b.length], init === 'auto' ? { id: 'zeros', mode: 'fan_in', gain: null, value: 0 } : init, this.activation, rng);
    return b;
  }

  /** The per-sample, per-step mask of a batch: 0 where every feature equals maskValue. */
  protected sequenceOptions(x: Tensor): SequenceOptions {
    let mask: Uint8Array | null = null;
    if (this.maskValue !== null) {
      const [batch, steps, features] = x.shape as [number, number, number];
      const v = x.storage.f32();
      mask = new Uint8Array(batch * steps);
      for (let i = 0; i < batch * steps; i++) {
        for (let f = 0; f < features; f++) {
          if (v[i * features + f] !== this.maskValue) {
            mask[i] = 1;
            break;
          }
        }
      }
    }
    return { returnSequences: this.returnSequences, mask, truncate: this.truncate, probe: this.probe };
  }

  override outputActivation(): Activation | null {
    return this.activation.isIdentity ? null : this.activation;
  }

  override activationName(): string {
    return this.activation.id;
  }

  override probeTime(probe: SequenceProbe | null): boolean {
    this.probe = probe;
    return true;
  }

  protected recurrentConfig(): Record<string, unknown> {
    return {
      units: this.units, activation: this.activation.toConfig(), useBias: this.useBias, kernelInitializer: this.kernelInitializer,
      recurrentInitializer: this.recurrentInitializer, biasInitializer: this.biasInitializer, returnSequences: this.returnSequences,
      maskValue: this.maskValue, truncate: this.truncate,
    };
  }

  /**
   * The ONNX operator (RNN, LSTM or GRU, time-major) between a transpose of the input and the selection of
   * every step or the last one. Weights go in ONNX's gate order.
   */
  protected writeOnnx(graph: OnnxGraphWriter, input: string, op: 'RNN' | 'LSTM' | 'GRU', order: readonly number[], acts: readonly Activation[], extraBias: Float32Array | null, attrs: Record<string, { int: number }> = {}): string {
    if (this.maskValue !== null) throw new Error(`ONNX export: ${this.name} masks padding (maskValue), which this export does not write; export a model without maskValue`);
    const [steps, features] = this.inputShape as [number, number];
    const U = this.units;
    const G = this.gates;
    // ONNX's W is [directions, gates·units, features]: each gate's block of our kernel, transposed.
    const reorder = (m: Float32Array, rows: number): Float32Array => {
      const out = new Float32Array(G * U * rows);
      order.forEach((ours, k) => {
        for (let u = 0; u < U; u++) for (let r = 0; r < rows; r++) out[(k * U + u) * rows + r] = m[r * G * U + ours * U + u]!;
      });
      return out;
    };
    const w = graph.initializer(`${this.name}.W`, [1, G * U, features], reorder(this.kernel.value.data as Float32Array, features));
    const r = graph.initializer(`${this.name}.R`, [1, G * U, U], reorder(this.recurrentKernel.value.data as Float32Array, U));
    const b = new Float32Array(2 * G * U);
    const gateBias = (src: Float32Array | null, at: number) => {
      if (!src) return;
      order.forEach((ours, k) => b.set(src.subarray(ours * U, (ours + 1) * U), at + k * U));
    };
    gateBias(this.bias ? (this.bias.value.data as Float32Array) : null, 0);
    gateBias(extraBias, G * U);
    const bias = graph.initializer(`${this.name}.B`, [1, 2 * G * U], b);
    const mapped = acts.map((a) => onnxRecurrentActivation(this.name, a));
    const attributes: Record<string, OnnxAttribute> = { hidden_size: { int: U }, activations: { strings: mapped.map((m) => m.name) }, ...attrs };
    // activation_alpha/beta list a value for each activation that has one, in order (ONNX's RNN operators).
    const alphas = mapped.filter((m) => m.alpha !== undefined).map((m) => m.alpha!);
    const betas = mapped.filter((m) => m.beta !== undefined).map((m) => m.beta!);
    if (alphas.length) attributes.activation_alpha = { floats: alphas };
    if (betas.length) attributes.activation_beta = { floats: betas };
    const timeMajor = graph.node('Transpose', [input], { perm: { ints: [1, 0, 2] } });
    const y = graph.node(op, [timeMajor, w, r, bias], attributes);
    if (this.returnSequences) {
      const batchMajor = graph.node('Transpose', [y], { perm: { ints: [2, 0, 1, 3] } });
      return graph.node('Reshape', [batchMajor, graph.int64s(`${this.name}.shape`, [0, steps, U])]);
    }
    const last = graph.node('Gather', [y, graph.int64s(`${this.name}.last`, [steps - 1])], { axis: { int: 0 } });
    return graph.node('Reshape', [last, graph.int64s(`${this.name}.shape`, [-1, U])]);
  }
}

/** SimpleRNN: h_t = act(x_t·W + h_{t−1}·U + b). */
export class SimpleRNN extends RecurrentLayer {
  readonly className = 'SimpleRNN';
  readonly baseName = 'simple_rnn';
  protected readonly gates = 1;
  constructor(options: RecurrentOptions) {
    super('simpleRnn', optionsObject('simpleRnn', options, '{ units, activation?, recurrentInitializer?, returnSequences?, … }'));
  }
  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    return simpleRnn(x, this.kernel.value, this.recurrentKernel.value, this.bias?.value ?? null, this.activation, this.sequenceOptions(x));
  }
  override toOnnx(graph: OnnxGraphWriter, input: string): string {
    return this.writeOnnx(graph, input, 'RNN', [0], [this.activation], null);
  }
  getConfig(): Record<string, unknown> {
    return this.recurrentConfig();
  }
}

abstract class GatedLayer extends RecurrentLayer {
  readonly recurrentActivation: Activation;
  constructor(kind: string, o: Record<string, unknown>) {
    super(kind, o);
    this.recurrentActivation = toActivation((o.recurrentActivation as ActivationLike | undefined) ?? 'sigmoid');
    if (this.recurrentActivation.stochastic) throw new Error(`${kind}: recurrentActivation ${this.recurrentActivation.id} draws random slopes; use a deterministic gate activation such as sigmoid`);
  }
  protected acts(): { gate: Activation; cell: Activation } {
    return { gate: this.recurrentActivation, cell: this.activation };
  }
  protected gatedConfig(): Record<string, unknown> {
    return { ...this.recurrentConfig(), recurrentActivation: this.recurrentActivation.toConfig() };
  }
}

/**
 * LSTM (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000): gates input, forget,
 * cell, output; c_t = f·c_{t−1} + i·act(g), h_t = o·act(c_t).
 */
export class LSTM extends GatedLayer {
  readonly className = 'LSTM';
  readonly baseName = 'lstm';
  protected readonly gates = 4;
  readonly unitForgetBias: boolean;
  constructor(options: LstmOptions) {
    const o = optionsObject('lstm', options, '{ units, activation?, recurrentActivation?, unitForgetBias?, returnSequences?, … }');
    super('lstm', o);
    this.unitForgetBias = booleanOption('lstm', 'unitForgetBias', o.unitForgetBias, true);
  }
  protected override initialBias(rng: Rng): Float32Array {
    const b = super.initialBias(rng);
    if (this.unitForgetBias) b.fill(1, this.units, 2 * this.units);
    return b;
  }
  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    return lstm(x, this.kernel.value, this.recurrentKernel.value, this.bias?.value ?? null, this.acts(), this.sequenceOptions(x));
  }
  /** ONNX's gate order is i, o, f, c; ours i, f, c, o. */
  override toOnnx(graph: OnnxGraphWriter, input: string): string {
    return this.writeOnnx(graph, input, 'LSTM', [0, 3, 1, 2], [this.recurrentActivation, this.activation, this.activation], null);
  }
  getConfig(): Record<string, unknown> {
    return { ...this.gatedConfig(), unitForgetBias: this.unitForgetBias };
  }
}

/**
 * GRU (Cho et al. 2014) with the reset gate applied after the recurrent product (PyTorch; Keras'
 * reset_after, its default): z, r, n gates; h_t = (1 − z)·n + z·h_{t−1}. It has an input bias and a
 * recurrent bias, as PyTorch and Keras' reset_after.
 */
export class GRU extends GatedLayer {
  readonly className = 'GRU';
  readonly baseName = 'gru';
  protected readonly gates = 3;
  recurrentBias: Parameter | null = null;
  constructor(options: GatedOptions) {
    super('gru', optionsObject('gru', options, '{ units, activation?, recurrentActivation?, returnSequences?, … }'));
  }
  protected override createWeights(inputShape: Shape, rng: Rng): void {
    super.createWeights(inputShape, rng);
    if (this.useBias) this.recurrentBias = this.addWeight('recurrent_bias', [3 * this.units], this.initialBias(rng), { noDecay: true });
  }
  forward(x: Tensor, _ctx: ForwardContext): Tensor {
    return gru(x, this.kernel.value, this.recurrentKernel.value, this.bias?.value ?? null, this.recurrentBias?.value ?? null, this.acts(), this.sequenceOptions(x));
  }
  override toOnnx(graph: OnnxGraphWriter, input: string): string {
    return this.writeOnnx(graph, input, 'GRU', [0, 1, 2], [this.recurrentActivation, this.activation], this.recurrentBias ? (this.recurrentBias.value.data as Float32Array) : null, { linear_before_reset: { int: 1 } });
  }
  getConfig(): Record<string, unknown> {
    return this.gatedConfig();
  }
}

registerLayer('SimpleRNN', (c) => new SimpleRNN(c as unknown as RecurrentOptions));
registerLayer('LSTM', (c) => new LSTM(c as unknown as LstmOptions));
registerLayer('GRU', (c) => new GRU(c as unknown as GatedOptions));

export const recurrentFactories = {
  /** `layers.simpleRnn({ units: 100, activation: 'relu', recurrentInitializer: 'identity' })`: the IRNN. */
  simpleRnn: (options: RecurrentOptions) => new SimpleRNN(options),
  lstm: (options: LstmOptions) => new LSTM(options),
  gru: (options: GatedOptions) => new GRU(options),
};

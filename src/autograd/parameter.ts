/**
 * A parameter: a leaf tensor that requires a gradient, with the facts optimizers need about it — its name
 * in saved files, whether it trains, and whether weight decay applies (PReLU slopes, biases and
 * batch-norm scales are usually exempt: decaying a slope towards 0 turns PReLU back into ReLU).
 */
import { Tensor, keep } from '../tensor/tensor.js';
import { describe } from '../util/describe.js';
import { gradOf, requireGrad } from './tape.js';

export interface ParameterOptions {
  /** False for state that is saved but not trained (batch-norm running statistics). Default true. */
  readonly trainable?: boolean;
  /** True to skip weight decay for this parameter. Default false. */
  readonly noDecay?: boolean;
}

export class Parameter {
  readonly name: string;
  readonly value: Tensor;
  readonly trainable: boolean;
  readonly noDecay: boolean;

  /** Takes ownership of `value` (kept out of tidy scopes; `dispose()` frees it). */
  constructor(name: string, value: Tensor, options: ParameterOptions = {}) {
    if (typeof name !== 'string' || name === '') throw new TypeError(`Parameter: name must be a non-empty string, got ${describe(name)}`);
    if (!(value instanceof Tensor) || value.dtype !== 'float32') throw new TypeError(`Parameter ${name}: value must be a float32 Tensor, got ${describe(value)}`);
    this.name = name;
    this.value = keep(value);
    this.trainable = options.trainable ?? true;
    this.noDecay = options.noDecay ?? false;
    if (this.trainable) requireGrad(value);
  }

  get shape(): readonly number[] {
    return this.value.shape;
  }

  get size(): number {
    return this.value.size;
  }

  /** The accumulated gradient, or null. */
  get grad(): Tensor | null {
    return gradOf(this.value);
  }

  /** Overwrites the values (shape-checked); from a Float32Array or a tensor of the same size. */
  assign(values: Float32Array | Tensor): void {
    const n = values instanceof Tensor ? values.size : values instanceof Float32Array ? values.length : -1;
    if (n < 0) throw new TypeError(`${this.name}: expected a Float32Array or a Tensor, got ${describe(values)}`);
    if (n !== this.size) throw new RangeError(`${this.name}: expected ${this.size} values (shape [${this.shape.join(', ')}]), got ${n}`);
    if (values instanceof Tensor) {
      if (values.dtype !== 'float32') throw new TypeError(`${this.name}: expected a float32 tensor, got ${values.dtype}`);
      if (values.backend === this.value.backend) this.value.backend.copyRange(values.storage, 0, this.value.storage, 0, n);
      else this.value.storage.f32().set(values.view() as Float32Array);
    } else {
      this.value.storage.f32().set(values);
    }
  }

  dispose(): void {
    this.value.dispose();
  }
}

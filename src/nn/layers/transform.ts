/**
 * What dense and conv2d share: a kernel and an optional bias, an activation fused into the op's epilogue,
 * initialisers that follow the activation (the one after the layer when it has none of its own), and
 * diagnostics that read the pre-activation by running the linear part and the activation apart.
 */
import type { ActivationLike } from '../../activations/lookup.js';
import type { Parameter } from '../../autograd/parameter.js';
import { activate } from '../../ops/activate.js';
import { Activation, toActivation } from '../../ops/activation.js';
import { shapeSize } from '../../tensor/create.js';
import type { Shape, Tensor } from '../../tensor/tensor.js';
import type { Rng } from '../../util/random.js';
import { defaultInitializer, fillInitializer, raiInit, resolveInitializer, type InitializerLike } from '../init.js';
import { Layer, type DiagnosticForward, type ForwardContext, type LayerRole } from '../layer.js';
import { booleanOption } from './options.js';

export interface TransformOptions {
  /** Any id of the activation table, { id, params } or a row (default 'linear', none). */
  readonly activation?: ActivationLike;
  readonly useBias?: boolean;
  /** Default 'auto': follows the activation (see ../init.ts). 'rai' initialises the bias too. */
  readonly kernelInitializer?: InitializerLike;
  readonly biasInitializer?: InitializerLike;
  readonly name?: string;
}

export abstract class TransformLayer extends Layer {
  readonly role: LayerRole = 'transform';
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerLike;
  readonly biasInitializer: InitializerLike;
  kernel!: Parameter;
  bias: Parameter | null = null;

  constructor(layer: string, o: Record<string, unknown>) {
    super(o.name as string | undefined);
    this.activation = toActivation((o.activation as ActivationLike | undefined) ?? 'linear');
    this.useBias = booleanOption(layer, 'useBias', o.useBias, true);
    this.kernelInitializer = (o.kernelInitializer as InitializerLike | undefined) ?? 'auto';
    this.biasInitializer = (o.biasInitializer as InitializerLike | undefined) ?? 'zeros';
    resolveInitializer(this.kernelInitializer, `${layer}: kernelInitializer`);
    resolveInitializer(this.biasInitializer, `${layer}: biasInitializer`);
  }

  /** The linear part alone: x·W + b, or the convolution plus bias. */
  protected abstract linearPart(x: Tensor, ctx: ForwardContext): Tensor;

  override outputActivation(): Activation | null {
    return this.activation.isIdentity ? null : this.activation;
  }

  override forwardForDiagnostics(x: Tensor, ctx: ForwardContext, wantPreActivation: boolean): DiagnosticForward {
    const act = this.outputActivation();
    if (!act || !wantPreActivation) return { output: this.forward(x, ctx), preActivation: null };
    // Inference fuses the activation into the kernel; the diagnostics need z, so the parts run apart.
    const z = this.linearPart(x, ctx);
    return { output: activate(z, act, ctx), preActivation: z };
  }

  override activationName(): string {
    return this.activation.id;
  }

  /** Fills the kernel (shape, fan-in) and bias (units) with the initialisers, for `next` if this layer is linear. */
  protected createKernelAndBias(shape: Shape, fanIn: number, units: number, next: Activation | null, rng: Rng): void {
    // Kernel and bias are initialised together (rai draws both), and only when one of them is not taken
    // from stored values: a loaded model never initialises weights that would be overwritten.
    let initial: { kernel: Float32Array; bias: Float32Array | null } | null = null;
    const initialise = () => {
      if (initial) return initial;
      const act = this.activation.isIdentity && next ? next : this.activation;
      const kernel = new Float32Array(shapeSize(shape));
      const bias = this.useBias ? new Float32Array(units) : null;
      const resolved = resolveInitializer(this.kernelInitializer);
      const init = resolved === 'auto' ? defaultInitializer(act) : resolved;
      if (init.id === 'rai') {
        raiInit(kernel, bias, fanIn, units, rng);
      } else {
        fillInitializer(kernel, shape, init, act, rng);
        if (bias) {
          const b = resolveInitializer(this.biasInitializer);
          fillInitializer(bias, [units], b === 'auto' ? { id: 'zeros', mode: 'fan_in', gain: null, value: 0 } : b, act, rng);
        }
      }
      return (initial = { kernel, bias });
    };
    this.kernel = this.addWeight('kernel', shape, () => initialise().kernel);
    // Biases are exempt from weight decay, as is common practice (and Keras' default of no bias regularizer).
    if (this.useBias) this.bias = this.addWeight('bias', [units], () => initialise().bias!, { noDecay: true });
  }

  protected transformConfig(): Record<string, unknown> {
    return { activation: this.activation.toConfig(), useBias: this.useBias, kernelInitializer: this.kernelInitializer, biasInitializer: this.biasInitializer };
  }
}

/**
 * The model shapes the CLI, the lab and the benchmarks build, in one place. One meaning of an activation
 * id everywhere: `prelu` is the learnable PReLU of He et al. 2015 (https://arxiv.org/abs/1502.01852) — a
 * linear layer followed by `layers.prelu()`, one slope per unit or channel — since a fixed-slope PReLU is
 * leaky_relu; every other id is fused into its dense or conv2d layer. Output layers are linear (logits).
 */
import type { InitializerLike } from './init.js';
import type { Layer } from './layer.js';
import { layers } from './layers/index.js';
import { sequential, type Sequential } from './model/sequential.js';

/** A transform with the activation: fused, or followed by a learnable PReLU layer for 'prelu'. */
function withActivation(activation: string, make: (activation: string | undefined) => Layer): Layer[] {
  return activation === 'prelu' ? [make(undefined), layers.prelu()] : [make(activation)];
}

export interface MlpPreset {
  /** One sample's shape; images are flattened first. */
  readonly inputShape: readonly number[];
  /** Units of each hidden layer. */
  readonly hidden: readonly number[];
  /** Any id of the activation table (see the module comment for prelu). */
  readonly activation: string;
  readonly outputs: number;
  /** Kernel initializer of the hidden layers (default: the activation's own). */
  readonly init?: InitializerLike;
  /** Bias initializer of the hidden layers (default zeros). */
  readonly biasInit?: InitializerLike;
  /** Layers before everything else (augmentation). */
  readonly before?: readonly Layer[];
  readonly seed: number;
}

/** The layers of a fully connected network: [before…, flatten for images], hidden dense layers with the activation, a linear output. */
export function mlpLayers(spec: MlpPreset): Layer[] {
  const list: Layer[] = [...(spec.before ?? [])];
  if (spec.inputShape.length > 1) list.push(layers.flatten());
  for (const units of spec.hidden) {
    list.push(...withActivation(spec.activation, (activation) => layers.dense({
      units,
      ...(activation !== undefined ? { activation } : {}),
      ...(spec.init !== undefined ? { kernelInitializer: spec.init } : {}),
      ...(spec.biasInit !== undefined ? { biasInitializer: spec.biasInit } : {}),
    })));
  }
  list.push(layers.dense({ units: spec.outputs }));
  return list;
}

export function mlp(spec: MlpPreset): Sequential {
  return sequential({ inputShape: [...spec.inputShape], seed: spec.seed, layers: mlpLayers(spec) });
}

export interface CnnPreset {
  /** [height, width, channels]. */
  readonly inputShape: readonly [number, number, number];
  /** Filters of each 3×3 convolution, each followed by the activation and a 2×2 max-pool. */
  readonly filters: readonly number[];
  /** 'valid' (default) or 'same' padding of the convolutions. */
  readonly padding?: 'valid' | 'same';
  readonly activation: string;
  /** Units of dense layers (with the activation) between the convolutions and the output (default none). */
  readonly hidden?: readonly number[];
  readonly outputs: number;
  readonly init?: InitializerLike;
  readonly seed: number;
}

/** conv 3×3 → act → max-pool 2, per entry of `filters`; flatten; [dense → act]…; a linear output. A small LeNet-like network. */
export function cnnLayers(spec: CnnPreset): Layer[] {
  const list: Layer[] = [];
  const init = spec.init !== undefined ? { kernelInitializer: spec.init } : {};
  for (const filters of spec.filters) {
    list.push(...withActivation(spec.activation, (activation) => layers.conv2d({
      filters, kernelSize: 3, padding: spec.padding ?? 'valid', ...(activation !== undefined ? { activation } : {}), ...init,
    })));
    list.push(layers.maxPool2d({ poolSize: 2 }));
  }
  list.push(layers.flatten());
  for (const units of spec.hidden ?? []) {
    list.push(...withActivation(spec.activation, (activation) => layers.dense({ units, ...(activation !== undefined ? { activation } : {}), ...init })));
  }
  list.push(layers.dense({ units: spec.outputs }));
  return list;
}

export function cnn(spec: CnnPreset): Sequential {
  return sequential({ inputShape: [...spec.inputShape], seed: spec.seed, layers: cnnLayers(spec) });
}

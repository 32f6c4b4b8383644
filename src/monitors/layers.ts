/**
 * Which layers of a model the diagnostics report on. A layer "has an activation" when it applies a
 * non-linearity: dense/conv2d with one other than linear, activation, prelu and rrelu layers. A dense or
 * conv2d layer without one is reported too, marked `activation: null`, unless an activation layer follows
 * it (batch norm or dropout in between allowed, as the model's initialisation reads it): then that layer
 * stands for both.
 */
import { getSpec, resolveParams } from '../activations/lookup.js';
import { Activation } from '../ops/activation.js';
import { ActivationLayer, BatchNorm, Conv2D, Dense, Dropout, PReLU, RReLU } from '../nn/layers.js';
import type { Layer } from '../nn/layers.js';
import type { Sequential } from '../nn/model.js';

export interface ReportedLayer {
  readonly layerIndex: number;
  readonly layer: Layer;
  /** The activation applied at this layer's output, or null for a layer without one. */
  readonly activation: Activation | null;
  readonly note: string | null;
  /** Indices of the layers whose parameters feed this report (gradient norms, update ratios). */
  readonly paramLayers: number[];
  /** True when the layer is an activation layer whose input is the previous layer's output (its pre-activation). */
  readonly inputIsPreActivation: boolean;
}

/** The activation a layer applies, or null. */
export function layerActivation(layer: Layer): Activation | null {
  if (layer instanceof Dense || layer instanceof Conv2D) return layer.activation.id === 'linear' ? null : layer.activation;
  if (layer instanceof ActivationLayer || layer instanceof RReLU) return layer.activation;
  if (layer instanceof PReLU) {
    // The slopes are learned per channel; the table row supplies what the diagnostics need (no flat region).
    const spec = getSpec('prelu');
    return new Activation(spec, resolveParams(spec, { alpha: layer.alphaInitializer }));
  }
  return null;
}

function followedByActivation(layers: readonly Layer[], i: number): boolean {
  for (let j = i + 1; j < layers.length; j++) {
    const next = layers[j]!;
    if (next instanceof BatchNorm || next instanceof Dropout) continue;
    return next instanceof ActivationLayer || next instanceof PReLU || next instanceof RReLU;
  }
  return false;
}

/** The reported layers of a model, in order. */
export function reportedLayers(model: Sequential): ReportedLayer[] {
  const layers = model.layers;
  const picked: Array<{ layerIndex: number; activation: Activation | null; note: string | null }> = [];
  layers.forEach((layer, i) => {
    const activation = layerActivation(layer);
    if (activation) {
      picked.push({ layerIndex: i, activation, note: null });
    } else if ((layer instanceof Dense || layer instanceof Conv2D) && !followedByActivation(layers, i)) {
      const last = i === layers.length - 1 || layers.slice(i + 1).every((l) => l.countParams() === 0);
      picked.push({
        layerIndex: i,
        activation: null,
        note: `no activation: a linear ${layer.className} output${last ? ' (the model output, e.g. logits)' : ''}; distribution only, no dead units or saturation`,
      });
    }
  });
  // Parameters go to their own report, else to the next report downstream (dense → batch norm → relu
  // reports at relu), else to the last one.
  const params = new Map<number, number[]>(picked.map((p) => [p.layerIndex, []]));
  layers.forEach((layer, i) => {
    if (layer.parameters().length === 0 || picked.length === 0) return;
    const owner = picked.find((p) => p.layerIndex >= i) ?? picked[picked.length - 1]!;
    params.get(owner.layerIndex)!.push(i);
  });
  return picked.map((p) => {
    const layer = layers[p.layerIndex]!;
    return {
      ...p,
      layer,
      paramLayers: params.get(p.layerIndex)!,
      inputIsPreActivation: p.layerIndex > 0 && (layer instanceof ActivationLayer || layer instanceof RReLU || layer instanceof PReLU),
    };
  });
}

/** Units of an output shape: its last axis (features of a dense layer, channels of NHWC maps). */
export function unitsOf(layer: Layer): number {
  const shape = layer.outputShape;
  if (!shape || shape.length === 0) throw new Error(`layer ${layer.name} has not been built (no output shape)`);
  return shape[shape.length - 1]!;
}

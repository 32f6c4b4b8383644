/**
 * Which layers of a model the diagnostics report on, read from the Layer protocol (`outputActivation()`,
 * `role`). A layer "has an activation" when it applies a non-linearity: a transform (dense, conv2d) with
 * one other than linear, or an activation layer (activation, prelu, rrelu). A transform without one is
 * reported too, marked `activation: null`, unless an activation layer follows it (passthrough layers such
 * as batch norm or dropout in between allowed, as the model's initialisation reads it): then that layer
 * stands for both.
 */
import { getSpec, resolveParams } from '../activations/lookup.js';
import type { Activation } from '../ops/activation.js';
import type { Layer, Sequential } from '../nn/index.js';

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

/** The activation a layer applies at its output, or null (the layer answers: `outputActivation()`). */
export function layerActivation(layer: Layer): Activation | null {
  return layer.outputActivation();
}

/** True when an activation layer follows layer i (passthrough layers such as batch norm in between). */
function followedByActivation(layers: readonly Layer[], i: number): boolean {
  for (let j = i + 1; j < layers.length; j++) {
    const next = layers[j]!;
    if (next.role === 'passthrough') continue;
    return next.role === 'activation';
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
    } else if (layer.role === 'transform' && !followedByActivation(layers, i)) {
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
      inputIsPreActivation: p.layerIndex > 0 && layer.role === 'activation',
    };
  });
}

/** Units of an output shape: its last axis (features of a dense layer, channels of NHWC maps). */
export function unitsOf(layer: Layer): number {
  const shape = layer.outputShape;
  if (!shape || shape.length === 0) throw new Error(`layer ${layer.name} has not been built (no output shape)`);
  return shape[shape.length - 1]!;
}

/**
 * ONNX Runtime (onnxruntime-node, a dev dependency) as the inference peer: the bench's MLP exported by
 * src/onnx/export.ts and run with one intra-op thread, sequential execution. Missing package or a model
 * ORT refuses costs one note, not the run.
 */
import type { Contender } from './harness.js';
import { NAMES } from './peers.js';
import type { SuiteContext } from './suite.js';

export async function ortContender(
  ctx: SuiteContext, activation: 'relu' | 'sigmoid', x: Float32Array, batch: number,
): Promise<{ contender: Contender; release: () => void } | null> {
  let ort: typeof import('onnxruntime-node');
  let exporter: typeof import('../src/onnx/export.js');
  try {
    ort = await import('onnxruntime-node');
    exporter = await import('../src/onnx/export.js');
  } catch (e) {
    ctx.note(`onnxruntime not measured: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
    return null;
  }
  const { layers, sequential } = await import('rectifier');
  const model = sequential({
    inputShape: [784], seed: 1, layers: [
      layers.dense({ units: 256, activation }), layers.dense({ units: 256, activation }), layers.dense({ units: 10 }),
    ],
  });
  const bytes = exporter.exportOnnx(model);
  model.dispose();
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const input = new ort.Tensor('float32', x, [batch, 784]);
  const inputName = session.inputNames[0]!;
  return {
    contender: { name: NAMES.ort, run: () => session.run({ [inputName]: input }) },
    release: () => { void session.release(); },
  };
}

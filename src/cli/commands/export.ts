/**
 * `rectifier export <model> --onnx out.onnx [--opset N] [--nchw]` (and `--pytorch state_dict.safetensors`,
 * `--safetensors model.safetensors`): reads a model — a file written by `model.save` or an ONNX model,
 * told apart by content — and writes it in the formats asked for.
 */
import { existsSync } from 'node:fs';
import { loadModel } from '../../nn/model/load.js';
import { MAX_EXPORT_OPSET, MIN_EXPORT_OPSET, ONNX_OPSET, exportOnnx } from '../../onnx/index.js';
import { writeFileAtomic } from '../../io/files.js';

export interface ExportCommandOptions {
  onnx?: string;
  opset?: number;
  nchw?: boolean;
  pytorch?: string;
  safetensors?: string;
  dropFinalSoftmax?: boolean;
  json?: boolean;
}

export interface ExportOutcome {
  model: string;
  layers: string[];
  written: { format: 'onnx' | 'pytorch' | 'safetensors'; path: string }[];
  opset?: number;
}

export function runExport(modelPath: string, opts: ExportCommandOptions): ExportOutcome {
  if (typeof modelPath !== 'string' || modelPath.trim() === '') throw new TypeError('export: expected a model file (.safetensors written by model.save, or .onnx)');
  if (!opts.onnx && !opts.pytorch && !opts.safetensors) throw new Error('export: say what to write: --onnx <file>, --pytorch <file> and/or --safetensors <file>');
  if (!existsSync(modelPath)) throw new Error(`export: no such model file: ${modelPath}`);
  const opset = opts.opset ?? ONNX_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_EXPORT_OPSET || opset > MAX_EXPORT_OPSET) throw new RangeError(`export: --opset must be an integer from ${MIN_EXPORT_OPSET} to ${MAX_EXPORT_OPSET}, got ${opts.opset}`);
  let model;
  try {
    model = loadModel(modelPath, opts.dropFinalSoftmax ? { dropFinalSoftmax: true } : undefined);
  } catch (e) {
    if (e instanceof Error && e.message.includes('dropFinalSoftmax')) e.message += ' (--drop-final-softmax here)';
    throw e;
  }
  try {
    const written: ExportOutcome['written'] = [];
    if (opts.onnx) {
      writeFileAtomic(opts.onnx, exportOnnx(model, { opset, inputLayout: opts.nchw ? 'NCHW' : 'NHWC' }));
      written.push({ format: 'onnx', path: opts.onnx });
    }
    if (opts.pytorch) {
      model.save(opts.pytorch, { layout: 'pytorch' });
      written.push({ format: 'pytorch', path: opts.pytorch });
    }
    if (opts.safetensors) {
      model.save(opts.safetensors);
      written.push({ format: 'safetensors', path: opts.safetensors });
    }
    const outcome: ExportOutcome = {
      model: modelPath,
      layers: model.layers.map((l) => (l.activationName() && l.activationName() !== 'linear' ? `${l.className}(${l.activationName()})` : l.className)),
      written,
      ...(opts.onnx ? { opset } : {}),
    };
    if (opts.json) {
      console.log(JSON.stringify(outcome));
    } else {
      console.log(`${modelPath}: ${model.layers.length} layers (${outcome.layers.join(', ')}), input [${model.inputShape.join(', ')}]`);
      for (const w of written) {
        const detail = w.format === 'onnx' ? ` (opset ${opset}, ${opts.nchw ? 'NCHW' : 'NHWC'} input)` : w.format === 'pytorch' ? ' (PyTorch state_dict)' : '';
        console.log(`  wrote ${w.path}${detail}`);
      }
    }
    return outcome;
  } finally {
    model.dispose();
  }
}

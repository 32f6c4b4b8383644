// The structure docs/ARCHITECTURE.md describes, checked: the import graph of src/ is one-way with no
// cycle, and the recipes for a new layer and a new activation work without touching any other file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Activation, Layer, Rng, activate, assertGradients, exportOnnx, getSpec, inspect, layerFromConfig, layers, loadModel, mul, optimizers,
  registerLayer, resolveParams, sequential, sum, tensor, tidy, type ActivationSpec, type LayerRole, type OnnxGraphWriter, type Parameter, type Shape,
  type Tensor,
} from 'rectifier';

const root = fileURLToPath(new URL('..', import.meta.url));
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');

function cruise(cwd: string): { status: number | null; out: string } {
  // Colour depends on the terminal CI gives the child (a TTY colours the names); the checks read plain text.
  const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  const r = spawnSync(depcruise, ['src', '--config', '.dependency-cruiser.cjs'], { cwd, encoding: 'utf8', env });
  return { status: r.status, out: `${r.stdout}${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, '') };
}

test('the import graph of src/ has no cycle and no upward import', () => {
  const { status, out } = cruise(root);
  assert.equal(status, 0, out);
  assert.match(out, /no dependency violations found/);
});

test('the import rules catch an upward import and a cycle (a tree made to break them)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rectifier-imports-'));
  try {
    cpSync(join(root, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }));
    mkdirSync(join(dir, 'src', 'util'), { recursive: true });
    mkdirSync(join(dir, 'src', 'nn'), { recursive: true });
    writeFileSync(join(dir, 'src', 'util', 'low.ts'), "import { high } from '../nn/high.js';\nexport const low = high + 1;\n");
    writeFileSync(join(dir, 'src', 'nn', 'high.ts'), 'export const high = 1;\n');
    writeFileSync(join(dir, 'src', 'nn', 'a.ts'), "import { b } from './b.js';\nexport const a = () => b();\n");
    writeFileSync(join(dir, 'src', 'nn', 'b.ts'), "import { a } from './a.js';\nexport const b = () => a;\n");
    const { status, out } = cruise(dir);
    assert.notEqual(status, 0);
    assert.match(out, /util-imports-only-below: src\/util\/low\.ts → src\/nn\/high\.ts/);
    assert.match(out, /no-circular: src\/nn\/a\.ts → /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The layer recipe: a class extending Layer, registered beside its definition, and nothing else.
interface ScaleOptions {
  readonly name?: string;
}

/** y = x·γ with a learned γ per feature: a toy layer made by following docs/ARCHITECTURE.md. */
class LearnedScale extends Layer {
  readonly className = 'LearnedScale';
  readonly baseName = 'learned_scale';
  readonly role: LayerRole = 'structural';
  gamma!: Parameter;
  constructor(options: ScaleOptions = {}) {
    super(options.name);
  }
  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }
  protected override createWeights(inputShape: Shape): void {
    const c = inputShape[inputShape.length - 1]!;
    this.gamma = this.addWeight('gamma', [c], Float32Array.from({ length: c }, (_, i) => 1 + i / c));
  }
  forward(x: Tensor): Tensor {
    return mul(x, this.gamma.value);
  }
  override toOnnx(graph: OnnxGraphWriter, input: string): string {
    return graph.node('Mul', [input, graph.initializer(`${this.name}.gamma`, this.gamma.shape, this.gamma.value.data as Float32Array)]);
  }
  getConfig(): Record<string, unknown> {
    return {};
  }
}
registerLayer('LearnedScale', (c) => new LearnedScale(c as ScaleOptions));

function spiralData(n: number): { x: Float32Array; y: Int32Array } {
  const rng = new Rng(3);
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    const r = rng.next();
    const t = 3 * r + Math.PI * y[i]! + rng.normal(0, 0.1);
    x[2 * i] = r * Math.cos(t);
    x[2 * i + 1] = r * Math.sin(t);
  }
  return { x, y };
}

async function ortSession(bytes: Uint8Array): Promise<{ run(x: Float32Array, shape: number[]): Promise<Float32Array> } | null> {
  let ort: typeof import('onnxruntime-node');
  try {
    ort = await import('onnxruntime-node');
  } catch {
    return null;
  }
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  return {
    async run(x, shape) {
      const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', x, shape) });
      return out[session.outputNames[0]!]!.data as Float32Array;
    },
  };
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i]! - want[i]!) <= tol * (1 + Math.abs(want[i]!)), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

test('a new layer made by the recipe trains, checks its gradient, saves and loads through the registry, is inspected and exported', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rectifier-recipe-'));
  try {
    const layer = new LearnedScale();
    layer.build([5], new Rng(1));
    tidy(() => {
      const x = tensor(Float32Array.from({ length: 15 }, (_, i) => Math.sin(i)), [3, 5]);
      assertGradients((xi) => sum(activate(layer.forward(xi), 'tanh')), [x, layer.gamma.value]);
    });
    layer.dispose();

    const { x, y } = spiralData(400);
    const model = sequential({ inputShape: [2], seed: 2, layers: [layers.dense({ units: 24, activation: 'relu' }), new LearnedScale(), layers.dense({ units: 2 })] });
    assert.equal(model.layers[1]!.name, 'learned_scale_1');
    model.compile({ optimizer: optimizers.adam({ learningRate: 0.02 }), loss: 'softmax_cross_entropy', metrics: ['accuracy'] });
    const history = await model.fit(x, y, { epochs: 30, batchSize: 32 });
    const losses = history.history.loss;
    assert.ok(losses[losses.length - 1]! < 0.6 * losses[0]!, `loss ${losses[0]} → ${losses[losses.length - 1]}`);

    const file = join(dir, 'scale.safetensors');
    await model.save(file);
    const loaded = await loadModel(file);
    assert.ok(loaded.layers[1] instanceof LearnedScale);
    const a = model.predict(x);
    const b = loaded.predict(x);
    assert.deepEqual(Array.from(b.data), Array.from(a.data));
    assert.ok(layerFromConfig(model.layers[1]!.toJSON()) instanceof LearnedScale);

    // inspect asks the layers, so the new one needs nothing to take part: dense_1 (relu) and dense_2 (logits).
    const reports = inspect(model, x.subarray(0, 200));
    assert.deepEqual(reports.map((r) => [r.name, r.activation]), [['dense_1', 'relu'], ['dense_2', null]]);

    const session = await ortSession(exportOnnx(model));
    if (!session) t.diagnostic('onnxruntime-node is not installed: the ONNX Runtime comparison was skipped');
    else assertClose(await session.run(x, [400, 2]), a.data as Float32Array, 1e-5, 'ONNX Runtime vs predict');
    a.dispose();
    b.dispose();
    model.dispose();
    loaded.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a new activation row runs through the executor, the gradient check and the ONNX writer with no other change', async (t) => {
  const relu = getSpec('relu');
  // Squared ReLU (So et al. 2021, https://arxiv.org/abs/2109.08668): max(0, x)², written as the table asks.
  const squaredRelu: ActivationSpec = {
    ...relu,
    id: 'squared_relu',
    aliases: [],
    f: (v) => (v > 0 ? v * v : v <= 0 ? 0 : NaN),
    df: (v) => (v > 0 ? 2 * v : v <= 0 ? 0 : NaN),
    backwardFrom: 'x',
    dfFromY: undefined,
    kinks: [{ x: () => 0, derivative: () => 0, why: 'both one-sided derivatives are 0' }],
    onnx: { description: 'Mul(Relu(x), Relu(x))', write: (emit, v) => { const r = emit.node('Relu', [v]); return emit.node('Mul', [r, r]); } },
    latex: '\\max(0, x)^2',
    summary: 'Squared ReLU.',
    paper: 'https://arxiv.org/abs/2109.08668',
  };
  const act = new Activation(squaredRelu, resolveParams(squaredRelu));
  assert.deepEqual(Array.from(act.forward(Float32Array.of(-2, 0, 1.5, 3))), [0, 0, 2.25, 9]);
  assert.deepEqual(Array.from(act.backward(Float32Array.of(-2, 0, 1.5, 3), Float32Array.of(1, 1, 1, 2))), [0, 0, 3, 12]);
  tidy(() => {
    assertGradients((v) => sum(activate(v, act)), [tensor(Float32Array.of(-1.3, -0.4, 0.7, 2.2), [4])]);
  });

  const model = sequential({ inputShape: [3], seed: 5, layers: [layers.dense({ units: 6, activation: squaredRelu }), layers.dense({ units: 2 })] });
  const x = Float32Array.from({ length: 30 }, (_, i) => Math.cos(i * 0.7));
  const want = model.predict(x);
  const session = await ortSession(exportOnnx(model));
  if (!session) t.diagnostic('onnxruntime-node is not installed: the ONNX Runtime comparison was skipped');
  else assertClose(await session.run(x, [10, 3]), want.data as Float32Array, 1e-5, 'ONNX Runtime vs predict');
  want.dispose();
  model.dispose();
});

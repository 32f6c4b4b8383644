/**
 * Constant folding for imported graphs: the small tensor computations exporters leave in a graph
 * around the weights and shapes (a Transpose of a weight, an Identity that shares an initializer, the
 * Shape → Gather → Unsqueeze → Concat chain that `x.view(x.size(0), -1)` becomes), evaluated once so the
 * pattern matcher sees plain constants.
 *
 * A symbolic dimension (the batch) is NaN in a folded shape: it moves through Gather, Concat and
 * Unsqueeze like any number, and arithmetic on it stays NaN, so a Reshape target tells "the batch"
 * apart from a fixed size without a symbolic algebra.
 */
import type { DecodedAttribute, OnnxNode, OnnxTensor } from './decode.js';
import { DATA_TYPE } from './schema.js';

export function numel(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

export function intTensor(values: readonly number[], dims: readonly number[] = [values.length]): OnnxTensor {
  return { name: '', dims: [...dims], type: 'int', data: Float64Array.from(values) };
}

function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1]! * dims[i + 1]!;
  return s;
}

/** Permutes the axes of a tensor: out.dims[i] = t.dims[perm[i]]. */
export function transpose(t: OnnxTensor, perm: readonly number[]): OnnxTensor {
  const rank = t.dims.length;
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw new Error(`perm [${perm.join(', ')}] is not a permutation of the ${rank} axes of a [${t.dims.join(', ')}] tensor`);
  }
  const dims = perm.map((p) => t.dims[p]!);
  const inStrides = strides(t.dims);
  const data = new (t.data.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(t.data.length);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < data.length; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += index[i]! * inStrides[perm[i]!]!;
    data[o] = t.data[src]!;
    for (let i = rank - 1; i >= 0; i--) {
      if (++index[i]! < dims[i]!) break;
      index[i] = 0;
    }
  }
  return { name: t.name, dims, type: t.type, data };
}

/** NumPy-style broadcasting of a binary operation. */
function broadcast(a: OnnxTensor, b: OnnxTensor, f: (x: number, y: number) => number, type: 'float' | 'int'): OnnxTensor {
  const rank = Math.max(a.dims.length, b.dims.length);
  const pad = (d: readonly number[]) => [...new Array<number>(rank - d.length).fill(1), ...d];
  const da = pad(a.dims);
  const db = pad(b.dims);
  const dims = da.map((x, i) => {
    const y = db[i]!;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`shapes [${a.dims.join(', ')}] and [${b.dims.join(', ')}] do not broadcast`);
    return Math.max(x, y);
  });
  const sa = strides(da).map((s, i) => (da[i] === 1 ? 0 : s));
  const sb = strides(db).map((s, i) => (db[i] === 1 ? 0 : s));
  const n = numel(dims);
  const data = type === 'float' ? new Float32Array(n) : new Float64Array(n);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < n; o++) {
    let ia = 0;
    let ib = 0;
    for (let i = 0; i < rank; i++) {
      ia += index[i]! * sa[i]!;
      ib += index[i]! * sb[i]!;
    }
    data[o] = f(a.data[ia]!, b.data[ib]!);
    for (let i = rank - 1; i >= 0; i--) {
      if (++index[i]! < dims[i]!) break;
      index[i] = 0;
    }
  }
  return { name: '', dims, type, data };
}

const BINARY: Readonly<Record<string, (x: number, y: number) => number>> = {
  Add: (x, y) => x + y,
  Sub: (x, y) => x - y,
  Mul: (x, y) => x * y,
  Div: (x, y) => x / y,
};

function attr(node: OnnxNode, name: string): DecodedAttribute | undefined {
  return node.attributes.get(name);
}

export function intAttr(node: OnnxNode, name: string, fallback: number): number {
  const a = attr(node, name);
  return a && a.kind === 'int' ? a.value : fallback;
}

export function intsAttr(node: OnnxNode, name: string): readonly number[] | null {
  const a = attr(node, name);
  return a && a.kind === 'ints' ? a.value : null;
}

const axisOf = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** The value of a Constant node (any of its value_* attributes). */
export function constantValue(node: OnnxNode): OnnxTensor | null {
  for (const [name, a] of node.attributes) {
    if (name === 'value' && a.kind === 'tensor') return a.value;
    if (name === 'value_float' && a.kind === 'float') return { name: '', dims: [], type: 'float', data: Float32Array.of(a.value) };
    if (name === 'value_floats' && a.kind === 'floats') return { name: '', dims: [a.value.length], type: 'float', data: Float32Array.from(a.value) };
    if (name === 'value_int' && a.kind === 'int') return intTensor([a.value], []);
    if (name === 'value_ints' && a.kind === 'ints') return intTensor(a.value);
  }
  return null;
}

/** Operators `fold` evaluates when all their inputs are constants. */
export const FOLDABLE = new Set([
  'Constant', 'Identity', 'Transpose', 'Cast', 'Reshape', 'Flatten', 'Unsqueeze', 'Squeeze', 'Concat', 'Gather', 'Slice',
  'Add', 'Sub', 'Mul', 'Div', 'Neg', 'Sqrt',
]);

/**
 * Evaluates one node whose inputs are all constants (`inputs[i]` null for an omitted optional input).
 * Returns its first output, or throws with what was wrong.
 */
export function fold(node: OnnxNode, inputs: readonly (OnnxTensor | null)[]): OnnxTensor {
  const x = inputs[0];
  const need = (t: OnnxTensor | null | undefined, what: string): OnnxTensor => {
    if (!t) throw new Error(`its ${what} input is missing`);
    return t;
  };
  switch (node.opType) {
    case 'Constant': {
      const v = constantValue(node);
      if (!v) throw new Error('it has no value attribute this reader understands (value, value_float(s), value_int(s))');
      return v;
    }
    case 'Identity': return need(x, 'first');
    case 'Neg': { const t = need(x, 'first'); return { ...t, data: t.data.map((v) => -v) }; }
    case 'Sqrt': { const t = need(x, 'first'); return { ...t, data: t.data.map(Math.sqrt) }; }
    case 'Transpose': {
      const t = need(x, 'first');
      const perm = intsAttr(node, 'perm') ?? t.dims.map((_, i) => t.dims.length - 1 - i);
      return transpose(t, perm);
    }
    case 'Cast': {
      const t = need(x, 'first');
      const to = intAttr(node, 'to', DATA_TYPE.FLOAT);
      const float = to === DATA_TYPE.FLOAT || to === DATA_TYPE.DOUBLE || to === DATA_TYPE.FLOAT16;
      if (float) return { ...t, type: 'float', data: Float32Array.from(t.data) };
      if (to === DATA_TYPE.BOOL) return { ...t, type: 'int', data: Float64Array.from(t.data, (v) => (v !== 0 ? 1 : 0)) };
      return { ...t, type: 'int', data: Float64Array.from(t.data, (v) => (Number.isNaN(v) ? v : Math.trunc(v))) };
    }
    case 'Reshape': {
      const t = need(x, 'first');
      const target = [...need(inputs[1], 'shape').data];
      const allowZero = intAttr(node, 'allowzero', 0) === 1;
      const dims = target.map((d, i) => (d === 0 && !allowZero ? t.dims[i]! : d));
      const known = dims.filter((d) => d !== -1);
      if (dims.length - known.length > 1 || known.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`shape [${target.join(', ')}] is not a valid Reshape target for a constant`);
      const rest = numel(known);
      const out = dims.map((d) => (d === -1 ? t.data.length / rest : d));
      if (numel(out) !== t.data.length || out.some((d) => !Number.isInteger(d))) throw new Error(`cannot reshape [${t.dims.join(', ')}] to [${target.join(', ')}]`);
      return { ...t, dims: out };
    }
    case 'Flatten': {
      const t = need(x, 'first');
      const axis = axisOf(intAttr(node, 'axis', 1), t.dims.length);
      return { ...t, dims: [numel(t.dims.slice(0, axis)), numel(t.dims.slice(axis))] };
    }
    case 'Unsqueeze': {
      const t = need(x, 'first');
      const axes = [...(inputs[1] ? inputs[1].data : intsAttr(node, 'axes') ?? [])];
      const rank = t.dims.length + axes.length;
      const norm = axes.map((a) => axisOf(a, rank)).sort((a, b) => a - b);
      const dims = [...t.dims];
      for (const a of norm) dims.splice(a, 0, 1);
      return { ...t, dims };
    }
    case 'Squeeze': {
      const t = need(x, 'first');
      const given = inputs[1] ? [...inputs[1].data] : intsAttr(node, 'axes');
      const axes = given ? given.map((a) => axisOf(a, t.dims.length)) : t.dims.flatMap((d, i) => (d === 1 ? [i] : []));
      return { ...t, dims: t.dims.filter((_, i) => !axes.includes(i)) };
    }
    case 'Concat': {
      const parts = inputs.map((t, i) => need(t, `#${i}`));
      const rank = parts[0]!.dims.length;
      if (rank !== 1 || axisOf(intAttr(node, 'axis', 0), 1) !== 0) throw new Error('only 1-D constants are concatenated here (shape computations)');
      const data = parts[0]!.type === 'float' ? new Float32Array(parts.reduce((s, p) => s + p.data.length, 0)) : new Float64Array(parts.reduce((s, p) => s + p.data.length, 0));
      let o = 0;
      for (const p of parts) { data.set(p.data, o); o += p.data.length; }
      return { name: '', dims: [data.length], type: parts[0]!.type, data };
    }
    case 'Gather': {
      const t = need(x, 'first');
      const idx = need(inputs[1], 'indices');
      if (t.dims.length !== 1 || axisOf(intAttr(node, 'axis', 0), 1) !== 0) throw new Error('only gathers from 1-D constants are folded here (shape computations)');
      const data = new (t.data.constructor as Float64ArrayConstructor)(idx.data.length);
      idx.data.forEach((i, k) => {
        const j = i < 0 ? i + t.dims[0]! : i;
        if (!(j >= 0 && j < t.dims[0]!)) throw new Error(`index ${i} is outside a tensor of ${t.dims[0]} values`);
        data[k] = t.data[j]!;
      });
      return { name: '', dims: [...idx.dims], type: t.type, data };
    }
    case 'Slice': {
      const t = need(x, 'first');
      if (t.dims.length !== 1) throw new Error('only slices of 1-D constants are folded here (shape computations)');
      const n = t.dims[0]!;
      const start = need(inputs[1], 'starts').data[0]!;
      const end = need(inputs[2], 'ends').data[0]!;
      const step = inputs[4] ? inputs[4].data[0]! : 1;
      if (step !== 1) throw new Error('only slices with step 1 are folded here');
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
      const data = t.data.slice(clamp(start), clamp(end));
      return { name: '', dims: [data.length], type: t.type, data };
    }
    default: {
      const f = BINARY[node.opType];
      if (!f) throw new Error(`${node.opType} is not folded`);
      const a = need(x, 'first');
      const b = need(inputs[1], 'second');
      const type = a.type === 'float' || b.type === 'float' ? 'float' : 'int';
      const intDiv = type === 'int' && node.opType === 'Div';
      return broadcast(a, b, intDiv ? (p, q) => Math.trunc(p / q) : f, type);
    }
  }
}

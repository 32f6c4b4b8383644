/**
 * Embedding lookup: integer token ids (held as float32 values, as model inputs are) pick rows of a table.
 * Backward keeps the ids and adds each output row's gradient into the row of the table it came from.
 */
import { record, willRecord } from '../autograd/tape.js';
import type { Tensor } from '../tensor/tensor.js';
import { alloc, check, sameBackend } from './check.js';

/**
 * out[..., :] = table[ids[...], :] for ids of any shape and table [vocabulary, dims]. `paddingId`: that
 * id's rows receive no gradient (PyTorch's padding_idx).
 */
export function embeddingLookup(ids: Tensor, table: Tensor, paddingId: number | null = null): Tensor {
  check('embedding', 'ids', ids);
  check('embedding', 'table', table);
  const be = sameBackend('embedding', ids, table);
  if (table.rank !== 2) throw new RangeError(`embedding: table must be [vocabulary, dims], got shape [${table.shape.join(', ')}]`);
  const [vocabulary, dims] = table.shape as [number, number];
  const v = ids.storage.f32();
  const rows = new Int32Array(ids.size);
  for (let i = 0; i < rows.length; i++) {
    const id = v[i]!;
    if (!Number.isInteger(id) || id < 0 || id >= vocabulary) {
      throw new RangeError(`embedding: ids must be integers in [0, ${vocabulary - 1}] (the vocabulary), got ${id} at index ${i}`);
    }
    rows[i] = id;
  }
  const out = alloc([...ids.shape, dims], be);
  for (let i = 0; i < rows.length; i++) be.copyRange(table.storage, rows[i]! * dims, out.storage, i * dims, dims);
  if (!willRecord([table])) return out;
  return record('embedding', out, [ids, table], (dy) => {
    const dt = alloc(table.shape, be);
    const d = dt.storage.f32();
    d.fill(0);
    const g = dy.storage.f32();
    for (let i = 0; i < rows.length; i++) {
      if (rows[i] === paddingId) continue;
      const src = i * dims;
      const dst = rows[i]! * dims;
      for (let k = 0; k < dims; k++) d[dst + k]! += g[src + k]!;
    }
    return [null, dt];
  });
}

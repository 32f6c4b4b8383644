/**
 * The reference matrix product, in float64 accumulation: the definition every faster GEMM is tested
 * against, and the one the JS backend and its convolutions use.
 */
import type { MatmulEpilogue, MatmulShape } from './types.js';

/** out[m×n] = op(a)·op(b) as `matmulReference` defines it (flags in `shape`), on plain arrays. */
export type Gemm = (a: Float32Array, b: Float32Array, out: Float32Array, shape: MatmulShape) => void;


/**
 * out = act(op(A)·op(B) + bias) in float32 storage with float64 accumulation per output row. Loop order
 * i-p-j keeps the inner loop on contiguous rows of B and out for the common (untransposed B) case.
 */
export function matmulReference(
  A: Float32Array,
  B: Float32Array,
  out: Float32Array,
  { m, k, n, transposeA = false, transposeB = false, accumulate = false }: MatmulShape,
  epilogue?: MatmulEpilogue,
): void {
  const row = new Float64Array(n);
  const bias = epilogue?.bias?.f32();
  const act = epilogue?.activation;
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let p = 0; p < k; p++) {
      // no skipping of zero terms: 0·NaN must stay NaN, as in any BLAS
      const av = transposeA ? A[p * m + i]! : A[i * k + p]!;
      if (transposeB) {
        for (let j = 0; j < n; j++) row[j]! += av * B[j * k + p]!;
      } else {
        const off = p * n;
        for (let j = 0; j < n; j++) row[j]! += av * B[off + j]!;
      }
    }
    const o = i * n;
    for (let j = 0; j < n; j++) {
      let v = row[j]! + (accumulate ? out[o + j]! : 0) + (bias ? bias[j]! : 0);
      if (act) v = act.f(v, act.params);
      out[o + j] = v;
    }
  }
}

/**
 * out = act(op(A)·op(B) + bias) in float32, with the loop structure of GotoBLAS/BLIS
 * (Goto & van de Geijn 2008, https://doi.org/10.1145/1356052.1356053): B is packed in panels of KC
 * rows × NC columns, A in blocks of MC × KC, both into strips laid out in the order the micro-kernel
 * reads them; the micro-kernel keeps a MR × NR tile of out in registers over a whole KC panel.
 * Partial tiles at the edges go through a small buffer, so the micro-kernel only ever sees full tiles
 * (the packed strips are zero-padded) and no edge needs its own arithmetic.
 *
 * The epilogue (bias, then the activation) is applied to the tile in registers after the last KC
 * panel, by the same inlined vector code as the elementwise kernels.
 */

/**
 * The register tile: 5 rows × 8 columns is ten accumulators, two B vectors and one broadcast A value,
 * 13 of the 15 vector registers V8 allocates on x64. Measured against 4 × 8 (the classic choice), 3 × 12,
 * 2 × 16, 6 × 8 and 4 × 12 in the same run on this AMD EPYC (micro-kernel alone, packed operands in
 * cache): 37.6 GFLOP/s against 32.7, 35.0, 33.6; 6 × 8 and 4 × 12 spill (25).
 */
export const MR = 5;
export const NR = 8;
const KC = 256;
const MC = 130;
const NC = 1024;

export const TRANSPOSE_A = 1;
export const TRANSPOSE_B = 2;
export const ACCUMULATE = 4;

const PACKED_A_BYTES: usize = MC * KC * 4;
const PACKED_B_BYTES: usize = KC * NC * 4;
const BIAS_BYTES: usize = (NC + NR) * 4;
const TILE_BYTES: usize = MR * NR * 4;
const PARAM_BYTES: usize = 16;

/** Bytes of scratch memory a matmul call needs (packed panels, padded bias, an edge tile, the activation's parameters). */
export function gemmScratchBytes(): usize {
  return PACKED_A_BYTES + PACKED_B_BYTES + BIAS_BYTES + TILE_BYTES + PARAM_BYTES;
}

@inline function floatOffset(index: i32): usize {
  return <usize>index << 2;
}

/** 4×4 transpose of the rows r0…r3 in registers, stored as four vectors at dst, dst+stride, … */
@inline function transpose4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, stride: usize): void {
  const t0 = v128.shuffle<i32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<i32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<i32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<i32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + stride, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7));
}

/**
 * Packs op(B)[pc : pc+kc, jc : jc+nc] as strips of NR columns; strip s holds kc rows of NR floats,
 * zero-padded past the last column. `ldb` is B's row stride in floats as stored.
 */
function packB(b: usize, packed: usize, ldb: i32, pc: i32, kc: i32, jc: i32, nc: i32, transposed: bool): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const strip = packed + floatOffset(jr * kc);
    const j0 = jc + jr;
    if (!transposed) {
      // op(B)[p, j] = B[p·ldb + j]: each row of the strip is contiguous in B.
      let src = b + floatOffset(pc * ldb + j0);
      const rowStride = floatOffset(ldb);
      if (cols == NR) {
        for (let p = 0; p < kc; p++, src += rowStride) {
          const dst = strip + floatOffset(p * NR);
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
        }
      } else {
        for (let p = 0; p < kc; p++, src += rowStride) {
          const dst = strip + floatOffset(p * NR);
          v128.store(dst, f32x4.splat(0));
          v128.store(dst, f32x4.splat(0), 16);
          for (let c = 0; c < cols; c++) store<f32>(dst + floatOffset(c), load<f32>(src + floatOffset(c)));
        }
      }
    } else if (cols == NR) {
      // op(B)[p, j] = B[j·ldb + p]: each column of the strip is contiguous in B; four floats of eight
      // columns at a time, transposed in registers as two 4×4 blocks.
      const c0 = b + floatOffset(j0 * ldb + pc);
      const colStride = floatOffset(ldb);
      const rowBytes: usize = NR * 4;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const off = floatOffset(p);
        const dst = strip + floatOffset(p * NR);
        transpose4(
          v128.load(c0 + off), v128.load(c0 + colStride + off), v128.load(c0 + 2 * colStride + off), v128.load(c0 + 3 * colStride + off),
          dst, rowBytes,
        );
        const c4 = c0 + 4 * colStride;
        transpose4(
          v128.load(c4 + off), v128.load(c4 + colStride + off), v128.load(c4 + 2 * colStride + off), v128.load(c4 + 3 * colStride + off),
          dst + 16, rowBytes,
        );
      }
      for (; p < kc; p++) {
        const dst = strip + floatOffset(p * NR);
        for (let c = 0; c < NR; c++) store<f32>(dst + floatOffset(c), load<f32>(c0 + <usize>c * colStride + floatOffset(p)));
      }
    } else {
      for (let c = 0; c < NR; c++) {
        const dst = strip + floatOffset(c);
        if (c < cols) {
          const src = b + floatOffset((j0 + c) * ldb + pc);
          for (let p = 0; p < kc; p++) store<f32>(dst + floatOffset(p * NR), load<f32>(src + floatOffset(p)));
        } else {
          for (let p = 0; p < kc; p++) store<f32>(dst + floatOffset(p * NR), 0);
        }
      }
    }
  }
}

/**
 * Packs op(A)[ic : ic+mc, pc : pc+kc] as strips of MR rows; strip s holds kc columns of MR floats,
 * zero-padded past the last row. `lda` is A's row stride in floats as stored.
 */
function packA(a: usize, packed: usize, lda: i32, ic: i32, mc: i32, pc: i32, kc: i32, transposed: bool): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const strip = packed + floatOffset(ir * kc);
    const i0 = ic + ir;
    if (transposed) {
      // op(A)[i, p] = A[p·lda + i]: the MR values of one column are contiguous in A.
      let src = b0(a, pc * lda + i0);
      const colStride = floatOffset(lda);
      if (rows == MR) {
        for (let p = 0; p < kc; p++, src += colStride) {
          const dst = strip + floatOffset(p * MR);
          v128.store(dst, v128.load(src));
          store<f32>(dst, load<f32>(src, 16), 16);
        }
      } else {
        for (let p = 0; p < kc; p++, src += colStride) {
          const dst = strip + floatOffset(p * MR);
          for (let r = 0; r < MR; r++) store<f32>(dst + floatOffset(r), r < rows ? load<f32>(src + floatOffset(r)) : 0);
        }
      }
    } else if (rows == MR) {
      // op(A)[i, p] = A[i·lda + p]: rows 0–3 read four floats at a time and transposed in registers
      // (each column's four values stored as one vector at its MR-float slot), row 4 lane by lane.
      const row0 = b0(a, i0 * lda + pc);
      const rowStride = floatOffset(lda);
      const row1 = row0 + rowStride;
      const row2 = row1 + rowStride;
      const row3 = row2 + rowStride;
      const row4 = row3 + rowStride;
      const slot: usize = MR * 4;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const off = floatOffset(p);
        const dst = strip + floatOffset(p * MR);
        transpose4(v128.load(row0 + off), v128.load(row1 + off), v128.load(row2 + off), v128.load(row3 + off), dst, slot);
        storeColumn(dst + 16, slot, v128.load(row4 + off));
      }
      for (; p < kc; p++) {
        const off = floatOffset(p);
        const dst = strip + floatOffset(p * MR);
        store<f32>(dst, load<f32>(row0 + off));
        store<f32>(dst, load<f32>(row1 + off), 4);
        store<f32>(dst, load<f32>(row2 + off), 8);
        store<f32>(dst, load<f32>(row3 + off), 12);
        store<f32>(dst, load<f32>(row4 + off), 16);
      }
    } else {
      for (let r = 0; r < MR; r++) {
        const dst = strip + floatOffset(r);
        if (r < rows) {
          const src = b0(a, (i0 + r) * lda + pc);
          for (let p = 0; p < kc; p++) store<f32>(dst + floatOffset(p * MR), load<f32>(src + floatOffset(p)));
        } else {
          for (let p = 0; p < kc; p++) store<f32>(dst + floatOffset(p * MR), 0);
        }
      }
    }
  }
}

/** The four lanes of v to dst, dst + stride, dst + 2·stride, dst + 3·stride (one row of four columns). */
@inline function storeColumn(dst: usize, stride: usize, v: v128): void {
  v128.store32_lane(dst, v, 0);
  v128.store32_lane(dst + stride, v, 1);
  v128.store32_lane(dst + 2 * stride, v, 2);
  v128.store32_lane(dst + 3 * stride, v, 3);
}

/** Address of float `index` of the array at `base`. */
@inline function b0(base: usize, index: i32): usize {
  return base + floatOffset(index);
}

/**
 * a·b + c. With relaxed SIMD (the rectifier-mt-relaxed.wasm build) it is f32x4.relaxed_madd, a fused
 * multiply-add where the CPU has one: one rounding instead of two, so results differ in the last bits
 * from the default build, which is why that build is opt-in.
 */
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * One MR × NR tile: out = [out +] A-strip · B-strip, and after the last panel + bias and the activation.
 * `ldc` is the row stride of out in bytes.
 */
function microKernel<Op>(
  ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, loadC: bool, last: bool, bias: usize, params: usize,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0);
  let c41 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0v = v128.load(bp);
    const b1v = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0v, c00);
    c01 = madd(a, b1v, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0v, c10);
    c11 = madd(a, b1v, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0v, c20);
    c21 = madd(a, b1v, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0v, c30);
    c31 = madd(a, b1v, c31);
    a = v128.load32_splat(ap, 16);
    c40 = madd(a, b0v, c40);
    c41 = madd(a, b1v, c41);
    ap += MR * 4;
    bp += NR * 4;
  }
  const c1 = c + ldc;
  const c2 = c1 + ldc;
  const c3 = c2 + ldc;
  const c4 = c3 + ldc;
  // Two branches that each store, rather than `if (loadC) cXY += C` then one store: merging the sums
  // after the loop made V8 spill them inside it (20.8 against 37.5 GFLOP/s, measured).
  if (loadC) {
    v128.store(c, f32x4.add(c00, v128.load(c)));
    v128.store(c, f32x4.add(c01, v128.load(c, 16)), 16);
    v128.store(c1, f32x4.add(c10, v128.load(c1)));
    v128.store(c1, f32x4.add(c11, v128.load(c1, 16)), 16);
    v128.store(c2, f32x4.add(c20, v128.load(c2)));
    v128.store(c2, f32x4.add(c21, v128.load(c2, 16)), 16);
    v128.store(c3, f32x4.add(c30, v128.load(c3)));
    v128.store(c3, f32x4.add(c31, v128.load(c3, 16)), 16);
    v128.store(c4, f32x4.add(c40, v128.load(c4)));
    v128.store(c4, f32x4.add(c41, v128.load(c4, 16)), 16);
  } else {
    v128.store(c, c00);
    v128.store(c, c01, 16);
    v128.store(c1, c10);
    v128.store(c1, c11, 16);
    v128.store(c2, c20);
    v128.store(c2, c21, 16);
    v128.store(c3, c30);
    v128.store(c3, c31, 16);
    v128.store(c4, c40);
    v128.store(c4, c41, 16);
  }
  if (last) epilogue<Op>(c, ldc, bias, params);
}

/**
 * The tile's epilogue after its last panel: + bias, then the activation, in place. A pass of its own
 * (the tile is in L1) rather than code after the micro-kernel's loop: there it made V8 keep more values
 * live across the loop and spill accumulators, which cost a third of the speed (measured).
 */
function epilogue<Op>(c: usize, ldc: usize, bias: usize, params: usize): void {
  const op = changetype<Op>(0);
  const p0 = v128.load32_splat(params);
  const p1 = v128.load32_splat(params, 4);
  if (bias) {
    const bias0 = v128.load(bias);
    const bias1 = v128.load(bias, 16);
    for (let r = 0; r < MR; r++, c += ldc) {
      v128.store(c, op.forward(f32x4.add(v128.load(c), bias0), p0, p1));
      v128.store(c, op.forward(f32x4.add(v128.load(c, 16), bias1), p0, p1), 16);
    }
  } else {
    for (let r = 0; r < MR; r++, c += ldc) {
      v128.store(c, op.forward(v128.load(c), p0, p1));
      v128.store(c, op.forward(v128.load(c, 16), p0, p1), 16);
    }
  }
}

/** Copies a rows × cols corner of a float matrix; strides in bytes. */
function copyTile(src: usize, srcStride: usize, dst: usize, dstStride: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++, src += srcStride, dst += dstStride) {
    for (let c = 0; c < cols; c++) store<f32>(dst + floatOffset(c), load<f32>(src + floatOffset(c)));
  }
}

/** All MR × NR tiles of one packed A block against one packed B panel. */
function macroKernel<Op>(
  packedA: usize, packedB: usize, c: usize, ldc: usize, mc: i32, nc: i32, kc: i32,
  loadC: bool, last: bool, bias: usize, params: usize, tile: usize,
): void {
  const tileStride: usize = NR * 4;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const bStrip = packedB + floatOffset(jr * kc);
    const biasStrip = bias ? bias + floatOffset(jr) : 0;
    for (let ir = 0; ir < mc; ir += MR) {
      const rows = min(MR, mc - ir);
      const aStrip = packedA + floatOffset(ir * kc);
      const cTile = c + <usize>ir * ldc + floatOffset(jr);
      if (rows == MR && cols == NR) {
        microKernel<Op>(aStrip, bStrip, kc, cTile, ldc, loadC, last, biasStrip, params);
      } else {
        if (loadC) copyTile(cTile, ldc, tile, tileStride, rows, cols);
        microKernel<Op>(aStrip, bStrip, kc, tile, tileStride, loadC, last, biasStrip, params);
        copyTile(tile, tileStride, cTile, ldc, rows, cols);
      }
    }
  }
}

/**
 * out[m×n] = act(op(A)·op(B) [+ out] + bias) with the activation Op; `flags` combines TRANSPOSE_A,
 * TRANSPOSE_B and ACCUMULATE; `bias` is 0 or the address of n floats; `scratch` has gemmScratchBytes().
 * lda, ldb, ldc are the row strides of A, B and out as stored, in floats (0: the dense default), so that
 * a call may work on a block of larger matrices: the threads split a product into such blocks. Each
 * output element's sum runs over p in the same order whatever block it falls in, which is what makes
 * the split invisible in the result bits.
 * k = 0 still runs one (empty) panel, so out becomes act([out +] bias).
 */
@inline export function gemm<Op>(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, flags: i32, bias: usize, pa: f32, pb: f32, scratch: usize,
  lda: i32, ldb: i32, ldc: i32,
): void {
  const transposeA = (flags & TRANSPOSE_A) != 0;
  const transposeB = (flags & TRANSPOSE_B) != 0;
  const accumulate = (flags & ACCUMULATE) != 0;
  const packedA = scratch;
  const packedB = packedA + PACKED_A_BYTES;
  const biasBlock = packedB + PACKED_B_BYTES;
  const tile = biasBlock + BIAS_BYTES;
  // The activation's parameters go through memory: as v128 arguments they would hold two registers
  // across the micro-kernel's loop, and with ten accumulators V8 would spill.
  const params = tile + TILE_BYTES;
  store<f32>(params, pa);
  store<f32>(params, pb, 4);
  if (lda == 0) lda = transposeA ? m : k;
  if (ldb == 0) ldb = transposeB ? k : n;
  const ldcBytes = floatOffset(ldc == 0 ? n : ldc);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    if (bias) {
      // A padded copy, so that the edge strip can load NR values of bias like the others.
      for (let j = 0; j < nc; j++) store<f32>(biasBlock + floatOffset(j), load<f32>(bias + floatOffset(jc + j)));
      for (let j = nc; j < nc + NR; j++) store<f32>(biasBlock + floatOffset(j), 0);
    }
    let pc = 0;
    do {
      const kc = min(KC, k - pc);
      const loadC = pc > 0 || accumulate;
      const last = pc + kc >= k;
      packB(b, packedB, ldb, pc, kc, jc, nc, transposeB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(a, packedA, lda, ic, mc, pc, kc, transposeA);
        macroKernel<Op>(
          packedA, packedB, out + <usize>ic * ldcBytes + floatOffset(jc), ldcBytes, mc, nc, kc, loadC, last, bias ? biasBlock : 0, params, tile,
        );
      }
      pc += kc;
    } while (pc < k);
  }
}

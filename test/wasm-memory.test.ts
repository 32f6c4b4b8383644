import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { JsBackend } from '../src/backend/js.js';
import type { Backend, Storage } from '../src/backend/types.js';
import { createWasmBackendSync, sizeClass } from '../src/wasm/index.js';
import { ALIGNMENT } from '../src/wasm/memory.js';

/** A fresh backend per test, so block counts and free lists start empty. */
function fresh(): Backend {
  return createWasmBackendSync();
}

describe('wasm heap: size classes', () => {
  test('classes cover the request, are aligned, and waste under 12.5% above 4 KiB', () => {
    for (const bytes of [0, 1, 4, 63, 64, 65, 4095, 4096, 4097, 5000, 65536, 123457, 1 << 24, 3 * (1 << 24) + 4]) {
      const c = sizeClass(bytes);
      assert.ok(c >= bytes, `class ${c} < ${bytes}`);
      assert.equal(c % ALIGNMENT, 0, `class ${c} of ${bytes} bytes is not a multiple of ${ALIGNMENT}`);
      if (bytes > 4096) assert.ok(c - bytes < bytes / 8, `class ${c} wastes too much for ${bytes}`);
    }
  });

  test('requests of nearby sizes share a class, so they reuse each other’s blocks', () => {
    assert.equal(sizeClass(100_000 * 4), sizeClass(100_001 * 4));
  });
});

describe('wasm heap: allocation', () => {
  test('blocks are 64-byte aligned, disjoint, and counted', () => {
    const b = fresh();
    const sizes = [1, 3, 16, 100, 1000, 4097, 70_000];
    const blocks = sizes.map((n) => b.allocate(n, 'float32'));
    for (const s of blocks) assert.equal(s.ptr % 64, 0, `ptr ${s.ptr} is not 64-byte aligned`);
    const spans = blocks.map((s) => [s.ptr, s.ptr + s.length * 4] as const).sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i]![0] >= spans[i - 1]![1], 'blocks overlap');
    assert.deepEqual(
      { blocks: b.memory().blocks, bytes: b.memory().bytes },
      { blocks: sizes.length, bytes: sizes.reduce((s, n) => s + 4 * n, 0) },
    );
    for (const s of blocks) b.release(s);
    assert.deepEqual({ blocks: b.memory().blocks, bytes: b.memory().bytes }, { blocks: 0, bytes: 0 });
  });

  test('views have the storage’s length and dtype; the wrong dtype throws', () => {
    const b = fresh();
    const f = b.allocate(10, 'float32');
    const i = b.allocate(7, 'int32');
    assert.ok(f.f32() instanceof Float32Array);
    assert.equal(f.f32().length, 10);
    assert.ok(i.i32() instanceof Int32Array);
    assert.equal(i.i32().length, 7);
    assert.throws(() => f.i32(), /expected int32 storage, got float32/);
    assert.throws(() => i.f32(), /expected float32 storage, got int32/);
  });

  test('writes through one storage never show up in another', () => {
    const b = fresh();
    const blocks = Array.from({ length: 20 }, (_, i) => b.allocate(1 + 7 * i, 'float32'));
    blocks.forEach((s, i) => s.f32().fill(i));
    blocks.forEach((s, i) => assert.ok(s.f32().every((v) => v === i), `block ${i} was overwritten`));
  });

  test('a released block is reused by the next request of its size class', () => {
    const b = fresh();
    const first = b.allocate(1000, 'float32');
    const ptr = first.ptr;
    b.allocate(5, 'float32'); // keeps `first` from being the top block
    b.release(first);
    const again = b.allocate(1000, 'float32');
    assert.equal(again.ptr, ptr);
  });

  test('memory stays flat over 1,000 training-like steps of the same sizes', () => {
    const b = fresh();
    const step = () => {
      const blocks: Storage[] = [784 * 128, 128, 64 * 784, 64 * 128, 128 * 10, 10, 64 * 10].map((n) => b.allocate(n, 'float32'));
      // Released in an order unlike the allocation order, as a tape would.
      for (const i of [3, 0, 6, 1, 5, 2, 4]) b.release(blocks[i]!);
    };
    step();
    const reserved = b.memory().reservedBytes;
    const ptrs = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      step();
      const probe = b.allocate(64 * 784, 'float32');
      ptrs.add(probe.ptr);
      b.release(probe);
    }
    assert.equal(b.memory().reservedBytes, reserved);
    assert.equal(b.memory().blocks, 0);
    assert.ok(ptrs.size <= 2, `a block of one size came from ${ptrs.size} places`);
  });

  test('growth keeps every storage’s contents and gives fresh views; old views are detached (or, on shared memory, still valid)', () => {
    const b = fresh();
    const small = b.allocate(1000, 'float32');
    small.f32().forEach((_, i, v) => (v[i] = i * 0.5));
    const oldView = small.f32();
    const before = b.memory().reservedBytes;
    const big = b.allocate(before / 4 + 1_000_000, 'float32'); // more than the whole memory: must grow
    assert.ok(b.memory().reservedBytes > before, 'memory did not grow');
    if (oldView.buffer instanceof SharedArrayBuffer) {
      // A shared memory never moves: views of the old, shorter buffer stay valid.
      assert.equal(oldView[999], 999 * 0.5);
    } else {
      assert.equal(oldView.length, 0, 'a view of the old buffer should be detached by growth');
    }
    const view = small.f32();
    assert.equal(view.length, 1000);
    for (let i = 0; i < 1000; i++) assert.equal(view[i], i * 0.5);
    big.f32()[big.length - 1] = 42;
    assert.equal(big.f32()[big.length - 1], 42);
    assert.equal(small.f32()[999], 999 * 0.5);
  });

  test('a zero-length storage is valid and releasable', () => {
    const b = fresh();
    const s = b.allocate(0, 'float32');
    assert.equal(s.f32().length, 0);
    b.release(s);
    assert.equal(b.memory().blocks, 0);
  });
});

describe('wasm heap: errors', () => {
  test('releasing twice throws and leaves the counts alone', () => {
    const b = fresh();
    const s = b.allocate(10, 'float32');
    b.release(s);
    assert.throws(() => b.release(s), /already released/);
    assert.equal(b.memory().blocks, 0);
  });

  test('releasing storage of another backend throws', () => {
    const b = fresh();
    const other = fresh();
    assert.throws(() => b.release(new JsBackend().allocate(4, 'float32')), /allocated by this wasm backend/);
    assert.throws(() => b.release(other.allocate(4, 'float32')), /allocated by this wasm backend/);
  });

  test('a released storage cannot be read', () => {
    const b = fresh();
    const s = b.allocate(10, 'float32');
    b.release(s);
    assert.throws(() => s.f32(), /used after release/);
  });

  test('allocate validates length and dtype', () => {
    const b = fresh();
    assert.throws(() => b.allocate(-1, 'float32'), /length must be a non-negative integer, got -1/);
    assert.throws(() => b.allocate(1.5, 'float32'), /length must be a non-negative integer, got 1.5/);
    assert.throws(() => b.allocate(4, 'float64' as 'float32'), /dtype must be "float32" or "int32", got "float64"/);
  });

  test('a request beyond the 4 GiB address space fails with a clear error', () => {
    const b = fresh();
    assert.throws(() => b.allocate(2 ** 31, 'float32'), /out of memory allocating/);
    assert.equal(b.memory().blocks, 0);
  });
});

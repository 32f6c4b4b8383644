import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';

test('crc32: the pure-JS fallback (Node < 20.15) matches zlib, including chaining', async () => {
  const data = new Uint8Array(100003);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  const z = zlib as unknown as { crc32?: (d: Uint8Array, v?: number) => number };
  const native = z.crc32;
  // Known vector: CRC-32 of "123456789" is 0xcbf43926.
  const check = new TextEncoder().encode('123456789');
  const descriptor = Object.getOwnPropertyDescriptor(zlib, 'crc32');
  Object.defineProperty(zlib, 'crc32', { value: undefined, configurable: true, writable: true });
  try {
    const fresh = (await import(`../src/data/cache.js?no-native-crc=${Date.now()}`)) as typeof import('../src/data/cache.js');
    assert.equal(fresh.crc32(check), 0xcbf43926);
    if (native) {
      assert.equal(fresh.crc32(data), native(data) >>> 0);
      assert.equal(fresh.crc32(data.subarray(500), fresh.crc32(data.subarray(0, 500))), native(data) >>> 0);
    }
  } finally {
    if (descriptor) Object.defineProperty(zlib, 'crc32', descriptor);
  }
  const { crc32 } = await import('../src/data/cache.js');
  assert.equal(crc32(check), 0xcbf43926);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SLAB_ALLOC_MAX, allocBytes } from './alloc.js';

test('arrays are zeroed, sized as asked, and never overlap while alive', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 2 * SLAB_ALLOC_MAX }), { maxLength: 200 }), (sizes) => {
    const arrays = sizes.map((n) => allocBytes(n));
    arrays.forEach((a, i) => {
      assert.equal(a.length, sizes[i]);
      assert.ok(a.every((b) => b === 0), 'zeroed');
      a.fill(i % 255 + 1);
    });
    // Writing each array touched no other.
    arrays.forEach((a, i) => assert.ok(a.every((b) => b === i % 255 + 1)));
    for (const a of arrays) assert.equal(a.byteOffset % 8, 0, 'aligned');
  }));
});

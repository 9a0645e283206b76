import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NONCE_BYTES, NonceSequence, envelopeVersion, looksLikePlainTotem, suiteByte, suiteFromByte, type CipherName, type HashName } from './envelope.js';

const CIPHERS: readonly CipherName[] = ['aes256', 'chacha20', 'none'];
const HASHES: readonly HashName[] = ['sha256', 'sha384', 'sha512', 'none'];

test('suite bytes are distinct, version 1, and never a Totem magic byte', () => {
  const bytes = CIPHERS.flatMap((c) => HASHES.map((h) => suiteByte(c, h)));
  assert.equal(new Set(bytes).size, bytes.length);
  for (const cipher of CIPHERS) {
    for (const hash of HASHES) {
      const byte = suiteByte(cipher, hash);
      assert.equal(envelopeVersion(byte), 1);
      assert.ok(byte !== 0x70 && byte !== 0xc0);
      assert.deepEqual(suiteFromByte(byte), { cipher, hash });
    }
  }
  assert.equal(suiteFromByte(0x1c), undefined, 'cipher id 3 is unassigned');
  assert.ok(looksLikePlainTotem(Uint8Array.of(0x70, 0xc0, 3)) && looksLikePlainTotem(Uint8Array.of(0xc0, 0x70)));
  assert.ok(!looksLikePlainTotem(Uint8Array.of(0x70)) && !looksLikePlainTotem(Uint8Array.of(0x11, 0x70)));
});

function nonces(seed: number[], count: number): string[] {
  const sequence = new NonceSequence(Uint8Array.from(seed));
  const out: string[] = [];
  const buffer = new Uint8Array(NONCE_BYTES + 2);
  for (let i = 0; i < count; i++) {
    sequence.writeNext(buffer, 1);
    out.push(Buffer.from(buffer.subarray(1, 1 + NONCE_BYTES)).toString('hex'));
  }
  return out;
}

test('the nonce is prefix then a 64-bit big-endian counter that carries across 32 bits and wraps', () => {
  assert.deepEqual(nonces([1, 2, 3, 4, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe], 3), [
    '01020304' + '00000000' + 'fffffffe',
    '01020304' + '00000000' + 'ffffffff',
    '01020304' + '00000001' + '00000000',
  ]);
  assert.deepEqual(nonces([9, 9, 9, 9, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 2), [
    '09090909' + 'ffffffff' + 'ffffffff',
    '09090909' + '00000000' + '00000000',
  ]);
  assert.throws(() => new NonceSequence(new Uint8Array(11)), RangeError);
});

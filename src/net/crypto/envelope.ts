/**
 * The sealed-frame envelope: its layout, the suite byte and the nonce sequence. No crypto here;
 * frame-crypto.ts does the sealing. Layout (all offsets in bytes, see design.md):
 *
 *   AEAD suites (crypto_cipher aes256 | chacha20):
 *     0      suite byte: version (high nibble, 1) | cipher id << 2 | hash id
 *     1..12  nonce: 4-byte per-process random prefix, then a 64-bit big-endian counter
 *     13..   ciphertext (same length as the frame)
 *     last 16 AEAD tag; AAD = bytes 0..12 (the header)
 *
 *   Authentication-only suites (crypto_cipher none, crypto_hash sha256|sha384|sha512):
 *     0      suite byte (cipher id 0)
 *     1..    the frame, in clear
 *     last N HMAC-<hash> over bytes 0..end of frame, truncated to half the digest (RFC 4868)
 *
 *   crypto_cipher none and crypto_hash none: no envelope at all, Corosync's bytes.
 *
 * The version nibble is 1, so a sealed frame starts with 0x10..0x1f; a plain Totem frame starts
 * with its magic 0xC070 (0x70 0xC0 from a little-endian sender, 0xC0 0x70 from a big-endian one),
 * which lets a receiver say "the sender does not encrypt" instead of just "bad version".
 */

export type CipherName = 'aes256' | 'chacha20' | 'none';
export type HashName = 'sha256' | 'sha384' | 'sha512' | 'none';

export const ENVELOPE_VERSION = 1;
export const SUITE_BYTES = 1;
export const NONCE_BYTES = 12;
export const NONCE_PREFIX_BYTES = 4;
export const AEAD_TAG_BYTES = 16;
/** suite byte + nonce: the AAD of every AEAD frame. */
export const AEAD_HEADER_BYTES = SUITE_BYTES + NONCE_BYTES;
export const AEAD_OVERHEAD_BYTES = AEAD_HEADER_BYTES + AEAD_TAG_BYTES;

const CIPHER_IDS: Readonly<Record<CipherName, number>> = { none: 0, aes256: 1, chacha20: 2 };
const HASH_IDS: Readonly<Record<HashName, number>> = { none: 0, sha256: 1, sha384: 2, sha512: 3 };
const CIPHER_BY_ID: readonly (CipherName | undefined)[] = ['none', 'aes256', 'chacha20', undefined];
const HASH_BY_ID: readonly HashName[] = ['none', 'sha256', 'sha384', 'sha512'];

/** Digest length in bytes; HMAC tags carry half of it (RFC 4868's HMAC-SHA-256-128 and kin). */
export const DIGEST_BYTES: Readonly<Record<Exclude<HashName, 'none'>, number>> = { sha256: 32, sha384: 48, sha512: 64 };

export function suiteByte(cipher: CipherName, hash: HashName): number {
  return (ENVELOPE_VERSION << 4) | (CIPHER_IDS[cipher] << 2) | HASH_IDS[hash];
}

export function envelopeVersion(byte: number): number {
  return byte >>> 4;
}

/** The suite a peer used, for log lines; undefined when the cipher id is not one we know. */
export function suiteFromByte(byte: number): { cipher: CipherName; hash: HashName } | undefined {
  const cipher = CIPHER_BY_ID[(byte >>> 2) & 0x3];
  const hash = HASH_BY_ID[byte & 0x3]!;
  return cipher === undefined ? undefined : { cipher, hash };
}

export function suiteName(cipher: CipherName, hash: HashName): string {
  return `crypto_cipher ${cipher}, crypto_hash ${hash}`;
}

/** True when the first two bytes are Totem's header magic in either byte order. */
export function looksLikePlainTotem(frame: Uint8Array): boolean {
  if (frame.length < 2) return false;
  return (frame[0] === 0x70 && frame[1] === 0xc0) || (frame[0] === 0xc0 && frame[1] === 0x70);
}

/**
 * 96-bit nonces: a 32-bit prefix drawn once per instance, then a 64-bit counter that starts at a
 * random value and steps by one per frame. Every node of a cluster holds the same derived key, so
 * nonces must be unique across nodes and restarts, not just within one sender:
 *  - a counter alone repeats across nodes and after every restart;
 *  - a fresh random 96-bit nonce per frame collides after ~2^48 frames cluster-wide (birthday
 *    bound over *all frames*), and NIST SP 800-38D caps random GCM IVs at 2^32 per key;
 *  - here two senders can only collide if they drew the same 96-bit starting point closely
 *    enough that their counter runs overlap: about n² · L / 2^96 for n sender lifetimes sending
 *    L frames each — the square is over processes, not frames. A sender never repeats itself:
 *    its counter would need 2^64 frames to come back round (585,000 years at 10^6 frames/s).
 * The counter is kept as two uint32 halves so the hot path does no BigInt arithmetic.
 */
export class NonceSequence {
  private readonly prefix: number;
  private hi: number;
  private lo: number;

  /** `seed` is 12 random bytes: prefix, counter high, counter low. */
  constructor(seed: Uint8Array) {
    if (seed.length !== NONCE_BYTES) throw new RangeError(`nonce seed must be ${NONCE_BYTES} bytes`);
    const view = new DataView(seed.buffer, seed.byteOffset, seed.byteLength);
    this.prefix = view.getUint32(0);
    this.hi = view.getUint32(4);
    this.lo = view.getUint32(8);
  }

  /** Writes the next nonce at `offset` and advances. */
  writeNext(into: Uint8Array, offset: number): void {
    writeU32BE(into, offset, this.prefix);
    writeU32BE(into, offset + 4, this.hi);
    writeU32BE(into, offset + 8, this.lo);
    if (this.lo === 0xffffffff) {
      this.lo = 0;
      this.hi = (this.hi + 1) >>> 0;
    } else {
      this.lo++;
    }
  }
}

function writeU32BE(into: Uint8Array, offset: number, value: number): void {
  into[offset] = value >>> 24;
  into[offset + 1] = (value >>> 16) & 0xff;
  into[offset + 2] = (value >>> 8) & 0xff;
  into[offset + 3] = value & 0xff;
}

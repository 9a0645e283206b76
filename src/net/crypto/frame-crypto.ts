/**
 * Authentication and encryption of every Totem frame (Corosync's secauth / crypto_cipher /
 * crypto_hash / keyfile). `seal` wraps an outgoing frame in the envelope of envelope.ts; `open`
 * checks and unwraps an incoming one, returning a typed failure for anything that does not
 * authenticate — it never throws, so a hostile datagram can only be counted and dropped.
 *
 * Keys: the key file's bytes are never used directly. HKDF (RFC 5869) derives one key per
 * (suite, cluster name, purpose), so two clusters that share a key file, or one cluster whose
 * nodes disagree on the cipher or hash, cannot accept each other's frames. See design.md.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
  type CipherGCMTypes,
  type KeyObject,
} from 'node:crypto';
import {
  AEAD_HEADER_BYTES,
  AEAD_OVERHEAD_BYTES,
  AEAD_TAG_BYTES,
  DIGEST_BYTES,
  ENVELOPE_VERSION,
  NONCE_BYTES,
  NonceSequence,
  SUITE_BYTES,
  envelopeVersion,
  looksLikePlainTotem,
  suiteByte,
  suiteFromByte,
  suiteName,
  type CipherName,
  type HashName,
} from './envelope.js';
import { KEY_LEN_MAX, KEY_LEN_MIN } from './keyfile.js';

export interface FrameCryptoOptions {
  readonly cipher: CipherName;
  readonly hash: HashName;
  /** The key file's bytes (KEY_LEN_MIN..KEY_LEN_MAX); unused, and may be empty, when both are 'none'. */
  readonly key: Uint8Array;
  /** totem.cluster_name; at most CLUSTER_NAME_BYTES_MAX bytes of UTF-8. */
  readonly clusterName: string;
}

export type OpenFailureCode = 'TRUNCATED' | 'BAD_VERSION' | 'AUTH_FAILED' | 'WRONG_CIPHER';

export type OpenResult =
  | { readonly ok: true; readonly frame: Uint8Array }
  | { readonly ok: false; readonly code: OpenFailureCode; readonly detail: string };

export interface FrameCrypto {
  /** 'plain': Corosync's bytes; 'aead': encrypted and authenticated; 'hmac': authenticated only. */
  readonly mode: 'plain' | 'aead' | 'hmac';
  /** Bytes `seal` adds to a frame; the runtime subtracts them from netmtu. */
  readonly overheadBytes: number;
  /** Returns a new buffer (or, in plain mode, the frame itself). */
  seal(frame: Uint8Array): Uint8Array;
  /** Never throws. The opened frame may share memory with the input (plain and hmac modes). */
  open(frame: Uint8Array): OpenResult;
}

/** HKDF's info must stay under node's 1024-byte limit; a length byte keeps it unambiguous. */
export const CLUSTER_NAME_BYTES_MAX = 255;
const KDF_LABEL = 'ringcast/frame-crypto/v1';
const AEAD_KEY_BYTES = 32;
/**
 * Node's names. @types/node types the two AEADs through separate overloads with identical
 * options, so the calls below cast to the GCM overload.
 */
type AeadAlgorithm = 'aes-256-gcm' | 'chacha20-poly1305';
const NODE_CIPHER: Readonly<Record<'aes256' | 'chacha20', AeadAlgorithm>> = {
  aes256: 'aes-256-gcm',
  chacha20: 'chacha20-poly1305',
};

export function createFrameCrypto(options: FrameCryptoOptions): FrameCrypto {
  const { cipher, hash } = options;
  if (cipher === 'none' && hash === 'none') return plainFrameCrypto();
  const key = Buffer.from(options.key.buffer, options.key.byteOffset, options.key.byteLength);
  if (key.length < KEY_LEN_MIN || key.length > KEY_LEN_MAX) {
    throw new RangeError(`key must be ${KEY_LEN_MIN}..${KEY_LEN_MAX} bytes, got ${key.length}`);
  }
  const clusterName = Buffer.from(options.clusterName, 'utf8');
  if (clusterName.length > CLUSTER_NAME_BYTES_MAX) {
    throw new RangeError(`cluster name must be at most ${CLUSTER_NAME_BYTES_MAX} bytes of UTF-8`);
  }
  const suite = suiteByte(cipher, hash);
  if (cipher === 'none') {
    const hmacHash = hash as Exclude<HashName, 'none'>;
    const macKey = deriveKey(hmacHash, key, suite, clusterName, 'hmac key', DIGEST_BYTES[hmacHash]);
    return hmacFrameCrypto(suite, hmacHash, macKey, suiteName(cipher, hash));
  }
  // Corosync rejects a cipher without a hash; we accept it and let HKDF use sha256 (the brief's rule).
  const kdfHash = hash === 'none' ? 'sha256' : hash;
  const aeadKey = deriveKey(kdfHash, key, suite, clusterName, 'aead key', AEAD_KEY_BYTES);
  return aeadFrameCrypto(suite, NODE_CIPHER[cipher], aeadKey, suiteName(cipher, hash));
}

/**
 * info = label 0x00 purpose 0x00 suite-byte len(cluster) cluster. The salt is the label too:
 * the key file is high-entropy, so the salt only separates our use of it from any other.
 */
function deriveKey(hash: string, key: Buffer, suite: number, cluster: Buffer, purpose: string, bytes: number): KeyObject {
  const info = Buffer.concat([
    Buffer.from(`${KDF_LABEL}\0${purpose}\0`, 'utf8'),
    Uint8Array.of(suite, cluster.length),
    cluster,
  ]);
  const derived = Buffer.from(hkdfSync(hash, key, Buffer.from(KDF_LABEL, 'utf8'), info, bytes));
  const keyObject = createSecretKey(derived);
  derived.fill(0);
  return keyObject;
}

function plainFrameCrypto(): FrameCrypto {
  return {
    mode: 'plain',
    overheadBytes: 0,
    seal: (frame) => frame,
    open: (frame) => ({ ok: true, frame }),
  };
}

/** The common checks of a sealed frame's first byte: version, then suite. */
function checkSuite(frame: Uint8Array, suite: number, ours: string): OpenResult | undefined {
  if (frame.length === 0) return { ok: false, code: 'TRUNCATED', detail: 'empty datagram' };
  const first = frame[0]!;
  if (looksLikePlainTotem(frame)) {
    return { ok: false, code: 'WRONG_CIPHER', detail: `a plain Totem frame (sender has crypto_cipher none, crypto_hash none; we have ${ours})` };
  }
  if (envelopeVersion(first) !== ENVELOPE_VERSION) {
    return { ok: false, code: 'BAD_VERSION', detail: `envelope version ${envelopeVersion(first)}, expected ${ENVELOPE_VERSION}` };
  }
  if (first !== suite) {
    const theirs = suiteFromByte(first);
    const said = theirs ? suiteName(theirs.cipher, theirs.hash) : `unknown suite 0x${first.toString(16)}`;
    return { ok: false, code: 'WRONG_CIPHER', detail: `sender uses ${said}; we have ${ours}` };
  }
  return undefined;
}

function aeadFrameCrypto(suite: number, algorithm: AeadAlgorithm, key: KeyObject, ours: string): FrameCrypto {
  const nonces = new NonceSequence(randomBytes(NONCE_BYTES));
  const tagOptions = { authTagLength: AEAD_TAG_BYTES };

  function seal(frame: Uint8Array): Uint8Array {
    const out = Buffer.allocUnsafe(AEAD_OVERHEAD_BYTES + frame.length);
    out[0] = suite;
    nonces.writeNext(out, SUITE_BYTES);
    const cipher = createCipheriv(algorithm as CipherGCMTypes, key, out.subarray(SUITE_BYTES, AEAD_HEADER_BYTES), tagOptions);
    cipher.setAAD(out.subarray(0, AEAD_HEADER_BYTES));
    // GCM and ChaCha20-Poly1305 are stream modes: update() returns every byte, final() none.
    const written = cipher.update(frame).copy(out, AEAD_HEADER_BYTES) + cipher.final().copy(out, AEAD_HEADER_BYTES + frame.length);
    if (written !== frame.length) throw new Error(`AEAD wrote ${written} bytes for a ${frame.length}-byte frame`);
    cipher.getAuthTag().copy(out, AEAD_HEADER_BYTES + frame.length);
    return out;
  }

  function open(frame: Uint8Array): OpenResult {
    const bad = checkSuite(frame, suite, ours);
    if (bad) return bad;
    if (frame.length < AEAD_OVERHEAD_BYTES) {
      return { ok: false, code: 'TRUNCATED', detail: `${frame.length} bytes, a sealed frame has at least ${AEAD_OVERHEAD_BYTES}` };
    }
    const tagAt = frame.length - AEAD_TAG_BYTES;
    try {
      const decipher = createDecipheriv(algorithm as CipherGCMTypes, key, frame.subarray(SUITE_BYTES, AEAD_HEADER_BYTES), tagOptions);
      decipher.setAAD(frame.subarray(0, AEAD_HEADER_BYTES));
      decipher.setAuthTag(frame.subarray(tagAt));
      const plain = decipher.update(frame.subarray(AEAD_HEADER_BYTES, tagAt));
      decipher.final(); // throws when the tag does not match
      return { ok: true, frame: plain };
    } catch {
      return { ok: false, code: 'AUTH_FAILED', detail: 'tag mismatch: another key or cluster_name, or a corrupted frame' };
    }
  }

  return { mode: 'aead', overheadBytes: AEAD_OVERHEAD_BYTES, seal, open };
}

function hmacFrameCrypto(suite: number, hash: Exclude<HashName, 'none'>, key: KeyObject, ours: string): FrameCrypto {
  const tagBytes = DIGEST_BYTES[hash] / 2;
  const overheadBytes = SUITE_BYTES + tagBytes;

  function mac(suiteAndFrame: Uint8Array): Buffer {
    return createHmac(hash, key).update(suiteAndFrame).digest();
  }

  function seal(frame: Uint8Array): Uint8Array {
    const out = Buffer.allocUnsafe(overheadBytes + frame.length);
    out[0] = suite;
    out.set(frame, SUITE_BYTES);
    const tagAt = SUITE_BYTES + frame.length;
    mac(out.subarray(0, tagAt)).copy(out, tagAt, 0, tagBytes);
    return out;
  }

  function open(frame: Uint8Array): OpenResult {
    const bad = checkSuite(frame, suite, ours);
    if (bad) return bad;
    if (frame.length < overheadBytes) {
      return { ok: false, code: 'TRUNCATED', detail: `${frame.length} bytes, a signed frame has at least ${overheadBytes}` };
    }
    const tagAt = frame.length - tagBytes;
    const expected = mac(frame.subarray(0, tagAt)).subarray(0, tagBytes);
    if (!timingSafeEqual(expected, frame.subarray(tagAt))) {
      return { ok: false, code: 'AUTH_FAILED', detail: 'HMAC mismatch: another key or cluster_name, or a corrupted frame' };
    }
    return { ok: true, frame: frame.subarray(SUITE_BYTES, tagAt) };
  }

  return { mode: 'hmac', overheadBytes, seal, open };
}

/**
 * Seal/open rates per suite and frame size, beside a bare createCipheriv loop (node's floor for
 * one AEAD operation per frame), so what the envelope itself costs is visible.
 *
 *   npm run build && node dist/src/net/crypto/bench.js [--ms 1000]
 */
import { createCipheriv, createSecretKey, randomBytes, type CipherGCMTypes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createFrameCrypto } from './frame-crypto.js';
import type { CipherName, HashName } from './envelope.js';
import { generateKey } from './keyfile.js';

const { values } = parseArgs({ options: { ms: { type: 'string' } } });
const budgetMs = Number(values.ms ?? 1000);

/** Frames per second of `body`, best of three runs of budgetMs / 3 each. */
function rate(body: () => void): number {
  for (let i = 0; i < 5000; i++) body();
  let best = 0;
  for (let run = 0; run < 3; run++) {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < budgetMs / 3) {
      for (let i = 0; i < 1000; i++) body();
      n += 1000;
      elapsed = performance.now() - start;
    }
    best = Math.max(best, n / (elapsed / 1000));
  }
  return best;
}

const fmt = (x: number): string => `${Math.round(x / 1000)}k/s`.padStart(9);
const key = generateKey();
const suites: readonly [CipherName, HashName][] = [['aes256', 'sha256'], ['chacha20', 'sha256'], ['none', 'sha256']];

console.log(`node ${process.version}, ${budgetMs} ms per measurement (best of 3)`);
for (const size of [64, 1400]) {
  const frame = randomBytes(size);
  for (const [cipher, hash] of suites) {
    const crypto = createFrameCrypto({ cipher, hash, key, clusterName: 'bench' });
    const sealed = crypto.seal(frame);
    const seal = rate(() => crypto.seal(frame));
    const open = rate(() => {
      if (!crypto.open(sealed).ok) throw new Error('bench frame failed to open');
    });
    console.log(`${`${cipher}/${hash}`.padEnd(16)} ${String(size).padStart(5)} B  seal ${fmt(seal)}  open ${fmt(open)}`);
  }
  const raw = createSecretKey(randomBytes(32));
  const iv = randomBytes(12);
  for (const algorithm of ['aes-256-gcm', 'chacha20-poly1305']) {
    const bare = rate(() => {
      const c = createCipheriv(algorithm as CipherGCMTypes, raw, iv, { authTagLength: 16 });
      c.update(frame);
      c.final();
      c.getAuthTag();
    });
    console.log(`${`(bare ${algorithm})`.padEnd(27)} ${String(size).padStart(5)} B  ${fmt(bare)}`);
  }
}

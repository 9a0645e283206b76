/**
 * The replicated state of the ordered log: a running count, a running hash over every line ever
 * appended (hash_n = SHA-256(hash_{n-1} || line_n)), and the last `maxLines` lines. Two logs with
 * the same count and hash saw the same lines in the same order. Pure and deterministic.
 */
import { createHash } from 'node:crypto';

import { HASH_BYTES, type LogSnapshot } from '../../protocol/orderlog.js';

export { HASH_BYTES, type LogSnapshot };

export class OrderLog {
  private countValue = 0;
  private hashValue = new Uint8Array(HASH_BYTES);
  private kept: string[] = [];

  constructor(readonly maxLines: number) {
    if (!Number.isInteger(maxLines) || maxLines < 1) throw new RangeError(`maxLines ${maxLines}`);
  }

  get count(): number {
    return this.countValue;
  }

  get hash(): Uint8Array {
    return this.hashValue;
  }

  append(line: string): void {
    this.countValue++;
    this.hashValue = new Uint8Array(createHash('sha256').update(this.hashValue).update(line, 'utf8').digest());
    this.kept.push(line);
    if (this.kept.length > this.maxLines) this.kept.shift();
  }

  /** The last `limit` lines (all kept ones by default). */
  snapshot(limit = this.maxLines): LogSnapshot {
    return { count: this.countValue, hash: this.hashValue, lines: this.kept.slice(Math.max(0, this.kept.length - limit)) };
  }

  adopt(s: LogSnapshot): void {
    this.countValue = s.count;
    this.hashValue = new Uint8Array(s.hash);
    this.kept = s.lines.slice(-this.maxLines);
  }

  /** One line for comparisons and logs: count and the first bytes of the hash. */
  digest(): string {
    return `${this.countValue}:${Buffer.from(this.hashValue).toString('hex').slice(0, 16)}`;
  }
}

/**
 * The merge rule: the longest log wins (highest count); equal counts are decided by the hash,
 * bytewise, highest first. Every member ranks the same set of snapshots, so all pick the same.
 */
export function betterSnapshot(a: LogSnapshot, b: LogSnapshot): LogSnapshot {
  if (a.count !== b.count) return a.count > b.count ? a : b;
  return Buffer.compare(Buffer.from(a.hash), Buffer.from(b.hash)) >= 0 ? a : b;
}

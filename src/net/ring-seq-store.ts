/**
 * Stable storage for the highest ring sequence this node has used, so a restarted node never
 * reuses a ring id (Corosync keeps the same in /var/lib/corosync/ringid_<nodeid>). The value is
 * written to a temporary file and renamed, so a crash leaves the old value or the new, never half.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { RingSeqStore } from '../driver/ring-driver.js';
import { ensureDirectory } from './directories.js';

export type { RingSeqStore };

export class FileRingSeqStore implements RingSeqStore {
  private readonly path: string;

  constructor(stateDir: string, nodeId: number) {
    ensureDirectory(stateDir);
    this.path = join(stateDir, `ringid_${nodeId}`);
  }

  load(): number {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8').trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    const seq = Number(text);
    if (!Number.isSafeInteger(seq) || seq < 0) {
      throw new Error(`${this.path}: expected a ring sequence number, found "${text.slice(0, 40)}"`);
    }
    return seq;
  }

  save(seq: number): void {
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, `${seq}\n`);
    renameSync(tmp, this.path);
  }
}

export class MemoryRingSeqStore implements RingSeqStore {
  constructor(private seq = 0) {}
  load(): number {
    return this.seq;
  }
  save(seq: number): void {
    this.seq = seq;
  }
}

/**
 * Where votequorum's expected-votes tracking keeps its barrier: `<stateDir>/ev_tracking`, the
 * barrier as 4 raw bytes in this machine's byte order, as Corosync writes `<state_dir>/ev_tracking`
 * (exec/votequorum.c, load_ev_tracking_barrier / update_ev_tracking_barrier), so an operator
 * moving between the two finds the same file. A file that is missing or not 4 bytes long reads
 * as 0 (Corosync starts again from 0 and rewrites it). Writes go through a temporary file and a
 * rename, so a crash leaves the old barrier or the new one, never a torn one.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { EvTrackingStore } from '../services/votequorum/service.js';

export const EV_TRACKING_FILE = 'ev_tracking';

export class FileEvTrackingStore implements EvTrackingStore {
  readonly path: string;

  constructor(stateDir: string) {
    this.path = join(stateDir, EV_TRACKING_FILE);
  }

  load(): number {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    if (bytes.length !== 4) return 0;
    return bytes.readUInt32LE(0);
  }

  save(barrier: number): void {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32LE(barrier >>> 0, 0);
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, bytes);
      // Corosync fdatasyncs: the barrier must survive a power cut to mean anything.
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }
}

/** The simulator's and tests' store: survives a restart of the node that owns it. */
export class MemoryEvTrackingStore implements EvTrackingStore {
  constructor(public barrier = 0) {}
  load(): number {
    return this.barrier;
  }
  save(barrier: number): void {
    this.barrier = barrier;
  }
}

/** The daemon's status file, `<state dir>/status.json`, replaced atomically every second. */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATUS_FILE } from '../protocol/paths.js';
import type { DaemonStatus } from '../protocol/status.js';

export function writeStatusFile(stateDir: string, status: DaemonStatus): void {
  const path = join(stateDir, STATUS_FILE);
  writeFileSync(`${path}.tmp`, JSON.stringify(status, null, 2) + '\n');
  renameSync(`${path}.tmp`, path);
}

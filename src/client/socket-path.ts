/** Where a client finds the daemon: `<state dir>/ringcast.sock`, the state dir resolved as the tools resolve it. */
import { join } from 'node:path';
import { resolveStateDir } from '../cli/state-dir.js';

export const SOCKET_NAME = 'ringcast.sock';

/** `stateDir` if given, else RINGCAST_STATE_DIR, else the system default (/var/lib/ringcast). */
export function resolveSocketPath(stateDir?: string): string {
  return join(resolveStateDir(stateDir), SOCKET_NAME);
}

/**
 * Where a daemon and the programs that talk to it meet: the state dir (--state-dir,
 * RINGCAST_STATE_DIR, or the system default) and the files in it both sides name. The daemon,
 * the tools and the client library resolve them here, so they cannot disagree.
 */
import { join } from 'node:path';

export const DEFAULT_STATE_DIR = '/var/lib/ringcast';

/** The daemon's IPC socket in the state dir. */
export const SOCKET_NAME = 'ringcast.sock';

/** The daemon's status in the state dir, replaced every second; what `ringcast status` shows. */
export const STATUS_FILE = 'status.json';

/** `flag` if given, else RINGCAST_STATE_DIR, else the system default (/var/lib/ringcast). */
export function resolveStateDir(flag: string | undefined): string {
  return flag ?? process.env.RINGCAST_STATE_DIR ?? DEFAULT_STATE_DIR;
}

/** Where a client finds the daemon: `<state dir>/ringcast.sock`, the state dir resolved as the tools resolve it. */
export function resolveSocketPath(stateDir?: string): string {
  return join(resolveStateDir(stateDir), SOCKET_NAME);
}

/**
 * The socket file's life: find and clear a stale one, refuse to displace a live server, apply mode
 * and owner, and remove it on stop only if it is still ours. Access control is the file mode alone:
 * connect() on a Unix socket needs write permission on the file, and Node cannot read the peer's
 * credentials (SO_PEERCRED), so "allowed uid/gid" means "owner and group of the file", no more.
 */
import { chmod, chown, lstat, stat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { IpcError } from './errors.js';

/** sun_path is 108 bytes on Linux, one of them the terminating NUL. */
export const SOCKET_PATH_BYTES_MAX = 107;
const PROBE_TIMEOUT_MS = 1_000;

export interface SocketFileIdentity {
  readonly dev: number;
  readonly ino: number;
}

export function checkSocketPath(path: string): void {
  if (Buffer.byteLength(path) > SOCKET_PATH_BYTES_MAX) {
    throw new IpcError('CS_ERR_NAME_TOO_LONG', `socket path ${path} is longer than ${SOCKET_PATH_BYTES_MAX} bytes`);
  }
}

/**
 * Makes `path` free for listen(): nothing there, or a socket nobody answers on (left by a crashed
 * daemon), which is removed. A live server or a file that is not a socket is never touched.
 */
export async function clearStaleSocket(path: string): Promise<'absent' | 'removed-stale'> {
  let isSocket: boolean;
  try {
    isSocket = (await lstat(path)).isSocket();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw new IpcError('CS_ERR_ACCESS', `cannot inspect ${path}`, { cause: err });
  }
  if (!isSocket) throw new IpcError('CS_ERR_EXIST', `${path} exists and is not a socket; refusing to remove it`);
  const probe = await probeSocket(path);
  if (probe === 'live') throw new IpcError('CS_ERR_EXIST', `another server is listening on ${path}`);
  if (probe !== 'refused') throw new IpcError('CS_ERR_ACCESS', `cannot probe ${path}: ${probe}`);
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new IpcError('CS_ERR_ACCESS', `cannot remove stale ${path}`, { cause: err });
  }
  return 'removed-stale';
}

/** 'live' if something accepts a connection, 'refused' if nobody listens, else the error code. */
function probeSocket(path: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (result: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    // A server that accepts but is too busy to answer still owns the path: treat a timeout as live.
    const timer = setTimeout(() => done('live'), PROBE_TIMEOUT_MS);
    socket.once('connect', () => done('live'));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? 'refused' : (err.code ?? 'error')));
  });
}

/** chown first (it may clear mode bits on some systems), then chmod. */
export async function applySocketPermissions(path: string, mode: number, uid?: number, gid?: number): Promise<SocketFileIdentity> {
  try {
    if (uid !== undefined || gid !== undefined) await chown(path, uid ?? -1, gid ?? -1);
    await chmod(path, mode);
    const s = await stat(path);
    return { dev: s.dev, ino: s.ino };
  } catch (err) {
    throw new IpcError('CS_ERR_ACCESS', `cannot set mode ${mode.toString(8)} / owner on ${path}`, { cause: err });
  }
}

/** Removes the file if it is still the one we created (a successor may already have replaced it). */
export async function removeOwnSocket(path: string, identity: SocketFileIdentity | undefined): Promise<void> {
  try {
    const s = await lstat(path);
    if (identity && (s.dev !== identity.dev || s.ino !== identity.ino)) return;
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new IpcError('CS_ERR_ACCESS', `cannot remove ${path}`, { cause: err });
  }
}

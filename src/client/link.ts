/**
 * Opening an IPC connection to one of the daemon's services, once or with bounded retries. Only
 * failures that a later attempt can cure are retried: nothing listening yet (the daemon is
 * restarting), the server stopping or full, a handshake timeout. Access denied, an unknown
 * service or a version mismatch end the loop at once.
 */
import { connectIpc, type IpcClient } from '../ipc/client.js';
import { backoffDelayMs, checkBackoff, sleep, type BackoffOptions } from './backoff.js';
import { connectError, RingcastError } from './errors.js';

export interface ReconnectOptions extends Partial<BackoffOptions> {
  /** Stops reconnecting (the handle then closes with CS_ERR_LIBRARY). */
  readonly signal?: AbortSignal;
}

/** About 75 s in all before giving up: long enough for a daemon restart, short enough to notice a dead one. */
export const DEFAULT_RECONNECT: BackoffOptions = { initialDelayMs: 100, maxDelayMs: 5_000, maxAttempts: 20 };

export function resolveReconnect(option: boolean | ReconnectOptions | undefined): (BackoffOptions & { signal?: AbortSignal }) | undefined {
  if (!option) return undefined;
  const resolved = { ...DEFAULT_RECONNECT, ...(option === true ? {} : option) };
  checkBackoff('reconnect', resolved);
  return resolved;
}

export interface LinkTarget {
  readonly path: string;
  readonly serviceName: string;
  /** Declared to the daemon; CPG shows it as the member's pid. */
  readonly pid?: number;
}

export async function openLink(target: LinkTarget, signal?: AbortSignal): Promise<IpcClient> {
  try {
    return await connectIpc({
      path: target.path,
      serviceName: target.serviceName,
      ...(target.pid === undefined ? {} : { pid: target.pid }),
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    throw connectError(err, target.path, target.serviceName);
  }
}

const RETRYABLE = new Set(['CS_ERR_LIBRARY', 'CS_ERR_TRY_AGAIN', 'CS_ERR_TIMEOUT']);

/**
 * Tries `maxAttempts` times with backoff between tries. The first wait comes before the first try
 * (a daemon that just closed our socket is not back yet) unless `immediate`.
 */
export async function reopenLink(target: LinkTarget, backoff: BackoffOptions, signal?: AbortSignal, immediate = false): Promise<IpcClient> {
  let last: RingcastError | undefined;
  for (let attempt = 1; attempt <= backoff.maxAttempts; attempt++) {
    if (!immediate || attempt > 1) await sleep(backoffDelayMs(backoff, immediate ? attempt - 1 : attempt), signal);
    try {
      return await openLink(target, signal);
    } catch (err) {
      const e = err as RingcastError;
      if (e.code === 'ABORT_ERR' || !RETRYABLE.has(e.code)) throw e;
      last = e;
    }
  }
  throw new RingcastError('CS_ERR_LIBRARY', `gave up reconnecting to ${target.serviceName} at ${target.path} after ${backoff.maxAttempts} attempts: ${last?.message}`, {
    reason: 'RECONNECT_FAILED',
    cause: last,
  });
}

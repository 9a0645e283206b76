/**
 * Bounded exponential backoff for the client's retries (mcast on CS_ERR_TRY_AGAIN, reconnecting,
 * re-joining). Every wait is abortable and every loop has a bound on attempts, so a dead daemon or
 * a ring saturated forever ends in a clear error instead of an endless loop.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { abortError } from './errors.js';

export interface BackoffOptions {
  /** First wait. */
  readonly initialDelayMs: number;
  /** Waits double up to this. */
  readonly maxDelayMs: number;
  /** Tries in all (the first one included); the loop gives up after the last. */
  readonly maxAttempts: number;
}

/** The wait before attempt `attempt` (1-based retry count), with ±25 % jitter so clients restarted together spread out. */
export function backoffDelayMs(options: BackoffOptions, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.max(0, Math.round(base * (0.75 + random() * 0.5)));
}

/** Sleeps `ms`, or rejects ABORT_ERR as soon as `signal` fires. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) throw abortError(signal);
  try {
    await delay(ms, undefined, signal ? { signal } : undefined);
  } catch (err) {
    if (signal?.aborted) throw abortError(signal);
    throw err;
  }
}

export function checkBackoff(name: string, o: BackoffOptions): void {
  const ok = Number.isFinite(o.initialDelayMs) && o.initialDelayMs >= 0 && Number.isFinite(o.maxDelayMs) && o.maxDelayMs >= o.initialDelayMs
    && Number.isInteger(o.maxAttempts) && o.maxAttempts >= 1;
  if (!ok) throw new RangeError(`${name}: need 0 <= initialDelayMs <= maxDelayMs and an integer maxAttempts >= 1`);
}

/** `promise`, or ABORT_ERR as soon as `signal` fires (the promise itself keeps running). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e) => { signal.removeEventListener('abort', onAbort); reject(e); },
    );
  });
}

/** Waiting helpers for client tests: every wait has a deadline, none is a sleep. */
import { once, type EventEmitter } from 'node:events';

export const DEADLINE_MS = 5_000;

/** The next `name` event's first argument, or a timeout error naming what was awaited. */
export async function nextEmitted<T>(emitter: EventEmitter, name: string, deadlineMs = DEADLINE_MS): Promise<T> {
  const [value] = await once(emitter, name, { signal: AbortSignal.timeout(deadlineMs) }).catch((err: Error) => {
    throw new Error(`timed out after ${deadlineMs} ms waiting for "${name}"`, { cause: err });
  });
  return value as T;
}

/** Takes items from an iterator until `count` matched `keep`; fails at the deadline. */
export async function take<T>(it: AsyncIterator<T>, count: number, keep: (t: T) => boolean = () => true, deadlineMs = DEADLINE_MS): Promise<T[]> {
  const out: T[] = [];
  const deadline = Date.now() + deadlineMs;
  while (out.length < count) {
    const left = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out with ${out.length} of ${count} items`)), Math.max(0, left));
    });
    try {
      const r = await Promise.race([it.next(), timeout]);
      if (r.done) throw new Error(`iterator ended with ${out.length} of ${count} items`);
      if (keep(r.value)) out.push(r.value);
    } finally {
      clearTimeout(timer);
    }
  }
  return out;
}

/** Polls `condition` every 2 ms until it holds or the deadline passes. */
export async function until(condition: () => boolean, what: string, deadlineMs = DEADLINE_MS): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > deadlineMs) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

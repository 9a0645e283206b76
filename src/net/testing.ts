/** Helpers for tests that run real sockets: free UDP ports and event-driven waits with deadlines. */
import { createSocket } from 'node:dgram';

/** `count` UDP ports that were free a moment ago on `address` (IPv4 or IPv6). */
export async function freeUdpPorts(count: number, address = '127.0.0.1'): Promise<number[]> {
  const sockets = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createSocket>>((resolve) => {
      const s = createSocket(address.includes(':') ? 'udp6' : 'udp4');
      s.bind(0, address, () => resolve(s));
    })),
  );
  const ports = sockets.map((s) => s.address().port);
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/** Resolves once `predicate` holds, checking after each turn of the event loop; rejects at the deadline. */
export function waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = (): void => {
      if (predicate()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      setImmediate(poll);
    };
    poll();
  });
}

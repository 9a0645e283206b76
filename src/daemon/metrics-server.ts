/**
 * The HTTP listener of `ringcast { metrics_address: HOST:PORT }`: `GET /metrics` (HEAD too) answers
 * the Prometheus text format, any other path 404, any other method 405. It listens only when the
 * key is set. A scrape renders from a snapshot of counters (metrics.ts), so it costs the protocol
 * loop one turn of the event loop, like any other callback. Bounds (METRICS_SERVER_LIMITS): a
 * request must arrive within 5 s and at most 16 connections are served at once, so a slow or
 * crowding client cannot hold the daemon's sockets.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DaemonMetrics } from './metrics.js';
import { MetricsListenError } from './metrics-listen-error.js';

export { MetricsListenError };

export interface MetricsServerLimits {
  /** A request's headers (and the whole request) must arrive within this; else the connection is closed. */
  readonly headersTimeoutMs: number;
  /** Connections served at once; more are closed on arrival. */
  readonly connectionsMax: number;
}

export const METRICS_SERVER_LIMITS: MetricsServerLimits = { headersTimeoutMs: 5_000, connectionsMax: 16 };

export interface MetricsEndpoint {
  /** Where it listens: the configured host and the port the kernel gave (port 0 asks for any). */
  readonly host: string;
  readonly port: number;
  /** `host:port`, with IPv6 hosts in brackets, as the config key writes it. */
  readonly address: string;
  close(): Promise<void>;
}

/** Listens on `host:port`; rejects with MetricsListenError (port in use, address not here...). */
export async function startMetricsServer(
  metrics: DaemonMetrics, host: string, port: number, limits: MetricsServerLimits = METRICS_SERVER_LIMITS,
): Promise<MetricsEndpoint> {
  const server = createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.headersTimeoutMs,
    // Node looks for expired requests this often (default 30 s, which would stretch the bound).
    connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
  }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') return plain(res, 404, 'Not Found: the metrics are at /metrics\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return plain(res, 405, 'Method Not Allowed\n');
    }
    metrics.render().then((text) => {
      res.writeHead(200, { 'Content-Type': metrics.contentType, 'Content-Length': Buffer.byteLength(text) });
      res.end(req.method === 'HEAD' ? undefined : text);
    }, (err: unknown) => plain(res, 500, `metrics failed: ${(err as Error).message}\n`));
  });
  server.maxConnections = limits.connectionsMax;
  try {
    await listen(server, host, port);
  } catch (err) {
    const shown = formatAddress(host, port);
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the port is in use (another ringcastd or exporter?); choose another port'
      : code === 'EADDRNOTAVAIL' ? 'the address is not one of this host\'s'
      : code === 'EACCES' ? 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'the host name does not resolve'
      : (err as Error).message;
    throw new MetricsListenError(`ringcast.metrics_address ${shown}: cannot listen: ${why}`, { cause: err });
  }
  const bound = server.address() as AddressInfo;
  return {
    host,
    port: bound.port,
    address: formatAddress(host, bound.port),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

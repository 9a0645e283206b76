/**
 * Why the metrics endpoint could not start (metrics-server.ts). Its own module so that the
 * daemon's error reporting can know it without loading `node:http`, which a daemon with metrics
 * off never needs.
 */
export class MetricsListenError extends Error {
  /** Stable; the errno is in `cause`. */
  readonly code = 'METRICS_LISTEN_FAILED';
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'MetricsListenError';
  }
}

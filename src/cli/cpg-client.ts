/**
 * How the ringcast tools reach the daemon: connect through the client library and turn the
 * failures an operator meets into one clear line and exit code 2 (the daemon is not running, or
 * its socket refuses us), the convention of the other subcommands for "could not even ask".
 */
import { connect, RingcastError, type RingcastClient } from '../client/index.js';
import { resolveStateDir } from '../protocol/paths.js';

export const EXIT_OK = 0;
/** The daemon answered, the operation failed. */
export const EXIT_FAILED = 1;
/** Usage errors and "cannot reach the daemon". */
export const EXIT_UNREACHABLE = 2;

export class CliExit extends Error {
  constructor(readonly exitCode: number, message: string) {
    super(message);
  }
}

/** Connects or throws CliExit(2) with an explanation that names the state dir and how to change it. */
export async function connectOrExplain(stateDirFlag: string | undefined, signal?: AbortSignal): Promise<RingcastClient> {
  const stateDir = resolveStateDir(stateDirFlag);
  try {
    return await connect({ stateDir, ...(signal ? { signal } : {}) });
  } catch (err) {
    throw new CliExit(EXIT_UNREACHABLE, explainConnectError(err, stateDir));
  }
}

export function explainConnectError(err: unknown, stateDir: string): string {
  if (err instanceof RingcastError) {
    if (err.reason === 'DAEMON_NOT_RUNNING') {
      return `${err.message}\n  is ringcastd running with --state-dir ${stateDir}? (choose the directory with --state-dir DIR or RINGCAST_STATE_DIR)`;
    }
    if (err.code === 'CS_ERR_ACCESS') return `${err.message}\n  the socket's group may connect: ask for membership or run as its owner`;
    return `cannot reach ringcastd in ${stateDir}: ${err.message} [${err.code}]`;
  }
  return `cannot reach ringcastd in ${stateDir}: ${err instanceof Error ? err.message : String(err)}`;
}

/** An AbortSignal that fires on the first SIGINT or SIGTERM; `dispose` removes the handlers. */
export function signalOnInterrupt(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => controller.abort(new Error(`interrupted by ${name}`));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

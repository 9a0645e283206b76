/** Where the daemon keeps its state and the tools find it: --state-dir, RINGCAST_STATE_DIR, or the system default. */
export const DEFAULT_STATE_DIR = '/var/lib/ringcast';

export function resolveStateDir(flag: string | undefined): string {
  return flag ?? process.env.RINGCAST_STATE_DIR ?? DEFAULT_STATE_DIR;
}

/**
 * Creating the daemon's directories. Node's `mkdirSync(path, { recursive: true })` never returns
 * when a parent is a directory that refuses new entries with ENOENT, as /proc does
 * (`ringcastd --state-dir /proc/x` hung at full CPU): this walks the path one level at a time and
 * reports the first level that cannot be made.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Makes `path` and its missing parents (`mode` for the ones made); throws an Error naming the level that failed. */
export function ensureDirectory(path: string, mode = 0o755): void {
  const target = resolve(path);
  const missing: string[] = [];
  for (let at = target; ; at = dirname(at)) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(at).isDirectory();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot use ${at}`, { cause: err });
      missing.push(at);
      if (dirname(at) === at) break;
      continue;
    }
    if (!isDirectory) throw new Error(`cannot make directory ${target}: ${at} is not a directory`);
    break;
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir, { mode });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new Error(`cannot make directory ${dir}`, { cause: err });
    }
  }
}

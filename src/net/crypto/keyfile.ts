/**
 * The shared key file (Corosync's `totem.keyfile`, default /etc/corosync/authkey): random bytes,
 * the same on every node, readable only by the daemon. Sizes follow Corosync 3.1.7: its keygen
 * writes 256 bytes by default and accepts TOTEM_PRIVATE_KEY_LEN_MIN..MAX, which totem.h takes
 * from knet's KNET_MIN_KEY_LEN (128 bytes, 1024 bits) and KNET_MAX_KEY_LEN (4096 bytes); so every
 * key Corosync 2 (always 128 bytes) or 3 generated is accepted here, and vice versa.
 *
 * Reading and writing are operating errors, not programmer errors: both return typed results.
 */
import {
  closeSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

export const KEY_LEN_MIN = 128;
export const KEY_LEN_MAX = 4096;
export const KEY_LEN_DEFAULT = 256;
/** Owner read-only, as corosync-keygen leaves it. */
export const KEY_FILE_MODE = 0o400;

export type ReadKeyFileCode = 'NOT_FOUND' | 'BAD_PERMISSIONS' | 'BAD_LENGTH' | 'IO';
export type ReadKeyFileResult =
  | { readonly ok: true; readonly key: Buffer; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly code: ReadKeyFileCode; readonly message: string };

export type WriteKeyFileCode = 'EXISTS' | 'BAD_LENGTH' | 'IO';
export type WriteKeyFileResult =
  | { readonly ok: true; readonly path: string; readonly bytes: number }
  | { readonly ok: false; readonly code: WriteKeyFileCode; readonly message: string };

/** `sizeBytes` random bytes from the OS CSPRNG (what corosync-keygen reads from /dev/urandom). */
export function generateKey(sizeBytes: number = KEY_LEN_DEFAULT): Buffer {
  if (!Number.isInteger(sizeBytes) || sizeBytes < KEY_LEN_MIN || sizeBytes > KEY_LEN_MAX) {
    throw new RangeError(`key size must be an integer in ${KEY_LEN_MIN}..${KEY_LEN_MAX} bytes, got ${sizeBytes}`);
  }
  return randomBytes(sizeBytes);
}

/**
 * Creates the key file with mode 0400, and its parent directory (0700) if missing. Without
 * `force` the create is exclusive (O_EXCL: an existing file or symlink is never touched, where
 * corosync-keygen truncates). With `force` the key goes to a fresh file in the same directory,
 * then is renamed over the old one, so no reader ever sees a half-written key.
 */
export function writeKeyFile(path: string, key: Uint8Array, options: { readonly force?: boolean } = {}): WriteKeyFileResult {
  if (key.length < KEY_LEN_MIN || key.length > KEY_LEN_MAX) {
    return { ok: false, code: 'BAD_LENGTH', message: `a key must be ${KEY_LEN_MIN}..${KEY_LEN_MAX} bytes, got ${key.length}` };
  }
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (err) {
    return { ok: false, code: 'IO', message: `cannot create directory ${dirname(path)}: ${errorText(err)}` };
  }
  const target = options.force ? join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`) : path;
  let fd: number;
  try {
    fd = openSync(target, 'wx', KEY_FILE_MODE);
  } catch (err) {
    if (errorCode(err) === 'EEXIST') {
      return { ok: false, code: 'EXISTS', message: `${path} already exists; not overwriting it without --force` };
    }
    return { ok: false, code: 'IO', message: `cannot create ${target}: ${errorText(err)}` };
  }
  try {
    try {
      fchmodSync(fd, KEY_FILE_MODE); // the umask may have taken bits away; it never adds any
      writeAll(fd, key);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (target !== path) renameSync(target, path);
  } catch (err) {
    removeQuietly(target);
    return { ok: false, code: 'IO', message: `cannot write ${path}: ${errorText(err)}` };
  }
  return { ok: true, path, bytes: key.length };
}

/**
 * Reads at most KEY_LEN_MAX + 1 bytes whatever the file's size, so a wrong path (a log, a
 * device) costs nothing. Corosync silently uses the first 4096 bytes of a longer file; we
 * refuse it, since a key file that long is almost certainly not a key file.
 */
export function readKeyFile(path: string): ReadKeyFileResult {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, code: 'NOT_FOUND', message: `key file ${path} does not exist` };
    if (code === 'EACCES' || code === 'EPERM') {
      return { ok: false, code: 'BAD_PERMISSIONS', message: `key file ${path} is not readable by this user: ${errorText(err)}` };
    }
    return { ok: false, code: 'IO', message: `cannot open key file ${path}: ${errorText(err)}` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { ok: false, code: 'IO', message: `key file ${path} is not a regular file` };
    const buffer = Buffer.alloc(KEY_LEN_MAX + 1);
    const length = readUpTo(fd, buffer);
    if (length < KEY_LEN_MIN || length > KEY_LEN_MAX) {
      const said = length > KEY_LEN_MAX ? `more than ${KEY_LEN_MAX}` : `${length}`;
      return { ok: false, code: 'BAD_LENGTH', message: `key file ${path} holds ${said} bytes; a key is ${KEY_LEN_MIN}..${KEY_LEN_MAX} bytes` };
    }
    const key = Buffer.from(buffer.subarray(0, length));
    buffer.fill(0);
    return { ok: true, key, warnings: permissionWarnings(path, stat.mode) };
  } catch (err) {
    return { ok: false, code: 'IO', message: `cannot read key file ${path}: ${errorText(err)}` };
  } finally {
    closeSync(fd);
  }
}

function permissionWarnings(path: string, mode: number): string[] {
  const perms = mode & 0o777;
  const octal = perms.toString(8).padStart(4, '0');
  const warnings: string[] = [];
  if (perms & 0o044) warnings.push(`key file ${path} is readable by group or others (mode ${octal}); run chmod 0400 ${path}`);
  if (perms & 0o022) warnings.push(`key file ${path} is writable by group or others (mode ${octal}); run chmod 0400 ${path}`);
  return warnings;
}

function writeAll(fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
}

function readUpTo(fd: number, into: Buffer): number {
  let length = 0;
  while (length < into.length) {
    const n = readSync(fd, into, length, into.length - length, null);
    if (n === 0) break;
    length += n;
  }
  return length;
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone, or never created
  }
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

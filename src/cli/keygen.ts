/**
 * `ringcast keygen`: Corosync's corosync-keygen for ringcast. Same options where they exist
 * (-k/--key-file, -s/--size), but it refuses to replace an existing key unless --force: a
 * silently overwritten key splits the cluster at the next restart.
 *
 * Unlike corosync-keygen, the path is required (-k): no default under /etc is written silently.
 *
 * Exit codes: 0 written (or --help), 1 could not write (exists, I/O), 2 usage error.
 */
import { KEY_LEN_DEFAULT, KEY_LEN_MAX, KEY_LEN_MIN, generateKey, writeKeyFile } from '../net/crypto/index.js';
import { parseCommandArgs, UsageError, type ParsedArgs } from './args.js';

export const DEFAULT_KEY_FILE = '/etc/ringcast/authkey';

export const KEYGEN_USAGE = `Usage: ringcast keygen -k FILE [-s BYTES] [--force]
  -k, --key-file FILE  where to write the key (required; the daemons' usual path is ${DEFAULT_KEY_FILE})
  -s, --size BYTES     key length, ${KEY_LEN_MIN}..${KEY_LEN_MAX} bytes (default ${KEY_LEN_DEFAULT}, as corosync-keygen)
      --force          replace an existing key file (every node needs the new key)
  -h, --help           this text
The file is created with mode 0400. Copy it to every node of the cluster.`;

export interface KeygenIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const processIo: KeygenIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export async function keygenCommand(args: string[], io: KeygenIo = processIo): Promise<number> {
  let values: ParsedArgs['values'];
  try {
    ({ values } = parseCommandArgs(args, {
      'key-file': { type: 'string', short: 'k' },
      size: { type: 'string', short: 's' },
      force: { type: 'boolean' },
    }));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`ringcast keygen: ${err.message}`);
    io.err(KEYGEN_USAGE);
    return 2;
  }
  if (values['help']) {
    io.out(KEYGEN_USAGE);
    return 0;
  }
  // corosync-keygen writes /etc/corosync/authkey when not told otherwise; a tool run from a clone
  // or a test must not touch /etc behind the operator's back, so the path is always explicit.
  if (values['key-file'] === undefined) {
    io.err(`ringcast keygen: say where to write the key with -k FILE, for example: ringcast keygen -k ${DEFAULT_KEY_FILE}`);
    return 2;
  }
  const size = parseSize(values['size'] as string | undefined);
  if (size === undefined) {
    io.err(`ringcast keygen: --size must be an integer in ${KEY_LEN_MIN}..${KEY_LEN_MAX}, got ${JSON.stringify(values['size'])}`);
    return 2;
  }
  const path = values['key-file'] as string;
  if (path === '') {
    io.err('ringcast keygen: --key-file must not be empty');
    return 2;
  }
  const result = writeKeyFile(path, generateKey(size), { force: values['force'] === true });
  if (!result.ok) {
    io.err(`ringcast keygen: ${result.message}`);
    return 1;
  }
  io.out(`Wrote a ${result.bytes}-byte (${result.bytes * 8}-bit) key to ${result.path} (mode 0400). Copy it to every node.`);
  return 0;
}

function parseSize(text: string | undefined): number | undefined {
  if (text === undefined) return KEY_LEN_DEFAULT;
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const size = Number(text);
  return size >= KEY_LEN_MIN && size <= KEY_LEN_MAX ? size : undefined;
}

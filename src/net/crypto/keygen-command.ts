/**
 * `ringcast keygen`: Corosync's corosync-keygen for ringcast. Same options where they exist
 * (-k/--key-file, -s/--size), but it refuses to replace an existing key unless --force: a
 * silently overwritten key splits the cluster at the next restart.
 *
 * Exit codes: 0 written (or --help), 1 could not write (exists, I/O), 2 usage error.
 */
import { parseArgs } from 'node:util';
import { KEY_LEN_DEFAULT, KEY_LEN_MAX, KEY_LEN_MIN, generateKey, writeKeyFile } from './keyfile.js';

export const DEFAULT_KEY_FILE = '/etc/ringcast/authkey';

export const KEYGEN_USAGE = `Usage: ringcast keygen [-k FILE] [-s BYTES] [--force]
  -k, --key-file FILE  where to write the key (default ${DEFAULT_KEY_FILE})
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
  let values: { 'key-file'?: string; size?: string; force?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        'key-file': { type: 'string', short: 'k' },
        size: { type: 'string', short: 's' },
        force: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.err(`ringcast keygen: ${err instanceof Error ? err.message : String(err)}`);
    io.err(KEYGEN_USAGE);
    return 2;
  }
  if (values.help) {
    io.out(KEYGEN_USAGE);
    return 0;
  }
  const size = parseSize(values.size);
  if (size === undefined) {
    io.err(`ringcast keygen: --size must be an integer in ${KEY_LEN_MIN}..${KEY_LEN_MAX}, got ${JSON.stringify(values.size)}`);
    return 2;
  }
  const path = values['key-file'] ?? DEFAULT_KEY_FILE;
  if (path === '') {
    io.err('ringcast keygen: --key-file must not be empty');
    return 2;
  }
  const result = writeKeyFile(path, generateKey(size), { force: values.force === true });
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

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keygenCommand, type KeygenIo } from './keygen.js';

function capture(): KeygenIo & { lines: { out: string[]; err: string[] } } {
  const lines = { out: [] as string[], err: [] as string[] };
  return { lines, out: (l) => lines.out.push(l), err: (l) => lines.err.push(l) };
}

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ringcast-keygen-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('keygen -k FILE writes a 256-byte 0400 key and says so; exit 0', async (t) => {
  const path = join(scratch(t), 'conf', 'authkey');
  const io = capture();
  assert.equal(await keygenCommand(['-k', path], io), 0);
  assert.equal(readFileSync(path).length, 256);
  assert.equal(statSync(path).mode & 0o777, 0o400);
  assert.deepEqual(io.lines.out, [`Wrote a 256-byte (2048-bit) key to ${path} (mode 0400). Copy it to every node.`]);
});

test('keygen refuses to overwrite (exit 1) unless --force; --size sets the length', async (t) => {
  const path = join(scratch(t), 'authkey');
  assert.equal(await keygenCommand(['--key-file', path], capture()), 0);
  const before = readFileSync(path);
  const io = capture();
  assert.equal(await keygenCommand(['--key-file', path], io), 1);
  assert.match(io.lines.err[0]!, /already exists; not overwriting it without --force/);
  assert.deepEqual(readFileSync(path), before);
  assert.equal(await keygenCommand(['-k', path, '--force', '--size', '1024'], capture()), 0);
  assert.equal(readFileSync(path).length, 1024);
  assert.equal(await keygenCommand([`--key-file=${path}`, '--force', '-s', '128'], capture()), 0);
  assert.equal(readFileSync(path).length, 128);
});

test('usage errors exit 2: unknown option, bad size, positional, empty path; --help exits 0', async (t) => {
  const path = join(scratch(t), 'authkey');
  for (const args of [['--bogus'], ['-k', path, '--size', '127'], ['-k', path, '--size', '4097'], ['-k', path, '--size', '2e3'], ['extra'], ['-k', '']]) {
    const io = capture();
    assert.equal(await keygenCommand(args, io), 2, args.join(' '));
    assert.ok(io.lines.err.length > 0);
  }
  const bare = capture();
  assert.equal(await keygenCommand([], bare), 2, 'no -k: refused, nothing written under /etc');
  assert.deepEqual(bare.lines.err, ['ringcast keygen: say where to write the key with -k FILE, for example: ringcast keygen -k /etc/ringcast/authkey']);
  const typo = capture();
  assert.equal(await keygenCommand(['--key-fil', path], typo), 2);
  assert.match(typo.lines.err[0]!, /unknown option --key-fil \(did you mean --key-file\?\)/);
  const io = capture();
  assert.equal(await keygenCommand(['--help'], io), 0);
  assert.match(io.lines.out[0]!, /^Usage: ringcast keygen/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KEY_LEN_DEFAULT, KEY_LEN_MAX, KEY_LEN_MIN, generateKey, readKeyFile, writeKeyFile } from './keyfile.js';

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ringcast-key-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const isRoot = process.getuid?.() === 0;

test('generateKey: 256 random bytes by default (corosync-keygen 3.x), sizes 128..4096', () => {
  const a = generateKey();
  assert.equal(a.length, KEY_LEN_DEFAULT);
  assert.notDeepEqual(a, generateKey());
  assert.equal(generateKey(KEY_LEN_MIN).length, 128);
  assert.equal(generateKey(KEY_LEN_MAX).length, 4096);
  for (const bad of [KEY_LEN_MIN - 1, KEY_LEN_MAX + 1, 200.5]) assert.throws(() => generateKey(bad), RangeError);
});

test('writeKeyFile creates the parent directory and a 0400 file, and refuses to overwrite', (t) => {
  const dir = scratch(t);
  const path = join(dir, 'etc', 'ringcast', 'authkey');
  const key = generateKey();
  assert.deepEqual(writeKeyFile(path, key), { ok: true, path, bytes: key.length });
  assert.equal(statSync(path).mode & 0o777, 0o400);
  assert.deepEqual(readFileSync(path), key);

  const again = writeKeyFile(path, generateKey());
  assert.equal(again.ok, false);
  assert.equal(again.ok ? '' : again.code, 'EXISTS');
  assert.deepEqual(readFileSync(path), key, 'the old key is untouched');

  const replacement = generateKey(512);
  assert.equal(writeKeyFile(path, replacement, { force: true }).ok, true);
  assert.deepEqual(readFileSync(path), replacement);
  assert.equal(statSync(path).mode & 0o777, 0o400);
  assert.deepEqual(readKeyFile(path), { ok: true, key: replacement, warnings: [] });
});

test('writeKeyFile never follows a symlink without force, and rejects bad lengths', (t) => {
  const dir = scratch(t);
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'keep me');
  symlinkSync(victim, join(dir, 'authkey'));
  const result = writeKeyFile(join(dir, 'authkey'), generateKey());
  assert.equal(result.ok ? '' : result.code, 'EXISTS');
  assert.equal(readFileSync(victim, 'utf8'), 'keep me');
  const short = writeKeyFile(join(dir, 'short'), new Uint8Array(KEY_LEN_MIN - 1));
  assert.equal(short.ok ? '' : short.code, 'BAD_LENGTH');
});

test('writeKeyFile reports IO when the directory cannot be made', (t) => {
  const dir = scratch(t);
  writeFileSync(join(dir, 'file'), 'x');
  const result = writeKeyFile(join(dir, 'file', 'authkey'), generateKey());
  assert.equal(result.ok ? '' : result.code, 'IO');
});

test('readKeyFile: NOT_FOUND, BAD_LENGTH (short and long), IO for a directory', (t) => {
  const dir = scratch(t);
  const code = (path: string): string => {
    const r = readKeyFile(path);
    return r.ok ? 'ok' : r.code;
  };
  assert.equal(code(join(dir, 'missing')), 'NOT_FOUND');
  assert.equal(code(join(dir, 'missing', 'deeper')), 'NOT_FOUND');
  writeFileSync(join(dir, 'short'), new Uint8Array(KEY_LEN_MIN - 1), { mode: 0o400 });
  assert.equal(code(join(dir, 'short')), 'BAD_LENGTH');
  writeFileSync(join(dir, 'empty'), '', { mode: 0o400 });
  assert.equal(code(join(dir, 'empty')), 'BAD_LENGTH');
  writeFileSync(join(dir, 'long'), new Uint8Array(KEY_LEN_MAX + 1), { mode: 0o400 });
  assert.equal(code(join(dir, 'long')), 'BAD_LENGTH');
  writeFileSync(join(dir, 'min'), new Uint8Array(KEY_LEN_MIN).fill(1), { mode: 0o400 });
  assert.equal(code(join(dir, 'min')), 'ok');
  writeFileSync(join(dir, 'max'), new Uint8Array(KEY_LEN_MAX).fill(1), { mode: 0o400 });
  assert.equal(code(join(dir, 'max')), 'ok');
  mkdirSync(join(dir, 'adir'));
  assert.equal(code(join(dir, 'adir')), 'IO');
});

test('readKeyFile warns, but reads, when the key is group/world readable or writable', (t) => {
  const dir = scratch(t);
  const path = join(dir, 'authkey');
  writeFileSync(path, generateKey());
  chmodSync(path, 0o644);
  const readable = readKeyFile(path);
  assert.ok(readable.ok);
  assert.equal(readable.warnings.length, 1);
  assert.match(readable.warnings[0]!, /readable by group or others \(mode 0644\); run chmod 0400/);
  chmodSync(path, 0o666);
  const writable = readKeyFile(path);
  assert.ok(writable.ok);
  assert.equal(writable.warnings.length, 2);
});

test('readKeyFile: BAD_PERMISSIONS when this user may not read the file', (t) => {
  const dir = scratch(t);
  chmodSync(dir, 0o755);
  const path = join(dir, 'authkey');
  writeKeyFile(path, generateKey());
  if (!isRoot) {
    chmodSync(path, 0o000);
    const result = readKeyFile(path);
    assert.equal(result.ok ? '' : result.code, 'BAD_PERMISSIONS');
    return;
  }
  // root reads anything: ask an unprivileged child (nobody) to read root's 0400 key.
  const moduleUrl = new URL('./keyfile.js', import.meta.url).href;
  const child = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `import { readKeyFile } from ${JSON.stringify(moduleUrl)}; const r = readKeyFile(${JSON.stringify(path)}); process.stdout.write(r.ok ? 'ok' : r.code);`],
    { uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/' },
  );
  if (child.error || child.status !== 0) {
    t.skip(`cannot run a child as nobody here: ${child.error?.message ?? child.stderr}`);
    return;
  }
  assert.equal(child.stdout, 'BAD_PERMISSIONS', fileURLToPath(moduleUrl));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDirectory } from './directories.js';

test('makes missing parents and accepts an existing directory', () => {
  const base = mkdtempSync(join(tmpdir(), 'ringcast-dirs-'));
  try {
    const deep = join(base, 'a', 'b', 'c');
    ensureDirectory(deep, 0o700);
    assert.ok(statSync(deep).isDirectory());
    ensureDirectory(deep);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('a file in the way is named', () => {
  const base = mkdtempSync(join(tmpdir(), 'ringcast-dirs-'));
  try {
    writeFileSync(join(base, 'file'), '');
    assert.throws(() => ensureDirectory(join(base, 'file', 'x')), /cannot use .*file/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

// Node's recursive mkdirSync never returns here (the daemon hung at full CPU): this must fail at once.
test('a parent that refuses new entries (/proc) is an error, not a hang', { timeout: 5000, skip: !existsSync('/proc/self') }, () => {
  assert.throws(() => ensureDirectory('/proc/ringcast-no-such-dir/state'), /cannot make directory \/proc\/ringcast-no-such-dir/);
});

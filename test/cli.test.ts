/**
 * The operator's commands as an operator runs them: `ringcast keygen` and `ringcast status`,
 * and `ringcastd` refusing a bad configuration with the line and the key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RINGCAST = join(process.cwd(), 'dist/src/cli/ringcast.js');
const RINGCASTD = join(process.cwd(), 'dist/src/cli/ringcastd.js');

function run(script: string, args: string[], env: NodeJS.ProcessEnv = {}): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('ringcast keygen writes a 0400 key and refuses to overwrite it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringcast-cli-'));
  const key = join(dir, 'authkey');
  const first = run(RINGCAST, ['keygen', '-k', key]);
  assert.equal(first.code, 0, first.err);
  const st = statSync(key);
  assert.equal(st.mode & 0o777, 0o400);
  assert.ok(st.size >= 128);
  const second = run(RINGCAST, ['keygen', '-k', key]);
  assert.notEqual(second.code, 0);
  assert.match(second.err + second.out, /exist/i);
});

test('ringcast status finds the daemon through the flag or RINGCAST_STATE_DIR, and falls back to status.json of a live daemon', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringcast-status-'));
  const missing = run(RINGCAST, ['status', '--state-dir', dir]);
  assert.equal(missing.code, 2, 'no daemon: exit 2, as every command that needs one');
  assert.match(missing.err, /ringcastd is not running: nothing listens on .*ringcast\.sock/);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'status.json'), JSON.stringify({
    pid: process.pid, nodeId: 2, clusterName: 'lab', state: 'operational', ringId: '1.8', members: [1, 2, 3],
    since: new Date().toISOString(), updated: new Date().toISOString(), counters: { framesIn: 10 },
    rates: { tokenRotationsPerSec: 5, deliveriesPerSec: 7 },
  }));
  const text = run(RINGCAST, ['status'], { RINGCAST_STATE_DIR: dir });
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /Ring ID: 1\.8/);
  assert.match(text.out, /Members: 1 2 3/);
  const json = run(RINGCAST, ['status', '--state-dir', dir, '--json']);
  const parsed = JSON.parse(json.out) as { members: number[]; alive: boolean };
  assert.deepEqual(parsed.members, [1, 2, 3]);
  assert.equal(parsed.alive, true);
});

test('ringcastd names the line and the key of a bad configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringcastd-bad-'));
  const conf = join(dir, 'corosync.conf');
  writeFileSync(conf, 'totem {\n  version: 2\n  token: fast\n}\nnodelist {\n  node {\n    ring0_addr: 127.0.0.1\n    nodeid: 1\n  }\n}\n');
  const r = run(RINGCASTD, ['--config', conf, '--state-dir', dir]);
  assert.equal(r.code, 2);
  assert.match(r.err, /corosync\.conf:3: totem\.token/);
});

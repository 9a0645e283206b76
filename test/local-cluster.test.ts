/**
 * `npm start` as a newcomer sees it: how to reach each node, the terms, one line per ring, and
 * the ordering demonstration agreeing on every node; then a clean stop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOCAL = join(process.cwd(), 'dist/src/cli/local-cluster.js');

test('npm start: says how to reach each node, explains the terms, shows the ring of three and one delivery order', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ringcast-local-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [LOCAL, '--duration', '8', '--dir', join(dir, 'cluster')], { cwd: dir });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b));
  child.stderr.on('data', (b: Buffer) => (out += b));
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`npm start did not stop in 30 s:\n${out}`));
    }, 30_000);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  assert.equal(code, 0, out);
  for (const id of [1, 2, 3]) assert.match(out, new RegExp(`RINGCAST_STATE_DIR=cluster/node${id} npx ringcast `), 'the exact command, relative to where the user stands');
  assert.match(out, /Terms: a ring is/);
  assert.match(out, /transitional\s+configuration/);
  assert.match(out, /ring [0-9a-f]+\.[0-9a-f]+ formed with nodes 1, 2, 3\n/);
  assert.match(out, /ordering: the same order on every node/);
  const orders = [...out.matchAll(/ordering: node\d delivered (.*)\n/g)].map((m) => m[1]);
  assert.equal(orders.length, 3);
  assert.equal(new Set(orders).size, 1);
  assert.doesNotMatch(out, /probe|"level"/, 'no path-probe chatter, no raw JSON');
  assert.match(out, /npx ringcast check cluster\/node\*\.history\.jsonl/);
});

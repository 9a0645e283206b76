/**
 * cmap against Corosync 3.1 itself, in network namespaces (issue 13 item 3 with issue 14's mixed
 * ring): the config-version exchange crosses engines both ways in Corosync's MCAST layout (in
 * sync, and again when the version changes), and `ringcast cmap get` prints the same lines as
 * `corosync-cmapctl -g` for the same keys.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labAvailable } from './lab/netns.js';
import { waitFor } from './lab/daemon-cluster.js';
import { corosyncAvailable, MixedRing } from './lab/mixed-ring.js';

const lab = labAvailable();
const corosync = corosyncAvailable();
const skip = !lab.ok ? lab.reason : !corosync.ok ? corosync.reason : false;
const CLI = join(process.cwd(), 'dist/src/cli/ringcast.js');
const rings: MixedRing[] = [];

after(async () => {
  for (const r of rings) await r.destroy();
});

/** `corosync-cmapctl ARGS` on a Corosync node, `ringcast cmap ARGS` on a ringcast node: stdout, or '' on failure. */
function cmapctl(r: MixedRing, id: number, args: string[]): string {
  const n = r.nodes[id - 1]!;
  const [cmd, full] = n.engine === 'corosync' ? ['corosync-cmapctl', args] : [process.execPath, [CLI, 'cmap', ...args, '--state-dir', join(n.dir, 'state')]];
  try {
    return execFileSync('ip', ['netns', 'exec', r.lab.nodes[id - 1]!.ns, cmd, ...full], { encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return '';
  }
}

test('cmap across engines: config versions exchanged both ways in sync and on change; the same lines as corosync-cmapctl', { skip, timeout: 150_000 }, async () => {
  const r = new MixedRing(['corosync', 'corosync', 'ringcast']);
  rings.push(r);
  // Every node's file carries config_version 2 (the lab's files have none).
  for (const n of r.nodes) {
    const conf = join(n.dir, 'node.conf');
    writeFileSync(conf, readFileSync(conf, 'utf8').replace('token_coefficient: 0\n', 'token_coefficient: 0\n  config_version: 2\n'));
  }
  await r.form();
  // In sync: Corosync stored ringcast's version, ringcast stored Corosync's.
  await waitFor('node 1 (Corosync) heard node 3 (ringcast)', () => cmapctl(r, 1, ['-g', 'runtime.members.3.config_version']) === 'runtime.members.3.config_version (u64) = 2\n', 15_000);
  assert.equal(cmapctl(r, 3, ['get', 'runtime.members.1.config_version', 'runtime.members.2.config_version']),
    'runtime.members.1.config_version (u64) = 2\nruntime.members.2.config_version (u64) = 2\n');
  // The same keys print the same lines on both engines.
  const keys = ['totem.cluster_name', 'totem.token', 'totem.config_version', 'nodelist.node.0.nodeid', 'nodelist.node.2.name', 'quorum.provider',
    'runtime.members.1.ip', 'runtime.members.2.status', 'runtime.config.totem.token'];
  const corosyncLines = keys.map((k) => cmapctl(r, 1, ['-g', k]));
  const ringcastLines = keys.map((k) => cmapctl(r, 3, ['get', k]));
  assert.deepEqual(ringcastLines, corosyncLines);
  assert.ok(corosyncLines.every((l) => l.length > 0), `every key present: ${JSON.stringify(corosyncLines)}`);
  // A change outside sync: NEW_CONFIG_VERSION from ringcast reaches Corosync, and from Corosync reaches ringcast.
  assert.equal(cmapctl(r, 3, ['set', 'totem.config_version', 'u64', '5']), '');
  await waitFor('Corosync heard the new version', () => cmapctl(r, 1, ['-g', 'runtime.members.3.config_version']) === 'runtime.members.3.config_version (u64) = 5\n', 15_000);
  execFileSync('ip', ['netns', 'exec', r.lab.nodes[1]!.ns, 'corosync-cmapctl', '-s', 'totem.config_version', 'u64', '6'], { stdio: 'ignore', timeout: 15_000 });
  await waitFor('ringcast heard Corosync\'s new version', () => cmapctl(r, 3, ['get', 'runtime.members.2.config_version']) === 'runtime.members.2.config_version (u64) = 6\n', 15_000);
});

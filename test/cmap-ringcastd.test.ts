/**
 * cmap in a real ringcastd process: the file's keys as Corosync names and types them, the
 * votequorum and runtime keys the daemon fills, read through `ringcast cmap` as another process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPorts } from '../src/net/testing.js';

const RINGCASTD = join(process.cwd(), 'dist/src/cli/ringcastd.js');
const RINGCAST = join(process.cwd(), 'dist/src/cli/ringcast.js');

test('ringcastd fills cmap from its file and its runtime; ringcast cmap reads it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringcastd-cmap-'));
  const [port] = await freeUdpPorts(1);
  const conf = join(dir, 'corosync.conf');
  writeFileSync(conf, `totem {\n  version: 2\n  cluster_name: cmaplab\n  token: 1000\n  config_version: 4\n  crypto_cipher: none\n  crypto_hash: none\n  mcastport: ${port}\n}\n` +
    'nodelist {\n  node {\n    ring0_addr: 127.0.0.1\n    nodeid: 1\n    name: alpha\n  }\n}\n' +
    'quorum {\n  provider: corosync_votequorum\n  expected_votes: 1\n}\nlogging {\n  to_stderr: yes\n}\n');
  const stateDir = join(dir, 'state');
  const daemon = spawn(process.execPath, [RINGCASTD, '--config', conf, '--state-dir', stateDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  daemon.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  try {
    const started = Date.now();
    while (!/ready to provide service/.test(err)) {
      if (daemon.exitCode !== null || Date.now() - started > 15_000) throw new Error(`ringcastd did not become ready:\n${err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const keys = ['totem.cluster_name', 'totem.config_version', 'totem.token', 'nodelist.node.0.name', 'nodelist.node.0.nodeid', 'nodelist.local_node_pos',
      'quorum.provider', 'quorum.expected_votes', 'logging.to_stderr', 'runtime.votequorum.this_node_id', 'runtime.votequorum.two_node',
      'runtime.services.votequorum.service_id', 'internal_configuration.service.5.name', 'runtime.members.1.status'];
    const r = spawnSync(process.execPath, [RINGCAST, 'cmap', 'get', ...keys, '--state-dir', stateDir], { encoding: 'utf8' });
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    assert.equal(r.stdout, [
      'totem.cluster_name (str) = cmaplab', 'totem.config_version (u64) = 4', 'totem.token (u32) = 1000', 'nodelist.node.0.name (str) = alpha',
      'nodelist.node.0.nodeid (u32) = 1', 'nodelist.local_node_pos (u32) = 0', 'quorum.provider (str) = corosync_votequorum',
      'quorum.expected_votes (u32) = 1', 'logging.to_stderr (str) = yes', 'runtime.votequorum.this_node_id (u32) = 1',
      'runtime.votequorum.two_node (u8) = 0', 'runtime.services.votequorum.service_id (u16) = 5',
      'internal_configuration.service.5.name (str) = corosync_votequorum', 'runtime.members.1.status (str) = joined', '',
    ].join('\n'));
    const ro = spawnSync(process.execPath, [RINGCAST, 'cmap', 'set', 'quorum.wait_for_all', 'u8', '1', '--state-dir', stateDir], { encoding: 'utf8' });
    assert.deepEqual([ro.status, ro.stderr], [1, 'Failed to set key quorum.wait_for_all. Error CS_ERR_ACCESS\n']);
  } finally {
    if (daemon.exitCode === null && daemon.signalCode === null) {
      const exited = new Promise((r) => daemon.once('exit', r));
      daemon.kill('SIGTERM');
      await exited;
    }
  }
  const down = spawnSync(process.execPath, [RINGCAST, 'cmap', 'get', 'totem.token', '--state-dir', stateDir], { encoding: 'utf8' });
  assert.equal(down.status, 1, 'no daemon: exit 1, as corosync-cmapctl');
  assert.match(down.stderr, /^Failed to initialize the cmap API\. Error CS_ERR_LIBRARY\n/);
});

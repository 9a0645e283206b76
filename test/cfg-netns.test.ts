/**
 * `ringcast cfg status` on three ringcastd processes in network namespaces (10.77.x.1-3, one
 * address per node, as in production): all connected; a 1,2 | 3 partition shows node 3
 * disconnected from node 1 (and 1, 2 from node 3); the heal connects them again. Text compared
 * line by line with corosync-cfgtool -s's layout.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { labAvailable } from './lab/netns.js';
import { DaemonCluster, waitFor } from './lab/daemon-cluster.js';

const available = labAvailable();
const skip = available.ok ? false : available.reason;
const CLI = join(process.cwd(), 'dist/src/cli/ringcast.js');
let c: DaemonCluster;

before(() => {
  if (!skip) c = new DaemonCluster(3, 'ringcast-cfg-netns-');
});

after(async () => {
  if (!skip) await c.destroy();
});

function cfgStatus(id: number, ...flags: string[]): string[] {
  const r = spawnSync(process.execPath, [CLI, 'cfg', 'status', ...flags, '--state-dir', c.members[id - 1]!.stateDir], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n');
}

const expected = (id: number, words: string[]): string[] => [
  `Local node ID ${id}, transport udpu`,
  'LINK ID 0 ',
  `\taddr\t= ${c.lab.address(id)}`,
  '\tstatus:',
  ...words.map((w, i) => `\t\tnodeid:          ${i + 1}:\t${w}`),
  '',
];

/** Polls the tool (each call a separate process) until its status lines read `words`. */
async function until(id: number, words: string[], timeoutMs: number): Promise<void> {
  let last: string[] = [];
  await waitFor(`node ${id}: ${words.join(' ')}`, () => {
    last = cfgStatus(id);
    return JSON.stringify(last) === JSON.stringify(expected(id, words));
  }, timeoutMs).catch((err: Error) => {
    throw new Error(`${err.message}; last output:\n${last.join('\n')}`);
  });
}

test('cfg status in namespaces: connected, a partition shows the other side disconnected, the heal reconnects', { skip, timeout: 180_000 }, async () => {
  for (const m of c.members) c.start(m, c.config, '20:64');
  await waitFor('a ring of three', c.ringOf([1, 2, 3]), 30_000);
  assert.deepEqual(cfgStatus(1), expected(1, ['localhost', 'connected', 'connected']));
  assert.deepEqual(cfgStatus(3, '--brief').slice(3), ['\tstatus\t= 33n', '']);

  c.lab.partition([[1, 2], [3]]);
  await waitFor('rings 1,2 and 3', () => c.ringOf([1, 2])() && c.ringOf([3])(), 30_000);
  await until(1, ['localhost', 'connected', 'disconnected'], 15_000);
  await until(3, ['disconnected', 'disconnected', 'localhost'], 15_000);

  c.lab.heal();
  // A deadline, not a wait: generous because the machine may be loaded (the merge takes about a second when idle).
  await waitFor('one ring of three after the heal', c.ringOf([1, 2, 3]), 60_000).catch((err: Error) => {
    throw new Error(`${err.message}\nstatus: ${JSON.stringify(c.members.map((m) => c.status(m)).map((s) => s && { state: s.state, ring: s.ringId, members: s.members }))}\n` +
      c.members.map((m) => `--- node ${m.id}\n${m.log.slice(-1500)}`).join('\n'));
  });
  await until(3, ['connected', 'connected', 'localhost'], 15_000);
});

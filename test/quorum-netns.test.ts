/**
 * votequorum on five ringcastd processes in network namespaces: a 2|3 partition where only the
 * three stay quorate and the two block (`ringcast quorum` exits 0 on one side, 2 on the other),
 * then the network heals and all five are quorate again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labAvailable } from './lab/netns.js';
import { DaemonCluster, waitFor } from './lab/daemon-cluster.js';

const available = labAvailable();
const skip = available.ok ? false : available.reason;
const CLI = join(process.cwd(), 'dist/src/cli/ringcast.js');
let c: DaemonCluster;

before(() => {
  if (!skip) c = new DaemonCluster(5, 'ringcast-quorum-netns-');
});

after(async () => {
  if (!skip) await c.destroy();
});

function quorumTool(id: number): { code: number | null; stdout: string } {
  const r = spawnSync(process.execPath, [CLI, 'quorum', '--state-dir', c.members[id - 1]!.stateDir], { encoding: 'utf8', timeout: 15_000 });
  return { code: r.status, stdout: r.stdout };
}

const quorate = (id: number): boolean | undefined => c.status(c.members[id - 1]!)?.quorate;

test('five daemons with votequorum: a 2|3 partition leaves only the three quorate; the heal makes all five quorate', { skip, timeout: 120_000 }, async () => {
  writeFileSync(c.config, `${readFileSync(c.config, 'utf8')}quorum {\n  provider: corosync_votequorum\n}\n`);
  for (const m of c.members) c.start(m, c.config, '20:64');
  await waitFor('a ring of five', c.ringOf([1, 2, 3, 4, 5]), 30_000);
  await waitFor('five quorate nodes', () => [1, 2, 3, 4, 5].every((id) => quorate(id) === true), 10_000);
  const all = quorumTool(1);
  assert.equal(all.code, 0);
  assert.ok(all.stdout.includes('Nodes:            5\n') && all.stdout.includes('Quorum:           3  \n'), all.stdout);

  c.lab.partition([[1, 2], [3, 4, 5]]);
  await waitFor('two rings, 1,2 and 3,4,5', () => c.ringOf([1, 2])() && c.ringOf([3, 4, 5])(), 20_000);
  await waitFor('1,2 blocked and 3,4,5 quorate', () => [1, 2].every((id) => quorate(id) === false) && [3, 4, 5].every((id) => quorate(id) === true), 10_000);
  const three = quorumTool(3);
  assert.equal(three.code, 0);
  assert.ok(three.stdout.includes('Total votes:      3\n') && three.stdout.includes('Quorum:           3  \n'), three.stdout);
  const two = quorumTool(1);
  assert.equal(two.code, 2);
  assert.ok(two.stdout.includes('Quorate:          No\n') && two.stdout.includes('Quorum:           3 Activity blocked\n'), two.stdout);

  c.lab.heal();
  await waitFor('one ring of five after the heal', c.ringOf([1, 2, 3, 4, 5]), 30_000);
  await waitFor('five quorate nodes after the heal', () => [1, 2, 3, 4, 5].every((id) => quorate(id) === true), 10_000);
  assert.equal(quorumTool(2).code, 0);
  assert.match(c.members[0]!.log, /This node is within the non-primary component and will NOT provide any services\./);
  assert.match(c.members[0]!.log, /This node is within the primary component and will provide service\./);

  // Crashes (SIGKILL, no goodbye): three of five still hold quorum 3, two do not; the operator
  // then lowers expected votes and the two may act.
  const kill = (id: number): void => void c.members[id - 1]!.proc!.kill('SIGKILL');
  kill(4);
  kill(5);
  await waitFor('a ring of 1,2,3 after two crashes', c.ringOf([1, 2, 3]), 30_000);
  await waitFor('1,2,3 still quorate', () => [1, 2, 3].every((id) => quorate(id) === true), 10_000);
  assert.equal(quorumTool(1).code, 0);
  kill(3);
  await waitFor('a ring of 1,2 after a third crash', c.ringOf([1, 2]), 30_000);
  await waitFor('1,2 not quorate', () => [1, 2].every((id) => quorate(id) === false), 10_000);
  assert.equal(quorumTool(2).code, 2);
  const set = spawnSync(process.execPath, [CLI, 'quorum', '--set-expected', '2', '--state-dir', c.members[0]!.stateDir], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(set.status, 0, set.stderr);
  await waitFor('1,2 quorate with expected votes 2', () => [1, 2].every((id) => quorate(id) === true), 10_000);
  const after = quorumTool(2);
  assert.equal(after.code, 0);
  assert.ok(after.stdout.includes('Expected votes:   2\n') && after.stdout.includes('Quorum:           2  \n'), after.stdout);
});

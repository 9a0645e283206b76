/**
 * votequorum's options on real ringcastd processes in network namespaces, one lab of four nodes
 * shared by the file (each test writes its own configuration and starts from empty state
 * directories): two_node with one node killed, wait_for_all at a cold start, last_man_standing
 * stepping down node by node (short window), auto_tie_breaker on an even 2|2 split, and
 * allow_downscale's LEAVING notice on a clean stop (SIGTERM). `ringcast quorum` is read as an
 * operator would; each step waits on the daemons' status files with a deadline.
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labAvailable } from './lab/netns.js';
import { DaemonCluster, waitFor } from './lab/daemon-cluster.js';

const available = labAvailable();
const skip = available.ok ? false : available.reason;
const CLI = join(process.cwd(), 'dist/src/cli/ringcast.js');
let c: DaemonCluster;

before(() => {
  if (!skip) c = new DaemonCluster(4, 'ringcast-quorum-options-netns-');
});

after(async () => {
  if (!skip) await c.destroy();
});

beforeEach(async () => {
  if (skip) return;
  await c.stopAll();
  c.lab.heal();
  for (const m of c.members) {
    rmSync(m.stateDir, { recursive: true, force: true });
    m.log = '';
  }
});

/** A configuration of nodes 1..size with this quorum section; returns its path. */
function configure(name: string, size: number, quorum: string): string {
  const path = join(c.dir, `${name}.conf`);
  c.writeConfig(path, size);
  writeFileSync(path, `${readFileSync(path, 'utf8')}quorum {\n  provider: corosync_votequorum\n${quorum}}\n`);
  return path;
}

function start(config: string, ...ids: number[]): void {
  for (const id of ids) c.start(c.members[id - 1]!, config, '20:64');
}

function kill(id: number): void {
  c.members[id - 1]!.proc!.kill('SIGKILL');
}

function quorumTool(id: number): { code: number | null; stdout: string } {
  const r = spawnSync(process.execPath, [CLI, 'quorum', '--json', '--state-dir', c.members[id - 1]!.stateDir], { encoding: 'utf8', timeout: 15_000 });
  return { code: r.status, stdout: r.stdout };
}

interface QuorumJson { quorate: boolean; expectedVotes: number; highestExpected: number; totalVotes: number; quorum: number; flags: string[] }

/** `ringcast quorum --json` of node id, with its exit code checked against quorate (0 / 2). */
function tool(id: number): QuorumJson {
  const r = quorumTool(id);
  const j = JSON.parse(r.stdout) as QuorumJson;
  assert.equal(r.code, j.quorate ? 0 : 2, `exit code of ringcast quorum on node ${id}`);
  return j;
}

const pick = (j: QuorumJson): [boolean, number, number, number] => [j.quorate, j.expectedVotes, j.totalVotes, j.quorum];
const quorate = (id: number): boolean | undefined => c.status(c.members[id - 1]!)?.quorate;

test('two_node: quorum 1 once both were seen; one node killed, the other stays quorate', { skip, timeout: 60_000 }, async () => {
  const config = configure('two-node', 2, '  two_node: 1\n');
  start(config, 1, 2);
  await waitFor('a ring of 1,2', c.ringOf([1, 2]), 30_000);
  await waitFor('1 and 2 quorate', () => quorate(1) === true && quorate(2) === true, 10_000);
  const both = tool(1);
  assert.deepEqual(pick(both), [true, 2, 2, 1]);
  assert.deepEqual(both.flags, ['2Node', 'Quorate', 'WaitForAll']);
  kill(2);
  await waitFor('node 1 alone', c.ringOf([1]), 30_000);
  assert.deepEqual(pick(tool(1)), [true, 2, 1, 1], 'the survivor keeps quorum');
});

test('wait_for_all at a cold start: two of three have the votes but wait for the third', { skip, timeout: 60_000 }, async () => {
  const config = configure('wfa', 3, '  wait_for_all: 1\n');
  start(config, 1, 2);
  await waitFor('a ring of 1,2', c.ringOf([1, 2]), 30_000);
  const waiting = tool(1);
  assert.deepEqual(pick(waiting), [false, 3, 2, 2], '2 votes reach quorum 2, but wait_for_all holds');
  assert.deepEqual(waiting.flags, ['WaitForAll']);
  start(config, 3);
  await waitFor('a ring of 1,2,3', c.ringOf([1, 2, 3]), 30_000);
  await waitFor('all three quorate', () => [1, 2, 3].every((id) => quorate(id) === true), 10_000);
  kill(3);
  await waitFor('a ring of 1,2', c.ringOf([1, 2]), 30_000);
  assert.deepEqual(pick(tool(2)), [true, 3, 2, 2], 'seen all once: 2 of 3 now hold quorum');
});

test('last_man_standing: with a 2 s window, four step down to three, then to two, still quorate', { skip, timeout: 60_000 }, async () => {
  const config = configure('lms', 4, '  last_man_standing: 1\n  last_man_standing_window: 2000\n');
  start(config, 1, 2, 3, 4);
  await waitFor('a ring of four', c.ringOf([1, 2, 3, 4]), 30_000);
  await waitFor('four quorate', () => [1, 2, 3, 4].every((id) => quorate(id) === true), 10_000);
  kill(4);
  await waitFor('a ring of 1,2,3', c.ringOf([1, 2, 3]), 30_000);
  await waitFor('expected votes 3 after the window', () => tool(1).expectedVotes === 3, 10_000);
  assert.deepEqual(pick(tool(1)), [true, 3, 3, 2]);
  kill(3);
  await waitFor('a ring of 1,2', c.ringOf([1, 2]), 30_000);
  // Without last man standing 2 of 4 expected would block here.
  assert.equal(tool(2).quorate, true, 'two of the original four hold quorum 2');
  await waitFor('expected votes 2 after the window', () => tool(2).expectedVotes === 2, 10_000);
  assert.deepEqual(pick(tool(2)), [true, 2, 2, 2]);
  assert.ok(tool(2).flags.includes('LastManStanding'));
});

test('auto_tie_breaker: an even 2|2 split leaves the half with the lowest node id quorate', { skip, timeout: 60_000 }, async () => {
  const config = configure('atb', 4, '  auto_tie_breaker: 1\n');
  start(config, 1, 2, 3, 4);
  await waitFor('a ring of four', c.ringOf([1, 2, 3, 4]), 30_000);
  await waitFor('four quorate', () => [1, 2, 3, 4].every((id) => quorate(id) === true), 10_000);
  c.lab.partition([[1, 2], [3, 4]]);
  await waitFor('two rings, 1,2 and 3,4', () => c.ringOf([1, 2])() && c.ringOf([3, 4])(), 30_000);
  await waitFor('1,2 quorate and 3,4 blocked', () => [1, 2].every((id) => quorate(id) === true) && [3, 4].every((id) => quorate(id) === false), 10_000);
  const low = tool(1);
  assert.deepEqual(pick(low), [true, 4, 2, 3]);
  assert.deepEqual(low.flags, ['Quorate', 'AutoTieBreaker']);
  assert.deepEqual(pick(tool(4)), [false, 4, 2, 3]);
  c.lab.heal();
  await waitFor('one ring of four', c.ringOf([1, 2, 3, 4]), 30_000);
  await waitFor('four quorate after the heal', () => [1, 2, 3, 4].every((id) => quorate(id) === true), 10_000);
});

test('allow_downscale: a SIGTERM sends LEAVING; the others take the node out and expected votes shrink', { skip, timeout: 60_000 }, async () => {
  const config = configure('downscale', 3, '  allow_downscale: 1\n');
  start(config, 1, 2, 3);
  await waitFor('a ring of three', c.ringOf([1, 2, 3]), 30_000);
  await waitFor('three quorate', () => [1, 2, 3].every((id) => quorate(id) === true), 10_000);
  const m3 = c.members[2]!;
  const exited = new Promise((resolve) => m3.proc!.once('exit', resolve));
  m3.proc!.kill('SIGTERM');
  await exited;
  assert.match(m3.log, /LEAVING sent/);
  await waitFor('a ring of 1,2', c.ringOf([1, 2]), 30_000);
  assert.deepEqual(pick(tool(1)), [true, 2, 2, 2], 'expected votes 2 (quorum stays at the barrier\'s 2)');
  // The barrier is on disk, as Corosync's ev_tracking file.
  assert.equal(readFileSync(join(c.members[0]!.stateDir, 'ev_tracking')).readUInt32LE(0), 3);
});

/**
 * `ringcast clm nodes|track` against in-process daemons: the stable JSON fields in order, a join
 * seen by `track --count`, `--changes-only`, `--timeout-ms` ending with exit 0, usage errors (2),
 * and no daemon (2).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeUdpPorts, startTestDaemon, waitFor, type TestDaemon } from '../daemon/testing.js';

const CLI = join(fileURLToPath(new URL('.', import.meta.url)), 'ringcast.js');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runCli(args: string[], stateDir: string, deadlineMs = 15_000): Promise<Run> & { out: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, RINGCAST_STATE_DIR: stateDir } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  const done = new Promise<Run>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ringcast ${args.join(' ')} did not finish in ${deadlineMs} ms; stderr: ${stderr}`));
    }, deadlineMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return Object.assign(done, { out: () => stdout });
}

const lines = (s: string): Record<string, unknown>[] => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

test('ringcast clm nodes and track: stable JSON, a join counted, changes only, timeout', { timeout: 60_000 }, async (t) => {
  const ports = await freeUdpPorts(2);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  const a = await startTestDaemon({ nodeId: 1, nodes, waitMembers: 1, overrides: { nodeName: 'n1' } });
  let b: TestDaemon | undefined;
  t.after(async () => {
    await b?.stop();
    await a.stop();
  });

  const listed = await runCli(['clm', 'nodes', '--json'], a.stateDir);
  assert.equal(listed.code, 0, listed.stderr);
  const [view] = lines(listed.stdout);
  assert.deepEqual(Object.keys(view!), ['viewNumber', 'nodes']);
  const [me] = view!.nodes as Record<string, unknown>[];
  assert.deepEqual(Object.keys(me!), ['nodeId', 'name', 'address', 'member', 'bootTimestamp', 'initialViewNumber']);
  assert.equal(me!.name, 'n1');
  assert.equal(me!.address, '127.0.0.1');
  assert.equal(me!.member, true);
  assert.match(me!.bootTimestamp as string, /^\d+$/);
  assert.equal(typeof view!.viewNumber, 'number');

  const text = await runCli(['clm', 'nodes'], a.stateDir);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /View \d+: 1 member\(s\)/);

  // track: the current view, then the join of node 2: --count 2 ends it.
  const full = runCli(['clm', 'track', '--count', '2', '--json'], a.stateDir);
  const only = runCli(['clm', 'track', '--changes-only', '--count', '1', '--json'], a.stateDir);
  await waitFor('both trackers registered', () => a.daemon.host.clm.core.trackers === 2 && full.out().length > 0);
  b = await startTestDaemon({ nodeId: 2, nodes, waitMembers: 0 });
  const [fullRun, onlyRun] = await Promise.all([full, only]);
  assert.equal(fullRun.code, 0, fullRun.stderr);
  const [current, joined] = lines(fullRun.stdout);
  assert.deepEqual(Object.keys(current!), ['viewNumber', 'numberOfMembers', 'items']);
  assert.deepEqual((current!.items as { change: string }[]).map((i) => i.change), ['NO_CHANGE']);
  assert.equal(joined!.numberOfMembers, 2);
  const items = joined!.items as Record<string, unknown>[];
  assert.deepEqual(Object.keys(items[1]!), ['nodeId', 'change', 'member', 'name', 'address', 'bootTimestamp', 'initialViewNumber']);
  assert.deepEqual(items.map((i) => `${i.nodeId}:${i.change}`), ['1:NO_CHANGE', '2:JOINED']);
  assert.equal(onlyRun.code, 0, onlyRun.stderr);
  assert.deepEqual(lines(onlyRun.stdout).map((n) => (n.items as { nodeId: number; change: string }[]).map((i) => `${i.nodeId}:${i.change}`)), [['2:JOINED']]);

  // --timeout-ms: nothing changes, exit 0 after the current view.
  const started = Date.now();
  const quiet = await runCli(['clm', 'track', '--timeout-ms', '300', '--json'], a.stateDir);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(lines(quiet.stdout).length, 1);
  assert.ok(Date.now() - started >= 300);
});

test('ringcast clm: usage errors and no daemon exit 2', async () => {
  for (const args of [['clm'], ['clm', 'bogus'], ['clm', 'track', '--count', '0'], ['clm', 'track', '--timeout-ms', 'x'], ['clm', 'nodes', '--count', '3'], ['clm', 'nodes', '--what']]) {
    const r = await runCli(args, '/nonexistent');
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /usage: ringcast clm/);
  }
  const r = await runCli(['clm', 'nodes'], '/nonexistent-state-dir');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not running/);
});

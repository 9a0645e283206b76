/**
 * cfg on real daemons (in-process, UDP loopback) with `ringcast cfg` as a separate process:
 * `cfg status` line by line against corosync-cfgtool -s's layout (and -b, and --json) before and
 * after a peer stops; `cfg shutdown` with a registered client that refuses, one that agrees, one
 * that never answers (the timeout, then --force), and none registered; every node logs the
 * shutdown and the stopped node's peers re-form without it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, RingcastError, type CfgLinkStatus } from '../client/index.js';
import { freeUdpPorts, startTestDaemon, waitFor, type TestDaemon } from './testing.js';

const CLI = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'cli', 'ringcast.js');

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, RINGCAST_STATE_DIR: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`ringcast ${args.join(' ')}: no exit in 20 s`))), 20_000);
    child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
  });
}

async function startRing(t: { after(fn: () => Promise<unknown>): void }, n: number, shutdownTimeoutMs = 5000): Promise<TestDaemon[]> {
  const ports = await freeUdpPorts(n);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  const ds = await Promise.all(nodes.map((node) => startTestDaemon({
    nodeId: node.nodeId, nodes, waitMembers: 0, overrides: { cfg: { transport: 'udpu', shutdownTimeoutMs: () => shutdownTimeoutMs } },
  })));
  t.after(() => Promise.all(ds.map((d) => d.stop())));
  await waitFor(`a synced ring of ${n}`, () => ds.every((d) => d.daemon.node.status().members.length === n && d.daemon.host.exec.syncState === 'done'), 20_000);
  return ds;
}

/** The cfg shutdown started this daemon's planned stop (it drains); then its stop() promise (the same one) settles. */
async function stopped(d: TestDaemon): Promise<void> {
  await waitFor(`node ${d.daemon.node.nodeId} draining after cfg shutdown`, () => d.daemon.host.draining, 20_000);
  await d.stop();
}

test('cfg status: corosync-cfgtool -s line by line, -b and --json; a stopped peer reads disconnected', async (t) => {
  const ds = await startRing(t, 3);
  const dir = ['--state-dir', ds[0]!.stateDir];
  const s = await runCli(['cfg', 'status', ...dir]);
  assert.equal(s.code, 0, s.stderr);
  assert.deepEqual(s.stdout.split('\n'), [
    'Local node ID 1, transport udpu',
    'LINK ID 0 ',
    '\taddr\t= 127.0.0.1',
    '\tstatus:',
    '\t\tnodeid:          1:\tlocalhost',
    '\t\tnodeid:          2:\tconnected',
    '\t\tnodeid:          3:\tconnected',
    '',
  ]);
  const b = await runCli(['cfg', 'status', '--brief', ...dir]);
  assert.deepEqual(b.stdout.split('\n').slice(1), ['LINK ID 0 ', '\taddr\t= 127.0.0.1', '\tstatus\t= n33', '']);
  const j = await runCli(['cfg', 'status', '--json', ...dir]);
  const js = JSON.parse(j.stdout) as CfgLinkStatus;
  assert.equal(js.localNodeId, 1);
  assert.equal(js.operational, true);
  assert.match(js.ringId, /^[0-9a-f]+\.[0-9a-f]+$/);
  assert.deepEqual(js.links[0]!.nodes.map((n) => [n.nodeId, n.status, n.member, n.local]), [[1, 'localhost', true, true], [2, 'connected', true, false], [3, 'connected', true, false]]);
  // Heard since start (an idle ring's token comes only from the predecessor, so the age varies).
  assert.ok(js.links[0]!.nodes.slice(1).every((n) => typeof n.heardAgoMs === 'number' && n.heardAgoMs >= 0), `peers were heard from: ${j.stdout}`);

  await ds[2]!.stop();
  await waitFor('a ring of two', () => ds[0]!.daemon.node.status().members.length === 2 && ds[0]!.daemon.node.status().state === 'operational', 20_000);
  // Out of the ring and silent for longer than the effective token timeout: disconnected.
  const n1 = ds[0]!.daemon.node;
  await waitFor('node 3 silent for a token timeout', () => (n1.heardAgoMs(3) ?? Infinity) > n1.tokenTimeoutMs, 20_000);
  const after = await runCli(['cfg', 'status', ...dir]);
  assert.equal(after.stdout.split('\n')[6], '\t\tnodeid:          3:\tdisconnected');
  const briefAfter = await runCli(['cfg', 'status', '--brief', ...dir]);
  assert.equal(briefAfter.stdout.split('\n')[3], '\tstatus\t= n31');
  // Usage errors: exit 2 with the usage text.
  const bad = await runCli(['cfg', 'status', '--force', ...dir]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--force goes with cfg shutdown/);
  const none = await runCli(['cfg', 'frobnicate', ...dir]);
  assert.equal(none.code, 2);
});

test('cfg shutdown: a registered client that refuses vetoes it (exit 1, CS_ERR_BUSY); one that agrees lets it through; every node logs it; the peers re-form', async (t) => {
  const ds = await startRing(t, 2);
  const client = await connect({ stateDir: ds[0]!.stateDir });
  t.after(() => client.close());
  const app = await client.cfg();
  let answer = false;
  const asked: string[] = [];
  await app.onShutdownRequest((req) => (asked.push(req.flags), answer));
  const refused = await runCli(['cfg', 'shutdown', '--state-dir', ds[0]!.stateDir]);
  assert.equal(refused.code, 1);
  assert.equal(refused.stdout, 'Shutting down corosync\n');
  assert.match(refused.stderr, /^Could not shutdown \(error = 10\) CS_ERR_BUSY/);
  assert.deepEqual(asked, ['request']);
  assert.equal(ds[0]!.daemon.node.status().state, 'operational', 'still running');
  assert.ok(ds[0]!.logs.some((l) => /shutdown decision is: \(yes count: 0, no count: 1\) flags=0: cancelled/.test(l.msg)));

  // Through the library this time, and the client agrees.
  answer = true;
  const tool = await client.cfg();
  await tool.shutdown();
  assert.deepEqual(asked, ['request', 'request']);
  assert.equal(app.stats.answeredYes, 1);
  await stopped(ds[0]!);
  await waitFor('node 2 alone', () => ds[1]!.daemon.node.status().members.length === 1 && ds[1]!.daemon.node.status().state === 'operational', 20_000);
  for (const d of ds) assert.ok(d.logs.some((l) => l.msg === 'Node 1 was shut down by sysadmin'), `node ${d.daemon.node.nodeId} logs the shutdown`);
  assert.ok(ds[0]!.logs.some((l) => /drained in \d+ ms: every accepted message was delivered/.test(l.msg)), 'the stop drained as on SIGTERM');
});

test('cfg shutdown: a client that never answers is a no after cfg.shutdown_timeout (CS_ERR_BUSY, it hears the timeout); --force stops anyway; with nobody registered it stops at once', async (t) => {
  const ds = await startRing(t, 2, 300);
  const client = await connect({ stateDir: ds[0]!.stateDir });
  t.after(() => client.close());
  const app = await client.cfg();
  await app.onShutdownRequest(() => new Promise<boolean>(() => {}));
  const tool = await client.cfg();
  const started = Date.now();
  await assert.rejects(tool.shutdown(), (err: unknown) => err instanceof RingcastError && err.code === 'CS_ERR_BUSY');
  assert.ok(Date.now() - started >= 250, 'decided by the timeout');
  await waitFor('the client heard the timeout', () => app.stats.timeouts === 1, 5_000);
  const forced = await runCli(['cfg', 'shutdown', '--force', '--state-dir', ds[0]!.stateDir]);
  assert.equal(forced.code, 0, forced.stderr);
  await stopped(ds[0]!);

  // Node 2: nobody registered, the tool's request goes through at once.
  const plain = await runCli(['cfg', 'shutdown', '--state-dir', ds[1]!.stateDir]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(plain.stdout, 'Shutting down corosync\n');
  await stopped(ds[1]!);
  assert.ok(ds[1]!.logs.some((l) => /no client registered to be asked/.test(l.msg)));
});

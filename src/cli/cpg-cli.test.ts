import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryHistoryWriter } from '../history/writer.js';
import { parseHistory, recordProblem } from '../history/records.js';
import { makePayload, payloadId } from '../history/payload.js';
import { connect } from '../client/index.js';
import { FakeDaemon } from '../client/testing/fake-daemon.js';
import { until } from '../client/testing/wait.js';
import { parseCpgArgs } from './cpg-args.js';
import { WatchRecorder } from './cpg-history.js';

const CLI = join(fileURLToPath(new URL('.', import.meta.url)), 'ringcast.js');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the compiled CLI without blocking this process's event loop (the fake daemon lives here). */
function runCli(args: string[], env: Record<string, string> = {}, deadlineMs = 10_000): Promise<Run> & { child: ReturnType<typeof spawn> } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, RINGCAST_STATE_DIR: '', ...env } });
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
  return Object.assign(done, { child });
}

function fileHas(path: string, text: string): boolean {
  try {
    return readFileSync(path, 'utf8').includes(text);
  } catch {
    return false;
  }
}

test('cpg argument parsing: defaults, bounds and usage errors', () => {
  assert.deepEqual(parseCpgArgs(['send', 'g']), {
    ok: true, options: { command: 'send', group: 'g', count: 1, size: 64, rate: 0, guarantee: 'agreed', inFlight: 64, stateDir: undefined, json: false },
  });
  assert.deepEqual(parseCpgArgs(['send', 'g', '--count', '10', '--size', '1000', '--rate', '50', '--guarantee', 'safe', '--json', '--state-dir', '/d']), {
    ok: true, options: { command: 'send', group: 'g', count: 10, size: 1000, rate: 50, guarantee: 'safe', inFlight: 64, stateDir: '/d', json: true },
  });
  assert.deepEqual(parseCpgArgs(['watch', 'g', '--history', 'h.jsonl', '--count', '3']), {
    ok: true, options: { command: 'watch', group: 'g', history: 'h.jsonl', count: 3, stateDir: undefined, json: false },
  });
  assert.deepEqual(parseCpgArgs(['watch', 'g']), {
    ok: true, options: { command: 'watch', group: 'g', history: undefined, count: undefined, stateDir: undefined, json: false },
  });
  assert.deepEqual(parseCpgArgs(['list', '--json']), { ok: true, options: { command: 'list', stateDir: undefined, json: true } });
  const bad: [string[], RegExp][] = [
    [[], /needs a command/],
    [['frob'], /unknown cpg command/],
    [['send'], /needs a GROUP/],
    [['send', 'a', 'b'], /unexpected argument "b"/],
    [['send', 'x'.repeat(129)], /1 to 128 bytes/],
    [['send', 'g', '--count', '0'], /--count must be an integer from 1/],
    [['send', 'g', '--count', '1.5'], /--count/],
    [['send', 'g', '--size', String(2 * 1024 * 1024)], /--size/],
    [['send', 'g', '--guarantee', 'fifo'], /agreed or safe/],
    [['send', 'g', '--bogus'], /^unknown option --bogus$/],
    [['send', 'g', '--gurantee', 'safe'], /unknown option --gurantee \(did you mean --guarantee\?\)/],
    [['send', 'g', '--count'], /^--count needs a value$/],
    [['send', 'g', '--json=yes'], /--json takes no value/],
    [['watch', 'g', '--history', 'h', '--count', '-1'], /^--count must be an integer from 1 to \d+, not "-1"$/],
    [['wacth', 'g'], /unknown cpg command "wacth" \(did you mean watch\?\)/],
    [['list', 'extra'], /unexpected argument "extra"/],
  ];
  for (const [args, message] of bad) {
    const r = parseCpgArgs(args);
    assert.equal(r.ok, false, args.join(' '));
    if (!r.ok) assert.match(r.message, message, args.join(' '));
  }
});

test('watch recorder: start, a derived transitional before each regular config, deliveries with ids, stop', () => {
  const sink = new MemoryHistoryWriter();
  let t = 100;
  const rec = new WatchRecorder(sink, 'g', () => t++);
  rec.start(2, '555');
  const group = { group: 'g', groupBytes: new Uint8Array([0x67]) };
  rec.onEvent({ type: 'totemConfchg', ringId: { nodeId: 1, seq: 8 }, nodes: [2, 1] });
  rec.onEvent({ type: 'totemConfchg', ringId: { nodeId: 1, seq: 8 }, nodes: [1, 2] });
  assert.equal(rec.onEvent({ type: 'deliver', ...group, nodeId: 1, pid: 9, data: makePayload('1.9:1', 40) }), true);
  assert.equal(rec.onEvent({ type: 'deliver', ...group, nodeId: 1, pid: 9, data: new TextEncoder().encode('no id here') }), true);
  assert.equal(rec.onEvent({ type: 'deliver', ...group, group: 'other', nodeId: 1, pid: 9, data: makePayload('1.9:2', 40) }), false);
  rec.onEvent({ type: 'totemConfchg', ringId: { nodeId: 1, seq: 12 }, nodes: [1, 2, 3] });
  rec.stop();
  const strip = sink.records.map(({ t: _t, ...r }) => r);
  assert.deepEqual(strip, [
    { ev: 'start', node: 2, boot: '555' },
    { ev: 'config', kind: 'transitional', ring: '1.8', members: [2] },
    { ev: 'config', kind: 'regular', ring: '1.8', members: [1, 2] },
    { ev: 'deliver', id: '1.9:1', from: 1 },
    { ev: 'config', kind: 'transitional', ring: '1.12', members: [1, 2] },
    { ev: 'config', kind: 'regular', ring: '1.12', members: [1, 2, 3] },
    { ev: 'stop' },
  ]);
  assert.deepEqual(rec.counts, { deliveries: 2, recorded: 1, configs: 2 });
  for (const r of sink.records) assert.equal(recordProblem(r), undefined);
});

test('every daemon command says the daemon is not running and exits 2', async () => {
  const d = await FakeDaemon.start();
  await d.stop();
  try {
    for (const args of [['status'], ['members', '--json'], ['cpg', 'list'], ['cpg', 'send', 'g'], ['cpg', 'watch', 'g', '--history', join(d.dir, 'h')]]) {
      const viaFlag = await runCli([...args, '--state-dir', d.dir]);
      assert.equal(viaFlag.code, 2, `${args.join(' ')}: ${viaFlag.stderr}`);
      assert.match(viaFlag.stderr, /ringcastd is not running: nothing listens on .*ringcast\.sock/);
      assert.match(viaFlag.stderr, new RegExp(`--state-dir ${d.dir}`));
    }
    const viaEnv = await runCli(['members'], { RINGCAST_STATE_DIR: d.dir });
    assert.equal(viaEnv.code, 2);
    assert.match(viaEnv.stderr, new RegExp(`${d.dir}/ringcast\\.sock`));
    const usage = await runCli(['members', '--bogus']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: ringcast/);
  } finally {
    await d.done();
  }
});

test('cpg send, watch and list, status and members against a fake daemon', async () => {
  const d = await FakeDaemon.start({ nodeId: 4 });
  try {
    const history = join(d.dir, 'watch.jsonl');
    const watch = runCli(['cpg', 'watch', 'lab', '--history', history, '--count', '3', '--json', '--state-dir', d.dir]);
    await until(() => d.members('lab').length === 1, 'the watcher to join');
    const list = await runCli(['cpg', 'list', '--json', '--state-dir', d.dir]);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout), { groups: [{ group: 'lab', members: [{ nodeId: 4, pid: watch.child.pid }] }] });
    const send = await runCli(['cpg', 'send', 'lab', '--count', '3', '--size', '100', '--json', '--state-dir', d.dir]);
    assert.equal(send.code, 0, send.stderr);
    const summary = JSON.parse(send.stdout);
    assert.equal(summary.sent, 3);
    assert.match(summary.firstId, /^4\.\d+:1$/);
    assert.match(summary.lastId, /^4\.\d+:3$/);
    const mcasts = d.log.filter((l) => l.request.kind === 'mcast').map((l) => (l.request as { data: Uint8Array }).data);
    assert.deepEqual(mcasts.map((m) => m.length), [100, 100, 100]);
    const pid = d.log.find((l) => l.request.kind === 'mcast')!.pid;
    assert.deepEqual(mcasts.map((m) => payloadId(m)), [`4.${pid}:1`, `4.${pid}:2`, `4.${pid}:3`]);
    const watched = await watch;
    assert.equal(watched.code, 0, watched.stderr);
    assert.deepEqual({ ...JSON.parse(watched.stdout), elapsedMs: 0 }, {
      group: 'lab', history, deliveries: 3, recorded: 3, configs: 1, elapsedMs: 0, outcome: 'stopped',
    });
    const parsed = parseHistory(readFileSync(history, 'utf8'));
    assert.deepEqual(parsed.errors, []);
    assert.deepEqual(parsed.records.map((r) => r.ev), ['start', 'config', 'config', 'deliver', 'deliver', 'deliver', 'stop']);
    assert.deepEqual(d.members('lab'), []);

    // Without --history: the deliveries are printed (text shown as text), nothing is recorded.
    const printer = runCli(['cpg', 'watch', 'lab', '--count', '2', '--state-dir', d.dir]);
    await until(() => d.members('lab').length === 1, 'the printing watcher to join');
    const send2 = await runCli(['cpg', 'send', 'lab', '--count', '2', '--size', '0', '--state-dir', d.dir]);
    assert.equal(send2.code, 0, send2.stderr);
    const printed = await printer;
    assert.equal(printed.code, 0, printed.stderr);
    const deliveries = printed.stdout.split('\n').filter((l) => l.startsWith('deliver from'));
    assert.equal(deliveries.length, 2, printed.stdout);
    assert.match(deliveries[0]!, /^deliver from 4\/\d+: "4\.\d+:1\|"$/);
    assert.match(printed.stdout, /^2 deliveries, 1 ring configuration\(s\)$/m);
    assert.deepEqual(readdirSync(d.dir).filter((f) => f.endsWith('.jsonl')), ['watch.jsonl'], 'no history written without --history');

    d.ring = { nodeId: 10, seq: 28 }; // operators read Corosync's hex form: a.1c
    d.status = { clusterName: 'lab', state: 'operational', pid: process.pid, members: [4], since: 'x', updated: 'y', counters: { a: 1 }, rates: { tokenRotationsPerSec: 1, deliveriesPerSec: 2 }, metricsAddress: '127.0.0.1:9100' };
    const status = await runCli(['status', '--state-dir', d.dir]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /Cluster lab: node 4 .*operational\nRing ID: a\.1c/);
    assert.match(status.stdout, /^Metrics: http:\/\/127\.0\.0\.1:9100\/metrics$/m);
    const members = await runCli(['members', '--state-dir', d.dir]);
    assert.equal(members.stdout, 'Ring ID: a.1c (operational)\nMembers (1): 4\n');
    const membersJson = await runCli(['members', '--json', '--state-dir', d.dir]);
    // ringId has one shape in every tool's JSON: the string status --json and status.json give.
    assert.deepEqual(JSON.parse(membersJson.stdout), { ringId: 'a.1c', state: 'operational', members: [4] });
  } finally {
    await d.done();
  }
});

test('cpg watch stops on SIGTERM, leaves and writes stop', async () => {
  const d = await FakeDaemon.start({ nodeId: 2 });
  try {
    const history = join(d.dir, 'h.jsonl');
    const watch = runCli(['cpg', 'watch', 'g', '--history', history, '--state-dir', d.dir]);
    await until(() => d.members('g').length === 1, 'the watcher to join');
    const client = await connect({ stateDir: d.dir });
    const cpg = await client.cpg();
    await cpg.join('g');
    await cpg.mcast('g', makePayload('2.77:1', 20));
    await client.close();
    await until(() => fileHas(history, '"deliver"'), 'the delivery to be flushed to the history');
    watch.child.kill('SIGTERM');
    const r = await watch;
    assert.equal(r.code, 0, r.stderr);
    const records = parseHistory(readFileSync(history, 'utf8')).records;
    assert.deepEqual(records.map((x) => x.ev), ['start', 'config', 'config', 'deliver', 'stop']);
    assert.match(r.stdout, /1 deliveries \(1 with history ids\)/);
  } finally {
    await d.done();
  }
});

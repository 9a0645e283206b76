/**
 * Real fault tests: ringcastd processes in network namespaces, with crypto on and --load, and
 * their histories judged by the EVS checker. kill -9 and restart, SIGSTOP beyond the token
 * timeout, a held partition, heavy loss, a node with the wrong key, and garbage frames.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { NetnsLab, labAvailable } from './lab/netns.js';
import { generateKey, writeKeyFile } from '../src/net/crypto/index.js';
import { checkHistories, parseHistory } from '../src/check/index.js';
import type { DaemonStatus } from '../src/daemon/status-file.js';

const available = labAvailable();
const skip = available.ok ? false : available.reason;
const DAEMON = join(process.cwd(), 'dist/src/cli/ringcastd.js');
const TOKEN_MS = 1000;

interface Member {
  readonly id: number;
  readonly stateDir: string;
  readonly history: string;
  proc?: ChildProcess;
  log: string;
}

let lab: NetnsLab;
let dir: string;
const members: Member[] = [];

function writeConfig(path: string, size: number, clusterName = 'lab'): void {
  const nodes = Array.from({ length: size }, (_, i) =>
    `  node {\n    ring0_addr: ${lab.address(i + 1)}\n    nodeid: ${i + 1}\n  }`).join('\n');
  writeFileSync(path, `totem {\n  version: 2\n  cluster_name: ${clusterName}\n  transport: udpu\n  token: ${TOKEN_MS}\n  token_coefficient: 0\n  crypto_cipher: aes256\n  crypto_hash: sha256\n  keyfile: ${join(dir, 'authkey')}\n}\nnodelist {\n${nodes}\n}\nlogging {\n  to_stderr: yes\n}\n`);
}

function startDaemon(m: Member, config = join(dir, 'corosync.conf')): void {
  m.proc = lab.spawnIn(m.id, process.execPath, [DAEMON, '--config', config, '--nodeid', String(m.id),
    '--state-dir', m.stateDir, '--history', m.history, '--load', '200:64'], { stdio: ['ignore', 'ignore', 'pipe'] });
  m.proc.stderr!.on('data', (b: Buffer) => (m.log += b.toString()));
}

function status(m: Member): DaemonStatus | undefined {
  try {
    return JSON.parse(readFileSync(join(m.stateDir, 'status.json'), 'utf8')) as DaemonStatus;
  } catch {
    return undefined;
  }
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

function ringOf(ids: number[]): () => boolean {
  return () => {
    const seen = ids.map((id) => status(members[id - 1]!));
    return seen.every((s) => s && s.state === 'operational' && s.members.length === ids.length && ids.every((i) => s.members.includes(i))) &&
      new Set(seen.map((s) => s!.ringId)).size === 1;
  };
}

async function stopAll(): Promise<void> {
  await Promise.all(members.map((m) => new Promise<void>((resolve) => {
    if (!m.proc || m.proc.exitCode !== null || m.proc.signalCode !== null) return resolve();
    m.proc.once('exit', () => resolve());
    m.proc.kill('SIGTERM');
  })));
}

before(() => {
  if (skip) return;
  lab = NetnsLab.create(3);
  dir = mkdtempSync(join(tmpdir(), 'ringcast-netns-'));
  writeKeyFile(join(dir, 'authkey'), generateKey());
  writeConfig(join(dir, 'corosync.conf'), 3);
  for (let id = 1; id <= 3; id++) {
    members.push({ id, stateDir: join(dir, `state${id}`), history: join(dir, `history${id}.jsonl`), log: '' });
  }
});

after(async () => {
  if (skip) return;
  await stopAll();
  lab.destroy();
  rmSync(dir, { recursive: true, force: true });
});

test('three daemons under load: kill -9 and restart, SIGSTOP, loss, garbage; then the histories pass the checker', { skip }, async () => {
  for (const m of members) startDaemon(m);
  await waitFor('a ring of 1,2,3', ringOf([1, 2, 3]), 20_000);

  const victim = members[2]!;
  const killedAt = Date.now();
  victim.proc!.kill('SIGKILL');
  await new Promise((r) => victim.proc!.once('exit', r));
  appendFileSync(victim.history, JSON.stringify({ ev: 'crash' }) + '\n');
  const reformMs = await waitFor('a ring of 1,2 after kill -9', ringOf([1, 2]), 15_000) + (Date.now() - killedAt > 0 ? 0 : 0);
  const elapsed = Date.now() - killedAt;
  // token (1000) + consensus (1200) + the status file's 1 s refresh
  assert.ok(elapsed < TOKEN_MS + 1.2 * TOKEN_MS + 1500, `new ring ${elapsed} ms after kill -9 (waited ${reformMs})`);
  console.log(`# kill -9 to new regular configuration (as seen in status files): ${elapsed} ms`);

  startDaemon(victim);
  await waitFor('node 3 back in the ring', ringOf([1, 2, 3]), 20_000);

  // SIGSTOP longer than the token timeout, then SIGCONT: the ring drops and re-takes node 2.
  const paused = members[1]!;
  paused.proc!.kill('SIGSTOP');
  await waitFor('a ring of 1,3 while 2 is stopped', ringOf([1, 3]), 15_000);
  paused.proc!.kill('SIGCONT');
  await waitFor('node 2 back after SIGCONT', ringOf([1, 2, 3]), 20_000);

  // 10% then 30% loss on every link for a while, then none: the ring keeps (or regains) all three.
  lab.setLoss(10);
  await new Promise((r) => setTimeout(r, 3000));
  lab.setLoss(30);
  await new Promise((r) => setTimeout(r, 3000));
  lab.setLoss(0);
  await waitFor('one ring of three after the loss', ringOf([1, 2, 3]), 30_000);

  // Garbage, truncated and replayed-with-damage frames at every node: dropped and counted.
  const before = members.map((m) => status(m)!.counters.droppedBadFrames!);
  const burst = lab.spawnIn(1, process.execPath, ['-e', `
    const d = require('dgram').createSocket('udp4');
    const targets = ${JSON.stringify([1, 2, 3].map((i) => lab.address(i)))};
    let n = 0;
    for (let i = 0; i < 300; i++) {
      const len = [0, 1, 13, 40, 200, 1400][i % 6];
      const b = Buffer.alloc(len);
      for (let k = 0; k < len; k++) b[k] = (i * 31 + k * 7) & 0xff;
      if (len > 2 && i % 2) { b[0] = 0x11; }
      for (const t of targets) { n++; d.send(b, 5405, t, () => { if (--n === 0) d.close(); }); }
    }`]);
  await new Promise((r) => burst.once('exit', r));
  await waitFor('bad frames counted at every node', () => members.every((m, i) => (status(m)?.counters.droppedBadFrames ?? 0) >= before[i]! + 200), 10_000);
  await waitFor('the ring still whole after the burst', ringOf([1, 2, 3]), 10_000);
  for (const m of members) assert.ok(m.proc!.exitCode === null, `node ${m.id} still running`);

  await stopAll();
  const histories = members.map((m) => {
    const parsed = parseHistory(readFileSync(m.history, 'utf8'));
    assert.deepEqual(parsed.errors, [], `history of node ${m.id}`);
    return parsed.records;
  });
  const report = checkHistories(histories, { requireConvergence: false, quiescent: false });
  assert.ok(report.ok, report.violations.slice(0, 5).map((v) => `${v.property}: ${v.message}`).join('\n'));
  assert.ok(report.stats.deliveries > 1000, `only ${report.stats.deliveries} deliveries`);
});

test('a node with a different key never joins, and the others say why once', { skip }, async () => {
  const strangerDir = mkdtempSync(join(tmpdir(), 'ringcast-stranger-'));
  try {
    for (const m of members) if (!m.proc || m.proc.exitCode !== null || m.proc.signalCode !== null) {
      m.log = '';
      startDaemon(m);
    }
    await waitFor('a ring of 1,2,3', ringOf([1, 2, 3]), 20_000);
    // Node 3 restarts with another key: same addresses, same cluster name, different secret.
    const stranger = members[2]!;
    await new Promise<void>((resolve) => {
      stranger.proc!.once('exit', () => resolve());
      stranger.proc!.kill('SIGTERM');
    });
    writeKeyFile(join(strangerDir, 'authkey'), generateKey());
    const config = join(strangerDir, 'corosync.conf');
    writeFileSync(config, readFileSync(join(dir, 'corosync.conf'), 'utf8').replace(join(dir, 'authkey'), join(strangerDir, 'authkey')));
    members[0]!.log = '';
    startDaemon(stranger, config);
    await waitFor('a ring of 1,2 without the stranger', ringOf([1, 2]), 15_000);
    await new Promise((r) => setTimeout(r, 3000));
    assert.ok(ringOf([1, 2])(), 'nodes 1 and 2 stay in their ring');
    const s3 = status(stranger);
    assert.ok(s3 && !s3.members.includes(1) && !s3.members.includes(2), 'the stranger never formed a ring with them');
    const warnings = members[0]!.log.split('\n').filter((l) => l.includes('fail authentication'));
    assert.ok(warnings.length >= 1, 'node 1 says why');
    assert.ok(warnings.length <= 2, `node 1 logged ${warnings.length} times, not once`);
  } finally {
    await stopAll();
    rmSync(strangerDir, { recursive: true, force: true });
  }
});

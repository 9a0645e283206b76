/**
 * Five ringcastd processes in network namespaces under load: a 2|3 partition held, both sides
 * keep working, then the network heals and they merge; then a one-way block. The histories are
 * judged by the EVS checker.
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
  lab = NetnsLab.create(5);
  dir = mkdtempSync(join(tmpdir(), 'ringcast-netns5-'));
  writeKeyFile(join(dir, 'authkey'), generateKey());
  writeConfig(join(dir, 'corosync.conf'), 5);
  for (let id = 1; id <= 5; id++) {
    members.push({ id, stateDir: join(dir, `state${id}`), history: join(dir, `history${id}.jsonl`), log: '' });
  }
});

after(async () => {
  if (skip) return;
  await stopAll();
  lab.destroy();
  rmSync(dir, { recursive: true, force: true });
});

test('five daemons: a 2|3 partition held then healed, and a one-way block', { skip }, async () => {
  for (const m of members) startDaemon(m);
  await waitFor('a ring of five', ringOf([1, 2, 3, 4, 5]), 30_000);

  lab.partition([[1, 2], [3, 4, 5]]);
  await waitFor('two rings, 1,2 and 3,4,5', () => ringOf([1, 2])() && ringOf([3, 4, 5])(), 20_000);
  // Both sides keep ordering messages while apart.
  const delivered = (id: number): number => status(members[id - 1]!)?.counters.deliveries ?? 0;
  const before = [1, 3].map(delivered);
  await waitFor('both sides deliver while partitioned', () => delivered(1) > before[0]! + 200 && delivered(3) > before[1]! + 200, 10_000);

  lab.heal();
  const healedAt = Date.now();
  await waitFor('one ring of five after the heal', ringOf([1, 2, 3, 4, 5]), 20_000);
  console.log(`# partition healed to one ring of five in ${Date.now() - healedAt} ms`);

  // Node 5 stops hearing node 1: the ring must exclude one of them or route around it, then heal.
  lab.blockOneWay(1, 5);
  await new Promise((r) => setTimeout(r, 6000));
  lab.heal();
  await waitFor('one ring of five after the one-way block', ringOf([1, 2, 3, 4, 5]), 30_000);

  await stopAll();
  const histories = members.map((m) => {
    const parsed = parseHistory(readFileSync(m.history, 'utf8'));
    assert.deepEqual(parsed.errors, [], `history of node ${m.id}`);
    return parsed.records;
  });
  const report = checkHistories(histories, { requireConvergence: false, quiescent: false });
  assert.ok(report.ok, report.violations.slice(0, 5).map((v) => `${v.property}: ${v.message}`).join('\n'));
  assert.ok(report.stats.deliveries > 5000, `only ${report.stats.deliveries} deliveries`);
});

test('transport udp: five daemons on a multicast group form a ring and order messages', { skip }, async () => {
  await stopAll();
  const config = join(dir, 'corosync-udp.conf');
  writeFileSync(config, readFileSync(join(dir, 'corosync.conf'), 'utf8')
    .replace('transport: udpu', 'transport: udp\n  mcastaddr: 239.255.77.1'));
  for (const m of members) {
    m.log = '';
    (m as { history: string }).history = m.history.replace('.jsonl', '-udp.jsonl');
    startDaemon(m, config);
  }
  await waitFor('a ring of five over multicast', ringOf([1, 2, 3, 4, 5]), 30_000);
  const delivered = (id: number): number => status(members[id - 1]!)?.counters.deliveries ?? 0;
  const start = delivered(1);
  await waitFor('messages ordered over multicast', () => delivered(1) > start + 1000, 15_000);
  await stopAll();
  const histories = members.map((m) => parseHistory(readFileSync(m.history, 'utf8')).records);
  const report = checkHistories(histories, { requireConvergence: false, quiescent: false });
  assert.ok(report.ok, report.violations.slice(0, 5).map((v) => `${v.property}: ${v.message}`).join('\n'));
});

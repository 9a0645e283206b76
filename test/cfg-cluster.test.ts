/**
 * `ringcast cfg reload` and `ringcast cfg shutdown` on three real ringcastd processes on loopback
 * (127.0.0.1-3), each with its own configuration file and under synthetic load with a history:
 *
 * - reload asked on node 1: every node re-reads ITS OWN file; node 1 applies a new token and
 *   cfg.shutdown_timeout, node 2 applies the token and refuses a changed cluster_name with
 *   Corosync's line, node 3's broken file leaves it running on its old configuration with the
 *   line and key in its log; asked on node 3, the tool fails with that line (exit 1);
 * - shutdown of node 2 (nobody registered): it drains exactly as on SIGTERM and exits 0, the
 *   others re-form; after SIGTERM to the rest, no stop record abandons anything and the EVS
 *   checker accepts the histories (the drain promise holds for a cfg shutdown).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHistories, parseHistory, type HistoryRecord } from '../src/check/index.js';
import { freeUdpPorts } from '../src/net/testing.js';
import { generateKey, writeKeyFile } from '../src/net/crypto/index.js';
import type { DaemonStatus } from '../src/protocol/status.js';

const DAEMON = join(process.cwd(), 'dist/src/cli/ringcastd.js');
const CLI = join(process.cwd(), 'dist/src/cli/ringcast.js');
const NODES = 3;

interface Proc {
  readonly id: number;
  readonly conf: string;
  readonly stateDir: string;
  readonly history: string;
  proc?: ChildProcess;
  log: string;
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs: number, detail = (): string => ''): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function cfgTool(p: Proc, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'cfg', ...args, '--state-dir', p.stateDir], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('cfg reload re-reads every node\'s own file (applied, refused, broken); cfg shutdown drains as SIGTERM and loses nothing', { timeout: 180_000 }, async () => {
  const [port] = await freeUdpPorts(1);
  const dir = mkdtempSync(join(tmpdir(), 'ringcast-cfg-'));
  writeKeyFile(join(dir, 'authkey'), generateKey());
  const nodelist = Array.from({ length: NODES }, (_, i) => `  node {\n    ring0_addr: 127.0.0.${i + 1}\n    nodeid: ${i + 1}\n  }`).join('\n');
  const file = (opts: { token?: number | string; clusterName?: string; extra?: string } = {}): string =>
    `totem {\n  version: 2\n  cluster_name: ${opts.clusterName ?? 'cfgtest'}\n  token: ${opts.token ?? 1000}\n  token_coefficient: 0\n  mcastport: ${port}\n` +
    `  keyfile: ${join(dir, 'authkey')}\n}\nnodelist {\n${nodelist}\n}\nlogging {\n  to_stderr: yes\n}\n${opts.extra ?? ''}`;
  const procs: Proc[] = Array.from({ length: NODES }, (_, i) => ({
    id: i + 1, conf: join(dir, `corosync${i + 1}.conf`), stateDir: join(dir, `state${i + 1}`), history: join(dir, `history${i + 1}.jsonl`), log: '',
  }));
  const status = (p: Proc): DaemonStatus | undefined => {
    try {
      return JSON.parse(readFileSync(join(p.stateDir, 'status.json'), 'utf8')) as DaemonStatus;
    } catch {
      return undefined;
    }
  };
  const ringOf = (ids: number[]) => (): boolean => {
    const seen = ids.map((id) => status(procs[id - 1]!));
    return seen.every((s) => s && s.state === 'operational' && s.members.length === ids.length && ids.every((i) => s.members.includes(i))) &&
      new Set(seen.map((s) => s!.ringId)).size === 1;
  };
  const logs = (): string => procs.map((p) => `--- node ${p.id}\n${p.log.slice(-3000)}`).join('\n');
  const exited = (p: Proc): Promise<number | null> => new Promise((resolve) => {
    if (p.proc!.exitCode !== null) resolve(p.proc!.exitCode);
    else p.proc!.once('exit', (code) => resolve(code));
  });
  try {
    for (const p of procs) {
      writeFileSync(p.conf, file());
      p.proc = spawn(process.execPath, [DAEMON, '--config', p.conf, '--nodeid', String(p.id), '--state-dir', p.stateDir,
        '--history', p.history, '--load', '200:64'], { stdio: ['ignore', 'ignore', 'pipe'] });
      p.proc.stderr!.on('data', (b: Buffer) => (p.log += b.toString()));
    }
    await waitFor('a ring of three', ringOf([1, 2, 3]), 30_000, logs);
    const [n1, n2, n3] = procs as [Proc, Proc, Proc];

    // Each node's own file: a new token everywhere it can be read, plus one change per node.
    writeFileSync(n1.conf, file({ token: 1500, extra: 'cfg {\n  shutdown_timeout: 2500\n}\n' }));
    writeFileSync(n2.conf, file({ token: 1500, clusterName: 'renamed' }));
    writeFileSync(n3.conf, file({ token: 'soon' }));
    const reload = cfgTool(n1, 'reload');
    assert.equal(reload.code, 0, reload.stderr);
    assert.equal(reload.stdout, 'Reloading corosync.conf...\nDone\n');
    await waitFor('every node handled the reload', () =>
      /cfg reload: configuration reloaded/.test(n1.log) && /cfg reload: configuration reloaded/.test(n2.log) && /cfg reload: configuration not reloaded/.test(n3.log), 10_000, logs);
    assert.match(n1.log, /cfg reload: configuration reloaded: [^"]*totem\.token[^"]*cfg\.shutdown_timeout|cfg reload: configuration reloaded: [^"]*cfg\.shutdown_timeout[^"]*totem\.token/);
    assert.match(n1.log, /totem: token 1500 ms/, 'node 1 runs with the new token');
    assert.match(n2.log, /totem: token 1500 ms/, 'node 2 runs with the new token');
    assert.match(n2.log, /Modified entry 'totem\.cluster_name' in corosync\.conf cannot be changed at run-time/);
    assert.match(n3.log, new RegExp(`cfg reload: configuration not reloaded: ${n3.conf.replace(/[.]/g, '\\.')}:4: totem\\.token`));
    for (const p of procs) assert.match(p.log, /Config reload requested by node 1/);
    assert.doesNotMatch(n3.log, /totem: token 1500 ms/, 'node 3 keeps its running configuration');
    // Asked on node 3, the tool reports node 3's own failure, and node 3 runs on in the ring.
    const bad = cfgTool(n3, 'reload');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^Could not reload configuration\. Error CS_ERR_INVALID_PARAM\nERROR from reload: .*:4: totem\.token/);
    await waitFor('the ring of three still stands', ringOf([1, 2, 3]), 10_000, logs);
    const text = cfgTool(n3, 'status');
    assert.equal(text.code, 0, text.stderr);
    assert.deepEqual(text.stdout.split('\n').slice(0, 4), ['Local node ID 3, transport udpu', 'LINK ID 0 ', '\taddr\t= 127.0.0.3', '\tstatus:']);

    // Let the load run, then stop node 2 with cfg shutdown (nobody registered: at once).
    await new Promise((r) => setTimeout(r, 500));
    const shutdown = cfgTool(n2, 'shutdown');
    assert.equal(shutdown.code, 0, shutdown.stderr);
    assert.equal(shutdown.stdout, 'Shutting down corosync\n');
    assert.equal(await exited(n2), 0, `node 2 exits 0:\n${n2.log.slice(-2000)}`);
    assert.match(n2.log, /cfg shutdown: stopping: no new messages/);
    assert.match(n2.log, /drained in \d+ ms: every accepted message was delivered/);
    for (const p of [n1, n3]) assert.match(p.log, /Node 2 was shut down by sysadmin/);
    await waitFor('a ring of 1 and 3', ringOf([1, 3]), 30_000, logs);
    await new Promise((r) => setTimeout(r, 300));
    for (const p of [n1, n3]) p.proc!.kill('SIGTERM');
    assert.deepEqual(await Promise.all([exited(n1), exited(n3)]), [0, 0], logs());

    const histories: HistoryRecord[][] = procs.map((p) => {
      const parsed = parseHistory(readFileSync(p.history, 'utf8'));
      assert.deepEqual(parsed.errors, [], `history of node ${p.id}`);
      return parsed.records;
    });
    const stops = histories.flat().filter((r) => r.ev === 'stop');
    assert.equal(stops.length, NODES, 'every node stopped cleanly');
    assert.deepEqual(stops.flatMap((r) => (r.ev === 'stop' ? r.abandoned ?? [] : [])), [], 'no stop abandoned anything');
    const h2 = histories[1]!;
    const sent2 = h2.filter((r) => r.ev === 'send').map((r) => (r.ev === 'send' ? r.id : ''));
    const got2 = new Set(h2.filter((r) => r.ev === 'deliver').map((r) => (r.ev === 'deliver' ? r.id : '')));
    assert.ok(sent2.length > 100, `node 2 sent under load (${sent2.length})`);
    assert.deepEqual(sent2.filter((id) => !got2.has(id)), [], 'node 2 delivered every message it sent before it left');
    const report = checkHistories(histories);
    assert.ok(report.ok, report.violations.slice(0, 5).map((v) => `${v.property}: ${v.message}`).join('\n'));
    const drained = /drained in (\d+) ms/.exec(n2.log)?.[1];
    console.log(`# cfg shutdown of node 2 under load: drained in ${drained} ms, ${sent2.length} messages sent by it all delivered, 0 abandoned; checker ok`);
  } finally {
    for (const p of procs) if (p.proc && p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cfg reload takes a node added to the nodelist: two running nodes reach the third, which then joins their ring', { timeout: 120_000 }, async () => {
  const [port] = await freeUdpPorts(1);
  const dir = mkdtempSync(join(tmpdir(), 'ringcast-cfg-add-'));
  writeKeyFile(join(dir, 'authkey'), generateKey());
  const file = (count: number): string => {
    const nodes = Array.from({ length: count }, (_, i) => `  node {\n    ring0_addr: 127.0.0.${i + 1}\n    nodeid: ${i + 1}\n  }`).join('\n');
    return `totem {\n  version: 2\n  cluster_name: cfgadd\n  token: 1000\n  token_coefficient: 0\n  mcastport: ${port}\n` +
      `  keyfile: ${join(dir, 'authkey')}\n}\nnodelist {\n${nodes}\n}\nlogging {\n  to_stderr: yes\n}\n`;
  };
  const procs: Proc[] = [1, 2, 3].map((id) => ({ id, conf: join(dir, `corosync${id}.conf`), stateDir: join(dir, `state${id}`), history: '', log: '' }));
  const status = (p: Proc): DaemonStatus | undefined => {
    try {
      return JSON.parse(readFileSync(join(p.stateDir, 'status.json'), 'utf8')) as DaemonStatus;
    } catch {
      return undefined;
    }
  };
  const ringOf = (ids: number[]) => (): boolean => ids.every((id) => {
    const s = status(procs[id - 1]!);
    return s !== undefined && s.state === 'operational' && s.members.length === ids.length && ids.every((i) => s.members.includes(i));
  });
  const start = (p: Proc): void => {
    p.proc = spawn(process.execPath, [DAEMON, '--config', p.conf, '--nodeid', String(p.id), '--state-dir', p.stateDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    p.proc.stderr!.on('data', (b: Buffer) => (p.log += b.toString()));
  };
  const logs = (): string => procs.map((p) => `--- node ${p.id}\n${p.log.slice(-2000)}`).join('\n');
  try {
    for (const p of procs.slice(0, 2)) {
      writeFileSync(p.conf, file(2));
      start(p);
    }
    await waitFor('a ring of two', ringOf([1, 2]), 30_000, logs);
    for (const p of procs) writeFileSync(p.conf, file(3));
    const reload = cfgTool(procs[0]!, 'reload');
    assert.equal(reload.code, 0, reload.stderr);
    await waitFor('nodes 1 and 2 added node 3', () => procs.slice(0, 2).every((p) => /nodelist: node\(s\) 3 added/.test(p.log)), 10_000, logs);
    const text = cfgTool(procs[0]!, 'status');
    assert.equal(text.stdout.split('\n')[6], '\t\tnodeid:          3:\tdisconnected', 'listed, not yet running');
    start(procs[2]!);
    await waitFor('a ring of three', ringOf([1, 2, 3]), 30_000, logs);
    const after = cfgTool(procs[0]!, 'status');
    assert.equal(after.stdout.split('\n')[6], '\t\tnodeid:          3:\tconnected');
  } finally {
    for (const p of procs) {
      if (!p.proc || p.proc.exitCode !== null || p.proc.signalCode !== null) continue;
      const exited = new Promise((r) => p.proc!.once('exit', r));
      p.proc.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

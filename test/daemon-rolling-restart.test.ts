/**
 * A rolling restart of five real ringcastd processes on loopback (127.0.0.1-5), each under its
 * synthetic load (--load) and writing a history: SIGTERM each in turn (it must leave cleanly and
 * be replaced by a new incarnation), then SIGTERM all at once. Every planned stop drains, so no
 * message any daemon accepted is lost: no `stop` record lists anything as abandoned, and the
 * checker, which holds a clean stop to self delivery, accepts the histories.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHistories, parseHistory, type HistoryRecord } from '../src/check/index.js';
import { freeUdpPorts } from '../src/net/testing.js';
import { generateKey, writeKeyFile } from '../src/net/crypto/index.js';
import type { DaemonStatus } from '../src/protocol/status.js';

const DAEMON = join(process.cwd(), 'dist/src/cli/ringcastd.js');
const NODES = 5;

interface Proc {
  readonly id: number;
  readonly stateDir: string;
  readonly history: string;
  proc?: ChildProcess;
  log: string;
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('rolling restart of five ringcastd under load with SIGTERM, then all at once: nothing accepted is lost', async () => {
  const [port] = await freeUdpPorts(1);
  const dir = mkdtempSync(join(tmpdir(), 'ringcastd-rolling-'));
  writeKeyFile(join(dir, 'authkey'), generateKey());
  const config = join(dir, 'corosync.conf');
  const nodelist = Array.from({ length: NODES }, (_, i) => `  node {\n    ring0_addr: 127.0.0.${i + 1}\n    nodeid: ${i + 1}\n  }`).join('\n');
  writeFileSync(config, `totem {\n  version: 2\n  cluster_name: rolling\n  token: 1000\n  token_coefficient: 0\n  mcastport: ${port}\n` +
    `  keyfile: ${join(dir, 'authkey')}\n}\nnodelist {\n${nodelist}\n}\nlogging {\n  to_stderr: yes\n}\n`);
  const procs: Proc[] = Array.from({ length: NODES }, (_, i) => ({
    id: i + 1, stateDir: join(dir, `state${i + 1}`), history: join(dir, `history${i + 1}.jsonl`), log: '',
  }));
  const start = (p: Proc): void => {
    p.proc = spawn(process.execPath, [DAEMON, '--config', config, '--nodeid', String(p.id), '--state-dir', p.stateDir,
      '--history', p.history, '--load', '200:64'], { stdio: ['ignore', 'ignore', 'pipe'] });
    p.proc.stderr!.on('data', (b: Buffer) => (p.log += b.toString()));
  };
  const status = (p: Proc): DaemonStatus | undefined => {
    try {
      return JSON.parse(readFileSync(join(p.stateDir, 'status.json'), 'utf8')) as DaemonStatus;
    } catch {
      return undefined;
    }
  };
  /** Exactly these nodes operational together in one ring, as their status files say (written every second). */
  const ringOf = (ids: number[]) => (): boolean => {
    const seen = ids.map((id) => status(procs[id - 1]!));
    return seen.every((s) => s && s.state === 'operational' && s.members.length === ids.length && ids.every((i) => s.members.includes(i))) &&
      new Set(seen.map((s) => s!.ringId)).size === 1;
  };
  const sigterm = async (p: Proc): Promise<number | null> => {
    const exited = new Promise<number | null>((resolve) => p.proc!.once('exit', (code) => resolve(code)));
    p.proc!.kill('SIGTERM');
    return exited;
  };
  const all = procs.map((p) => p.id);
  try {
    for (const p of procs) start(p);
    await waitFor('a ring of five', ringOf(all), 30_000);
    for (const p of procs) {
      // Let the load run in this ring for a moment, then stop this node under it.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await sigterm(p), 0, `node ${p.id} exits cleanly:\n${p.log.slice(-2000)}`);
      assert.match(p.log, /drained in \d+ ms: every accepted message was delivered/, `node ${p.id} drained:\n${p.log.slice(-2000)}`);
      await waitFor(`a ring without node ${p.id}`, ringOf(all.filter((id) => id !== p.id)), 20_000);
      start(p);
      await waitFor(`node ${p.id} back in the ring of five`, ringOf(all), 30_000);
    }
    await new Promise((r) => setTimeout(r, 300));
    const codes = await Promise.all(procs.map((p) => sigterm(p)));
    assert.deepEqual(codes, procs.map(() => 0), procs.map((p) => p.log.slice(-1000)).join('\n----\n'));

    const histories: HistoryRecord[][] = procs.map((p) => {
      const parsed = parseHistory(readFileSync(p.history, 'utf8'));
      assert.deepEqual(parsed.errors, [], `history of node ${p.id}`);
      return parsed.records;
    });
    // Spelled out (the checker holds it too): each incarnation that stopped delivered all it sent.
    for (const h of histories) {
      let sent: string[] = [];
      let got = new Set<string>();
      for (const r of h) {
        if (r.ev === 'start') [sent, got] = [[], new Set()];
        else if (r.ev === 'send') sent.push(r.id);
        else if (r.ev === 'deliver') got.add(r.id);
        else if (r.ev === 'stop') assert.deepEqual(sent.filter((id) => !got.has(id)), [], 'a clean stop lost accepted messages');
      }
    }
    const stops = histories.flat().filter((r) => r.ev === 'stop');
    assert.equal(stops.length, 2 * NODES, 'every incarnation stopped cleanly');
    const abandoned = stops.flatMap((r) => (r.ev === 'stop' ? r.abandoned ?? [] : []));
    assert.deepEqual(abandoned, [], 'no stop abandoned anything');
    const sends = histories.flat().filter((r) => r.ev === 'send').length;
    assert.ok(sends > 1000, `the load ran (${sends} messages)`);
    const report = checkHistories(histories);
    assert.ok(report.ok, report.violations.slice(0, 5).map((v) => `${v.property}: ${v.message}`).join('\n'));
    console.log(`# rolling restart: ${sends} messages sent by 10 incarnations, ${stops.length} clean stops, 0 abandoned; checker ok`);
  } finally {
    for (const p of procs) if (p.proc && p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

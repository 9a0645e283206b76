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
import { labAvailable } from './lab/netns.js';
import { DaemonCluster, TOKEN_MS, waitFor } from './lab/daemon-cluster.js';
import { generateKey, writeKeyFile } from '../src/net/crypto/index.js';
import { checkHistories, type HistoryRecord } from '../src/check/index.js';

const available = labAvailable();
const skip = available.ok ? false : available.reason;
let c: DaemonCluster;

before(() => {
  if (!skip) c = new DaemonCluster(3, 'ringcast-netns-');
});

after(async () => {
  if (!skip) await c.destroy();
});

/** The time `t` of the first record of node `id`'s history that matches, once it is on disk. */
async function waitForRecord(cluster: DaemonCluster, id: number, match: (r: HistoryRecord) => boolean): Promise<number> {
  let found: number | undefined;
  await waitFor(`a matching record in node ${id}'s history`, () => {
    const records = cluster.histories()[id - 1]!;
    found = records.find(match)?.t;
    return found !== undefined;
  }, 5_000);
  return found!;
}

test('three daemons under load: kill -9 and restart, SIGSTOP, loss, garbage; then the histories pass the checker', { skip }, async () => {
  for (const m of c.members) c.start(m);
  await waitFor('a ring of 1,2,3', c.ringOf([1, 2, 3]), 20_000);

  const victim = c.members[2]!;
  const killedAt = Date.now();
  victim.proc!.kill('SIGKILL');
  await new Promise((r) => victim.proc!.once('exit', r));
  appendFileSync(victim.history, JSON.stringify({ ev: 'crash' }) + '\n');
  await waitFor('a ring of 1,2 after kill -9', c.ringOf([1, 2]), 15_000);
  // The survivors' histories time the new configuration to the millisecond (status files only
  // every second): token (1000) + consensus (1200), plus scheduling slack.
  const reformed = await waitForRecord(c, 1, (r) => r.ev === 'config' && r.kind === 'regular' && r.members.join() === '1,2' && (r.t ?? 0) >= killedAt);
  const reformMs = reformed - killedAt;
  assert.ok(reformMs >= TOKEN_MS && reformMs < TOKEN_MS + 1.2 * TOKEN_MS + 500, `new regular configuration ${reformMs} ms after kill -9`);
  console.log(`# kill -9 to new regular configuration (node 1's history): ${reformMs} ms (token ${TOKEN_MS} + consensus ${1.2 * TOKEN_MS})`);

  c.start(victim);
  await waitFor('node 3 back in the ring', c.ringOf([1, 2, 3]), 20_000);

  // SIGSTOP longer than the token timeout, then SIGCONT: the ring drops and re-takes node 2.
  const paused = c.members[1]!;
  paused.proc!.kill('SIGSTOP');
  await waitFor('a ring of 1,3 while 2 is stopped', c.ringOf([1, 3]), 15_000);
  paused.proc!.kill('SIGCONT');
  await waitFor('node 2 back after SIGCONT', c.ringOf([1, 2, 3]), 20_000);

  // 10% then 30% loss on every link for a while, then none: the ring keeps (or regains) all three.
  c.lab.setLoss(10);
  await new Promise((r) => setTimeout(r, 3000));
  c.lab.setLoss(30);
  await new Promise((r) => setTimeout(r, 3000));
  c.lab.setLoss(0);
  await waitFor('one ring of three after the loss', c.ringOf([1, 2, 3]), 30_000);

  // Garbage, truncated and replayed-with-damage frames at every node: dropped and counted.
  const before = c.members.map((m) => c.status(m)!.counters.droppedBadFrames!);
  const burst = c.lab.spawnIn(1, process.execPath, ['-e', `
    const d = require('dgram').createSocket('udp4');
    const targets = ${JSON.stringify([1, 2, 3].map((i) => c.lab.address(i)))};
    let n = 0;
    for (let i = 0; i < 300; i++) {
      const len = [0, 1, 13, 40, 200, 1400][i % 6];
      const b = Buffer.alloc(len);
      for (let k = 0; k < len; k++) b[k] = (i * 31 + k * 7) & 0xff;
      if (len > 2 && i % 2) { b[0] = 0x11; }
      for (const t of targets) { n++; d.send(b, 5405, t, () => { if (--n === 0) d.close(); }); }
    }`]);
  await new Promise((r) => burst.once('exit', r));
  await waitFor('bad frames counted at every node', () => c.members.every((m, i) => (c.status(m)?.counters.droppedBadFrames ?? 0) >= before[i]! + 200), 10_000);
  await waitFor('the ring still whole after the burst', c.ringOf([1, 2, 3]), 10_000);
  for (const m of c.members) assert.ok(m.proc!.exitCode === null, `node ${m.id} still running`);

  await c.stopAll();
  const histories = c.histories();
  const report = checkHistories(histories, { requireConvergence: false, quiescent: false });
  assert.ok(report.ok, report.violations.slice(0, 5).map((v) => `${v.property}: ${v.message}`).join('\n'));
  assert.ok(report.stats.deliveries > 1000, `only ${report.stats.deliveries} deliveries`);
});

test('a node with a different key never joins, and the others say why once', { skip }, async () => {
  const strangerDir = mkdtempSync(join(tmpdir(), 'ringcast-stranger-'));
  try {
    for (const m of c.members) if (!m.proc || m.proc.exitCode !== null || m.proc.signalCode !== null) {
      m.log = '';
      c.start(m);
    }
    await waitFor('a ring of 1,2,3', c.ringOf([1, 2, 3]), 20_000);
    // Node 3 restarts with another key: same addresses, same cluster name, different secret.
    const stranger = c.members[2]!;
    await new Promise<void>((resolve) => {
      stranger.proc!.once('exit', () => resolve());
      stranger.proc!.kill('SIGTERM');
    });
    writeKeyFile(join(strangerDir, 'authkey'), generateKey());
    const config = join(strangerDir, 'corosync.conf');
    writeFileSync(config, readFileSync(join(c.dir, 'corosync.conf'), 'utf8').replace(join(c.dir, 'authkey'), join(strangerDir, 'authkey')));
    c.members[0]!.log = '';
    c.start(stranger, config);
    await waitFor('a ring of 1,2 without the stranger', c.ringOf([1, 2]), 15_000);
    await new Promise((r) => setTimeout(r, 3000));
    assert.ok(c.ringOf([1, 2])(), 'nodes 1 and 2 stay in their ring');
    const s3 = c.status(stranger);
    assert.ok(s3 && !s3.members.includes(1) && !s3.members.includes(2), 'the stranger never formed a ring with them');
    const warnings = c.members[0]!.log.split('\n').filter((l) => l.includes('fail authentication'));
    assert.ok(warnings.length >= 1, 'node 1 says why');
    assert.ok(warnings.length <= 2, `node 1 logged ${warnings.length} times, not once`);
  } finally {
    await c.stopAll();
    rmSync(strangerDir, { recursive: true, force: true });
  }
});

/**
 * End to end: the real ringcastd binary (one node on loopback, no crypto) and the client library
 * over its socket: join, mcast, receive, the CLI's view of the groups, then a daemon restart that
 * the handle rides out with reconnect.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeUdpPorts } from '../daemon/testing.js';
import { connect, type CpgConfchgEvent, type CpgDeliverEvent, type CpgEvent, type RingcastClient } from './index.js';
import { nextEmitted, take } from './testing/wait.js';

const CLI_DIR = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'cli');
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

function startDaemon(config: string, stateDir: string): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(CLI_DIR, 'ringcastd.js'), '--config', config, '--nodeid', '1', '--state-dir', stateDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

/** Connects as soon as the daemon's socket answers and its ring has this node as member. */
async function connectWhenUp(stateDir: string, daemon: { stderr: () => string }): Promise<RingcastClient> {
  let client: RingcastClient | undefined;
  const deadline = Date.now() + 15_000;
  while (!client) {
    try {
      client = await connect({ stateDir, reconnect: { initialDelayMs: 20, maxDelayMs: 200, maxAttempts: 100 } });
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`ringcastd did not come up: ${(err as Error).message}\n${daemon.stderr()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const c = client;
  for (;;) {
    const m = await c.members();
    if (m.members.includes(1)) return c;
    if (Date.now() > deadline) throw new Error(`ring not formed: ${JSON.stringify(m)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('end to end with ringcastd: join, mcast, receive; the handle re-joins after a daemon restart', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rc-e2e-'));
  const [port] = await freeUdpPorts(1);
  const config = join(dir, 'ringcast.conf');
  await writeFile(config, `totem {
  version: 2
  cluster_name: e2e
  transport: udpu
  crypto_cipher: none
  crypto_hash: none
  interface {
    linknumber: 0
    mcastport: ${port}
  }
}
nodelist {
  node {
    ring0_addr: 127.0.0.1
    nodeid: 1
  }
}
`);
  let daemon = startDaemon(config, dir);
  try {
    const client = await connectWhenUp(dir, daemon);
    assert.equal(client.nodeId, 1);
    const status = await client.status();
    assert.equal(status.nodeId, 1);
    const cpg = await client.cpg();
    const events = cpg.events();
    await cpg.join('e2e', { initialTotemConfchg: true });
    const [joined, totem] = await take(events, 2);
    assert.deepEqual((joined as CpgConfchgEvent).joined, [{ nodeId: 1, pid: process.pid, reason: 'join' }]);
    assert.equal(totem!.type, 'totemConfchg');
    assert.deepEqual((totem as Extract<CpgEvent, { type: 'totemConfchg' }>).nodes, [1]);
    for (let i = 1; i <= 20; i++) await cpg.mcast('e2e', text(`m${i}`), { guarantee: i % 2 === 0 ? 'safe' : 'agreed' });
    const delivered = await take(events, 20, (e) => e.type === 'deliver');
    assert.deepEqual(delivered.map((e) => str((e as CpgDeliverEvent).data)), Array.from({ length: 20 }, (_, i) => `m${i + 1}`));
    assert.deepEqual(await cpg.membership('e2e'), [{ nodeId: 1, pid: process.pid }]);
    assert.deepEqual((await cpg.groups()).map((g) => g.group), ['e2e']);
    assert.equal(await cpg.localNodeId(), 1);

    // The daemon goes away and comes back: the handle reports it and re-joins.
    const disconnected = nextEmitted(cpg, 'disconnected', 15_000);
    daemon.child.kill('SIGTERM');
    await disconnected;
    await daemon.exited;
    daemon = startDaemon(config, dir);
    const reconnected = await nextEmitted<{ groups: string[]; mayHaveMissed: boolean }>(cpg, 'reconnected', 30_000);
    assert.deepEqual(reconnected.groups, ['e2e']);
    assert.equal(reconnected.mayHaveMissed, true);
    await cpg.mcast('e2e', text('after restart'));
    const [again] = await take(events, 1, (e) => e.type === 'deliver', 15_000);
    assert.equal(str((again as CpgDeliverEvent).data), 'after restart');
    await client.close();
  } finally {
    daemon.child.kill('SIGTERM');
    await daemon.exited;
    await rm(dir, { recursive: true, force: true });
  }
});

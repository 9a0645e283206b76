/**
 * Misbehaving clients against a real daemon: each is cut off alone, the daemon stays healthy and
 * its memory bounded. Oversize frames, a member that never reads while others flood its group,
 * and thousands of short-lived connections (half of them group members that just vanish).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { readdirSync } from 'node:fs';
import { encodeFrame, IPC_PROTOCOL_VERSION } from '../ipc/frame.js';
import { encodeCpgLibRequest } from '../protocol/cpg/lib-protocol.js';
import { connect } from '../client/index.js';
import { startTestDaemon, waitFor } from './testing.js';

const enc = new TextEncoder();

/** A raw client: handshake to 'cpg', join `group`, then never read another byte. */
async function stubbornMember(path: string, group: string): Promise<Socket> {
  const socket = netConnect(path);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => {});
  socket.write(encodeFrame({ kind: 'hello', versionMin: IPC_PROTOCOL_VERSION, versionMax: IPC_PROTOCOL_VERSION, pid: 9999, maxFrameBytes: 2 * 1024 * 1024, serviceName: 'cpg' }));
  const join = encodeCpgLibRequest({ kind: 'join', group: enc.encode(group), deliverInitialTotemConf: false });
  socket.write(encodeFrame({ kind: 'request', requestId: 1, messageId: join.messageId, payload: join.payload }));
  socket.pause();
  return socket;
}

test('a member that never reads is cut off at the outbound bound; the flooder and a reading member are unaffected', async () => {
  const outboundMaxBytes = 2 * 1024 * 1024;
  const d = await startTestDaemon({ overrides: { ipc: { limits: { outboundMaxBytes, outboundSoftBytes: 256 * 1024 } } } });
  const client = await connect({ stateDir: d.stateDir });
  const after: (() => Promise<void>)[] = [];
  try {
    const stubborn = await stubbornMember(d.socketPath, 'flood');
    const reader = await client.cpg();
    await reader.join('flood');
    let received = 0;
    reader.on('deliver', () => received++);
    // A (node, pid) pair joins a group once, as in Corosync: the flooder declares another pid.
    const other = await connect({ stateDir: d.stateDir, pid: 424242 });
    const flooder = await other.cpg();
    await flooder.join('flood');
    const payload = new Uint8Array(16 * 1024);
    let maxOutbound = 0;
    const watch = setInterval(() => {
      for (const c of d.daemon.host.ipc.connections()) maxOutbound = Math.max(maxOutbound, c.outboundBytes);
    }, 1);
    for (let i = 0; i < 400; i++) await flooder.mcast('flood', payload);
    // The stubborn socket is paused, so it would never see its end: ask the daemon instead.
    await waitFor('the stubborn member cut as a slow consumer', () => d.daemon.host.ipc.stats.disconnects.SLOW_CONSUMER >= 1, 10_000);
    clearInterval(watch);
    stubborn.destroy();
    after.push(() => other.close());
    assert.ok(maxOutbound <= outboundMaxBytes, `outbound peaked at ${maxOutbound} bytes, bound ${outboundMaxBytes}`);
    await waitFor('the reading member got every message', () => received === 400, 15_000);
    const members = await flooder.membership('flood');
    assert.deepEqual(members.map((m) => m.pid).sort((a, b) => a - b), [process.pid, 424242].sort((a, b) => a - b), 'the cut member left the group (procdown)');
  } finally {
    for (const f of after) await f();
    await client.close();
    await d.stop();
  }
});

test('oversize frames and thousands of short-lived connections leave the daemon healthy, with no leaked connections or files', async () => {
  const d = await startTestDaemon();
  try {
    const fds = (): number => readdirSync('/proc/self/fd').length;
    // An oversize length prefix is refused before any allocation.
    const big = netConnect(d.socketPath);
    await new Promise<void>((resolve, reject) => big.once('connect', resolve).once('error', reject));
    big.on('error', () => {});
    big.resume(); // read, so the daemon's end of the connection is seen
    const bigClosed = new Promise<void>((resolve) => big.once('close', () => resolve()));
    big.write(Buffer.from([0xff, 0xff, 0xff, 0x7f, 1, 2, 3]));
    await bigClosed;
    assert.equal(d.daemon.host.ipc.stats.disconnects.BAD_HANDSHAKE, 1, 'cut before the handshake, nothing allocated for it');

    const before = fds();
    // 2,000 connections, 50 at a time (each client opens two: status and cpg; the daemon serves 256).
    for (let batch = 0; batch < 40; batch++) {
      await Promise.all(Array.from({ length: 50 }, async (_, k) => {
        const client = await connect({ stateDir: d.stateDir });
        if (k % 2 === 0) {
          const cpg = await client.cpg();
          await cpg.join(`churn-${k % 7}`);
        }
        await client.close();
      }));
    }
    await waitFor('every connection closed in the daemon', () => d.daemon.host.ipc.stats.connectionsOpen === 0, 10_000);
    const survivor = await connect({ stateDir: d.stateDir });
    const cpg = await survivor.cpg();
    const groups = await cpg.groups();
    assert.deepEqual(groups.filter((g) => g.members.length > 0).map((g) => g.group), [], 'no member survives its connection');
    await cpg.join('after');
    let got = 0;
    cpg.on('deliver', () => got++);
    await cpg.mcast('after', enc.encode('still fine'));
    await waitFor('the daemon still delivers', () => got === 1, 5_000);
    await survivor.close();
    await waitFor('descriptors back to where they were', () => fds() <= before, 5_000);
  } finally {
    await d.stop();
  }
});

/**
 * Operators read ring ids as Corosync prints them, `<rep hex>.<seq hex>`, in the log, status.json,
 * the status service's answers; the history file keeps its decimal `<rep>.<seq>`. Node 10 with a
 * stored ring sequence of 27 forms a ring whose id differs between the two forms (a.1f vs 10.31).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectIpc } from '../ipc/index.js';
import { STATUS_FILE } from '../protocol/paths.js';
import { corosyncRingId } from '../protocol/ring-id.js';
import { StatusRequest, type DaemonStatus, type MembersAnswer } from '../protocol/status.js';
import { startTestDaemon, waitFor } from './testing.js';

test('corosyncRingId is Corosync\'s "%x.%llx"', () => {
  assert.equal(corosyncRingId({ rep: 1, seq: 28 }), '1.1c');
  assert.equal(corosyncRingId({ rep: 10, seq: 28 }), 'a.1c');
  assert.equal(corosyncRingId({ rep: 0xffff_ffff, seq: 2 ** 40 }), 'ffffffff.10000000000');
});

test('log, status.json and the status service print the hex ring id; the history keeps decimal', async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'ringcastd-ringid-'));
  writeFileSync(join(stateDir, 'ringid_10'), '27\n');
  const historyPath = join(stateDir, 'history.jsonl');
  const d = await startTestDaemon({ nodeId: 10, overrides: { stateDir, historyPath } });
  t.after(() => d.stop());
  const ring = d.daemon.node.status().ringId;
  assert.equal(ring.rep, 10);
  assert.ok(ring.seq > 27 && ring.seq.toString(16) !== String(ring.seq), `seq ${ring.seq} reads differently in hex`);
  const hex = `a.${ring.seq.toString(16)}`;

  const formed = d.logs.filter((l) => l.msg.startsWith('A new membership'));
  assert.equal(formed.at(-1)?.msg, `A new membership (${hex}) was formed. Members: 10`);
  assert.equal(formed.at(-1)?.['ring'], hex);
  const synced = d.logs.filter((l) => l.msg.startsWith('Completed service synchronization'));
  assert.equal(synced.at(-1)?.['ring'], hex);

  assert.equal(d.daemon.status().ringId, hex);
  await waitFor('status.json with the ring', () => {
    try {
      return (JSON.parse(readFileSync(join(stateDir, STATUS_FILE), 'utf8')) as DaemonStatus).ringId === hex;
    } catch {
      return false;
    }
  });
  const s = await connectIpc({ path: d.socketPath, serviceName: 'status' });
  const members = JSON.parse(new TextDecoder().decode((await s.request(StatusRequest.members)).payload)) as MembersAnswer;
  await s.close();
  assert.deepEqual(members.ringId, { rep: 10, seq: ring.seq });
  assert.equal(members.ring, hex);

  const configs = (): { ev: string; ring?: string }[] => {
    try {
      return readFileSync(historyPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { ev: string; ring?: string })
        .filter((r) => r.ev === 'config');
    } catch {
      return [];
    }
  };
  await waitFor('the history\'s config records', () => configs().some((r) => r.ring === `10.${ring.seq}`));
  assert.ok(configs().every((r) => /^10\.[0-9]+$/.test(r.ring!)), 'the history file keeps its decimal form');
});

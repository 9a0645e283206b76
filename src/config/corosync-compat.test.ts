import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from './load.js';

const base = (totem: string, own = '') => `totem {
  version: 2
  cluster_name: mixed
  transport: udpu
${totem}}
nodelist {
  node {
    ring0_addr: 10.0.0.1
    nodeid: 1
  }
}
ringcast {
  corosync_compat: yes
${own}}
`;
const clear = '  crypto_cipher: none\n  crypto_hash: none\n';

test('corosync_compat sets one frame per datagram, no probes and Corosync\'s seqno_unchanged_const', () => {
  const r = loadConfig(base(clear));
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  assert.equal(r.config.ringcast.frameSize, 1500);
  assert.equal(r.config.ringcast.ipFragmentation, 'off');
  assert.equal(r.config.ringcast.corosyncCompat, true);
  assert.equal(r.config.totem.timing.seqnoUnchangedConst, 30);
  assert.equal(r.config.totem.timing.corosyncTokenHold, true, 'quiet rotations counted as Corosync counts them');
  const mtu = loadConfig(base(`${clear}  netmtu: 9000\n  seqno_unchanged_const: 5\n`));
  assert.ok(mtu.ok);
  assert.equal(mtu.config.ringcast.frameSize, 9000);
  assert.equal(mtu.config.totem.timing.seqnoUnchangedConst, 5);
});

test('without corosync_compat nothing changes', () => {
  const r = loadConfig(base(clear).replace('corosync_compat: yes', 'corosync_compat: no'));
  assert.ok(r.ok);
  assert.equal(r.config.ringcast.frameSize, 65536);
  assert.equal(r.config.ringcast.ipFragmentation, 'auto');
  assert.equal(r.config.totem.timing.seqnoUnchangedConst, undefined);
  assert.equal(r.config.totem.timing.corosyncTokenHold, undefined);
});

test('what cannot work in a mixed ring is refused with the line and the key', () => {
  const messages = (text: string) => {
    const r = loadConfig(text);
    assert.ok(!r.ok);
    return r.errors.map((e) => e.message);
  };
  const crypto = messages(base(''));
  assert.equal(crypto.length, 1);
  assert.match(crypto[0]!, /:13: ringcast\.corosync_compat: Corosync carries crypto only over knet.*\(line 13\)/);
  const written = messages(base('  crypto_cipher: aes256\n  crypto_hash: sha256\n'));
  assert.match(written[0]!, /:5: totem\.crypto_cipher: Corosync carries crypto only over knet.*\(line 15\)/);
  const frame = messages(base(clear, '  frame_size: 65536\n'));
  assert.match(frame[0]!, /:16: ringcast\.frame_size: 65536: .*must equal totem\.netmtu \(1500\)/);
  const probes = messages(base(clear, '  ip_fragmentation: auto\n'));
  assert.match(probes[0]!, /:16: ringcast\.ip_fragmentation: auto sends size probes/);
  const knet = messages(base(clear).replace('transport: udpu', 'transport: knet'));
  assert.ok(knet.some((m) => /totem\.transport/.test(m)), knet.join('\n'));
});

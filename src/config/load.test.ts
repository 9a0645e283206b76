import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FRAME_SIZE, loadConfig, type ConfigIssue, type RingcastConfig } from './index.js';

const FULL = `# A three-node ring, crypto on
totem {
    version: 2
    cluster_name: "prod east"
    transport: udpu
    token: 5000
    token_coefficient: 1000
    join: 60
    window_size: 80
    crypto_cipher: chacha20
    crypto_hash: sha384
    keyfile: /etc/ringcast/prod.key
    ip_version: ipv4
    interface {
        ringnumber: 0
        mcastport: 5500
    }
}

nodelist {
    node {
        ring0_addr: 10.1.0.1
        nodeid: 1
        name: alpha
    }
    node {
        ring0_addr: 10.1.0.2
        nodeid: 2
        name: beta
    }
    node {
        ring0_addr: 10.1.0.3
        nodeid: 3
        name: gamma
    }
}

logging {
    to_stderr: yes
    to_logfile: yes
    logfile: /var/log/ringcast/ringcast.log
    to_syslog: no
    timestamp: on
    debug: off
    logger_subsys {
        subsys: TOTEM
        debug: trace
    }
}

quorum {
    provider: corosync_votequorum
    expected_votes: 3
}

ringcast {
    state_dir: /var/lib/ringcast
    history: /var/log/ringcast/history.jsonl
}
`;

function ok(text: string): { config: RingcastConfig; warnings: ConfigIssue[] } {
  const r = loadConfig(text);
  assert.ok(r.ok, `expected ok, got ${JSON.stringify(r.ok ? [] : r.errors, null, 1)}`);
  return { config: r.config, warnings: r.warnings };
}

function errors(text: string, source?: string): ConfigIssue[] {
  const r = loadConfig(text, source);
  assert.equal(r.ok, false, 'expected errors');
  return r.ok ? [] : r.errors;
}

const NODES = 'nodelist {\n  node {\n    ring0_addr: 10.0.0.1\n    nodeid: 1\n  }\n}\n';
const withNodes = (totem: string): string => `totem {\n${totem}\n}\n${NODES}`;

describe('loadConfig: a valid file', () => {
  test('a full three-node config with crypto on gives the expected object, without warnings', () => {
    const { config, warnings } = ok(FULL);
    assert.deepEqual(warnings, []);
    assert.deepEqual(config, {
      totem: {
        clusterName: 'prod east', transport: 'udpu', cryptoCipher: 'chacha20', cryptoHash: 'sha384',
        keyfile: '/etc/ringcast/prod.key', ipVersion: 'ipv4', port: 5500, sendJoinMs: 0,
        // 2 × (effective token 5000 + 1000 + consensus 1.2 × 6000)
        shutdownDrainTimeoutMs: 26_400,
        timing: { nodeCount: 3, token: 5000, tokenCoefficient: 1000, join: 60, windowSize: 80 },
      },
      nodes: [
        { nodeId: 1, address: '10.1.0.1', name: 'alpha', line: 21 },
        { nodeId: 2, address: '10.1.0.2', name: 'beta', line: 26 },
        { nodeId: 3, address: '10.1.0.3', name: 'gamma', line: 31 },
      ],
      logging: {
        toStderr: true, toLogfile: true, logfile: '/var/log/ringcast/ringcast.log', toSyslog: false,
        debug: 'off', timestamp: 'on', format: 'auto', subsystems: [{ subsys: 'TOTEM', debug: 'trace', line: 45 }],
      },
      quorum: {
        provider: 'corosync_votequorum', expectedVotes: 3, twoNode: false, waitForAll: false, lastManStanding: false,
        lastManStandingWindowMs: 10000, autoTieBreaker: { kind: 'none' }, allowDownscale: false, expectedVotesTracking: false,
      },
      ringcast: { stateDir: '/var/lib/ringcast', history: '/var/log/ringcast/history.jsonl', frameSize: DEFAULT_FRAME_SIZE, ipFragmentation: 'auto', socketMode: 0o660 },
      event: {},
      cfg: { shutdownTimeoutMs: 5000 },
    });
  });

  test('defaults: udpu, crypto on with aes256 and sha256, port 5405, timers left to deriveTotemConfig', () => {
    const { config, warnings } = ok(NODES);
    assert.deepEqual(warnings, []);
    assert.deepEqual(config.totem, {
      clusterName: 'ringcast', transport: 'udpu', cryptoCipher: 'aes256', cryptoHash: 'sha256',
      keyfile: '/etc/ringcast/authkey', ipVersion: 'ipv6-4', port: 5405, sendJoinMs: 0, shutdownDrainTimeoutMs: 13_200, timing: { nodeCount: 1 },
    });
    assert.deepEqual(config.logging, { toStderr: true, toLogfile: false, toSyslog: false, debug: 'off', timestamp: 'hires', format: 'auto', subsystems: [] });
    assert.deepEqual(config.quorum, { twoNode: false, waitForAll: false, lastManStanding: false, lastManStandingWindowMs: 10000, autoTieBreaker: { kind: 'none' }, allowDownscale: false, expectedVotesTracking: false });
    assert.deepEqual(config.ringcast, { frameSize: 65536, ipFragmentation: 'auto', socketMode: 0o660 });
  });

  test('ringcast.gc_young_every and gc_full_every: the memory pacer\'s budgets in bytes, 0 (off) to 1 GiB; unset: absent', () => {
    const withOwn = (lines: string): string => `${NODES}ringcast {\n${lines}\n}\n`;
    assert.deepEqual(ok(withOwn('  gc_young_every: 0\n  gc_full_every: 4194304')).config.ringcast,
      { frameSize: 65536, ipFragmentation: 'auto', socketMode: 0o660, gcYoungEveryBytes: 0, gcFullEveryBytes: 4194304 });
    assert.ok(errors(withOwn('  gc_full_every: -1')).some((e) => e.key === 'ringcast.gc_full_every'));
    assert.ok(errors(withOwn('  gc_young_every: 1073741825')).some((e) => e.key === 'ringcast.gc_young_every'));
  });

  test('ringcast.send_queue_bytes: the send queue bound in bytes, 64 KiB to 256 MiB; unset: absent (the ring\'s 16 MiB)', () => {
    const withOwn = (lines: string): string => `${NODES}ringcast {\n${lines}\n}\n`;
    assert.equal(ok(withOwn('  send_queue_bytes: 4194304')).config.ringcast.sendQueueBytes, 4194304);
    assert.equal(ok(withOwn('  frame_size: 8192')).config.ringcast.sendQueueBytes, undefined);
    const low = errors(withOwn('  send_queue_bytes: 1000'));
    assert.ok(low.some((e) => e.key === 'ringcast.send_queue_bytes' && e.line === 8), JSON.stringify(low));
  });

  test('shutdown_drain_timeout: a planned stop\'s bound in ms, 0 (leave at once) to the longest timer; default 2 × (token + consensus)', () => {
    assert.equal(ok(withNodes('  shutdown_drain_timeout: 2500')).config.totem.shutdownDrainTimeoutMs, 2500);
    assert.equal(ok(withNodes('  shutdown_drain_timeout: 0')).config.totem.shutdownDrainTimeoutMs, 0);
    assert.equal(ok(withNodes('  token: 1000\n  consensus: 1500')).config.totem.shutdownDrainTimeoutMs, 5000);
    for (const bad of ['-1', '1.5', 'soon', '2147483648']) {
      const issues = errors(withNodes(`  shutdown_drain_timeout: ${bad}`));
      assert.equal(issues.length, 1, `${bad}: ${JSON.stringify(issues)}`);
      assert.equal(issues[0]!.key, 'totem.shutdown_drain_timeout');
      assert.equal(issues[0]!.line, 2);
    }
  });

  test('crypto off takes both none; cipher or hash alone keeps it on', () => {
    const off = ok(withNodes('  crypto_cipher: none\n  crypto_hash: none')).config.totem;
    assert.deepEqual([off.cryptoCipher, off.cryptoHash], ['none', 'none']);
    const authOnly = ok(withNodes('  crypto_cipher: none')).config.totem;
    assert.deepEqual([authOnly.cryptoCipher, authOnly.cryptoHash], ['none', 'sha256']);
  });

  test('secauth is a deprecated alias: off turns crypto off unless crypto_* says otherwise', () => {
    const { config, warnings } = ok(withNodes('  secauth: off'));
    assert.deepEqual([config.totem.cryptoCipher, config.totem.cryptoHash], ['none', 'none']);
    assert.deepEqual(warnings.map((w) => [w.line, w.key]), [[2, 'totem.secauth']]);
    assert.match(warnings[0]!.message, /deprecated: write crypto_cipher and crypto_hash instead/);
    const mixed = ok(withNodes('  secauth: off\n  crypto_hash: sha512')).config.totem;
    assert.deepEqual([mixed.cryptoCipher, mixed.cryptoHash], ['none', 'sha512']);
  });

  test('transport udp: mcastaddr as written, or derived from cluster_name as Corosync does', () => {
    assert.equal(ok(withNodes('  transport: udp\n  mcastaddr: 239.1.2.3')).config.totem.mcastaddr, '239.1.2.3');
    const derived = ok(withNodes('  transport: udp\n  cluster_name: cslab')).config.totem;
    assert.equal(derived.mcastaddr, '239.192.12.168');
    assert.equal(derived.ipVersion, 'ipv4');
    assert.equal(ok(withNodes('  mcastaddr: 239.1.2.3')).config.totem.mcastaddr, undefined, 'udpu has no group');
  });

  test('a missing nodeid is derived from an IPv4 ring0_addr, with a warning', () => {
    const text = 'totem {\n  clear_node_high_bit: yes\n}\nnodelist {\n  node {\n    ring0_addr: 192.168.1.10\n  }\n}\n';
    const { config, warnings } = ok(text);
    assert.equal(config.nodes[0]!.nodeId, 0x4_0a8_010a); // 0xc0a8010a with the high bit cleared
    assert.deepEqual(warnings.map((w) => [w.line, w.key]), [[5, 'nodelist.node.0.nodeid']]);
    assert.match(warnings[0]!.message, /derived 1084752138 from ring0_addr 192\.168\.1\.10/);
  });

  test("system.state_dir, Corosync's place for it, is read when ringcast.state_dir is absent", () => {
    assert.equal(ok(`${NODES}system {\n  state_dir: /srv/state\n}\n`).config.ringcast.stateDir, '/srv/state');
  });

  test('a file written for Corosync 3 (the lab generator) loads, its Corosync-only keys as warnings', () => {
    const text = 'totem {\n    version: 2\n    cluster_name: cslab\n    transport: udpu\n    token: 1000\n    token_coefficient: 650\n' +
      '    crypto_cipher: none\n    crypto_hash: none\n}\nnodelist {\n    node {\n        nodeid: 1\n        name: cs1\n        ring0_addr: 10.99.0.1\n    }\n' +
      '    node {\n        nodeid: 2\n        name: cs2\n        ring0_addr: 10.99.0.2\n    }\n}\nquorum {\n    provider: corosync_votequorum\n}\n' +
      'logging {\n    to_logfile: yes\n    logfile: /tmp/cs/corosync.log\n    to_syslog: no\n    to_stderr: no\n    timestamp: hires\n    debug: off\n}\n' +
      'system {\n    state_dir: /tmp/cs/state\n    sched_rr: no\n}\n';
    const { config, warnings } = ok(text);
    assert.equal(config.nodes.length, 2);
    assert.equal(config.ringcast.stateDir, '/tmp/cs/state');
    assert.deepEqual(warnings.map((w) => w.key), ['system.sched_rr']);
    assert.match(warnings[0]!.message, /ignored: process scheduling/);
  });
});

describe('loadConfig: each class of error names the right line and key', () => {
  test('unbalanced braces', () => {
    const e = errors(`totem {\n  token: 3000\n${NODES}`);
    assert.deepEqual(e.map((i) => [i.line, i.key]), [[1, 'totem']]);
    assert.match(e[0]!.message, /^corosync\.conf:1: totem: section opened here is never closed/);
  });

  test('a bad number, with its unit', () => {
    const e = errors(withNodes('  token: fast'), '/etc/ringcast/corosync.conf');
    assert.deepEqual(e, [{
      line: 2, key: 'totem.token',
      message: '/etc/ringcast/corosync.conf:2: totem.token: expected a positive integer (milliseconds), got "fast"',
    }]);
    assert.match(errors(withNodes('  token: 10'))[0]!.message, /totem\.token: must be between 30 and 2147483647 milliseconds, got 10$/);
    assert.match(errors(withNodes('  netmtu: 100000'))[0]!.message, /totem\.netmtu: must be between 576 and 65535 bytes, got 100000$/);
    assert.match(errors(withNodes('  window_size: 0'))[0]!.message, /totem\.window_size: must be between 1 and 4294967295 messages, got 0$/);
  });

  test('a duplicate nodeid, naming both lines', () => {
    const text = 'nodelist {\n  node {\n    ring0_addr: 10.0.0.1\n    nodeid: 7\n  }\n  node {\n    ring0_addr: 10.0.0.2\n    nodeid: 7\n  }\n}\n';
    assert.deepEqual(errors(text), [{
      line: 8, key: 'nodelist.node.1.nodeid',
      message: 'corosync.conf:8: nodelist.node.1.nodeid: nodeid 7 is already used at line 4: every node needs its own',
    }]);
  });

  test('duplicate addresses (in any spelling) and names', () => {
    const text = 'nodelist {\n  node {\n    ring0_addr: fd00::1\n    nodeid: 1\n    name: a\n  }\n' +
      '  node {\n    ring0_addr: FD00:0:0::1\n    nodeid: 2\n    name: a\n  }\n}\n';
    const e = errors(text);
    assert.deepEqual(e.map((i) => [i.line, i.key]), [[8, 'nodelist.node.1.ring0_addr'], [10, 'nodelist.node.1.name']]);
    assert.match(e[0]!.message, /ring0_addr FD00:0:0::1 is already used at line 3/);
  });

  test('a missing ring0_addr is reported at its node', () => {
    const e = errors('nodelist {\n  node {\n    nodeid: 1\n  }\n}\n');
    assert.deepEqual(e.map((i) => [i.line, i.key]), [[2, 'nodelist.node.0.ring0_addr']]);
    assert.match(e[0]!.message, /missing: every node needs ring0_addr/);
  });

  test('a nodeid that cannot be derived, and no nodelist at all', () => {
    assert.deepEqual(errors('nodelist {\n  node {\n    ring0_addr: node1.example.com\n  }\n}\n').map((i) => [i.line, i.key]),
      [[2, 'nodelist.node.0.nodeid']]);
    assert.deepEqual(errors('totem {\n}\n'), [{
      line: 0, key: 'nodelist',
      message: 'corosync.conf: nodelist: missing: ringcast needs nodelist { node { ring0_addr: ADDRESS  nodeid: N } } naming every member',
    }]);
  });

  test('unsupported transport and ciphers, with what to use instead', () => {
    const e = errors(withNodes('  transport: knet\n  crypto_cipher: aes128\n  crypto_hash: sha1'));
    assert.deepEqual(e.map((i) => [i.line, i.key]), [[2, 'totem.transport'], [3, 'totem.crypto_cipher'], [4, 'totem.crypto_hash']]);
    assert.match(e[0]!.message, /totem\.transport: knet is not supported by ringcast: .*use udpu .* or udp/);
    assert.match(e[1]!.message, /totem\.crypto_cipher: aes128 is not supported by ringcast: use aes256 or chacha20/);
    assert.match(errors(withNodes('  transport: tcp'))[0]!.message, /expected udpu or udp, got "tcp"/);
    assert.match(errors(withNodes('  crypto_cipher: 3des'))[0]!.message, /3des is not supported/);
  });

  test('redundant links are refused: ring1_addr and interface link 1', () => {
    const e = errors('totem {\n  interface {\n    linknumber: 1\n  }\n}\nnodelist {\n  node {\n    ring0_addr: 10.0.0.1\n    ring1_addr: 10.1.0.1\n    nodeid: 1\n  }\n}\n');
    assert.deepEqual(e.map((i) => [i.line, i.key]), [[3, 'totem.interface.0.linknumber'], [9, 'nodelist.node.0.ring1_addr']]);
  });

  test('rules across keys: udp without a group, a group that is not multicast, mixed IP families', () => {
    assert.deepEqual(errors(withNodes('  transport: udp')).map((i) => [i.line, i.key]), [[2, 'totem.mcastaddr']]);
    assert.match(errors(withNodes('  transport: udp\n  mcastaddr: 10.0.0.9'))[0]!.message, /10\.0\.0\.9 is not a multicast address/);
    assert.match(errors(withNodes('  transport: udp\n  mcastaddr: ff15::1'))[0]!.message, /ff15::1 is an IPv6 group but the nodes have IPv4 addresses/);
    const mixed = 'nodelist {\n  node {\n    ring0_addr: 10.0.0.1\n    nodeid: 1\n  }\n  node {\n    ring0_addr: fd00::2\n    nodeid: 2\n  }\n}\n';
    assert.match(errors(mixed)[0]!.message, /^corosync\.conf:7: nodelist\.node\.1\.ring0_addr: fd00::2 is IPv6 but 10\.0\.0\.1 \(line 3\) is IPv4/);
    assert.match(errors(withNodes('  ip_version: ipv6'))[0]!.message, /10\.0\.0\.1 is an IPv4 address but totem\.ip_version is ipv6/);
  });

  test('derived timers out of range point at the key that caused them', () => {
    const e = errors(withNodes('  token: 100\n  token_retransmits_before_loss_const: 10'));
    assert.deepEqual(e.map((i) => [i.line, i.key]), [[3, 'totem.token_retransmits_before_loss_const']]);
    assert.match(e[0]!.message, /token_retransmit would be 9 ms = token 100 \/ \(token_retransmits_before_loss_const 10 \+ 0\.2\), below the 30 ms minimum/);
    assert.match(errors(withNodes('  join: 500\n  consensus: 400'))[0]!.message, /totem\.consensus: consensus 400 ms is less than join 500 ms/);
    assert.match(errors(withNodes('  token: 2000000000'))[0]!.message, /exceeds 2147483647 ms, the longest Node\.js timer/);
  });

  test('logging: to_logfile without logfile, logger_subsys without subsys, bad debug level', () => {
    const e = errors(`${NODES}logging {\n  to_logfile: yes\n  debug: verbose\n  logger_subsys {\n    debug: on\n  }\n}\n`);
    assert.deepEqual(e.map((i) => [i.line, i.key]), [[8, 'logging.logfile'], [9, 'logging.debug'], [10, 'logging.logger_subsys.0.subsys']]);
    assert.match(e[1]!.message, /expected one of off, on or trace, got "verbose"/);
  });

  test('relative paths are refused (keyfile, state_dir, history)', () => {
    const e = errors(`${NODES}totem {\n  keyfile: authkey\n}\nringcast {\n  state_dir: state\n  history: h.jsonl\n}\n`);
    assert.deepEqual(e.map((i) => i.key), ['totem.keyfile', 'ringcast.state_dir', 'ringcast.history']);
    assert.match(e[0]!.message, /expected an absolute path, got "authkey"/);
  });
});

describe('loadConfig: warnings', () => {
  test('an unknown key gets a suggestion, and the file still loads', () => {
    const { warnings } = ok(withNodes('  tokn: 5000'));
    assert.deepEqual(warnings, [{ line: 2, key: 'totem.tokn', message: 'corosync.conf:2: unknown key totem.tokn (did you mean token?); ignored' }]);
  });

  test('misplaced keys and sections say where they belong; Corosync keys ringcast ignores say why', () => {
    const { warnings } = ok(`${NODES}logging {\n  token: 5\n}\ninterface {\n}\ntotem {\n  token_warning: 50\n  knet_mtu: 1400\n}\nuidgid {\n  uid: x\n}\n`);
    assert.deepEqual(warnings.map((w) => w.message), [
      'corosync.conf:8: unknown key logging.token (token belongs in totem {}); ignored',
      'corosync.conf:10: unknown section interface (interface {} belongs in totem {}); ignored with everything in it',
      'corosync.conf:13: totem.token_warning: ignored: token warnings are not implemented by ringcast yet',
      'corosync.conf:14: totem.knet_mtu: ignored: ringcast runs Totem over plain UDP and has no knet links',
      'corosync.conf:17: uidgid.0.uid: ignored: without peer credentials ringcast cannot admit one user; put the user in the group named by uidgid.gid',
    ]);
  });

  test('IPC access: uidgid.gid names the socket file\'s group, ringcast.socket_mode its octal mode; two groups or a bad mode are errors', () => {
    const { config } = ok(`${NODES}uidgid {\n  gid: haclient\n}\nringcast {\n  socket_mode: 0640\n}\n`);
    assert.equal(config.ringcast.socketGroup, 'haclient');
    assert.equal(config.ringcast.socketMode, 0o640);
    assert.equal(ok(NODES).config.ringcast.socketMode, 0o660);
    const two = loadConfig(`${NODES}uidgid {\n  gid: a\n}\nuidgid {\n  gid: b\n}\n`);
    assert.ok(!two.ok && two.errors.some((e) => e.key === 'uidgid.1.gid' && /one group/.test(e.message)));
    const bad = loadConfig(`${NODES}ringcast {\n  socket_mode: rw\n}\n`);
    assert.ok(!bad.ok && bad.errors.some((e) => e.key === 'ringcast.socket_mode'));
  });

  test('a key set twice: the last wins, as in Corosync, with a warning naming both lines', () => {
    const { config, warnings } = ok(withNodes('  token: 4000\n  token: 5000'));
    assert.equal(config.totem.timing.token, 5000);
    assert.match(warnings[0]!.message, /^corosync\.conf:3: totem\.token: set again: this value replaces "4000" from line 2/);
  });

  test('consensus below token with three or more nodes (corosync.conf(5) advice)', () => {
    const text = FULL.replace('    join: 60\n', '    join: 60\n    consensus: 4000\n');
    const { warnings } = ok(text);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /^corosync\.conf:9: totem\.consensus: consensus 4000 ms is less than the effective token 6000 ms/);
  });
});

test('event {}: OpenAIS\'s delivery queue keys and the filter rule; resume above size is an error', () => {
  const base = 'totem {\n  cluster_name: e\n  crypto_cipher: none\n  crypto_hash: none\n}\nnodelist {\n  node {\n    ring0_addr: 10.0.0.1\n    nodeid: 1\n  }\n}\n';
  const good = loadConfig(`${base}event {\n  delivery_queue_size: 50\n  delivery_queue_resume: 10\n  filter_match: openais\n}\n`);
  assert.ok(good.ok, JSON.stringify(!good.ok && good.errors));
  assert.deepEqual(good.config.event, { deliveryQueueSize: 50, deliveryQueueResume: 10, filterRule: 'openais' });
  const bad = loadConfig(`${base}event {\n  delivery_queue_size: 50\n  delivery_queue_resume: 60\n}\n`);
  assert.equal(bad.ok, false);
  assert.ok(!bad.ok && bad.errors.some((e) => e.key === 'event.delivery_queue_resume'), JSON.stringify(!bad.ok && bad.errors));
});

test('ringcast.metrics_address: HOST:PORT (IPv4, [IPv6], host name, port 0 = any free); absent = no endpoint; bad values name their line', () => {
  const base = 'totem {\n  cluster_name: m\n  crypto_cipher: none\n  crypto_hash: none\n}\nnodelist {\n  node {\n    ring0_addr: 10.0.0.1\n    nodeid: 1\n  }\n}\n';
  const at = (value: string) => loadConfig(`${base}ringcast {\n  metrics_address: ${value}\n}\n`);
  const absent = loadConfig(base);
  assert.ok(absent.ok && absent.config.ringcast.metricsAddress === undefined, 'off unless set');
  for (const [value, host, port] of [
    ['127.0.0.1:9100', '127.0.0.1', 9100], ['[::1]:0', '::1', 0], ['[fd00::1]:65535', 'fd00::1', 65535], ['metrics.example.com:9464', 'metrics.example.com', 9464],
  ] as const) {
    const r = at(value);
    assert.ok(r.ok, `${value}: ${JSON.stringify(!r.ok && r.errors)}`);
    assert.deepEqual(r.config.ringcast.metricsAddress, { host, port }, value);
  }
  // The ringcast section starts on line 12: the key is on line 13.
  for (const [value, says] of [
    ['127.0.0.1', 'the port is missing'], ['::1:9100', 'in brackets'], ['[10.0.0.1]:9100', 'IPv6 address in brackets'],
    ['127.0.0.1:70000', 'between 0 and 65535'], ['127.0.0.1:-1', 'HOST:PORT'], ['10.0.0.300:9100', 'before the port'], [':9100', 'before the port'],
  ] as const) {
    const r = at(value);
    assert.ok(!r.ok, value);
    const e = r.errors.find((x) => x.key === 'ringcast.metrics_address');
    assert.ok(e, `${value}: ${JSON.stringify(r.errors)}`);
    assert.equal(e.line, 13, value);
    assert.match(e.message, /^corosync\.conf:13: ringcast\.metrics_address: /);
    assert.ok(e.message.includes(says), `${value}: ${e.message}`);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLine } from '../protocol/cmap-values.js';
import { cmapConfigFromText } from './cmap-config.js';

const CONF = `totem {
  version: 2
  cluster_name: lab
  token: 3000
  config_version: 12
  crypto_cipher: none
  interface {
    linknumber: 1
    mcastport: 5405
    bindnetaddr: 10.0.0.0
  }
}
nodelist {
  node {
    ring0_addr: 10.0.0.1
    nodeid: 1
    name: n1
  }
  node {
    ring0_addr: 10.0.0.2
    nodeid: 2
    quorum_votes: 2
  }
}
quorum {
  provider: corosync_votequorum
  two_node: 1
  expected_votes: 3
}
logging {
  to_stderr: yes
  logger_subsys {
    subsys: QUORUM
    debug: on
  }
}
uidgid {
  gid: haclient
}
`;

test('the file\'s keys with coroparse\'s names and types', () => {
  const lines = cmapConfigFromText(CONF, 2).map((e) => formatLine(e.key, e.value)).sort();
  assert.deepEqual(lines, [
    'logging.logger_subsys.QUORUM.debug (str) = on',
    'logging.logger_subsys.QUORUM.subsys (str) = QUORUM',
    'logging.to_stderr (str) = yes',
    'nodelist.local_node_pos (u32) = 1',
    'nodelist.node.0.name (str) = n1',
    'nodelist.node.0.nodeid (u32) = 1',
    'nodelist.node.0.ring0_addr (str) = 10.0.0.1',
    'nodelist.node.1.nodeid (u32) = 2',
    'nodelist.node.1.quorum_votes (u32) = 2',
    'nodelist.node.1.ring0_addr (str) = 10.0.0.2',
    'quorum.expected_votes (u32) = 3',
    'quorum.provider (str) = corosync_votequorum',
    'quorum.two_node (u8) = 1',
    'totem.cluster_name (str) = lab',
    'totem.config_version (u64) = 12',
    'totem.crypto_cipher (str) = none',
    'totem.interface.1.bindnetaddr (str) = 10.0.0.0',
    'totem.interface.1.mcastport (u16) = 5405',
    'totem.token (u32) = 3000',
    'totem.version (u32) = 2',
    'uidgid.config.gid.haclient (u8) = 1',
  ]);
});

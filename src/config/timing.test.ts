import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEffectiveTiming, loadConfig, type RingcastConfig } from './index.js';

function nodes(n: number): string {
  return `nodelist {\n${Array.from({ length: n }, (_, i) => `  node {\n    ring0_addr: 10.0.0.${i + 1}\n    nodeid: ${i + 1}\n  }\n`).join('')}}\n`;
}

function load(text: string): RingcastConfig {
  const r = loadConfig(text);
  assert.ok(r.ok, JSON.stringify(r));
  return r.config;
}

describe('describeEffectiveTiming', () => {
  test('three nodes on the defaults: the token grows, the rest follows from it', () => {
    assert.deepEqual(describeEffectiveTiming(load(nodes(3))), [
      'token 3650 ms (3000 + 650 per node beyond 2), token_retransmit 869 ms, hold 685 ms, consensus 4380 ms, join 50 ms, merge 200 ms',
      'derived: token_retransmit = token / (4 retransmits before loss + 0.2), hold ≈ 0.8 × token_retransmit, consensus = 1.2 × token; set in the file: none (Corosync 3.1 defaults)',
      'a silent token is re-sent every 869 ms and declared lost after 3650 ms; a crashed node leaves the membership after about 8030 ms (token + consensus)',
      'flow control: window_size 50 frames per rotation, max_messages 17 frames per token visit, frames of up to 65536 bytes (65418 bytes of messages) in datagrams of at most netmtu 1500 bytes (or whole, as IP fragments, to peers whose path answers a probe)',
    ]);
  });

  test('two nodes: no growth; values the file sets are named and not called derived', () => {
    const lines = describeEffectiveTiming(load(`totem {\n  token: 1000\n  consensus: 1500\n  send_join: 80\n}\n${nodes(2)}`));
    assert.equal(lines[0], 'token 1000 ms, token_retransmit 238 ms, hold 180 ms, consensus 1500 ms, join 50 ms, merge 200 ms');
    assert.equal(lines[1], 'derived: token_retransmit = token / (4 retransmits before loss + 0.2), hold ≈ 0.8 × token_retransmit; set in the file: token, consensus');
    assert.match(lines[3]!, /, send_join up to 80 ms$/);
  });

  test('token_coefficient 0 turns the growth off', () => {
    assert.match(describeEffectiveTiming(load(`totem {\n  token_coefficient: 0\n}\n${nodes(5)}`))[0]!, /^token 3000 ms, /);
  });
});

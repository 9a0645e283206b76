import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadConfig, parseConf } from './index.js';

/** Fragments that make garbage look like a config often enough to reach the deeper checks. */
const fragment = fc.oneof(
  fc.constantFrom('totem', 'nodelist', 'node', 'logging', 'interface', 'quorum', 'ringcast', 'logger_subsys',
    'token', 'nodeid', 'ring0_addr', 'crypto_cipher', 'transport', 'consensus', 'subsys', 'mcastaddr',
    ' {', '{', '}', ':', ': ', '#', '"', "'", ' ', '\t', '\n', '\n', '\r\n', '\uFEFF',
    '10.0.0.1', 'fd00::1', '0', '1', '30', '4294967296', 'udp', 'knet', 'none', 'yes', '/abs/path'),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
);
const garbage = fc.oneof(fc.array(fragment, { maxLength: 120 }).map((parts) => parts.join('')), fc.string({ unit: 'binary', maxLength: 300 }));

function lineCount(text: string): number {
  return text.split('\n').length;
}

test('parseConf: any text gives a tree or errors whose lines are lines of the text', () => {
  fc.assert(fc.property(garbage, (text) => {
    const r = parseConf(text, 'x.conf');
    if (r.ok) return;
    assert.ok(r.errors.length > 0);
    for (const e of r.errors) {
      assert.ok(Number.isInteger(e.line) && e.line >= 1 && e.line <= lineCount(text), `line ${e.line} of ${lineCount(text)}`);
      assert.equal(typeof e.key, 'string');
      assert.ok(e.message.startsWith(`x.conf:${e.line}: `), e.message);
    }
  }), { numRuns: 2000 });
});

test('loadConfig: any text gives a config or errors, never a throw; lines within the text (0: the whole file)', () => {
  fc.assert(fc.property(garbage, (text) => {
    const r = loadConfig(text, 'x.conf');
    const issues = r.ok ? r.warnings : [...r.errors, ...r.warnings];
    if (!r.ok) assert.ok(r.errors.length > 0);
    for (const e of issues) {
      assert.ok(Number.isInteger(e.line) && e.line >= 0 && e.line <= lineCount(text), `line ${e.line} of ${lineCount(text)}`);
      assert.ok(e.message.startsWith(e.line > 0 ? `x.conf:${e.line}: ` : 'x.conf: '), e.message);
    }
  }), { numRuns: 2000 });
});

test('loadConfig: a rendered nodelist with random ids, addresses and spacing loads back as written', () => {
  const node = fc.record({
    nodeId: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
    octet: fc.integer({ min: 1, max: 254 }),
    name: fc.option(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), { nil: undefined }),
  });
  const nodes = fc.uniqueArray(node, { minLength: 1, maxLength: 20, selector: (n) => n.nodeId })
    .filter((list) => new Set(list.map((n) => n.octet)).size === list.length && new Set(list.map((n) => n.name).filter(Boolean)).size === list.filter((n) => n.name).length);
  const pad = fc.constantFrom('', ' ', '\t', '    ');
  fc.assert(fc.property(nodes, pad, fc.boolean(), (list, indent, colonSection) => {
    const body = list.map((n) => [
      `${indent}node${colonSection ? ':' : ''} {`,
      `${indent}${indent}ring0_addr: 10.9.0.${n.octet}`,
      `${indent}${indent}nodeid: ${n.nodeId}`,
      ...(n.name ? [`${indent}${indent}name: "${n.name}"`] : []),
      `${indent}}`,
    ].join('\n')).join('\n# between nodes\n\n');
    const r = loadConfig(`nodelist {\n${body}\n}\n`);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.config.nodes.map((n) => [n.nodeId, n.address, n.name]), list.map((n) => [n.nodeId, `10.9.0.${n.octet}`, n.name]));
    assert.equal(r.config.totem.timing.nodeCount, list.length);
  }), { numRuns: 300 });
});

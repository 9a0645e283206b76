import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CONFIG_TEXT_MAX, NESTING_MAX, parseConf, type ConfSection, type ParseResult } from './parse.js';
import { ISSUES_MAX } from './issues.js';

function tree(text: string): ConfSection {
  const r = parseConf(text);
  assert.ok(r.ok, `expected ok, got ${JSON.stringify(r)}`);
  return r.root;
}

function errorsOf(r: ParseResult): { line: number; key: string; message: string }[] {
  assert.equal(r.ok, false, 'expected errors');
  return r.ok ? [] : r.errors;
}

describe('parseConf: the tree', () => {
  test('sections, keys and lines, repeated sections kept in order', () => {
    const root = tree([
      '# cluster', //                      1
      'totem {', //                        2
      '    version: 2', //                 3
      '', //                               4
      '    interface {', //                5
      '        mcastport: 5405', //        6
      '    }', //                          7
      '}', //                              8
      'nodelist {', //                     9
      '    node {', //                     10
      '        ring0_addr: 10.0.0.1', //   11
      '    }', //                          12
      '    node {', //                     13
      '        ring0_addr: 10.0.0.2', //   14
      '    }', //                          15
      '}', //                              16
    ].join('\n'));
    assert.deepEqual(root, {
      kind: 'section', name: '', line: 0, endLine: 16, entries: [
        {
          kind: 'section', name: 'totem', line: 2, endLine: 8, entries: [
            { kind: 'key', name: 'version', value: '2', quoted: false, line: 3 },
            { kind: 'section', name: 'interface', line: 5, endLine: 7, entries: [{ kind: 'key', name: 'mcastport', value: '5405', quoted: false, line: 6 }] },
          ],
        },
        {
          kind: 'section', name: 'nodelist', line: 9, endLine: 16, entries: [
            { kind: 'section', name: 'node', line: 10, endLine: 12, entries: [{ kind: 'key', name: 'ring0_addr', value: '10.0.0.1', quoted: false, line: 11 }] },
            { kind: 'section', name: 'node', line: 13, endLine: 15, entries: [{ kind: 'key', name: 'ring0_addr', value: '10.0.0.2', quoted: false, line: 14 }] },
          ],
        },
      ],
    });
  });

  test('comments are whole lines only: "#" later in a line is part of the value, as in Corosync', () => {
    const root = tree('  # indented comment\n\t#tab comment\ntotem {\n  cluster_name: a#b # not a comment\n}\n');
    const totem = root.entries[0] as ConfSection;
    assert.deepEqual(totem.entries, [{ kind: 'key', name: 'cluster_name', value: 'a#b # not a comment', quoted: false, line: 4 }]);
  });

  test('values are the rest of the line, trimmed; one pair of quotes is removed and may hold braces', () => {
    const root = tree('totem {\n  a:   spaced  value  \n  b: "quoted {x} value"\n  c: \'single\'\n  d:\n  e: ""\n  f: x:y:z\n}\n');
    const keys = (root.entries[0] as ConfSection).entries;
    assert.deepEqual(keys.map((k) => k.kind === 'key' && [k.name, k.value, k.quoted]), [
      ['a', 'spaced  value', false], ['b', 'quoted {x} value', true], ['c', 'single', true],
      ['d', '', false], ['e', '', true], ['f', 'x:y:z', false],
    ]);
  });

  test("Corosync's variants: 'name: {', 'name{', CRLF line ends, a BOM, no final newline", () => {
    const root = tree('\uFEFFtotem: {\r\n  token: 3000\r\n}\r\nlogging{\n}');
    assert.deepEqual(root.entries.map((e) => [e.name, e.line]), [['totem', 1], ['logging', 4]]);
    assert.equal(((root.entries[0] as ConfSection).entries[0] as { value: string }).value, '3000');
  });

  test('keys outside any section are syntax, left to the schema (Corosync accepts them)', () => {
    assert.deepEqual(tree('foo: bar\n').entries, [{ kind: 'key', name: 'foo', value: 'bar', quoted: false, line: 1 }]);
  });
});

describe('parseConf: errors name the line and the key', () => {
  test('an unclosed section is reported where it opens, with a hint from the indentation', () => {
    const errors = errorsOf(parseConf('totem {\n  interface {\n    mcastport: 5405\n}\nnodelist {\n}\n'));
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.line, 1);
    assert.equal(errors[0]!.key, 'totem');
    assert.match(errors[0]!.message, /^corosync\.conf:1: totem: section opened here is never closed \(missing '\}'\); the '\}' at line 4 closes totem\.interface \(opened at line 2\)/);
  });

  test('a stray closing brace names the section closed last', () => {
    const errors = errorsOf(parseConf('totem {\n  token: 1\n}\n}\n', 'my.conf'));
    assert.deepEqual(errors, [{
      line: 4, key: 'totem',
      message: "my.conf:4: totem: unexpected '}': no section is open (the last one, totem, opened at line 1, was closed at line 3)",
    }]);
    assert.match(errorsOf(parseConf('}\n'))[0]!.message, /^corosync\.conf:1: unexpected '\}': no section is open$/);
  });

  test('lines that are neither a section, a key nor a brace', () => {
    const errors = errorsOf(parseConf([
      'totem {', //                 1
      '  token 3000', //            2
      '  interface { x: 1 }', //    3
      '  hold: 3 }', //             4
      '  } # end', //               5
      '  bad name: 1', //           6
      '  : 1', //                   7
      '  crypto: "open', //         8
      '  {', //                     9
      '  }', //                     10
      '  a: b {', //                11
      '}', //                       12
    ].join('\n')));
    // Lines 9 and 11 open sections (nameless, badly named) that 10 and 12 close, so totem stays open.
    assert.deepEqual(errors.map((e) => [e.line, e.key]), [
      [1, 'totem'], [2, 'totem.token'], [3, 'totem.interface'], [4, 'totem.hold'], [5, 'totem'], [6, 'totem.bad name'],
      [7, 'totem.?'], [8, 'totem.crypto'], [9, 'totem'], [11, 'totem.a: b'],
    ]);
    assert.match(errors[1]!.message, /corosync\.conf:2: totem\.token: expected "key: value", "name \{" or "\}", got "token 3000" \(a ':' missing after token\?\)/);
    assert.match(errors[2]!.message, /a section's '\{' must end its line/);
    assert.match(errors[3]!.message, /'\}' must stand alone on its line/);
    assert.match(errors[7]!.message, /unterminated quote/);
  });

  test('every bad line is reported, not just the first (Corosync stops at one)', () => {
    const errors = errorsOf(parseConf('a\nb\nc\n'));
    assert.deepEqual(errors.map((e) => e.line), [1, 2, 3]);
  });

  test('bounds: file size, nesting depth, number of issues', () => {
    const big = errorsOf(parseConf('#'.repeat(CONFIG_TEXT_MAX + 1)));
    assert.equal(big.length, 1);
    assert.match(big[0]!.message, /more than the 1048576 accepted/);

    const deep = Array.from({ length: NESTING_MAX + 1 }, (_, i) => `s${i} {`).join('\n') + '\n' + '}\n'.repeat(NESTING_MAX + 1);
    const tooDeep = errorsOf(parseConf(deep));
    assert.deepEqual(tooDeep.map((e) => e.line), [NESTING_MAX + 1]);
    assert.ok(parseConf(Array.from({ length: NESTING_MAX }, (_, i) => `s${i} {`).join('\n') + '\n' + '}\n'.repeat(NESTING_MAX)).ok);

    const flood = errorsOf(parseConf('garbage\n'.repeat(1000)));
    assert.equal(flood.length, ISSUES_MAX + 1);
    assert.equal(flood[ISSUES_MAX]!.message, `corosync.conf: ${1000 - ISSUES_MAX} more not shown`);
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { floatValue, integerValue, jsValue, parseValueText, stringValue, type CmapValue } from '../protocol/cmap-values.js';
import type { CmapItem } from '../client/index.js';
import { jsonValue, noticeLine } from './cmap-commands.js';

const item = (key: string, raw: CmapValue): CmapItem => ({ key, type: raw.type, value: jsValue(raw), raw });

test('corosync-cmapctl -s value parsing: its messages, sscanf\'s leniency, strtoull\'s wrap', () => {
  const bad = (type: string, text: string) => {
    const r = parseValueText(type, text);
    return r.ok ? undefined : r.message;
  };
  assert.equal(bad('u9', '1'), 'Unknown type u9');
  assert.equal(bad('u8', '256'), '256 is not valid u8 integer');
  assert.equal(bad('u8', '-1'), '-1 is not valid u8 integer', 'strtoull: -1 is 2^64-1');
  assert.equal(bad('i8', '-129'), '-129 is not valid i8 integer');
  assert.equal(bad('i32', 'x1'), 'x1 is not valid i32 type value');
  assert.equal(bad('dbl', 'abc'), 'abc is not valid dbl type value');
  const ok = (type: string, text: string) => {
    const r = parseValueText(type, text);
    assert.ok(r.ok, `${type} ${text}`);
    return jsValue(r.value);
  };
  assert.equal(ok('u8', '12abc'), 12n, 'sscanf stops at the first non-digit');
  assert.equal(ok('i8', '-128'), -128n);
  assert.equal(ok('u64', '18446744073709551615'), 18446744073709551615n);
  assert.equal(ok('i64', '-9223372036854775808'), -9223372036854775808n);
  assert.equal(ok('dbl', '2.5e3'), 2500);
  assert.equal(ok('str', 'a b'), 'a b');
});

test('track lines as corosync-cmapctl prints them, and their JSON form', () => {
  const v1 = item('a.b', stringValue('joined'));
  const v2 = item('a.b', stringValue('left'));
  assert.equal(noticeLine({ event: 'add', key: 'a.b', newValue: v1, oldValue: undefined }, { json: false, binary: false }), 'create> a.b (str) = joined');
  assert.equal(noticeLine({ event: 'modify', key: 'a.b', newValue: v2, oldValue: v1 }, { json: false, binary: false }), 'modify> a.b (str) = left');
  assert.equal(noticeLine({ event: 'delete', key: 'a.b', newValue: undefined, oldValue: v2 }, { json: false, binary: false }), 'delete> a.b (str) = left', 'a delete shows the old value');
  assert.deepEqual(JSON.parse(noticeLine({ event: 'modify', key: 'a.b', newValue: v2, oldValue: v1 }, { json: true, binary: false })),
    { event: 'modify', key: 'a.b', type: 'str', value: 'left', oldType: 'str', oldValue: 'joined' });
  assert.equal(jsonValue(item('x.u64', integerValue('u64', 2n ** 64n - 1n))), '18446744073709551615', 'u64 as a decimal string');
  assert.equal(jsonValue(item('x.u32', integerValue('u32', 7))), 7);
  assert.equal(jsonValue(item('x.dbl', floatValue('dbl', Number.NaN))), 'NaN');
  assert.equal(jsonValue(item('x.bin', { type: 'bin', bytes: Uint8Array.from([1, 2]) })), 'AQI=');
});

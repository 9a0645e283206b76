/** totempg's group header: Corosync's bytes, the packer carrying it beside a message, the split on delivery. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GROUP_DEFAULT, GROUP_EXEC, GROUP_SYNC, groupPrefix, splitGroups } from './groups.js';
import { PgAssembler, PgPacker } from './index.js';

test('the header is group_len[0] = count, group_len[1..] = lengths, then the names: Corosync\'s "a" and "sync"', () => {
  assert.deepEqual([...groupPrefix(GROUP_EXEC)], [1, 0, 1, 0, 0x61]);
  assert.deepEqual([...groupPrefix(GROUP_SYNC)], [1, 0, 4, 0, 0x73, 0x79, 0x6e, 0x63]);
  assert.equal(groupPrefix(GROUP_DEFAULT).length, 4 + 'ringcast'.length);
  assert.throws(() => groupPrefix(''), RangeError);
  assert.throws(() => groupPrefix('é'), RangeError);
});

test('split reads one or several groups in either byte order and gives the body as a view', () => {
  const message = Uint8Array.from([1, 0, 1, 0, 0x61, 9, 8, 7]);
  const r = splitGroups(message);
  assert.ok(r.ok);
  assert.deepEqual(r.groups, ['a']);
  assert.deepEqual([...r.body], [9, 8, 7]);
  assert.equal(r.body.buffer, message.buffer);
  // Two groups, big-endian (a Corosync on a big-endian host): "x" and "sync".
  const be = Uint8Array.from([0, 2, 0, 1, 0, 4, 0x78, 0x73, 0x79, 0x6e, 0x63, 42]);
  const b = splitGroups(be, true);
  assert.ok(b.ok);
  assert.deepEqual(b.groups, ['x', 'sync']);
  assert.deepEqual([...b.body], [42]);
});

test('malformed group headers are typed errors, never throws', () => {
  const code = (bytes: number[]) => {
    const r = splitGroups(Uint8Array.from(bytes));
    return r.ok ? 'ok' : r.code;
  };
  assert.equal(code([1]), 'GROUP_TRUNCATED');
  assert.equal(code([0, 0, 5]), 'GROUP_BAD_COUNT');
  assert.equal(code([33, 0]), 'GROUP_BAD_COUNT');
  assert.equal(code([2, 0, 1, 0]), 'GROUP_TRUNCATED');
  assert.equal(code([1, 0, 3, 0, 0x61]), 'GROUP_TRUNCATED');
  assert.equal(code([1, 0, 0, 0]), 'ok');
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (bytes, be) => {
    splitGroups(bytes, be);
  }));
});

test('the packer sends the header in front of the message, transferred or copied, whole or in fragments', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ size: fc.integer({ min: 0, max: 3000 }), transfer: fc.boolean(), group: fc.constantFrom(GROUP_EXEC, GROUP_SYNC, GROUP_DEFAULT, 'x') }), { maxLength: 20 }),
      fc.integer({ min: 40, max: 1500 }),
      (messages, max) => {
        const packer = new PgPacker();
        const assembler = new PgAssembler();
        const sent = messages.map((m, i) => ({ ...m, data: Uint8Array.from({ length: m.size }, (_, k) => (k * 7 + i) & 0xff) }));
        for (const m of sent) assert.deepEqual(packer.enqueue(m.data, m.transfer, groupPrefix(m.group)), { ok: true });
        assert.equal(packer.pendingBytes, sent.reduce((a, m) => a + m.size + groupPrefix(m.group).length, 0));
        const got: { group: string; data: number[] }[] = [];
        while (!packer.isEmpty) {
          const r = assembler.accept(3, packer.takePacket(max)!);
          assert.ok(r.ok);
          for (const whole of r.messages) {
            const split = splitGroups(whole);
            assert.ok(split.ok);
            got.push({ group: split.groups[0]!, data: [...split.body] });
          }
        }
        assert.deepEqual(got, sent.map((m) => ({ group: m.group, data: [...m.data] })));
      },
    ),
    { numRuns: 150 },
  );
});

test('a copied message may be reused by the caller at once; bounds count the header', () => {
  const packer = new PgPacker({ maxMessageBytes: 10, maxQueuedBytes: 14 });
  const data = Uint8Array.from([1, 2, 3, 4]);
  assert.deepEqual(packer.enqueue(data, false, groupPrefix(GROUP_EXEC)), { ok: true });
  data.fill(0);
  const r = splitGroups(new PgAssembler().accept(1, packer.takePacket(100)!).messages[0]!);
  assert.ok(r.ok);
  assert.deepEqual([...r.body], [1, 2, 3, 4]);
  const big = packer.enqueue(new Uint8Array(6), false, groupPrefix(GROUP_SYNC));
  assert.equal(big.ok ? '' : big.code, 'MESSAGE_TOO_LARGE');
  assert.deepEqual(packer.enqueue(new Uint8Array(5), false, groupPrefix(GROUP_EXEC)), { ok: true });
  const full = packer.enqueue(new Uint8Array(5), false, groupPrefix(GROUP_EXEC));
  assert.equal(full.ok ? '' : full.code, 'QUEUE_FULL');
});

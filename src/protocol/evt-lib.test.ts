/** EVT library protocol and executive message codecs: round trips, and strict decoders that never throw on garbage. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeEvtDelivery, decodeEvtLibRequest, decodeEvtLibResponse, encodeEvtDelivery, encodeEvtLibRequest, encodeEvtLibResponse, EvtLibRequestId, type EvtLibRequest } from './evt-lib.js';
import { decodeEvtExec, encodeEvtExec, EVT_EXEC_KINDS, type EvtExecMessage } from '../services/evt/messages.js';
import { eventMatches } from '../services/evt/match.js';

const b = (s: string) => new TextEncoder().encode(s);

test('every library request round-trips', () => {
  const requests: EvtLibRequest[] = [
    { kind: 'open', flags: 7, name: b('chan') },
    { kind: 'close', channel: 3 },
    { kind: 'unlink', name: b('chan') },
    { kind: 'subscribe', channel: 3, subscriptionId: 0xabcdef, filters: [{ type: 'prefix', pattern: b('a') }, { type: 'passAll', pattern: new Uint8Array(0) }] },
    { kind: 'unsubscribe', channel: 3, subscriptionId: 9 },
    { kind: 'publish', channel: 1, priority: 2, retentionNs: 30_000_000_000n, publishTimeNs: 1n, publisherName: b('p'), patterns: [b('x'), b('')], data: b('data') },
    { kind: 'clear', channel: 1, eventId: (1n << 63n) + 5n },
    { kind: 'take', credits: 256 },
    { kind: 'channels' },
    { kind: 'batch', maxDeliveries: 256, maxBytes: 262_144 },
  ];
  for (const req of requests) {
    const f = encodeEvtLibRequest(req);
    assert.equal(f.messageId, EvtLibRequestId[req.kind]);
    const d = decodeEvtLibRequest(f.messageId, f.payload);
    assert.ok(d.ok, d.ok ? "" : d.error.detail);
    assert.deepEqual(d.value, req);
  }
  const res = decodeEvtLibResponse('publish', encodeEvtLibResponse(1, { kind: 'publish', eventId: 4294967297n }));
  assert.deepEqual(res, { ok: true, value: { saCode: 1, body: { kind: 'publish', eventId: 4294967297n } } });
  assert.deepEqual(decodeEvtLibResponse('open', encodeEvtLibResponse(12)), { ok: true, value: { saCode: 12 } });
  assert.deepEqual(decodeEvtLibResponse('batch', encodeEvtLibResponse(1, { kind: 'batch', maxDeliveries: 64, maxBytes: 4096 })),
    { ok: true, value: { saCode: 1, body: { kind: 'batch', maxDeliveries: 64, maxBytes: 4096 } } });
});

test('decoders never throw and reject trailing or truncated bytes', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 12 }), fc.uint8Array({ maxLength: 200 }), (id, bytes) => {
    decodeEvtLibRequest(id, bytes);
    decodeEvtDelivery(bytes);
    for (const kind of EVT_EXEC_KINDS) decodeEvtExec(kind, bytes);
    return true;
  }), { numRuns: 2000 });
  const f = encodeEvtLibRequest({ kind: 'close', channel: 1 });
  assert.equal(decodeEvtLibRequest(f.messageId, new Uint8Array([...f.payload, 0])).ok, false);
  assert.equal(decodeEvtLibRequest(f.messageId, f.payload.subarray(0, 2)).ok, false);
  // A forged pattern count larger than the bytes present is refused before allocating.
  assert.equal(decodeEvtDelivery(new Uint8Array([...new Uint8Array(40), 0xff, 0x00])).ok, false);
});

test('executive messages and deliveries round-trip', () => {
  const body = { eventId: 5n, msgId: 7n, priority: 1 as const, retentionNs: 9n, publishTimeNs: -1n, publisherName: b('n'), patterns: [b('p')], data: b('d') };
  const msgs: EvtExecMessage[] = [
    { kind: 'event', instance: { node: 1, counter: 2n }, ...body },
    { kind: 'open', name: b('c'), create: true, instance: { node: 3, counter: 4n } },
    { kind: 'syncChannel', name: b('c'), unlinked: true, localOpens: 2, ids: [{ node: 1, counter: 2n }, { node: 3, counter: 1n }] },
    { kind: 'syncTombs', unlinked: [{ node: 1, counter: 2n }], cleared: [{ eventId: 5n, remainingNs: 100n }] },
    { kind: 'syncEvent', instance: { node: 1, counter: 2n }, publisherNode: 4, remainingNs: 77n, ...body },
    { kind: 'syncIds', entries: [{ node: 2, msgId: 99n }] },
  ];
  for (const m of msgs) assert.deepEqual(decodeEvtExec(m.kind, encodeEvtExec(m)), { ok: true, value: m });
  const d = { channel: 1, subscriptionId: 2, lost: false, priority: 3 as const, eventId: 9n, retentionNs: 0n, publishTimeNs: 5n, publisherNodeId: 4, publisherName: b('x'), patterns: [b('a')], data: b('zz') };
  const enc = encodeEvtDelivery(d);
  assert.deepEqual(decodeEvtDelivery(new Uint8Array([...enc.payload, ...enc.tail])), { ok: true, value: d });
});

test('filter rules: bytewise prefix/suffix/exact, extra filters under the SA rule vs the OpenAIS rule', () => {
  const f = (type: 'prefix' | 'suffix' | 'exact', p: string) => ({ type, pattern: b(p) });
  const pass = { type: 'passAll' as const, pattern: new Uint8Array(0) };
  assert.ok(eventMatches([f('prefix', 'ab')], [b('abc')], 'sa'));
  assert.ok(!eventMatches([f('prefix', 'abcd')], [b('abc')], 'sa'));
  assert.ok(eventMatches([f('suffix', 'bc')], [b('abc')], 'sa'));
  assert.ok(eventMatches([f('exact', 'a\0b')], [b('a\0b')], 'sa'));
  assert.ok(!eventMatches([f('exact', 'a\0b')], [b('a\0c')], 'sa'), 'bytes after a NUL count');
  assert.ok(eventMatches([f('exact', '')], [b('')], 'sa'));
  // More filters than patterns.
  const four = [f('prefix', 'Filter pattern 1'), f('suffix', 'Filter pattern 2'), f('exact', 'Filter pattern 3'), pass];
  assert.ok(!eventMatches(four, [], 'sa'));
  assert.ok(eventMatches(four, [], 'openais'));
  assert.ok(eventMatches([pass, f('prefix', '')], [], 'sa'), 'empty filters and pass-all match the empty pattern');
  // More patterns than filters: accepted under both.
  assert.ok(eventMatches([f('exact', 'a')], [b('a'), b('zzz')], 'sa'));
  assert.ok(eventMatches([], [b('a')], 'sa'));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PROBE_BODY_BYTES, PathProbes, decodeProbe, encodeProbe, type ProbeMessage } from './path-probe.js';

test('a probe survives encoding, padded to the size it proves', () => {
  fc.assert(fc.property(
    fc.constantFrom<ProbeMessage['kind']>('request', 'answer'), fc.nat(), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 70_000 }),
    (kind, sender, target, nonce, bytes) => {
      const message = { kind, sender: sender >>> 0, target: target >>> 0, nonce: nonce >>> 0 };
      const body = encodeProbe(message, bytes);
      assert.equal(body.length, Math.max(PROBE_BODY_BYTES, bytes));
      assert.deepEqual(decodeProbe(body), { ok: true, message });
    }));
});

test('a malformed probe is refused with a reason, never thrown', () => {
  assert.equal(decodeProbe(new Uint8Array(15)).ok, false);
  const body = encodeProbe({ kind: 'request', sender: 1, target: 2, nonce: 3 });
  const wrongKind = body.slice();
  wrongKind[0] = 9;
  assert.match((decodeProbe(wrongKind) as { detail: string }).detail, /kind 9/);
  const reserved = body.slice();
  reserved[2] = 1;
  assert.match((decodeProbe(reserved) as { detail: string }).detail, /reserved/);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
    decodeProbe(bytes);
  }));
});

function probes(timing = {}) {
  let n = 100;
  return new PathProbes([2, 3], () => n++, { confirmedIntervalMs: 5000, firstRetryMs: 1000, maxRetryMs: 8000, answerTimeoutMs: 500, missesToDemote: 2, ...timing }, 0);
}

test('a peer gets whole frames only after answering the probe it was sent', () => {
  const p = probes();
  assert.equal(p.whole(2), false);
  const due = p.due(0);
  assert.deepEqual(due, [{ nodeId: 2, nonce: 100 }, { nodeId: 3, nonce: 101 }]);
  assert.deepEqual(p.due(10), [], 'one probe outstanding per peer');
  assert.equal(p.answered(2, 101, 20), undefined, 'another peer\'s nonce changes nothing');
  assert.equal(p.answered(9, 100, 20), undefined, 'an unknown peer changes nothing');
  assert.deepEqual(p.answered(2, 100, 20), { nodeId: 2, whole: true });
  assert.equal(p.answered(2, 100, 30), undefined, 'a repeated answer changes nothing');
  assert.equal(p.whole(2), true);
  assert.equal(p.allWhole(), false);
  assert.deepEqual(p.wholePeers(), [2]);
});

test('an unanswered peer is probed with a doubling back-off up to the cap; a proven one demoted after two misses', () => {
  const p = probes();
  p.due(0);
  p.answered(2, 100, 0);
  const sentTimes: number[] = [0]; // peer 3's first probe, above
  let demotedAt: number | undefined;
  for (let t = 0; t <= 40_000; t += 50) {
    for (const change of p.expire(t)) if (change.nodeId === 2 && !change.whole) demotedAt = t;
    for (const d of p.due(t)) if (d.nodeId === 3) sentTimes.push(t);
  }
  const gaps = sentTimes.slice(1).map((t, i) => t - sentTimes[i]!);
  // Each gap is the answer timeout plus the back-off: 1 s, 2 s, 4 s, then the 8 s cap.
  assert.deepEqual(gaps.slice(0, 5), [1500, 2500, 4500, 8500, 8500]);
  // Peer 2 answered once and never again: re-probed after 5 s, missed, again 1 s later, missed: demoted.
  assert.equal(demotedAt, 5000 + 500 + 1000 + 500);
  assert.equal(p.whole(2), false);
});

test('recheck probes proven peers at once; probeSoon cuts an unproven peer\'s back-off', () => {
  const p = probes();
  p.due(0);
  p.answered(2, 100, 0);
  p.expire(600);
  assert.deepEqual(p.due(700).map((d) => d.nodeId), [], 'peer 3 waits out its back-off; peer 2 its interval');
  p.recheck(800);
  assert.deepEqual(p.due(800).map((d) => d.nodeId), [2]);
  p.probeSoon(3, 900);
  assert.deepEqual(p.due(900).map((d) => d.nodeId), [3]);
  // A probe still outstanding when the peer joins is forgotten: the new one goes at once.
  p.probeSoon(3, 950);
  assert.deepEqual(p.due(950).map((d) => d.nodeId), [3]);
  assert.equal(p.answered(3, 103, 960), undefined, 'the forgotten probe\'s answer counts for nothing');
});

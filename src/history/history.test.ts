import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
// A whole checker scenario is the richest set of real records at hand (tests may use any layer).
import { correctScenario } from '../check/fixtures.js';
import { formatMessageId, formatRingId, parseMessageId, parseRingId } from './ids.js';
import { readHistoryFile, readHistoryFileSync } from './read.js';
import { parseHistory, serializeRecord, type HistoryRecord } from './records.js';
import { HistoryWriter, MemoryHistoryWriter, type FlushScheduler } from './writer.js';

describe('serializeRecord', () => {
  test('writes the exact lines of history.md', () => {
    assert.equal(serializeRecord({ ev: 'start', node: 3, boot: 'b7f2' }), '{"ev":"start","node":3,"boot":"b7f2"}');
    assert.equal(serializeRecord({ ev: 'config', kind: 'transitional', ring: '1.24', members: [1, 3] }),
      '{"ev":"config","kind":"transitional","ring":"1.24","members":[1,3]}');
    assert.equal(serializeRecord({ ev: 'send', id: '3.b7f2:41' }), '{"ev":"send","id":"3.b7f2:41"}');
    assert.equal(serializeRecord({ ev: 'deliver', id: '3.b7f2:41', from: 3 }), '{"ev":"deliver","id":"3.b7f2:41","from":3}');
    assert.equal(serializeRecord({ ev: 'stop' }), '{"ev":"stop"}');
    assert.equal(serializeRecord({ ev: 'stop', abandoned: ['3.b7f2:41'] }), '{"ev":"stop","abandoned":["3.b7f2:41"]}');
    assert.equal(serializeRecord({ ev: 'stop', abandoned: ['3.b7f2:41', '3.b7f2:42'], t: 7 }), '{"ev":"stop","abandoned":["3.b7f2:41","3.b7f2:42"],"t":7}');
    assert.equal(serializeRecord({ ev: 'crash', t: 12.5 }), '{"ev":"crash","t":12.5}');
  });

  test('a stop lists only message ids as abandoned', () => {
    assert.throws(() => serializeRecord({ ev: 'stop', abandoned: ['nope'] }), /invalid history record: stop: "abandoned"/);
    assert.throws(() => serializeRecord({ ev: 'stop', abandoned: 'x' as unknown as string[] }), /abandoned/);
    const parsed = parseHistory('{"ev":"stop","abandoned":["3.b7f2:41"]}\n{"ev":"stop","abandoned":[3]}\n');
    assert.deepEqual(parsed.records, [{ ev: 'stop', abandoned: ['3.b7f2:41'] }]);
    assert.deepEqual(parsed.errors.map((e) => e.line), [2]);
  });

  test('refuses an invalid record instead of writing a line nobody can read', () => {
    assert.throws(() => serializeRecord({ ev: 'send', id: 'nope' }), /invalid history record: send: "id"/);
    assert.throws(() => serializeRecord({ ev: 'config', kind: 'regular', ring: '1.2', members: [1.5] }), /members/);
    assert.throws(() => serializeRecord({ ev: 'start', node: 1, boot: 'a:b' }), /boot/);
  });
});

describe('parseHistory', () => {
  test('round-trips every record of a whole run', () => {
    for (const history of correctScenario().histories) {
      const text = history.map((r) => `${serializeRecord(r)}\n`).join('');
      const parsed = parseHistory(text);
      assert.deepEqual(parsed.errors, []);
      assert.deepEqual(parsed.records, history);
    }
  });

  test('round-trips arbitrary valid records', () => {
    const nodeId = fc.integer({ min: 0, max: 0xffff_ffff });
    const boot = fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/);
    const t = fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: undefined });
    const msgId = fc.tuple(nodeId, boot, fc.integer({ min: 1, max: 2 ** 40 })).map(([n, b, c]) => formatMessageId(n, b, c));
    const record: fc.Arbitrary<HistoryRecord> = fc.oneof(
      fc.record({ ev: fc.constant('start' as const), node: nodeId, boot }),
      fc.record({
        ev: fc.constant('config' as const), kind: fc.constantFrom('transitional' as const, 'regular' as const),
        ring: fc.tuple(nodeId, fc.nat()).map(([r, s]) => formatRingId(r, s)), members: fc.array(nodeId, { maxLength: 8 }),
      }),
      fc.record({ ev: fc.constant('send' as const), id: msgId }),
      fc.record({ ev: fc.constant('deliver' as const), id: msgId, from: nodeId }),
      fc.constant({ ev: 'stop' as const }),
      fc.record({ ev: fc.constant('stop' as const), abandoned: fc.array(msgId, { maxLength: 4 }) }),
      fc.constant({ ev: 'crash' as const }),
    ).chain((r) => t.map((time) => (time === undefined ? { ...r } : { ...r, t: Object.is(time, -0) ? 0 : time })));
    fc.assert(fc.property(fc.array(record, { maxLength: 30 }), (records) => {
      const text = records.map((r) => `${serializeRecord(r)}\n`).join('');
      const parsed = parseHistory(text);
      assert.deepEqual(parsed.errors, []);
      assert.deepEqual(parsed.records, records);
    }));
  });

  test('reports each bad line with its number and keeps the good ones', () => {
    const text = [
      '{"ev":"start","node":3,"boot":"b7f2","t":0}',
      '{"ev":"send","id":"3.b7f2:1"',
      '{"ev":"warp","id":"3.b7f2:1"}',
      '',
      '{"ev":"deliver","id":"3.b7f2:1"}',
      '{"ev":"config","kind":"regular","ring":"1-24","members":[1,3]}',
      '[1,2]',
      '{"ev":"config","kind":"regular","ring":"1.24","members":[1,3],"extra":{"x":1}}',
      '{"ev":"send","id":"3.b7f2:0"}',
      '{"ev":"stop","t":"late"}',
      '{"kind":"regular"}',
    ].join('\n') + '\n';
    const { records, errors } = parseHistory(text);
    assert.deepEqual(records, [
      { ev: 'start', node: 3, boot: 'b7f2', t: 0 },
      { ev: 'config', kind: 'regular', ring: '1.24', members: [1, 3] },
    ]);
    assert.deepEqual(errors.map((e) => e.line), [2, 3, 4, 5, 6, 7, 9, 10, 11]);
    const byLine = new Map(errors.map((e) => [e.line, e.message]));
    assert.match(byLine.get(2)!, /invalid JSON/);
    assert.match(byLine.get(3)!, /unknown "ev" "warp"/);
    assert.match(byLine.get(4)!, /empty line/);
    assert.match(byLine.get(5)!, /deliver: "from" must be a node id/);
    assert.match(byLine.get(6)!, /config: "ring" must be "<rep>.<seq>"/);
    assert.match(byLine.get(7)!, /not a JSON object/);
    assert.match(byLine.get(9)!, /counter >= 1/);
    assert.match(byLine.get(10)!, /"t" must be a finite number/);
    assert.match(byLine.get(11)!, /missing "ev"/);
  });

  test('accepts CRLF and a last line without newline (a crash may cut the final flush)', () => {
    const { records, errors } = parseHistory('{"ev":"start","node":1,"boot":"x"}\r\n{"ev":"crash"}');
    assert.deepEqual(errors, []);
    assert.deepEqual(records, [{ ev: 'start', node: 1, boot: 'x' }, { ev: 'crash' }]);
    assert.deepEqual(parseHistory(''), { records: [], errors: [] });
    assert.deepEqual(parseHistory('{"ev":"stop"}\n{"ev":"sta').errors.map((e) => e.line), [2]);
  });
});

describe('ids', () => {
  test('ring ids', () => {
    assert.equal(formatRingId(1, 24), '1.24');
    assert.deepEqual(parseRingId('1.24'), { rep: 1, seq: 24 });
    for (const bad of ['1', '1.', '.2', '01.2', '1.2.3', '-1.2', 'a.b', '1.2 ']) assert.equal(parseRingId(bad), undefined, bad);
  });

  test('message ids split at the first dot and the last colon', () => {
    assert.deepEqual(parseMessageId('3.b7f2:41'), { node: 3, boot: 'b7f2', counter: 41 });
    assert.deepEqual(parseMessageId('3.b.7:2'), { node: 3, boot: 'b.7', counter: 2 });
    for (const bad of ['3.b7f2:0', '3.b7f2', '3:1', '.b:1', '3.:1', '3.a:b:1', 'x.b:1']) assert.equal(parseMessageId(bad), undefined, bad);
  });
});

describe('HistoryWriter', () => {
  function fakeScheduler(): { scheduler: FlushScheduler; armed: { fire: () => void; delayMs: number }[]; cancelled: number } {
    const state = { armed: [] as { fire: () => void; delayMs: number }[], cancelled: 0, scheduler: undefined as unknown as FlushScheduler };
    state.scheduler = (fire, delayMs) => {
      const entry = { fire, delayMs };
      state.armed.push(entry);
      return () => {
        state.cancelled++;
        state.armed.splice(state.armed.indexOf(entry), 1);
      };
    };
    return state;
  }

  test('buffers, flushes 100 ms after the first buffered record, and on close', () => {
    const writes: string[] = [];
    const timers = fakeScheduler();
    const w = new HistoryWriter('/nowhere', { scheduler: timers.scheduler, append: (_, text) => writes.push(text) });
    w.write({ ev: 'start', node: 1, boot: 'x' });
    w.write({ ev: 'send', id: '1.x:1' });
    assert.equal(writes.length, 0);
    assert.equal(w.pending, 2);
    assert.deepEqual(timers.armed.map((a) => a.delayMs), [100], 'one timer for the batch');
    timers.armed.shift()!.fire();
    assert.deepEqual(writes, ['{"ev":"start","node":1,"boot":"x"}\n{"ev":"send","id":"1.x:1"}\n']);
    w.write({ ev: 'stop' });
    assert.equal(timers.armed.length, 1, 'the next record arms a new timer');
    w.close();
    assert.equal(timers.armed.length, 0, 'close cancels the timer');
    assert.deepEqual(writes.slice(1), ['{"ev":"stop"}\n']);
    assert.throws(() => w.write({ ev: 'crash' }), /closed/);
  });

  test('without a scheduler it writes only on flush and close', () => {
    const writes: string[] = [];
    const w = new HistoryWriter('/nowhere', { scheduler: null, append: (_, text) => writes.push(text) });
    w.write({ ev: 'start', node: 1, boot: 'x' });
    w.flush();
    w.flush();
    w.close();
    assert.equal(writes.length, 1);
  });

  test('a failing timer flush keeps the records and reports; a full buffer counts drops', () => {
    const timers = fakeScheduler();
    const errors: unknown[] = [];
    let failing = true;
    const writes: string[] = [];
    const w = new HistoryWriter('/nowhere', {
      scheduler: timers.scheduler, maxPending: 2, onError: (e) => errors.push(e),
      append: (_, text) => {
        if (failing) throw new Error('ENOSPC');
        writes.push(text);
      },
    });
    w.write({ ev: 'start', node: 1, boot: 'x' });
    timers.armed.shift()!.fire();
    assert.equal(errors.length, 1);
    w.write({ ev: 'send', id: '1.x:1' });
    w.write({ ev: 'send', id: '1.x:2' });
    assert.equal(w.pending, 2);
    assert.equal(w.dropped, 1);
    failing = false;
    w.close();
    assert.equal(writes.join('').split('\n').length - 1, 2);
  });

  test('appends to a real file that readHistoryFile reads back; the default timer flushes by itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringcast-history-'));
    try {
      const path = join(dir, 'node1.history');
      const first = new HistoryWriter(path, { truncate: true });
      first.write({ ev: 'start', node: 1, boot: 'x', t: 1 });
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(readFileSync(path, 'utf8'), '{"ev":"start","node":1,"boot":"x","t":1}\n', 'flushed by the timer');
      first.write({ ev: 'crash' });
      first.close();
      const second = new HistoryWriter(path, { scheduler: null });
      second.write({ ev: 'start', node: 1, boot: 'y' });
      second.close();
      const parsed = await readHistoryFile(path);
      assert.deepEqual(parsed.errors, []);
      assert.deepEqual(parsed.records.map((r) => r.ev), ['start', 'crash', 'start']);
      assert.deepEqual(readHistoryFileSync(path), parsed);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('MemoryHistoryWriter', () => {
  test('keeps records in order and renders the file they would make', () => {
    const w = new MemoryHistoryWriter();
    w.write({ ev: 'start', node: 2, boot: 'b' });
    w.write({ ev: 'config', kind: 'transitional', ring: '2.4', members: [2] });
    assert.equal(w.records.length, 2);
    assert.deepEqual(parseHistory(w.toText()).records, w.records);
    assert.throws(() => w.write({ ev: 'deliver', id: '2.b:1', from: -1 }), /from/);
    w.close();
    assert.throws(() => w.write({ ev: 'stop' }), /closed/);
  });
});

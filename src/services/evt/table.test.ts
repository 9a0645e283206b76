/** The channel table's own rules: unlinked instances go with their last open; tombstones are bounded, oldest forgotten first. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelTable } from './table.js';

const b = (s: string) => new TextEncoder().encode(s);

test('unlink: the instance stays while opened, goes with its last close; a new create is independent', () => {
  const t = new ChannelTable({ unlinkTombstonesMax: 2, clearTombstonesMax: 2 });
  const first = t.add(b('c'), ['1.1'], false);
  t.addOpen(first, 1, 1);
  t.unlink(first);
  assert.equal(t.active(b('c')), undefined);
  assert.equal(t.get('1.1'), first);
  const second = t.add(b('c'), ['1.2'], false);
  assert.equal(t.active(b('c')), second);
  t.addOpen(first, 1, -1);
  assert.equal(t.get('1.1'), undefined, 'gone with its last open');
  assert.equal(t.size, 1);
});

test('tombstone bounds: the oldest is forgotten first', () => {
  const t = new ChannelTable({ unlinkTombstonesMax: 2, clearTombstonesMax: 2 });
  for (const id of ['1.1', '1.2', '1.3']) t.unlink(t.add(b(`c${id}`), [id], false));
  assert.deepEqual([...t.unlinkTombs], ['1.2', '1.3']);
  t.tombClear(10n, 100);
  t.tombClear(11n, 200);
  t.tombClear(12n, 300);
  assert.deepEqual([...t.clearTombs.keys()], [11n, 12n]);
  t.pruneClearTombs(250);
  assert.deepEqual([...t.clearTombs.keys()], [12n]);
});

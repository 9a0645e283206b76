/**
 * The namespace lab claims a free subnet: two labs made side by side (as by two test files
 * running at once) get different subnets, and making the second leaves the first working.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { labAvailable, NetnsLab } from './lab/netns.js';

const available = labAvailable();
const skip = available.ok ? false : available.reason;

test('labs claim distinct subnets and never tear each other down', { skip }, () => {
  const a = NetnsLab.create(2);
  let b: NetnsLab | undefined;
  try {
    b = NetnsLab.create(2);
    assert.notEqual(a.subnet, b.subnet);
    // a's nodes still stand, addressed and up, after b was made.
    for (const id of [1, 2]) {
      const addr = execFileSync('ip', ['-n', a.ns(id), 'addr', 'show', 'eth0'], { encoding: 'utf8' });
      assert.ok(addr.includes(`${a.address(id)}/24`) && /state UP|LOWER_UP/.test(addr), addr);
    }
  } finally {
    b?.destroy();
    a.destroy();
  }
  const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  assert.ok(!left.includes(`rcsw${a.subnet} `) && !left.includes(`rcn${a.subnet}x1`), left);
});

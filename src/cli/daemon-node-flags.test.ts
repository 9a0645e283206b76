import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DAEMON_NODE_FLAGS } from './daemon-node-flags.js';

const daemon = fileURLToPath(new URL('./ringcastd.js', import.meta.url));

// `ringcastd` from package.json bin runs the file itself: its #! line must carry the same flags
// the launchers pass, or an installed daemon runs with a heap the docs do not describe.
test('ringcastd\'s #! line carries DAEMON_NODE_FLAGS, and the kernel and env(1) accept it', () => {
  const first = readFileSync(daemon, 'utf8').split('\n', 1)[0];
  assert.equal(first, `#!/usr/bin/env -S node ${DAEMON_NODE_FLAGS.join(' ')}`);
  const run = spawnSync('/usr/bin/env', ['-S', `node ${DAEMON_NODE_FLAGS.join(' ')} -p v8.getHeapStatistics().total_available_size>0`], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), 'true');
});

test('the flags bound V8\'s young generation: a process started with them keeps its new space small', () => {
  const script = "let k=[];for(let i=0;i<2e6;i++){k.push({i,b:[i]});if(k.length>4000)k=[];}" +
    "console.log(v8.getHeapSpaceStatistics().find(s=>s.space_name==='new_space').space_size)";
  const bounded = spawnSync(process.execPath, [...DAEMON_NODE_FLAGS, '-e', script], { encoding: 'utf8' });
  assert.equal(bounded.status, 0, bounded.stderr);
  assert.ok(Number(bounded.stdout) <= 2 * 1024 * 1024, `new space ${bounded.stdout.trim()} bytes`);
});

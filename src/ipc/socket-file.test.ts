import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, lstat, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectIpc } from './client.js';
import { IpcServer } from './server.js';
import { MSG_ECHO, startFixture, tempDir, waitFor } from './test-helpers.js';

const baseOptions = { nodeId: 1, acceptService: () => true, onRequest: () => {} };

/** A socket file left by a process killed with SIGKILL: nobody listens, the file stays. */
async function leaveStaleSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  assert.ok((await lstat(path)).isSocket(), 'the killed process left its socket file');
}

test('a stale socket file is replaced and the server serves on it', async () => {
  const dir = await tempDir();
  try {
    await leaveStaleSocket(join(dir, 'ringcast.sock'));
    const f = await startFixture({ socketDir: dir });
    const client = await connectIpc({ path: f.server.path, serviceName: 'test' });
    assert.equal((await client.request(MSG_ECHO)).status, 1);
    await client.close();
    await f.done();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('start refuses a path where a live server answers, and a path that is not a socket', async () => {
  const f = await startFixture();
  try {
    const second = new IpcServer({ ...baseOptions, socketDir: f.dir });
    await assert.rejects(second.start(), { code: 'CS_ERR_EXIST' });
    const client = await connectIpc({ path: f.server.path, serviceName: 'test' });
    assert.equal((await client.request(MSG_ECHO)).status, 1, 'the live server is untouched');
    await client.close();
    await writeFile(join(f.dir, 'plain'), 'data');
    const onFile = new IpcServer({ ...baseOptions, socketDir: f.dir, socketName: 'plain' });
    await assert.rejects(onFile.start(), { code: 'CS_ERR_EXIST' });
    assert.ok(existsSync(join(f.dir, 'plain')), 'a regular file is never removed');
  } finally {
    await f.done();
  }
});

test('socket mode defaults to 0660, is configurable, chowns to the given gid, and the file goes on stop', async () => {
  const f = await startFixture();
  try {
    assert.equal((await stat(f.server.path)).mode & 0o777, 0o660);
  } finally {
    await f.done();
  }
  assert.equal(existsSync(f.server.path), false, 'removed on stop');
  const gid = process.getgid!();
  const g = await startFixture({ socketMode: 0o600, socketGid: gid });
  try {
    const s = await stat(g.server.path);
    assert.equal(s.mode & 0o777, 0o600);
    assert.equal(s.gid, gid);
  } finally {
    await g.done();
  }
});

test('a socket path longer than sun_path allows is CS_ERR_NAME_TOO_LONG; bad limits are RangeErrors', () => {
  assert.throws(() => new IpcServer({ ...baseOptions, socketDir: '/tmp/' + 'x'.repeat(120) }), { code: 'CS_ERR_NAME_TOO_LONG' });
  assert.throws(() => new IpcServer({ ...baseOptions, socketDir: '/tmp', limits: { maxFrameBytes: 100 } }), RangeError);
  assert.throws(() => new IpcServer({ ...baseOptions, socketDir: '/tmp', limits: { outboundMaxBytes: 1000 } }), RangeError);
});

test('a chown the process may not do fails start with CS_ERR_ACCESS and leaves no socket file', async (t) => {
  if (process.getuid!() === 0) return t.skip('root may chown to anything');
  const dir = await tempDir();
  try {
    const server = new IpcServer({ ...baseOptions, socketDir: dir, socketUid: 0 });
    await assert.rejects(server.start(), { code: 'CS_ERR_ACCESS' });
    await waitFor(() => !existsSync(server.path), 'socket file removed');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Runs connectIpc in a child process as another user; returns what it printed (an error code or 'connected'). */
async function connectAs(uid: number, gid: number, path: string): Promise<string> {
  const clientUrl = new URL('./client.js', import.meta.url).href;
  const script = `import(${JSON.stringify(clientUrl)}).then(async ({ connectIpc }) => {
    try { const c = await connectIpc({ path: ${JSON.stringify(path)}, serviceName: 'test' }); console.log('connected'); await c.close(); }
    catch (e) { console.log(e.code); }
  });`;
  const child = spawn(process.execPath, ['-e', script], { uid, gid, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => child.once('exit', resolve));
  return out.trim();
}

test('the socket mode is the access control: a user outside owner and group gets CS_ERR_ACCESS', async (t) => {
  if (process.getuid!() !== 0) return t.skip('needs root to run a client as another user');
  const nobody = 65534;
  const serve = async (options: { socketMode?: number; socketGid?: number }) => {
    const dir = await tempDir();
    await chmod(dir, 0o755); // the directory is traversable; only the socket's mode decides
    return startFixture({ socketDir: dir, ...options });
  };
  const cases = [
    { options: {}, uid: nobody, gid: nobody, expect: 'CS_ERR_ACCESS' },
    { options: { socketMode: 0o666 }, uid: nobody, gid: nobody, expect: 'connected' },
    { options: { socketGid: nobody }, uid: nobody - 1, gid: nobody, expect: 'connected' },
  ];
  for (const c of cases) {
    const f = await serve(c.options);
    try {
      assert.equal(await connectAs(c.uid, c.gid, f.server.path), c.expect, JSON.stringify(c));
      assert.equal(f.server.stats.handshakesAccepted, c.expect === 'connected' ? 1 : 0);
    } finally {
      await f.done();
    }
  }
});

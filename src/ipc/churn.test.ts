import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { connectIpc } from './client.js';
import { MSG_ECHO, MSG_HOLD, startFixture, waitFor } from './test-helpers.js';

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

test('2,000 short-lived connections leave no open connection, fd or handle behind', async () => {
  const f = await startFixture();
  try {
    // Warm up once so lazily created process-wide handles are not counted as leaks.
    const warm = await connectIpc({ path: f.server.path, serviceName: 'test' });
    await warm.close();
    await waitFor(() => f.server.stats.connectionsOpen === 0, 'warm-up released');
    const fdsBefore = openFds();
    const handlesBefore = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
    const total = 2_000;
    const parallel = 20;
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        const client = await connectIpc({ path: f.server.path, serviceName: 'test' });
        if (i % 3 === 0) {
          // Leave with a request still pending at the owner: the server must forget it.
          const pending = client.request(MSG_HOLD).catch((e: { code: string }) => e.code);
          await waitFor(() => f.held.some((h) => h.connection.id === client.connectionId), 'request held at the owner');
          await client.close();
          assert.equal(await pending, 'CS_ERR_LIBRARY');
        } else {
          assert.equal((await client.request(MSG_ECHO, new Uint8Array([i & 0xff]))).payload[0], i & 0xff);
          await client.close();
        }
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    await waitFor(() => f.server.stats.connectionsOpen === 0, 'every socket released', 10_000);
    assert.equal(f.server.stats.handshakesAccepted, total + 1);
    assert.equal(f.server.stats.disconnects.PEER_CLOSED, total + 1);
    assert.equal([...f.server.connections()].length, 0);
    await waitFor(() => openFds() <= fdsBefore, `fds back to ${fdsBefore} (now ${openFds()})`);
    const handlesAfter = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
    assert.ok(handlesAfter <= handlesBefore, `handles ${handlesBefore} -> ${handlesAfter}`);
    // Answering requests of connections that are gone is a harmless no-op.
    for (const { connection, request } of f.held) assert.equal(connection.respond(request.requestId, 1), false);
  } finally {
    await f.done();
  }
});

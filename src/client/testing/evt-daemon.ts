/** A test daemon with EVT options and a connected client, both closed when the test ends. */
import { startTestDaemon, type TestDaemon } from '../../daemon/testing.js';
import { connect, type RingcastClient } from '../index.js';

export type EvtOptions = NonNullable<NonNullable<Parameters<typeof startTestDaemon>[0]>['overrides']>['evt'];

export async function withEvtDaemon(t: { after(fn: () => Promise<unknown>): void }, evt?: EvtOptions): Promise<{ d: TestDaemon; client: RingcastClient }> {
  const d = await startTestDaemon(evt ? { overrides: { evt } } : {});
  const client = await connect({ stateDir: d.stateDir });
  t.after(async () => {
    await client.close();
    await d.stop();
  });
  return { d, client };
}

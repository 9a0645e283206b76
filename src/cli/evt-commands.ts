/**
 * `ringcast evt publish | subscribe | unlink | clear | channels`: the event service from the
 * shell, through the client library. Output with --json is one JSON object per line, with the
 * fields issue 9 fixed (a stable interface: scripts read them). A refusal by the service exits 1
 * with the SA error name on stderr.
 */
import { readFile } from 'node:fs/promises';
import { SaAisError, type EvtEvent, type EvtHandle } from '../client/index.js';
import { CliExit, connectOrExplain, EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE, signalOnInterrupt } from './cpg-client.js';
import { EVT_USAGE, parseEvtArgs, type EvtCliOptions } from './evt-args.js';

const decoder = new TextDecoder();

export async function evtCommand(args: string[]): Promise<number> {
  if (args[0] === '-h' || args[0] === '--help') {
    console.log(EVT_USAGE);
    return EXIT_OK;
  }
  const parsed = parseEvtArgs(args);
  if (!parsed.ok) {
    console.error(`ringcast: ${parsed.message}\n${EVT_USAGE}`);
    return EXIT_UNREACHABLE;
  }
  const o = parsed.options;
  const client = await connectOrExplain(o.stateDir);
  try {
    const evt = await client.evt();
    return await run(evt, o);
  } catch (err) {
    if (err instanceof SaAisError) {
      console.error(`ringcast: evt ${o.command}: ${err.code} (${err.message})`);
      return EXIT_FAILED;
    }
    if (err instanceof CliExit) throw err;
    throw err;
  } finally {
    await client.close();
  }
}

async function run(evt: EvtHandle, o: EvtCliOptions): Promise<number> {
  switch (o.command) {
    case 'publish': {
      const data = o.data === undefined ? new Uint8Array(0) : 'text' in o.data ? o.data.text : new Uint8Array(await readFile(o.data.file));
      const ch = await evt.openChannel(o.channel, { create: true, publisher: true });
      for (let i = 0; i < o.count; i++) {
        const eventId = await ch.publish({ patterns: o.patterns, priority: o.priority, retentionMs: o.retentionMs, publisherName: o.publisher, data });
        console.log(o.json ? JSON.stringify({ eventId: eventId.toString() }) : eventId.toString());
      }
      await ch.close();
      return EXIT_OK;
    }
    case 'subscribe':
      return subscribe(evt, o);
    case 'unlink':
      await evt.unlinkChannel(o.channel);
      return EXIT_OK;
    case 'clear': {
      const ch = await evt.openChannel(o.channel, {});
      await ch.clearRetention(o.eventId);
      await ch.close();
      return EXIT_OK;
    }
    case 'channels': {
      const channels = await evt.channels();
      if (o.json) console.log(JSON.stringify({ channels }));
      else {
        console.log(`${'Channel'.padEnd(32)}${'Instance'.padStart(24)}${'State'.padStart(10)}${'Opens'.padStart(8)}${'Retained'.padStart(10)}`);
        for (const c of channels) {
          console.log(`${c.name.padEnd(32)}${c.instanceId.padStart(24)}${(c.unlinked ? 'unlinked' : 'active').padStart(10)}${String(c.opens).padStart(8)}${String(c.retained).padStart(10)}`);
        }
        if (channels.length === 0) console.log('(no channels)');
      }
      return EXIT_OK;
    }
  }
}

export function deliveryJson(e: EvtEvent): Record<string, unknown> {
  return {
    subscriptionId: e.subscriptionId,
    eventId: e.eventId.toString(),
    patterns: e.patterns.map((p) => decoder.decode(p)),
    priority: e.priority,
    retentionMs: Number(e.retentionNs / 1_000_000n),
    publisher: e.publisherName,
    publishTime: Number(e.publishTimeNs / 1_000_000n),
    data: decoder.decode(e.data),
    lost: e.lost,
  };
}

async function subscribe(evt: EvtHandle, o: Extract<EvtCliOptions, { command: 'subscribe' }>): Promise<number> {
  const interrupt = signalOnInterrupt();
  const stop = new AbortController();
  const onStop = () => stop.abort();
  interrupt.signal.addEventListener('abort', onStop, { once: true });
  const timer = o.timeoutMs === undefined ? undefined : setTimeout(onStop, o.timeoutMs);
  try {
    const ch = await evt.openChannel(o.channel, { create: true, subscriber: true });
    const sub = await ch.subscribe(o.filters.map((f) => (f.type === 'passAll' ? f : { type: f.type, pattern: f.pattern })));
    const it = sub[Symbol.asyncIterator]();
    const stopped = new Promise<'stopped'>((resolve) => stop.signal.addEventListener('abort', () => resolve('stopped'), { once: true }));
    let seen = 0;
    while (o.count === undefined || seen < o.count) {
      const next = await Promise.race([it.next(), stopped]);
      if (next === 'stopped' || next.done) break;
      seen++;
      const j = deliveryJson(next.value);
      console.log(o.json ? JSON.stringify(j) : `${j.eventId} prio ${j.priority} from "${j.publisher}" patterns ${JSON.stringify(j.patterns)}${next.value.lost ? ' LOST EVENTS' : ''}: ${j.data}`);
    }
    return EXIT_OK;
  } finally {
    clearTimeout(timer);
    interrupt.dispose();
  }
}

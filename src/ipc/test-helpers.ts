/** Shared fixtures for the ipc tests: a temp dir, a server with a scriptable owner, raw sockets, waits with deadlines. */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection, IpcRequest } from './connection.js';
import { encodeFrame, decodeFrame, IPC_PROTOCOL_VERSION, type IpcFrame } from './frame.js';
import { FrameParser } from './parser.js';
import { IpcServer, type IpcServerOptions } from './server.js';

export const MSG_ECHO = 1;
/** The owner keeps the request and answers only when the test says so. */
export const MSG_HOLD = 2;
/** The owner answers with an event carrying the payload, then the response. */
export const MSG_EVENT = 3;
export const MSG_THROW = 4;

export interface Fixture {
  readonly dir: string;
  readonly server: IpcServer;
  readonly held: { connection: Connection; request: IpcRequest }[];
  readonly connections: Connection[];
  readonly disconnects: { connection: Connection; reason: string }[];
  done(): Promise<void>;
}

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'rc-ipc-'));
}

export async function startFixture(overrides: Partial<IpcServerOptions> = {}): Promise<Fixture> {
  const dir = overrides.socketDir ?? (await tempDir());
  const held: Fixture['held'] = [];
  const connections: Connection[] = [];
  const disconnects: Fixture['disconnects'] = [];
  const server = new IpcServer({
    socketDir: dir,
    nodeId: 7,
    acceptService: (hello) => hello.serviceName === 'test' || (hello.serviceName === 'locked' ? 'ACCESS_DENIED' : false),
    onConnection: (c) => connections.push(c),
    onDisconnect: (connection, reason) => disconnects.push({ connection, reason }),
    onRequest: (connection, request) => {
      if (request.messageId === MSG_ECHO) connection.respond(request.requestId, 1, request.payload);
      else if (request.messageId === MSG_HOLD) held.push({ connection, request });
      else if (request.messageId === MSG_EVENT) {
        connection.sendEvent(99, request.payload);
        connection.respond(request.requestId, 1);
      } else if (request.messageId === MSG_THROW) throw new Error('owner bug');
      else connection.respond(request.requestId, 7);
    },
    ...overrides,
  });
  await server.start();
  return {
    dir, server, held, connections, disconnects,
    async done() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls a condition until it holds; fails with `what` at the deadline. Not a sleep: it returns as soon as the condition is true. */
export async function waitFor(condition: () => boolean, what: string, deadlineMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > deadlineMs) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A socket speaking raw frames, for tests that misbehave on purpose. */
export class RawClient {
  readonly socket: Socket;
  readonly frames: IpcFrame[] = [];
  closed = false;
  #parser = new FrameParser(1 << 24);

  constructor(path: string) {
    this.socket = connect(path);
    this.socket.on('data', (chunk: Buffer) => {
      this.#parser.push(chunk);
      for (let s = this.#parser.next(); s.kind === 'frame'; s = this.#parser.next()) {
        const r = decodeFrame(new Uint8Array(s.body));
        if (r.ok) this.frames.push(r.frame);
      }
    });
    this.socket.on('error', () => {});
    this.socket.on('close', () => (this.closed = true));
  }

  async connected(): Promise<void> {
    if (!this.socket.connecting) return;
    await new Promise<void>((resolve) => this.socket.once('connect', () => resolve()));
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  hello(serviceName = 'test', versionMin = IPC_PROTOCOL_VERSION, versionMax = IPC_PROTOCOL_VERSION): void {
    this.write(encodeFrame({ kind: 'hello', versionMin, versionMax, pid: 1234, maxFrameBytes: 1 << 20, serviceName }));
  }

  async handshake(serviceName = 'test'): Promise<void> {
    this.hello(serviceName);
    await waitFor(() => this.frames.length > 0, 'handshake answer');
    if (this.frames[0]!.kind !== 'accept') throw new Error(`handshake answered with ${this.frames[0]!.kind}`);
  }

  destroy(): void {
    this.socket.destroy();
  }
}


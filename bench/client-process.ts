/**
 * A bench application process (bench/cpg-client.ts, bench/evt-client.ts): spawned with the
 * client Node.js flags, answering one JSON line at a time on stdout, told what to do on stdin,
 * stopped with `stop` (or killed after 10 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { nodeFlags } from './daemons.js';

export class ClientProcess {
  readonly child: ChildProcess;
  readonly #lines: string[] = [];
  #waiter: (() => void) | undefined;
  #exited = false;

  /** `what` names the client in errors ("a bench CPG client"); `answerTimeoutMs` is next()'s default wait. */
  constructor(script: string, args: readonly string[], private readonly what: string, private readonly answerTimeoutMs = 20_000) {
    this.child = spawn(process.execPath, [...nodeFlags('BENCH_CLIENT_NODE_ARGS'), script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      this.#lines.push(line);
      this.#waiter?.();
    });
    this.child.once('exit', () => {
      this.#exited = true;
      this.#waiter?.();
    });
  }

  async next(timeoutMs = this.answerTimeoutMs): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    while (this.#lines.length === 0) {
      if (this.#exited) throw new Error(`${this.what} exited early`);
      if (Date.now() > deadline) throw new Error(`${this.what} did not answer`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#waiter = undefined;
    }
    return JSON.parse(this.#lines.shift()!);
  }

  tell(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  async stop(): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.tell('stop');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerOps } from './worker.ts';

/** One forked generator process and a typed call into it. */
export class GeneratorProcess {
  readonly #child: ChildProcess;
  #next = 1;
  readonly #pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<void>;

  constructor(readonly name: string) {
    const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.ts');
    this.#child = fork(file, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.ready = new Promise((resolve, reject) => {
      this.#child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready`)));
      this.#child.on('message', (m: { ready?: boolean; id?: number; ok?: boolean; result?: unknown; error?: string }) => {
        if (m.ready) return resolve();
        const p = m.id !== undefined ? this.#pending.get(m.id) : undefined;
        if (!p || m.id === undefined) return;
        this.#pending.delete(m.id);
        if (m.ok) p.resolve(m.result);
        else p.reject(new Error(`${name}: ${m.error}`));
      });
    });
    this.#child.on('exit', (code) => {
      for (const p of this.#pending.values()) p.reject(new Error(`${name} exited (${code})`));
      this.#pending.clear();
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  call<K extends keyof WorkerOps>(op: K, args: WorkerOps[K]['args'], timeoutMs = 120_000): Promise<WorkerOps[K]['result']> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.name}: ${op} got no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.#child.send({ id, op, args });
    });
  }

  kill(): void {
    this.#child.kill();
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { TypedEmitter } from '../TypedEmitter.ts';
import type { Logger } from '../Logger.ts';

export type JanusProcessEvents = {
  /** Janus answers on its WebSocket port (after the first start and after every restart). */
  ready: (pid: number) => void;
  /** Janus exited without being asked to; a restart is scheduled. */
  exited: (code: number | null, signal: NodeJS.Signals | null) => void;
};

/**
 * Runs Janus as a supervised child: starts it, waits until its WebSocket answers, restarts it
 * with backoff when it dies, and makes sure it never outlives Amphi — the kernel kills it when
 * Amphi dies (setpriv --pdeathsig), and a pid file left by a crash is cleaned at the next start.
 */
export class JanusProcess extends TypedEmitter<JanusProcessEvents> {
  #child: ChildProcess | undefined;
  #stopping = false;
  #restartTimer: NodeJS.Timeout | undefined;
  #backoffMs = 200;
  #startedAt = 0;
  readonly #pidFile: string;

  constructor(
    private readonly opts: { binary: string; configDir: string; logFile: string; wsPort: number; log: Logger },
  ) {
    super();
    this.#pidFile = path.join(opts.configDir, 'janus.pid');
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts Janus and resolves once its WebSocket accepts connections. */
  async start(): Promise<void> {
    this.#killLeftover();
    await this.#spawn();
  }

  async #spawn(): Promise<void> {
    const { binary, configDir, logFile, wsPort, log } = this.opts;
    if (!fs.existsSync(binary)) throw new Error(`Janus not found at ${binary}: install it with "apt-get install janus" or set AMPHI_JANUS_BIN`);
    // setpriv asks the kernel to SIGKILL Janus the moment Amphi's process dies, however it dies.
    const useSetpriv = fs.existsSync('/usr/bin/setpriv');
    const args = ['-F', configDir, '-L', logFile, '-N'];
    const child = useSetpriv
      ? spawn('/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', binary, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    this.#startedAt = Date.now();
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.once('exit', (code, signal) => {
      if (this.#child === child) this.#child = undefined;
      fs.rmSync(this.#pidFile, { force: true });
      if (this.#stopping) return;
      log.warn('janus exited', { code, signal, stderr: stderr.trim() || undefined });
      this.emit('exited', code, signal);
      this.#scheduleRestart();
    });
    if (child.pid) fs.writeFileSync(this.#pidFile, String(child.pid));
    const ready = await Promise.race([waitForPort(wsPort, 15_000), exited.then(() => false)]);
    if (!ready) {
      if (this.#child === child) child.kill('SIGKILL');
      throw new Error(`Janus did not start (see ${logFile})${stderr ? `: ${stderr.trim()}` : ''}`);
    }
    log.info('janus ready', { pid: child.pid, wsPort });
    this.emit('ready', child.pid ?? 0);
  }

  #scheduleRestart(): void {
    // Back off when Janus keeps dying right after start; reset once it has run a while.
    if (Date.now() - this.#startedAt > 30_000) this.#backoffMs = 200;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, 5_000);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#stopping) return;
      this.#spawn().catch((err) => {
        this.opts.log.error('janus restart failed', { err: String(err) });
        if (!this.#stopping && !this.#child) this.#scheduleRestart();
      });
    }, delay);
  }

  #killLeftover(): void {
    let pid: number;
    try {
      pid = Number(fs.readFileSync(this.#pidFile, 'utf8').trim());
    } catch {
      return;
    }
    if (!Number.isInteger(pid) || pid <= 1) return;
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes(this.opts.configDir)) {
        process.kill(pid, 'SIGKILL');
        this.opts.log.warn('killed a Janus left over by an earlier run', { pid });
      }
    } catch {
      /* already gone */
    }
    fs.rmSync(this.#pidFile, { force: true });
  }

  /** Stops Janus (SIGTERM, then SIGKILL after 3 s); no restart follows. Safe to call twice. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Resolves true once something accepts TCP connections on 127.0.0.1:port, false on timeout. */
export async function waitForPort(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** Asks the kernel for a free loopback TCP port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

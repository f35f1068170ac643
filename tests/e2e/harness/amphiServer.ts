import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../fixtures/childServer.ts';

/** A TCP port free on 127.0.0.1 right now (the identity providers' fixtures use it too). */
export { freePort };

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface RunningAmphi {
  url: string;
  dataDir: string;
  admin: { email: string; password: string };
  process: ChildProcess;
  /** Janus's pid as the server last reported it. */
  janusPid(): number | undefined;
  /** Resolves with the next pid Janus reports (after a restart). */
  nextJanusReady(): Promise<number>;
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Starts Amphi through its real entry point (the built packages/server/dist/main.js, which starts
 * Janus) on a free port with a fresh data folder, and waits until it says it is running.
 */
export async function startAmphi(env: Record<string, string> = {}, opts: { presetAdmin?: boolean; host?: string; port?: number } = {}): Promise<RunningAmphi> {
  // `port`: the same one as an Amphi started before (a restart: its pages come back to it).
  const port = opts.port ?? (await freePort());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-e2e-'));
  const admin = { email: 'organiser@univ.example', password: 'correct horse battery staple' };
  // `host`: serve on another address of the test namespace (one a browser on its own network reaches).
  const host = opts.host ?? '127.0.0.1';
  const url = `http://${host}:${port}`;
  const child = spawn(process.execPath, [path.join(ROOT, 'packages/server/dist/main.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      AMPHI_PORT: String(port),
      ...(opts.host ? { AMPHI_HOST: opts.host } : {}),
      AMPHI_PUBLIC_URL: url,
      AMPHI_DATA_DIR: dataDir,
      ...(opts.presetAdmin === false ? {} : { AMPHI_ADMIN_EMAIL: admin.email, AMPHI_ADMIN_PASSWORD: admin.password }),
      AMPHI_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let janusPid: number | undefined;
  const janusWaiters: ((pid: number) => void)[] = [];
  const onLine = (line: string) => {
    output += line + '\n';
    if (!line.startsWith('{')) return;
    try {
      const entry = JSON.parse(line) as { msg?: string; pid?: number };
      if (entry.msg === 'janus ready' && typeof entry.pid === 'number') {
        janusPid = entry.pid;
        for (const w of janusWaiters.splice(0)) w(entry.pid);
      }
    } catch {
      /* not a log line */
    }
  };
  let buffer = '';
  const feed = (d: Buffer) => {
    buffer += d.toString();
    let idx;
    while ((idx = buffer.indexOf('\n')) >= 0) {
      onLine(buffer.slice(0, idx));
      buffer = buffer.slice(idx + 1);
    }
  };
  child.stdout!.on('data', feed);
  child.stderr!.on('data', feed);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const started = await Promise.race([
    (async () => {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        if (output.includes('Amphi is running at')) return true;
        await new Promise((r) => setTimeout(r, 50));
      }
      return false;
    })(),
    exited.then(() => false),
  ]);
  if (!started) {
    child.kill('SIGKILL');
    throw new Error(`Amphi did not start:\n${output}`);
  }

  return {
    url,
    dataDir,
    admin,
    process: child,
    janusPid: () => janusPid,
    nextJanusReady: () => new Promise((resolve) => janusWaiters.push(resolve)),
    logs: () => output,
    async stop() {
      // AMPHI_E2E_LOGS=1 prints what the server logged, for debugging a failing test.
      if (process.env.AMPHI_E2E_LOGS) process.stderr.write(output.split('\n').map((l) => `# amphi: ${l}`).join('\n') + '\n');
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

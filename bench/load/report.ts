/*
 * What the scenario benches share: the server they measure (started here in the test namespace,
 * or an Amphi elsewhere with --target), number formatting, percentiles and a least-squares fit.
 */

import type { GeneratorProcess } from './LoadGenerator.ts';
import { cpuMsOf, machineBusyMs } from './procStats.ts';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '–');
export const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
export const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');

/** Least squares y = a + b·x, with R². */
export function linearFit(xs: number[], ys: number[]): { a: number; b: number; r2: number } {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  const b = sxx > 0 ? sxy / sxx : NaN;
  return { a: my - b * mx, b, r2: sxx > 0 && syy > 0 ? (sxy * sxy) / (sxx * syy) : NaN };
}

/** What the server's processes and the machine spent over one measurement window. */
export interface WindowCpu {
  windowMs: number;
  /** % of one core. */
  janusCpu: number;
  amphiCpu: number;
  machineBusy: number;
  /** Janus's and Amphi's CPU ms counters when the window opened. */
  janusMsAtStart: number;
  amphiMsAtStart: number;
}

/**
 * Measures `durationS` seconds while every generator process has each of its participants ask
 * something every 2 s (the signaling latency under load).
 */
export async function measureWindow(server: Server, workers: GeneratorProcess[], durationS: number): Promise<WindowCpu> {
  const j0 = cpuMsOf(server.janusPid());
  const a0 = cpuMsOf(server.amphiPid());
  const m0 = machineBusyMs();
  const t0 = performance.now();
  const pinger = setInterval(() => void Promise.all(workers.map((w) => w.call('ping', {}).catch(() => {}))), 2_000);
  await sleep(durationS * 1000);
  clearInterval(pinger);
  const windowMs = performance.now() - t0;
  const pct = (ms: number) => (ms / windowMs) * 100;
  return { windowMs, janusCpu: pct(cpuMsOf(server.janusPid()) - j0), amphiCpu: pct(cpuMsOf(server.amphiPid()) - a0), machineBusy: pct(machineBusyMs() - m0), janusMsAtStart: j0, amphiMsAtStart: a0 };
}

/** The server side: where it is, how to sign in, and (when local) its processes. */
export interface Server {
  url: string;
  cookie: string;
  meetingId: string;
  amphiPid: () => number | undefined;
  janusPid: () => number | undefined;
  stop: () => Promise<void>;
}

/**
 * An Amphi with one meeting (no waiting room) to load: started here with `env`, or, with a
 * target, the one there (signed in with AMPHI_ADMIN_EMAIL / AMPHI_ADMIN_PASSWORD; its CPU and
 * memory are read only when AMPHI_PID / JANUS_PID name processes on this machine).
 */
export async function startServer(opts: { target: string | undefined; title: string; env: Record<string, string> }): Promise<Server> {
  const { signInCookie, createMeeting } = await import('../../tests/e2e/harness/wsClient.ts');
  if (opts.target) {
    const url = opts.target.replace(/\/$/, '');
    const email = process.env.AMPHI_ADMIN_EMAIL;
    const password = process.env.AMPHI_ADMIN_PASSWORD;
    if (!email || !password) throw new Error('--target needs AMPHI_ADMIN_EMAIL and AMPHI_ADMIN_PASSWORD (an account that may create meetings)');
    const cookie = await signInCookie(url, { email, password });
    const meeting = await createMeeting(url, cookie, { title: opts.title, settings: { waitingRoom: false } });
    const pid = (v: string | undefined) => (v ? Number(v) : undefined);
    return { url, cookie, meetingId: meeting.id, amphiPid: () => pid(process.env.AMPHI_PID), janusPid: () => pid(process.env.JANUS_PID), stop: async () => {} };
  }
  const { startAmphi } = await import('../../tests/e2e/harness/amphiServer.ts');
  const amphi = await startAmphi(opts.env);
  const cookie = await signInCookie(amphi.url, amphi.admin);
  const meeting = await createMeeting(amphi.url, cookie, { title: opts.title, settings: { waitingRoom: false } });
  return { url: amphi.url, cookie, meetingId: meeting.id, amphiPid: () => amphi.process.pid, janusPid: () => amphi.janusPid(), stop: () => amphi.stop() };
}

/** The command line's --target URL (or TARGET). */
export function targetArg(): string | undefined {
  const i = process.argv.indexOf('--target');
  return (i >= 0 ? process.argv[i + 1] : undefined) ?? process.env.TARGET;
}

/*
 * Restart: BENCH_CLIENTS (300) signaling participants and two media participants (Chromium: a
 * camera and a viewer) in one meeting; Amphi is killed with SIGKILL and started again on the same
 * data and port, and every participant comes back by itself with the browser's own backoff
 * (client/core/Reconnection.ts). Measured: from the server answering again to each participant
 * resumed (p50 / p95 / max), to the viewer decoding the camera again, and the server's CPU and
 * memory during the reconnection wave — next to a fresh join of the same 300 in the same run
 * (all at once), as the reference.
 *
 *   sudo ./amphi bench restart
 *   BENCH_CLIENTS=300 BENCH_SIGNAL=SIGTERM sudo -E ./amphi bench restart
 *
 * Results are printed, never asserted; the exit status is non-zero when a participant never came back.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { ServerMessage } from '@amphi/protocol';
import { backoffDelay } from '../packages/client/src/core/Reconnection.ts';
import { freePort, startAmphi, type RunningAmphi } from '../tests/e2e/harness/amphiServer.ts';
import { launchBrowser, newParticipantPage, receivedStats } from '../tests/e2e/harness/browser.ts';
import { joinByLink, selfId, signIn } from '../tests/e2e/harness/flows.ts';
import { createMeeting, signInCookie } from '../tests/e2e/harness/wsClient.ts';
import { cpuMsOf, rssMbOf } from './load/procStats.ts';
import { f0, f1, percentile, sleep } from './load/report.ts';

const N = Number(process.env.BENCH_CLIENTS ?? 300);
const SIGNAL = (process.env.BENCH_SIGNAL ?? 'SIGKILL') as NodeJS.Signals;

/** A signaling participant that resumes as the browser does (same credential rules, same backoff). */
class Participant {
  ws: WebSocket | undefined;
  credential = '';
  lastSeq = 0;
  readonly clientId = `bench-${Math.random().toString(36).slice(2)}-0123456789`;
  joinedAt = NaN;
  resumedAt = NaN;
  attempts = 0;
  #nextRid = 1;
  #waiting = new Map<number, (m: ServerMessage) => void>();
  #lost = false;

  constructor(
    readonly name: string,
    readonly url: string,
    readonly origin: string,
  ) {}

  #open(): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, { headers: { origin: this.origin } });
      ws.on('message', (data) => this.#receive(ws, data.toString()));
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
      ws.on('close', (code) => {
        if (ws === this.ws && code !== 1000) this.#lost = true;
      });
    });
  }

  #receive(ws: WebSocket, text: string): void {
    if (ws !== this.ws) return;
    const raw = JSON.parse(text) as { seq?: number };
    if (typeof raw.seq === 'number') {
      if (raw.seq <= this.lastSeq) return;
      this.lastSeq = raw.seq;
    }
    const parsed = ServerMessage.safeParse(raw);
    if (!parsed.success) return;
    const m = parsed.data;
    if (m.type === 'resumed' && m.snapshot) this.lastSeq = 0;
    const rid = 'rid' in m ? m.rid : undefined;
    const waiter = rid !== undefined ? this.#waiting.get(rid) : undefined;
    if (waiter && rid !== undefined) {
      this.#waiting.delete(rid);
      waiter(m);
    }
  }

  #request(ws: WebSocket, message: Record<string, unknown>, timeoutMs: number): Promise<ServerMessage> {
    const rid = this.#nextRid++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no answer to ${String(message.type)}`)), timeoutMs);
      this.#waiting.set(rid, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      ws.send(JSON.stringify({ ...message, rid }));
    });
  }

  async join(meetingId: string): Promise<void> {
    const started = performance.now();
    this.ws = await this.#open();
    const reply = await this.#request(this.ws, { type: 'join', meetingId, name: this.name, audio: false, video: false, clientId: this.clientId }, 30_000);
    if (reply.type !== 'joined') throw new Error(`${this.name}: ${reply.type === 'error' ? reply.code : reply.type}`);
    this.credential = reply.resume.credential;
    this.joinedAt = performance.now() - started;
  }

  /** Comes back after the server went away, trying as the browser does until `deadline`. */
  async comeBack(meetingId: string, deadline: number): Promise<void> {
    for (let attempt = 1; performance.now() < deadline; attempt++) {
      await sleep(backoffDelay(attempt));
      this.attempts = attempt;
      try {
        const ws = await this.#open();
        this.ws = ws;
        const reply = await this.#request(ws, { type: 'resume', meetingId, credential: this.credential, clientId: this.clientId, lastSeq: this.lastSeq }, 5_000);
        if (reply.type === 'resumed') {
          this.credential = reply.credential;
          this.resumedAt = performance.now();
          return;
        }
        if (reply.type === 'error' && reply.code !== 'server.restarting') throw new Error(`${this.name}: ${reply.code}`);
      } catch (err) {
        if (err instanceof Error && /resume\./.test(err.message)) throw err;
      }
    }
    throw new Error(`${this.name}: not back before the deadline`);
  }

  get lost(): boolean {
    return this.#lost;
  }

  close(): void {
    this.ws?.close(1000);
  }
}

/** The server's CPU (% of one core) and peak memory while `during` runs. */
async function measured<T>(pid: () => number | undefined, during: () => Promise<T>): Promise<{ result: T; cpuPct: number; rssMaxMb: number; ms: number }> {
  let rssMax = 0;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssMbOf(pid()) || 0)), 100);
  const cpu0 = cpuMsOf(pid());
  const t0 = performance.now();
  try {
    const result = await during();
    const ms = performance.now() - t0;
    return { result, cpuPct: ((cpuMsOf(pid()) - cpu0) / ms) * 100, rssMaxMb: Math.max(rssMax, rssMbOf(pid()) || 0), ms };
  } finally {
    clearInterval(sampler);
  }
}

async function decodingAgain(viewer: import('playwright-core').Page, cameraId: string, timeoutMs: number): Promise<number> {
  const start = performance.now();
  let before = (await receivedStats(viewer))[cameraId]?.framesDecoded ?? 0;
  while (performance.now() - start < timeoutMs) {
    await sleep(250);
    const now = (await receivedStats(viewer))[cameraId]?.framesDecoded ?? 0;
    if (now > before && now > 0) return performance.now();
    before = now;
  }
  return NaN;
}

async function main(): Promise<void> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-bench-restart-'));
  const env = { AMPHI_DATA_DIR: dataDir, AMPHI_MEETING_CAPACITY: String(N + 10), AMPHI_LOG_LEVEL: 'warn' };
  let amphi: RunningAmphi = await startAmphi(env, { port });
  const browser = await launchBrowser();
  const failures: string[] = [];
  try {
    const cookie = await signInCookie(amphi.url, amphi.admin);
    const meeting = await createMeeting(amphi.url, cookie, { title: 'Restart bench', settings: { waitingRoom: false } });
    const wsUrl = amphi.url.replace(/^http/, 'ws') + '/ws';
    const origin = new URL(amphi.url).origin;

    // Media: the organiser's camera, and a guest who watches it.
    const camera = (await newParticipantPage(browser)).page;
    await signIn(camera, amphi.url, amphi.admin);
    await joinByLink(camera, meeting.link, 'Camera');
    const viewer = (await newParticipantPage(browser)).page;
    await joinByLink(viewer, meeting.link, 'Viewer');
    const cameraId = await selfId(camera);
    if (Number.isNaN(await decodingAgain(viewer, cameraId, 20_000))) throw new Error('the viewer never decoded the camera');

    // The reference: the same 300 joining at once, each with a random delay of the first backoff window.
    const people = Array.from({ length: N }, (_, i) => new Participant(`Student ${i + 1}`, wsUrl, origin));
    const join = await measured(
      () => amphi.process.pid,
      () => Promise.all(people.map(async (p) => (await sleep(backoffDelay(1)), p.join(meeting.id)))),
    );
    const joins = people.map((p) => p.joinedAt);
    await sleep(2_000);

    // The restart.
    const deadline = performance.now() + 60_000;
    amphi.process.kill(SIGNAL);
    await new Promise((r) => amphi.process.once('exit', r));
    const comingBack = people.map((p) => p.comeBack(meeting.id, deadline).catch((err) => failures.push(String(err))));
    const mediaBack = decodingAgain(viewer, cameraId, 60_000);
    const startAt = performance.now();
    amphi = await startAmphi(env, { port });
    const answering = performance.now();
    const wave = await measured(
      () => amphi.process.pid,
      () => Promise.all(comingBack),
    );
    const back = people.map((p) => p.resumedAt - answering).filter((ms) => Number.isFinite(ms));
    const mediaMs = (await mediaBack) - answering;

    console.log(`\nrestart: ${N} signaling participants + a camera and a viewer (Chromium) in one meeting; Amphi stopped with ${SIGNAL} and started again`);
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; start of the new process took ${f0(answering - startAt)} ms\n`);
    console.log('| | fresh join of the 300 (reference) | back after the restart |');
    console.log('|---|---|---|');
    console.log(`| time per participant p50 / p95 / max, ms | ${f0(percentile(joins, 50))} / ${f0(percentile(joins, 95))} / ${f0(Math.max(...joins))} (send join → joined) | ${f0(percentile(back, 50))} / ${f0(percentile(back, 95))} / ${f0(Math.max(...back))} (server answering → resumed) |`);
    console.log(`| participants in | ${joins.filter(Number.isFinite).length} / ${N} | ${back.length} / ${N} (attempts per participant p50 / max: ${f0(percentile(people.map((p) => p.attempts), 50))} / ${Math.max(...people.map((p) => p.attempts))}) |`);
    console.log(`| viewer decodes the camera again | – | ${f0(mediaMs)} ms after the server answered |`);
    console.log(`| server CPU during the wave, % of a core | ${f1(join.cpuPct)} over ${f0(join.ms)} ms | ${f1(wave.cpuPct)} over ${f0(wave.ms)} ms |`);
    console.log(`| server memory peak, MB | ${f1(join.rssMaxMb)} | ${f1(wave.rssMaxMb)} |`);
    for (const p of people) p.close();
  } finally {
    await browser.close().catch(() => {});
    await amphi.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    console.error(`\n${failures.length} problems:\n${[...new Set(failures)].slice(0, 10).join('\n')}`);
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

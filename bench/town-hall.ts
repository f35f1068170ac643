/*
 * Town hall: BENCH_CLIENTS (300) signaling-only clients join one real Amphi meeting (organiser first,
 * as host, with the session cookie), then chat, raise hands and answer a poll. Every phase also runs against a
 * minimal `ws` server speaking the same messages (no validation, storage or Janus), in a child
 * process measured the same way, as the machine's reference.
 *
 *   sudo ./amphi bench town-hall
 *   BENCH_CLIENTS=300 BENCH_CHAT=100 BENCH_WORKERS=2 sudo -E ./amphi bench town-hall
 *
 * Knobs: BENCH_CLIENTS, BENCH_CHAT (messages), BENCH_CHAT_RATE (messages/s), BENCH_WAVE (clients per
 * join wave), BENCH_HANDS, BENCH_WORKERS (client processes), BENCH_SERVER_PROF=DIR (writes a
 * --cpu-prof of the Amphi server into DIR).
 *
 * The clients live in BENCH_WORKERS child processes (this same file, `--worker`); the parent
 * holds the host's socket and drives the phases over IPC. All timestamps are on one clock: each
 * worker's clock is aligned to the parent's by IPC ping (error bound printed). Results are printed,
 * never asserted; the exit status is non-zero when something failed (a client never joined, a
 * message was refused or lost).
 */
import { fork, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket, { WebSocketServer } from 'ws';
import { openSocket } from './load/BenchSignaling.ts';
import { CLK_TCK, cpuMsOf, rssMbOf } from './load/procStats.ts';
import { f0, f1, percentile, sleep } from './load/report.ts';

// ---------------------------------------------------------------------------------------------
// Shared by every process

const N = Number(process.env.BENCH_CLIENTS ?? 300);
const CHAT = Number(process.env.BENCH_CHAT ?? 100);
const CHAT_RATE = Number(process.env.BENCH_CHAT_RATE ?? 20);
const WAVE = Number(process.env.BENCH_WAVE ?? 50);
const HANDS = Math.min(Number(process.env.BENCH_HANDS ?? 50), N);
const WORKERS = Math.max(1, Math.min(Number(process.env.BENCH_WORKERS ?? 2), N));
const ELD_RESOLUTION_MS = 5;

/** Milliseconds on the parent's clock (workers subtract the offset measured at start). */
let clockOffset = 0;
const rawClock = () => performance.timeOrigin + performance.now();
const clock = () => rawClock() - clockOffset;

const eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
eld.enable();
let cpuMark = process.cpuUsage();

interface ProcStats {
  /** Event-loop delay beyond the timer's resolution, ms. */
  eldP99: number;
  eldMax: number;
  cpuMs: number;
}
function procStats(reset: boolean): ProcStats {
  const cpu = process.cpuUsage(cpuMark);
  const ms = (ns: number) => (Number.isFinite(ns) ? Math.max(0, ns / 1e6 - ELD_RESOLUTION_MS) : 0);
  const stats = { eldP99: ms(eld.percentile(99)), eldMax: ms(eld.max), cpuMs: (cpu.user + cpu.system) / 1000 };
  if (reset) {
    eld.reset();
    cpuMark = process.cpuUsage();
  }
  return stats;
}

async function until(what: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > deadline) throw new Error(describe());
    await sleep(5);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

interface Msg {
  type: string;
  rid?: number;
  code?: string;
  message?: any;
  [key: string]: any;
}

/**
 * A lean signaling-only client: keeps the participant list, answers requests by rid, and timestamps
 * what it receives (tests/e2e/harness/wsClient.ts keeps every message and polls them, too slow
 * for 300 clients × thousands of messages).
 */
class BenchClient {
  ws: WebSocket | undefined;
  selfId: string | undefined;
  readonly ids = new Set<string>();
  /** List size that counts as "everyone" (0: not tracking). */
  target = 0;
  fullAt: number | undefined;
  joinSentAt = 0;
  sizeWatch: { n: number; resolve: (at: number) => void } | undefined;
  onChat: ((fromId: string, text: string, at: number) => void) | undefined;
  onUpdated: ((p: { id: string; hand: number | null }, at: number) => void) | undefined;
  onPoll: ((poll: { id: string; status: string }, at: number) => void) | undefined;
  onResults: ((r: { pollId: string; voters: number }, at: number) => void) | undefined;
  onError: ((text: string) => void) | undefined;
  #rid = 1;
  readonly #pending = new Map<number, { resolve: (m: Msg) => void; reject: (e: Error) => void }>();

  constructor(readonly name: string) {}

  open(url: string, headers: Record<string, string>): Promise<void> {
    const { ws, opened } = openSocket(this.name, url, headers, (text) => this.#receive(text), this.#pending);
    this.ws = ws;
    return opened;
  }

  send(message: Record<string, unknown>): number {
    const rid = this.#rid++;
    this.ws!.send(JSON.stringify({ ...message, rid }));
    return rid;
  }

  request(message: Record<string, unknown>): Promise<Msg> {
    return new Promise((resolve, reject) => {
      const rid = this.send(message);
      this.#pending.set(rid, { resolve, reject });
    });
  }

  watchSize(n: number): Promise<number> {
    return new Promise((resolve) => {
      if (this.ids.size === n) resolve(clock());
      else this.sizeWatch = { n, resolve };
    });
  }

  #changed(at: number): void {
    if (this.fullAt === undefined && this.target > 0 && this.ids.size >= this.target) this.fullAt = at;
    if (this.sizeWatch && this.ids.size === this.sizeWatch.n) {
      const w = this.sizeWatch;
      this.sizeWatch = undefined;
      w.resolve(at);
    }
  }

  #receive(text: string): void {
    const at = clock();
    const m = JSON.parse(text) as Msg;
    switch (m.type) {
      case 'joined':
        this.selfId = m.self.id;
        this.ids.add(m.self.id);
        for (const p of m.participants as { id: string }[]) this.ids.add(p.id);
        this.#changed(at);
        break;
      case 'participant-joined':
        this.ids.add(m.participant.id);
        this.#changed(at);
        break;
      case 'participant-left':
        this.ids.delete(m.participantId);
        this.#changed(at);
        break;
      case 'participant-updated':
        this.onUpdated?.(m.participant, at);
        break;
      case 'chat':
        this.onChat?.(m.message.from.id, m.message.text, at);
        break;
      case 'poll':
        this.onPoll?.(m.poll, at);
        break;
      case 'poll-results':
        this.onResults?.(m.results, at);
        break;
      case 'error':
        if (m.rid === undefined) this.onError?.(`${this.name}: ${m.code} ${m.message}`);
        break;
    }
    if (m.rid !== undefined) {
      const p = this.#pending.get(m.rid);
      if (p) {
        this.#pending.delete(m.rid);
        if (m.type === 'error') p.reject(new Error(`${this.name}: ${m.code}: ${m.message}`));
        else p.resolve(m);
      }
    }
  }

  close(): Promise<void> {
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      ws.once('close', () => resolve());
      ws.close();
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, 5_000).unref();
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Worker: owns a share of the clients

interface WorkerState {
  url: string;
  headers: Record<string, string>;
  meetingId: string;
  clients: Map<number, BenchClient>;
  chatLatencies: number[];
  chatDeliveries: number;
  /** When each client first saw the open poll, and when it saw results counting `pollVoters`. */
  pollSeenAt: Map<number, number>;
  finalSeenAt: Map<number, number>;
  pollVoters: number;
  pollId: string;
  errors: string[];
}

async function workerMain(): Promise<void> {
  const st: WorkerState = { url: '', headers: {}, meetingId: '', clients: new Map(), chatLatencies: [], chatDeliveries: 0, pollSeenAt: new Map(), finalSeenAt: new Map(), pollVoters: 0, pollId: '', errors: [] };
  const client = (i: number) => {
    const c = st.clients.get(i);
    if (!c) throw new Error(`client ${i} is not in this worker`);
    return c;
  };
  const handlers: Record<string, (a: any) => Promise<unknown> | unknown> = {
    clock: () => ({ t: rawClock() }),
    setOffset: (a: { offset: number }) => {
      clockOffset = a.offset;
    },
    stats: (a: { reset: boolean }) => procStats(a.reset),
    async connect(a: { url: string; headers: Record<string, string>; meetingId: string; indices: number[] }) {
      Object.assign(st, { url: a.url, headers: a.headers, meetingId: a.meetingId, chatLatencies: [], chatDeliveries: 0, pollSeenAt: new Map(), finalSeenAt: new Map(), pollVoters: 0, pollId: '' });
      st.clients = new Map();
      for (const i of a.indices) {
        const c = new BenchClient(`client ${i}`);
        c.onError = (e) => st.errors.push(e);
        c.onChat = (fromId, text, at) => {
          const parts = text.split(' ');
          if (parts[0] !== 'bench' || fromId === c.selfId) return;
          st.chatDeliveries++;
          st.chatLatencies.push(at - Number(parts[2]));
        };
        c.onPoll = (poll, at) => {
          if (poll.status !== 'open' || st.pollSeenAt.has(i)) return;
          st.pollId = poll.id;
          st.pollSeenAt.set(i, at);
        };
        c.onResults = (r, at) => {
          if (st.pollVoters > 0 && r.voters >= st.pollVoters && !st.finalSeenAt.has(i)) st.finalSeenAt.set(i, at);
        };
        st.clients.set(i, c);
      }
      await Promise.all([...st.clients.values()].map((c) => c.open(st.url, st.headers)));
    },
    ping: async () => {
      const rtts = await Promise.all(
        [...st.clients.values()].map(async (c) => {
          const t0 = clock();
          await c.request({ type: 'ping' });
          return clock() - t0;
        }),
      );
      return { rtts };
    },
    async join(a: { indices: number[]; target: number }) {
      const lat = await Promise.all(
        a.indices.map(async (i) => {
          const c = client(i);
          c.target = a.target;
          c.joinSentAt = clock();
          const reply = await withTimeout(c.request({ type: 'join', meetingId: st.meetingId, name: `Guest ${i}`, audio: false, video: false }), 30_000, `client ${i} join`);
          if (reply.type !== 'joined') throw new Error(`client ${i}: join answered with ${reply.type}, not joined`);
          return clock() - c.joinSentAt;
        }),
      );
      return { lat };
    },
    async waitFull(a: { timeoutMs: number }) {
      const all = [...st.clients.values()];
      await until(
        () => all.every((c) => c.fullAt !== undefined),
        a.timeoutMs,
        () => {
          const missing = all.filter((c) => c.fullAt === undefined);
          const sizes = missing.map((c) => c.ids.size);
          return `${missing.length} clients never saw the full list of ${all[0]?.target} (their lists: ${Math.min(...sizes)}–${Math.max(...sizes)} entries)`;
        },
      );
      return { fullAt: all.map((c) => c.fullAt!) };
    },
    chatSend(a: { index: number; seq: number }) {
      const c = client(a.index);
      c.request({ type: 'chat-send', text: `bench ${a.seq} ${clock().toFixed(3)}` }).catch((err) => st.errors.push(`chat ${a.seq}: ${String(err)}`));
    },
    async waitChat(a: { expected: number; timeoutMs: number }) {
      await until(
        () => st.chatDeliveries >= a.expected,
        a.timeoutMs,
        () => `chat: ${st.chatDeliveries} of ${a.expected} deliveries arrived`,
      );
      return { lat: st.chatLatencies, deliveries: st.chatDeliveries };
    },
    async waitPoll(a: { timeoutMs: number; voters: number }) {
      st.pollVoters = a.voters;
      await until(
        () => st.pollSeenAt.size >= st.clients.size,
        a.timeoutMs,
        () => `poll: ${st.pollSeenAt.size} of ${st.clients.size} clients saw it`,
      );
      return { seenAt: [...st.pollSeenAt.values()] };
    },
    async vote() {
      const lat = await Promise.all(
        [...st.clients.entries()].map(async ([i, c]) => {
          const t0 = clock();
          await withTimeout(c.request({ type: 'poll-vote', pollId: st.pollId, choices: [i % 3] }), 15_000, `client ${i} vote`);
          return clock() - t0;
        }),
      );
      return { lat };
    },
    async waitFinal(a: { timeoutMs: number }) {
      await until(
        () => st.finalSeenAt.size >= st.clients.size,
        a.timeoutMs,
        () => `poll: ${st.finalSeenAt.size} of ${st.clients.size} clients saw the final count`,
      );
      return { at: [...st.finalSeenAt.values()] };
    },
    async raise(a: { index: number }) {
      const c = client(a.index);
      const sentAt = clock();
      await withTimeout(c.request({ type: 'raise-hand' }), 10_000, `client ${a.index} raise-hand`);
      return { id: c.selfId, sentAt, okAt: clock() };
    },
    async close() {
      await Promise.all([...st.clients.values()].map((c) => c.close()));
      st.clients = new Map();
    },
    errors: () => st.errors.splice(0),
  };
  process.on('message', async (msg: { id: number; op: string; args: unknown }) => {
    try {
      const result = await handlers[msg.op]!(msg.args);
      process.send!({ id: msg.id, ok: true, result });
    } catch (err) {
      process.send!({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ ready: true });
}

// ---------------------------------------------------------------------------------------------
// Baseline server: the same messages, nothing else (child process, measured like Amphi's)

function baselineServerMain(): void {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  const members = new Map<WebSocket, { id: string; name: string; role: string; audio: boolean; video: boolean; hand: number | null }>();
  let hands = 0;
  const polls = new Map<string, { counts: number[]; voters: number; shared: boolean }>();
  const broadcast = (m: unknown) => {
    const text = JSON.stringify(m);
    for (const ws of members.keys()) ws.send(text);
  };
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as Msg;
      const me = members.get(ws);
      switch (m.type) {
        case 'ping':
          ws.send(JSON.stringify({ type: 'pong', rid: m.rid }));
          return;
        case 'join': {
          const p = { id: crypto.randomUUID(), name: String(m.name), role: members.size === 0 ? 'host' : 'participant', audio: false, video: false, hand: null };
          broadcast({ type: 'participant-joined', participant: p });
          members.set(ws, p);
          ws.send(JSON.stringify({ type: 'joined', rid: m.rid, self: p, participants: [...members.values()].filter((o) => o !== p) }));
          return;
        }
        case 'chat-send':
          if (!me) return;
          broadcast({ type: 'chat', message: { id: crypto.randomUUID(), from: { id: me.id, name: me.name }, to: null, text: m.text, at: new Date().toISOString() } });
          ws.send(JSON.stringify({ type: 'ok', rid: m.rid }));
          return;
        case 'poll-launch': {
          const poll = { ...m.poll, id: crypto.randomUUID(), status: 'open' };
          polls.set(poll.id, { counts: poll.options.map(() => 0), voters: 0, shared: false });
          broadcast({ type: 'poll', poll });
          ws.send(JSON.stringify({ type: 'ok', rid: m.rid }));
          return;
        }
        case 'poll-vote': {
          const poll = polls.get(m.pollId);
          if (!poll || !me) return;
          poll.voters++;
          for (const c of m.choices as number[]) poll.counts[c] = (poll.counts[c] ?? 0) + 1;
          ws.send(JSON.stringify({ type: 'ok', rid: m.rid }));
          // A bare server: the host (and everyone once shared) gets the count after every vote.
          const results = JSON.stringify({ type: 'poll-results', results: { pollId: m.pollId, counts: poll.counts, voters: poll.voters } });
          for (const [other, p] of members) if (p.role === 'host' || poll.shared) other.send(results);
          return;
        }
        case 'poll-share': {
          const poll = polls.get(m.pollId);
          if (!poll) return;
          poll.shared = true;
          broadcast({ type: 'poll-results', results: { pollId: m.pollId, counts: poll.counts, voters: poll.voters } });
          ws.send(JSON.stringify({ type: 'ok', rid: m.rid }));
          return;
        }
        case 'raise-hand':
          if (!me) return;
          me.hand = ++hands;
          broadcast({ type: 'participant-updated', participant: me });
          ws.send(JSON.stringify({ type: 'ok', rid: m.rid }));
          return;
      }
    });
    ws.on('close', () => {
      const me = members.get(ws);
      if (!me) return;
      members.delete(ws);
      broadcast({ type: 'participant-left', participantId: me.id });
    });
  });
  wss.on('listening', () => {
    const addr = wss.address();
    process.send!({ port: typeof addr === 'object' && addr ? addr.port : 0 });
  });
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// Parent: drives the phases, holds the host, prints the tables

interface WorkerHandle {
  child: ChildProcess;
  indices: number[];
  call<T = any>(op: string, args?: unknown, timeoutMs?: number): Promise<T>;
}

function startWorker(w: number, indices: number[]): Promise<WorkerHandle> {
  const child = fork(fileURLToPath(import.meta.url), ['--worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let next = 1;
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  const handle: WorkerHandle = {
    child,
    indices,
    call(op, args, timeoutMs = 60_000) {
      const id = next++;
      const p = new Promise<any>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, op, args });
      });
      return withTimeout(p, timeoutMs, `worker ${w} ${op}`);
    },
  };
  return new Promise((resolve, reject) => {
    child.on('message', (m: { ready?: boolean; id?: number; ok?: boolean; result?: unknown; error?: string }) => {
      if (m.ready) return resolve(handle);
      const p = pending.get(m.id!);
      if (!p) return;
      pending.delete(m.id!);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(m.error));
    });
    child.on('exit', (code) => {
      const err = new Error(`worker ${w} exited with ${code}`);
      for (const p of pending.values()) p.reject(err);
      reject(err);
    });
  });
}

/** Aligns the worker's clock on ours; returns the error bound (half the best IPC round trip), ms. */
async function alignClock(w: WorkerHandle): Promise<number> {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < 30; i++) {
    const t0 = clock();
    const { t } = await w.call<{ t: number }>('clock');
    const t1 = clock();
    if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: t - (t0 + t1) / 2 };
  }
  await w.call('setOffset', { offset: best.offset });
  return best.rtt / 2;
}

function shuffled<T>(items: T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = crypto.randomInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

interface Target {
  name: 'baseline' | 'amphi';
  url: string;
  headers: Record<string, string>;
  hostHeaders: Record<string, string>;
  meetingId: string;
  serverPid: number;
  janusPid: () => number | undefined;
}

interface PhaseRecord {
  target: string;
  phase: string;
  wallMs: number;
  /** CPU time over the phase, ms (from /proc: 1000/CLK_TCK ms ticks). */
  serverCpu: number;
  janusCpu: number;
  genCpu: number;
  eldP99: number;
  eldMax: number;
}

const results = new Map<string, Record<string, string>>();
const phases: PhaseRecord[] = [];
const memory: { target: string; when: string; server: number; janus: number }[] = [];
const failures: string[] = [];

function result(row: string, target: string, value: string): void {
  if (!results.has(row)) results.set(row, {});
  results.get(row)![target] = value;
}

const pcts = (v: number[], ps: number[]) => ps.map((p) => f1(percentile(v, p))).join(' / ');

async function main(): Promise<void> {
  const { startAmphi } = await import('../tests/e2e/harness/amphiServer.ts');
  const { signInCookie, createMeeting } = await import('../tests/e2e/harness/wsClient.ts');

  // Clients round-robin over the workers.
  const shares: number[][] = Array.from({ length: WORKERS }, () => []);
  for (let i = 0; i < N; i++) shares[i % WORKERS]!.push(i);
  const workers = await Promise.all(shares.map((s, w) => startWorker(w, s)));
  const owner = (i: number) => workers[i % WORKERS]!;
  const clockError = Math.max(...(await Promise.all(workers.map(alignClock))));

  const baselineChild = fork(fileURLToPath(import.meta.url), ['--baseline-server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const baselinePort = await new Promise<number>((resolve) => baselineChild.once('message', (m: { port: number }) => resolve(m.port)));

  const amphi = await startAmphi({
    // The organiser counts towards the capacity: 300 guests + the organiser need 301.
    AMPHI_MEETING_CAPACITY: String(N + 1),
    ...serverProfilerEnv(process.env.BENCH_SERVER_PROF),
  });
  const allClients: BenchClient[] = [];
  try {
    const cookie = await signInCookie(amphi.url, amphi.admin);
    const meeting = await createMeeting(amphi.url, cookie, { title: 'Town hall bench', settings: { waitingRoom: false } });
    const origin = new URL(amphi.url).origin;
    const targets: Target[] = [
      { name: 'baseline', url: `ws://127.0.0.1:${baselinePort}`, headers: {}, hostHeaders: {}, meetingId: 'baseline', serverPid: baselineChild.pid!, janusPid: () => undefined },
      {
        name: 'amphi',
        url: amphi.url.replace(/^http/, 'ws') + '/ws',
        headers: { origin },
        hostHeaders: { origin, cookie },
        meetingId: meeting.id,
        serverPid: amphi.process.pid!,
        janusPid: () => amphi.janusPid(),
      },
    ];
    const t0 = performance.now();
    // One unrecorded round against the baseline, so that neither target pays for the clients' JIT warm-up.
    await warmUp(targets[0]!, workers);
    for (const target of targets) {
      const run = async () => {
        const host = new BenchClient(`${target.name} host`);
        allClients.push(host);
        await runTarget(target, host, workers, owner);
      };
      // A failure in one target still lets the other run, and the tables print.
      await run().catch((err) => failures.push(`${target.name}: ${err instanceof Error ? err.message : String(err)}`));
      await Promise.all(workers.map((w) => w.call('close').catch(() => {})));
      for (const e of (await Promise.all(workers.map((w) => w.call<string[]>('errors').catch(() => [])))).flat()) failures.push(`${target.name}: ${e}`);
    }
    const totalS = (performance.now() - t0) / 1000;

    // ---- the tables
    const cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
    console.log(`\ntown hall: ${N} signaling-only clients + the host in one meeting, ${WORKERS} client processes, joins in waves of ${WAVE} and all at once,`);
    console.log(`${CHAT} chat messages at ${CHAT_RATE}/s from distinct random senders, ${HANDS} hands raised one after another (next after the previous got ok)`);
    console.log(`machine: ${os.cpus().length} × ${cpuModel}, Node ${process.version}; worker clocks aligned within ${clockError.toFixed(3)} ms; phases took ${totalS.toFixed(1)} s`);
    console.log(`baseline: a minimal \`ws\` server (child process) answering the same messages, one JSON.stringify per broadcast, no validation/storage/media\n`);
    console.log('| phase | metric | goal | baseline ws | Amphi |');
    console.log('|---|---|---|---|---|');
    for (const [row, v] of results) {
      const [phase, metric, goal] = row.split('|');
      console.log(`| ${phase} | ${metric} | ${goal} | ${v.baseline ?? '–'} | ${v.amphi ?? '–'} |`);
    }
    console.log(`\nper phase: CPU ms (% of one core over the phase; /proc counts in ${(1000 / CLK_TCK).toFixed(0)} ms ticks, so short phases are coarse);`);
    console.log('generator = all bench processes together; its event-loop delay is the worst process\'s p99 / max beyond the timer resolution');
    console.log('| target | phase | wall ms | server CPU | Janus CPU | generator CPU | generator ELD p99 / max ms |');
    console.log('|---|---|---|---|---|---|---|');
    const cpu = (ms: number, wall: number) => `${f0(ms)} (${f0((ms / wall) * 100)} %)`;
    for (const p of phases) {
      console.log(
        `| ${p.target} | ${p.phase} | ${f0(p.wallMs)} | ${cpu(p.serverCpu, p.wallMs)} | ${p.target === 'amphi' ? cpu(p.janusCpu, p.wallMs) : '–'} | ${cpu(p.genCpu, p.wallMs)} | ${f1(p.eldP99)} / ${f1(p.eldMax)} |`,
      );
    }
    console.log('\nmemory (VmRSS, MB); goal: Amphi server under 150 MB (the baseline process also carries the tsx loader)');
    console.log('| target | when | server | Janus |');
    console.log('|---|---|---|---|');
    for (const m of memory) console.log(`| ${m.target} | ${m.when} | ${f1(m.server)} | ${m.target === 'amphi' ? f1(m.janus) : '–'} |`);
  } finally {
    await Promise.all(allClients.map((c) => c.close()));
    for (const w of workers) w.child.kill();
    baselineChild.kill();
    await amphi.stop();
  }
  if (failures.length > 0) {
    console.error(`\nFAILED (${failures.length} problems):\n  - ${failures.slice(0, 20).join('\n  - ')}${failures.length > 20 ? `\n  - … ${failures.length - 20} more` : ''}`);
    process.exit(1);
  }
  console.log('\nok: every client joined, every chat message reached everyone, the hands queue kept the raising order, every vote was counted and seen');
  process.exit(0);
}

async function warmUp(target: Target, workers: WorkerHandle[]): Promise<void> {
  const host = new BenchClient('warm-up host');
  await host.open(target.url, target.hostHeaders);
  await host.request({ type: 'join', meetingId: target.meetingId, name: 'Organiser', audio: false, video: false });
  await Promise.all(workers.map((w) => w.call('connect', { url: target.url, headers: target.headers, meetingId: target.meetingId, indices: w.indices })));
  await Promise.all(workers.map((w) => w.call('ping')));
  await Promise.all(workers.map((w) => w.call('join', { indices: w.indices, target: N + 1 })));
  await Promise.all(workers.map((w) => w.call('waitFull', { timeoutMs: 30_000 }, 40_000)));
  await Promise.all(workers.map((w) => w.call('close')));
  await host.close();
}

/**
 * --cpu-prof is not allowed in NODE_OPTIONS: a preloaded script runs the inspector's profiler in
 * the server and writes DIR/amphi-server.cpuprofile when the server is told to stop.
 */
function serverProfilerEnv(dir: string | undefined): Record<string, string> {
  if (!dir) return {};
  fs.mkdirSync(dir, { recursive: true });
  const out = `${dir}/amphi-server.cpuprofile`;
  const preload = `${dir}/amphi-profiler-preload.cjs`;
  fs.writeFileSync(
    preload,
    `const inspector = require('node:inspector');
const fs = require('node:fs');
const session = new inspector.Session();
session.connect();
session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 200 }, () => session.post('Profiler.start')));
process.prependListener('SIGTERM', () => session.post('Profiler.stop', (err, r) => { if (!err) fs.writeFileSync(${JSON.stringify(out)}, JSON.stringify(r.profile)); }));
`,
  );
  console.log(`server CPU profile → ${out} (open in Chrome DevTools)`);
  return { NODE_OPTIONS: `--require ${preload}` };
}

async function runTarget(target: Target, host: BenchClient, workers: WorkerHandle[], owner: (i: number) => WorkerHandle): Promise<void> {
  const T = target.name;
  const mem = (when: string) => memory.push({ target: T, when, server: rssMbOf(target.serverPid), janus: rssMbOf(target.janusPid()) });
  const phase = async <R>(name: string, fn: () => Promise<R>): Promise<R> => {
    await Promise.all(workers.map((w) => w.call('stats', { reset: true })));
    procStats(true);
    const s0 = cpuMsOf(target.serverPid);
    const j0 = cpuMsOf(target.janusPid());
    const t0 = performance.now();
    const r = await fn();
    const wallMs = performance.now() - t0;
    const s1 = cpuMsOf(target.serverPid);
    const j1 = cpuMsOf(target.janusPid());
    const stats = [procStats(true), ...(await Promise.all(workers.map((w) => w.call<ProcStats>('stats', { reset: true }))))];
    phases.push({
      target: T,
      phase: name,
      wallMs,
      serverCpu: s1 - s0,
      janusCpu: j1 - j0,
      genCpu: stats.reduce((a, s) => a + s.cpuMs, 0),
      eldP99: Math.max(...stats.map((s) => s.eldP99)),
      eldMax: Math.max(...stats.map((s) => s.eldMax)),
    });
    return r;
  };
  const everyone = N + 1;

  mem('idle');
  await host.open(target.url, target.hostHeaders);
  const hostJoined = await withTimeout(host.request({ type: 'join', meetingId: target.meetingId, name: 'Organiser', audio: false, video: false }), 10_000, 'host join');
  if (T === 'amphi' && hostJoined.self?.role !== 'host') throw new Error(`the organiser joined as ${hostJoined.self?.role}, not host`);
  host.onError = (e) => failures.push(`${T}: ${e}`);
  mem('host joined');

  const connect = () => Promise.all(workers.map((w) => w.call('connect', { url: target.url, headers: target.headers, meetingId: target.meetingId, indices: w.indices })));

  await phase('connect', async () => {
    const t0 = performance.now();
    await connect();
    result(`connect|${N} sockets opened at once|`, T, `${f0(performance.now() - t0)} ms`);
  });

  await phase('ping', async () => {
    const rtts = (await Promise.all(workers.map((w) => w.call<{ rtts: number[] }>('ping')))).flatMap((r) => r.rtts);
    result(`echo|ping → pong p50 / p99 ms (${N} at once)|`, T, pcts(rtts, [50, 99]));
  });

  // Joins: every client counts the list (self + joined.participants ± joined/left events).
  const joinRound = async (label: string, waves: number[][]) => {
    const start = clock();
    const hostFull = host.watchSize(everyone);
    const lat: number[] = [];
    for (const wave of waves) {
      const replies = await Promise.all(
        workers.map((w) => {
          const mine = wave.filter((i) => owner(i) === w);
          return mine.length ? w.call<{ lat: number[] }>('join', { indices: mine, target: everyone }) : { lat: [] };
        }),
      );
      for (const r of replies) lat.push(...r.lat);
    }
    const fullAt = (await Promise.all(workers.map((w) => w.call<{ fullAt: number[] }>('waitFull', { timeoutMs: 30_000 }, 40_000)))).flatMap((r) => r.fullAt);
    fullAt.push(await withTimeout(hostFull, 30_000, 'host full list'));
    const allFull = Math.max(...fullAt) - start;
    result(`${label}|all ${everyone} lists complete|< 5000 ms`, T, `${f0(allFull)} ms`);
    result(`${label}|join → joined p50 / p95 / p99 ms|`, T, pcts(lat, [50, 95, 99]));
  };
  const indices = Array.from({ length: N }, (_, i) => i);
  const waves: number[][] = [];
  for (let i = 0; i < N; i += WAVE) waves.push(indices.slice(i, i + WAVE));
  await phase(`join, waves of ${WAVE}`, () => joinRound(`join, waves of ${WAVE}`, waves));

  await phase('leave, all at once', async () => {
    const t0 = clock();
    const hostAlone = host.watchSize(1);
    await Promise.all(workers.map((w) => w.call('close')));
    const at = await withTimeout(hostAlone, 30_000, 'host seeing everyone leave');
    result(`leave|all ${N} sockets closed → host's list is itself again|`, T, `${f0(at - t0)} ms`);
  });

  await connect();
  await phase('join, all at once', () => joinRound('join, all at once', [indices]));
  mem(`${N} joined`);

  await phase('chat', async () => {
    const senders = shuffled(indices);
    const hostLat: number[] = [];
    let hostDeliveries = 0;
    host.onChat = (fromId, text, at) => {
      const parts = text.split(' ');
      if (parts[0] !== 'bench' || fromId === host.selfId) return;
      hostDeliveries++;
      hostLat.push(at - Number(parts[2]));
    };
    const sentBy = new Map<WorkerHandle, number>();
    const t0 = performance.now();
    for (let seq = 0; seq < CHAT; seq++) {
      const wait = t0 + (seq * 1000) / CHAT_RATE - performance.now();
      if (wait > 0) await sleep(wait);
      const sender = senders[seq % N]!;
      const w = owner(sender);
      sentBy.set(w, (sentBy.get(w) ?? 0) + 1);
      void w.call('chatSend', { index: sender, seq });
    }
    const lat = (
      await Promise.all(workers.map((w) => w.call<{ lat: number[] }>('waitChat', { expected: CHAT * w.indices.length - (sentBy.get(w) ?? 0), timeoutMs: 20_000 }, 30_000)))
    ).flatMap((r) => r.lat);
    await until(() => hostDeliveries >= CHAT, 20_000, () => `chat: the host got ${hostDeliveries} of ${CHAT} messages`);
    lat.push(...hostLat);
    host.onChat = undefined;
    result(`chat|delivery p50 / p99 ms (${lat.length} deliveries)|p99 < 100 ms`, T, pcts(lat, [50, 99]));
  });
  mem('after chat');

  await phase('hands', async () => {
    const raisers = shuffled(indices).slice(0, HANDS);
    const seen: { id: string; hand: number; at: number }[] = [];
    host.onUpdated = (p, at) => {
      if (p.hand !== null) seen.push({ id: p.id, hand: p.hand, at });
    };
    const order: { id: string; sentAt: number; okAt: number }[] = [];
    const start = clock();
    for (const i of raisers) {
      const r = await owner(i).call<{ id: string; sentAt: number; okAt: number }>('raise', { index: i });
      order.push(r);
    }
    await until(() => seen.length >= HANDS, 10_000, () => `hands: the host saw ${seen.length} of ${HANDS} raised hands`);
    host.onUpdated = undefined;
    const byRank = [...seen].sort((a, b) => a.hand - b.hand).map((s) => s.id);
    const orderOk = byRank.length === order.length && byRank.every((id, k) => id === order[k]!.id);
    if (!orderOk) failures.push(`${T}: the host's hand ranks do not follow the raising order`);
    const lat = order.map((o) => (seen.find((s) => s.id === o.id)?.at ?? NaN) - o.sentAt);
    result(`hands|${HANDS} raised in turn → host saw all; ranks in raising order|`, T, `${f0(Math.max(...seen.map((s) => s.at)) - start)} ms; ${orderOk ? 'order ok' : 'ORDER WRONG'}`);
    result('hands|raise → host sees it p50 / p99 ms|', T, pcts(lat, [50, 99]));
    result('hands|raise → ok at the raiser p50 / p99 ms|', T, pcts(order.map((o) => o.okAt - o.sentAt), [50, 99]));
  });
  mem('after hands');

  await phase('poll', async () => {
    // The host puts a question to everyone; everyone answers at once; the host shares the results.
    let hostSawAll: number | undefined;
    let pollId = '';
    host.onPoll = (poll) => {
      pollId ||= poll.id;
    };
    host.onResults = (r, at) => {
      if (r.voters >= N && hostSawAll === undefined) hostSawAll = at;
    };
    const launchedAt = clock();
    await withTimeout(host.request({ type: 'poll-launch', poll: { question: 'Ready for the exam?', kind: 'single', options: ['Yes', 'Not yet', 'Never'], anonymous: true } }), 10_000, 'poll launch');
    const seen = (await Promise.all(workers.map((w) => w.call<{ seenAt: number[] }>('waitPoll', { timeoutMs: 20_000, voters: N }, 30_000)))).flatMap((r) => r.seenAt);
    result(`poll|launch → everyone sees it p50 / p99 ms (${seen.length} clients)|`, T, pcts(seen.map((at) => at - launchedAt), [50, 99]));
    const votedAt = clock();
    const lat = (await Promise.all(workers.map((w) => w.call<{ lat: number[] }>('vote', {}, 30_000)))).flatMap((r) => r.lat);
    result(`poll|${N} vote at once: vote → ok p50 / p99 ms|`, T, pcts(lat, [50, 99]));
    await until(() => hostSawAll !== undefined, 10_000, () => 'poll: the host never saw every vote counted');
    result(`poll|first vote sent → host's results count all ${N}|`, T, `${f0(hostSawAll! - votedAt)} ms`);
    const sharedAt = clock();
    await withTimeout(host.request({ type: 'poll-share', pollId }), 10_000, 'poll share');
    const finals = (await Promise.all(workers.map((w) => w.call<{ at: number[] }>('waitFinal', { timeoutMs: 20_000 }, 30_000)))).flatMap((r) => r.at);
    result(`poll|share → everyone sees the final count p50 / p99 ms|`, T, pcts(finals.map((at) => at - sharedAt), [50, 99]));
    host.onResults = undefined;
    host.onPoll = undefined;
  });
  mem('after poll');

  await phase('close all', async () => {
    await Promise.all(workers.map((w) => w.call('close')));
    await host.close();
  });
  await sleep(500);
  mem('all left');
}

const role = process.argv[2];
if (role === '--worker') {
  void workerMain();
} else if (role === '--baseline-server') {
  baselineServerMain();
} else {
  main().catch((err) => {
    console.error(`town-hall bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  });
}

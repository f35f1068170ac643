/*
 * A load-generator process (forked by LoadGenerator): holds a share of the participants and
 * answers the parent's requests over IPC. It records its own event-loop delay, so that a
 * saturated generator shows up as such and is not blamed on the server.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Presenter, type ReceivedStream, type SentCounts } from './Presenter.ts';
import { Viewer, type ViewerReport } from './Viewer.ts';

const ELD_RESOLUTION_MS = 5;

/** What the parent asks a worker to do (the `op` of an IPC request) and what it gets back. */
export interface WorkerOps {
  presenter: { args: { url: string; headers: Record<string, string>; meetingId: string; screen: boolean; simulcast: boolean }; result: { participantId: string } };
  viewers: {
    args: { url: string; headers: Record<string, string>; meetingId: string; indices: number[]; concurrency: number; media: boolean; publish?: boolean; presenterId?: string; cameraLarge?: boolean };
    result: { failed: string[] };
  };
  /** Class members: each publishes a camera (the first also a microphone) and receives the others. */
  members: { args: { url: string; headers: Record<string, string>; meetingId: string; indices: number[]; concurrency: number; simulcast: boolean; micFor: number[] }; result: { failed: string[] } };
  /** Each member shows everyone else in its gallery, as small tiles (set-view). */
  memberView: { args: { large: boolean }; result: null };
  closeMembers: { args: Record<string, never>; result: null };
  ping: { args: Record<string, never>; result: null };
  /** subscribe-offers the presenter has received so far. */
  subscribeOffers: { args: Record<string, never>; result: number };
  snapshot: { args: { resetEld: boolean }; result: WorkerSnapshot };
  closeViewers: { args: Record<string, never>; result: null };
}

export interface MemberReport {
  participantId: string;
  joinMs: number;
  sent: SentCounts;
  received: ReceivedStream[];
}

export interface WorkerSnapshot {
  viewers: ViewerReport[];
  members: MemberReport[];
  sent: SentCounts | undefined;
  presenterConnection: string | undefined;
  /** Event-loop delay beyond the timer resolution since the last reset, ms. */
  eldP99: number;
  eldMax: number;
  /** user+system CPU of this process so far, ms. */
  cpuMs: number;
  /** Request → reply times of every participant here since the last snapshot, by request type. */
  latencies: { type: string; ms: number }[];
  errors: string[];
  rssMb: number;
}

const eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
eld.enable();

let presenter: Presenter | undefined;
let viewers: Viewer[] = [];
let members: { p: Presenter; joinMs: number }[] = [];
const errors: string[] = [];

async function inBatches<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

const handlers: { [K in keyof WorkerOps]: (args: WorkerOps[K]['args']) => Promise<WorkerOps[K]['result']> } = {
  async presenter(a) {
    presenter = new Presenter();
    return presenter.start(a);
  },
  async viewers(a) {
    const failed: string[] = [];
    const created = a.indices.map((i) => new Viewer(i, a.media, a.publish ?? false, a.presenterId, a.cameraLarge ?? true));
    viewers.push(...created);
    await inBatches(created, a.concurrency, async (v) => {
      await v.join(a).catch((err) => failed.push(`viewer ${v.index}: ${err instanceof Error ? err.message : String(err)}`));
    });
    return { failed };
  },
  async members(a) {
    const failed: string[] = [];
    await inBatches(a.indices, a.concurrency, async (i) => {
      const p = new Presenter(`Member ${i}`);
      const t0 = performance.now();
      try {
        await p.start({ url: a.url, headers: a.headers, meetingId: a.meetingId, screen: false, simulcast: a.simulcast, mic: a.micFor.includes(i) });
        members.push({ p, joinMs: performance.now() - t0 });
      } catch (err) {
        failed.push(`member ${i}: ${err instanceof Error ? err.message : String(err)}`);
        await p.close().catch(() => {});
      }
    });
    return { failed };
  },
  async memberView(a) {
    await Promise.all(
      members.map(({ p }) => {
        const videos = [...p.others].slice(0, 49);
        return p.signaling.request({ type: 'set-view', videos, large: a.large ? videos : [] }, 'ok');
      }),
    );
    return null;
  },
  async closeMembers() {
    const closing = members;
    members = [];
    await Promise.all(closing.map(({ p }) => p.close()));
    return null;
  },
  async subscribeOffers() {
    return presenter?.subscribeOffers ?? 0;
  },
  async ping() {
    await Promise.all([...viewers.map((v) => v.ping()), ...members.map(({ p }) => p.signaling.request({ type: 'ping' }, 'pong', 10_000).catch(() => {}))]);
    return null;
  },
  async snapshot(a) {
    const ms = (ns: number) => (Number.isFinite(ns) ? Math.max(0, ns / 1e6 - ELD_RESOLUTION_MS) : 0);
    const cpu = process.cpuUsage();
    const latencies = [...(presenter ? [presenter.signaling] : []), ...viewers.map((v) => v.signaling), ...members.map(({ p }) => p.signaling)].flatMap((s) => s.latencies.splice(0));
    const snap: WorkerSnapshot = {
      viewers: viewers.map((v) => v.report()),
      members: members.map(({ p, joinMs }) => ({ participantId: p.participantId, joinMs, sent: p.sent(), received: p.received() })),
      sent: presenter?.sent(),
      presenterConnection: presenter?.connectionState,
      eldP99: ms(eld.percentile(99)),
      eldMax: ms(eld.max),
      cpuMs: (cpu.user + cpu.system) / 1000,
      latencies,
      errors: [...errors.splice(0), ...viewers.flatMap((v) => v.errors.splice(0)), ...(presenter?.errors.splice(0) ?? []), ...members.flatMap(({ p }) => p.errors.splice(0))],
      rssMb: process.memoryUsage.rss() / 1e6,
    };
    if (a.resetEld) eld.reset();
    return snap;
  },
  async closeViewers() {
    const closing = viewers;
    viewers = [];
    await Promise.all(closing.map((v) => v.close()));
    return null;
  },
};

process.on('message', async (msg: { id: number; op: keyof WorkerOps; args: never }) => {
  try {
    const result = await handlers[msg.op](msg.args);
    process.send!({ id: msg.id, ok: true, result });
  } catch (err) {
    process.send!({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
process.on('disconnect', () => process.exit(0));
process.on('unhandledRejection', (err) => errors.push(`unhandled: ${String(err)}`));
process.send!({ ready: true });

/*
 * Lecture: one presenter (camera + microphone + shared screen, pre-encoded VP8/Opus) and N
 * viewers that receive everything, all headless werift participants joining a real Amphi
 * meeting through the signaling protocol. For each N in VIEWERS: join N fresh viewers, let
 * them settle, measure DURATION_S seconds, print a row; then a linear fit and a projection.
 * The N=1 step always runs first in the same run: it is the baseline the ratios refer to.
 *
 *   sudo ./amphi bench lecture
 *   VIEWERS=10,25,50,100,150 DURATION_S=20 sudo -E ./amphi bench lecture
 *   node --import tsx bench/lecture.ts --target https://amphi.example   (generator only; see below)
 *
 * Knobs: VIEWERS (list), DURATION_S (measurement window, s), SETTLE_S (after the joins),
 * WORKERS (viewer processes; the presenter has its own), CONCURRENCY (joins in flight per
 * process), SCREEN=0 (no screen share), SIGNALING_ONLY (extra participants that join and
 * ping but answer no media offer), JANUS_EVENT_LOOPS (passed to Amphi as
 * AMPHI_JANUS_EVENT_LOOPS; 0: Janus's thread per handle), VIEWER_PUBLISH=1 (each N runs twice on
 * the same server: viewers that publish nothing, as the browser now does with camera and
 * microphone off, then viewers that publish two muted m-lines, as it did before; a comparison
 * table follows),
 * SIMULCAST=0 (the presenter sends its camera in one size instead of two), CAMERA=large |
 * thumbnail (how viewers show the camera: its best layer, or its small one as beside a shared
 * screen; default thumbnail with a screen, large without).
 * --target URL or TARGET: run against an Amphi elsewhere; sign in with AMPHI_ADMIN_EMAIL /
 * AMPHI_ADMIN_PASSWORD; its CPU and memory are read only when AMPHI_PID / JANUS_PID name
 * processes on this machine.
 */
import os from 'node:os';
import { DEFAULT_JANUS_EVENT_LOOPS } from '../packages/server/src/config.ts';
import { GeneratorProcess } from './load/LoadGenerator.ts';
import { cpuMsOf, rssMbOf } from './load/procStats.ts';
import { f0, f1, f2, linearFit, measureWindow, percentile, sleep, startServer, targetArg, type Server } from './load/report.ts';
import type { WorkerSnapshot } from './load/worker.ts';
import type { ViewerReport } from './load/Viewer.ts';
import type { SentCounts } from './load/Presenter.ts';

const TARGET = targetArg();
const STEPS = [...new Set([1, ...(process.env.VIEWERS ?? '10,25,50').split(',').map((s) => Number(s.trim())).filter((n) => n > 0)])].sort((a, b) => a - b);
const DURATION_S = Number(process.env.DURATION_S ?? 20);
const SETTLE_S = Number(process.env.SETTLE_S ?? 3);
const WORKERS = Math.max(1, Number(process.env.WORKERS ?? 2));
const CONCURRENCY = Math.max(1, Number(process.env.CONCURRENCY ?? 10));
const SCREEN = process.env.SCREEN !== '0';
/** The presenter's camera sent in two layers, as browsers do (SIMULCAST=0: one). */
const SIMULCAST = process.env.SIMULCAST !== '0';
/** How viewers show the presenter's camera: a thumbnail beside the screen (its small layer), or large. */
const CAMERA_LARGE = (process.env.CAMERA ?? (SCREEN ? 'thumbnail' : 'large')) === 'large';
const SIGNALING_ONLY = Number(process.env.SIGNALING_ONLY ?? 0);
const JANUS_EVENT_LOOPS = process.env.JANUS_EVENT_LOOPS;
const VIEWER_PUBLISH = process.env.VIEWER_PUBLISH === '1';
const PUBLISH_MODES = VIEWER_PUBLISH ? [false, true] : [false];


function startLectureServer(maxViewers: number): Promise<Server> {
  return startServer({
    target: TARGET,
    title: 'Lecture bench',
    env: { AMPHI_MEETING_CAPACITY: String(maxViewers + SIGNALING_ONLY + 5), ...(JANUS_EVENT_LOOPS !== undefined ? { AMPHI_JANUS_EVENT_LOOPS: JANUS_EVENT_LOOPS } : {}) },
  });
}

/** One row of the table: what the step measured. */
interface Row {
  n: number;
  /** Viewers published (VIEWER_PUBLISH) or not. */
  publish: boolean;
  /** Unsolicited signaling messages per viewer, by type: the whole step (join → end of window) and the window alone. */
  msgsStep: Record<string, number>;
  msgsWindow: Record<string, number>;
  subOffersMax: number;
  mlinesAvg: number;
  otherPackets: number;
  publishedP50: number;
  presenterSubOffers: number;
  /** CPU seconds spent from the first join to the start of the window (ramp + settling). */
  rampJanusCpuS: number;
  rampAmphiCpuS: number;
  joined: number;
  connected: number;
  janusCpu: number;
  amphiCpu: number;
  genCpu: number;
  machineBusy: number;
  streams: number;
  camFpsRel: { avg: number; min: number };
  screenFpsRel: { avg: number; min: number };
  lossAvg: number;
  lossMax: number;
  kbpsPerViewer: number;
  joinP50: number;
  joinP95: number;
  joinedP50: number;
  sigP50: number;
  sigP99: number;
  janusRss: number;
  amphiRss: number;
  genRss: number;
  eldP99: number[];
  presenterEld: number;
  keyframeJumps: number;
  failures: string[];
}

type Kind = 'audio' | 'video' | 'screen';

function streamDelta(a: ViewerReport | undefined, b: ViewerReport, kind: Kind) {
  const s0 = a?.streams[kind] ?? { packets: 0, expected: 0, frames: 0, bytes: 0 };
  const s1 = b.streams[kind];
  if (!s1) return undefined;
  return { packets: s1.packets - s0.packets, expected: s1.expected - s0.expected, frames: s1.frames - s0.frames, bytes: s1.bytes - s0.bytes };
}

/** Average per viewer of each message type (cumulative counts, optionally minus an earlier snapshot). */
function messagesPerViewer(viewers: ViewerReport[], earlier?: Map<number, ViewerReport>): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const v of viewers) {
    const e = earlier?.get(v.index)?.messages ?? {};
    for (const [type, c] of Object.entries(v.messages)) sum[type] = (sum[type] ?? 0) + c - (e[type] ?? 0);
  }
  for (const type of Object.keys(sum)) sum[type]! /= viewers.length || NaN;
  return sum;
}

async function runStep(n: number, publish: boolean, presenterId: string, server: Server, presenter: GeneratorProcess, workers: GeneratorProcess[]): Promise<Row> {
  const failures: string[] = [];
  const headers = { origin: new URL(server.url).origin };
  const wsUrl = server.url.replace(/^http/, 'ws') + '/ws';
  const shares: number[][] = workers.map(() => []);
  for (let i = 0; i < n; i++) shares[i % workers.length]!.push(i);
  const extra: number[][] = workers.map(() => []);
  for (let i = 0; i < SIGNALING_ONLY; i++) extra[i % workers.length]!.push(100_000 + i);

  // Drop what earlier steps left in the workers' latency buffers and event-loop histograms.
  await Promise.all(workers.map((w) => w.call('snapshot', { resetEld: true })));
  const pStart = (await presenter.call('snapshot', { resetEld: false })).sent as SentCounts;
  const pSubOffers0 = await presenter.call('subscribeOffers', {});
  const rj0 = cpuMsOf(server.janusPid());
  const ra0 = cpuMsOf(server.amphiPid());
  const joinStart = performance.now();
  const results = await Promise.all(
    workers.map(async (w, k) => {
      const r = await w.call('viewers', { url: wsUrl, headers, meetingId: server.meetingId, indices: shares[k]!, concurrency: CONCURRENCY, media: true, publish, presenterId, cameraLarge: CAMERA_LARGE });
      if (extra[k]!.length) {
        const r2 = await w.call('viewers', { url: wsUrl, headers, meetingId: server.meetingId, indices: extra[k]!, concurrency: CONCURRENCY, media: false });
        r.failed.push(...r2.failed);
      }
      return r;
    }),
  );
  failures.push(...results.flatMap((r) => r.failed));
  // Until every viewer has its first camera keyframe (or 30 s).
  const deadline = performance.now() + 30_000;
  let snaps: WorkerSnapshot[] = [];
  for (;;) {
    snaps = await Promise.all(workers.map((w) => w.call('snapshot', { resetEld: false })));
    const media = snaps.flatMap((s) => s.viewers).filter((v) => v.connection !== 'signaling-only');
    if (media.every((v) => v.firstKeyframeMs !== undefined) || performance.now() > deadline) break;
    await sleep(250);
  }
  const rampS = (performance.now() - joinStart) / 1000;
  await sleep(SETTLE_S * 1000);

  // ---- the window
  await Promise.all([presenter, ...workers].map((w) => w.call('snapshot', { resetEld: true })));
  const before = await Promise.all(workers.map((w) => w.call('snapshot', { resetEld: false })));
  const pBefore = await presenter.call('snapshot', { resetEld: false });
  const w = await measureWindow(server, workers, DURATION_S);
  const rampJanusCpuS = (w.janusMsAtStart - rj0) / 1000;
  const rampAmphiCpuS = (w.amphiMsAtStart - ra0) / 1000;
  const windowMs = w.windowMs;
  const pAfter = await presenter.call('snapshot', { resetEld: true });
  const after = await Promise.all(workers.map((w) => w.call('snapshot', { resetEld: true })));
  const janusRss = rssMbOf(server.janusPid());
  const amphiRss = rssMbOf(server.amphiPid());
  await sleep(300); // the last pings' replies

  const sent0 = pBefore.sent as SentCounts;
  const sent1 = pAfter.sent as SentCounts;
  const sentFrames = (k: 'camera' | 'screen') => (sent1[k] && sent0[k] ? sent1[k].frames - sent0[k].frames : NaN);
  const byIndex0 = new Map(before.flatMap((s) => s.viewers).map((v) => [v.index, v]));
  const viewers = after.flatMap((s) => s.viewers).filter((v) => v.connection !== 'signaling-only');
  let streams = 0;
  let bytes = 0;
  const camRel: number[] = [];
  const screenRel: number[] = [];
  const losses: number[] = [];
  for (const v of viewers) {
    const v0 = byIndex0.get(v.index);
    for (const kind of ['audio', 'video', 'screen'] as Kind[]) {
      const d = streamDelta(v0, v, kind);
      if (!d) continue;
      if (d.packets > 0) streams++;
      bytes += d.bytes;
      if (d.expected > 0) losses.push(Math.max(0, (d.expected - d.packets) / d.expected) * 100);
      if (kind === 'video') camRel.push(d.frames / sentFrames('camera'));
      if (kind === 'screen') screenRel.push(d.frames / sentFrames('screen'));
    }
    // A viewer that received nothing at all in the window counts as 0 fps.
    if (!v.streams.video) camRel.push(0);
  }
  const rel = (xs: number[]) => ({ avg: xs.reduce((a, b) => a + b, 0) / (xs.length || NaN), min: xs.length ? Math.min(...xs) : NaN });
  const all = [...snaps.flatMap((s) => s.viewers)];
  const firstKf = all.filter((v) => v.connection !== 'signaling-only').map((v) => v.firstKeyframeMs ?? NaN);
  const missingKf = firstKf.filter((x) => !Number.isFinite(x)).length;
  if (missingKf > 0) failures.push(`${missingKf} viewers never got a camera keyframe within 30 s`);
  // The ramp's signaling (join, subscribe-answer) and the window's pings: every request → reply.
  const lat = [...before, ...after].flatMap((s) => s.latencies.map((l) => l.ms));
  failures.push(...[...before, ...after].flatMap((s) => s.errors));
  if (pAfter.presenterConnection !== 'connected') failures.push(`the presenter's connection is ${pAfter.presenterConnection}`);
  const genCpuMs = after.reduce((a, s) => a + s.cpuMs, 0) + pAfter.cpuMs - before.reduce((a, s) => a + s.cpuMs, 0) - pBefore.cpuMs;
  const mediaAll = after.flatMap((s) => s.viewers).filter((v) => v.connection !== 'signaling-only');
  const presenterSubOffers = (await presenter.call('subscribeOffers', {})) - pSubOffers0;
  console.log(`  N=${n}${publish ? ' (viewers publish)' : ''}: ramp ${rampS.toFixed(1)} s, window ${(windowMs / 1000).toFixed(1)} s, ${failures.length} problems`);
  return {
    n,
    publish,
    msgsStep: messagesPerViewer(mediaAll),
    msgsWindow: messagesPerViewer(mediaAll, byIndex0),
    subOffersMax: Math.max(0, ...mediaAll.map((v) => v.messages['subscribe-offer'] ?? 0)),
    mlinesAvg: mediaAll.reduce((a, v) => a + v.subscribedMlines, 0) / (mediaAll.length || NaN),
    otherPackets: mediaAll.reduce((a, v) => a + v.otherPackets, 0),
    publishedP50: percentile(mediaAll.map((v) => v.publishedMs ?? NaN).filter(Number.isFinite), 50),
    presenterSubOffers,
    rampJanusCpuS,
    rampAmphiCpuS,
    joined: all.filter((v) => v.joinedMs !== undefined && v.connection !== 'signaling-only').length,
    connected: viewers.filter((v) => v.connection === 'connected').length,
    janusCpu: w.janusCpu,
    amphiCpu: w.amphiCpu,
    genCpu: (genCpuMs / windowMs) * 100,
    machineBusy: w.machineBusy,
    streams,
    camFpsRel: rel(camRel),
    screenFpsRel: rel(screenRel),
    lossAvg: losses.reduce((a, b) => a + b, 0) / (losses.length || NaN),
    lossMax: losses.length ? Math.max(...losses) : NaN,
    kbpsPerViewer: (bytes * 8) / windowMs / (viewers.length || NaN),
    joinP50: percentile(firstKf.filter(Number.isFinite), 50),
    joinP95: percentile(firstKf.filter(Number.isFinite), 95),
    joinedP50: percentile(all.map((v) => v.joinedMs ?? NaN).filter(Number.isFinite), 50),
    sigP50: percentile(lat, 50),
    sigP99: percentile(lat, 99),
    janusRss,
    amphiRss,
    genRss: after.reduce((a, s) => a + s.rssMb, 0) + pAfter.rssMb,
    eldP99: after.map((s) => s.eldP99),
    presenterEld: pAfter.eldP99,
    keyframeJumps: (sent1.camera?.keyframeJumps ?? 0) - (pStart.camera?.keyframeJumps ?? 0),
    failures,
  };
}

async function main(): Promise<void> {
  const maxN = Math.max(...STEPS);
  const server = await startLectureServer(maxN);
  const presenter = new GeneratorProcess('presenter');
  const workers = Array.from({ length: WORKERS }, (_, k) => new GeneratorProcess(`generator ${k + 1}`));
  const rows: Row[] = [];
  let idle = { janus: NaN, amphi: NaN };
  try {
    await Promise.all([presenter.ready, ...workers.map((w) => w.ready)]);
    const wsUrl = server.url.replace(/^http/, 'ws') + '/ws';
    const origin = new URL(server.url).origin;
    const { participantId: presenterId } = await presenter.call('presenter', { url: wsUrl, headers: { origin, cookie: server.cookie }, meetingId: server.meetingId, screen: SCREEN, simulcast: SIMULCAST });
    await sleep(2_000);
    {
      // The presenter alone: what Janus and Amphi cost before anyone watches.
      const j0 = cpuMsOf(server.janusPid());
      const a0 = cpuMsOf(server.amphiPid());
      const t0 = performance.now();
      await sleep(5_000);
      const ms = performance.now() - t0;
      idle = { janus: ((cpuMsOf(server.janusPid()) - j0) / ms) * 100, amphi: ((cpuMsOf(server.amphiPid()) - a0) / ms) * 100 };
    }
    for (const n of STEPS) {
      for (const publish of PUBLISH_MODES) {
        rows.push(await runStep(n, publish, presenterId, server, presenter, workers));
        await Promise.all(workers.map((w) => w.call('closeViewers', {})));
        await sleep(publish ? 4_000 : 2_000);
      }
    }
  } finally {
    for (const w of [presenter, ...workers]) w.kill();
    await server.stop();
  }

  // ---- the tables
  const cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
  const base = rows.find((r) => r.n === 1 && !r.publish);
  const label = (r: Row) => `${r.n}${r.publish ? ' pub' : ''}`;
  console.log(
    `\nlecture: 1 presenter (VP8 camera 640x360 30 fps ~800 kbit/s${SIMULCAST ? ' and its small layer 320x180 30 fps ~150 kbit/s (simulcast)' : ''}${SCREEN ? ' + VP8 screen 1280x720 10 fps ~450 kbit/s' : ''} + Opus 48 kbit/s, pre-encoded), N werift viewers showing the camera ${CAMERA_LARGE ? 'large' : 'as a thumbnail'}`,
  );
  console.log(`machine: ${os.cpus().length} × ${cpuModel}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; ${TARGET ? `target ${TARGET}` : 'Amphi + Janus on this machine'}`);
  console.log(`generator: ${WORKERS} viewer processes + 1 presenter process, ${CONCURRENCY} joins in flight per process; window ${DURATION_S} s after ${SETTLE_S} s settling; Janus event_loops: ${TARGET ? 'the target\'s' : (JANUS_EVENT_LOOPS ?? `${DEFAULT_JANUS_EVENT_LOOPS} (Amphi's default)`)}${SIGNALING_ONLY ? `; + ${SIGNALING_ONLY} signaling-only participants` : ''}`);
  console.log(`presenter alone (no viewers): Janus ${f1(idle.janus)} %, Amphi ${f1(idle.amphi)} % of one core\n`);
  console.log('CPU in % of one core over the window; "× N=1": the same number divided by the N=1 step of this run (the machine-independent view);');
  console.log('"other processes": machine busy minus Janus, Amphi and the generator (anything else on the machine: a shared machine shows here)');
  console.log('| N | joined / connected | Janus CPU (× N=1) | Amphi CPU | Janus % per stream | streams | machine busy (of 200 %) | generator CPU | other processes | cam fps avg / min of sent | screen fps avg / min | loss avg / max % | kbit/s per viewer |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${label(r)} | ${r.joined} / ${r.connected} | ${f1(r.janusCpu)} (${f1(base ? r.janusCpu / base.janusCpu : NaN)}) | ${f1(r.amphiCpu)} | ${f2(r.janusCpu / r.streams)} | ${r.streams} | ${f0(r.machineBusy)} | ${f0(r.genCpu)} | ${f0(r.machineBusy - r.genCpu - (Number.isFinite(r.janusCpu) ? r.janusCpu : 0) - (Number.isFinite(r.amphiCpu) ? r.amphiCpu : 0))} | ${f2(r.camFpsRel.avg)} / ${f2(r.camFpsRel.min)} | ${f2(r.screenFpsRel.avg)} / ${f2(r.screenFpsRel.min)} | ${f2(r.lossAvg)} / ${f2(r.lossMax)} | ${f0(r.kbpsPerViewer)} |`,
    );
  }
  console.log('\njoin: `join` sent → first camera keyframe received; signaling: every request → its reply (joins, subscribe-answers, a ping per viewer every 2 s in the window)');
  console.log('| N | join → keyframe p50 / p95 ms (× N=1 p50) | join → joined p50 ms | signaling p50 / p99 ms | Janus RSS MB | Amphi RSS MB | generator RSS MB | generator event-loop p99 ms per viewer process | presenter process p99 ms | camera keyframe jumps in the step (PLIs served) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${label(r)} | ${f0(r.joinP50)} / ${f0(r.joinP95)} (${f1(base ? r.joinP50 / base.joinP50 : NaN)}) | ${f0(r.joinedP50)} | ${f1(r.sigP50)} / ${f1(r.sigP99)} | ${f1(r.janusRss)} | ${f1(r.amphiRss)} | ${f0(r.genRss)} | ${r.eldP99.map(f0).join(', ')} | ${f0(r.presenterEld)} | ${r.keyframeJumps} |`,
    );
  }
  if (VIEWER_PUBLISH) printPublishComparison(rows);
  const usable = rows.filter((r) => r.n > 1 && !r.publish && Number.isFinite(r.janusCpu));
  const fitRows = usable.length >= 2 ? usable : rows;
  if (fitRows.length >= 2) {
    const xs = fitRows.map((r) => r.n);
    console.log(`\nlinear fit over N = ${xs.join(', ')} (CPU % of one core = a + b·N), and the projection to 300 viewers:`);
    console.log('| process | a (fixed) | b (per viewer) | R² | at 300 viewers |');
    console.log('|---|---|---|---|---|');
    for (const [name, ys] of [
      ['Janus', fitRows.map((r) => r.janusCpu)],
      ['Amphi', fitRows.map((r) => r.amphiCpu)],
      ['Janus + Amphi (media CPU)', fitRows.map((r) => r.janusCpu + r.amphiCpu)],
      ['generator (all processes)', fitRows.map((r) => r.genCpu)],
    ] as const) {
      const fit = linearFit(xs, [...ys]);
      console.log(`| ${name} | ${f1(fit.a)} | ${f2(fit.b)} | ${f2(fit.r2)} | ${f0(fit.a + fit.b * 300)} % |`);
    }
    const mem = linearFit(xs, fitRows.map((r) => r.janusRss));
    console.log(`Janus RSS: ${f1(mem.a)} MB + ${f2(mem.b)} MB per viewer → ${f0(mem.a + mem.b * 300)} MB at 300`);
  }
  const problems = rows.flatMap((r) => r.failures.map((f) => `N=${r.n}: ${f}`));
  const saturated = rows.filter((r) => Math.max(...r.eldP99, r.presenterEld) > 100);
  if (saturated.length) console.log(`\nWARNING: generator event-loop p99 above 100 ms at N = ${saturated.map((r) => r.n).join(', ')}: these rows measure the generator, not the server`);
  if (problems.length) {
    console.error(`\n${problems.length} problems:\n  - ${problems.slice(0, 20).join('\n  - ')}`);
    process.exit(1);
  }
  process.exit(0);
}

/**
 * VIEWER_PUBLISH: each N without and with publishing viewers, side by side, and the ratios
 * between consecutive N (×N²-growth shows as a ratio near (N2/N1)², linear near N2/N1).
 */
function printPublishComparison(rows: Row[]): void {
  const types = [...new Set(rows.flatMap((r) => Object.keys(r.msgsStep)))].sort();
  console.log('\nVIEWER_PUBLISH: viewers that publish nothing ("–") vs viewers that publish two muted m-lines ("pub", what the browser did before it published only once a device is on)');
  console.log('messages: unsolicited server → viewer messages per viewer (average), over the whole step (join → end of window) | in the window alone');
  console.log(`| N | viewers | ${types.map((t) => `${t} step / window`).join(' | ')} | subscribe-offer max per viewer | m-lines subscribed per viewer | presenter subscribe-offers | join → joined p50 ms | join → publish-answer p50 ms | join → keyframe p50 / p95 ms | signaling p50 / p99 ms | Amphi CPU s (ramp) | Janus CPU s (ramp) | Amphi CPU % (window) | Janus CPU % (window) | RTP pkts on viewers' muted streams |`);
  console.log(`|---|---|${types.map(() => '---|').join('')}---|---|---|---|---|---|---|---|---|---|---|---|`);
  for (const r of rows) {
    console.log(
      `| ${r.n} | ${r.publish ? 'pub' : '–'} | ${types.map((t) => `${f1(r.msgsStep[t] ?? 0)} / ${f1(r.msgsWindow[t] ?? 0)}`).join(' | ')} | ${r.subOffersMax} | ${f1(r.mlinesAvg)} | ${r.presenterSubOffers} | ${f0(r.joinedP50)} | ${f0(r.publishedP50)} | ${f0(r.joinP50)} / ${f0(r.joinP95)} | ${f1(r.sigP50)} / ${f1(r.sigP99)} | ${f2(r.rampAmphiCpuS)} | ${f2(r.rampJanusCpuS)} | ${f1(r.amphiCpu)} | ${f1(r.janusCpu)} | ${r.otherPackets} |`,
    );
  }
  // Growth between consecutive N of the totals over all viewers: a quantity ∝ N gives N2/N1, ∝ N² gives (N2/N1)².
  const pub = rows.filter((r) => r.publish && r.n > 1);
  if (pub.length >= 2) {
    console.log('\ngrowth with publishing viewers, between consecutive N (totals over all viewers; linear = N2/N1, quadratic = (N2/N1)²):');
    console.log('| N1 → N2 | linear | quadratic | subscribe-offers (all viewers) | m-lines subscribed (all viewers) | Amphi CPU s (ramp) | Janus CPU s (ramp) | Amphi CPU % (window) | Janus CPU % (window) |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (let i = 1; i < pub.length; i++) {
      const a = pub[i - 1]!;
      const b = pub[i]!;
      const tot = (r: Row, x: number) => x * r.n;
      const ratio = (x: number, y: number) => f2(y / x);
      console.log(
        `| ${a.n} → ${b.n} | ${f2(b.n / a.n)} | ${f2((b.n / a.n) ** 2)} | ${ratio(tot(a, a.msgsStep['subscribe-offer'] ?? 0), tot(b, b.msgsStep['subscribe-offer'] ?? 0))} | ${ratio(tot(a, a.mlinesAvg), tot(b, b.mlinesAvg))} | ${ratio(a.rampAmphiCpuS, b.rampAmphiCpuS)} | ${ratio(a.rampJanusCpuS, b.rampJanusCpuS)} | ${ratio(a.amphiCpu, b.amphiCpu)} | ${ratio(a.janusCpu, b.janusCpu)} |`,
      );
    }
  }
}

main().catch((err) => {
  console.error(`lecture bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});

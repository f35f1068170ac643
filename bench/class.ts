/*
 * Class: N participants who all have their camera on, in a gallery where everyone shows
 * everyone else (a seminar, a language class). Every member is a headless werift participant
 * that publishes a pre-encoded VP8 camera in two simulcast layers (and, for the first MICS
 * members, Opus) and receives everyone else, counting frames and lost packets per stream.
 * Forwarded streams grow as N·(N−1): the table shows what each one costs the media server.
 * The N=2 step runs first: it is the baseline of the "× N=2" ratios.
 *
 *   sudo ./amphi bench class
 *   MEMBERS=2,5,10,15,20,25 DURATION_S=20 sudo -E ./amphi bench class
 *
 * Knobs: MEMBERS (list), DURATION_S, SETTLE_S, WORKERS (member processes), CONCURRENCY (joins
 * in flight per process), MICS (members with a microphone on; default 1, the teacher; muted
 * students are in nobody's subscription), TILES=large (everyone receives the best layer instead
 * of the gallery's small one), SIMULCAST=0 (cameras in one size), JANUS_EVENT_LOOPS.
 * --target URL runs the members against an Amphi elsewhere (see bench/lecture.ts).
 */
import os from 'node:os';
import { DEFAULT_JANUS_EVENT_LOOPS } from '../packages/server/src/config.ts';
import { GeneratorProcess } from './load/LoadGenerator.ts';
import type { SentCounts } from './load/Presenter.ts';
import { rssMbOf } from './load/procStats.ts';
import { f0, f1, f2, linearFit, measureWindow, percentile, sleep, startServer, targetArg, type Server } from './load/report.ts';
import type { MemberReport, WorkerSnapshot } from './load/worker.ts';

const TARGET = targetArg();
const STEPS = [...new Set([2, ...(process.env.MEMBERS ?? '5,10,15,20,25').split(',').map((s) => Number(s.trim())).filter((n) => n >= 2)])].sort((a, b) => a - b);
const DURATION_S = Number(process.env.DURATION_S ?? 20);
const SETTLE_S = Number(process.env.SETTLE_S ?? 3);
const WORKERS = Math.max(1, Number(process.env.WORKERS ?? 2));
const CONCURRENCY = Math.max(1, Number(process.env.CONCURRENCY ?? 5));
const MICS = Math.max(0, Number(process.env.MICS ?? 1));
const TILES_LARGE = process.env.TILES === 'large';
const SIMULCAST = process.env.SIMULCAST !== '0';
const JANUS_EVENT_LOOPS = process.env.JANUS_EVENT_LOOPS;

interface Row {
  n: number;
  joined: number;
  videoStreams: number;
  audioStreams: number;
  janusCpu: number;
  amphiCpu: number;
  genCpu: number;
  machineBusy: number;
  fpsRel: { avg: number; min: number };
  lossAvg: number;
  lossMax: number;
  kbpsPerMember: number;
  joinP50: number;
  joinP95: number;
  allSeenS: number;
  sigP50: number;
  sigP99: number;
  janusRss: number;
  amphiRss: number;
  eldP99: number[];
  failures: string[];
}

const members = (snaps: WorkerSnapshot[]): MemberReport[] => snaps.flatMap((s) => s.members);

/** Every member receives video from all the others. */
function allSeen(ms: MemberReport[], n: number): boolean {
  return ms.length === n && ms.every((m) => new Set(m.received.filter((r) => r.kind === 'video' && r.counts.packets > 0).map((r) => r.participantId)).size >= n - 1);
}

async function runStep(n: number, server: Server, workers: GeneratorProcess[]): Promise<Row> {
  const failures: string[] = [];
  // Members join as guests by the link (the organiser's cookie would make each one the host in turn).
  const headers = { origin: new URL(server.url).origin };
  const wsUrl = server.url.replace(/^http/, 'ws') + '/ws';
  const shares: number[][] = workers.map(() => []);
  for (let i = 0; i < n; i++) shares[i % workers.length]!.push(i);
  const micFor = Array.from({ length: Math.min(MICS, n) }, (_, i) => i);
  await Promise.all(workers.map((w) => w.call('snapshot', { resetEld: true })));

  const joinStart = performance.now();
  const results = await Promise.all(
    workers.map((w, k) => w.call('members', { url: wsUrl, headers, meetingId: server.meetingId, indices: shares[k]!, concurrency: CONCURRENCY, simulcast: SIMULCAST, micFor })),
  );
  failures.push(...results.flatMap((r) => r.failed));
  // Everyone shows everyone else in a gallery of small tiles (or large ones with TILES=large).
  await Promise.all(workers.map((w) => w.call('memberView', { large: TILES_LARGE })));
  const deadline = performance.now() + 45_000;
  let snaps: WorkerSnapshot[] = [];
  for (;;) {
    snaps = await Promise.all(workers.map((w) => w.call('snapshot', { resetEld: false })));
    failures.push(...snaps.flatMap((s) => s.errors));
    if (allSeen(members(snaps), n) || performance.now() > deadline) break;
    await sleep(250);
  }
  const allSeenS = (performance.now() - joinStart) / 1000;
  if (!allSeen(members(snaps), n)) failures.push(`not every member received every camera within 45 s`);
  await sleep(SETTLE_S * 1000);

  // ---- the window
  await Promise.all(workers.map((w) => w.call('snapshot', { resetEld: true })));
  const before = await Promise.all(workers.map((w) => w.call('snapshot', { resetEld: false })));
  const w = await measureWindow(server, workers, DURATION_S);
  const after = await Promise.all(workers.map((w) => w.call('snapshot', { resetEld: true })));
  const janusRss = rssMbOf(server.janusPid());
  const amphiRss = rssMbOf(server.amphiPid());
  await sleep(300);

  // Frames each member sent in the window, in the layer the others receive.
  const layer: keyof SentCounts = SIMULCAST && !TILES_LARGE ? 'cameraLow' : 'camera';
  const m0s = new Map(members(before).map((m) => [m.participantId, m]));
  const sentFrames = new Map(members(after).map((m) => [m.participantId, (m.sent[layer]?.frames ?? 0) - (m0s.get(m.participantId)?.sent[layer]?.frames ?? 0)]));
  let videoStreams = 0;
  let audioStreams = 0;
  let bytes = 0;
  const fps: number[] = [];
  const losses: number[] = [];
  for (const m of members(after)) {
    const prior = new Map((m0s.get(m.participantId)?.received ?? []).map((r) => [`${r.participantId}/${r.kind}`, r.counts]));
    for (const r of m.received) {
      const p = prior.get(`${r.participantId}/${r.kind}`) ?? { packets: 0, expected: 0, frames: 0, bytes: 0 };
      const d = { packets: r.counts.packets - p.packets, expected: r.counts.expected - p.expected, frames: r.counts.frames - p.frames, bytes: r.counts.bytes - p.bytes };
      if (d.packets === 0) continue;
      bytes += d.bytes;
      if (d.expected > 0) losses.push(Math.max(0, (d.expected - d.packets) / d.expected) * 100);
      if (r.kind === 'audio') audioStreams++;
      if (r.kind === 'video') {
        videoStreams++;
        const sent = sentFrames.get(r.participantId);
        if (sent) fps.push(d.frames / sent);
      }
    }
  }
  const lat = [...before, ...after].flatMap((s) => s.latencies.map((l) => l.ms));
  failures.push(...[...before, ...after].flatMap((s) => s.errors));
  const joins = members(after).map((m) => m.joinMs);
  const genCpuMs = after.reduce((a, s) => a + s.cpuMs, 0) - before.reduce((a, s) => a + s.cpuMs, 0);
  console.log(`  N=${n}: every camera seen after ${allSeenS.toFixed(1)} s, window ${(w.windowMs / 1000).toFixed(1)} s, ${failures.length} problems`);
  return {
    n,
    joined: members(after).length,
    videoStreams,
    audioStreams,
    janusCpu: w.janusCpu,
    amphiCpu: w.amphiCpu,
    genCpu: (genCpuMs / w.windowMs) * 100,
    machineBusy: w.machineBusy,
    fpsRel: { avg: fps.reduce((a, b) => a + b, 0) / (fps.length || NaN), min: fps.length ? Math.min(...fps) : NaN },
    lossAvg: losses.reduce((a, b) => a + b, 0) / (losses.length || NaN),
    lossMax: losses.length ? Math.max(...losses) : NaN,
    kbpsPerMember: (bytes * 8) / w.windowMs / (members(after).length || NaN),
    joinP50: percentile(joins, 50),
    joinP95: percentile(joins, 95),
    allSeenS,
    sigP50: percentile(lat, 50),
    sigP99: percentile(lat, 99),
    janusRss,
    amphiRss,
    eldP99: after.map((s) => s.eldP99),
    failures,
  };
}

async function main(): Promise<void> {
  const server = await startServer({
    target: TARGET,
    title: 'Class bench',
    env: { AMPHI_MEETING_CAPACITY: String(Math.max(...STEPS) + 5), ...(JANUS_EVENT_LOOPS !== undefined ? { AMPHI_JANUS_EVENT_LOOPS: JANUS_EVENT_LOOPS } : {}) },
  });
  const workers = Array.from({ length: WORKERS }, (_, k) => new GeneratorProcess(`generator ${k + 1}`));
  const rows: Row[] = [];
  try {
    await Promise.all(workers.map((w) => w.ready));
    for (const n of STEPS) {
      rows.push(await runStep(n, server, workers));
      await Promise.all(workers.map((w) => w.call('closeMembers', {})));
      await sleep(3_000);
    }
  } finally {
    for (const w of workers) w.kill();
    await server.stop();
  }

  const base = rows[0];
  const cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `\nclass: N members, each with a VP8 camera 640x360 30 fps ~800 kbit/s${SIMULCAST ? ' and its small layer 320x180 ~150 kbit/s (simulcast)' : ''}, ${MICS} with Opus 48 kbit/s; everyone shows everyone else as ${TILES_LARGE ? 'large tiles' : 'gallery thumbnails'}`,
  );
  console.log(`machine: ${os.cpus().length} × ${cpuModel}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; ${TARGET ? `target ${TARGET}` : 'Amphi + Janus on this machine'}`);
  console.log(`generator: ${WORKERS} member processes, ${CONCURRENCY} joins in flight per process; window ${DURATION_S} s after ${SETTLE_S} s settling; Janus event_loops: ${TARGET ? "the target's" : (JANUS_EVENT_LOOPS ?? `${DEFAULT_JANUS_EVENT_LOOPS} (Amphi's default)`)}\n`);
  console.log('CPU in % of one core over the window; "× N=2": divided by the N=2 step of this run; fps: frames received ÷ frames the sender sent in that layer');
  console.log('| N | joined | video / audio streams forwarded | Janus CPU (× N=2) | Janus % per stream | Amphi CPU | generator CPU | machine busy (of 200 %) | fps avg / min of sent | loss avg / max % | kbit/s received per member |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const streams = r.videoStreams + r.audioStreams;
    console.log(
      `| ${r.n} | ${r.joined} | ${r.videoStreams} / ${r.audioStreams} | ${f1(r.janusCpu)} (${f1(base ? r.janusCpu / base.janusCpu : NaN)}) | ${f2(r.janusCpu / streams)} | ${f1(r.amphiCpu)} | ${f0(r.genCpu)} | ${f0(r.machineBusy)} | ${f2(r.fpsRel.avg)} / ${f2(r.fpsRel.min)} | ${f2(r.lossAvg)} / ${f2(r.lossMax)} | ${f0(r.kbpsPerMember)} |`,
    );
  }
  console.log('\njoin: `join` sent → publish answered; every camera seen: first join → every member receives every other camera');
  console.log('| N | join p50 / p95 ms | every camera seen s | signaling p50 / p99 ms | Janus RSS MB | Amphi RSS MB | generator event-loop p99 ms per process |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.n} | ${f0(r.joinP50)} / ${f0(r.joinP95)} | ${f1(r.allSeenS)} | ${f1(r.sigP50)} / ${f1(r.sigP99)} | ${f1(r.janusRss)} | ${f1(r.amphiRss)} | ${r.eldP99.map(f0).join(', ')} |`);
  // A saturated machine (generator lagging, or more than 90 % busy) loses packets: its rows measure the machine, not Janus.
  const saturated = (r: Row) => Math.max(...r.eldP99) > 100 || (!TARGET && r.machineBusy > os.cpus().length * 90);
  const fitRows = rows.filter((r) => Number.isFinite(r.janusCpu) && r.videoStreams > 0 && !saturated(r));
  if (fitRows.length >= 2) {
    const xs = fitRows.map((r) => r.videoStreams + r.audioStreams);
    const fit = linearFit(xs, fitRows.map((r) => r.janusCpu));
    const at25 = 600 + Math.min(MICS, 25) * 24;
    console.log(`\nlinear fit over N = ${fitRows.map((r) => r.n).join(', ')}: Janus CPU = ${f1(fit.a)} % + ${f2(fit.b)} % per forwarded stream (R² ${f2(fit.r2)}) → 25 cameras all seen by all (${at25} streams): ${f0(fit.a + fit.b * at25)} %`);
  }
  const busy = rows.filter(saturated);
  if (busy.length) console.log(`\nWARNING: the machine is saturated at N = ${busy.map((r) => r.n).join(', ')} (generator event loop over 100 ms, or the machine over 90 % busy): these rows measure the machine, not the server, and are left out of the fit`);
  const problems = rows.flatMap((r) => r.failures.map((f) => `N=${r.n}: ${f}`));
  if (problems.length) {
    console.error(`\n${problems.length} problems:\n  - ${problems.slice(0, 20).join('\n  - ')}`);
    process.exit(1);
  }
  process.exit(0);
}

main().catch((err) => {
  console.error(`class bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});

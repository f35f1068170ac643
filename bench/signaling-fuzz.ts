/*
 * The signaling fuzzer's long run (issue 15): BENCH_FRAMES (10⁶) fuzzed frames against a real
 * Amphi while a host and a guest in a meeting of the same server talk through real Janus.
 * Printed: frames per second, replies, errors by code, closes by code, defects found (internal or
 * uncatalogued errors, replies that are not server messages, undocumented closes), Amphi's
 * memory every 100,000 frames, and whether the meeting's audio and video kept flowing — next to
 * the same meeting's media and memory over the same time with no fuzzing, as the baseline.
 *
 *   sudo ./amphi bench signaling-fuzz
 *   BENCH_FRAMES=200000 BENCH_SEED=42 sudo -E ./amphi bench signaling-fuzz
 *
 * Results are printed, never asserted; the exit status is non-zero when a defect was found.
 */
import { fuzzSignaling, type FuzzReport } from '../tests/fuzz/SignalingFuzzer.ts';
import { startAmphi } from '../tests/e2e/harness/amphiServer.ts';
import { launchBrowser, newParticipantPage, receivedStats } from '../tests/e2e/harness/browser.ts';
import { expectMediaFlowing, joinByLink, selfId, signIn } from '../tests/e2e/harness/flows.ts';
import { createMeeting, signInCookie } from '../tests/e2e/harness/wsClient.ts';
import { cpuMsOf, rssMbOf } from './load/procStats.ts';
import { f0, f1, sleep } from './load/report.ts';

const FRAMES = Number(process.env.BENCH_FRAMES ?? 1_000_000);
const SEED = Number(process.env.BENCH_SEED ?? Date.now() % 1_000_000);
const CHUNK = 100_000;

const amphi = await startAmphi();
const browser = await launchBrowser();
try {
  const cookie = await signInCookie(amphi.url, amphi.admin);
  const talk = await createMeeting(amphi.url, cookie, { title: 'Seminar under fire', settings: { waitingRoom: false } });
  const target = await createMeeting(amphi.url, cookie, { title: 'Fuzzed', settings: { waitingRoom: false } });
  const host = (await newParticipantPage(browser)).page;
  const guest = (await newParticipantPage(browser)).page;
  await signIn(host, amphi.url, amphi.admin);
  await joinByLink(host, talk.link, 'Host');
  await joinByLink(guest, talk.link, 'Guest');
  const [hostId, guestId] = [await selfId(host), await selfId(guest)];
  await expectMediaFlowing([host, guest], [hostId, guestId]);
  const media = async () => {
    const [h, g] = [await receivedStats(host), await receivedStats(guest)];
    return { audio: h[guestId]?.audioPackets ?? 0, video: g[hostId]?.framesDecoded ?? 0 };
  };
  const pid = amphi.process.pid;

  // Baseline: the same meeting for 10 s with nobody fuzzing.
  const b0 = { media: await media(), cpu: cpuMsOf(pid), rss: rssMbOf(pid), at: Date.now() };
  await sleep(10_000);
  const b1 = { media: await media(), cpu: cpuMsOf(pid), rss: rssMbOf(pid), at: Date.now() };
  const per = (a: number, b: number, ms: number) => (b - a) / (ms / 1000);
  console.log(`baseline (no fuzzing, 10 s): audio ${f0(per(b0.media.audio, b1.media.audio, b1.at - b0.at))} packets/s, video ${f1(per(b0.media.video, b1.media.video, b1.at - b0.at))} frames/s, Amphi ${f1((100 * (b1.cpu - b0.cpu)) / (b1.at - b0.at))} % CPU, RSS ${f0(b1.rss)} MB`);

  const total: FuzzReport = { frames: 0, connections: 0, joined: 0, replies: 0, errorsByCode: {}, closesByCode: {}, invalidReplies: [], badErrors: [], badCloses: [], durationMs: 0 };
  let stalled = 0;
  for (let done = 0, chunk = 0; done < FRAMES; chunk++) {
    const m0 = { media: await media(), cpu: cpuMsOf(pid), at: Date.now() };
    const r = await fuzzSignaling({ url: amphi.url, meetingIds: [target.id, talk.id], frames: Math.min(CHUNK, FRAMES - done), concurrency: 8, framesPerConnection: 250, seed: SEED + chunk });
    const m1 = { media: await media(), cpu: cpuMsOf(pid), at: Date.now() };
    done += r.frames;
    for (const key of ['frames', 'connections', 'joined', 'replies', 'durationMs'] as const) total[key] += r[key];
    for (const [code, n] of Object.entries(r.errorsByCode)) total.errorsByCode[code] = (total.errorsByCode[code] ?? 0) + n;
    for (const [code, n] of Object.entries(r.closesByCode)) total.closesByCode[code] = (total.closesByCode[code] ?? 0) + n;
    total.invalidReplies.push(...r.invalidReplies);
    total.badErrors.push(...r.badErrors);
    total.badCloses.push(...r.badCloses);
    const ms = m1.at - m0.at;
    if (m1.media.audio <= m0.media.audio || m1.media.video <= m0.media.video) stalled++;
    console.log(
      `${f0(done)} frames: ${f0(r.frames / (r.durationMs / 1000))} frames/s; audio ${f0(per(m0.media.audio, m1.media.audio, ms))} packets/s, video ${f1(per(m0.media.video, m1.media.video, ms))} frames/s; ` +
        `Amphi ${f1((100 * (m1.cpu - m0.cpu)) / ms)} % CPU, RSS ${f0(rssMbOf(pid))} MB; ${amphi.process.exitCode === null ? 'running' : `EXITED ${amphi.process.exitCode}`}`,
    );
    if (amphi.process.exitCode !== null) break;
  }
  // What stays once the fuzzing stops: memory the server holds for good, not what the GC has yet to take back.
  await sleep(30_000);
  console.log(`after 30 s with no fuzzing: Amphi RSS ${f0(rssMbOf(pid))} MB (baseline ${f0(b1.rss)} MB)`);
  console.log(`\ntotal: ${f0(total.frames)} frames over ${f0(total.connections)} connections (${f0(total.joined)} joined), ${f0(total.replies)} replies, in ${f1(total.durationMs / 1000)} s (seed ${SEED})`);
  console.log(`errors by code: ${JSON.stringify(total.errorsByCode)}`);
  console.log(`closes by code: ${JSON.stringify(total.closesByCode)}`);
  console.log(`defects: ${total.badErrors.length} internal/uncatalogued errors, ${total.invalidReplies.length} invalid replies, ${total.badCloses.length} undocumented closes; media stalled in ${stalled} of the chunks`);
  for (const d of [...total.badErrors, ...total.invalidReplies, ...total.badCloses].slice(0, 20)) console.log(`  ${d}`);
  if (total.badErrors.length + total.invalidReplies.length + total.badCloses.length > 0 || stalled > 0 || amphi.process.exitCode !== null) process.exitCode = 1;
} finally {
  await browser.close().catch(() => {});
  await amphi.stop();
}

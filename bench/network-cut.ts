/*
 * Network cut: a student's browser (Chromium on a network namespace of its own) loses its link
 * for BENCH_CUT_S (10) seconds, BENCH_TRIES (10) times; each time, the time from the link coming
 * back to the signaling connection resumed (the banner gone) and to media flowing both ways again.
 * Next to it, as the reference, the same measure for a cut of 2 s (shorter than the browser's
 * 6 s silence threshold: the signaling socket survives and only media has to recover).
 *
 *   sudo ./amphi bench network-cut
 *   BENCH_TRIES=5 BENCH_CUT_S=20 sudo -E ./amphi bench network-cut
 */
import type { Page } from 'playwright-core';
import { startAmphi } from '../tests/e2e/harness/amphiServer.ts';
import { launchBrowser, newParticipantPage, receivedStats } from '../tests/e2e/harness/browser.ts';
import { createMeetingAsOrganiser, joinByLink, joinThroughWaitingRoom, selfId } from '../tests/e2e/harness/flows.ts';
import { createOwnNetwork } from '../tests/e2e/harness/ownNetwork.ts';
import { f0, percentile, sleep } from './load/report.ts';

const TRIES = Number(process.env.BENCH_TRIES ?? 10);
const CUT_S = Number(process.env.BENCH_CUT_S ?? 10);

/** When `page` receives new frames and audio from `from` again. */
async function flowingAgain(page: Page, from: string, since: number, timeoutMs = 30_000): Promise<number> {
  let before = (await receivedStats(page))[from];
  while (performance.now() - since < timeoutMs) {
    await sleep(200);
    const now = (await receivedStats(page))[from];
    if (before && now && now.framesDecoded > before.framesDecoded && now.audioPackets > before.audioPackets) return performance.now();
    before = now;
  }
  return NaN;
}

async function main(): Promise<void> {
  const own = createOwnNetwork();
  const amphi = await startAmphi({}, { host: own.hostAddress });
  const browsers = [await launchBrowser(undefined, amphi.url), await launchBrowser(own.chromium, amphi.url)];
  try {
    const host = (await newParticipantPage(browsers[0]!)).page;
    const student = (await newParticipantPage(browsers[1]!)).page;
    const link = await createMeetingAsOrganiser(host, amphi.url, amphi.admin, 'Network cut bench');
    await joinByLink(host, link, 'Host');
    await joinThroughWaitingRoom(student, host, link, 'Student');
    const [hostId, studentId] = [await selfId(host), await selfId(student)];
    await flowingAgain(student, hostId, performance.now());

    const rows: { cut: number; signaling: number[]; media: number[] }[] = [];
    for (const cutS of [2, CUT_S]) {
      const row = { cut: cutS, signaling: [] as number[], media: [] as number[] };
      for (let i = 0; i < TRIES; i++) {
        own.cut();
        await sleep(cutS * 1_000);
        own.restore();
        const back = performance.now();
        await student.getByTestId('reconnecting-banner').waitFor({ state: 'detached', timeout: 60_000 });
        row.signaling.push(performance.now() - back);
        const [a, b] = await Promise.all([flowingAgain(student, hostId, back), flowingAgain(host, studentId, back)]);
        row.media.push(Math.max(a, b) - back);
        await sleep(3_000);
      }
      rows.push(row);
    }
    console.log(`\nnetwork cut: a student's own link down then up, ${TRIES} times per length; host and student in Chromium, cameras on\n`);
    console.log('| cut | link back → signaling resumed p50 / max, ms | link back → media both ways p50 / max, ms |');
    console.log('|---|---|---|');
    for (const r of rows) {
      const media = r.media.filter(Number.isFinite);
      console.log(`| ${r.cut} s${r.cut === 2 ? ' (reference: the socket survives)' : ''} | ${f0(percentile(r.signaling, 50))} / ${f0(Math.max(...r.signaling))} | ${f0(percentile(media, 50))} / ${f0(Math.max(...media))} (${media.length}/${r.media.length} recovered) |`);
    }
  } finally {
    for (const b of browsers) await b.close().catch(() => {});
    await amphi.stop();
    own.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/*
 * Join time: link opened → first remote video frame decoded, over N joins, next to the same
 * publish + subscribe done straight against the same Janus through a bare janode relay.
 * Then: how long media takes to come back after Janus is killed.
 *
 *   sudo ./amphi bench join-time            (N=10 joins and 3 kills by default)
 *   BENCH_JOINS=20 BENCH_KILLS=5 sudo -E ./amphi bench join-time
 */
import type { Browser, Page } from 'playwright-core';
import { startAmphi } from '../tests/e2e/harness/amphiServer.ts';
import { launchBrowser, newParticipantPage, receivedStats } from '../tests/e2e/harness/browser.ts';
import { expectMediaFlowing, selfId, waitForRemoteTiles } from '../tests/e2e/harness/flows.ts';
import { janusOfAmphi, startJanodeBaseline } from './janodeBaseline.ts';

const JOINS = Number(process.env.BENCH_JOINS ?? 10);
const KILLS = Number(process.env.BENCH_KILLS ?? 3);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function firstFrameFrom(page: Page, participantId: string | undefined, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (participantId) {
      const stats = await receivedStats(page);
      if ((stats[participantId]?.framesDecoded ?? 0) > 0) return;
    } else {
      const decoded = await page.evaluate(async () => {
        const sub = (window as unknown as { sub?: RTCPeerConnection }).sub;
        if (!sub) return 0;
        let frames = 0;
        (await sub.getStats()).forEach((s: { type: string; kind?: string; framesDecoded?: number }) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0;
        });
        return frames;
      });
      if (decoded > 0) return;
    }
    if (Date.now() > deadline) throw new Error('no frame decoded in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function api(base: string, path: string, body: unknown, cookie = ''): Promise<{ json: any; cookie: string }> {
  const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-amphi-csrf': '1', cookie }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return { json: await res.json(), cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]! };
}

async function main() {
  const amphi = await startAmphi();
  const browser: Browser = await launchBrowser();
  try {
    const { cookie } = await api(amphi.url, '/api/auth/login', amphi.admin);
    const { json } = await api(amphi.url, '/api/meetings', { title: 'Join-time bench', settings: { waitingRoom: false } }, cookie);
    const link: string = json.meeting.link;

    // The person everyone sees: already in the meeting, publishing.
    const anchor = (await newParticipantPage(browser)).page;
    await anchor.goto(link);
    await anchor.getByLabel('Your name').fill('Anchor');
    await anchor.getByRole('button', { name: 'Join now' }).click({ timeout: 15_000 });
    await anchor.getByRole('navigation', { name: 'Meeting controls' }).waitFor();
    const anchorId = await selfId(anchor);

    const baseline = await startJanodeBaseline(janusOfAmphi(amphi.dataDir));
    const baseAnchor = (await newParticipantPage(browser)).page;
    await baseAnchor.goto(baseline.url);
    const baseFeed = (await baseAnchor.waitForFunction(() => (window as unknown as { feed?: number }).feed)).jsonValue() as Promise<number>;
    await baseline.waitForPublisherUp(await baseFeed);

    const amphiTimes: number[] = [];
    let baseFailures = 0;
    /** Per Amphi join: page loaded, devices open (Join enabled and clicked), in the meeting, first frame. */
    const phases: number[][] = [];
    const baseTimes: number[] = [];
    for (let i = 0; i < JOINS; i++) {
      // Alternate the two so that machine noise hits both alike.
      {
        const { context, page } = await newParticipantPage(browser);
        const t0 = performance.now();
        await page.goto(link);
        await page.getByLabel('Your name').fill(`Joiner ${i}`);
        const loaded = performance.now();
        await page.getByRole('button', { name: 'Join now' }).click({ timeout: 15_000 });
        const devices = performance.now();
        await waitForRemoteTiles(page, 1);
        const joined = performance.now();
        await firstFrameFrom(page, anchorId);
        const done = performance.now();
        amphiTimes.push(done - t0);
        phases.push([loaded - t0, devices - loaded, joined - devices, done - joined]);
        await page.getByTestId('leave').click();
        await context.close();
      }
      {
        const { context, page } = await newParticipantPage(browser);
        const t0 = performance.now();
        await page.goto(`${baseline.url}?subscribe=${await baseFeed}`);
        // The bare relay has no retry of its own: a join that never decodes is counted, not fatal.
        try {
          await firstFrameFrom(page, undefined, 10_000);
          baseTimes.push(performance.now() - t0);
        } catch {
          baseFailures++;
        }
        await context.close();
      }
    }
    await baseline.close();

    console.log(`\njoin time, link opened → first remote video frame decoded (${JOINS} joins each, same Janus, same run)`);
    console.log('| path | p50 ms | p95 ms | min ms | max ms |');
    console.log('|---|---|---|---|---|');
    for (const [name, t] of [['Amphi (pre-join page, signaling, server-driven subscription)', amphiTimes], ['bare janode relay (baseline)', baseTimes]] as const) {
      console.log(`| ${name} | ${percentile(t, 50).toFixed(0)} | ${percentile(t, 95).toFixed(0)} | ${Math.min(...t).toFixed(0)} | ${Math.max(...t).toFixed(0)} |`);
    }
    if (baseFailures > 0) console.log(`(${baseFailures} baseline joins never decoded a frame within 10 s and are left out)`);
    console.log(`ratio p50 Amphi / baseline: ${(percentile(amphiTimes, 50) / percentile(baseTimes, 50)).toFixed(2)}`);
    const names = ['page loaded (link → name field)', 'camera + mic open (→ Join clicked)', 'signaling join (→ tile of the other shown)', 'media (→ first frame decoded)'];
    console.log('\nwhere Amphi\'s join time goes (p50 ms per phase)');
    names.forEach((n, k) => console.log(`  ${n}: ${percentile(phases.map((p) => p[k]!), 50).toFixed(0)}`));

    // Recovery: a second participant, then kill Janus KILLS times.
    const second = (await newParticipantPage(browser)).page;
    await second.goto(link);
    await second.getByLabel('Your name').fill('Second');
    await second.getByRole('button', { name: 'Join now' }).click({ timeout: 15_000 });
    await waitForRemoteTiles(second, 1);
    const ids = [anchorId, await selfId(second)];
    await expectMediaFlowing([anchor, second], ids);
    const recoveries: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      const restarted = amphi.nextJanusReady();
      const t0 = performance.now();
      process.kill(amphi.janusPid()!, 'SIGKILL');
      await restarted;
      const janusBack = performance.now() - t0;
      // Both pages decode new frames from each other.
      await Promise.all([firstFrameAfter(anchor, ids[1]!), firstFrameAfter(second, ids[0]!)]);
      recoveries.push(performance.now() - t0);
      console.log(`kill ${k + 1}: Janus back after ${janusBack.toFixed(0)} ms, media decoded again after ${(performance.now() - t0).toFixed(0)} ms`);
      await expectMediaFlowing([anchor, second], ids, { windowMs: 1_000 });
    }
    console.log(`\nrecovery after SIGKILL of Janus (${KILLS} kills): p50 ${percentile(recoveries, 50).toFixed(0)} ms, max ${Math.max(...recoveries).toFixed(0)} ms`);
  } finally {
    await browser.close().catch(() => {});
    await amphi.stop();
  }
}

/** Waits until the page's new PeerConnections decode a frame from the participant (stats restart at 0 on new connections). */
async function firstFrameAfter(page: Page, participantId: string): Promise<void> {
  const start = (await receivedStats(page))[participantId]?.framesDecoded ?? 0;
  const deadline = Date.now() + 30_000;
  let sawReset = false;
  for (;;) {
    const now = (await receivedStats(page))[participantId]?.framesDecoded ?? 0;
    if (now < start || now === 0) sawReset = true;
    if (sawReset && now > 0) return;
    if (Date.now() > deadline) throw new Error('media did not come back');
    await new Promise((r) => setTimeout(r, 20));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { decodedOnTrack, launchBrowser, newParticipantPage, receivedStats, videoTrackIdOf } from './harness/browser.ts';
import { createMeetingAsOrganiser, expectMediaFlowing, joinByLink, joinThroughWaitingRoom, selfId, waitForRemoteTiles } from './harness/flows.ts';
import { createOwnNetwork, type OwnNetwork } from './harness/ownNetwork.ts';

/*
 * A student on a weak downlink: their network (a namespace of its own) is limited with a token
 * bucket to 500 kbit/s, less than the two cameras' full layers need. Their videos must keep
 * moving on the small layer with the sound whole, and the full layer must come back once the
 * limit is lifted. Then their uplink: their browser must send less video, before the sound suffers.
 */

interface Received {
  videos: { track: string; frames: number; width: number }[];
  audio: { received: number; lost: number };
}

async function received(page: Page): Promise<Received> {
  return page.evaluate(async () => {
    const videos: { track: string; frames: number; width: number }[] = [];
    const audio = { received: 0, lost: 0 };
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; trackIdentifier?: string; framesDecoded?: number; frameWidth?: number; packetsReceived?: number; packetsLost?: number }) => {
        if (s.type !== 'inbound-rtp') return;
        if (s.kind === 'video') videos.push({ track: s.trackIdentifier ?? '', frames: s.framesDecoded ?? 0, width: s.frameWidth ?? 0 });
        else {
          audio.received += s.packetsReceived ?? 0;
          audio.lost += s.packetsLost ?? 0;
        }
      });
    }
    return { videos, audio };
  });
}

/** Over `ms`: each video's frame rate and width at the end, and the audio's packet loss. */
async function measure(page: Page, ms: number): Promise<{ fps: number[]; widths: number[]; audioLoss: number; audioPackets: number }> {
  const a = await received(page);
  await new Promise((r) => setTimeout(r, ms));
  const b = await received(page);
  const videos = b.videos.filter((v) => a.videos.some((x) => x.track === v.track));
  const fps = videos.map((v) => ((v.frames - a.videos.find((x) => x.track === v.track)!.frames) * 1000) / ms);
  const got = b.audio.received - a.audio.received;
  const lost = b.audio.lost - a.audio.lost;
  return { fps, widths: videos.map((v) => v.width), audioLoss: got + lost > 0 ? lost / (got + lost) : 1, audioPackets: got };
}

/** What a page sends: bytes of video and packets of audio, summed over its outbound RTP streams. */
async function sent(page: Page): Promise<{ videoBytes: number; audioPackets: number }> {
  return page.evaluate(async () => {
    const out = { videoBytes: 0, audioPackets: 0 };
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; bytesSent?: number; packetsSent?: number }) => {
        if (s.type !== 'outbound-rtp') return;
        if (s.kind === 'video') out.videoBytes += s.bytesSent ?? 0;
        else out.audioPackets += s.packetsSent ?? 0;
      });
    }
    return out;
  });
}

describe('a student whose downlink, then uplink, is limited', { timeout: 300_000 }, () => {
  let own: OwnNetwork;
  let amphi: RunningAmphi;
  const browsers: Browser[] = [];
  const pages: Page[] = [];

  before(async () => {
    own = createOwnNetwork();
    amphi = await startAmphi({}, { host: own.hostAddress });
    browsers.push(await launchBrowser(undefined, amphi.url), await launchBrowser(own.chromium, amphi.url));
    pages.push((await newParticipantPage(browsers[0]!)).page, (await newParticipantPage(browsers[0]!)).page, (await newParticipantPage(browsers[1]!)).page);
  });
  after(async () => {
    own?.limitDownlink(null);
    own?.limitUplink(null);
    for (const b of browsers) await b.close().catch(() => {});
    await amphi?.stop();
    own?.close();
  });

  test('videos step down to the small layer and keep moving, the sound stays whole, and the full layer comes back', async () => {
    const [host, guest, student] = pages as [Page, Page, Page];
    const link = await createMeetingAsOrganiser(host, amphi.url, amphi.admin, 'Weak Wi-Fi');
    await joinByLink(host, link, 'Alice Organiser');
    await joinThroughWaitingRoom(guest, host, link, 'Gus Guest');
    await joinThroughWaitingRoom(student, host, link, 'Sam Student');
    const ids = [await selfId(host), await selfId(guest), await selfId(student)];
    for (const page of pages) await waitForRemoteTiles(page, 2);
    await expectMediaFlowing(pages, ids);
    // Two large tiles: both cameras arrive in their best layer.
    const deadline = Date.now() + 20_000;
    let start = await measure(student, 2_000);
    while (!(start.widths.length === 2 && start.widths.every((w) => w >= 600)) && Date.now() < deadline) start = await measure(student, 2_000);
    console.log(`# unlimited: fps ${start.fps.map((f) => f.toFixed(1))}, widths ${start.widths}`);
    assert.ok(start.widths.every((w) => w >= 600), `full layers before the limit: ${start.widths}`);

    own.limitDownlink(500);
    const limitedAt = Date.now();
    // Measured while the page receives the small layers (not while it tries the full ones again).
    const level = () => student.locator('[data-receive-level]').getAttribute('data-receive-level');
    await student.locator('[data-receive-level="small"]').waitFor({ timeout: 15_000 });
    console.log(`# at 500 kbit/s: small layers after ${Date.now() - limitedAt} ms`);
    // Measured in windows that lie wholly within the small level (between the page's tries at the full
    // layers, which a 500 kbit/s link cannot carry): the first good one counts, within 40 s.
    let weak = await measure(student, 3_000);
    let windows = 0;
    for (const until = Date.now() + 40_000; Date.now() < until; ) {
      const before = await level();
      weak = await measure(student, 3_000);
      windows++;
      // (The window right after the step down may still hold the queue's drain: a few audio packets lost.)
      if (before === 'small' && (await level()) === 'small' && weak.widths.every((w) => w <= 400) && weak.fps.every((f) => f >= 5) && weak.audioLoss < 0.05) break;
    }
    console.log(`# at 500 kbit/s after ${((Date.now() - limitedAt) / 1000).toFixed(0)} s (window ${windows}): fps ${weak.fps.map((f) => f.toFixed(1))}, widths ${weak.widths}, audio loss ${(weak.audioLoss * 100).toFixed(1)} % (${weak.audioPackets} packets)`);
    assert.equal(weak.fps.length, 2, 'both videos still received');
    assert.ok(weak.fps.every((f) => f >= 5), `videos keep moving: ${weak.fps}`);
    assert.ok(weak.widths.every((w) => w <= 400), `on the small layer: ${weak.widths}`);
    assert.ok(weak.audioLoss < 0.05 && weak.audioPackets > 250, `the sound is whole: ${(weak.audioLoss * 100).toFixed(1)} % lost, ${weak.audioPackets} packets`);

    own.limitDownlink(null);
    const liftedAt = Date.now();
    let back = await measure(student, 1_000);
    while (!(back.widths.length === 2 && back.widths.every((w) => w >= 600)) && Date.now() - liftedAt < 20_000) back = await measure(student, 1_000);
    const after = Date.now() - liftedAt;
    console.log(`# limit lifted: full layers back after ${after} ms (widths ${back.widths})`);
    assert.ok(back.widths.every((w) => w >= 600) && after <= 15_000, `full layers back within 15 s: ${after} ms, ${back.widths}`);
  });

  test('on a 300 kbit/s uplink the student’s browser sends less video, and the others still hear them whole and see them move', async () => {
    const [host, , student] = pages as [Page, Page, Page];
    const studentId = await selfId(student);
    own.limitUplink(300);
    const limitedAt = Date.now();
    // The browser's estimate falls within seconds; two weak samples turn the full layer off.
    await student.locator('[data-send-level="small-only"]').waitFor({ timeout: 20_000 });
    console.log(`# at 300 kbit/s up: the full layer off after ${Date.now() - limitedAt} ms`);
    await new Promise((r) => setTimeout(r, 2_000));
    const windowMs = 5_000;
    const [a, sentBefore] = [await receivedStats(host), await sent(student)];
    await new Promise((r) => setTimeout(r, windowMs));
    const [b, sentAfter] = [await receivedStats(host), await sent(student)];
    const width = (await decodedOnTrack(host, await videoTrackIdOf(host, `.tile[data-participant-id="${studentId}"] video`))).width;
    own.limitUplink(null);
    const videoKbit = ((sentAfter.videoBytes - sentBefore.videoBytes) * 8) / windowMs;
    const fps = ((b[studentId]!.framesDecoded - a[studentId]!.framesDecoded) * 1000) / windowMs;
    const heard = b[studentId]!.audioPackets - a[studentId]!.audioPackets;
    const spoken = sentAfter.audioPackets - sentBefore.audioPackets;
    console.log(`# at 300 kbit/s up: the student sends ${videoKbit.toFixed(0)} kbit/s of video; the host decodes ${fps.toFixed(1)} fps of them at ${width} px and gets ${heard} of ${spoken} audio packets`);
    assert.ok(videoKbit < 300, `the sender lowered its video below the link: ${videoKbit.toFixed(0)} kbit/s`);
    assert.ok(fps >= 5, `the host still sees the student move: ${fps.toFixed(1)} fps`);
    assert.ok(spoken >= 200 && heard >= spoken * 0.95, `the sound is whole: ${heard} of ${spoken} packets arrive`);
    assert.ok(width <= 400, `the host receives the small layer meanwhile: ${width} px`);
    // Limit lifted: the estimate recovers and the full layer comes back.
    const liftedAt = Date.now();
    await student.locator('[data-send-level="full"]').waitFor({ timeout: 30_000 });
    console.log(`# uplink limit lifted: the full layer back after ${Date.now() - liftedAt} ms`);
  });
});

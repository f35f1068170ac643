import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { decodedOnTrack, launchBrowser, newParticipantPage, videoTrackIdOf } from './harness/browser.ts';
import { admit, createMeetingAsOrganiser, selfId, waitForRemoteTiles } from './harness/flows.ts';

/** The small layer of a 640×480 camera is 320 wide (at most). */
const SMALL = 320;

/** The encodings a page sends on its camera, by rid, from getStats(). */
async function sentLayers(page: Page): Promise<Record<string, { frames: number; width: number }>> {
  return page.evaluate(async () => {
    const out: Record<string, { frames: number; width: number }> = {};
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; rid?: string; framesEncoded?: number; frameWidth?: number }) => {
        if (s.type === 'outbound-rtp' && s.kind === 'video' && s.rid) out[s.rid] = { frames: s.framesEncoded ?? 0, width: s.frameWidth ?? 0 };
      });
    }
    return out;
  });
}

/** Waits until the page decodes the track in a width that `ok` accepts, and frames keep coming. */
async function waitForWidth(page: Page, trackId: string, ok: (width: number) => boolean, what: string, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = { frames: 0, width: 0 };
  for (;;) {
    const now = await decodedOnTrack(page, trackId);
    if (ok(now.width) && now.frames > last.frames && last.frames > 0) return now.width;
    last = now;
    if (Date.now() > deadline) throw new Error(`${what}: still ${now.width} px wide after ${timeoutMs} ms (${now.frames} frames)`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/*
 * Cameras are sent in two sizes; what a viewer receives follows the size of the tile on their
 * screen: a large tile gets the full camera, a thumbnail the half-size one (a fraction of the
 * bytes, for the media server as much as for the viewer).
 */
describe('camera layers follow the tile size', { timeout: 150_000 }, () => {
  let amphi: RunningAmphi;
  let browser: Browser;
  let viewer: Page;
  let speaker: Page;

  before(async () => {
    amphi = await startAmphi();
    browser = await launchBrowser();
    viewer = (await newParticipantPage(browser, { viewport: { width: 1280, height: 800 } })).page;
    speaker = (await newParticipantPage(browser, { viewport: { width: 800, height: 600 } })).page;
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await amphi?.stop();
  });

  test('the browser sends two layers; a large tile receives the full camera, a small one the half-size layer', async () => {
    const link = await createMeetingAsOrganiser(viewer, amphi.url, amphi.admin, 'Amphi B, cours 3');
    await viewer.goto(link);
    await viewer.getByLabel('Your name').fill('Teacher');
    await viewer.getByRole('button', { name: 'Join now' }).click({ timeout: 15_000 });
    await speaker.goto(link);
    await speaker.getByLabel('Your name').fill('Noor');
    await speaker.getByRole('button', { name: 'Join now' }).click({ timeout: 15_000 });
    await speaker.getByTestId('waiting-screen').waitFor({ timeout: 15_000 });
    await admit(viewer, 'Noor');
    await viewer.getByRole('button', { name: 'Close panel' }).click();
    await waitForRemoteTiles(viewer, 1);
    const noor = await selfId(speaker);
    const video = `[data-participant-id="${noor}"] video`;
    await viewer.locator(video).waitFor({ timeout: 20_000 });

    // Noor's browser encodes her 640×480 camera twice: 640 and 320 wide (a browser short of CPU
    // may scale both down a step; the small one stays half the large one).
    const deadline = Date.now() + 20_000;
    const twoSizes = (l: Awaited<ReturnType<typeof sentLayers>>) => Boolean(l.h && l.l && l.h.frames > 0 && l.l.frames > 0 && l.l.width <= SMALL && l.h.width >= 2 * l.l.width - 2);
    let layers = await sentLayers(speaker);
    while (!twoSizes(layers) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      layers = await sentLayers(speaker);
    }
    assert.ok(twoSizes(layers), `the camera is sent in two sizes: ${JSON.stringify(layers)}`);

    // Alone with Noor, the teacher shows her on most of a 1280×800 window: the full camera.
    const track = await videoTrackIdOf(viewer, video);
    assert.ok(track, 'the tile plays a track');
    const tile = await viewer.locator(`[data-participant-id="${noor}"]`).boundingBox();
    assert.ok(tile && tile.height >= 300, `the tile is large: ${JSON.stringify(tile)}`);
    const large = await waitForWidth(viewer, track, (w) => w > SMALL, 'large tile');
    console.log(`# large tile decodes ${large} px wide`);

    // The window shrinks to a thumbnail's size: the half-size layer, on the same track (no renegotiation).
    await viewer.setViewportSize({ width: 480, height: 400 });
    const thumb = await viewer.locator(`[data-participant-id="${noor}"]`).boundingBox();
    assert.ok(thumb && thumb.height < 300, `the tile is small now: ${JSON.stringify(thumb)}`);
    const small = await waitForWidth(viewer, track, (w) => w <= SMALL, 'small tile');
    console.log(`# small tile decodes ${small} px wide`);
    assert.equal(await videoTrackIdOf(viewer, video), track, 'the same track: a layer switch, not a new subscription');

    // Large again: the full camera comes back.
    await viewer.setViewportSize({ width: 1280, height: 800 });
    await waitForWidth(viewer, track, (w) => w > SMALL, 'large again');
  });
});

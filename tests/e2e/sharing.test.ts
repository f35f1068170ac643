import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { decodedOnTrack, launchBrowser, newParticipantPage, receivedStats, videoTrackIdOf } from './harness/browser.ts';
import { joinByLink, joinThroughWaitingRoom, openPanel, selfId, signIn } from './harness/flows.ts';

/** Frames decoded and width of the video the host's screen stage plays. */
async function decodedOn(page: Page, selector: string): Promise<{ frames: number; width: number }> {
  return decodedOnTrack(page, await videoTrackIdOf(page, selector));
}

describe('screen sharing', { timeout: 120_000 }, () => {
  let amphi: RunningAmphi;
  let browser: Browser;
  let host: Page;
  let guest: Page;

  before(async () => {
    amphi = await startAmphi();
    browser = await launchBrowser();
    host = (await newParticipantPage(browser)).page;
    guest = (await newParticipantPage(browser)).page;
    await signIn(host, amphi.url, amphi.admin);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await amphi?.stop();
  });

  test('a participant shares a screen: the others decode it large; stopping removes it for everyone', async () => {
    const res = await host.context().request.post(amphi.url + '/api/meetings', { headers: { 'x-amphi-csrf': '1', origin: amphi.url }, data: { title: 'Lecture' } });
    const link = (await res.json()).meeting.link as string;
    await joinByLink(host, link, 'Lecturer');
    await joinThroughWaitingRoom(guest, host, link, 'Student');

    await guest.getByRole('button', { name: 'Share screen' }).click();
    await guest.getByRole('button', { name: 'Stop sharing' }).waitFor();
    const stage = host.getByTestId('screen-share');
    await stage.waitFor({ timeout: 15_000 });
    assert.match((await stage.textContent()) ?? '', /Student is sharing their screen/);
    // The screen's frames decode on the host's page, at the screen's size (the fake camera is 640 wide).
    const deadline = Date.now() + 15_000;
    let a = await decodedOn(host, '[data-testid="screen-share"] video');
    for (;;) {
      await new Promise((r) => setTimeout(r, 1_000));
      const b = await decodedOn(host, '[data-testid="screen-share"] video');
      if (b.frames > a.frames && b.width > 640) break;
      if (Date.now() > deadline) assert.fail(`screen not decoding: ${JSON.stringify({ a, b })}`);
      a = b;
    }
    // The sharer's camera is still there, in the strip.
    await host.locator('.tile[data-participant-id]:not([data-self]) video').waitFor();

    await guest.getByRole('button', { name: 'Stop sharing' }).click();
    await stage.waitFor({ state: 'detached', timeout: 10_000 });
    await guest.getByRole('button', { name: 'Share screen' }).waitFor();
  });

  test('when the host forbids sharing, participants cannot share', async () => {
    await openPanel(host, 'participants');
    await host.getByRole('checkbox', { name: 'Share their screen' }).click();
    await guest.getByRole('button', { name: 'Share screen' }).and(guest.locator('[disabled]')).waitFor({ timeout: 5_000 });
  });

  test('a shared tab’s sound reaches the others with the picture', async () => {
    // Headless Chromium has no tab to capture with sound: this page's browser picker returns a
    // canvas and a tone instead, the way a tab with sound arrives (one video and one audio track).
    const { page: tab } = await newParticipantPage(browser);
    // (A string, not a function: the test loader would add a name helper the page lacks.)
    await tab.addInitScript(`
      navigator.mediaDevices.getDisplayMedia = async function () {
        const canvas = document.createElement('canvas');
        canvas.width = 1280;
        canvas.height = 720;
        const g = canvas.getContext('2d');
        setInterval(function () {
          g.fillStyle = 'hsl(' + (Date.now() % 360) + ', 70%, 50%)';
          g.fillRect(0, 0, canvas.width, canvas.height);
        }, 50);
        const audio = new AudioContext();
        const tone = audio.createOscillator();
        const out = audio.createMediaStreamDestination();
        tone.connect(out);
        tone.start();
        return new MediaStream([...canvas.captureStream(20).getVideoTracks(), ...out.stream.getAudioTracks()]);
      };
    `);
    const res = await host.context().request.post(amphi.url + '/api/meetings', { headers: { 'x-amphi-csrf': '1', origin: amphi.url }, data: { title: 'Film club', settings: { waitingRoom: false } } });
    const link = (await res.json()).meeting.link as string;
    await joinByLink(host, link, 'Host');
    await joinByLink(tab, link, 'Projectionist');
    const sharerId = await selfId(tab);
    await tab.getByRole('button', { name: 'Share screen' }).click();
    await host.getByTestId('screen-share').waitFor({ timeout: 15_000 });
    const deadline = Date.now() + 15_000;
    let before = (await receivedStats(host))[`screen:${sharerId}`]?.audioPackets ?? 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, 1_000));
      const now = (await receivedStats(host))[`screen:${sharerId}`]?.audioPackets ?? 0;
      if (before > 0 && now > before) break;
      if (Date.now() > deadline) assert.fail(`the tab's sound does not arrive (${before} → ${now} packets)`);
      before = now;
    }
    await tab.getByRole('button', { name: 'Stop sharing' }).click();
    await host.locator(`audio[data-audio-of="screen:${sharerId}"]`).waitFor({ state: 'detached', timeout: 10_000 });
    await tab.close();
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { launchBrowser, newParticipantPage, receivedStats } from './harness/browser.ts';
import { admit, createMeetingAsOrganiser, selfId, waitForRemoteTiles } from './harness/flows.ts';

/** RTCPeerConnections the page holds open. */
async function openConnections(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.filter((pc) => pc.connectionState !== 'closed').length);
}

/** Waits until `check` holds on what `page` receives from `from`, twice 1 s apart with growth. */
async function waitForGrowth(page: Page, from: string, what: 'framesDecoded' | 'audioPackets', timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const a = (await receivedStats(page))[from]?.[what] ?? 0;
    await new Promise((r) => setTimeout(r, 1_000));
    const b = (await receivedStats(page))[from]?.[what] ?? 0;
    if (b > a) return;
    if (Date.now() > deadline) throw new Error(`no ${what} from ${from} after ${timeoutMs} ms (${a} → ${b})`);
  }
}

/*
 * A lecture's audience: students who listen with microphone and camera off have no publisher
 * connection at all (one PeerConnection fewer for the media server each); the first device they
 * turn on, or a screen they share, publishes then.
 */
describe('listening costs one connection; speaking up publishes', { timeout: 150_000 }, () => {
  let amphi: RunningAmphi;
  let browser: Browser;
  let teacher: Page;
  let student: Page;
  let other: Page;

  before(async () => {
    amphi = await startAmphi();
    browser = await launchBrowser();
    teacher = (await newParticipantPage(browser)).page;
    student = (await newParticipantPage(browser)).page;
    other = (await newParticipantPage(browser)).page;
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await amphi?.stop();
  });

  async function joinMuted(page: Page, link: string, name: string): Promise<void> {
    await page.goto(link);
    await page.getByLabel('Your name').fill(name);
    // The boxes are checked once the devices are open (before, they are disabled and unchecked:
    // unchecking then would do nothing, and the camera would come on with the devices).
    for (const box of ['camera-on', 'mic-on']) {
      await page.locator(`input[name="${box}"]:checked`).waitFor({ timeout: 15_000 });
      await page.locator(`input[name="${box}"]`).uncheck();
    }
    await page.getByRole('button', { name: 'Join now' }).click({ timeout: 15_000 });
    await page.getByTestId('waiting-screen').waitFor({ timeout: 15_000 });
    await admit(teacher, name);
  }

  test('a student with microphone and camera off receives the teacher over one connection, then unmutes and is heard', async () => {
    const link = await createMeetingAsOrganiser(teacher, amphi.url, amphi.admin, 'Amphi A, L1 droit');
    await teacher.goto(link);
    await teacher.getByLabel('Your name').fill('Teacher');
    await teacher.getByRole('button', { name: 'Join now' }).click({ timeout: 15_000 });
    await joinMuted(student, link, 'Inès');
    await waitForRemoteTiles(student, 1);
    const teacherId = await selfId(teacher);
    const studentId = await selfId(student);

    await waitForGrowth(student, teacherId, 'framesDecoded');
    await waitForGrowth(student, teacherId, 'audioPackets');
    assert.equal(await openConnections(student), 1, 'listening: the subscriber connection only');

    // Inès asks a question: her first unmute publishes, and the teacher hears her.
    const clickedAt = Date.now();
    await student.getByTestId('toggle-mic').click();
    // How long her first words take to reach the teacher (publish, then the teacher's renegotiation).
    while (((await receivedStats(teacher))[studentId]?.audioPackets ?? 0) === 0 && Date.now() - clickedAt < 20_000) await new Promise((r) => setTimeout(r, 50));
    console.log(`# first unmute → first audio packet at the teacher: ${Date.now() - clickedAt} ms`);
    await waitForGrowth(teacher, studentId, 'audioPackets');
    assert.equal(await openConnections(student), 2, 'speaking: a publisher connection too');
    // Muted again and unmuted again: the same connection.
    await student.getByTestId('toggle-mic').click();
    await student.getByTestId('toggle-mic').click();
    await waitForGrowth(teacher, studentId, 'audioPackets');
    assert.equal(await openConnections(student), 2);
  });

  test('a student who has turned nothing on shares a screen: everyone sees it', async () => {
    const link = await teacher.evaluate(() => location.href.split('?')[0]!);
    await joinMuted(other, link, 'Malo');
    await waitForRemoteTiles(other, 2);
    assert.equal(await openConnections(other), 1);
    await other.getByRole('button', { name: 'Share screen' }).click();
    // The shared screen takes the stage for the teacher and Inès, and frames arrive.
    for (const page of [teacher, student]) {
      await page.locator('.stage.presenting video').first().waitFor({ timeout: 20_000 });
      await page.waitForFunction(
        async () => {
          let frames = 0;
          for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
            if (pc.connectionState === 'closed') continue;
            const v = document.querySelector<HTMLVideoElement>('.stage.presenting video');
            const id = (v?.srcObject as MediaStream | null)?.getVideoTracks()[0]?.id;
            (await pc.getStats()).forEach((s: { type: string; trackIdentifier?: string; framesDecoded?: number }) => {
              if (s.type === 'inbound-rtp' && s.trackIdentifier === id) frames += s.framesDecoded ?? 0;
            });
          }
          return frames > 5;
        },
        undefined,
        { timeout: 20_000, polling: 500 },
      );
    }
    assert.equal(await openConnections(other), 2, 'the share published');
  });
});

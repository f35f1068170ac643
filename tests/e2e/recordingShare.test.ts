import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { Storage } from '../../packages/server/src/storage/Storage.ts';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { launchBrowser, newParticipantPage } from './harness/browser.ts';
import { signIn } from './harness/flows.ts';

const run = promisify(execFile);

const RECORDING_ID = 'e2e-shared-lecture';
const TITLE = 'Thermodynamics — lecture 3';
const PASSCODE = 'entropy-42';

/**
 * A ready cloud recording without recording one: a 6-second H.264 + AAC MP4 made by ffmpeg (as
 * the recorder's are), put where the recorder puts them, and its record written through the
 * server's own storage code into the running server's database (SQLite in WAL mode takes a
 * second writer).
 */
async function addReadyRecording(amphi: RunningAmphi): Promise<void> {
  const dir = path.join(amphi.dataDir, 'recordings');
  fs.mkdirSync(dir, { recursive: true });
  const mp4 = path.join(dir, `${RECORDING_ID}.mp4`);
  await run('ffmpeg', [
    '-v', 'error',
    '-f', 'lavfi', '-i', 'testsrc=duration=6:size=320x240:rate=25',
    '-f', 'lavfi', '-i', 'sine=frequency=440:duration=6',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-movflags', '+faststart',
    mp4,
  ]);
  const storage = await Storage.open({ kind: 'sqlite', file: path.join(amphi.dataDir, 'amphi.sqlite') });
  try {
    const owner = await storage.users.byEmail(amphi.admin.email);
    assert.ok(owner, 'the administrator exists');
    const startedAt = new Date(Date.now() - 3_600_000);
    await storage.recordings.create({ id: RECORDING_ID, meetingId: 'abc-defg-hjk', ownerId: owner.id, title: TITLE, startedAt });
    await storage.recordings.update(RECORDING_ID, {
      status: 'ready',
      endedAt: new Date(startedAt.getTime() + 6_000).toISOString(),
      durationS: 6,
      bytes: fs.statSync(mp4).size,
      expiresAt: new Date(Date.now() + 60 * 86_400_000).toISOString(),
    });
  } finally {
    await storage.close();
  }
}

/** The name attribute of the element that has the focus. */
const focusedName = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('name') ?? document.activeElement?.tagName ?? '');

describe('sharing a cloud recording by link', { timeout: 180_000 }, () => {
  let amphi: RunningAmphi;
  let browser: Browser;
  let owner: Page;
  let link: string;

  before(async () => {
    amphi = await startAmphi();
    browser = await launchBrowser();
    await addReadyRecording(amphi);
    const { context, page } = await newParticipantPage(browser);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: amphi.url });
    owner = page;
    await signIn(owner, amphi.url, amphi.admin);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await amphi?.stop();
  });

  test('the owner makes a link with a passcode and an expiry from the library, and copies it', async () => {
    await owner.goto(amphi.url + '/');
    const item = owner.locator(`li[data-recording-id="${RECORDING_ID}"]`);
    await item.getByText(TITLE).waitFor({ timeout: 15_000 });
    const shareButton = item.getByRole('button', { name: 'Share', exact: true });
    assert.equal(await shareButton.getAttribute('aria-expanded'), 'false');
    await shareButton.click();
    assert.equal(await shareButton.getAttribute('aria-expanded'), 'true');
    const panel = item.getByRole('region', { name: 'Share by link' });
    await panel.getByText('This recording is not shared.').waitFor();

    // Too short a passcode is refused in the form, and said so.
    await panel.getByLabel('Passcode (optional)').fill('abc');
    await panel.getByRole('button', { name: 'Create link' }).click();
    await panel.getByRole('alert').filter({ hasText: 'The passcode needs 4 to 64 characters' }).waitFor();
    assert.equal(await panel.getByLabel('Passcode (optional)').getAttribute('aria-invalid'), 'true');
    assert.equal(await focusedName(owner), 'share-passcode');

    await panel.getByLabel('Passcode (optional)').fill(PASSCODE);
    await panel.getByLabel('The link stops working').selectOption({ label: 'After 7 days' });
    await panel.getByRole('button', { name: 'Create link' }).click();
    const linkField = panel.getByLabel('Link to the recording');
    await linkField.waitFor({ timeout: 10_000 });
    link = await linkField.inputValue();
    assert.match(link, new RegExp(`^${amphi.url.replace(/[.]/g, '\\.')}/r/[A-Za-z0-9_-]{32}$`));
    assert.equal(await focusedName(owner), 'share-link', 'the new link takes the focus');
    await panel.getByRole('status').filter({ hasText: 'Link created' }).waitFor();
    assert.equal(await panel.getByLabel('Passcode (optional)').inputValue(), '', 'the passcode is not left on screen');

    const listed = panel.locator('.share-list li');
    assert.equal(await listed.count(), 1);
    assert.equal(await listed.locator('code').textContent(), link);
    assert.match((await listed.textContent()) ?? '', /With a passcode · Stops working on/);

    await panel.locator('.share-created').getByRole('button', { name: 'Copy link' }).click();
    await panel.getByRole('status').filter({ hasText: 'Link copied.' }).waitFor();
    assert.equal(await owner.evaluate(() => navigator.clipboard.readText()), link);
  });

  test('someone without an account opens the link, gives the passcode, and the video plays', async () => {
    assert.ok(link, 'the previous test made a link');
    const context = await browser.newContext({ locale: 'en-GB' });
    try {
      const viewer = await context.newPage();
      const page = await viewer.goto(link);
      assert.equal(page?.status(), 200);
      assert.equal(page?.headers()['x-robots-tag'], 'noindex, nofollow');
      await viewer.getByRole('heading', { level: 1, name: TITLE }).waitFor({ timeout: 15_000 });
      await viewer.getByText('This recording is protected by a passcode.').waitFor();
      assert.equal(await viewer.locator('video').count(), 0, 'no player before the passcode');
      assert.equal(await focusedName(viewer), 'passcode', 'the passcode field has the focus');
      // The file itself is refused without the passcode.
      const refused = await context.request.get(link.replace('/r/', '/api/shared-recordings/') + '/file');
      assert.equal(refused.status(), 401);

      await viewer.getByLabel('Passcode', { exact: true }).fill('not-the-code');
      await viewer.getByRole('button', { name: 'Watch' }).click();
      await viewer.getByRole('alert').filter({ hasText: 'Wrong passcode.' }).waitFor({ timeout: 10_000 });
      assert.equal(await viewer.locator('video').count(), 0);

      await viewer.getByLabel('Passcode', { exact: true }).fill(PASSCODE);
      await viewer.getByRole('button', { name: 'Watch' }).click();
      const video = viewer.getByRole('region', { name: TITLE }).locator('video');
      await video.waitFor({ timeout: 10_000 });
      assert.equal(await viewer.evaluate(() => document.activeElement?.tagName), 'VIDEO', 'the player takes the focus');
      assert.equal(await video.getAttribute('aria-label'), `Recording: ${TITLE}`);

      await video.evaluate(async (v: HTMLVideoElement) => {
        v.muted = true;
        await v.play();
      });
      await viewer.waitForFunction(() => {
        const v = document.querySelector('video');
        return v !== null && v.readyState >= 2 && v.currentTime > 1;
      }, undefined, { timeout: 20_000 });
      const state = await video.evaluate((v: HTMLVideoElement) => ({ readyState: v.readyState, duration: v.duration, error: v.error?.code ?? null, width: v.videoWidth }));
      assert.equal(state.error, null);
      assert.ok(state.readyState >= 2, JSON.stringify(state));
      assert.ok(Math.abs(state.duration - 6) < 0.5, `the whole recording is there: ${JSON.stringify(state)}`);
      assert.equal(state.width, 320);

      // Reloading keeps the page unlocked (the cookie), in this browser only.
      await viewer.reload();
      await viewer.getByRole('region', { name: TITLE }).locator('video').waitFor({ timeout: 10_000 });
      const stranger = await browser.newContext({ locale: 'en-GB' });
      const strangerPage = await stranger.newPage();
      await strangerPage.goto(link);
      await strangerPage.getByLabel('Passcode', { exact: true }).waitFor({ timeout: 10_000 });
      await stranger.close();
    } finally {
      await context.close();
    }
  });

  test('once the owner stops sharing, the link no longer works', async () => {
    const panel = owner.locator(`li[data-recording-id="${RECORDING_ID}"]`).getByRole('region', { name: 'Share by link' });
    await panel.locator('.share-list li').getByRole('button', { name: 'Stop sharing' }).click();
    await panel.getByRole('status').filter({ hasText: 'Sharing stopped' }).waitFor({ timeout: 10_000 });
    await panel.getByText('This recording is not shared.').waitFor();
    assert.equal(await owner.evaluate(() => document.activeElement?.tagName), 'H3', 'the focus lands on the panel, not nowhere');

    const context = await browser.newContext({ locale: 'fr-FR' });
    try {
      const viewer = await context.newPage();
      await viewer.goto(link);
      await viewer.getByRole('heading', { level: 1, name: 'Ce lien ne fonctionne pas' }).waitFor({ timeout: 10_000 });
      assert.equal(await viewer.locator('video').count(), 0);
    } finally {
      await context.close();
    }
  });
});

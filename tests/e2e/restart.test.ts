import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { freePort, startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { decodedOnTrack, launchBrowser, newParticipantPage, videoTrackIdOf } from './harness/browser.ts';
import { download, inspect, litShare, waitReady } from './harness/recordings.ts';
import { createMeetingAsOrganiser, expectMediaFlowing, joinByLink, joinThroughWaitingRoom, openPanel, selfId, waitForRemoteTiles } from './harness/flows.ts';

/*
 * A restart of the Amphi server does not end a class: killed (a crash) or stopped with SIGTERM
 * (an upgrade), then started again on the same data, every page comes back by itself to the
 * same meeting, with its roles, chat, poll and stage, and media flows again; the cloud recording
 * under way goes on, and makes one MP4 of before and after.
 */
describe('three people in a class while Amphi is killed and started again', { timeout: 400_000 }, () => {
  let amphi: RunningAmphi;
  let browser: Browser;
  let port: number;
  let dataDir: string;
  let env: Record<string, string>;
  const pages: Page[] = [];
  const ids: string[] = [];
  let pollId = '';
  /** When the recording started, the stretches of it that must be in the MP4, and how long Amphi was down (ms). */
  let recordingStarted = 0;
  const recordedAtLeast: number[] = [];
  const downtimes: number[] = [];
  let since = 0;

  before(async () => {
    port = await freePort();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-e2e-restart-'));
    env = { AMPHI_DATA_DIR: dataDir, AMPHI_RECORDING_SEGMENT_S: '3' };
    amphi = await startAmphi(env, { port });
    browser = await launchBrowser();
    for (let i = 0; i < 3; i++) pages.push((await newParticipantPage(browser)).page);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await amphi?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** Everyone is back in the same meeting, without a reload, and as they were. */
  async function everyoneBack(answered: number, what: string, stage: 'whiteboard' | 'screen-share'): Promise<void> {
    for (const page of pages) await page.getByTestId('reconnecting-banner').waitFor({ state: 'detached', timeout: 30_000 });
    since = Date.now();
    console.log(`# ${what}: every page back ${since - answered} ms after Amphi answered again`);
    for (const [i, page] of pages.entries()) {
      assert.equal(await page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage), true, 'the page was not reloaded');
      assert.equal(await page.getByTestId('waiting-screen').count(), 0, 'nobody is back in the waiting room');
      assert.equal(await page.getByTestId('end-screen').count(), 0);
      assert.equal(await selfId(page), ids[i], 'the same participant');
      await waitForRemoteTiles(page, 2);
    }
    assert.equal(await pages[1]!.locator(`[data-participant-id="${ids[0]}"] .badge`).first().textContent(), 'Host', 'the host is still host');
    // The chat so far, the poll with its vote, and the whiteboard on the stage.
    await openPanel(pages[2]!, 'chat');
    await pages[2]!.getByText('before the restart').waitFor({ timeout: 10_000 });
    await openPanel(pages[0]!, 'polls');
    await pages[0]!.locator(`[data-poll-id="${pollId}"] [data-option="1"][data-count="1"]`).waitFor({ timeout: 10_000 });
    if (stage === 'whiteboard') for (const page of pages) await page.getByTestId('whiteboard').waitFor({ timeout: 10_000 });
    else {
      // Carol's screen again, decoding on the others' pages.
      await pages[2]!.getByRole('button', { name: 'Stop sharing' }).waitFor({ timeout: 10_000 });
      for (const page of pages.slice(0, 2)) await screenDecoding(page);
    }
    for (const page of pages) await page.getByTestId('recording-indicator').filter({ hasText: /^\s*Recording\s*$/ }).waitFor({ timeout: 10_000 });
    await expectMediaFlowing(pages, ids, { timeoutMs: 30_000 });
  }

  /** Amphi's process is gone (a stop that hangs fails here, not at the suite's timeout). */
  async function exited(running: RunningAmphi, ms: number, what: string): Promise<void> {
    if (running.process.exitCode !== null || running.process.signalCode !== null) return;
    const gone = new Promise((r) => running.process.once('exit', r));
    const late = new Promise((_, reject) => setTimeout(() => reject(new Error(`Amphi did not exit within ${ms / 1000} s of ${what}`)), ms).unref());
    await Promise.race([gone, late]);
  }

  /** The shared screen's frames keep coming on this page. */
  async function screenDecoding(page: Page): Promise<void> {
    const selector = '[data-testid="screen-share"] video';
    await page.locator(selector).waitFor({ timeout: 15_000 });
    const deadline = Date.now() + 15_000;
    let before = await decodedOnTrack(page, await videoTrackIdOf(page, selector));
    for (;;) {
      await new Promise((r) => setTimeout(r, 1_000));
      const now = await decodedOnTrack(page, await videoTrackIdOf(page, selector));
      if (now.frames > before.frames) return;
      if (Date.now() > deadline) assert.fail(`the shared screen does not decode: ${JSON.stringify({ before, now })}`);
      before = now;
    }
  }

  /** Amphi goes down now: what was recorded since it was last back counts. */
  function goingDown(): number {
    recordedAtLeast.push(Date.now() - since);
    return Date.now();
  }

  test('a class under way: a host, two guests admitted, chat, a poll with a vote, the whiteboard', async () => {
    const link = await createMeetingAsOrganiser(pages[0]!, amphi.url, amphi.admin, 'Restart-proof class');
    await joinByLink(pages[0]!, link, 'Alice Organiser');
    await joinThroughWaitingRoom(pages[1]!, pages[0]!, link, 'Bob Guest');
    await joinThroughWaitingRoom(pages[2]!, pages[0]!, link, 'Carol Guest');
    for (const page of pages) ids.push(await selfId(page));
    for (const page of pages) await waitForRemoteTiles(page, 2);
    await openPanel(pages[1]!, 'chat');
    await pages[1]!.getByLabel('Message').fill('before the restart');
    await pages[1]!.getByLabel('Message').press('Enter');
    await openPanel(pages[0]!, 'polls');
    await pages[0]!.getByLabel('Question').fill('Which chapter next?');
    await pages[0]!.getByLabel('Options (one per line)').fill('Groups\nRings\nFields');
    await pages[0]!.getByRole('button', { name: 'Launch poll' }).click();
    await pages[2]!.getByTestId('polls-panel').waitFor({ timeout: 5_000 });
    await pages[2]!.getByRole('radio', { name: 'Rings' }).check();
    await pages[2]!.getByRole('button', { name: 'Vote' }).click();
    await pages[2]!.getByText('Thank you, your vote is in.').waitFor();
    pollId = (await pages[0]!.locator('[data-poll-id]').first().getAttribute('data-poll-id'))!;
    await pages[0]!.locator(`[data-poll-id="${pollId}"] [data-option="1"][data-count="1"]`).waitFor({ timeout: 5_000 });
    await openPanel(pages[0]!, 'documents');
    await pages[0]!.getByTestId('open-whiteboard').click();
    for (const page of pages) await page.getByTestId('whiteboard').waitFor({ timeout: 10_000 });
    await expectMediaFlowing(pages, ids);
    await pages[0]!.getByTestId('toggle-recording').click();
    for (const page of pages) await page.getByTestId('recording-indicator').waitFor({ timeout: 10_000 });
    recordingStarted = since = Date.now();
    for (const page of pages) await page.evaluate(() => ((window as unknown as { __samePage: boolean }).__samePage = true));
    // What the pages show is written to storage within a fraction of a second.
    await new Promise((r) => setTimeout(r, 3_000));
  });

  test('SIGKILL, then started again: every page is back by itself, as it was', async () => {
    const down = goingDown();
    amphi.process.kill('SIGKILL');
    await new Promise((r) => amphi.process.once('exit', r));
    await pages[0]!.getByTestId('reconnecting-banner').waitFor({ timeout: 15_000 });
    // Down for a few seconds, long enough that a recording which kept the gap would show it.
    await new Promise((r) => setTimeout(r, 4_000));
    amphi = await startAmphi(env, { port });
    downtimes.push(Date.now() - down);
    await everyoneBack(Date.now(), 'SIGKILL', 'whiteboard');
    await new Promise((r) => setTimeout(r, 3_000));
  });

  test('SIGTERM (an upgrade) while Carol shares her screen: “Amphi is restarting, stay on this page”, then the same, her screen shown again', async () => {
    await pages[2]!.getByRole('button', { name: 'Share screen' }).click();
    for (const page of pages.slice(0, 2)) await screenDecoding(page);
    await new Promise((r) => setTimeout(r, 1_000));
    goingDown();
    amphi.process.kill('SIGTERM');
    await pages[1]!.getByText('Amphi is restarting').waitFor({ timeout: 10_000 });
    await exited(amphi, 30_000, 'SIGTERM');
    // A stop stops its Janus last (after the segment being made): until Amphi has exited, Janus
    // went on recording what people sent, which is in the MP4 by right. Nothing is recorded from here.
    const gone = Date.now();
    await new Promise((r) => setTimeout(r, 4_000));
    amphi = await startAmphi(env, { port });
    downtimes.push(Date.now() - gone);
    await everyoneBack(Date.now(), 'SIGTERM', 'screen-share');
    await new Promise((r) => setTimeout(r, 3_000));
  });

  test('the cloud recording went on through both: one MP4 of before and after, the downtime cut out', async () => {
    recordedAtLeast.push(Date.now() - since);
    await pages[0]!.getByTestId('toggle-recording').click();
    await pages[1]!.getByTestId('recording-indicator').waitFor({ state: 'detached', timeout: 10_000 });
    const wall = Date.now() - recordingStarted;
    const ready = await waitReady(pages[0]!.context(), amphi.url);
    assert.equal(ready.status, 'ready', JSON.stringify(ready));
    const file = await download(pages[0]!.context(), amphi.url, ready.id);
    const facts = await inspect(file);
    const least = recordedAtLeast.reduce((a, b) => a + b, 0) / 1000;
    const most = (wall - downtimes.reduce((a, b) => a + b, 0)) / 1000;
    console.log(`# recording: ${facts.duration.toFixed(1)} s of MP4; at least ${least.toFixed(1)} s recorded, at most ${most.toFixed(1)} s; ${(wall / 1000).toFixed(1)} s from start to stop`);
    assert.equal(facts.video, 'h264');
    // Each time, the recording goes on once someone publishes again: a moment after their page is back.
    assert.ok(facts.duration >= least - 1.5 * downtimes.length && facts.duration <= most + 1.5, `the MP4 covers before and after the restarts, without the downtime: ${facts.duration} s`);
    // Pictures from before the first restart (the cameras) and after the last one (the active
    // speaker's camera beside Carol's screen, which the fake capture draws mostly dark).
    for (const [at, crop] of [[1.5, undefined], [facts.duration - 1.5, 'crop=320:240:960:0']] as const) {
      const lit = await litShare(file, at, crop);
      assert.ok(lit > 0.2, `the cameras are in the picture at ${at.toFixed(1)} s (${(lit * 100).toFixed(0)} % lit)`);
    }
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { launchBrowser, newParticipantPage } from './harness/browser.ts';
import { joinByLink, openPanel, signIn } from './harness/flows.ts';
import { download, inspect, litShare, run, waitReady } from './harness/recordings.ts';
import { signInCookie, WsClient } from './harness/wsClient.ts';

describe('cloud recording', { timeout: 300_000 }, () => {
  let amphi: RunningAmphi;
  let browser: Browser;
  let host: Page;
  let guest: Page;
  let link: string;
  let meetingId: string;

  before(async () => {
    // Short segments, so that a few seconds of recording are made in several pieces while it goes on.
    amphi = await startAmphi({ AMPHI_RECORDING_SEGMENT_S: '3' });
    browser = await launchBrowser();
    host = (await newParticipantPage(browser)).page;
    guest = (await newParticipantPage(browser)).page;
    await signIn(host, amphi.url, amphi.admin);
    const res = await host.context().request.post(amphi.url + '/api/meetings', { headers: { 'x-amphi-csrf': '1', origin: amphi.url }, data: { title: 'Lecture 7', settings: { waitingRoom: false } } });
    const meeting = (await res.json()).meeting as { id: string; link: string };
    link = meeting.link;
    meetingId = meeting.id;
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await amphi?.stop();
  });

  test('a staff host records two people and a shared screen: one MP4, H.264 + AAC, the right length, not black', async () => {
    await joinByLink(host, link, 'Lecturer');
    await joinByLink(guest, link, 'Student');
    await guest.getByRole('button', { name: 'Share screen' }).click();
    await host.getByTestId('screen-share').waitFor({ timeout: 15_000 });
    await new Promise((r) => setTimeout(r, 2_000));

    await host.getByTestId('toggle-recording').click();
    await guest.getByTestId('recording-indicator').waitFor({ timeout: 10_000 });
    const started = Date.now();
    // Someone opening the link now is told before joining.
    const late = (await newParticipantPage(browser)).page;
    await late.goto(link);
    await late.getByText('This meeting is being recorded').waitFor({ timeout: 10_000 });
    await late.close();
    await new Promise((r) => setTimeout(r, 6_000 - (Date.now() - started)));
    // A pause is left out of the MP4.
    await host.getByTestId('toggle-recording-pause').click();
    await guest.getByTestId('recording-indicator').filter({ hasText: 'Recording paused' }).waitFor({ timeout: 5_000 });
    const pausedAt = Date.now();
    await new Promise((r) => setTimeout(r, 4_000));
    await host.getByTestId('toggle-recording-pause').click();
    await guest.getByTestId('recording-indicator').filter({ hasText: /^\s*Recording\s*$/ }).waitFor({ timeout: 5_000 });
    const paused = Date.now() - pausedAt;
    await new Promise((r) => setTimeout(r, 5_000));
    // The MP4 is being made while the meeting goes on: segments exist before the stop.
    const recordings = path.join(amphi.dataDir, 'recordings');
    const segments = () => fs.readdirSync(recordings).flatMap((d) => (fs.existsSync(path.join(recordings, d, 'segments')) ? fs.readdirSync(path.join(recordings, d, 'segments')) : [])).filter((n) => n.endsWith('.mp4') && !n.includes('.part'));
    for (let i = 0; i < 100 && segments().length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(segments().length >= 2, `segments made while recording: ${segments().join(', ')}`);
    await host.getByTestId('toggle-recording').click();
    await guest.getByTestId('recording-indicator').waitFor({ state: 'detached', timeout: 10_000 });
    const wall = (Date.now() - started - paused) / 1000;

    const ready = await waitReady(host.context(), amphi.url);
    assert.equal(ready.status, 'ready', JSON.stringify(ready));
    const file = await download(host.context(), amphi.url, ready.id);
    const facts = await inspect(file);
    assert.equal(facts.video, 'h264');
    assert.equal(facts.audio, 'aac');
    assert.ok(Math.abs(facts.duration - wall) <= 1, `duration ${facts.duration} s for ${wall} s recorded`);
    // The speaker's camera beside the screen, before the pause and after it. Not at the very middle: that is where the
    // pause was cut out, and the camera's picture after a resume waits for its next keyframe (a fraction of a second).
    for (const at of [3, facts.duration - 2.5]) {
      const lit = await litShare(file, at, 'crop=320:240:960:0');
      assert.ok(lit > 0.5, `a frame at ${at.toFixed(1)} s shows the speaker's camera beside the screen (${(lit * 100).toFixed(1)} % of its box lit)`);
    }
    // Fast start: the index is at the front, so browsers play it before it has all arrived.
    const head = fs.readFileSync(file).subarray(0, 64 * 1024).toString('latin1');
    assert.ok(head.indexOf('moov') >= 0 && head.indexOf('moov') < head.indexOf('mdat'), 'moov before mdat');
  });

  test('a participant the host allows records on their own computer; everyone sees it; the file has picture and sound', async () => {
    assert.equal(await guest.getByTestId('toggle-local-recording').count(), 0, 'not offered until the host allows it');
    await openPanel(host, 'participants');
    await host.getByRole('checkbox', { name: 'Record on their computer' }).check();
    await guest.getByTestId('toggle-local-recording').click({ timeout: 10_000 });
    await host.getByTestId('local-recording-indicator').filter({ hasText: 'Student' }).waitFor({ timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 4_000));
    const saved = guest.waitForEvent('download');
    await guest.getByTestId('toggle-local-recording').click();
    const download = await saved;
    assert.match(download.suggestedFilename(), /^amphi-Lecture-7-.*\.(mp4|webm)$/);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-local-')), download.suggestedFilename());
    await download.saveAs(file);
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', file]);
    assert.deepEqual(stdout.trim().split('\n').sort(), ['audio', 'video']);
    await host.getByTestId('local-recording-indicator').waitFor({ state: 'detached', timeout: 10_000 });
  });

  test('a host who is not staff is refused', async () => {
    const created = await host.context().request.post(amphi.url + '/api/admin/users', {
      headers: { 'x-amphi-csrf': '1', origin: amphi.url },
      data: { email: 'tutor@univ.example', name: 'Tutor', password: 'a long enough password', staff: false },
    });
    assert.equal(created.status(), 201, await created.text());
    const cookie = await signInCookie(amphi.url, { email: 'tutor@univ.example', password: 'a long enough password' });
    const res = await fetch(amphi.url + '/api/meetings', { method: 'POST', headers: { 'content-type': 'application/json', 'x-amphi-csrf': '1', cookie }, body: JSON.stringify({ title: 'Tutorial' }) });
    const meeting = ((await res.json()) as { meeting: { id: string } }).meeting;
    const tutor = await WsClient.open(amphi.url, cookie);
    const joined = await tutor.request({ type: 'join', meetingId: meeting.id, name: 'Tutor', audio: false, video: false });
    assert.equal((joined.self as { role: string }).role, 'host');
    assert.equal(joined.staff, false);
    assert.equal((await tutor.request({ type: 'recording-start' })).code, 'auth.forbidden');
    tutor.close();
    void meetingId;
  });
});

describe('a recording whose meeting does not come back from a crash', { timeout: 300_000 }, () => {
  test('SIGKILL mid-recording, and nobody comes back: the recording is processed from what was written', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-e2e-kill-'));
    const browser = await launchBrowser();
    // Short segments: one is made before the kill, the rest after the restart.
    // A short grace period: the meeting goes on after the restart, but its host does not come back.
    const env = { AMPHI_DATA_DIR: dataDir, AMPHI_RECORDING_SEGMENT_S: '2', AMPHI_RESUME_GRACE_S: '5' };
    let amphi = await startAmphi(env);
    try {
      const host = (await newParticipantPage(browser)).page;
      await signIn(host, amphi.url, amphi.admin);
      const res = await host.context().request.post(amphi.url + '/api/meetings', { headers: { 'x-amphi-csrf': '1', origin: amphi.url }, data: { title: 'Crash course', settings: { waitingRoom: false } } });
      const meeting = (await res.json()).meeting as { link: string };
      await joinByLink(host, meeting.link, 'Lecturer');
      await new Promise((r) => setTimeout(r, 2_000));
      await host.getByTestId('toggle-recording').click();
      await host.getByTestId('recording-indicator').waitFor({ timeout: 10_000 });
      await new Promise((r) => setTimeout(r, 8_000));
      amphi.process.kill('SIGKILL');
      await new Promise((r) => amphi.process.once('exit', r));
      await host.close();

      amphi = await startAmphi(env);
      const again = (await newParticipantPage(browser)).page;
      await signIn(again, amphi.url, amphi.admin);
      const ready = await waitReady(again.context(), amphi.url);
      assert.equal(ready.status, 'ready', JSON.stringify(ready));
      const facts = await inspect(await download(again.context(), amphi.url, ready.id));
      assert.equal(facts.video, 'h264');
      assert.ok(facts.duration >= 6 && facts.duration <= 10, `about the 8 s recorded before the kill, got ${facts.duration}`);
    } finally {
      await browser.close().catch(() => {});
      await amphi.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

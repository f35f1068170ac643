import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { makePptx } from '../fixtures/documents.ts';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { launchBrowser, newParticipantPage } from './harness/browser.ts';
import { expectMediaFlowing, joinByLink, selfId, signIn } from './harness/flows.ts';
import { inspect, download, waitReady } from './harness/recordings.ts';
import { createMeeting, signInCookie, WsClient } from './harness/wsClient.ts';

/*
 * The audit's hole 14: under `sudo ./amphi up` everything ran as root — Node, Janus, LibreOffice
 * and pdfinfo on guest uploads, ffmpeg on participants' media. Amphi now hands itself to the
 * `amphi` user before it starts anything (AMPHI_RUN_AS, which ./amphi up sets), and all it starts
 * runs as that user, which owns only the data folder. Here it is started that way, and each
 * process is looked at from outside while it works.
 */
const USER = 'amphi';
const uidOf = (name: string) => Number(execFileSync('id', ['-u', name]).toString().trim());

/** Real, effective, saved and filesystem uids, and the effective capabilities, of a process. */
function identity(pid: number): { uids: number[]; gids: number[]; capEff: string } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(status)![1]!.trim();
  return { uids: field('Uid').split(/\s+/).map(Number), gids: field('Gid').split(/\s+/).map(Number), capEff: field('CapEff') };
}

/** Pids of processes whose command line mentions `text`. */
function pidsOf(text: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', text]).toString().trim().split('\n').map(Number);
  } catch {
    return [];
  }
}

describe('Amphi runs as its own unprivileged user', { timeout: 240_000 }, () => {
  let amphi: RunningAmphi;
  let browser: Browser;
  let host: Page;
  let guest: Page;
  let uid = 0;

  before(async () => {
    uid = uidOf(USER);
    amphi = await startAmphi({ AMPHI_RUN_AS: USER });
    browser = await launchBrowser();
    host = (await newParticipantPage(browser)).page;
    guest = (await newParticipantPage(browser)).page;
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await amphi?.stop();
  });

  test('the server and its Janus run as amphi, with no capabilities; the data folder is amphi’s alone', () => {
    assert.notEqual(uid, 0);
    for (const [what, pid] of [['Amphi', amphi.process.pid!], ['Janus', amphi.janusPid()!]] as const) {
      const id = identity(pid);
      assert.deepEqual(id.uids, [uid, uid, uid, uid], `${what} runs as ${USER}`);
      assert.equal(id.capEff, '0000000000000000', `${what} holds no capability`);
    }
    const data = fs.statSync(amphi.dataDir);
    assert.equal(data.uid, uid);
    assert.equal(data.mode & 0o777, 0o750);
    for (const file of ['amphi.sqlite', 'janus']) assert.equal(fs.statSync(path.join(amphi.dataDir, file)).uid, uid, file);
    assert.match(amphi.logs(), /running as an unprivileged user/);
  });

  test('a guest’s office upload is converted by a LibreOffice that runs as amphi', async () => {
    const cookie = await signInCookie(amphi.url, amphi.admin);
    const meeting = await createMeeting(amphi.url, cookie, { title: 'Seminar', settings: { waitingRoom: false } });
    const guestWs = await WsClient.open(amphi.url);
    const joined = await guestWs.request({ type: 'join', meetingId: meeting.id, name: 'Guest', audio: false, video: false });
    assert.equal(joined.type, 'joined');
    const upload = fetch(`${amphi.url}/api/meetings/${meeting.id}/documents?name=slides.pptx`, {
      method: 'POST',
      headers: { 'x-amphi-csrf': '1', authorization: `Bearer ${joined.token as string}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(await makePptx(20)),
    });
    const seen = new Set<string>();
    let done = false;
    void upload.finally(() => (done = true));
    while (!done) {
      for (const pid of pidsOf('soffice.bin')) {
        try {
          seen.add(String(identity(pid).uids[0]));
        } catch {
          /* gone meanwhile */
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const res = await upload;
    assert.equal(res.status, 201, await res.text());
    assert.deepEqual([...seen], [String(uid)], 'every LibreOffice seen ran as amphi');
    guestWs.close();
  });

  test('a meeting’s media flows, and a cloud recording is made and processed as amphi', async () => {
    await signIn(host, amphi.url, amphi.admin);
    const cookie = await signInCookie(amphi.url, amphi.admin);
    const meeting = await createMeeting(amphi.url, cookie, { title: 'Recorded class', settings: { waitingRoom: false } });
    await joinByLink(host, meeting.link, 'Host');
    await joinByLink(guest, meeting.link, 'Guest');
    await expectMediaFlowing([host, guest], [await selfId(host), await selfId(guest)]);
    await host.getByTestId('toggle-recording').click();
    await guest.getByTestId('recording-indicator').waitFor({ timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 5_000));
    await host.getByTestId('toggle-recording').click();
    await guest.getByTestId('recording-indicator').waitFor({ state: 'detached', timeout: 10_000 });
    const ready = await waitReady(host.context(), amphi.url);
    assert.equal(ready.status, 'ready', JSON.stringify(ready));
    const mp4 = path.join(amphi.dataDir, 'recordings', `${ready.id}.mp4`);
    assert.equal(fs.statSync(mp4).uid, uid, 'the MP4 was written by amphi');
    const facts = await inspect(await download(host.context(), amphi.url, ready.id));
    assert.equal(facts.video, 'h264');
    assert.ok(facts.duration > 3, `${facts.duration} s`);
  });
});

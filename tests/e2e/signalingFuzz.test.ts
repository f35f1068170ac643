import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { rssMbOf } from '../../bench/load/procStats.ts';
import { fuzzSignaling } from '../fuzz/SignalingFuzzer.ts';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { launchBrowser, newParticipantPage } from './harness/browser.ts';
import { expectMediaFlowing, joinByLink, openPanel, selfId, signIn } from './harness/flows.ts';
import { createMeeting, signInCookie, WsClient } from './harness/wsClient.ts';

/*
 * The signaling fuzzer, bounded (issue 15): 20,000 fuzzed frames against a real Amphi while two
 * people in a meeting of the same server talk through real Janus. Amphi must not crash, answer
 * only valid server messages with catalogued error codes (never `internal`), close connections
 * only with documented codes, keep its memory, and the meeting's media must keep flowing. The
 * seed is printed: AMPHI_FUZZ_SEED=<seed> replays a run. The long run: `sudo ./amphi bench signaling-fuzz`.
 */
describe('signaling fuzzer (bounded)', { timeout: 300_000 }, () => {
  let amphi: RunningAmphi;
  let browser: Browser;
  let host: Page;
  let guest: Page;
  let meetingIds: string[] = [];

  before(async () => {
    amphi = await startAmphi();
    browser = await launchBrowser();
    host = (await newParticipantPage(browser)).page;
    guest = (await newParticipantPage(browser)).page;
    const cookie = await signInCookie(amphi.url, amphi.admin);
    const talk = await createMeeting(amphi.url, cookie, { title: 'Seminar under fire', settings: { waitingRoom: false } });
    const target = await createMeeting(amphi.url, cookie, { title: 'Fuzzed', settings: { waitingRoom: false } });
    meetingIds = [target.id, talk.id];
    await signIn(host, amphi.url, amphi.admin);
    await joinByLink(host, talk.link, 'Host');
    await joinByLink(guest, talk.link, 'Guest');
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await amphi?.stop();
  });

  test('20,000 fuzzed frames: no crash, only typed answers, memory kept, the meeting’s media flowing', async () => {
    const guestId = await selfId(guest);
    const hostId = await selfId(host);
    // Media up before the fuzzing (the connections come up a moment after the join).
    await expectMediaFlowing([host, guest], [hostId, guestId]);
    const pid = amphi.process.pid;
    const rssBefore = rssMbOf(pid);
    const seed = Number(process.env.AMPHI_FUZZ_SEED ?? Date.now() % 1_000_000);
    const report = await fuzzSignaling({ url: amphi.url, meetingIds, frames: 20_000, concurrency: 6, framesPerConnection: 250, seed });
    const rssAfter = rssMbOf(pid);
    console.log(
      `# fuzz (seed ${seed}): ${report.frames} frames over ${report.connections} connections (${report.joined} joined) in ${(report.durationMs / 1000).toFixed(1)} s, ${report.replies} replies; ` +
        `errors ${JSON.stringify(report.errorsByCode)}; closes ${JSON.stringify(report.closesByCode)}; Amphi RSS ${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MB`,
    );
    assert.equal(amphi.process.exitCode, null, 'Amphi is still running');
    assert.deepEqual(report.badErrors, [], `internal or uncatalogued errors (seed ${seed})`);
    assert.deepEqual(report.invalidReplies, [], `replies that are not server messages (seed ${seed})`);
    assert.deepEqual(report.badCloses, [], `connections closed with an undocumented code (seed ${seed})`);
    assert.ok(report.joined > 20, 'connections got into the meetings, so the meetings’ handlers were fuzzed');
    assert.ok(rssAfter - rssBefore < 150, `memory kept: ${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MB`);
    // And still flowing right after it, on the same connections.
    await expectMediaFlowing([host, guest], [hostId, guestId], { timeoutMs: 10_000 });
    // The server still does its job for a newcomer.
    const late = await WsClient.open(amphi.url);
    assert.equal((await late.request({ type: 'join', meetingId: meetingIds[1], name: 'Latecomer', audio: false, video: false })).type, 'joined');
    assert.equal((await late.request({ type: 'chat-send', text: 'still here?' })).type, 'ok');
    late.close();
    await openPanel(host, 'chat');
    await host.getByTestId('chat-message').filter({ hasText: 'still here?' }).waitFor({ timeout: 5_000 });
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type WebSocket from 'ws';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { launchBrowser, newParticipantPage } from './harness/browser.ts';
import { admit, createMeetingAsOrganiser, expectMediaFlowing, inMeeting, joinByLink, joinThroughWaitingRoom, openAndJoin, openPanel, selfId, waitForRemoteTiles } from './harness/flows.ts';
import { createMeeting, signInCookie, WsClient, type Received } from './harness/wsClient.ts';
import { createOwnNetwork, type OwnNetwork } from './harness/ownNetwork.ts';

/*
 * Nobody falls out of a meeting when their signaling connection drops: the connections are cut
 * at the server side with `ss -K` (what a reverse-proxy reload or a Wi-Fi hand-over does) while
 * Amphi keeps running, and everyone takes their place again on a new socket.
 */

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** Aborts the server side of TCP connections to Amphi's port (all of them, or one client's). */
function cutConnections(serverPort: number, clientPort?: number): void {
  const filter = clientPort === undefined ? `sport = :${serverPort}` : `sport = :${serverPort} and dport = :${clientPort}`;
  const result = spawnSync('ss', ['-K', '-t', filter], { encoding: 'utf8' });
  assert.equal(result.status, 0, `ss -K failed: ${result.stderr}`);
}

function localPortOf(client: WsClient): number {
  return (client.ws as WebSocket & { _socket: { localPort: number } })._socket.localPort;
}

async function closed(client: WsClient): Promise<void> {
  if (client.ws.readyState === client.ws.CLOSED) return;
  await new Promise((resolve) => client.ws.once('close', resolve));
}

describe('resuming at the protocol level', { timeout: 60_000 }, () => {
  let amphi: RunningAmphi;
  let cookie: string;

  before(async () => {
    amphi = await startAmphi({ AMPHI_RESUME_GRACE_S: '5' });
    cookie = await signInCookie(amphi.url, amphi.admin);
  });
  after(async () => {
    await amphi?.stop();
  });

  test('a cut socket: others see “reconnecting”; a resume gets what was missed, once; a repeated request is done once', async () => {
    const meeting = await createMeeting(amphi.url, cookie, { title: 'Seminar', settings: { waitingRoom: false } });
    const host = await WsClient.open(amphi.url, cookie);
    const hostJoined = await host.request({ type: 'join', meetingId: meeting.id, name: 'Host', audio: false, video: false });
    const bob = await WsClient.open(amphi.url);
    const clientId = 'bob-browser-0123456789';
    const joined = await bob.request({ type: 'join', meetingId: meeting.id, name: 'Bob', audio: false, video: false, clientId });
    assert.equal(joined.type, 'joined');
    const bobId = (joined.self as { id: string }).id;
    const resume = joined.resume as { credential: string; graceSeconds: number };
    assert.equal(resume.graceSeconds, 5);
    assert.equal(typeof joined.seq, 'number', 'messages to a joined participant are numbered');

    cutConnections(portOf(amphi.url), localPortOf(bob));
    await closed(bob);
    const dimmed = await host.waitFor((m) => m.type === 'participant-updated' && (m.participant as { id: string; reconnecting: boolean }).id === bobId && (m.participant as { reconnecting: boolean }).reconnecting);
    assert.ok(dimmed);
    const lastSeq = Math.max(...bob.received.map((m) => (typeof m.seq === 'number' ? m.seq : 0)));
    await host.request({ type: 'chat-send', text: 'said while Bob was away' });

    // Someone else cannot use Bob's credential from their browser.
    const mallory = await WsClient.open(amphi.url);
    const refused = await mallory.request({ type: 'resume', meetingId: meeting.id, credential: resume.credential, clientId: 'mallory-browser-012345', lastSeq: 0 });
    assert.equal(refused.code, 'resume.invalid');

    const back = await WsClient.open(amphi.url);
    const resumed = await back.request({ type: 'resume', meetingId: meeting.id, credential: resume.credential, clientId, lastSeq });
    assert.equal(resumed.type, 'resumed');
    assert.equal(resumed.snapshot, false);
    const chat = await back.waitFor((m) => m.type === 'chat');
    assert.equal((chat.message as { text: string }).text, 'said while Bob was away');
    assert.ok((chat.seq as number) > lastSeq);
    await host.waitFor((m) => m.type === 'participant-updated' && (m.participant as { id: string }).id === bobId && !(m.participant as { reconnecting: boolean }).reconnecting);
    assert.equal(host.received.filter((m) => m.type === 'participant-left').length, 0, 'Bob never left');
    assert.equal(host.received.filter((m) => m.type === 'participant-joined').length, 1, 'and did not join twice');

    // A second tab presenting the credential while this connection is alive is refused; nobody new appears.
    await back.request({ type: 'ping' });
    const twice = await (await WsClient.open(amphi.url)).request({ type: 'resume', meetingId: meeting.id, credential: resume.credential, clientId, lastSeq });
    assert.equal(twice.code, 'resume.invalid');

    // A chat line the client sends again after a resume (same rid) is said once.
    const frame = JSON.stringify({ type: 'chat-send', rid: 900, text: 'only once' });
    back.ws.send(frame);
    back.ws.send(frame);
    await host.waitFor((m) => m.type === 'chat' && (m.message as { text: string }).text === 'only once');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(host.received.filter((m) => m.type === 'chat' && (m.message as { text: string }).text === 'only once').length, 1);
    assert.equal(back.received.filter((m) => m.type === 'ok' && m.rid === 900).length, 1, 'one reply');
    void hostJoined;
  });

  test('past the grace period the others see the person leave, and a late resume is expired', async () => {
    const meeting = await createMeeting(amphi.url, cookie, { title: 'Short grace', settings: { waitingRoom: false } });
    const host = await WsClient.open(amphi.url, cookie);
    await host.request({ type: 'join', meetingId: meeting.id, name: 'Host', audio: false, video: false });
    const eve = await WsClient.open(amphi.url);
    const clientId = 'eve-browser-0123456789';
    const joined = await eve.request({ type: 'join', meetingId: meeting.id, name: 'Eve', audio: false, video: false, clientId });
    const eveId = (joined.self as { id: string }).id;
    const started = Date.now();
    cutConnections(portOf(amphi.url), localPortOf(eve));
    const left = await host.waitFor((m) => m.type === 'participant-left' && m.participantId === eveId, 10_000);
    assert.ok(left);
    const after = (Date.now() - started) / 1000;
    assert.ok(after >= 4.5, `left after ${after.toFixed(1)} s, before the 5 s grace period`);
    const late = await (await WsClient.open(amphi.url)).request({ type: 'resume', meetingId: meeting.id, credential: (joined.resume as { credential: string }).credential, clientId, lastSeq: 1 });
    assert.equal(late.code, 'resume.expired');
  });

  test('a resume into a meeting the host ended meanwhile is told it ended', async () => {
    const meeting = await createMeeting(amphi.url, cookie, { title: 'Ended', settings: { waitingRoom: false } });
    const host = await WsClient.open(amphi.url, cookie);
    await host.request({ type: 'join', meetingId: meeting.id, name: 'Host', audio: false, video: false });
    const cy = await WsClient.open(amphi.url);
    const clientId = 'cy-browser-0123456789';
    const joined = await cy.request({ type: 'join', meetingId: meeting.id, name: 'Cy', audio: false, video: false, clientId });
    cutConnections(portOf(amphi.url), localPortOf(cy));
    await closed(cy);
    await host.request({ type: 'end-meeting' });
    const back = await WsClient.open(amphi.url);
    back.send({ type: 'resume', meetingId: meeting.id, credential: (joined.resume as { credential: string }).credential, clientId, lastSeq: 1 });
    const ended: Received = await back.waitFor((m) => m.type === 'meeting-ended');
    assert.equal(ended.reason, 'ended-by-host');
    await closed(back);
  });
});

describe('three people in Chromium keep their meeting when every signaling connection is cut', { timeout: 300_000 }, () => {
  let amphi: RunningAmphi;
  let browser: Browser;
  const pages: Page[] = [];
  const ids: string[] = [];
  let link = '';

  before(async () => {
    amphi = await startAmphi();
    browser = await launchBrowser();
    for (let i = 0; i < 3; i++) pages.push((await newParticipantPage(browser)).page);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await amphi?.stop();
  });

  test('all back without a reload: same roles, no waiting room, media flowing, a chat line sent during the cut delivered once', async () => {
    link = await createMeetingAsOrganiser(pages[0]!, amphi.url, amphi.admin, 'Continuity 101');
    await joinByLink(pages[0]!, link, 'Alice Organiser');
    await joinThroughWaitingRoom(pages[1]!, pages[0]!, link, 'Bob Guest');
    await joinThroughWaitingRoom(pages[2]!, pages[0]!, link, 'Carol Guest');
    for (const page of pages) ids.push(await selfId(page));
    for (const page of pages) await waitForRemoteTiles(page, 2);
    await expectMediaFlowing(pages, ids);
    // Survives only if the page is never reloaded.
    for (const page of pages) await page.evaluate(() => ((window as unknown as { __samePage: boolean }).__samePage = true));
    await openPanel(pages[1]!, 'chat');

    // Cut every connection to Amphi, and keep cutting for 3 s: every reconnection attempt dies too.
    const port = portOf(amphi.url);
    const cutUntil = Date.now() + 3_000;
    let bannerSeen = false;
    let chatSent = false;
    while (Date.now() < cutUntil) {
      cutConnections(port);
      if (!bannerSeen) bannerSeen = (await pages[0]!.getByTestId('reconnecting-banner').count()) > 0;
      if (!chatSent && (await pages[1]!.getByTestId('reconnecting-banner').count()) > 0) {
        await pages[1]!.getByLabel('Message').fill('sent while reconnecting');
        await pages[1]!.getByLabel('Message').press('Enter');
        chatSent = true;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(bannerSeen, 'the host saw the “Reconnecting…” banner');
    assert.ok(chatSent, 'Bob saw the banner and wrote during the cut');
    const cutEnded = Date.now();

    for (const page of pages) await page.getByTestId('reconnecting-banner').waitFor({ state: 'detached', timeout: 20_000 });
    console.log(`# everyone back ${Date.now() - cutEnded} ms after the cut ended`);
    for (const page of pages) {
      assert.equal(await page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage), true, 'the page was not reloaded');
      assert.equal(await page.getByTestId('waiting-screen').count(), 0);
      assert.equal(await page.getByTestId('end-screen').count(), 0);
      await waitForRemoteTiles(page, 2);
    }
    assert.equal(await selfId(pages[1]!), ids[1], 'Bob is the same participant');
    assert.equal(await pages[1]!.locator(`[data-participant-id="${ids[0]}"] .badge`).first().textContent(), 'Host', 'the host is still host');
    await pages[0]!.locator('[data-reconnecting]').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
    assert.equal(await pages[0]!.locator('[data-reconnecting]').count(), 0, 'no tile is left dimmed');
    await expectMediaFlowing(pages, ids);

    for (const i of [0, 2]) {
      await openPanel(pages[i]!, 'chat');
      await pages[i]!.getByText('sent while reconnecting').waitFor({ timeout: 10_000 });
    }
    await new Promise((r) => setTimeout(r, 1_000));
    for (const page of pages) assert.equal(await page.getByText('sent while reconnecting').count(), 1, 'the chat line came once');
  });

  test('someone in the waiting room through the same cut: still waiting afterwards, and let in by the host', async () => {
    const dana = (await newParticipantPage(browser)).page;
    await openAndJoin(dana, link, 'Dana Guest');
    await dana.getByTestId('waiting-screen').waitFor({ timeout: 15_000 });
    const port = portOf(amphi.url);
    for (const until = Date.now() + 1_500; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) cutConnections(port);
    await dana.getByTestId('reconnecting-banner').waitFor({ state: 'detached', timeout: 20_000 });
    assert.equal(await dana.getByTestId('waiting-screen').count(), 1, 'back in the waiting room, not “Connection lost”');
    await pages[0]!.getByTestId('reconnecting-banner').waitFor({ state: 'detached', timeout: 20_000 });
    await admit(pages[0]!, 'Dana Guest');
    await inMeeting(dana);
  });
});

describe('a student whose own network goes away for 10 s', { timeout: 300_000 }, () => {
  let own: OwnNetwork;
  let amphi: RunningAmphi;
  let browsers: Browser[] = [];
  let host: Page;
  let student: Page;

  before(async () => {
    own = createOwnNetwork();
    amphi = await startAmphi({}, { host: own.hostAddress });
    // Not loopback, so not a secure context unless Chromium is told: the camera needs one.
    browsers = [await launchBrowser(undefined, amphi.url), await launchBrowser(own.chromium, amphi.url)];
    host = (await newParticipantPage(browsers[0]!)).page;
    student = (await newParticipantPage(browsers[1]!)).page;
  });
  after(async () => {
    for (const b of browsers) await b.close().catch(() => {});
    await amphi?.stop();
    own?.close();
  });

  test('the banner shows, then they are back in the meeting with media, without a reload', async () => {
    const link = await createMeetingAsOrganiser(host, amphi.url, amphi.admin, 'Wi-Fi in the library');
    await joinByLink(host, link, 'Alice Organiser');
    await joinThroughWaitingRoom(student, host, link, 'Sam Student');
    const ids = [await selfId(host), await selfId(student)];
    await expectMediaFlowing([host, student], ids);
    await student.evaluate(() => ((window as unknown as { __samePage: boolean }).__samePage = true));

    own.cut();
    const cutAt = Date.now();
    await student.getByTestId('reconnecting-banner').waitFor({ timeout: 10_000 });
    console.log(`# banner after ${Date.now() - cutAt} ms without network`);
    await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - cutAt))));
    own.restore();
    const restoredAt = Date.now();
    await student.getByTestId('reconnecting-banner').waitFor({ state: 'detached', timeout: 20_000 });
    const signalingBack = Date.now() - restoredAt;
    await expectMediaFlowing([host, student], ids, { windowMs: 1_000, timeoutMs: 20_000 });
    console.log(`# network back → signaling back ${signalingBack} ms, media flowing both ways ${Date.now() - restoredAt} ms`);
    assert.equal(await student.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage), true, 'no reload');
    assert.equal(await selfId(student), ids[1], 'the same participant');
    assert.equal(await student.getByTestId('waiting-screen').count(), 0, 'not sent back to the waiting room');
    await waitForRemoteTiles(host, 1);
  });

  test('a cut long enough to fail the media connections (35 s): an ICE restart brings media back on the same connections', async () => {
    const ids = [await selfId(host), await selfId(student)];
    const connections = () => student.evaluate(() => (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.length);
    // From a settled start: every connection up (the previous cut's recovery is over).
    await student.waitForFunction(() => (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.every((pc) => pc.connectionState === 'connected' || pc.connectionState === 'closed'), undefined, { timeout: 30_000 });
    await expectMediaFlowing([host, student], ids, { windowMs: 1_000 });
    const before = await connections();
    own.cut();
    const cutAt = Date.now();
    // Chromium declares a connection failed some 30 s after its consent checks stop being answered.
    await student.waitForFunction(() => (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.some((pc) => pc.connectionState === 'failed'), undefined, { timeout: 45_000 });
    assert.ok(Date.now() - cutAt >= 10_000, `a connection failed only after the cut (${Date.now() - cutAt} ms)`);
    own.restore();
    const restoredAt = Date.now();
    await student.getByTestId('reconnecting-banner').waitFor({ state: 'detached', timeout: 20_000 });
    await expectMediaFlowing([host, student], ids, { windowMs: 1_000, timeoutMs: 30_000 });
    console.log(`# after a 35 s cut: media flowing both ways ${Date.now() - restoredAt} ms after the link came back`);
    assert.equal(await connections(), before, 'the same connections, restarted, not new ones');
  });
});

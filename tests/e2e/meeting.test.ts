import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import type { Browser, Page } from 'playwright-core';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { decodedOnTrack, launchBrowser, newParticipantPage, receivedStats, videoTrackIdOf } from './harness/browser.ts';
import { createMeetingAsOrganiser, expectMediaFlowing, joinByLink, joinThroughWaitingRoom, selfId, waitForRemoteTiles } from './harness/flows.ts';

/*
 * One real meeting, start to end: an organiser and two guests in headless Chromium with fake
 * camera and microphone, through Amphi's signaling and its own Janus. The steps share the
 * meeting and run in order.
 */
describe('a meeting with three people', { timeout: 300_000 }, () => {
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

  test('the organiser signs in, creates a meeting and gets a link', async () => {
    link = await createMeetingAsOrganiser(pages[0]!, amphi.url, amphi.admin, 'Physics 101');
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/m\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
  });

  test('three people join by the link and each decodes the other two', async () => {
    const names = ['Alice Organiser', 'Bob Guest', 'Carol Guest'];
    // The organiser is signed in and goes straight in; guests wait until the organiser admits them.
    await joinByLink(pages[0]!, link, names[0]!);
    for (let i = 0; i < 3; i++) {
      if (i > 0) await joinThroughWaitingRoom(pages[i]!, pages[0]!, link, names[i]!);
      ids.push(await selfId(pages[i]!));
    }
    for (const page of pages) await waitForRemoteTiles(page, 2);
    const { before, after } = await expectMediaFlowing(pages, ids);
    console.log('# received over 3 s (frames decoded / audio packets), per page and sender:');
    pages.forEach((_, i) => {
      for (const id of ids) if (id !== ids[i]) console.log(`#   page ${i} ← ${id.slice(0, 8)}: ${before[i]![id]!.framesDecoded}→${after[i]![id]!.framesDecoded} frames, ${before[i]![id]!.audioPackets}→${after[i]![id]!.audioPackets} packets`);
    });
    // The organiser is the host; guests are participants.
    assert.equal(await pages[1]!.locator(`[data-participant-id="${ids[0]}"] .badge`).textContent(), 'Host');
  });

  test('a gallery page of one tile: Alice decodes only the video she shows, and hears both', async () => {
    const alice = pages[0]!;
    const [bob, carol] = [ids[1]!, ids[2]!];
    const inboundVideos = () =>
      alice.evaluate(async () => {
        const frames: number[] = [];
        for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
          if (pc.connectionState === 'closed') continue;
          (await pc.getStats()).forEach((s: { type: string; kind?: string; framesDecoded?: number }) => {
            if (s.type === 'inbound-rtp' && s.kind === 'video') frames.push(s.framesDecoded ?? 0);
          });
        }
        return frames;
      });
    await alice.getByLabel('Tiles per page').selectOption('1');
    await alice.getByText('Page 1 of 2').waitFor();
    const shownFirst = (await alice.$$eval('.tile[data-participant-id]:not([data-self])', (els) => els.map((e) => (e as HTMLElement).dataset.participantId)))[0]!;
    const hidden = shownFirst === bob ? carol : bob;
    // Once the server has renegotiated, only one video stream still arrives.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const a = await inboundVideos();
      await new Promise((r) => setTimeout(r, 1_000));
      const b = await inboundVideos();
      const growing = b.filter((f, i) => f > (a[i] ?? 0)).length;
      if (growing === 1 && b.length === 1) break;
      if (Date.now() > deadline) assert.fail(`expected one incoming video, got ${b.length} (${growing} growing)`);
    }
    const s1 = await receivedStats(alice);
    await new Promise((r) => setTimeout(r, 1_500));
    const s2 = await receivedStats(alice);
    assert.ok(s2[shownFirst]!.framesDecoded > s1[shownFirst]!.framesDecoded, 'the shown person is decoded');
    assert.ok(s2[hidden]!.audioPackets > s1[hidden]!.audioPackets, 'the person on the other page is still heard');
    // The next page swaps the video.
    await alice.getByRole('button', { name: 'Next page' }).click();
    await alice.locator(`.tile[data-participant-id="${hidden}"] video`).waitFor({ timeout: 10_000 });
    await expectMediaFlowing([alice], [ids[0]!, hidden], { windowMs: 1_500 });
    await alice.getByLabel('Tiles per page').selectOption('25');
    await expectMediaFlowing(pages, ids, { windowMs: 1_500 });
  });

  test('Janus is killed with SIGKILL: every page decodes again without a reload', async () => {
    const pid = amphi.janusPid();
    assert.ok(pid, 'Janus pid known');
    const restarted = amphi.nextJanusReady();
    // Each page notes whether it said audio and video were being restored (the banner may be brief).
    for (const page of pages) {
      await page.evaluate(() => {
        const w = window as unknown as { __mediaBanner?: boolean };
        w.__mediaBanner = false;
        new MutationObserver(() => {
          if (document.querySelector('[data-testid="media-reconnecting-banner"]')) w.__mediaBanner = true;
        }).observe(document.body, { childList: true, subtree: true });
      });
    }
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    const newPid = await restarted;
    assert.notEqual(newPid, pid);
    // Frames from the new PeerConnections: poll with a short window until all flow again.
    await expectMediaFlowing(pages, ids, { windowMs: 500, timeoutMs: 30_000 });
    console.log(`# media recovered ${Date.now() - killedAt} ms after Janus was killed (new pid ${newPid})`);
    for (const page of pages) {
      assert.equal(await page.evaluate(() => (window as unknown as { __mediaBanner?: boolean }).__mediaBanner), true, 'the page said audio and video were being restored');
      await page.getByTestId('media-reconnecting-banner').waitFor({ state: 'detached', timeout: 10_000 });
    }
  });

  test('bad input gets typed errors and the meeting keeps flowing', async () => {
    const ws = new WebSocket(amphi.url.replace('http', 'ws') + '/ws');
    const replies: { type: string; code?: string; rid?: number }[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(d.toString())));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const next = async () => {
      const deadline = Date.now() + 5_000;
      while (replies.length === 0) {
        if (Date.now() > deadline) throw new Error('no reply');
        await new Promise((r) => setTimeout(r, 20));
      }
      return replies.shift()!;
    };
    ws.send('this is not json{');
    assert.equal((await next()).code, 'protocol.malformed');
    ws.send(JSON.stringify({ type: 'teleport', rid: 7 }));
    assert.deepEqual(await next(), { type: 'error', code: 'protocol.unknown_type', rid: 7, message: 'unknown message type "teleport"' });
    ws.send(JSON.stringify({ type: 'join', rid: 8, meetingId: 'abc-defg-hjk', name: '', audio: true, video: true }));
    const invalid = await next();
    assert.equal(invalid.code, 'protocol.invalid');
    assert.equal(invalid.rid, 8);
    ws.send(JSON.stringify({ type: 'publish', rid: 9, sdp: 'v=0' }));
    assert.equal((await next()).code, 'protocol.out_of_order');
    ws.send(JSON.stringify({ type: 'ping', big: 'x'.repeat(300 * 1024) }));
    assert.equal((await next()).code, 'protocol.too_large');
    ws.send(JSON.stringify({ type: 'join', rid: 10, meetingId: 'zzz-zzzz-zzz', name: 'Mallory', audio: true, video: true }));
    const notFound = await next();
    assert.equal(notFound.code, 'meeting.not_found');
    assert.equal(notFound.rid, 10);
    ws.send(new Uint8Array([1, 2, 3]));
    assert.equal((await next()).code, 'protocol.malformed');
    // The connection still works…
    ws.send(JSON.stringify({ type: 'ping', rid: 11 }));
    assert.deepEqual(await next(), { type: 'pong', rid: 11 });
    // A flood is cut off with a typed error (once), without closing the connection.
    for (let i = 0; i < 320; i++) ws.send(JSON.stringify({ type: 'ping' }));
    const deadline = Date.now() + 5_000;
    while (!replies.some((r) => r.code === 'protocol.rate_limited') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(replies.filter((r) => r.code === 'protocol.rate_limited').length, 1);
    assert.ok(replies.filter((r) => r.type === 'pong').length < 300);
    assert.equal(ws.readyState, WebSocket.OPEN);
    ws.close();
    // …and so does everyone else's meeting.
    await expectMediaFlowing(pages, ids, { windowMs: 2_000 });
  });

  test('Carol mutes: within 2 s no new audio packets from her, and she is shown muted', async () => {
    const carol = ids[2]!;
    await pages[2]!.getByRole('button', { name: 'Mute microphone' }).click();
    for (const page of pages.slice(0, 2)) {
      await page.locator(`[data-participant-id="${carol}"] [data-testid="muted-badge"]`).waitFor({ timeout: 2_000 });
    }
    await new Promise((r) => setTimeout(r, 1_000));
    const a = await Promise.all(pages.slice(0, 2).map(receivedStats));
    await new Promise((r) => setTimeout(r, 2_000));
    const b = await Promise.all(pages.slice(0, 2).map(receivedStats));
    for (let i = 0; i < 2; i++) {
      assert.equal(b[i]![carol]!.audioPackets, a[i]![carol]!.audioPackets, `page ${i} still receives audio from Carol`);
      assert.ok(b[i]![carol]!.framesDecoded > a[i]![carol]!.framesDecoded, `page ${i} still decodes Carol's video`);
    }
    // Unmuting brings her audio back.
    await pages[2]!.getByRole('button', { name: 'Unmute microphone' }).click();
    await expectMediaFlowing(pages, ids, { windowMs: 1_500 });
  });

  test('Carol turns her camera off: others see her initials and get no frames, then on again', async () => {
    const carol = ids[2]!;
    const page0 = pages[0]!;
    const trackId = await videoTrackIdOf(page0, `[data-participant-id="${carol}"] video`);
    const framesOf = async () => (await decodedOnTrack(page0, trackId)).frames;
    await pages[2]!.getByRole('button', { name: 'Turn camera off' }).click();
    for (const page of pages.slice(0, 2)) {
      await page.locator(`[data-participant-id="${carol}"] .avatar`).waitFor({ timeout: 2_000 });
      assert.equal(await page.locator(`[data-participant-id="${carol}"] .avatar`).textContent(), 'CG');
    }
    await new Promise((r) => setTimeout(r, 1_000));
    const a = await receivedStats(page0);
    const framesA = await framesOf();
    await new Promise((r) => setTimeout(r, 1_500));
    const b = await receivedStats(page0);
    assert.equal(await framesOf(), framesA, 'no video frames from her while her camera is off');
    assert.ok(b[carol]!.audioPackets > a[carol]!.audioPackets, 'her audio continues');
    await pages[2]!.getByRole('button', { name: 'Turn camera on' }).click();
    await expectMediaFlowing(pages, ids, { windowMs: 1_500 });
  });

  test('Bob leaves: his tile disappears for the others', async () => {
    await pages[1]!.getByTestId('leave').click();
    await pages[1]!.getByTestId('end-screen').waitFor();
    for (const page of [pages[0]!, pages[2]!]) {
      await page.locator(`[data-participant-id="${ids[1]}"]`).waitFor({ state: 'detached', timeout: 5_000 });
      await waitForRemoteTiles(page, 1);
    }
    await expectMediaFlowing([pages[0]!, pages[2]!], [ids[0]!, ids[2]!], { windowMs: 1_500 });
  });

  test('the organiser ends the meeting: everyone sees the end screen', async () => {
    await pages[0]!.getByTestId('leave').click();
    await pages[0]!.getByTestId('end-for-all').click();
    for (const page of [pages[0]!, pages[2]!]) {
      const end = page.getByTestId('end-screen');
      await end.waitFor({ timeout: 5_000 });
      assert.equal(await end.getAttribute('data-state'), 'ended');
    }
    assert.match(await pages[2]!.getByRole('heading', { level: 1 }).textContent() ?? '', /The meeting has ended/);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { launchBrowser, newParticipantPage } from './harness/browser.ts';
import { expectMediaFlowing, inMeeting, joinByLink, openPanel, selfId, signIn, waitForRemoteTiles } from './harness/flows.ts';
import { WsClient } from './harness/wsClient.ts';

/** How many received videos are decoding new frames on the page right now (over 2 s). */
async function decodingVideos(page: Page): Promise<number> {
  const sample = () =>
    page.evaluate(async () => {
      const frames: Record<string, number> = {};
      for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
        if (pc.connectionState === 'closed') continue;
        (await pc.getStats()).forEach((s: { type: string; kind?: string; ssrc?: number; framesDecoded?: number }) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video') frames[String(s.ssrc)] = s.framesDecoded ?? 0;
        });
      }
      return frames;
    });
  const a = await sample();
  await new Promise((r) => setTimeout(r, 2_000));
  const b = await sample();
  return Object.keys(b).filter((k) => (b[k] ?? 0) > (a[k] ?? 0)).length;
}

describe('breakout rooms prepared by CSV, a guest with a personal link', { timeout: 300_000 }, () => {
  let amphi: RunningAmphi;
  let browser: Browser;
  before(async () => {
    amphi = await startAmphi();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await amphi?.stop();
  });

  test('each room sees only itself; chat stays in the room; a broadcast reaches every room; the timer brings everyone back', async () => {
    const host = (await newParticipantPage(browser)).page;
    await signIn(host, amphi.url, amphi.admin);
    const headers = { 'x-amphi-csrf': '1', origin: amphi.url };
    const created = await host.context().request.post(amphi.url + '/api/meetings', { headers, data: { title: 'Group work', settings: { waitingRoom: false } } });
    const meeting = (await created.json()).meeting as { id: string; link: string };
    const csv = 'name,email,room\nAna,,Room 1\nBen,,Room 1\nCleo,cleo@guest.example,Room 2\nDan,,Room 2\n';
    const imported = await host.context().request.post(`${amphi.url}/api/meetings/${meeting.id}/breakouts/csv`, { headers: { ...headers, 'content-type': 'text/csv' }, data: csv });
    assert.equal(imported.status(), 200, await imported.text());
    const plan = (await imported.json()) as { accepted: number; plan: { assignments: { name: string; link: string }[] } };
    assert.equal(plan.accepted, 4);
    const cleoLink = plan.plan.assignments.find((a) => a.name === 'Cleo')!.link;

    await joinByLink(host, meeting.link, 'Teacher');
    const pages: Record<string, Page> = {};
    for (const name of ['Ana', 'Ben', 'Dan']) {
      pages[name] = (await newParticipantPage(browser)).page;
      await joinByLink(pages[name]!, meeting.link, name);
    }
    // The guest comes by her personal link: Amphi knows her name and her room.
    const cleo = (await newParticipantPage(browser)).page;
    pages.Cleo = cleo;
    await cleo.goto(cleoLink);
    assert.equal(await cleo.getByLabel('Your name').inputValue({ timeout: 10_000 }), 'Cleo');
    await cleo.getByRole('button', { name: 'Join now' }).click({ timeout: 15_000 });
    await inMeeting(cleo);
    const ids: Record<string, string> = {};
    for (const [name, page] of Object.entries(pages)) ids[name] = await selfId(page);
    await waitForRemoteTiles(host, 4);

    // A signaling-only participant with no room, to try the protocol directly.
    const eve = await WsClient.open(amphi.url);
    assert.equal((await eve.request({ type: 'join', meetingId: meeting.id, name: 'Eve', audio: false, video: false })).type, 'joined');

    // Ana, Ben and Dan came by the meeting's link and typed their names: the plan only suggests
    // their rooms (anyone can type a name), and the teacher confirms each.
    await openPanel(host, 'breakouts');
    const confirms = host.getByTestId('confirm-suggestion');
    await confirms.first().waitFor({ timeout: 10_000 });
    assert.equal(await confirms.count(), 3);
    for (let left = 3; left > 0; left--) {
      await confirms.first().click();
      for (let i = 0; i < 50 && (await confirms.count()) >= left; i++) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await confirms.count(), 0);
    // The teacher opens the rooms for half a minute.
    await host.getByLabel('Close automatically after (minutes, 0: never)').fill('0.5');
    await host.getByTestId('open-breakouts').click();
    for (const [name, page] of Object.entries(pages)) {
      const room = name === 'Ana' || name === 'Ben' ? 'Room 1' : 'Room 2';
      await page.getByTestId('breakout-room-name').filter({ hasText: room }).waitFor({ timeout: 15_000 });
      await waitForRemoteTiles(page, 1);
    }
    await expectMediaFlowing([pages.Ana!, pages.Ben!], [ids.Ana!, ids.Ben!]);
    await expectMediaFlowing([pages.Cleo!, pages.Dan!], [ids.Cleo!, ids.Dan!]);
    for (const page of Object.values(pages)) assert.equal(await decodingVideos(page), 1, 'only the room-mate’s video decodes');

    // Nobody gets into a room they were not given.
    const state = (await eve.waitFor((m) => m.type === 'breakouts' && (m.state as { status: string }).status === 'open')).state as { rooms: { id: string; name: string }[] };
    const room2 = state.rooms.find((r) => r.name === 'Room 2')!.id;
    assert.equal((await eve.request({ type: 'breakout-enter', roomId: room2 })).code, 'auth.forbidden');

    // Chat stays in the room.
    await openPanel(pages.Ana!, 'chat');
    await pages.Ana!.getByLabel('Message').fill('hello room one');
    await pages.Ana!.getByLabel('Message').press('Enter');
    await openPanel(pages.Ben!, 'chat');
    await pages.Ben!.getByText('hello room one').waitFor({ timeout: 5_000 });
    await openPanel(pages.Cleo!, 'chat');
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(await pages.Cleo!.getByText('hello room one').count(), 0, 'room 2 does not see room 1’s chat');

    // The teacher writes to every room.
    await host.getByLabel('Message to every room').fill('Five minutes left');
    await host.getByRole('button', { name: 'Send' }).click();
    for (const page of [pages.Ana!, pages.Dan!]) await page.getByTestId('breakout-message').filter({ hasText: 'Five minutes left' }).waitFor({ timeout: 5_000 });

    // The timer closes the rooms; after the countdown everyone is back, seeing everyone.
    await pages.Dan!.getByTestId('breakout-closing').waitFor({ timeout: 40_000 });
    for (const page of Object.values(pages)) await page.getByTestId('breakout-room-name').waitFor({ state: 'detached', timeout: 20_000 });
    const everyone = [host, ...Object.values(pages)];
    const everyoneIds = [await selfId(host), ...Object.keys(pages).map((n) => ids[n]!)];
    await expectMediaFlowing(everyone, everyoneIds, { timeoutMs: 30_000 });
    eve.close();
  });
});

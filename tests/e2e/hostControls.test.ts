import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { launchBrowser, newParticipantPage, receivedStats } from './harness/browser.ts';
import { WsClient } from './harness/wsClient.ts';
import { admit, inMeeting, joinByLink, openAndJoin, openPanel, selfId, signIn, waitForRemoteTiles } from './harness/flows.ts';

/*
 * A teacher runs a class: guests wait until let in, one is refused, the class fills up, the
 * teacher locks it, mutes everyone, takes questions by raised hand, removes a troublemaker, and
 * ends the class, which sends everyone to the university's page. Steps share the meeting.
 */
describe('running a class: waiting room, capacity, lock, moderation, chat, hands, end', { timeout: 300_000 }, () => {
  let amphi: RunningAmphi;
  let browser: Browser;
  let host: Page;
  let ada: Page;
  let bob: Page;
  let cy: Page;
  let link = '';
  const ids: Record<string, string> = {};

  before(async () => {
    amphi = await startAmphi();
    browser = await launchBrowser();
    host = (await newParticipantPage(browser)).page;
    ada = (await newParticipantPage(browser)).page;
    bob = (await newParticipantPage(browser)).page;
    cy = (await newParticipantPage(browser)).page;
    await signIn(host, amphi.url, amphi.admin);
    const res = await host.context().request.post(amphi.url + '/api/meetings', {
      headers: { 'x-amphi-csrf': '1', origin: amphi.url },
      data: { title: 'Algebra tutorial', settings: { capacity: 3, redirectUrl: `${amphi.url}/after-class` } },
    });
    assert.equal(res.status(), 201);
    link = (await res.json()).meeting.link;
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await amphi?.stop();
  });

  test('a guest who arrives before the host waits, and the host admits her', async () => {
    await openAndJoin(ada, link, 'Ada');
    await ada.getByTestId('waiting-screen').waitFor();
    await joinByLink(host, link, 'Teacher');
    // The host sees who waits: a counter on the participants button.
    await host.getByTestId('toggle-participants').getByText('1').waitFor();
    await admit(host, 'Ada');
    await inMeeting(ada);
    ids.ada = await selfId(ada);
    ids.host = await selfId(host);
    await waitForRemoteTiles(host, 1);
  });

  test('the host denies a guest, who is told; let in on a second try', async () => {
    await openAndJoin(bob, link, 'Bob');
    await bob.getByTestId('waiting-screen').waitFor();
    await openPanel(host, 'participants');
    await host.getByRole('button', { name: 'Deny Bob' }).click();
    const end = bob.getByTestId('end-screen');
    await end.waitFor();
    assert.equal(await end.getAttribute('data-state'), 'denied');
    await bob.getByRole('button', { name: 'Rejoin' }).click();
    await bob.getByRole('button', { name: 'Join now' }).click({ timeout: 15_000 });
    await bob.getByTestId('waiting-screen').waitFor();
    await admit(host, 'Bob');
    await inMeeting(bob);
    ids.bob = await selfId(bob);
  });

  test('the meeting is full at its capacity of 3: the next person is told', async () => {
    await openAndJoin(cy, link, 'Cy');
    const end = cy.getByTestId('end-screen');
    await end.waitFor();
    assert.match((await end.textContent()) ?? '', /This meeting is full/);
  });

  test('a locked meeting lets nobody new in', async () => {
    await openPanel(host, 'participants');
    await host.getByRole('button', { name: 'Lock meeting' }).click();
    await ada.getByText('Locked').waitFor();
    await cy.getByRole('button', { name: 'Rejoin' }).click();
    await cy.getByRole('button', { name: 'Join now' }).click({ timeout: 15_000 });
    await cy.getByTestId('end-screen').waitFor();
    assert.match((await cy.getByTestId('end-screen').textContent()) ?? '', /locked this meeting/);
    await host.getByRole('button', { name: 'Unlock meeting' }).click();
  });

  test('a chat message carrying a script shows as text, links are safe links', async () => {
    const text = '<script>window.__pwned = 1</script><b>bold?</b> see https://example.org/page';
    await openPanel(ada, 'chat');
    await ada.getByLabel('Message').fill(text);
    await ada.getByRole('button', { name: 'Send' }).click();
    await openPanel(host, 'chat');
    const message = host.getByTestId('chat-message').last();
    await message.waitFor();
    assert.match((await message.textContent()) ?? '', /<script>window\.__pwned = 1<\/script><b>bold\?<\/b>/);
    assert.equal(await host.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(await message.locator('b').count(), 0);
    const linkEl = message.getByRole('link', { name: 'https://example.org/page' });
    assert.equal(await linkEl.getAttribute('rel'), 'noopener noreferrer nofollow');
    // Bob, in the meeting, got it too.
    await openPanel(bob, 'chat');
    await bob.getByTestId('chat-message').filter({ hasText: 'bold?' }).waitFor();
  });

  test('raised hands queue in arrival order for the host', async () => {
    await openPanel(host, 'participants');
    await bob.getByTestId('toggle-hand').click();
    await host.locator(`[data-person-id="${ids.bob}"][data-hand]`).waitFor();
    await ada.getByTestId('toggle-hand').click();
    await host.locator(`[data-person-id="${ids.ada}"][data-hand]`).waitFor();
    const order = await host.$$eval('.people-list [data-person-id]', (els) => els.map((e) => (e as HTMLElement).dataset.personId));
    assert.deepEqual(order.slice(0, 2), [ids.bob, ids.ada], 'Bob raised first, so he is first');
    await host.getByRole('button', { name: 'Lower all hands' }).click();
    await host.locator('.people-list [data-hand]').first().waitFor({ state: 'detached' });
  });

  test('mute all: no more audio from the guests; unmuting forbidden until the host asks', async () => {
    await openPanel(host, 'participants');
    const allowUnmute = host.getByRole('checkbox', { name: 'Unmute themselves' });
    await allowUnmute.click();
    assert.equal(await allowUnmute.isChecked(), false);
    await host.getByRole('button', { name: 'Mute all' }).click();
    for (const who of [ids.ada!, ids.bob!]) await host.locator(`.tile[data-participant-id="${who}"] [data-testid="muted-badge"]`).waitFor();
    await ada.getByRole('button', { name: 'Unmute microphone' }).waitFor();
    await new Promise((r) => setTimeout(r, 1_000));
    const a = await receivedStats(host);
    await new Promise((r) => setTimeout(r, 1_500));
    const b = await receivedStats(host);
    assert.equal(b[ids.ada!]!.audioPackets, a[ids.ada!]!.audioPackets, 'no audio from Ada');
    assert.equal(b[ids.bob!]!.audioPackets, a[ids.bob!]!.audioPackets, 'no audio from Bob');
    // Ada may not unmute herself…
    await ada.getByRole('button', { name: 'Unmute microphone' }).click();
    await ada.getByText('You are not allowed to do that.').waitFor();
    assert.equal(await ada.getByRole('button', { name: 'Unmute microphone' }).count(), 1);
    // …until the host asks her to.
    await host.getByRole('button', { name: 'Actions for Ada' }).click();
    await host.locator(`[data-person-id="${ids.ada}"]`).getByRole('button', { name: 'Ask to unmute' }).click();
    await ada.getByRole('alertdialog').getByRole('button', { name: 'Unmute microphone' }).click();
    await ada.getByRole('button', { name: 'Mute microphone' }).waitFor();
    await host.locator(`.tile[data-participant-id="${ids.ada}"] [data-testid="muted-badge"]`).waitFor({ state: 'detached' });
    const c = await receivedStats(host);
    await new Promise((r) => setTimeout(r, 1_500));
    const d = await receivedStats(host);
    assert.ok(d[ids.ada!]!.audioPackets > c[ids.ada!]!.audioPackets, 'Ada is heard again');
  });

  test('a removed participant cannot rejoin', async () => {
    await openPanel(host, 'participants');
    await host.getByRole('button', { name: 'Actions for Bob' }).click();
    await host.locator(`[data-person-id="${ids.bob}"]`).getByRole('button', { name: 'Remove from meeting' }).click();
    const end = bob.getByTestId('end-screen');
    await end.waitFor();
    assert.equal(await end.getAttribute('data-state'), 'removed');
    await host.locator(`.tile[data-participant-id="${ids.bob}"]`).waitFor({ state: 'detached' });
    // Reloading the link in the same browser does not get him back in.
    await openAndJoin(bob, link, 'Bob again');
    await bob.getByTestId('end-screen').waitFor();
    assert.match((await bob.getByTestId('end-screen').textContent()) ?? '', /removed from this meeting/);
    // Nor does a page that forgets the id it chose for itself (the clientId the audit changed): the
    // removal is bound to the credential Amphi gave this browser, which the page cannot read.
    await bob.evaluate(() => {
      localStorage.clear();
      sessionStorage.clear();
    });
    assert.equal(await bob.evaluate(() => document.cookie.includes('amphi_browser')), false, 'HttpOnly: scripts never see it');
    await openAndJoin(bob, link, 'Bob in disguise');
    await bob.getByTestId('end-screen').waitFor();
    assert.match((await bob.getByTestId('end-screen').textContent()) ?? '', /removed from this meeting/);
    // A client that sends no credential at all is refused while the meeting has removed someone.
    const meetingId = new URL(link).pathname.split('/').pop()!;
    const bare = await WsClient.open(amphi.url);
    const refused = await bare.request({ type: 'join', meetingId, name: 'Bob by script', clientId: 'made-up-by-a-script-0001', audio: false, video: false });
    bare.close();
    assert.equal(refused.code, 'meeting.browser_unknown', JSON.stringify(refused));
    // Another browser (a fresh profile: no credential of Bob's) still gets in, as anyone would.
    const other = (await newParticipantPage(browser)).page;
    await openAndJoin(other, link, 'Dana');
    await other.getByTestId('waiting-screen').waitFor();
    await other.close();
  });

  test('ending the meeting sends everyone to the redirect URL', async () => {
    await host.getByTestId('leave').click();
    await host.getByTestId('end-for-all').click();
    await ada.getByTestId('end-screen').waitFor();
    await ada.waitForURL(`${amphi.url}/after-class`, { timeout: 10_000 });
    await host.waitForURL(`${amphi.url}/after-class`, { timeout: 10_000 });
  });
});

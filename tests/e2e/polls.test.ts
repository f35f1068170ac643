import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { launchBrowser, newParticipantPage } from './harness/browser.ts';
import { joinByLink, openPanel, signIn } from './harness/flows.ts';
import { WsClient } from './harness/wsClient.ts';

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

test('a host launches an anonymous poll; people vote; results show live to the host, then to everyone when shared', { timeout: 120_000 }, async () => {
  const host = (await newParticipantPage(browser)).page;
  const guest = (await newParticipantPage(browser)).page;
  await signIn(host, amphi.url, amphi.admin);
  const res = await host.context().request.post(amphi.url + '/api/meetings', { headers: { 'x-amphi-csrf': '1', origin: amphi.url }, data: { title: 'Seminar', settings: { waitingRoom: false } } });
  const meeting = (await res.json()).meeting as { id: string; link: string };
  // Before the meeting, the organiser prepares a poll on the meeting's card.
  await host.goto(amphi.url + '/');
  const card = host.locator(`[data-meeting-id="${meeting.id}"]`);
  await card.getByRole('button', { name: 'Polls' }).click();
  await card.getByLabel('Question').fill('Was the pace right?');
  await card.getByLabel('Options (one per line)').fill('Too slow\nRight\nToo fast');
  await card.getByRole('button', { name: 'Add poll' }).click();
  await card.getByText('Too slow · Right · Too fast').waitFor();
  await joinByLink(host, meeting.link, 'Lecturer');
  await joinByLink(guest, meeting.link, 'Student');
  const cy = await WsClient.open(amphi.url);
  assert.equal((await cy.request({ type: 'join', meetingId: meeting.id, name: 'Cy', audio: false, video: false })).type, 'joined');
  const dee = await WsClient.open(amphi.url);
  assert.equal((await dee.request({ type: 'join', meetingId: meeting.id, name: 'Dee', audio: false, video: false })).type, 'joined');

  await openPanel(host, 'polls');
  await host.getByLabel('Question').fill('Which chapter next?');
  await host.getByLabel('Options (one per line)').fill('Groups\nRings\nFields');
  await host.getByRole('button', { name: 'Launch poll' }).click();

  // The poll opens by itself for participants.
  await guest.getByTestId('polls-panel').waitFor({ timeout: 5_000 });
  await guest.getByRole('radio', { name: 'Rings' }).check();
  await guest.getByRole('button', { name: 'Vote' }).click();
  await guest.getByText('Thank you, your vote is in.').waitFor();
  const poll = await cy.waitFor((m) => m.type === 'poll');
  const pollId = (poll.poll as { id: string }).id;
  assert.equal((await cy.request({ type: 'poll-vote', pollId, choices: [1] })).type, 'ok');
  assert.equal((await cy.request({ type: 'poll-vote', pollId, choices: [0] })).code, 'poll.already_voted', 'one vote each');
  assert.equal((await cy.request({ type: 'poll-close', pollId })).code, 'auth.forbidden');
  assert.equal((await dee.request({ type: 'poll-vote', pollId, choices: [5] })).code, 'protocol.invalid', 'no such option');
  assert.equal((await dee.request({ type: 'poll-vote', pollId, choices: [2] })).type, 'ok', 'a refused vote does not count as voting');

  // Joining again gives no second vote (the audit's attack: a new participant id at each join). The
  // vote is counted for the browser, by the credential Amphi gave it on its first page.
  const credential = (await guest.context().cookies(amphi.url)).find((c) => c.name === 'amphi_browser');
  assert.ok(credential?.httpOnly, 'the browser holds an HttpOnly credential');
  const again = await WsClient.open(amphi.url, `amphi_browser=${credential.value}`);
  const rejoined = await again.request({ type: 'join', meetingId: meeting.id, name: 'Student again', audio: false, video: false });
  assert.equal(rejoined.type, 'joined');
  assert.deepEqual(rejoined.voted, [pollId], 'told at join that this browser has voted');
  assert.equal((await again.request({ type: 'poll-vote', pollId, choices: [0] })).code, 'poll.already_voted');
  again.close();
  // A forged credential counts as none.
  const forged = await WsClient.open(amphi.url, `amphi_browser=${credential.value.slice(0, -2)}xx`);
  assert.deepEqual((await forged.request({ type: 'join', meetingId: meeting.id, name: 'Forger', audio: false, video: false })).voted, [], 'not taken for the browser it imitates');
  forged.close();
  // The page itself, reloaded, shows the vote as given rather than the form.
  await joinByLink(guest, meeting.link, 'Student');
  await openPanel(guest, 'polls');
  await guest.getByText('Thank you, your vote is in.').waitFor();
  assert.equal(await guest.getByRole('button', { name: 'Vote' }).count(), 0);

  // The host watches the counts, never names.
  const rings = host.locator(`[data-poll-id="${pollId}"] [data-option="1"]`);
  await host.locator(`[data-poll-id="${pollId}"] [data-option="1"][data-count="2"]`).waitFor({ timeout: 5_000 });
  await host.locator(`[data-poll-id="${pollId}"] [data-option="2"][data-count="1"]`).waitFor({ timeout: 5_000 });
  assert.doesNotMatch((await host.getByTestId('polls-panel').textContent()) ?? '', /Student|Cy\b|Dee/);
  assert.match((await rings.textContent()) ?? '', /Rings 2 \(67 %\)/);
  assert.equal(cy.received.filter((m) => m.type === 'poll-results').length, 0, 'participants see no results before they are shared');

  await host.getByRole('button', { name: 'Share results' }).click();
  await guest.locator(`[data-poll-id="${pollId}"] [data-option="1"][data-count="2"]`).waitFor({ timeout: 5_000 });
  const shared = await cy.waitFor((m) => m.type === 'poll-results');
  assert.deepEqual(shared.results, { pollId, counts: [0, 2, 1], voters: 3 }, 'three voters, counts only: no identities');

  await host.getByRole('button', { name: 'Close poll' }).click();
  await guest.locator(`[data-poll-id="${pollId}"]`).getByText('closed').waitFor();
  const late = await WsClient.open(amphi.url);
  assert.equal((await late.request({ type: 'join', meetingId: meeting.id, name: 'Eve', audio: false, video: false })).type, 'joined');
  assert.equal((await late.request({ type: 'poll-vote', pollId, choices: [0] })).code, 'protocol.out_of_order', 'a closed poll takes no votes');
  late.close();
  dee.close();

  // The prepared poll is one click away.
  await host.getByRole('button', { name: 'Launch “Was the pace right?”' }).click();
  await guest.getByRole('heading', { name: 'Was the pace right?' }).waitFor({ timeout: 5_000 });
  cy.close();
});

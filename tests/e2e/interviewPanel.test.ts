import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { launchBrowser, newParticipantPage } from './harness/browser.ts';
import { admit, inMeeting, joinByLink, openAndJoin, openPanel, signIn } from './harness/flows.ts';

/*
 * The audit's attack on a recruitment interview (hole 8): with single sign-on every student has an
 * account, and the waiting room held only people who are not signed in, so a student with the
 * link walked into the panel's meeting with its earlier chat. The organiser now asks, on the
 * schedule form, that signed-in people wait too, and names the panel's co-hosts in advance.
 */
describe('an interview panel: everyone waits but the organiser and the co-hosts named in advance', { timeout: 180_000 }, () => {
  let amphi: RunningAmphi;
  let browser: Browser;
  let organiser: Page;
  let panel: Page;
  let student: Page;
  let link = '';
  const panelAccount = { email: 'paula.panel@univ.example', password: 'panel member password 1' };
  const studentAccount = { email: 'sam.student@univ.example', password: 'student password 123' };

  before(async () => {
    amphi = await startAmphi();
    browser = await launchBrowser();
    organiser = (await newParticipantPage(browser)).page;
    panel = (await newParticipantPage(browser)).page;
    student = (await newParticipantPage(browser)).page;
    await signIn(organiser, amphi.url, amphi.admin);
    for (const [account, name] of [[panelAccount, 'Paula Panel'], [studentAccount, 'Sam Student']] as const) {
      const made = await organiser.context().request.post(amphi.url + '/api/admin/users', { headers: { 'x-amphi-csrf': '1', origin: amphi.url }, data: { ...account, name, staff: false, licensed: false } });
      assert.equal(made.status(), 201, await made.text());
    }
    await signIn(panel, amphi.url, panelAccount);
    await signIn(student, amphi.url, studentAccount);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await amphi?.stop();
  });

  test('the organiser asks for it on the schedule form', async () => {
    await organiser.goto(amphi.url + '/');
    await organiser.getByRole('button', { name: 'Schedule a meeting' }).click();
    await organiser.getByLabel('Meeting title').fill('Recrutement MCF 27');
    await organiser.getByText('Meeting options').click();
    await organiser.getByLabel(/^Signed-in people wait too/).check();
    await organiser.getByLabel(/^Co-hosts/).fill('Paula.Panel@univ.example');
    await organiser.getByRole('button', { name: 'Create' }).click();
    link = (await organiser.getByTestId('meeting-link').textContent())!.trim();
    const id = link.split('/m/')[1]!;
    const listed = await organiser.context().request.get(amphi.url + '/api/meetings');
    const meeting = ((await listed.json()) as { meetings: { id: string; settings: { waitingRoom: boolean; waitingRoomEveryone: boolean; cohosts: string[] } }[] }).meetings.find((m) => m.id === id);
    assert.deepEqual([meeting?.settings.waitingRoom, meeting?.settings.waitingRoomEveryone, meeting?.settings.cohosts], [true, true, ['paula.panel@univ.example']]);
  });

  test('the organiser and the named panel member go straight in; the panel member is co-host', async () => {
    await joinByLink(organiser, link, 'Olivia Organiser');
    await joinByLink(panel, link, 'Paula Panel');
    await openPanel(organiser, 'chat');
    await organiser.getByLabel('Message').fill('Candidate 2 was strong on teaching.');
    await organiser.getByRole('button', { name: 'Send' }).click();
    await openPanel(panel, 'participants');
    await panel.getByRole('button', { name: 'Lock meeting' }).waitFor({ timeout: 10_000 });
  });

  test('a signed-in student with the link waits, sees nothing of the panel, and is let in by the co-host', async () => {
    await openAndJoin(student, link, 'Sam Student');
    await student.getByTestId('waiting-screen').waitFor({ timeout: 15_000 });
    assert.equal(await student.getByText('Candidate 2').count(), 0);
    await admit(panel, 'Sam Student');
    await inMeeting(student);
    await openPanel(student, 'participants');
    await student.getByTestId('participants-panel').getByText('Paula Panel').waitFor();
    assert.equal(await student.getByRole('button', { name: 'Lock meeting' }).count(), 0, 'a participant, not a co-host');
  });
});

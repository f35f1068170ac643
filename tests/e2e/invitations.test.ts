import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { launchBrowser, newParticipantPage } from './harness/browser.ts';
import { signIn } from './harness/flows.ts';
import { startSmtpSink } from './harness/smtpSink.ts';

/*
 * An organiser schedules a weekly thesis committee with a passcode and invites two people by
 * email; the invitations arrive at a real SMTP server with the right link, passcode and .ics,
 * and the link works for a guest.
 */
describe('scheduling and invitations', { timeout: 120_000 }, () => {
  let amphi: RunningAmphi;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let browser: Browser;
  let organiser: Page;
  let meetingId = '';

  before(async () => {
    smtp = await startSmtpSink();
    amphi = await startAmphi({ AMPHI_SMTP_URL: smtp.url, AMPHI_MAIL_FROM: 'Amphi <amphi@univ.example>' });
    browser = await launchBrowser();
    organiser = (await newParticipantPage(browser)).page;
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await amphi?.stop();
    await smtp?.close();
  });

  test('the organiser schedules a weekly meeting in Paris time with a passcode', async () => {
    await signIn(organiser, amphi.url, amphi.admin);
    await organiser.goto(amphi.url + '/');
    await organiser.getByRole('button', { name: 'Schedule a meeting' }).click();
    await organiser.getByLabel('Meeting title').fill('Thesis committee');
    await organiser.getByLabel('Date', { exact: true }).fill('2027-01-12');
    await organiser.getByLabel('Time', { exact: true }).fill('14:30');
    await organiser.getByLabel('Time zone').selectOption('Europe/Paris');
    await organiser.getByLabel('Duration (minutes)').fill('90');
    await organiser.getByLabel('Repeat').selectOption('weekly');
    await organiser.getByLabel('Until').fill('2027-02-02');
    await organiser.getByText('Meeting options').click();
    await organiser.getByLabel(/^Passcode/).fill('Secret42');
    await organiser.getByRole('button', { name: 'Create' }).click();
    const link = (await organiser.getByTestId('meeting-link').textContent())!.trim();
    meetingId = link.split('/m/')[1]!;
    const card = organiser.locator(`[data-meeting-id="${meetingId}"]`);
    await card.waitFor();
    assert.match((await card.textContent()) ?? '', /every week until/);
  });

  test('invitations reach a real SMTP server with the link, the passcode and a calendar entry', async () => {
    const card = organiser.locator(`[data-meeting-id="${meetingId}"]`);
    await card.getByRole('button', { name: 'Invite by email' }).click();
    await card.getByLabel(/Email addresses/).fill('jury1@univ.example, guest@example.org');
    await card.getByRole('button', { name: 'Send invitations' }).click();
    await card.getByText('2 invitation(s) sent').waitFor();
    assert.equal(smtp.messages.length, 2);
    const link = `${amphi.url}/m/${meetingId}`;
    for (const mail of smtp.messages) {
      assert.equal(mail.subject, 'Invitation: Thesis committee');
      assert.deepEqual(mail.from?.value.map((a) => [a.name, a.address]), [['Amphi', 'amphi@univ.example']]);
      assert.ok(mail.text?.includes(`Join: ${link}`), mail.text);
      assert.ok(mail.text?.includes('Passcode: Secret42'));
      assert.match(mail.text ?? '', /Tuesday,? 12 January 2027 at 14:30 .*\(Europe\/Paris\), 90 min, every week until 2 February 2027/);
      const ics = mail.attachments.find((a) => a.filename === 'invitation.ics');
      assert.ok(ics, 'an .ics is attached');
      assert.match(ics.contentType, /text\/calendar/);
      const body = ics.content.toString('utf8').replace(/\r\n /g, '');
      assert.match(body, /DTSTART;TZID=Europe\/Paris:20270112T143000\r\n/);
      assert.match(body, /DTEND;TZID=Europe\/Paris:20270112T160000\r\n/);
      assert.match(body, /RRULE:FREQ=WEEKLY;UNTIL=20270202T133000Z\r\n/);
      assert.ok(body.includes(`URL:${link}\r\n`));
      assert.match(body, /BEGIN:VTIMEZONE\r\nTZID:Europe\/Paris/);
    }
    assert.deepEqual(smtp.messages.map((m) => (Array.isArray(m.to) ? '' : m.to?.text)).sort(), ['guest@example.org', 'jury1@univ.example']);
  });

  test('the .ics download and the copied invitation match', async () => {
    const ics = await organiser.context().request.get(`${amphi.url}/api/meetings/${meetingId}/invitation.ics?lang=fr`);
    assert.equal(ics.status(), 200);
    assert.match(ics.headers()['content-type'] ?? '', /text\/calendar/);
    assert.match((await ics.text()).replace(/\r\n /g, ''), /DTSTART;TZID=Europe\/Paris:20270112T143000/);
    const text = await organiser.context().request.get(`${amphi.url}/api/meetings/${meetingId}/invitation?lang=fr`);
    const invitation = (await text.json()).text as string;
    assert.match(invitation, /vous invite à une réunion Amphi/);
    assert.match(invitation, /Code secret : Secret42|Code secret: Secret42/);
  });

  test("the email's link takes a guest to the meeting, who needs the passcode", async () => {
    const link = smtp.messages[0]!.text!.match(/Join: (\S+)/)![1]!;
    const guest = (await newParticipantPage(browser)).page;
    await guest.goto(link);
    await guest.getByRole('heading', { name: 'Thesis committee' }).waitFor();
    await guest.getByLabel('Your name').fill('Jury member');
    await guest.getByLabel('Meeting passcode').fill('wrong1');
    await guest.getByRole('button', { name: 'Join now' }).click({ timeout: 15_000 });
    await guest.getByText('Wrong passcode.').waitFor();
    await guest.getByRole('button', { name: 'Rejoin' }).click();
    await guest.getByLabel('Meeting passcode').fill('Secret42');
    await guest.getByRole('button', { name: 'Join now' }).click({ timeout: 15_000 });
    await guest.getByTestId('waiting-screen').waitFor();
  });
});

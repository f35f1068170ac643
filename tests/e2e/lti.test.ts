import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startLtiPlatform, STUDENT, TEACHER, type TestPlatform } from '../fixtures/ltiPlatform.ts';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { launchBrowser, newParticipantPage } from './harness/browser.ts';
import { inMeeting, openPanel, signIn } from './harness/flows.ts';

/*
 * Amphi as an LTI 1.3 tool, launched from a test platform that behaves like Moodle
 * (tests/fixtures/ltiPlatform.ts) on another site name ("localhost" while Amphi is
 * "127.0.0.1"): Chromium posts the platform's login form to Amphi, follows Amphi's redirect to
 * the platform's auth.php, posts the id_token back, and lands on Amphi's pre-join page.
 */
describe('LTI 1.3 launch, as Moodle drives it', { timeout: 240_000 }, () => {
  let amphi: RunningAmphi;
  let platform: TestPlatform;
  let browser: Browser;

  before(async () => {
    amphi = await startAmphi();
    platform = await startLtiPlatform({ toolLoginUrl: `${amphi.url}/lti/login`, toolLaunchUrl: `${amphi.url}/lti/launch`, toolJwksUrl: `${amphi.url}/lti/jwks`, host: '127.0.0.1', publicHost: 'localhost' });
    browser = await launchBrowser();
    const admin = (await newParticipantPage(browser)).page;
    await signIn(admin, amphi.url, amphi.admin);
    const res = await admin.context().request.post(amphi.url + '/api/admin/lti/registrations', {
      headers: { 'x-amphi-csrf': '1', origin: amphi.url },
      data: { name: 'Moodle e2e', issuer: platform.issuer, clientId: platform.clientId, deploymentIds: [platform.deploymentId], authUrl: platform.authUrl, jwksUrl: platform.jwksUrl, tokenUrl: platform.tokenUrl },
    });
    assert.equal(res.status(), 201, await res.text());
    // The admin console's "LTI 1.3" tab shows the values to paste into Moodle.
    await admin.goto(amphi.url + '/');
    await admin.getByRole('tab', { name: 'LTI 1.3' }).click({ timeout: 15_000 });
    const values = admin.getByTestId('lti-tool-values');
    await values.waitFor({ timeout: 10_000 });
    assert.match((await values.textContent()) ?? '', new RegExp(`${amphi.url.replace(/[.]/g, '\\.')}/lti/login`));
    await admin.close();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await platform?.close();
    await amphi?.stop();
  });

  test('the teacher lands on the pre-join page as host with their name; a student as participant of the same meeting', async () => {
    const teacher = (await newParticipantPage(browser)).page;
    await teacher.goto(platform.coursePageUrl(await platform.prepare({ user: TEACHER, resourceLink: { id: '5', title: 'CM Physique' } })));
    await teacher.waitForURL(new RegExp(`^${amphi.url.replace(/[.]/g, '\\.')}/m/[a-z-]+\\?ticket=`), { timeout: 20_000 });
    const meetingPath = new URL(teacher.url()).pathname;
    const teacherName = teacher.getByLabel('Your name');
    await teacherName.waitFor({ timeout: 15_000 });
    assert.equal(await teacherName.inputValue(), 'Marie Curie');
    await teacher.getByRole('button', { name: 'Join now' }).click({ timeout: 15_000 });
    await inMeeting(teacher);
    // Host controls: only a host may lock the meeting.
    await openPanel(teacher, 'participants');
    await teacher.getByRole('button', { name: 'Lock meeting' }).waitFor({ timeout: 10_000 });

    const student = (await newParticipantPage(browser)).page;
    await student.goto(platform.coursePageUrl(await platform.prepare({ user: STUDENT, resourceLink: { id: '5' } })));
    await student.waitForURL(new RegExp(`/m/[a-z-]+\\?ticket=`), { timeout: 20_000 });
    assert.equal(new URL(student.url()).pathname, meetingPath, 'the same resource link, the same meeting');
    const studentName = student.getByLabel('Your name');
    await studentName.waitFor({ timeout: 15_000 });
    assert.equal(await studentName.inputValue(), 'Léo Martin');
    await student.getByRole('button', { name: 'Join now' }).click({ timeout: 15_000 });
    // No waiting room for a student the platform sent.
    await inMeeting(student);
    await openPanel(student, 'participants');
    assert.equal(await student.getByRole('button', { name: 'Lock meeting' }).count(), 0, 'a student is not a host');
    await teacher.close();
    await student.close();
  });

  test('embedded in the platform’s iframe, the launch offers to open Amphi in a new window', async () => {
    const page = (await newParticipantPage(browser)).page;
    // The course page frames the launch, as Moodle's "Embed" container does.
    await page.goto(platform.coursePageUrl(await platform.prepare({ user: TEACHER, resourceLink: { id: '6', title: 'TD' }, documentTarget: 'iframe' }), { embed: true }));
    const frame = page.frameLocator('#contentframe');
    const open = frame.getByRole('link', { name: 'Open Amphi in a new window' });
    await open.waitFor({ timeout: 20_000 });
    const [popup] = await Promise.all([page.context().waitForEvent('page'), open.click()]);
    await popup.getByLabel('Your name').waitFor({ timeout: 15_000 });
    assert.equal(await popup.getByLabel('Your name').inputValue(), 'Marie Curie');
    await page.close();
    await popup.close();
  });

  test('a replayed launch is refused', async () => {
    const page = (await newParticipantPage(browser)).page;
    const prepared = await platform.prepare({ user: STUDENT, resourceLink: { id: '5' } });
    // Capture the platform's form post to Amphi's launch URL, then post it again.
    let posted: string | undefined;
    page.on('request', (r) => {
      if (r.url() === `${amphi.url}/lti/launch` && r.method() === 'POST') posted = r.postData() ?? undefined;
    });
    await page.goto(platform.coursePageUrl(prepared));
    await page.waitForURL(/\/m\/[a-z-]+\?ticket=/, { timeout: 20_000 });
    assert.ok(posted);
    const again = await page.context().request.post(`${amphi.url}/lti/launch`, { headers: { 'content-type': 'application/x-www-form-urlencoded', origin: platform.issuer }, data: posted, maxRedirects: 0 });
    assert.equal(again.status(), 401);
    assert.match(await again.text(), /data-error-code="lti\.launch_refused"/);
    await page.close();
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { launchBrowser, newParticipantPage } from './harness/browser.ts';
import { joinByLink, signIn } from './harness/flows.ts';

/*
 * Named host licences from the admin console: an administrator grants a tutor a licence and the
 * tutor can schedule at once; the administrator revokes it and the tutor cannot, at once; the
 * audit log says who did what.
 */
describe('host licences in the admin console', { timeout: 180_000 }, () => {
  let amphi: RunningAmphi;
  let browser: Browser;
  let admin: Page;
  let tutor: Page;
  const tutorAccount = { email: 'tutor@univ.example', password: 'a long enough password' };

  before(async () => {
    amphi = await startAmphi();
    browser = await launchBrowser();
    admin = (await newParticipantPage(browser)).page;
    tutor = (await newParticipantPage(browser)).page;
    await signIn(admin, amphi.url, amphi.admin);
    const made = await admin.context().request.post(amphi.url + '/api/admin/users', {
      headers: { 'x-amphi-csrf': '1', origin: amphi.url },
      data: { ...tutorAccount, name: 'Tess Tutor', staff: false, licensed: false },
    });
    assert.equal(made.status(), 201, await made.text());
    await signIn(tutor, amphi.url, tutorAccount);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await amphi?.stop();
  });

  const schedules = async () => (await tutor.context().request.post(amphi.url + '/api/meetings', { headers: { 'x-amphi-csrf': '1', origin: amphi.url }, data: { title: 'Tutorial' } })).status();

  test('granted in the console, the tutor schedules at once; revoked, at once not', async () => {
    await tutor.goto(amphi.url);
    await tutor.getByTestId('no-licence').waitFor();
    assert.equal(await tutor.getByRole('button', { name: 'New meeting now' }).count(), 0);
    assert.equal(await schedules(), 403);

    await admin.goto(amphi.url);
    const console_ = admin.getByTestId('admin-console');
    await console_.getByLabel('Find a person (name or email)').fill('tutor');
    await console_.getByRole('button', { name: 'Search' }).click();
    const licence = console_.getByRole('checkbox', { name: 'Tess Tutor holds a host licence' });
    await licence.waitFor();
    assert.equal(await licence.isChecked(), false);
    await licence.click();
    await console_.getByText('Tess Tutor now holds a host licence.').waitFor();
    assert.equal(await licence.isChecked(), true);

    // The tutor's same session: the home page offers meetings now, and scheduling works.
    await tutor.reload();
    await tutor.getByRole('button', { name: 'New meeting now' }).waitFor();
    assert.equal(await schedules(), 201);

    await licence.click();
    await console_.getByText('Tess Tutor’s host licence was revoked.').waitFor();
    assert.equal(await schedules(), 403);

    await console_.getByRole('tab', { name: 'Audit log' }).click();
    const log = console_.locator('.audit-log');
    await log.getByText('host licence revoked').waitFor();
    const text = (await log.textContent()) ?? '';
    assert.match(text, /Administrator: host licence granted — Tess Tutor <tutor@univ\.example>/);
    assert.match(text, /Administrator: host licence revoked — Tess Tutor <tutor@univ\.example>/);
  });
});

describe('policies, branding and live meetings in the admin console', { timeout: 180_000 }, () => {
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

  test('the administrator renames the product and everyone sees it; ends a meeting going on from the console', async () => {
    const admin = (await newParticipantPage(browser)).page;
    await signIn(admin, amphi.url, amphi.admin);
    await admin.goto(amphi.url);
    const console_ = admin.getByTestId('admin-console');
    await console_.getByRole('tab', { name: 'Policies' }).click();
    await console_.getByLabel('Product name').fill('Visio Campus');
    await console_.getByRole('button', { name: 'Save policies' }).click();
    await console_.getByText('Policies saved; they apply now.').waitFor();
    await admin.getByTestId('brand').getByText('Visio Campus').waitFor();

    // A guest opening a meeting link sees the new name.
    const res = await admin.context().request.post(amphi.url + '/api/meetings', { headers: { 'x-amphi-csrf': '1', origin: amphi.url }, data: { title: 'Left running', settings: { waitingRoom: false } } });
    const meeting = (await res.json()).meeting as { link: string; id: string };
    const guest = (await newParticipantPage(browser)).page;
    await guest.goto(meeting.link);
    await guest.getByTestId('brand').getByText('Visio Campus').waitFor();
    await joinByLink(guest, meeting.link, 'Gus');

    await console_.getByRole('tab', { name: 'Live meetings' }).click();
    const row = console_.locator(`[data-live-meeting="${meeting.id}"]`);
    await row.getByText('Gus').waitFor({ timeout: 15_000 });
    await row.getByRole('button', { name: 'End meeting' }).click();
    await row.getByRole('button', { name: 'End for everyone' }).click();
    await console_.getByText('“Left running” was ended for everyone.').waitFor();
    await guest.getByTestId('end-screen').waitFor({ timeout: 10_000 });
  });
});

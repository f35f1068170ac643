import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { launchBrowser, newParticipantPage } from './harness/browser.ts';
import { admit, createMeetingAsOrganiser, expectMediaFlowing, selfId, waitForRemoteTiles } from './harness/flows.ts';

/*
 * A guest on a phone-sized screen whose browser speaks French, with an organiser on a desktop.
 */
describe('phone layout and French', { timeout: 120_000 }, () => {
  let amphi: RunningAmphi;
  let browser: Browser;
  let desktop: Page;
  let phone: Page;

  before(async () => {
    amphi = await startAmphi();
    browser = await launchBrowser();
    desktop = (await newParticipantPage(browser)).page;
    phone = (await newParticipantPage(browser, { viewport: { width: 390, height: 844 }, locale: 'fr-FR' })).page;
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await amphi?.stop();
  });

  test('a French phone user joins, sees and hears the organiser, and every control fits the screen', async () => {
    const link = await createMeetingAsOrganiser(desktop, amphi.url, amphi.admin, 'Oral de recrutement');
    await desktop.goto(link);
    await desktop.getByLabel('Your name').fill('Organiser');
    await desktop.getByRole('button', { name: 'Join now' }).click({ timeout: 15_000 });

    await phone.goto(link);
    // The page follows the browser's language.
    assert.equal(await phone.getAttribute('html', 'lang'), 'fr');
    // …and can be switched, both ways.
    await phone.getByRole('button', { name: 'Langue: English' }).click();
    await phone.getByLabel('Your name').waitFor();
    assert.equal(await phone.getAttribute('html', 'lang'), 'en');
    await phone.getByRole('button', { name: 'Language: Français' }).click();
    await phone.getByLabel('Votre nom').fill('Camille');
    await phone.getByRole('button', { name: 'Rejoindre' }).click({ timeout: 15_000 });
    await phone.getByTestId('waiting-screen').waitFor({ timeout: 15_000 });
    await admit(desktop, 'Camille');
    await phone.getByRole('navigation', { name: 'Commandes de la réunion' }).waitFor({ timeout: 15_000 });

    await waitForRemoteTiles(phone, 1);
    await waitForRemoteTiles(desktop, 1);
    await expectMediaFlowing([desktop, phone], [await selfId(desktop), await selfId(phone)]);

    // Every control has an accessible French name and lies within the 390×844 screen.
    for (const name of ['Couper le micro', 'Couper la caméra', 'Quitter']) {
      const box = await phone.getByRole('button', { name }).boundingBox();
      assert.ok(box, `${name} visible`);
      assert.ok(box.x >= 0 && box.x + box.width <= 390 && box.y >= 0 && box.y + box.height <= 844, `${name} inside the screen: ${JSON.stringify(box)}`);
      assert.ok(box.width >= 44 && box.height >= 44, `${name} is a comfortable touch target`);
    }
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, 'no horizontal scrolling');
    // The organiser fills the screen; the phone user's own view is small, floating, and on screen.
    const remote = await phone.locator('[data-participant-id]:not([data-self])').boundingBox();
    assert.ok(remote && remote.width >= 350 && remote.height >= 300, `the remote tile is large: ${JSON.stringify(remote)}`);
    const own = await phone.locator('[data-participant-id][data-self]').boundingBox();
    assert.ok(own && own.width < 150 && own.x + own.width <= 390 && own.y + own.height <= 844, `own view is small and on screen: ${JSON.stringify(own)}`);
    // The organiser just leaves: the host role goes to the phone user, who can now run the meeting.
    await desktop.getByTestId('leave').click();
    await desktop.getByLabel('Hand the host role to').selectOption({ label: 'Camille' });
    await desktop.getByRole('button', { name: 'Just leave' }).click();
    await desktop.getByTestId('end-screen').waitFor();
    await phone.locator('[data-participant-id][data-self] .badge', { hasText: 'Hôte' }).waitFor({ timeout: 5_000 });
    await phone.screenshot({ path: process.env.AMPHI_SCREENSHOT_DIR ? `${process.env.AMPHI_SCREENSHOT_DIR}/phone-fr.png` : '/tmp/amphi-phone-fr.png' });
  });
});

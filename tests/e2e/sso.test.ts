import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startOidcProvider, type TestIdp } from '../fixtures/oidcProvider.ts';
import { freePort, startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { launchBrowser, newParticipantPage } from './harness/browser.ts';

/*
 * Organisers sign in with the university's OpenID Connect provider (oidc-provider, a real OP in
 * its own process): a staff member clicks "Sign in with …", signs in on the provider's page,
 * comes back signed in and schedules a meeting; a student signs in, is not staff and cannot host.
 */


describe('single sign-on with OpenID Connect', { timeout: 180_000 }, () => {
  let idp: TestIdp;
  let amphi: RunningAmphi;
  let amphiUrl = '';
  let browser: Browser;
  let ssoDir = '';

  before(async () => {
    // Amphi's address must be known to the provider (redirect URI) and the provider's to Amphi.
    const port = await freePort();
    amphiUrl = `http://127.0.0.1:${port}`;
    idp = await startOidcProvider({ redirectUris: [`${amphiUrl}/auth/sso/univ/callback`] });
    ssoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-sso-'));
    const ssoFile = path.join(ssoDir, 'sso.json');
    fs.writeFileSync(ssoFile, JSON.stringify({
      providers: [{ id: 'univ', label: 'Université (OIDC)', type: 'oidc', issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, scopes: ['openid', 'profile', 'email'] }],
      roles: { attribute: 'eduPersonAffiliation', staff: ['staff', 'faculty', 'employee'], student: ['student'] },
    }));
    amphi = await startAmphi({ AMPHI_PORT: String(port), AMPHI_PUBLIC_URL: amphiUrl, AMPHI_SSO_FILE: ssoFile });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await amphi?.stop();
    await idp?.close();
    if (ssoDir) fs.rmSync(ssoDir, { recursive: true, force: true });
  });

  /** From Amphi's sign-in page through the provider's login page and back. */
  async function signInThroughProvider(page: Page, login: string): Promise<void> {
    await page.goto(amphiUrl + '/');
    const button = page.getByRole('link', { name: 'Sign in with Université (OIDC)' });
    await button.waitFor();
    // The local form stays below the providers.
    await page.getByLabel('Password').waitFor();
    await button.click();
    await page.waitForURL((u) => u.toString().startsWith(idp.issuer));
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.waitForURL((u) => u.toString().startsWith(amphiUrl));
  }

  test('a staff member signs in at the provider, comes back signed in and schedules a meeting', async () => {
    const { page } = await newParticipantPage(browser);
    await signInThroughProvider(page, 'marie');
    await page.getByText('Signed in as Marie Curie').waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    // Staff may record to the cloud: the recordings library is theirs.
    await page.getByRole('heading', { name: 'Recordings' }).waitFor();

    await page.getByRole('button', { name: 'Schedule a meeting' }).click();
    await page.getByLabel('Meeting title').fill('Cours de chimie');
    await page.getByLabel('Date', { exact: true }).fill('2027-03-02');
    await page.getByLabel('Time', { exact: true }).fill('10:00');
    await page.getByRole('button', { name: 'Create' }).click();
    const link = (await page.getByTestId('meeting-link').textContent())!.trim();
    assert.match(link, /\/m\/[a-z0-9-]+$/);

    const me = await page.context().request.get(amphiUrl + '/api/me');
    const body = (await me.json()) as { user: { email: string; isStaff: boolean } };
    assert.equal(body.user.email, 'marie.curie@univ.test');
    assert.equal(body.user.isStaff, true);
    await page.context().close();
  });

  test('a student signs in, is not staff and cannot host', async () => {
    const { page } = await newParticipantPage(browser);
    await signInThroughProvider(page, 'leo');
    await page.getByText('Signed in as Léo Martin').waitFor();
    const me = await page.context().request.get(amphiUrl + '/api/me');
    const body = (await me.json()) as { user: { email: string; isStaff: boolean } };
    assert.equal(body.user.email, 'leo.martin@etu.univ.test');
    assert.equal(body.user.isStaff, false);
    assert.equal(await page.getByRole('heading', { name: 'Recordings' }).count(), 0, 'no recordings library for students');
    // No host licence (only staff get one by policy): told why, and the API refuses to schedule.
    await page.getByTestId('no-licence').waitFor();
    const schedule = await page.context().request.post(amphiUrl + '/api/meetings', { headers: { 'x-amphi-csrf': '1', origin: amphiUrl }, data: { title: 'My study group' } });
    assert.equal(schedule.status(), 403);
    assert.equal(((await schedule.json()) as { error: { code: string } }).error.code, 'licence.required');
    await page.context().close();
  });

  test('a sign-in cancelled at the provider comes back to the sign-in page with the reason and code', async () => {
    const { page } = await newParticipantPage(browser);
    await page.goto(amphiUrl + '/');
    await page.getByRole('link', { name: 'Sign in with Université (OIDC)' }).click();
    await page.waitForURL((u) => u.toString().startsWith(idp.issuer));
    await page.getByRole('link', { name: '[ Cancel ]' }).click();
    await page.getByRole('alert').filter({ hasText: 'auth.sso_denied' }).waitFor();
    assert.match((await page.getByRole('alert').first().textContent()) ?? '', /cancelled or refused/);
    assert.equal(new URL(page.url()).search, '', 'the error leaves the address');
    await page.getByLabel('Password').waitFor();
    await page.context().close();
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { CAS_ACCOUNTS, startCasServer, type CasAccount, type TestCasServer } from '../fixtures/casServer.ts';
import { newParticipantPage } from './harness/browser.ts';
import { backAtAmphi, currentUser, openProviderPage, scheduleMeeting, startSso, type SsoSetup } from './harness/sso.ts';

/*
 * Organisers sign in with the university's CAS server (LemonLDAP::NG's portal from Debian, a real
 * CAS 3.0 server in its own process): a staff member clicks "Sign in with …", logs in on the
 * portal, comes back signed in and schedules a meeting; a student signs in and has no host licence.
 */

describe('single sign-on with CAS', { timeout: 180_000 }, () => {
  let sso: SsoSetup<TestCasServer>;

  before(async () => {
    // Amphi's address must be allowed at the CAS server (service URL) and the server's known to Amphi.
    sso = await startSso({
      tmpPrefix: 'amphi-cas-sso-',
      startProvider: (amphiUrl) => startCasServer({ services: [`${amphiUrl}/auth/sso/univ-cas/callback`] }),
      providerSettings: (cas) => ({ id: 'univ-cas', label: 'Université (CAS)', type: 'cas', serverUrl: cas.serverUrl }),
    });
  });
  after(async () => {
    await sso?.close();
  });

  /** From Amphi's sign-in page through the CAS portal's login form and back. */
  async function signInThroughCas(page: Page, login: CasAccount): Promise<void> {
    await openProviderPage(page, sso.amphiUrl, 'Université (CAS)', `${sso.provider.serverUrl}/login`);
    await page.locator('input[name="user"]').fill(login);
    await page.locator('input[name="password"]').fill(login);
    await page.getByRole('button', { name: 'Connect' }).click();
    await backAtAmphi(page, sso.amphiUrl);
  }

  test('a staff member signs in on the CAS portal, comes back signed in and schedules a meeting', async () => {
    const { page } = await newParticipantPage(sso.browser);
    await signInThroughCas(page, 'dwho');
    await page.getByText(`Signed in as ${CAS_ACCOUNTS.dwho.name}`).waitFor();
    assert.equal(new URL(page.url()).pathname, '/');

    await scheduleMeeting(page, 'Cours de physique');

    const user = await currentUser(page, sso.amphiUrl);
    assert.equal(user.email, CAS_ACCOUNTS.dwho.email);
    assert.equal(user.isStaff, true);
    await page.context().close();
  });

  test('a student signs in on the CAS portal and cannot schedule (no host licence)', async () => {
    const { page } = await newParticipantPage(sso.browser);
    await signInThroughCas(page, 'rtyler');
    await page.getByText(`Signed in as ${CAS_ACCOUNTS.rtyler.name}`).waitFor();
    await page.getByTestId('no-licence').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Schedule a meeting' }).count(), 0);
    const user = await currentUser(page, sso.amphiUrl);
    assert.equal(user.email, CAS_ACCOUNTS.rtyler.email);
    assert.equal(user.isStaff, false);
    await page.context().close();
  });
});

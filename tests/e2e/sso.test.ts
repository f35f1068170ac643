import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startOidcProvider, type TestIdp } from '../fixtures/oidcProvider.ts';
import { newParticipantPage } from './harness/browser.ts';
import { backAtAmphi, currentUser, openProviderPage, scheduleMeeting, startSso, type SsoSetup } from './harness/sso.ts';

/*
 * Organisers sign in with the university's OpenID Connect provider (oidc-provider, a real OP in
 * its own process): a staff member clicks "Sign in with …", signs in on the provider's page,
 * comes back signed in and schedules a meeting; a student signs in, is not staff and cannot host.
 */


describe('single sign-on with OpenID Connect', { timeout: 180_000 }, () => {
  let sso: SsoSetup<TestIdp>;

  before(async () => {
    // Amphi's address must be known to the provider (redirect URI) and the provider's to Amphi.
    sso = await startSso({
      tmpPrefix: 'amphi-sso-',
      startProvider: (amphiUrl) => startOidcProvider({ redirectUris: [`${amphiUrl}/auth/sso/univ/callback`] }),
      providerSettings: (idp) => ({ id: 'univ', label: 'Université (OIDC)', type: 'oidc', issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, scopes: ['openid', 'profile', 'email'] }),
    });
  });
  after(async () => {
    await sso?.close();
  });

  /** From Amphi's sign-in page through the provider's login page and back. */
  async function signInThroughProvider(page: Page, login: string): Promise<void> {
    await openProviderPage(page, sso.amphiUrl, 'Université (OIDC)', sso.provider.issuer);
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await backAtAmphi(page, sso.amphiUrl);
  }

  test('a staff member signs in at the provider, comes back signed in and schedules a meeting', async () => {
    const { page } = await newParticipantPage(sso.browser);
    await signInThroughProvider(page, 'marie');
    await page.getByText('Signed in as Marie Curie').waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    // Staff may record to the cloud: the recordings library is theirs.
    await page.getByRole('heading', { name: 'Recordings' }).waitFor();

    await scheduleMeeting(page, 'Cours de chimie');

    const user = await currentUser(page, sso.amphiUrl);
    assert.equal(user.email, 'marie.curie@univ.test');
    assert.equal(user.isStaff, true);
    await page.context().close();
  });

  test('a student signs in, is not staff and cannot host', async () => {
    const { page } = await newParticipantPage(sso.browser);
    await signInThroughProvider(page, 'leo');
    await page.getByText('Signed in as Léo Martin').waitFor();
    const user = await currentUser(page, sso.amphiUrl);
    assert.equal(user.email, 'leo.martin@etu.univ.test');
    assert.equal(user.isStaff, false);
    assert.equal(await page.getByRole('heading', { name: 'Recordings' }).count(), 0, 'no recordings library for students');
    // No host licence (only staff get one by policy): told why, and the API refuses to schedule.
    await page.getByTestId('no-licence').waitFor();
    const schedule = await page.context().request.post(sso.amphiUrl + '/api/meetings', { headers: { 'x-amphi-csrf': '1', origin: sso.amphiUrl }, data: { title: 'My study group' } });
    assert.equal(schedule.status(), 403);
    assert.equal(((await schedule.json()) as { error: { code: string } }).error.code, 'licence.required');
    await page.context().close();
  });

  test('a sign-in cancelled at the provider comes back to the sign-in page with the reason and code', async () => {
    const { page } = await newParticipantPage(sso.browser);
    await openProviderPage(page, sso.amphiUrl, 'Université (OIDC)', sso.provider.issuer);
    await page.getByRole('link', { name: '[ Cancel ]' }).click();
    await page.getByRole('alert').filter({ hasText: 'auth.sso_denied' }).waitFor();
    assert.match((await page.getByRole('alert').first().textContent()) ?? '', /cancelled or refused/);
    assert.equal(new URL(page.url()).search, '', 'the error leaves the address');
    await page.getByLabel('Password').waitFor();
    await page.context().close();
  });
});

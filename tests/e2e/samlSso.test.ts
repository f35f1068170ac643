import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { loadSpCredentials } from '../../packages/server/src/auth/sso/saml/SpCredentials.ts';
import { samlPassword, startSamlIdp, type SamlAccount, type TestSamlIdp } from '../fixtures/samlIdp.ts';
import { newParticipantPage } from './harness/browser.ts';
import { backAtAmphi, currentUser, openProviderPage, scheduleMeeting, startSso, type SsoSetup } from './harness/sso.ts';

/*
 * Organisers sign in with the university's SAML 2.0 IdP (SimpleSAMLphp from Debian, in its own
 * PHP process): a staff member clicks "Sign in with …", signs in on SimpleSAMLphp's page, comes
 * back (the IdP's form posts cross-site to Amphi's ACS) signed in and schedules a meeting; a
 * student signs in and has no host licence.
 */
describe('single sign-on with SAML 2.0', { timeout: 180_000 }, () => {
  let sso: SsoSetup<TestSamlIdp>;

  before(async () => {
    // Each side must know the other: the IdP gets Amphi's entityID, ACS and certificate.
    sso = await startSso({
      tmpPrefix: 'amphi-saml-sso-',
      startProvider: (amphiUrl, dir) => {
        const sp = loadSpCredentials({ providerId: 'univ', dataDir: dir });
        return startSamlIdp({ sps: [{ entityId: `${amphiUrl}/auth/sso/univ/metadata`, acsUrl: `${amphiUrl}/auth/sso/univ/acs`, certPem: sp.certPem }] });
      },
      providerSettings: (idp, dir) => ({
        id: 'univ', label: 'Université (SAML)', type: 'saml', idpMetadataUrl: idp.metadataUrl,
        spKeyFile: path.join(dir, 'saml', 'univ', 'sp-key.pem'), spCertFile: path.join(dir, 'saml', 'univ', 'sp-cert.pem'),
      }),
    });
  });
  after(async () => {
    await sso?.close();
  });

  async function signInThroughIdp(page: Page, login: SamlAccount): Promise<void> {
    await openProviderPage(page, sso.amphiUrl, 'Université (SAML)', sso.provider.baseUrl);
    await page.getByLabel('Username').fill(login);
    await page.getByLabel('Password').fill(samlPassword(login));
    await page.getByRole('button', { name: 'Login' }).click();
    // SimpleSAMLphp's page posts the SAMLResponse to Amphi's ACS by script.
    await backAtAmphi(page, sso.amphiUrl);
  }

  test('a staff member signs in at the IdP, comes back signed in and schedules a meeting', async () => {
    const { page } = await newParticipantPage(sso.browser);
    await signInThroughIdp(page, 'marie');
    await page.getByText('Signed in as Marie Curie').waitFor();
    assert.equal(new URL(page.url()).pathname, '/');

    await scheduleMeeting(page, 'Cours de physique');

    const user = await currentUser(page, sso.amphiUrl);
    assert.equal(user.email, 'marie.curie@univ.test');
    assert.equal(user.isStaff, true);
    await page.context().close();
  });

  test('a student signs in and cannot schedule (no host licence)', async () => {
    const { page } = await newParticipantPage(sso.browser);
    await signInThroughIdp(page, 'leo');
    await page.getByText('Signed in as Léo Martin').waitFor();
    await page.getByTestId('no-licence').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Schedule a meeting' }).count(), 0);
    const user = await currentUser(page, sso.amphiUrl);
    assert.equal(user.email, 'leo.martin@etu.univ.test');
    assert.equal(user.isStaff, false);
    await page.context().close();
  });
});

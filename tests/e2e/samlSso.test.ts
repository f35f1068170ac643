import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { loadSpCredentials } from '../../packages/server/src/auth/sso/saml/SpCredentials.ts';
import { samlPassword, startSamlIdp, type SamlAccount, type TestSamlIdp } from '../fixtures/samlIdp.ts';
import { freePort, startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { launchBrowser, newParticipantPage } from './harness/browser.ts';

/*
 * Organisers sign in with the university's SAML 2.0 IdP (SimpleSAMLphp from Debian, in its own
 * PHP process): a staff member clicks "Sign in with …", signs in on SimpleSAMLphp's page, comes
 * back (the IdP's form posts cross-site to Amphi's ACS) signed in and schedules a meeting; a
 * student signs in and has no host licence.
 */
describe('single sign-on with SAML 2.0', { timeout: 180_000 }, () => {
  let idp: TestSamlIdp;
  let amphi: RunningAmphi;
  let amphiUrl = '';
  let browser: Browser;
  let ssoDir = '';

  before(async () => {
    // Each side must know the other: the IdP gets Amphi's entityID, ACS and certificate.
    const port = await freePort();
    amphiUrl = `http://127.0.0.1:${port}`;
    ssoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-saml-sso-'));
    const sp = loadSpCredentials({ providerId: 'univ', dataDir: ssoDir });
    idp = await startSamlIdp({ sps: [{ entityId: `${amphiUrl}/auth/sso/univ/metadata`, acsUrl: `${amphiUrl}/auth/sso/univ/acs`, certPem: sp.certPem }] });
    const ssoFile = path.join(ssoDir, 'sso.json');
    fs.writeFileSync(ssoFile, JSON.stringify({
      providers: [{
        id: 'univ', label: 'Université (SAML)', type: 'saml', idpMetadataUrl: idp.metadataUrl,
        spKeyFile: path.join(ssoDir, 'saml', 'univ', 'sp-key.pem'), spCertFile: path.join(ssoDir, 'saml', 'univ', 'sp-cert.pem'),
      }],
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

  async function signInThroughIdp(page: Page, login: SamlAccount): Promise<void> {
    await page.goto(amphiUrl + '/');
    await page.getByRole('link', { name: 'Sign in with Université (SAML)' }).click();
    await page.waitForURL((u) => u.toString().startsWith(idp.baseUrl));
    await page.getByLabel('Username').fill(login);
    await page.getByLabel('Password').fill(samlPassword(login));
    await page.getByRole('button', { name: 'Login' }).click();
    // SimpleSAMLphp's page posts the SAMLResponse to Amphi's ACS by script.
    await page.waitForURL((u) => u.toString().startsWith(amphiUrl));
  }

  test('a staff member signs in at the IdP, comes back signed in and schedules a meeting', async () => {
    const { page } = await newParticipantPage(browser);
    await signInThroughIdp(page, 'marie');
    await page.getByText('Signed in as Marie Curie').waitFor();
    assert.equal(new URL(page.url()).pathname, '/');

    await page.getByRole('button', { name: 'Schedule a meeting' }).click();
    await page.getByLabel('Meeting title').fill('Cours de physique');
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

  test('a student signs in and cannot schedule (no host licence)', async () => {
    const { page } = await newParticipantPage(browser);
    await signInThroughIdp(page, 'leo');
    await page.getByText('Signed in as Léo Martin').waitFor();
    await page.getByTestId('no-licence').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Schedule a meeting' }).count(), 0);
    const me = await page.context().request.get(amphiUrl + '/api/me');
    const body = (await me.json()) as { user: { email: string; isStaff: boolean } };
    assert.equal(body.user.email, 'leo.martin@etu.univ.test');
    assert.equal(body.user.isStaff, false);
    await page.context().close();
  });
});

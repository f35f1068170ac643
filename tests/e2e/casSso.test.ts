import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { CAS_ACCOUNTS, startCasServer, type CasAccount, type TestCasServer } from '../fixtures/casServer.ts';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { launchBrowser, newParticipantPage } from './harness/browser.ts';

/*
 * Organisers sign in with the university's CAS server (LemonLDAP::NG's portal from Debian, a real
 * CAS 3.0 server in its own process): a staff member clicks "Sign in with …", logs in on the
 * portal, comes back signed in and schedules a meeting; a student signs in and has no host licence.
 */

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

describe('single sign-on with CAS', { timeout: 180_000 }, () => {
  let cas: TestCasServer;
  let amphi: RunningAmphi;
  let amphiUrl = '';
  let browser: Browser;
  let ssoDir = '';

  before(async () => {
    // Amphi's address must be allowed at the CAS server (service URL) and the server's known to Amphi.
    const port = await freePort();
    amphiUrl = `http://127.0.0.1:${port}`;
    cas = await startCasServer({ services: [`${amphiUrl}/auth/sso/univ-cas/callback`] });
    ssoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-cas-sso-'));
    const ssoFile = path.join(ssoDir, 'sso.json');
    fs.writeFileSync(ssoFile, JSON.stringify({
      providers: [{ id: 'univ-cas', label: 'Université (CAS)', type: 'cas', serverUrl: cas.serverUrl }],
      roles: { attribute: 'eduPersonAffiliation', staff: ['staff', 'faculty', 'employee'], student: ['student'] },
    }));
    amphi = await startAmphi({ AMPHI_PORT: String(port), AMPHI_PUBLIC_URL: amphiUrl, AMPHI_SSO_FILE: ssoFile });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await amphi?.stop();
    await cas?.close();
    if (ssoDir) fs.rmSync(ssoDir, { recursive: true, force: true });
  });

  /** From Amphi's sign-in page through the CAS portal's login form and back. */
  async function signInThroughCas(page: Page, login: CasAccount): Promise<void> {
    await page.goto(amphiUrl + '/');
    const button = page.getByRole('link', { name: 'Sign in with Université (CAS)' });
    await button.waitFor();
    await button.click();
    await page.waitForURL((u) => u.toString().startsWith(`${cas.serverUrl}/login`));
    await page.locator('input[name="user"]').fill(login);
    await page.locator('input[name="password"]').fill(login);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.waitForURL((u) => u.toString().startsWith(amphiUrl) && !u.pathname.startsWith('/auth/'));
  }

  async function me(page: Page): Promise<{ email: string; isStaff: boolean; licensed: boolean }> {
    const res = await page.context().request.get(amphiUrl + '/api/me');
    return ((await res.json()) as { user: { email: string; isStaff: boolean; licensed: boolean } }).user;
  }

  test('a staff member signs in on the CAS portal, comes back signed in and schedules a meeting', async () => {
    const { page } = await newParticipantPage(browser);
    await signInThroughCas(page, 'dwho');
    await page.getByText(`Signed in as ${CAS_ACCOUNTS.dwho.name}`).waitFor();
    assert.equal(new URL(page.url()).pathname, '/');

    await page.getByRole('button', { name: 'Schedule a meeting' }).click();
    await page.getByLabel('Meeting title').fill('Cours de physique');
    await page.getByLabel('Date', { exact: true }).fill('2027-03-02');
    await page.getByLabel('Time', { exact: true }).fill('10:00');
    await page.getByRole('button', { name: 'Create' }).click();
    const link = (await page.getByTestId('meeting-link').textContent())!.trim();
    assert.match(link, /\/m\/[a-z0-9-]+$/);

    const user = await me(page);
    assert.equal(user.email, CAS_ACCOUNTS.dwho.email);
    assert.equal(user.isStaff, true);
    await page.context().close();
  });

  test('a student signs in on the CAS portal and cannot schedule (no host licence)', async () => {
    const { page } = await newParticipantPage(browser);
    await signInThroughCas(page, 'rtyler');
    await page.getByText(`Signed in as ${CAS_ACCOUNTS.rtyler.name}`).waitFor();
    await page.getByTestId('no-licence').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Schedule a meeting' }).count(), 0);
    const user = await me(page);
    assert.equal(user.email, CAS_ACCOUNTS.rtyler.email);
    assert.equal(user.isStaff, false);
    await page.context().close();
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { freePort, startAmphi, type RunningAmphi } from './amphiServer.ts';
import { launchBrowser } from './browser.ts';

/** An identity provider started by a test (OIDC provider, SAML IdP, CAS server). */
interface StartedProvider {
  close(): Promise<void>;
}

/** Amphi signing in with one identity provider, and a browser; `close()` stops them all. */
export interface SsoSetup<P extends StartedProvider> {
  provider: P;
  amphi: RunningAmphi;
  amphiUrl: string;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Starts an identity provider and Amphi with an SSO file listing it, then a browser. Each side must
 * know the other, so Amphi's address is chosen first: `startProvider` gets it (for redirect URIs,
 * service URLs, an SP's entityID) and a fresh folder (for SP keys), and `providerSettings` gives
 * the provider's entry in the SSO file. Whatever started is stopped again if a later step fails.
 */
export async function startSso<P extends StartedProvider>(opts: {
  tmpPrefix: string;
  startProvider: (amphiUrl: string, dir: string) => Promise<P>;
  providerSettings: (provider: P, dir: string) => Record<string, unknown>;
}): Promise<SsoSetup<P>> {
  const port = await freePort();
  const amphiUrl = `http://127.0.0.1:${port}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), opts.tmpPrefix));
  let provider: P | undefined;
  let amphi: RunningAmphi | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close().catch(() => {});
    await amphi?.stop();
    await provider?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    provider = await opts.startProvider(amphiUrl, dir);
    const ssoFile = path.join(dir, 'sso.json');
    fs.writeFileSync(ssoFile, JSON.stringify({
      providers: [opts.providerSettings(provider, dir)],
      roles: { attribute: 'eduPersonAffiliation', staff: ['staff', 'faculty', 'employee'], student: ['student'] },
    }));
    amphi = await startAmphi({ AMPHI_PORT: String(port), AMPHI_PUBLIC_URL: amphiUrl, AMPHI_SSO_FILE: ssoFile });
    browser = await launchBrowser();
    return { provider, amphi, amphiUrl, browser, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * From Amphi's sign-in page to the provider's: the "Sign in with <label>" link, with the local
 * form still below the providers, then the provider's page at `providerUrl`.
 */
export async function openProviderPage(page: Page, amphiUrl: string, label: string, providerUrl: string): Promise<void> {
  await page.goto(amphiUrl + '/');
  const button = page.getByRole('link', { name: `Sign in with ${label}` });
  await button.waitFor();
  // The local form stays below the providers.
  await page.getByLabel('Password').waitFor();
  await button.click();
  await page.waitForURL((u) => u.toString().startsWith(providerUrl));
}

/** Back at Amphi from the provider, past the /auth/ routes that finish the sign-in. */
export async function backAtAmphi(page: Page, amphiUrl: string): Promise<void> {
  await page.waitForURL((u) => u.toString().startsWith(amphiUrl) && !u.pathname.startsWith('/auth/'));
}

/** The signed-in user as GET /api/me says, with the page's session. */
export async function currentUser(page: Page, amphiUrl: string): Promise<{ email: string; isStaff: boolean; licensed: boolean }> {
  const res = await page.context().request.get(amphiUrl + '/api/me');
  return ((await res.json()) as { user: { email: string; isStaff: boolean; licensed: boolean } }).user;
}

/** On the home page, a signed-in organiser schedules a meeting and is shown its link. */
export async function scheduleMeeting(page: Page, title: string): Promise<string> {
  await page.getByRole('button', { name: 'Schedule a meeting' }).click();
  await page.getByLabel('Meeting title').fill(title);
  await page.getByLabel('Date', { exact: true }).fill('2027-03-02');
  await page.getByLabel('Time', { exact: true }).fill('10:00');
  await page.getByRole('button', { name: 'Create' }).click();
  const link = (await page.getByTestId('meeting-link').textContent())!.trim();
  assert.match(link, /\/m\/[a-z0-9-]+$/);
  return link;
}

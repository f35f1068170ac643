import type { Page } from 'playwright-core';
import type { ReceivedFrom } from './browser.ts';
import { receivedStats } from './browser.ts';

/** The organiser signs in on the home page and creates a meeting; returns the link it shows. */
export async function createMeetingAsOrganiser(page: Page, baseUrl: string, admin: { email: string; password: string }, title: string): Promise<string> {
  await page.goto(baseUrl + '/');
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Schedule a meeting' }).click();
  await page.getByLabel('Meeting title').fill(title);
  await page.getByRole('button', { name: 'Create' }).click();
  const link = await page.getByTestId('meeting-link').textContent({ timeout: 10_000 });
  if (!link) throw new Error('no meeting link shown');
  return link.trim();
}

/** Opens the link, fills the pre-join screen and presses "Join now". */
export async function openAndJoin(page: Page, link: string, name: string, passcode?: string): Promise<void> {
  await page.goto(link);
  await page.getByLabel('Your name').fill(name);
  if (passcode !== undefined) await page.getByLabel('Meeting passcode').fill(passcode);
  // The button is enabled once the camera and microphone are open.
  await page.getByRole('button', { name: 'Join now' }).click({ timeout: 15_000 });
}

/** Joins and waits to be in the meeting (no waiting room on the way). */
export async function joinByLink(page: Page, link: string, name: string): Promise<void> {
  await openAndJoin(page, link, name);
  await inMeeting(page);
}

export async function inMeeting(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Meeting controls' }).waitFor({ timeout: 15_000 });
}

/** A guest joins, lands in the waiting room, and the host lets them in from the participants panel. */
export async function joinThroughWaitingRoom(guest: Page, host: Page, link: string, name: string): Promise<void> {
  await openAndJoin(guest, link, name);
  await guest.getByTestId('waiting-screen').waitFor({ timeout: 15_000 });
  await admit(host, name);
  await inMeeting(guest);
}

export async function openPanel(page: Page, which: 'participants' | 'chat' | 'polls' | 'documents' | 'breakouts'): Promise<void> {
  const toggle = page.getByTestId(`toggle-${which}`);
  if ((await toggle.getAttribute('aria-pressed')) !== 'true') await toggle.click();
  await page.getByTestId(`${which}-panel`).waitFor();
}

export async function admit(host: Page, name: string): Promise<void> {
  await openPanel(host, 'participants');
  await host.getByRole('button', { name: `Admit ${name}` }).click({ timeout: 10_000 });
}

/** Signs the page's browser context in through the API (its cookie jar keeps the session). */
export async function signIn(page: Page, baseUrl: string, admin: { email: string; password: string }): Promise<void> {
  const res = await page.context().request.post(baseUrl + '/api/auth/login', { data: admin, headers: { 'x-amphi-csrf': '1', origin: baseUrl } });
  if (!res.ok()) throw new Error(`sign-in failed: ${res.status()}`);
}

export async function remoteTileIds(page: Page): Promise<string[]> {
  return page.$$eval('[data-participant-id]:not([data-self])', (els) => els.map((e) => (e as HTMLElement).dataset.participantId!));
}

export async function selfId(page: Page): Promise<string> {
  return page.$eval('[data-participant-id][data-self]', (e) => (e as HTMLElement).dataset.participantId!);
}

export async function waitForRemoteTiles(page: Page, count: number, timeoutMs = 20_000): Promise<void> {
  await page.waitForFunction((n) => document.querySelectorAll('[data-participant-id]:not([data-self])').length === n, count, { timeout: timeoutMs });
}

/**
 * Polls until, for every page, every other participant's video frames decoded and audio
 * packets received have grown over a `windowMs` window. Returns the samples for reporting.
 */
export async function expectMediaFlowing(
  pages: Page[],
  ids: string[],
  opts: { windowMs?: number; timeoutMs?: number; audio?: boolean } = {},
): Promise<{ before: Record<string, ReceivedFrom>[]; after: Record<string, ReceivedFrom>[] }> {
  const windowMs = opts.windowMs ?? 3_000;
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  let lastProblem = '';
  for (;;) {
    const before = await Promise.all(pages.map(receivedStats));
    await new Promise((r) => setTimeout(r, windowMs));
    const after = await Promise.all(pages.map(receivedStats));
    const problems: string[] = [];
    pages.forEach((_, i) => {
      for (const id of ids) {
        if (id === ids[i]) continue;
        const a = before[i]![id];
        const b = after[i]![id];
        if (!a || !b) problems.push(`page ${i} has no tile for ${id}`);
        else {
          if (!(b.framesDecoded > a.framesDecoded)) problems.push(`page ${i}: no new video frames from ${id} (${a.framesDecoded} → ${b.framesDecoded})`);
          if (opts.audio !== false && !(b.audioPackets > a.audioPackets)) problems.push(`page ${i}: no new audio packets from ${id} (${a.audioPackets} → ${b.audioPackets})`);
        }
      }
    });
    if (problems.length === 0) return { before, after };
    lastProblem = problems.join('; ');
    if (Date.now() > deadline) throw new Error(`media is not flowing: ${lastProblem}`);
  }
}

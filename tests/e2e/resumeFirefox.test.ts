import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Browser as Firefox, Page as FirefoxPage } from 'puppeteer-core';
import { freePort, startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { launchBrowser, newParticipantPage, receivedStats } from './harness/browser.ts';
import { ensureDefaultRoute, firefoxReceived, launchFirefox, newFirefoxPage } from './harness/firefox.ts';
import { admit, createMeetingAsOrganiser, joinByLink, selfId, waitForRemoteTiles } from './harness/flows.ts';

/*
 * The same resume with one participant in Firefox ESR (WebDriver BiDi): every signaling
 * connection is cut at the server side, then Amphi is killed and started again; each time the
 * Firefox page takes its place again without a reload and media flows both ways.
 */
describe('a participant in Firefox keeps the meeting when the signaling connections are cut', { timeout: 300_000 }, () => {
  let amphi: RunningAmphi;
  let chromium: Browser;
  let firefox: Firefox;
  let host: Page;
  let fox: FirefoxPage;
  let dropRoute: () => void = () => {};
  let port: number;
  let env: Record<string, string>;
  let foxId = '';

  before(async () => {
    dropRoute = ensureDefaultRoute();
    port = await freePort();
    env = { AMPHI_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'amphi-e2e-firefox-')) };
    amphi = await startAmphi(env, { port });
    chromium = await launchBrowser();
    host = (await newParticipantPage(chromium)).page;
    firefox = await launchFirefox();
    fox = await newFirefoxPage(firefox);
  });
  after(async () => {
    await firefox?.close().catch(() => {});
    await chromium?.close().catch(() => {});
    await amphi?.stop();
    fs.rmSync(env.AMPHI_DATA_DIR!, { recursive: true, force: true });
    dropRoute();
  });

  async function mediaFlows(foxId: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const [h1, f1] = [await receivedStats(host), await firefoxReceived(fox)];
      await new Promise((r) => setTimeout(r, 2_000));
      const [h2, f2] = [await receivedStats(host), await firefoxReceived(fox)];
      const hostGets = (h2[foxId]?.framesDecoded ?? 0) > (h1[foxId]?.framesDecoded ?? 0) && (h2[foxId]?.audioPackets ?? 0) > (h1[foxId]?.audioPackets ?? 0);
      const foxGets = f2.frames > f1.frames && f2.audioPackets > f1.audioPackets;
      if (hostGets && foxGets) return;
      if (Date.now() > deadline) assert.fail(`media not flowing: host←firefox ${JSON.stringify([h1[foxId], h2[foxId]])}, firefox←host ${JSON.stringify([f1, f2])}`);
    }
  }

  test('Firefox joins through the waiting room, is cut off, and is back without a reload', async () => {
    const link = await createMeetingAsOrganiser(host, amphi.url, amphi.admin, 'Firefox too');
    await joinByLink(host, link, 'Alice Organiser');
    await fox.goto(link);
    const name = await fox.waitForSelector('input[name="name"]', { timeout: 15_000 }).catch(async (err) => {
      throw new Error(`no pre-join screen in Firefox: ${String(err)}\n${(await fox.content()).slice(0, 2_000)}`);
    });
    await name!.type('Fox Guest');
    // Enabled once the fake camera and microphone are open.
    await fox.waitForSelector('form button[type="submit"].primary:not([disabled])', { timeout: 20_000 });
    await fox.click('form button[type="submit"].primary');
    await fox.waitForSelector('[data-testid="waiting-screen"]', { timeout: 15_000 });
    await admit(host, 'Fox Guest');
    await fox.waitForSelector('nav[aria-label="Meeting controls"]', { timeout: 15_000 });
    await waitForRemoteTiles(host, 1);
    foxId = (await host.$$eval('[data-participant-id]:not([data-self])', (els) => els.map((e) => (e as HTMLElement).dataset.participantId!)))[0]!;
    await mediaFlows(foxId);
    await fox.evaluate(() => ((window as unknown as { __samePage: boolean }).__samePage = true));

    const port = Number(new URL(amphi.url).port);
    const until = Date.now() + 2_000;
    let bannerSeen = false;
    while (Date.now() < until) {
      const r = spawnSync('ss', ['-K', '-t', `sport = :${port}`], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      bannerSeen ||= (await fox.$('[data-testid="reconnecting-banner"]')) !== null;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(bannerSeen, 'Firefox showed the “Reconnecting…” banner');
    await fox.waitForSelector('[data-testid="reconnecting-banner"]', { hidden: true, timeout: 20_000 });
    assert.equal(await fox.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage), true, 'no reload');
    assert.equal(await fox.$('[data-testid="waiting-screen"]'), null, 'not back in the waiting room');
    assert.equal(await host.locator(`[data-participant-id="${foxId}"]`).count(), 1, 'the host still sees the same Fox');
    assert.equal(await selfId(host).then((id) => id !== foxId), true);
    await mediaFlows(foxId);
  });

  test('Amphi is killed and started again: Firefox is back in the meeting by itself, with media', async () => {
    amphi.process.kill('SIGKILL');
    await new Promise((r) => amphi.process.once('exit', r));
    await fox.waitForSelector('[data-testid="reconnecting-banner"]', { timeout: 15_000 });
    amphi = await startAmphi(env, { port });
    const answering = Date.now();
    await fox.waitForSelector('[data-testid="reconnecting-banner"]', { hidden: true, timeout: 30_000 });
    console.log(`# Firefox back ${Date.now() - answering} ms after Amphi answered again`);
    assert.equal(await fox.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage), true, 'no reload');
    assert.equal(await fox.$('[data-testid="waiting-screen"]'), null, 'not back in the waiting room');
    await host.getByTestId('reconnecting-banner').waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(await host.locator(`[data-participant-id="${foxId}"]`).count(), 1, 'the host sees the same Fox');
    await mediaFlows(foxId);
  });
});

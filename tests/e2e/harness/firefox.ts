import { execFileSync } from 'node:child_process';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/**
 * Debian's Firefox ESR driven by puppeteer-core over WebDriver BiDi, with fake camera and
 * microphone (prefs) and every RTCPeerConnection kept in window.__pcs for getStats().
 */
export async function launchFirefox(): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: process.env.AMPHI_FIREFOX ?? '/usr/bin/firefox-esr',
    headless: true,
    extraPrefsFirefox: {
      'media.navigator.streams.fake': true,
      'media.navigator.permission.disabled': true,
      'media.autoplay.default': 0,
      'media.autoplay.blocking_policy': 0,
    },
  });
}

const CAPTURE_PEER_CONNECTIONS = `(() => {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = function (...args) { const pc = new Native(...args); window.__pcs.push(pc); return pc; };
  window.RTCPeerConnection.prototype = Native.prototype;
  Object.setPrototypeOf(window.RTCPeerConnection, Native);
})();`;

export async function newFirefoxPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  await page.evaluateOnNewDocument(CAPTURE_PEER_CONNECTIONS);
  await page.setViewport({ width: 1024, height: 700 });
  return page;
}

/** Video frames decoded and audio packets received, summed over the page's open connections. */
export async function firefoxReceived(page: Page): Promise<{ frames: number; audioPackets: number }> {
  return page.evaluate(async () => {
    let frames = 0;
    let audioPackets = 0;
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; framesDecoded?: number; packetsReceived?: number }) => {
        if (s.type !== 'inbound-rtp') return;
        if (s.kind === 'video') frames += s.framesDecoded ?? 0;
        else audioPackets += s.packetsReceived ?? 0;
      });
    }
    return { frames, audioPackets };
  });
}

/**
 * Firefox gathers no ICE candidates without a default route (it learns its address by
 * connecting a UDP socket, which sends nothing): give the test namespace one while it runs.
 */
export function ensureDefaultRoute(dev = 'va'): () => void {
  const routes = execFileSync('ip', ['route', 'show', 'default'], { encoding: 'utf8' });
  if (routes.trim() !== '') return () => {};
  execFileSync('ip', ['route', 'add', 'default', 'dev', dev]);
  return () => {
    try {
      execFileSync('ip', ['route', 'del', 'default', 'dev', dev]);
    } catch {
      /* already gone */
    }
  };
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
];

/**
 * Keeps every RTCPeerConnection the page creates in window.__pcs, so tests can read getStats()
 * without the application exposing anything.
 */
const CAPTURE_PEER_CONNECTIONS = `
  (() => {
    const Native = window.RTCPeerConnection;
    window.__pcs = [];
    window.RTCPeerConnection = function (...args) {
      const pc = new Native(...args);
      window.__pcs.push(pc);
      return pc;
    };
    window.RTCPeerConnection.prototype = Native.prototype;
    Object.setPrototypeOf(window.RTCPeerConnection, Native);
  })();
`;

/**
 * `executablePath`: another Chromium start script (one that runs it on a network of its own).
 * `secureOrigin`: an http origin other than loopback to treat as secure (camera, microphone).
 */
export async function launchBrowser(executablePath?: string, secureOrigin?: string): Promise<Browser> {
  const args = secureOrigin ? [...CHROMIUM_ARGS, `--unsafely-treat-insecure-origin-as-secure=${secureOrigin}`] : CHROMIUM_ARGS;
  return chromium.launch({ executablePath: executablePath ?? process.env.AMPHI_CHROMIUM ?? '/usr/bin/chromium', headless: true, args, ignoreDefaultArgs: ['--mute-audio'] });
}

export async function newParticipantPage(browser: Browser, opts: { viewport?: { width: number; height: number }; locale?: string } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1024, height: 700 },
    locale: opts.locale ?? 'en-GB',
    permissions: ['camera', 'microphone'],
  });
  await context.addInitScript(CAPTURE_PEER_CONNECTIONS);
  const page = await context.newPage();
  if (process.env.AMPHI_E2E_LOGS) {
    const tag = Math.random().toString(36).slice(2, 6);
    page.on('console', (m) => process.stderr.write(`# page ${tag}: ${m.text()}\n`));
    page.on('pageerror', (e) => process.stderr.write(`# page ${tag} error: ${e.message}\n`));
  }
  return { context, page };
}

/** What a page receives from one remote participant, summed over its inbound RTP streams. */
export interface ReceivedFrom {
  framesDecoded: number;
  audioPackets: number;
}

/**
 * For every remote participant on the page (keyed by participant id): the video frames decoded
 * on the track their tile shows, and the audio packets received on the track their audio
 * element plays (every remote has one, shown on this gallery page or not), from getStats().
 */
export async function receivedStats(page: Page): Promise<Record<string, ReceivedFrom>> {
  return page.evaluate(async () => {
    const byTrack = new Map<string, { kind: string; framesDecoded: number; packetsReceived: number }>();
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      const report = await pc.getStats();
      report.forEach((s: any) => {
        if (s.type === 'inbound-rtp' && s.trackIdentifier) {
          byTrack.set(s.trackIdentifier, { kind: s.kind, framesDecoded: s.framesDecoded ?? 0, packetsReceived: s.packetsReceived ?? 0 });
        }
      });
    }
    // No helper functions in here: the test loader would wrap them with a name helper the page lacks.
    const result: Record<string, { framesDecoded: number; audioPackets: number }> = {};
    const sources: [string, HTMLMediaElement][] = [];
    for (const tile of document.querySelectorAll<HTMLElement>('[data-participant-id]:not([data-self])')) {
      result[tile.dataset.participantId!] ??= { framesDecoded: 0, audioPackets: 0 };
      for (const el of tile.querySelectorAll<HTMLMediaElement>('video')) sources.push([tile.dataset.participantId!, el]);
    }
    for (const el of document.querySelectorAll<HTMLAudioElement>('audio[data-audio-of]')) sources.push([el.dataset.audioOf!, el]);
    for (const [id, el] of sources) {
      const entry = (result[id] ??= { framesDecoded: 0, audioPackets: 0 });
      for (const track of (el.srcObject as MediaStream | null)?.getTracks() ?? []) {
        const s = byTrack.get(track.id);
        if (!s) continue;
        if (s.kind === 'video') entry.framesDecoded += s.framesDecoded;
        else entry.audioPackets += s.packetsReceived;
      }
    }
    return result;
  });
}

export function freshDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Frames decoded and the widest frame seen on one received video track (by its id), from getStats(). */
export async function decodedOnTrack(page: Page, trackId: string): Promise<{ frames: number; width: number }> {
  return page.evaluate(async (id) => {
    let frames = 0;
    let width = 0;
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; trackIdentifier?: string; framesDecoded?: number; frameWidth?: number }) => {
        if (s.type === 'inbound-rtp' && s.trackIdentifier === id) {
          frames += s.framesDecoded ?? 0;
          width = Math.max(width, s.frameWidth ?? 0);
        }
      });
    }
    return { frames, width };
  }, trackId);
}

/** The id of the video track an element on the page plays ('' when none). */
export async function videoTrackIdOf(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (v) => ((v as HTMLVideoElement).srcObject as MediaStream | null)?.getVideoTracks()[0]?.id ?? '');
}

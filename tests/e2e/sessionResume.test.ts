import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WebSocket as NodeWebSocket } from 'ws';
import { MeetingSession } from '../../packages/client/src/core/MeetingSession.ts';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { createMeeting, signInCookie } from './harness/wsClient.ts';

/*
 * The web client's session core (core/MeetingSession.ts, DOM-free) run in Node against a real
 * Amphi: its connection state machine through a lost socket, a resume, a request sent during the
 * cut, and the end of the grace period. People join with microphone and camera off,
 * so no media connection is needed; the browsers' media paths are proven in the Chromium tests.
 */

/** Every socket the sessions open, so the test can cut one as a network would (no close frame). */
const sockets: NodeWebSocket[] = [];
class RecordedWebSocket extends NodeWebSocket {
  constructor(url: string) {
    super(url);
    sockets.push(this);
  }
}
(globalThis as { WebSocket?: unknown }).WebSocket = RecordedWebSocket;

const noDevices = { getAudioTracks: () => [], getVideoTracks: () => [], getTracks: () => [] } as unknown as MediaStream;

async function until(what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the client session core against a real Amphi', { timeout: 180_000 }, () => {
  let amphi: RunningAmphi;
  let meetingId: string;
  const sessions: MeetingSession[] = [];

  function session(name: string, clientId: string): MeetingSession {
    const s = new MeetingSession({ signalingUrl: amphi.url.replace(/^http/, 'ws') + '/ws', meetingId, name, localStream: noDevices, audio: false, video: false, clientId, passcode: undefined });
    sessions.push(s);
    return s;
  }

  /** The socket a session uses now: the last one opened for it that is still open. */
  function openSockets(): NodeWebSocket[] {
    return sockets.filter((s) => s.readyState === NodeWebSocket.OPEN);
  }

  before(async () => {
    amphi = await startAmphi({ AMPHI_RESUME_GRACE_S: '8' });
    const cookie = await signInCookie(amphi.url, amphi.admin);
    meetingId = (await createMeeting(amphi.url, cookie, { title: 'Session core', settings: { waitingRoom: false } })).id;
  });
  after(async () => {
    for (const s of sessions) await Promise.race([s.leave().catch(() => {}), new Promise((r) => setTimeout(r, 1_000))]);
    await amphi?.stop();
  });

  test('a lost socket: reconnecting, then the same participant again; a chat line sent meanwhile arrives once', async () => {
    const ada = session('Ada', 'client-ada-0000000000');
    const bob = session('Bob', 'client-bob-0000000000');
    await ada.start();
    await bob.start();
    await until('both joined', () => ada.state === 'joined' && bob.state === 'joined' && ada.remotes.size === 1);
    const bobId = bob.self!.id;
    const states: string[] = [];
    bob.on('change', () => {
      if (states.at(-1) !== bob.connection.kind) states.push(bob.connection.kind);
    });

    // Bob's network drops: his socket dies without a close frame from the server.
    const before = openSockets();
    const bobSocket = before[before.length - 1]!;
    bobSocket.terminate();
    await until('Bob reconnecting', () => bob.connection.kind === 'reconnecting');
    const line = bob.sendChat('written during the cut', null);
    await until('Bob back', () => bob.connection.kind === 'connected', 20_000);
    assert.equal(await line, true, 'the chat request was answered after the resume');
    assert.equal(bob.state, 'joined');
    assert.equal(bob.self!.id, bobId, 'the same participant');
    assert.deepEqual(states.slice(0, 2), ['reconnecting', 'connected']);
    await until('the line at Ada', () => ada.chat.some((c) => c.text === 'written during the cut'));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(ada.chat.filter((c) => c.text === 'written during the cut').length, 1, 'once');
    assert.equal(bob.chat.filter((c) => c.text === 'written during the cut').length, 1, 'once on Bob’s side too');
    assert.equal(ada.remotes.get(bobId)?.info.reconnecting, false, 'Ada sees Bob back, not a new person');
    assert.equal(ada.remotes.size, 1);
  });

  test('past the grace period the session gives up with resume.expired, and the others see the person leave', async () => {
    const ada = sessions[0]!;
    const bob = sessions[1]!;
    const bobId = bob.self!.id;
    // Bob's network is gone for good: his socket dies, and every new one finds nobody.
    const mine = openSockets().at(-1)!;
    (globalThis as { WebSocket?: unknown }).WebSocket = class extends NodeWebSocket {
      constructor() {
        super('ws://127.0.0.1:9/unreachable');
      }
    };
    try {
      mine.terminate();
      await until('gave up', () => bob.state === 'disconnected', 30_000);
      assert.equal(bob.error?.code, 'resume.expired');
      await until('Ada sees the person leave', () => !ada.remotes.has(bobId), 15_000);
    } finally {
      (globalThis as { WebSocket?: unknown }).WebSocket = RecordedWebSocket;
    }
  });
});

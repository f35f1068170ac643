import type { ClientMessageType } from './signaling.ts';

/*
 * Examples of the signaling protocol for tests (the protocol's own and the signaling fuzzer's):
 * not part of the package's entry point, so that no bundle carries them.
 */

/** One valid example of every client message type (the `satisfies` keeps the list complete). */
export const CLIENT_MESSAGE_EXAMPLES: Record<ClientMessageType, Record<string, unknown>> = {
  join: { type: 'join', rid: 1, meetingId: 'abc-defg-hjk', name: 'Ada Lovelace', audio: true, video: false },
  publish: { type: 'publish', rid: 2, sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' },
  'subscribe-answer': { type: 'subscribe-answer', rid: 3, negotiationId: 0, sdp: 'v=0\r\n' },
  trickle: { type: 'trickle', target: 'publisher', candidate: { candidate: 'candidate:1 1 udp 2122260223 10.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } },
  'set-media': { type: 'set-media', rid: 4, audio: false, video: true },
  leave: { type: 'leave', rid: 5 },
  resume: { type: 'resume', rid: 5, meetingId: 'abc-defg-hjk', credential: 'A'.repeat(43), clientId: 'browser-id-123456', lastSeq: 42 },
  'media-restart': { type: 'media-restart', rid: 5 },
  'ice-restart': { type: 'ice-restart', rid: 5 },
  'end-meeting': { type: 'end-meeting', rid: 6 },
  ping: { type: 'ping', rid: 7 },
  admit: { type: 'admit', rid: 8, participantId: 'w1' },
  deny: { type: 'deny', rid: 9, participantId: 'w1' },
  'mute-participant': { type: 'mute-participant', rid: 10, participantId: 'p2' },
  'mute-all': { type: 'mute-all', rid: 11, allowUnmute: false },
  'ask-unmute': { type: 'ask-unmute', rid: 12, participantId: 'p2' },
  'stop-video': { type: 'stop-video', rid: 13, participantId: 'p2' },
  'remove-participant': { type: 'remove-participant', rid: 14, participantId: 'p2' },
  'set-role': { type: 'set-role', rid: 15, participantId: 'p2', role: 'cohost' },
  rename: { type: 'rename', rid: 16, participantId: 'p2', name: 'Grace Hopper' },
  'set-view': { type: 'set-view', rid: 25, videos: ['p2', 'p3'], large: ['p2'] },
  'share-start': { type: 'share-start', rid: 26 },
  'share-stop': { type: 'share-stop', rid: 27 },
  'poll-launch': { type: 'poll-launch', rid: 28, poll: { question: 'Ready?', kind: 'single', options: ['Yes', 'No'], anonymous: true } },
  'poll-vote': { type: 'poll-vote', rid: 29, pollId: 'q1', choices: [0] },
  'poll-close': { type: 'poll-close', rid: 30, pollId: 'q1' },
  'poll-share': { type: 'poll-share', rid: 31, pollId: 'q1' },
  'set-lock': { type: 'set-lock', rid: 17, locked: true },
  'set-permissions': { type: 'set-permissions', rid: 18, permissions: { allowChat: false, allowUnmute: true } },
  spotlight: { type: 'spotlight', rid: 19, participantId: 'p2' },
  'chat-send': { type: 'chat-send', rid: 20, text: 'Hello <b>all</b>', to: 'p2' },
  'raise-hand': { type: 'raise-hand', rid: 21 },
  'lower-hand': { type: 'lower-hand', rid: 22, participantId: 'p2' },
  'lower-all-hands': { type: 'lower-all-hands', rid: 23 },
  react: { type: 'react', rid: 24, reaction: '👏' },
  present: { type: 'present', rid: 32, presentation: { kind: 'document', documentId: 'd1', view: { page: 2, zoom: 1.5, x: 0.5, y: 0.25 } } },
  'present-view': { type: 'present-view', rid: 33, view: { page: 3, zoom: 1, x: 0.5, y: 0.5 } },
  'present-stop': { type: 'present-stop', rid: 34 },
  'document-update': { type: 'document-update', rid: 35, documentId: 'd1', downloadable: true },
  'document-remove': { type: 'document-remove', rid: 36, documentId: 'd1' },
  'breakout-rooms': { type: 'breakout-rooms', rid: 37, rooms: [{ name: 'Group A' }, { id: 'r2', name: 'Group B' }] },
  'breakout-assign': { type: 'breakout-assign', rid: 38, participantId: 'p2', roomId: 'r2' },
  'breakout-shuffle': { type: 'breakout-shuffle', rid: 39 },
  'breakout-open': { type: 'breakout-open', rid: 40, seconds: 600, allowChoose: false },
  'breakout-close': { type: 'breakout-close', rid: 41, countdown: 10 },
  'breakout-enter': { type: 'breakout-enter', rid: 42, roomId: null },
  'breakout-help': { type: 'breakout-help', rid: 43 },
  'breakout-broadcast': { type: 'breakout-broadcast', rid: 44, text: 'Five minutes left' },
  'recording-start': { type: 'recording-start', rid: 45 },
  'recording-stop': { type: 'recording-stop', rid: 46 },
  'local-recording': { type: 'local-recording', rid: 47, active: true },
  'recording-pause': { type: 'recording-pause', rid: 48, paused: true },
  annotate: { type: 'annotate', surface: 'doc:d1:2', op: { kind: 'put', stroke: { id: 's1', tool: 'pen', width: 0.004, points: [[0.1, 0.2], [0.3, 0.4]] } } },
} satisfies Record<ClientMessageType, Record<string, unknown>>;

/** mulberry32: a small seeded PRNG, so that a failing run (the parser's robustness test, the fuzzer) replays from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ServerMessage } from '@amphi/protocol';
import type { ParticipantChannel } from '../ports/ParticipantChannel.ts';
import { canTransition, Participant, type MediaState } from './Participant.ts';

const STATES = ['waiting-media', 'ready', 'publishing', 'live', 'left'] as const satisfies readonly MediaState[];
// Compile-time check that STATES lists every MediaState.
const everyState: [Exclude<MediaState, (typeof STATES)[number]>] extends [never] ? true : false = true;
void everyState;

/**
 * The lifecycle as specified (Participant.ts doc comment), written out independently of the
 * implementation's table so that a change to either shows up here.
 */
const ALLOWED: Record<MediaState, readonly MediaState[]> = {
  'waiting-media': ['ready', 'left'],
  ready: ['publishing', 'waiting-media', 'left'],
  // publishing → ready: the media server refused the offer; the browser may try again.
  publishing: ['live', 'ready', 'waiting-media', 'left'],
  // No live → publishing: Janus reports a publisher up once per PeerConnection, so a second
  // offer on a live connection would never become live again. New media means a new connection.
  live: ['waiting-media', 'left'],
  left: [],
};

/** Allowed moves from a fresh participant to each state. */
const PATH_TO: Record<MediaState, readonly MediaState[]> = {
  'waiting-media': [],
  ready: ['ready'],
  publishing: ['ready', 'publishing'],
  live: ['ready', 'publishing', 'live'],
  left: ['left'],
};

const silentChannel: ParticipantChannel = {
  send(_message: ServerMessage) {},
  close() {},
};

function participantIn(state: MediaState): Participant {
  const p = new Participant('Ada', 'participant', undefined, undefined, silentChannel, { audio: true, video: true });
  for (const step of PATH_TO[state]) assert.ok(p.transition(step), `setting up ${state}: ${p.state} → ${step}`);
  assert.equal(p.state, state);
  return p;
}

describe('Participant media state machine', () => {
  test('a new participant waits for media', () => {
    const p = new Participant('Ada', 'host', 'u1', 'client-ada-0123456789', silentChannel, { audio: false, video: true });
    assert.equal(p.state, 'waiting-media');
  });

  for (const from of STATES) {
    for (const to of STATES) {
      const allowed = ALLOWED[from].includes(to);
      test(`${from} → ${to} is ${allowed ? 'allowed' : 'refused'}`, () => {
        assert.equal(canTransition(from, to), allowed);
        const p = participantIn(from);
        assert.equal(p.transition(to), allowed);
        assert.equal(p.state, allowed ? to : from, 'a refused transition leaves the state unchanged');
      });
    }
  }

  test('no state moves to itself (a repeated event is refused, not re-applied)', () => {
    for (const s of STATES) assert.equal(canTransition(s, s), false, s);
  });

  test("'left' is terminal: nothing leads out of it", () => {
    const p = participantIn('left');
    for (const to of STATES) assert.equal(p.transition(to), false, to);
    assert.equal(p.state, 'left');
  });

  test("every state can reach 'left'", () => {
    for (const s of STATES) if (s !== 'left') assert.ok(canTransition(s, 'left'), s);
  });

  test('info() reflects name, role, what is being sent and the raised hand', () => {
    const p = new Participant('Ada', 'host', 'u1', 'client-ada-0123456789', silentChannel, { audio: false, video: true });
    assert.deepEqual(p.info(), { id: p.id, name: 'Ada', role: 'host', audio: false, video: true, hand: null, sharing: false, color: p.color, room: null, recordingLocally: false, reconnecting: false });
    p.audio = true;
    p.hand = 3;
    p.name = 'Ada L.';
    p.role = 'cohost';
    assert.deepEqual(p.info(), { id: p.id, name: 'Ada L.', role: 'cohost', audio: true, video: true, hand: 3, sharing: false, color: p.color, room: null, recordingLocally: false, reconnecting: false });
    assert.notEqual(new Participant('Ada', 'host', 'u1', 'client-ada-0123456789', silentChannel, { audio: true, video: true }).id, p.id);
  });

  test('keeps who they are (account, browser) and may be given an id (an admitted waiter keeps theirs)', () => {
    const p = new Participant('Ada', 'participant', 'u1', 'client-ada-0123456789', silentChannel, { audio: true, video: true }, 'waiter-id-1');
    assert.equal(p.id, 'waiter-id-1');
    assert.equal(p.userId, 'u1');
    assert.equal(p.clientId, 'client-ada-0123456789');
    assert.equal(p.hand, null);
    assert.equal(p.unmuteGranted, false);
  });
});

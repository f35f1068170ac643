// Every signaling action × every role, table-driven (issue 15): each client message type is sent
// by someone not joined, a guest in the waiting room, a participant, a co-host, the host, and the
// host of another meeting, each through a real SignalingConnection over a fresh meeting. Allowed
// exactly where the table (the README's "Roles and host controls", "Polls", "Presenting"…) says;
// denied (auth.forbidden, or "join a meeting first") everywhere else. A message type without a
// row fails the test: a new action is decided here, deny by default.
import { EventEmitter } from 'node:events';
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type WebSocket from 'ws';
import { CLIENT_MESSAGE_TYPES, type ClientMessageType } from '@amphi/protocol';
import { CLIENT_MESSAGE_EXAMPLES } from '../../../protocol/src/examples.ts';
import { createLogger } from '../Logger.ts';
import { cleanUpWorlds, MEETING_ID, OWNER_ID, TEST_SETTINGS, World } from '../domain/testing/fakes.ts';
import { SignalingConnection, type ConnectionIdentity } from './SignalingConnection.ts';

afterEach(cleanUpWorlds);

type Role = 'anonymous' | 'waiting' | 'participant' | 'cohost' | 'host' | 'otherHost';
const ROLES: Role[] = ['anonymous', 'waiting', 'participant', 'cohost', 'host', 'otherHost'];
const OTHER_MEETING = 'xyz-wxyz-xyz';

/** A WebSocket as SignalingConnection sees it, in memory. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  readonly sent: Record<string, unknown>[] = [];
  closedWith: number | undefined;
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code: number): void {
    if (this.readyState !== 1) return;
    this.readyState = 3;
    this.closedWith = code;
    this.emit('close', code);
  }
  ping(): void {}
  terminate(): void {
    this.close(1006);
  }
}

class Client {
  readonly socket = new FakeSocket();
  #rid = 1000;
  constructor(world: World, identity: ConnectionIdentity) {
    new SignalingConnection(this.socket as unknown as WebSocket, identity, world.registry, createLogger('silent'));
  }
  /** Sends a frame and waits for what answers it: the reply with its rid, or (quiet messages) an error or nothing. */
  async send(message: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
    const rid = 'rid' in message ? this.#rid++ : undefined;
    const from = this.socket.sent.length;
    this.socket.emit('message', Buffer.from(JSON.stringify(rid === undefined ? message : { ...message, rid })), false);
    const deadline = Date.now() + (rid === undefined ? 50 : 2_000);
    while (Date.now() < deadline) {
      const answer = this.socket.sent.slice(from).find((m) => (rid !== undefined ? m.rid === rid : m.type === 'error'));
      if (answer) return answer;
      await new Promise((r) => setTimeout(r, 2));
    }
    return undefined;
  }
  last(type: string): Record<string, unknown> | undefined {
    return this.socket.sent.findLast((m) => m.type === type);
  }
}

/** A meeting under way: its host, a co-host, a participant, a target, a guest waiting, and another meeting's host. */
async function meeting() {
  const w = new World({ settings: { waitingRoom: true } });
  w.directory.meetings.set(OTHER_MEETING, { id: OTHER_MEETING, title: 'Another class', ownerId: 'user-olga', settings: TEST_SETTINGS });
  const staff = { isStaff: true, licensed: true };
  const join = async (c: Client, meetingId: string, name: string) => c.send({ type: 'join', rid: 0, meetingId, name, audio: false, video: false });
  const host = new Client(w, { userId: OWNER_ID, ...staff });
  const hostJoined = await join(host, MEETING_ID, 'Olive');
  const cohost = new Client(w, { userId: 'user-cora', ...staff });
  const coraId = ((await join(cohost, MEETING_ID, 'Cora'))!.self as { id: string }).id;
  const participant = new Client(w, { userId: 'user-pat', ...staff });
  await join(participant, MEETING_ID, 'Pat');
  const target = new Client(w, { userId: 'user-tom', ...staff });
  const tomId = ((await join(target, MEETING_ID, 'Tom'))!.self as { id: string }).id;
  const waiting = new Client(w, { userId: undefined });
  assert.equal((await join(waiting, MEETING_ID, 'Gus'))?.type, 'waiting');
  const otherHost = new Client(w, { userId: 'user-olga', ...staff });
  await join(otherHost, OTHER_MEETING, 'Olga');
  const anonymous = new Client(w, { userId: undefined });
  assert.equal((await host.send({ type: 'set-role', rid: 0, participantId: coraId, role: 'cohost' }))?.type, 'ok');
  await host.send({ type: 'poll-launch', rid: 0, poll: { question: 'Ready?', kind: 'single', options: ['Yes', 'No'], anonymous: true } });
  const live = w.registry.get(MEETING_ID)!;
  const tom = live.participant(tomId)!;
  const doc = live.documents.add(tom, { id: 'doc-tom', name: 'notes.pdf', pages: 2 });
  const ids = {
    host: (hostJoined!.self as { id: string }).id,
    target: tomId,
    waiter: live.waitingList()[0]!.id,
    poll: (host.last('poll')!.poll as { id: string }).id,
    document: doc.id,
  };
  return { clients: { anonymous, waiting, participant, cohost, host, otherHost } satisfies Record<Role, Client>, ids };
}

/** The example of a type, aimed at this meeting's people, poll and document. */
function aimed(type: ClientMessageType, ids: Awaited<ReturnType<typeof meeting>>['ids']): Record<string, unknown> {
  const m: Record<string, unknown> = structuredClone(CLIENT_MESSAGE_EXAMPLES[type]);
  if ('participantId' in m) m.participantId = type === 'admit' || type === 'deny' ? ids.waiter : ids.target;
  if ('pollId' in m) m.pollId = ids.poll;
  if ('documentId' in m) m.documentId = ids.document;
  if (type === 'chat-send') m.to = ids.target;
  if (type === 'present') m.presentation = { kind: 'whiteboard' };
  if (type === 'annotate') m.surface = 'board';
  if ('meetingId' in m) m.meetingId = MEETING_ID;
  return m;
}

/** Who may: J anyone joined (participant, co-host, host), M hosts and co-hosts, H the host alone. */
const J: Role[] = ['participant', 'cohost', 'host'];
const M: Role[] = ['cohost', 'host'];
const H: Role[] = ['host'];
/**
 * The table. Defaults a meeting starts with: participants may unmute, chat, share, rename
 * themselves and draw; local recording needs the host's leave. `null`: not a permission
 * question (join and resume have their own tests: Admission, Resume).
 */
const ALLOWED: Record<ClientMessageType, Role[] | null> = {
  join: null,
  resume: null,
  ping: ROLES,
  leave: ['waiting', ...J],
  publish: J,
  'subscribe-answer': J,
  trickle: J,
  'ice-restart': J,
  'media-restart': J,
  'set-media': J,
  'set-view': J,
  'end-meeting': H,
  admit: M,
  deny: M,
  'mute-participant': M,
  'mute-all': M,
  'ask-unmute': M,
  'stop-video': M,
  'remove-participant': M,
  'set-role': H,
  rename: M,
  'set-lock': M,
  'set-permissions': M,
  spotlight: M,
  'chat-send': J,
  'raise-hand': J,
  'lower-hand': M,
  'lower-all-hands': M,
  react: J,
  'share-start': J,
  'share-stop': J,
  'poll-launch': M,
  'poll-vote': J,
  'poll-close': M,
  'poll-share': M,
  present: J,
  'present-view': J,
  'present-stop': J,
  'document-update': M,
  'document-remove': M,
  'breakout-rooms': M,
  'breakout-assign': M,
  'breakout-shuffle': M,
  'breakout-open': M,
  'breakout-close': M,
  // Back to the main room (roomId null) is anyone's; entering a room is the hosts' unless they let people choose (Breakouts tests).
  'breakout-enter': J,
  'breakout-help': J,
  'breakout-broadcast': M,
  'recording-start': M,
  'recording-stop': M,
  'recording-pause': M,
  'local-recording': M,
  annotate: J,
};

/** Denied: refused for the role, or for not being in a meeting. Anything else got past the permission check. */
function denied(answer: Record<string, unknown> | undefined): boolean {
  if (answer?.type !== 'error') return false;
  return answer.code === 'auth.forbidden' || (answer.code === 'protocol.out_of_order' && /join a meeting first|already waiting|not joined/.test(String(answer.message)));
}

describe('signaling: every action × every role', () => {
  test('the table has a row for every client message type (a new one is denied until decided here)', () => {
    assert.deepEqual(Object.keys(ALLOWED).sort(), [...CLIENT_MESSAGE_TYPES].sort());
  });

  for (const type of CLIENT_MESSAGE_TYPES) {
    const allowed = ALLOWED[type];
    if (allowed === null) continue;
    test(type, async () => {
      const wrong: string[] = [];
      for (const role of ROLES) {
        const { clients, ids } = await meeting();
        const message = aimed(type, ids);
        // Another meeting's host acts in their own meeting: on this meeting's people, nothing.
        if (role === 'otherHost' && !['participantId', 'pollId', 'documentId'].some((k) => k in message)) continue;
        const answer = await clients[role].send(message);
        const expectAllowed = allowed.includes(role) && role !== 'otherHost';
        const isDenied = role === 'otherHost' ? answer?.type === 'error' : denied(answer);
        if (expectAllowed === isDenied) wrong.push(`${role}: expected ${expectAllowed ? 'allowed' : 'denied'}, got ${JSON.stringify(answer)?.slice(0, 160)}`);
        else if (answer?.code === 'internal' || (answer === undefined && 'rid' in message)) wrong.push(`${role}: ${answer ? 'internal error' : 'no answer'}`);
        if (process.env.AMPHI_MATRIX_LOG) console.log(`# ${type} × ${role}: ${JSON.stringify(answer)?.slice(0, 120)}`);
        cleanUpWorlds();
      }
      assert.deepEqual(wrong, []);
    });
  }

  test('once the host forbids chat, sharing and drawing, participants may not (the co-hosts and host still may)', async () => {
    const wrong: string[] = [];
    for (const type of ['chat-send', 'share-start', 'present', 'annotate'] as const) {
      for (const role of ['participant', 'cohost', 'host'] as const) {
        const { clients, ids } = await meeting();
        if (type === 'annotate') await clients.host.send({ type: 'present', rid: 0, presentation: { kind: 'whiteboard' } });
        assert.equal((await clients.host.send({ type: 'set-permissions', rid: 0, permissions: { allowChat: false, allowShare: false, allowAnnotate: false } }))?.type, 'ok');
        const answer = await clients[role].send(aimed(type, ids));
        if ((role === 'participant') !== denied(answer)) wrong.push(`${type} × ${role}: ${JSON.stringify(answer)?.slice(0, 160)}`);
        cleanUpWorlds();
      }
    }
    assert.deepEqual(wrong, []);
  });
});

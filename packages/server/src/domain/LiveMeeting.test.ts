import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { CLOSE_CODES } from '@amphi/protocol';
import { QUIET_AUDIO_LINES } from './LiveMeeting.ts';
import {
  cleanUpWorlds,
  deferred,
  flush,
  joinInput,
  MEETING_ID,
  MEETING_TITLE,
  OWNER_ID,
  rejectsWithCode,
  throwsWithCode,
  World,
  type Member,
} from './testing/fakes.ts';

afterEach(cleanUpWorlds);

// ---------------------------------------------------------------------------

describe('LiveMeeting: joining', () => {
  test('only the owner is host; others are participants', async () => {
    const w = new World();
    const owner = await w.join('Olive', OWNER_ID);
    const guest = await w.join('Gus', undefined);
    const other = await w.join('Ursula', 'user-someone-else');
    assert.equal(owner.participant.role, 'host');
    assert.equal(guest.participant.role, 'participant');
    assert.equal(other.participant.role, 'participant');
    assert.equal(owner.meeting, guest.meeting);
    assert.equal(owner.meeting.size, 3);
  });

  test('the newcomer first gets joined, with the rid of their join, themselves, the others, ICE servers, state and chat', async () => {
    const w = new World({ iceServers: [{ urls: 'turn:turn.test:3478', username: 'u', credential: 'c' }] });
    const a = await w.join('Ada', OWNER_ID, { rid: 7 });
    const b = await w.join('Bob', undefined, { rid: 42, audio: false, video: true });
    assert.equal(b.channel.sent[0]?.type, 'joined', 'joined comes before anything else');
    assert.deepEqual(b.channel.last('joined'), {
      type: 'joined',
      rid: 42,
      meeting: { id: MEETING_ID, title: MEETING_TITLE },
      self: { id: b.participant.id, name: 'Bob', role: 'participant', audio: false, video: true, hand: null, sharing: false, color: b.participant.color, room: null, recordingLocally: false, reconnecting: false },
      participants: [{ id: a.participant.id, name: 'Ada', role: 'host', audio: true, video: true, hand: null, sharing: false, color: a.participant.color, room: null, recordingLocally: false, reconnecting: false }],
      iceServers: [{ urls: 'turn:turn.test:3478', username: 'u', credential: 'c' }],
      state: { locked: false, spotlight: null, presentation: null, recording: { active: false, startedAt: null, paused: false }, permissions: { allowUnmute: true, allowChat: true, allowShare: true, allowRename: true, allowAnnotate: true, multiShare: false, allowLocalRecording: false } },
      chat: [],
      waiting: [],
      polls: [],
      voted: [],
      documents: [],
      breakouts: { status: 'idle', rooms: [], assignments: {}, suggestions: {}, allowChoose: false, endsAt: null, closingAt: null, boards: [] },
      staff: false,
      token: b.participant.token,
      resume: { credential: b.participant.resumeCredential, graceSeconds: 60 },
    });
    assert.equal(a.channel.last('joined').rid, 7);
    assert.equal(a.channel.ofType('joined').length, 1);
    assert.equal(b.channel.ofType('joined').length, 1);
  });

  test("the meeting state in joined comes from the meeting's settings", async () => {
    const w = new World({ settings: { allowUnmute: false, allowChat: false, allowShare: false, allowRename: true } });
    const a = await w.join('Ada', OWNER_ID);
    assert.deepEqual(a.channel.last('joined').state.permissions, { allowUnmute: false, allowChat: false, allowShare: false, allowRename: true, allowAnnotate: true, multiShare: false, allowLocalRecording: false });
  });

  test('those already there get participant-joined; the newcomer does not hear about itself', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    const b = await w.join('Bob');
    assert.deepEqual(a.channel.ofType('participant-joined'), [{ type: 'participant-joined', participant: b.participant.info() }]);
    assert.deepEqual(b.channel.ofType('participant-joined'), []);
    const c = await w.join('Cyd');
    assert.deepEqual(a.channel.ofType('participant-joined').map((m) => m.participant.id), [b.participant.id, c.participant.id]);
    assert.deepEqual(b.channel.ofType('participant-joined').map((m) => m.participant.id), [c.participant.id]);
  });

  test('media opens after join: one room for the meeting, one peer each, everyone ready', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    await flush();
    // LiveMeeting.join is synchronous so the caller can send `joined` before any media message.
    const result = a.meeting.join(joinInput('Bob'));
    assert.equal(result.kind, 'joined');
    if (result.kind !== 'joined') return;
    const bob = result.participant;
    assert.equal(bob.state, 'waiting-media', 'media opens asynchronously');
    assert.equal(bob.peer, undefined);
    await flush();
    assert.equal(w.media.rooms.length, 1);
    assert.equal(w.media.rooms[0]!.label, `amphi ${MEETING_ID}`);
    assert.deepEqual(w.media.rooms[0]!.peers.map((p) => p.display), ['Ada', 'Bob']);
    assert.equal(a.participant.state, 'ready');
    assert.equal(bob.state, 'ready');
  });

  test('two people joining at the same moment land in the same live meeting and media room', async () => {
    const w = new World();
    const [a, b] = await Promise.all([w.join('Ada', OWNER_ID), w.join('Bob')]);
    await flush();
    assert.equal(a.meeting, b.meeting);
    assert.equal(w.registry.get(MEETING_ID), a.meeting);
    assert.equal(a.meeting.size, 2);
    assert.equal(w.media.rooms.length, 1);
    assert.equal(w.media.rooms[0]!.peers.length, 2);
  });

  test('when the media server is down, the newcomer gets media.unavailable and cannot publish', async () => {
    const w = new World();
    w.media.available = false;
    const a = await w.join('Ada', OWNER_ID);
    await flush();
    assert.deepEqual(a.channel.ofType('error').map((m) => m.code), ['media.unavailable']);
    await rejectsWithCode(a.meeting.publish(a.participant, 'offer'), 'media.unavailable');
  });

  test('MeetingRegistry.join of an unknown meeting id is meeting.not_found', async () => {
    const w = new World();
    await rejectsWithCode(w.registry.join('zzz-zzzz-zzz', joinInput('Ada')), 'meeting.not_found');
    assert.equal(w.registry.get('zzz-zzzz-zzz'), undefined);
    assert.equal(w.media.rooms.length, 0);
  });
});

describe('LiveMeeting: publishing and subscribing', () => {
  test('publish hands the offer to the media server and returns its answer', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID, { audio: true, video: false });
    const answer = await a.meeting.publish(a.participant, 'offer-sdp-1');
    assert.equal(answer, 'answer to offer-sdp-1');
    assert.equal(a.participant.state, 'publishing');
    assert.deepEqual(w.peer(a).callsOf('publish'), [{ method: 'publish', sdp: 'offer-sdp-1', sending: { audio: true, video: false } }]);
  });

  test('publishing again while a publish is in progress is protocol.out_of_order', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    await a.meeting.publish(a.participant, 'offer');
    await rejectsWithCode(a.meeting.publish(a.participant, 'offer again'), 'protocol.out_of_order');
    assert.equal(w.peer(a).callsOf('publish').length, 1);
    assert.equal(a.participant.state, 'publishing');
  });

  test('a publish the media server refuses goes back to ready, and may be tried again', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    w.media.refusePublish = true;
    await rejectsWithCode(a.meeting.publish(a.participant, 'offer'), 'media.negotiation_failed');
    assert.equal(a.participant.state, 'ready');
    w.media.refusePublish = false;
    assert.equal(await a.meeting.publish(a.participant, 'offer 2'), 'answer to offer 2');
  });

  test('publisherUp makes the publisher live and every other participant gets a subscribe-offer', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    const b = await w.join('Bob');
    const c = await w.join('Cyd');
    await flush();
    await a.meeting.publish(a.participant, 'offer');
    const feed = w.peer(a).feedId!;
    assert.equal(b.channel.ofType('subscribe-offer').length, 0, 'nothing to receive before the publisher is up');

    w.peer(a).up();
    await flush();
    assert.equal(a.participant.state, 'live');
    for (const other of [b, c]) {
      assert.deepEqual(w.peer(other).callsOf('updateSubscription'), [{ method: 'updateSubscription', add: [feed], remove: [] }]);
      const offer = other.channel.last('subscribe-offer');
      assert.equal(offer.sdp, `subscription offer 1 for ${other.participant.name}`);
      assert.deepEqual(offer.streams, [
        { mid: `s${feed}-0`, participantId: a.participant.id, kind: 'audio' },
        { mid: `s${feed}-1`, participantId: a.participant.id, kind: 'video' },
      ]);
    }
    assert.deepEqual(a.channel.ofType('subscribe-offer'), [], 'the publisher does not receive itself');
  });

  test('the browser answer reaches the media server only for the offer that is waiting', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    const b = await w.join('Bob');
    await flush();
    await w.goLive(a);
    const offer = b.channel.last('subscribe-offer');

    await rejectsWithCode(a.meeting.answerSubscription(b.participant, offer.negotiationId + 1, 'stale answer'), 'protocol.out_of_order');
    assert.deepEqual(w.peer(b).callsOf('answerSubscription'), []);

    await a.meeting.answerSubscription(b.participant, offer.negotiationId, 'answer-sdp');
    await flush();
    assert.deepEqual(w.peer(b).callsOf('answerSubscription'), [{ method: 'answerSubscription', sdp: 'answer-sdp' }]);

    // The same offer cannot be answered twice.
    await rejectsWithCode(a.meeting.answerSubscription(b.participant, offer.negotiationId, 'answer-sdp'), 'protocol.out_of_order');
  });

  test('a repeated publisherUp does not renegotiate anyone', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    const b = await w.join('Bob');
    await flush();
    await w.goLive(a);
    await w.answerLatest(b);
    w.peer(a).up();
    await flush();
    assert.equal(b.channel.ofType('subscribe-offer').length, 1);
    assert.equal(w.peer(b).callsOf('updateSubscription').length, 1);
  });

  test('someone joining after a publisher is live is offered its feed once their media is open', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    await flush();
    await w.goLive(a);
    const late = await w.join('Lou');
    await flush();
    const offer = late.channel.last('subscribe-offer');
    assert.deepEqual(new Set(offer.streams.map((s) => s.participantId)), new Set([a.participant.id]));
  });

  test('offers to one subscriber come one at a time: the next waits for the answer', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    const b = await w.join('Bob');
    const c = await w.join('Cyd');
    await flush();
    await w.goLive(a);
    await w.goLive(b);
    // Cyd has an offer for Ada waiting; Bob going live must not send a second one yet.
    assert.equal(c.channel.ofType('subscribe-offer').length, 1);
    const first = await w.answerLatest(c);
    const second = c.channel.last('subscribe-offer');
    assert.ok(second.negotiationId > first.negotiationId);
    assert.deepEqual(new Set(second.streams.map((s) => s.participantId)), new Set([a.participant.id, b.participant.id]));
  });

  test('trickle candidates go to the participant peer, and the peer trickles back to the participant', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    await flush();
    const candidate = { candidate: 'candidate:1 1 udp 1 10.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    a.meeting.trickle(a.participant, 'publisher', candidate);
    assert.deepEqual(w.peer(a).callsOf('trickle'), [{ method: 'trickle', target: 'publisher', candidate }]);
    w.peer(a).emit('trickle', 'subscriber', null);
    assert.deepEqual(a.channel.ofType('trickle'), [{ type: 'trickle', target: 'subscriber', candidate: null }]);
  });
});

describe('LiveMeeting: set-media', () => {
  test('a publishing participant stops/starts sending and everyone is told', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    const b = await w.join('Bob');
    await flush();
    await w.goLive(a);
    await a.meeting.setMedia(a.participant, { audio: false, video: true });
    assert.deepEqual(w.peer(a).callsOf('setSending'), [{ method: 'setSending', sending: { audio: false, video: true } }]);
    const expected = { type: 'participant-updated', participant: { ...a.participant.info(), audio: false, video: true } };
    assert.deepEqual(a.channel.ofType('participant-updated'), [expected]);
    assert.deepEqual(b.channel.ofType('participant-updated'), [expected]);
    assert.equal(a.participant.audio, false);
  });

  test('before publishing there is nothing to relay: no setSending, but everyone is told', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    const b = await w.join('Bob');
    await flush();
    await a.meeting.setMedia(a.participant, { audio: false, video: false });
    assert.deepEqual(w.peer(a).callsOf('setSending'), []);
    assert.equal(b.channel.last('participant-updated').participant.video, false);
    // The choice is carried into the next publish.
    await a.meeting.publish(a.participant, 'offer');
    assert.deepEqual(w.peer(a).callsOf('publish')[0]!.sending, { audio: false, video: false });
  });
});

describe('LiveMeeting: leaving', () => {
  test('leave closes the peer, tells the others and removes the feed from their subscriptions', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    const b = await w.join('Bob');
    await flush();
    await w.goLive(a);
    await w.answerLatest(b);
    const peerA = w.peer(a);
    const feed = peerA.feedId!;

    a.meeting.leave(a.participant);
    await flush();
    assert.equal(a.participant.state, 'left');
    assert.equal(a.participant.peer, undefined);
    assert.deepEqual(peerA.callsOf('close'), [{ method: 'close' }]);
    assert.deepEqual(b.channel.ofType('participant-left'), [{ type: 'participant-left', participantId: a.participant.id }]);
    assert.deepEqual(a.channel.ofType('participant-left'), [], 'the one leaving is not told about itself');
    assert.deepEqual(w.peer(b).callsOf('updateSubscription').at(-1), { method: 'updateSubscription', add: [], remove: [feed] });
    assert.deepEqual(b.channel.last('subscribe-offer').streams, []);
    assert.deepEqual(b.participant.state, 'ready');
    assert.equal(a.meeting.size, 1);
  });

  test('leaving twice is harmless', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    const b = await w.join('Bob');
    await flush();
    const peerA = w.peer(a);
    a.meeting.leave(a.participant);
    a.meeting.leave(a.participant);
    await flush();
    assert.equal(peerA.callsOf('close').length, 1);
    assert.equal(b.channel.ofType('participant-left').length, 1);
  });

  test('the last one out closes the media room and the registry forgets the meeting', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    const b = await w.join('Bob');
    await flush();
    const meeting = a.meeting;
    assert.equal(w.registry.get(MEETING_ID), meeting);
    meeting.leave(a.participant);
    await flush();
    assert.equal(w.registry.get(MEETING_ID), meeting, 'still live while someone is in it');
    assert.equal(w.media.rooms[0]!.closeCalls, 0);

    meeting.leave(b.participant);
    await flush();
    assert.equal(w.registry.get(MEETING_ID), undefined);
    assert.equal(meeting.ended, true);
    assert.equal(w.media.rooms[0]!.closeCalls, 1);

    // Joining again starts a new live meeting with a new room.
    const again = await w.join('Ada', OWNER_ID);
    await flush();
    assert.notEqual(again.meeting, meeting);
    assert.equal(w.media.rooms.length, 2);
    assert.equal(again.participant.state, 'ready');
  });

  test('leaving before the media peer has opened closes the peer when it arrives', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    const b = await w.join('Bob');
    b.meeting.leave(b.participant); // before any flush: Bob's peer is still opening
    await flush();
    const bobPeer = w.media.rooms[0]!.peers.find((p) => p.display === 'Bob');
    assert.ok(bobPeer);
    assert.deepEqual(bobPeer.callsOf('close'), [{ method: 'close' }]);
    assert.equal(b.participant.peer, undefined);
    assert.deepEqual(b.channel.ofType('error'), [], 'no media error for someone who left');
    assert.equal(a.participant.state, 'ready');
  });
});

describe('LiveMeeting: ending', () => {
  test('a participant who is not host cannot end the meeting', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    const b = await w.join('Bob');
    await flush();
    throwsWithCode(() => b.meeting.end(b.participant), 'auth.forbidden');
    assert.equal(a.meeting.ended, false);
    assert.deepEqual([...a.channel.ofType('meeting-ended'), ...b.channel.ofType('meeting-ended')], []);
    assert.deepEqual([...a.channel.closes, ...b.channel.closes], []);
  });

  test('the host ends it: everyone gets meeting-ended, their channel closed with 4000, the meeting is gone', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    const b = await w.join('Bob');
    const c = await w.join('Cyd');
    await flush();
    await w.goLive(a);
    const meeting = a.meeting;
    const peers = [a, b, c].map((m) => w.peer(m));

    meeting.end(a.participant);
    await flush();
    assert.equal(CLOSE_CODES.meetingEnded, 4000);
    for (const m of [a, b, c]) {
      assert.deepEqual(m.channel.ofType('meeting-ended'), [{ type: 'meeting-ended', reason: 'ended-by-host', redirectUrl: null }], m.participant.name);
      assert.deepEqual(m.channel.closes, [{ code: 4000, reason: 'ended-by-host' }], m.participant.name);
      assert.deepEqual(m.channel.sentAfterClose, [], `${m.participant.name} got messages after their channel was closed`);
      assert.equal(m.participant.state, 'left');
    }
    for (const peer of peers) assert.equal(peer.callsOf('close').length, 1);
    assert.equal(meeting.ended, true);
    assert.equal(meeting.size, 0);
    assert.equal(w.registry.get(MEETING_ID), undefined);
    assert.equal(w.media.rooms[0]!.closeCalls, 1);
    throwsWithCode(() => meeting.join(joinInput('Late')), 'meeting.ended');
  });

  test('a co-host cannot end the meeting either', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    const b = await w.join('Bob');
    a.meeting.moderation.setRole(a.participant, b.participant.id, 'cohost');
    throwsWithCode(() => b.meeting.end(b.participant), 'auth.forbidden');
    assert.equal(a.meeting.ended, false);
    assert.deepEqual(a.channel.closes, []);
  });

  test("meeting-ended carries the meeting's redirect URL, which wins over the deployment's", async () => {
    const w = new World({ settings: { redirectUrl: 'https://univ.example/after' }, policy: { redirectUrl: 'https://deployment.example/bye' } });
    const a = await w.join('Ada', OWNER_ID);
    const b = await w.join('Bob');
    a.meeting.end(a.participant);
    for (const m of [a, b]) {
      assert.deepEqual(m.channel.ofType('meeting-ended'), [{ type: 'meeting-ended', reason: 'ended-by-host', redirectUrl: 'https://univ.example/after' }]);
    }
  });

  test("without a meeting redirect URL, meeting-ended carries the deployment's (also on shutdown)", async () => {
    const w = new World({ policy: { redirectUrl: 'https://deployment.example/bye' } });
    const a = await w.join('Ada', OWNER_ID);
    w.registry.shutdown();
    assert.deepEqual(a.channel.ofType('meeting-ended'), [{ type: 'meeting-ended', reason: 'server-shutdown', redirectUrl: 'https://deployment.example/bye' }]);
  });

  test('people in the waiting room are sent away too', async () => {
    const w = new World({ settings: { waitingRoom: true }, policy: { redirectUrl: 'https://deployment.example/bye' } });
    const a = await w.join('Ada', OWNER_ID);
    const g = await w.waits('Gus');
    const meeting = a.meeting;
    meeting.end(a.participant);
    await flush();
    assert.deepEqual(g.channel.types(), ['waiting', 'meeting-ended']);
    assert.deepEqual(g.channel.last('meeting-ended'), { type: 'meeting-ended', reason: 'ended-by-host', redirectUrl: 'https://deployment.example/bye' });
    assert.deepEqual(g.channel.closes, [{ code: CLOSE_CODES.meetingEnded, reason: 'ended-by-host' }]);
    assert.deepEqual(meeting.waitingList(), []);
    assert.equal(w.registry.get(MEETING_ID), undefined);
    // Nothing of the meeting reached the guest, and no media was opened for them.
    assert.equal(g.participant, undefined);
    assert.deepEqual(w.media.allPeers().map((p) => p.display), ['Ada']);
  });

  test('server shutdown sends everyone away with 4002', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    await flush();
    w.registry.shutdown();
    assert.deepEqual(a.channel.last('meeting-ended'), { type: 'meeting-ended', reason: 'server-shutdown', redirectUrl: null });
    assert.deepEqual(a.channel.closes, [{ code: CLOSE_CODES.serverShutdown, reason: 'server-shutdown' }]);
    assert.equal(w.registry.get(MEETING_ID), undefined);
  });
});

describe('LiveMeeting: media server restart', () => {
  test('down then reset: everyone gets media-reset, a new room and new peers open, publishing works again', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    const b = await w.join('Bob');
    await flush();
    await w.goLive(a);
    await w.goLive(b);
    await w.answerLatest(a);
    await w.answerLatest(b);
    const oldPeers = [w.peer(a), w.peer(b)];

    w.media.down();
    await flush();
    for (const m of [a, b]) {
      assert.equal(m.participant.state, 'waiting-media');
      assert.equal(m.participant.peer, undefined);
      assert.deepEqual(m.channel.ofType('media-reset'), [], 'media-reset waits for the media server to be back');
    }

    w.media.reset();
    await flush();
    assert.equal(w.media.rooms.length, 2, 'a new room');
    for (const m of [a, b]) {
      assert.deepEqual(m.channel.ofType('media-reset'), [{ type: 'media-reset' }]);
      assert.equal(m.participant.state, 'ready');
      const peer = w.peer(m);
      assert.equal(peer.room, w.media.rooms[1]);
      assert.ok(!oldPeers.includes(peer), 'a new peer');
    }
    // Events from a dead peer are ignored.
    oldPeers[0]!.up();
    await flush();
    assert.equal(a.participant.state, 'ready');

    // The clients publish again; subscriptions start over on the new peers.
    const offersBefore = b.channel.ofType('subscribe-offer').length;
    assert.equal(await a.meeting.publish(a.participant, 'offer after reset'), 'answer to offer after reset');
    w.peer(a).up();
    await flush();
    assert.equal(a.participant.state, 'live');
    const newFeed = w.peer(a).feedId!;
    assert.notEqual(newFeed, oldPeers[0]!.feedId);
    assert.equal(b.channel.ofType('subscribe-offer').length, offersBefore + 1);
    const offer = b.channel.last('subscribe-offer');
    assert.deepEqual(offer.streams.map((s) => s.participantId), [a.participant.id, a.participant.id]);
    assert.deepEqual(w.peer(b).callsOf('updateSubscription'), [{ method: 'updateSubscription', add: [newFeed], remove: [] }]);
    await w.answerLatest(b);
    assert.deepEqual(w.peer(b).callsOf('answerSubscription'), [{ method: 'answerSubscription', sdp: `answer to ${offer.sdp}` }]);
  });

  test('an offer still waiting when the media server goes down can no longer be answered', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    const b = await w.join('Bob');
    await flush();
    await w.goLive(a);
    const stale = b.channel.last('subscribe-offer');
    w.media.down();
    w.media.reset();
    await flush();
    await rejectsWithCode(b.meeting.answerSubscription(b.participant, stale.negotiationId, 'late answer'), 'protocol.out_of_order');
  });
});

// A renegotiation held inside the media server while the participant leaves or media restarts.
describe('LiveMeeting: renegotiation in flight', () => {
  test('someone who leaves while their subscription is being updated gets no offer afterwards', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    const b = await w.join('Bob');
    await flush();
    w.media.subscriptionGate = deferred();
    await w.goLive(a); // Bob's updateSubscription is now held in flight
    assert.equal(w.peer(b).callsOf('updateSubscription').length, 1);
    b.meeting.leave(b.participant);
    b.channel.close(CLOSE_CODES.left, 'left');
    w.media.subscriptionGate.resolve();
    w.media.subscriptionGate = undefined;
    await flush();
    assert.deepEqual(b.channel.sentAfterClose, []);
  });

  test('an offer from the dead media server is not sent after media-reset, and the new peer starts clean', async () => {
    const w = new World();
    const a = await w.join('Ada', OWNER_ID);
    const b = await w.join('Bob');
    await flush();
    w.media.subscriptionGate = deferred();
    await w.goLive(a); // Bob's updateSubscription on the old peer is held in flight
    const gate = w.media.subscriptionGate;
    w.media.subscriptionGate = undefined;
    w.media.down();
    w.media.reset();
    await flush();
    gate.resolve();
    await flush();
    const afterReset = b.channel.sent.slice(b.channel.sent.findIndex((m) => m.type === 'media-reset'));
    assert.deepEqual(afterReset.filter((m) => m.type === 'subscribe-offer'), [], 'stale offer sent after media-reset');

    await a.meeting.publish(a.participant, 'offer after reset');
    w.peer(a).up();
    await flush();
    assert.deepEqual(w.peer(b).callsOf('updateSubscription'), [{ method: 'updateSubscription', add: [w.peer(a).feedId!], remove: [] }]);
    const offer = await w.answerLatest(b);
    assert.deepEqual(w.peer(b).callsOf('answerSubscription'), [{ method: 'answerSubscription', sdp: `answer to ${offer.sdp}` }]);
  });
});

describe('who receives which videos', () => {
  test('everyone hears everyone, but receives only the videos their screen shows', async () => {
    const w = new World();
    const [ada, bob, cyd] = [await w.join('Ada'), await w.join('Bob'), await w.join('Cyd')];
    for (const m of [ada, bob, cyd]) await w.goLive(m);
    await w.settle(ada);
    const feed = (m: Member) => w.peer(m).feedId!;
    // Before Ada's client says what it shows, she gets the first videos (all, here).
    assert.deepEqual([...w.peer(ada).subscribedStreams].sort(), [`${feed(bob)}/0`, `${feed(bob)}/1`, `${feed(cyd)}/0`, `${feed(cyd)}/1`].sort());
    // Her gallery page shows only Bob: Cyd's video goes, Cyd's audio stays.
    ada.meeting.setView(ada.participant, [bob.participant.id]);
    await w.settle(ada);
    assert.deepEqual([...w.peer(ada).subscribedStreams].sort(), [`${feed(bob)}/0`, `${feed(bob)}/1`, `${feed(cyd)}/0`].sort());
    // Next page: Cyd.
    ada.meeting.setView(ada.participant, [cyd.participant.id]);
    await w.settle(ada);
    assert.deepEqual([...w.peer(ada).subscribedStreams].sort(), [`${feed(bob)}/0`, `${feed(cyd)}/0`, `${feed(cyd)}/1`].sort());
    const offer = ada.channel.last('subscribe-offer');
    assert.deepEqual(offer.streams.filter((s) => s.kind === 'video').map((s) => s.participantId), [cyd.participant.id]);
  });

  test('nobody receives more than 25 videos before saying what they show', async () => {
    const w = new World({ policy: { capacity: 300, redirectUrl: null } });
    const members: Member[] = [];
    for (let i = 0; i < 28; i++) members.push(await w.join(`P${i}`));
    for (const m of members) await w.goLive(m);
    const last = members.at(-1)!;
    await w.settle(last);
    const streams = [...w.peer(last).subscribedStreams];
    assert.equal(streams.filter((k) => k.endsWith('/0')).length, 27, 'audio from all 27 others');
    assert.equal(streams.filter((k) => k.endsWith('/1')).length, 25, 'video from 25');
  });
});

/** A live teacher and two live students with microphone and camera off, all settled. */
async function teacherAndTwoMuted(): Promise<{ w: World; teacher: Member; ada: Member; bob: Member }> {
  const w = new World();
  const teacher = await w.join('Teacher', OWNER_ID);
  const ada = await w.join('Ada', undefined, { audio: false, video: false });
  const bob = await w.join('Bob', undefined, { audio: false, video: false });
  for (const m of [teacher, ada, bob]) await w.goLive(m);
  for (const m of [teacher, ada, bob]) await w.settle(m);
  return { w, teacher, ada, bob };
}

describe('nothing grows with the square of a muted audience', () => {
  test('a viewer with microphone and camera off renegotiates nobody, and receives the presenter', async () => {
    const w = new World({ policy: { capacity: 300, redirectUrl: null } });
    const teacher = await w.join('Teacher', OWNER_ID);
    await w.goLive(teacher);
    const viewers: Member[] = [];
    for (let i = 0; i < 5; i++) {
      const v = await w.join(`V${i}`, undefined, { audio: false, video: false });
      await w.goLive(v);
      await w.settle(v);
      viewers.push(v);
    }
    const feed = w.peer(teacher).feedId!;
    for (const v of viewers) {
      assert.deepEqual([...w.peer(v).subscribedStreams].sort(), [`${feed}/0`, `${feed}/1`], `${v.participant.name} receives the teacher only`);
      assert.equal(v.channel.ofType('subscribe-offer').length, 1, `${v.participant.name} was offered once, for the teacher`);
    }
    assert.deepEqual(teacher.channel.ofType('subscribe-offer'), [], 'the teacher receives nothing from a muted audience');
  });

  test('unmuting adds the microphone to everyone; muting again keeps it, so speaking again renegotiates nobody', async () => {
    const { w, teacher, ada, bob } = await teacherAndTwoMuted();
    const adaFeed = w.peer(ada).feedId!;
    assert.ok(![...w.peer(bob).subscribedStreams].includes(`${adaFeed}/0`));

    await ada.meeting.setMedia(ada.participant, { audio: true, video: false });
    for (const m of [teacher, bob]) await w.settle(m);
    for (const m of [teacher, bob]) assert.ok([...w.peer(m).subscribedStreams].includes(`${adaFeed}/0`), `${m.participant.name} hears Ada`);
    assert.ok(![...w.peer(bob).subscribedStreams].includes(`${adaFeed}/1`), 'her camera was never on: no video m-line');

    const offers = bob.channel.ofType('subscribe-offer').length;
    await ada.meeting.setMedia(ada.participant, { audio: false, video: false });
    await ada.meeting.setMedia(ada.participant, { audio: true, video: false });
    await w.settle(bob);
    assert.equal(bob.channel.ofType('subscribe-offer').length, offers, 'mute and unmute again: no renegotiation');

    await ada.meeting.setMedia(ada.participant, { audio: true, video: true });
    await w.settle(bob);
    assert.ok([...w.peer(bob).subscribedStreams].includes(`${adaFeed}/1`), 'her camera on: Bob receives it');
  });

  test(`others keep the m-lines of the ${QUIET_AUDIO_LINES} most recently unmuted; the unmuted are always heard`, async () => {
    const w = new World({ policy: { capacity: 300, redirectUrl: null } });
    const people: Member[] = [];
    for (let i = 0; i < QUIET_AUDIO_LINES + 4; i++) people.push(await w.join(`P${i}`, undefined, { audio: false, video: false }));
    for (const m of people) await w.goLive(m);
    // Each takes a turn to speak, in order; the first stays unmuted.
    for (const [i, m] of people.entries()) {
      await m.meeting.setMedia(m.participant, { audio: true, video: false });
      if (i > 0) await m.meeting.setMedia(m.participant, { audio: false, video: false });
    }
    const late = await w.join('Late', undefined, { audio: false, video: false });
    await w.goLive(late);
    await w.settle(late);
    const heard = new Set([...w.peer(late).subscribedStreams].map((k) => Number(k.split('/')[0])));
    const feeds = people.map((m) => w.peer(m).feedId!);
    assert.equal(heard.size, QUIET_AUDIO_LINES + 1);
    assert.ok(heard.has(feeds[0]!), 'the one unmuted is heard, however long ago they unmuted');
    for (const f of feeds.slice(-QUIET_AUDIO_LINES)) assert.ok(heard.has(f), 'the most recent speakers are kept');
    for (const f of feeds.slice(1, 4)) assert.ok(!heard.has(f), 'the earliest speakers, muted since, are not');
  });

  test('a muted viewer leaving renegotiates nobody', async () => {
    const { w, teacher, ada, bob } = await teacherAndTwoMuted();
    const before = w.peer(bob).callsOf('updateSubscription').length;
    ada.meeting.leave(ada.participant);
    await flush();
    assert.equal(w.peer(bob).callsOf('updateSubscription').length, before);
  });
});

describe('camera layers follow the size of the tile', () => {
  test('a camera shown small gets the small layer; shown large again, the best one; neither renegotiates', async () => {
    const w = new World();
    const [ada, bob, cyd] = [await w.join('Ada'), await w.join('Bob'), await w.join('Cyd')];
    for (const m of [ada, bob, cyd]) await w.goLive(m);
    await w.settle(ada);
    const cam = (m: Member) => `${w.peer(m).feedId!}/1`;
    assert.equal(w.peer(ada).layers.get(cam(bob)), 'high', 'before the client says, the best layer');

    // Speaker view: Bob large, Cyd in the strip.
    const offers = ada.channel.ofType('subscribe-offer').length;
    ada.meeting.setView(ada.participant, [bob.participant.id, cyd.participant.id], [bob.participant.id]);
    await w.settle(ada);
    assert.equal(w.peer(ada).layers.get(cam(bob)), 'high');
    assert.equal(w.peer(ada).layers.get(cam(cyd)), 'low');
    assert.equal(ada.channel.ofType('subscribe-offer').length, offers, 'a layer switch is not a renegotiation');
    assert.deepEqual(w.peer(ada).callsOf('setLayers').at(-1), { method: 'setLayers', streams: [`${cam(cyd)}:low`] });

    // Cyd becomes the speaker.
    ada.meeting.setView(ada.participant, [bob.participant.id, cyd.participant.id], [cyd.participant.id]);
    await w.settle(ada);
    assert.equal(w.peer(ada).layers.get(cam(bob)), 'low');
    assert.equal(w.peer(ada).layers.get(cam(cyd)), 'high');
    assert.equal(ada.channel.ofType('subscribe-offer').length, offers);
  });

  test('a camera first subscribed while shown small is asked for in its small layer at once', async () => {
    const w = new World();
    const [ada, bob] = [await w.join('Ada'), await w.join('Bob', undefined, { audio: false, video: false })];
    for (const m of [ada, bob]) await w.goLive(m);
    await w.settle(ada);
    ada.meeting.setView(ada.participant, [bob.participant.id], []);
    await w.settle(ada);
    await bob.meeting.setMedia(bob.participant, { audio: false, video: true });
    await w.settle(ada);
    assert.equal(w.peer(ada).layers.get(`${w.peer(bob).feedId!}/1`), 'low');
    assert.deepEqual(w.peer(ada).callsOf('setLayers'), [], 'no switch needed: subscribed in the right layer');
  });

  test('screens are always received in full', async () => {
    const w = new World();
    const [ada, bob] = [await w.join('Ada'), await w.join('Bob')];
    for (const m of [ada, bob]) await w.goLive(m);
    await bob.meeting.publish(bob.participant, 'offer with screen', { video: '2' });
    bob.meeting.stage.startShare(bob.participant);
    await w.settle(ada);
    ada.meeting.setView(ada.participant, [bob.participant.id], []);
    await w.settle(ada);
    assert.equal(w.peer(ada).layers.get(`${w.peer(bob).feedId!}/2`), 'high');
    assert.equal(w.peer(ada).layers.get(`${w.peer(bob).feedId!}/1`), 'low');
  });
});

describe('sharing a screen', () => {
  test('a live publisher adds a screen; everyone receives it as a screen; one sharer at a time', async () => {
    const w = new World();
    const [ada, bob] = [await w.join('Ada'), await w.join('Bob')];
    for (const m of [ada, bob]) await w.goLive(m);
    await w.settle(bob);
    await rejectsWithCode(Promise.resolve().then(() => ada.meeting.stage.startShare(ada.participant)), 'protocol.out_of_order');
    // Renegotiation on the live connection: the screen m-line is "2"; Ada stays live.
    const answer = await ada.meeting.publish(ada.participant, 'offer with screen', { video: '2' });
    assert.equal(answer, 'answer to offer with screen');
    assert.equal(ada.participant.state, 'live');
    ada.meeting.stage.startShare(ada.participant);
    await w.settle(bob);
    const feed = w.peer(ada).feedId!;
    assert.ok(w.peer(bob).subscribedStreams.has(`${feed}/2`), 'Bob receives the screen');
    const screen = bob.channel.last('subscribe-offer').streams.find((s) => s.kind === 'screen');
    assert.equal(screen?.participantId, ada.participant.id);
    assert.equal(bob.channel.last('participant-updated').participant.sharing, true);
    // Bob takes over: Ada is told and her screen stops going out.
    await bob.meeting.publish(bob.participant, 'bob screen', { video: '2' });
    bob.meeting.stage.startShare(bob.participant);
    assert.deepEqual(ada.channel.last('moderated'), { type: 'moderated', action: 'share-stopped', by: 'Bob' });
    assert.equal(ada.participant.sharing, false);
    await w.settle(bob);
    assert.equal(w.peer(bob).subscribedStreams.has(`${feed}/2`), false);
  });

  test('someone who had published nothing shares at once; others receive the screen when the connection is up', async () => {
    const w = new World();
    const ada = await w.join('Ada');
    const bob = await w.join('Bob', undefined, { audio: false, video: false });
    await w.goLive(ada);
    await w.settle(ada);
    await flush();
    // Bob's first publish carries the screen: he may share before Janus says the connection is up.
    await bob.meeting.publish(bob.participant, 'first offer, with a screen', { video: '2' });
    assert.equal(bob.participant.state, 'publishing');
    bob.meeting.stage.startShare(bob.participant);
    await w.settle(ada);
    assert.ok(![...w.peer(ada).subscribedStreams].some((k) => k.startsWith(`${w.peer(bob).feedId!}/`)), 'nothing to receive before the connection is up');
    w.peer(bob).up();
    await w.settle(ada);
    assert.deepEqual([...w.peer(ada).subscribedStreams].filter((k) => k.startsWith(`${w.peer(bob).feedId!}/`)), [`${w.peer(bob).feedId!}/2`], 'the screen only: his microphone and camera were never on');
  });

  test('a shared tab’s sound goes to everyone with the screen, and stops with it', async () => {
    const w = new World();
    const [ada, bob] = [await w.join('Ada'), await w.join('Bob')];
    for (const m of [ada, bob]) await w.goLive(m);
    await w.settle(bob);
    await ada.meeting.publish(ada.participant, 'offer with a tab', { video: '2', audio: '3' });
    ada.meeting.stage.startShare(ada.participant);
    await w.settle(bob);
    const feed = w.peer(ada).feedId!;
    assert.ok(w.peer(bob).subscribedStreams.has(`${feed}/3`), 'Bob receives the tab’s sound');
    const kinds = bob.channel.last('subscribe-offer').streams.filter((s) => s.participantId === ada.participant.id).map((s) => s.kind).sort();
    assert.deepEqual(kinds, ['audio', 'screen', 'screen-audio', 'video']);
    ada.meeting.stage.stopShare(ada.participant);
    await w.settle(bob);
    assert.equal(w.peer(bob).subscribedStreams.has(`${feed}/3`), false);
  });

  test('participants may share only when the host allows it', async () => {
    const w = new World({ settings: { allowShare: false } });
    const [host, bob] = [await w.join('Olive', OWNER_ID), await w.join('Bob')];
    for (const m of [host, bob]) await w.goLive(m);
    await bob.meeting.publish(bob.participant, 'bob screen', { video: '2' });
    throwsWithCode(() => bob.meeting.stage.startShare(bob.participant), 'auth.forbidden');
    await host.meeting.publish(host.participant, 'host screen', { video: '2' });
    host.meeting.stage.startShare(host.participant);
    assert.equal(host.participant.sharing, true);
  });
});

describe('LiveMeeting: a renegotiation that overtakes the first publish', () => {
  test('a screen added while the first connection is still coming up waits for it instead of being refused', async () => {
    const w = new World();
    const ada = await w.join('Ada', OWNER_ID);
    await ada.meeting.publish(ada.participant, 'first offer');
    assert.equal(ada.participant.state, 'publishing');
    const adding = ada.meeting.publish(ada.participant, 'offer with a screen', { video: '2' });
    await flush();
    w.peer(ada).up();
    assert.ok(typeof (await adding) === 'string');
    assert.equal(ada.participant.state, 'live');
    assert.deepEqual(w.peer(ada).callsOf('publish').map((c) => c.sdp), ['first offer', 'offer with a screen']);
  });
});

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { CLOSE_CODES } from '@amphi/protocol';
import { AppError } from '../errors.ts';
import { cleanUpWorlds, clientIdFor, FakeChannel, flush, MEETING_ID, OWNER_ID, World, type Member } from './testing/fakes.ts';
import { OUTBOX_CAPACITY } from './Outbox.ts';

afterEach(cleanUpWorlds);

/** The seq of the last message a member's client saw (as the outbox numbered it). */
function lastSeqSeen(m: Member): number {
  return m.participant.channel.lastSeq;
}

function resume(w: World, m: Member, overrides: Partial<{ credential: string; clientId: string; lastSeq: number }> = {}) {
  const sink = new FakeChannel();
  const result = w.registry.resume(m.meeting.id, {
    credential: overrides.credential ?? m.participant.resumeCredential,
    clientId: overrides.clientId ?? m.participant.clientId!,
    lastSeq: overrides.lastSeq ?? lastSeqSeen(m),
    sink,
    rid: 3,
  });
  return { sink, result };
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
  return undefined;
}

describe('resuming after a lost connection', () => {
  test('a dropped connection leaves the participant reconnecting: others see a dimmed tile, not a departure', async () => {
    const w = new World();
    const ada = await w.join('Ada', OWNER_ID, { clientId: clientIdFor('ada') });
    const bob = await w.join('Bob', undefined, { clientId: clientIdFor('bob') });
    ada.meeting.disconnected(bob.participant, bob.channel);
    const update = ada.channel.last('participant-updated');
    assert.equal(update.participant.id, bob.participant.id);
    assert.equal(update.participant.reconnecting, true);
    assert.equal(ada.channel.ofType('participant-left').length, 0);
    assert.equal(ada.meeting.size, 2, 'their place is kept');
  });

  test('coming back: same participant, role and devices; a new credential; what was missed, in order, once', async () => {
    const w = new World();
    const ada = await w.join('Ada', OWNER_ID, { clientId: clientIdFor('ada') });
    const bob = await w.join('Bob', undefined, { clientId: clientIdFor('bob'), audio: false });
    const seenBefore = lastSeqSeen(bob);
    const credential = bob.participant.resumeCredential;
    bob.meeting.disconnected(bob.participant, bob.channel);
    const sentBefore = bob.channel.sent.length;
    ada.meeting.chat.send(ada.participant, 'while you were away', null);
    ada.meeting.moderation.setRole(ada.participant, bob.participant.id, 'cohost');
    assert.equal(bob.channel.sent.length, sentBefore, 'nothing reaches the dropped socket');

    const { sink, result } = resume(w, bob, { lastSeq: seenBefore });
    assert.equal(result?.participant, bob.participant, 'the same participant, not a new one');
    assert.equal(ada.meeting.size, 2);
    const resumed = sink.sent[0]!;
    assert.equal(resumed.type, 'resumed');
    assert.ok(resumed.type === 'resumed' && resumed.rid === 3 && resumed.snapshot === false);
    assert.ok(resumed.type === 'resumed' && resumed.credential === credential, 'the credential stays while the place is kept');
    const replayed = sink.sent.slice(1).map((m) => m.type);
    assert.ok(replayed.includes('chat') && replayed.includes('participant-updated'), `missed messages replayed: ${replayed}`);
    assert.equal(sink.ofType('chat').length, 1, 'the chat line comes once');
    assert.equal(bob.participant.role, 'cohost');
    assert.equal(bob.participant.audio, false, 'muted stays muted');
    const back = ada.channel.last('participant-updated').participant;
    assert.equal(back.id, bob.participant.id);
    assert.equal(back.reconnecting, false);
    assert.equal(ada.channel.ofType('participant-joined').length, 1, 'only Bob’s first arrival');
    // Messages go to the new connection from now on.
    ada.meeting.chat.react(ada.participant, '🎉');
    assert.equal(sink.last('reaction').reaction, '🎉');
  });

  test('a second tab presenting the credential while the connection is alive is refused, and makes no one new', async () => {
    const w = new World();
    await w.join('Ada', OWNER_ID, { clientId: clientIdFor('ada') });
    const bob = await w.join('Bob', undefined, { clientId: clientIdFor('bob') });
    const alive = Object.assign(new FakeChannel(), { idleMs: () => 0 });
    w.registry.resume(MEETING_ID, { credential: bob.participant.resumeCredential, clientId: bob.participant.clientId!, lastSeq: bob.participant.channel.lastSeq, sink: alive, rid: 1 });
    assert.equal(code(() => resume(w, bob)), 'resume.invalid');
    assert.equal(bob.meeting.size, 2);
    assert.deepEqual(alive.closes, [], 'the live connection goes on');
  });

  test('a resumed lost with its socket: the same credential works again, and the dead socket is left behind', async () => {
    const w = new World();
    await w.join('Ada', OWNER_ID, { clientId: clientIdFor('ada') });
    const bob = await w.join('Bob', undefined, { clientId: clientIdFor('bob') });
    const first = resume(w, bob);
    const again = resume(w, bob);
    assert.equal(again.result?.participant, bob.participant);
    assert.deepEqual(first.sink.closes.map((c) => c.code), [CLOSE_CODES.replaced]);
    assert.equal(bob.meeting.size, 2);
  });

  test('a credential is worthless in another browser, in another meeting, or forged', async () => {
    const w = new World();
    await w.join('Ada', OWNER_ID, { clientId: clientIdFor('ada') });
    const bob = await w.join('Bob', undefined, { clientId: clientIdFor('bob') });
    assert.equal(code(() => resume(w, bob, { clientId: clientIdFor('mallory') })), 'resume.invalid');
    assert.equal(code(() => resume(w, bob, { credential: 'A'.repeat(43) })), 'resume.invalid');
    assert.equal(code(() => w.registry.resume('other-meeting', { credential: bob.participant.resumeCredential, clientId: bob.participant.clientId!, lastSeq: 0, sink: new FakeChannel(), rid: 1 })), 'resume.expired');
    assert.equal(bob.meeting.size, 2);
    // The refused attempts did not use the credential up.
    assert.equal(resume(w, bob).result?.participant, bob.participant);
  });

  test('past the grace period they are gone as if they had left, and a late resume is told so', async () => {
    const w = new World({ policy: { resumeGraceSeconds: 0.05 } });
    const ada = await w.join('Ada', OWNER_ID, { clientId: clientIdFor('ada') });
    const bob = await w.join('Bob', undefined, { clientId: clientIdFor('bob') });
    bob.meeting.disconnected(bob.participant, bob.channel);
    await new Promise((r) => setTimeout(r, 120));
    assert.deepEqual(ada.channel.last('participant-left'), { type: 'participant-left', participantId: bob.participant.id });
    assert.equal(ada.meeting.size, 1);
    assert.equal(code(() => resume(w, bob)), 'resume.expired');
  });

  test('a resume within the grace period stops its clock', async () => {
    const w = new World({ policy: { resumeGraceSeconds: 0.05 } });
    const ada = await w.join('Ada', OWNER_ID, { clientId: clientIdFor('ada') });
    const bob = await w.join('Bob', undefined, { clientId: clientIdFor('bob') });
    bob.meeting.disconnected(bob.participant, bob.channel);
    resume(w, bob);
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(ada.channel.ofType('participant-left').length, 0);
    assert.equal(ada.meeting.size, 2);
  });

  test('someone removed while reconnecting cannot come back', async () => {
    const w = new World();
    const ada = await w.join('Ada', OWNER_ID, { clientId: clientIdFor('ada') });
    const bob = await w.join('Bob', undefined, { clientId: clientIdFor('bob') });
    bob.meeting.disconnected(bob.participant, bob.channel);
    ada.meeting.moderation.remove(ada.participant, bob.participant.id);
    assert.equal(code(() => resume(w, bob)), 'resume.expired');
    assert.equal(ada.meeting.size, 1);
  });

  test('a meeting ended meanwhile: the resuming client is told it ended, with the redirect, and its socket closes', async () => {
    const w = new World({ settings: { redirectUrl: 'https://univ.example/bye' } });
    const ada = await w.join('Ada', OWNER_ID, { clientId: clientIdFor('ada') });
    const bob = await w.join('Bob', undefined, { clientId: clientIdFor('bob') });
    bob.meeting.disconnected(bob.participant, bob.channel);
    ada.meeting.end(ada.participant);
    await flush();
    const { sink, result } = resume(w, bob);
    assert.equal(result, undefined);
    assert.deepEqual(sink.last('meeting-ended'), { type: 'meeting-ended', reason: 'ended-by-host', redirectUrl: 'https://univ.example/bye' });
    assert.deepEqual(sink.closes.map((c) => c.code), [CLOSE_CODES.meetingEnded]);
  });

  test('a newer connection takes over from one the server still thought open; the old one closing later changes nothing', async () => {
    const w = new World();
    const ada = await w.join('Ada', OWNER_ID, { clientId: clientIdFor('ada') });
    const bob = await w.join('Bob', undefined, { clientId: clientIdFor('bob') });
    const { sink } = resume(w, bob);
    assert.deepEqual(bob.channel.closes.map((c) => c.code), [CLOSE_CODES.replaced]);
    ada.meeting.disconnected(bob.participant, bob.channel);
    assert.equal(bob.participant.reconnecting, false, 'the replaced socket’s close is not a drop');
    ada.meeting.chat.react(ada.participant, '👍');
    assert.equal(sink.last('reaction').participantId, ada.participant.id);
  });

  test('too much missed: a fresh joined (the whole picture) and new media instead of a replay', async () => {
    const w = new World();
    const ada = await w.join('Ada', OWNER_ID, { clientId: clientIdFor('ada') });
    const bob = await w.join('Bob', undefined, { clientId: clientIdFor('bob') });
    await w.goLive(bob);
    const seen = lastSeqSeen(bob);
    bob.meeting.disconnected(bob.participant, bob.channel);
    for (let i = 0; i < OUTBOX_CAPACITY + 300; i++) ada.meeting.broadcast({ type: 'reaction', participantId: ada.participant.id, reaction: '👍' });
    const oldPeer = w.peer(bob);
    const { sink } = resume(w, bob, { lastSeq: seen });
    await flush();
    const resumed = sink.sent[0]!;
    assert.ok(resumed.type === 'resumed' && resumed.snapshot === true);
    const joined = sink.last('joined');
    assert.equal(joined.rid, undefined);
    assert.equal(joined.self.id, bob.participant.id);
    assert.deepEqual(joined.participants.map((p) => p.id), [ada.participant.id]);
    assert.equal(sink.ofType('reaction').length, 0, 'no partial replay');
    assert.equal(oldPeer.callsOf('close').length, 1, 'the old media is closed');
    assert.notEqual(w.peer(bob), oldPeer, 'new media is opened');
  });

  test('someone a host admitted, back after the grace period with the same browser, is not sent to the waiting room again', async () => {
    const w = new World({ settings: { waitingRoom: true }, policy: { resumeGraceSeconds: 0.05 } });
    const host = await w.join('Ada', OWNER_ID, { clientId: clientIdFor('ada') });
    const waiting = await w.waits('Gus', { clientId: clientIdFor('gus') });
    host.meeting.admit(host.participant, waiting.waiterId);
    const gus = waiting.member();
    gus.meeting.disconnected(gus.participant, gus.channel);
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(host.meeting.size, 1, 'the grace period is over');
    const again = await w.arrive('Gus', { clientId: clientIdFor('gus') });
    assert.equal(again.result.kind, 'joined', 'admitted this session: straight in');
    const other = await w.arrive('Gus', { clientId: clientIdFor('gus-other-browser') });
    assert.equal(other.result.kind, 'waiting', 'another browser waits as anyone would');
  });

  test('an ICE restart of the receiving connection: the same streams offered on new credentials, in turn with other offers', async () => {
    const w = new World();
    const ada = await w.join('Ada', OWNER_ID, { clientId: clientIdFor('ada') });
    const bob = await w.join('Bob', undefined, { clientId: clientIdFor('bob') });
    await w.goLive(ada);
    await w.goLive(bob);
    await w.settle(bob);
    const offers = bob.channel.ofType('subscribe-offer').length;
    bob.participant.subscription.restartIce();
    await flush();
    assert.equal(w.peer(bob).callsOf('restartSubscriberIce').length, 1);
    const offer = bob.channel.last('subscribe-offer');
    assert.equal(bob.channel.ofType('subscribe-offer').length, offers + 1);
    assert.match(offer.sdp, /^ice restart offer/);
    await w.answerLatest(bob);
    assert.equal(w.peer(bob).callsOf('answerSubscription').at(-1)?.sdp, `answer to ${offer.sdp}`);
  });
});

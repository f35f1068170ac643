// The waiting room: who waits, what they (do not) receive while waiting, and how hosts and
// co-hosts let them in or send them away.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { CLOSE_CODES } from '@amphi/protocol';
import { cleanUpWorlds, clientIdFor, FakeChannel, flush, joinInput, MEETING_ID, MEETING_TITLE, OWNER_ID, throwsWithCode, World, type Member } from './testing/fakes.ts';

afterEach(cleanUpWorlds);

const WAITING_ROOM = { settings: { waitingRoom: true } };

/** Owner (host), Cora (signed in, made co-host) and Pat (signed in, participant). */
async function staffedMeeting(w: World): Promise<{ host: Member; cohost: Member; plain: Member }> {
  const host = await w.join('Olive', OWNER_ID);
  const cohost = await w.join('Cora', 'user-cora');
  const plain = await w.join('Pat', 'user-pat');
  host.meeting.moderation.setRole(host.participant, cohost.participant.id, 'cohost');
  return { host, cohost, plain };
}

describe('waiting room: who waits', () => {
  test('a guest gets waiting, with the rid of their join, and does not become a participant', async () => {
    const w = new World(WAITING_ROOM);
    const host = await w.join('Olive', OWNER_ID);
    const g = await w.waits('Gus', { rid: 9 });
    assert.deepEqual(g.channel.sent, [{ type: 'waiting', rid: 9, meeting: { id: MEETING_ID, title: MEETING_TITLE } }]);
    assert.equal(g.onParticipantCalls, 0);
    assert.equal(host.meeting.size, 1);
    assert.deepEqual(host.meeting.participants(), [host.participant]);
    assert.deepEqual(host.meeting.waitingList().map((p) => [p.id, p.name]), [[g.waiterId, 'Gus']]);
  });

  test('signed-in users who are not the owner skip the waiting room', async () => {
    const w = new World(WAITING_ROOM);
    await w.join('Olive', OWNER_ID);
    const u = await w.join('Ursula', 'user-ursula');
    assert.equal(u.participant.role, 'participant');
    assert.deepEqual(u.meeting.waitingList(), []);
  });

  test('"everyone" mode (an interview panel): signed-in people wait too, except the organiser and the co-hosts named in advance (audit, hole 8)', async () => {
    const w = new World({ settings: { waitingRoom: true, waitingRoomEveryone: true, cohosts: ['panel@u.fr'] } });
    // A student with an account and the link arrives before the panel: she waits and sees nothing.
    const student = await w.arrive('Sam', { userId: 'user-sam', email: 'sam@u.fr' });
    assert.equal(student.result.kind, 'waiting');
    if (student.result.kind !== 'waiting') return;
    const waiterId = student.result.waiterId;
    assert.deepEqual(student.channel.types(), ['waiting']);
    // The panel member named in advance (signed in, any case of her email) walks in as co-host.
    const panel = await w.join('Paula', 'user-paula', { email: 'Panel@U.fr' });
    assert.equal(panel.participant.role, 'cohost');
    assert.deepEqual(panel.channel.last('joined').waiting.map((p) => p.name), ['Sam'], 'and sees who waits');
    // Typing that email is not enough: a guest who is not signed in waits as any guest does.
    await w.waits('Paula?', { email: 'panel@u.fr' });
    const host = await w.join('Olive', OWNER_ID);
    assert.equal(host.participant.role, 'host');
    panel.meeting.admit(panel.participant, waiterId);
    assert.equal(student.participant?.role, 'participant');
  });

  test('the co-hosts named in advance come in as co-hosts in any mode, and the default waiting room lets signed-in people in', async () => {
    const w = new World({ settings: { waitingRoom: true, cohosts: ['panel@u.fr'] } });
    assert.equal((await w.join('Paula', 'user-paula', { email: 'panel@u.fr' })).participant.role, 'cohost');
    assert.equal((await w.join('Ursula', 'user-ursula', { email: 'ursula@u.fr' })).participant.role, 'participant');
  });

  test('guests arriving before any host still wait; the host sees them in joined.waiting', async () => {
    const w = new World(WAITING_ROOM);
    const g1 = await w.waits('Gus');
    const g2 = await w.waits('Gwen');
    assert.equal(g1.meeting, g2.meeting);
    assert.equal(g1.meeting.size, 0);
    assert.equal(w.registry.get(MEETING_ID), g1.meeting, 'the meeting stays live while people wait');
    const host = await w.join('Olive', OWNER_ID);
    const waiting = host.channel.last('joined').waiting;
    assert.deepEqual(waiting.map((p) => [p.id, p.name]), [[g1.waiterId, 'Gus'], [g2.waiterId, 'Gwen']]);
    for (const p of waiting) assert.ok(!Number.isNaN(Date.parse(p.since)), p.since);
    // Guests are not told about the host, nor about each other.
    assert.deepEqual(g1.channel.types(), ['waiting']);
    assert.deepEqual(g2.channel.types(), ['waiting']);
  });

  test('joined.waiting lists who waits for hosts and co-hosts only', async () => {
    const w = new World(WAITING_ROOM);
    const g = await w.waits('Gus');
    const host = await w.join('Olive', OWNER_ID);
    const uma = await w.join('Uma', 'user-uma');
    assert.deepEqual(host.channel.last('joined').waiting.map((p) => p.id), [g.waiterId]);
    assert.deepEqual(uma.channel.last('joined').waiting, [], 'a participant does not learn who waits');
    assert.deepEqual(uma.channel.ofType('waiting-list'), []);
  });

  test('with the waiting room off, guests join directly', async () => {
    const w = new World({ settings: { waitingRoom: false } });
    const host = await w.join('Olive', OWNER_ID);
    const g = await w.join('Gus');
    assert.equal(g.participant.role, 'participant');
    assert.deepEqual(host.channel.ofType('waiting-list'), []);
    assert.deepEqual(host.channel.last('participant-joined').participant.id, g.participant.id);
  });

  test('hosts and co-hosts get waiting-list on every change; participants never do', async () => {
    const w = new World(WAITING_ROOM);
    const { host, cohost, plain } = await staffedMeeting(w);
    const g1 = await w.waits('Gus');
    const g2 = await w.waits('Gwen');
    for (const m of [host, cohost]) {
      const lists = m.channel.ofType('waiting-list').map((l) => l.waiting.map((p) => p.name));
      // Cora also got the (empty) list when she became co-host.
      assert.deepEqual(lists.slice(-2), [['Gus'], ['Gus', 'Gwen']], m.participant.name);
      assert.deepEqual(m.channel.last('waiting-list').waiting.map((p) => p.id), [g1.waiterId, g2.waiterId]);
    }
    assert.deepEqual(plain.channel.ofType('waiting-list'), []);
    assert.deepEqual(plain.channel.last('joined').waiting, [], 'participants do not see who waits');
  });

  test('a waiting guest receives nothing of the meeting until admitted', async () => {
    const w = new World(WAITING_ROOM);
    const { host, cohost, plain } = await staffedMeeting(w);
    await flush();
    await w.goLive(host);
    const g = await w.waits('Gus', { rid: 5 });

    // The meeting goes on around them: arrivals, media, chat, reactions, hands, state changes, departures.
    const late = await w.join('Lou', 'user-lou');
    await flush();
    await w.goLive(plain);
    w.peer(host).emit('trickle', 'publisher', null);
    host.meeting.chat.send(host.participant, 'hello everyone', null);
    host.meeting.chat.send(host.participant, 'psst', cohost.participant.id);
    host.meeting.chat.react(plain.participant, '👍');
    host.meeting.moderation.raiseHand(plain.participant);
    host.meeting.moderation.setLock(host.participant, true);
    host.meeting.moderation.setLock(host.participant, false);
    host.meeting.moderation.spotlight(host.participant, plain.participant.id);
    await host.meeting.moderation.mute(host.participant, plain.participant.id);
    const g2 = await w.waits('Gwen');
    host.meeting.leave(late.participant);
    await flush();

    assert.deepEqual(g.channel.sent, [{ type: 'waiting', rid: 5, meeting: { id: MEETING_ID, title: MEETING_TITLE } }]);
    assert.deepEqual(g.channel.closes, []);
    assert.deepEqual(g2.channel.types(), ['waiting']);
    assert.ok(!w.media.allPeers().some((p) => p.display === 'Gus'), 'no media peer for a waiting guest');

    // Admitted: now they hear about the meeting, starting with joined.
    host.meeting.admit(host.participant, g.waiterId);
    await flush();
    const types = g.channel.types();
    assert.deepEqual(types.slice(0, 2), ['waiting', 'joined']);
    const joined = g.channel.last('joined');
    assert.equal(joined.rid, 5, 'joined repeats the rid of the join');
    assert.equal(joined.chat.length, 1, 'the public chat so far');
    assert.deepEqual(joined.state.spotlight, plain.participant.id);
    assert.ok(g.channel.ofType('subscribe-offer').length > 0, 'and media follows');
  });
});

describe('waiting room: admit and deny', () => {
  test('admit: the guest gets joined and becomes a participant (keeping their id); others get participant-joined', async () => {
    const w = new World(WAITING_ROOM);
    const { host, cohost, plain } = await staffedMeeting(w);
    const g = await w.waits('Gus', { rid: 3, audio: false });
    const waiterId = g.waiterId;

    cohost.meeting.admit(cohost.participant, waiterId);
    assert.equal(g.onParticipantCalls, 1);
    const gus = g.member();
    assert.equal(gus.participant.id, waiterId);
    assert.equal(gus.participant.role, 'participant');
    assert.equal(gus.participant.audio, false);
    assert.equal(host.meeting.size, 4);
    assert.deepEqual(host.meeting.waitingList(), []);

    const joined = g.channel.last('joined');
    assert.equal(joined.rid, 3);
    assert.deepEqual(joined.self, gus.participant.info());
    assert.deepEqual(joined.participants.map((p) => p.name), ['Olive', 'Cora', 'Pat']);
    assert.deepEqual(joined.waiting, []);
    for (const m of [host, cohost, plain]) {
      assert.deepEqual(m.channel.last('participant-joined'), { type: 'participant-joined', participant: gus.participant.info() }, m.participant.name);
    }
    for (const m of [host, cohost]) assert.deepEqual(m.channel.last('waiting-list').waiting, []);
    assert.deepEqual(g.channel.ofType('participant-joined'), [], 'not told about themselves');

    await flush();
    assert.equal(gus.participant.state, 'ready', 'media opens once admitted');
  });

  test('onParticipant runs once, before joined is sent: at once for a direct join, on admission for a guest', async () => {
    const w = new World(WAITING_ROOM);
    const host = await w.join('Olive', OWNER_ID);
    const seen: { name: string; sentBefore: string[] }[] = [];
    const arrive = (name: string, userId: string | undefined) => {
      const channel = new FakeChannel();
      const result = host.meeting.join(
        joinInput(name, {
          userId,
          channel,
          onParticipant: (p) => {
            assert.equal(p.name, name);
            seen.push({ name, sentBefore: channel.types() });
          },
        }),
      );
      return { channel, result };
    };
    const uma = arrive('Uma', 'user-uma');
    assert.equal(uma.result.kind, 'joined');
    assert.deepEqual(seen, [{ name: 'Uma', sentBefore: [] }]);
    const gus = arrive('Gus', undefined);
    assert.equal(gus.result.kind, 'waiting');
    assert.equal(seen.length, 1, 'not while waiting');
    if (gus.result.kind !== 'waiting') return;
    host.meeting.admit(host.participant, gus.result.waiterId);
    assert.deepEqual(seen, [
      { name: 'Uma', sentBefore: [] },
      { name: 'Gus', sentBefore: ['waiting'] },
    ]);
    assert.deepEqual(gus.channel.types().slice(0, 2), ['waiting', 'joined']);
  });

  test("admit 'all' lets everyone waiting in, each with the rid of their own join", async () => {
    const w = new World(WAITING_ROOM);
    const host = await w.join('Olive', OWNER_ID);
    const g1 = await w.waits('Gus', { rid: 11 });
    const g2 = await w.waits('Gwen', { rid: 12 });
    host.meeting.admit(host.participant, 'all');
    assert.equal(host.meeting.size, 3);
    assert.deepEqual(host.meeting.waitingList(), []);
    assert.equal(g1.channel.last('joined').rid, 11);
    assert.equal(g2.channel.last('joined').rid, 12);
    assert.deepEqual(g2.channel.last('joined').participants.map((p) => p.name), ['Olive', 'Gus']);
    assert.deepEqual(g1.channel.ofType('participant-joined').map((m) => m.participant.name), ['Gwen']);
    assert.deepEqual(host.channel.last('waiting-list').waiting, []);
  });

  test('deny: the guest gets denied and their connection is closed with 4003; the list is updated', async () => {
    const w = new World(WAITING_ROOM);
    const { host, cohost } = await staffedMeeting(w);
    const g = await w.waits('Gus');
    const other = await w.waits('Gwen');
    host.meeting.deny(cohost.participant, g.waiterId);
    assert.deepEqual(g.channel.types(), ['waiting', 'denied']);
    assert.deepEqual(g.channel.closes, [{ code: CLOSE_CODES.denied, reason: 'denied' }]);
    assert.equal(CLOSE_CODES.denied, 4003);
    assert.equal(g.participant, undefined);
    assert.deepEqual(host.meeting.waitingList().map((p) => p.name), ['Gwen']);
    assert.deepEqual(host.channel.last('waiting-list').waiting.map((p) => p.id), [other.waiterId]);
    // Gone for good: they can no longer be admitted.
    throwsWithCode(() => host.meeting.admit(host.participant, g.waiterId), 'meeting.not_participant');
    assert.deepEqual(g.channel.types(), ['waiting', 'denied']);
  });

  test('admitting or denying someone who is not waiting is meeting.not_participant', async () => {
    const w = new World(WAITING_ROOM);
    const host = await w.join('Olive', OWNER_ID);
    const p = await w.join('Pat', 'user-pat');
    throwsWithCode(() => host.meeting.admit(host.participant, 'nobody'), 'meeting.not_participant');
    throwsWithCode(() => host.meeting.deny(host.participant, 'nobody'), 'meeting.not_participant');
    // A participant is not "waiting" either.
    throwsWithCode(() => host.meeting.deny(host.participant, p.participant.id), 'meeting.not_participant');
    assert.deepEqual(p.channel.closes, []);
  });

  test('a participant who is not a host or co-host cannot admit or deny: auth.forbidden, the guest keeps waiting', async () => {
    const w = new World(WAITING_ROOM);
    const { host, plain } = await staffedMeeting(w);
    const g = await w.waits('Gus');
    const listsBefore = host.channel.ofType('waiting-list').length;
    throwsWithCode(() => plain.meeting.admit(plain.participant, g.waiterId), 'auth.forbidden');
    throwsWithCode(() => plain.meeting.admit(plain.participant, 'all'), 'auth.forbidden');
    throwsWithCode(() => plain.meeting.deny(plain.participant, g.waiterId), 'auth.forbidden');
    assert.deepEqual(g.channel.types(), ['waiting']);
    assert.deepEqual(g.channel.closes, []);
    assert.equal(host.meeting.size, 3);
    assert.deepEqual(host.meeting.waitingList().map((p) => p.id), [g.waiterId]);
    assert.equal(host.channel.ofType('waiting-list').length, listsBefore);
  });

  test('a waiting guest who leaves (closes the page) is taken off the list', async () => {
    const w = new World(WAITING_ROOM);
    const host = await w.join('Olive', OWNER_ID);
    const g = await w.waits('Gus');
    const g2 = await w.waits('Gwen');
    host.meeting.leaveWaiting(g.waiterId);
    assert.deepEqual(host.meeting.waitingList().map((p) => p.name), ['Gwen']);
    assert.deepEqual(host.channel.last('waiting-list').waiting.map((p) => p.id), [g2.waiterId]);
    throwsWithCode(() => host.meeting.admit(host.participant, g.waiterId), 'meeting.not_participant');
    // Twice is harmless and tells nobody anything new.
    const lists = host.channel.ofType('waiting-list').length;
    host.meeting.leaveWaiting(g.waiterId);
    assert.equal(host.channel.ofType('waiting-list').length, lists);
  });

  test('a guest whose connection dropped while waiting comes back to their place in the queue, within the grace period', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const w = new World(WAITING_ROOM);
    const host = await w.join('Olive', OWNER_ID);
    const gus = await w.waits('Gus', { clientId: clientIdFor('gus') });
    t.mock.timers.tick(1_000);
    await w.waits('Gwen', { clientId: clientIdFor('gwen') });
    host.meeting.leaveWaiting(gus.waiterId);
    t.mock.timers.tick(5_000);
    await w.waits('Gus', { clientId: clientIdFor('gus') });
    assert.deepEqual(host.meeting.waitingList().map((p) => [p.name, p.since]), [
      ['Gus', new Date(1_000_000).toISOString()],
      ['Gwen', new Date(1_001_000).toISOString()],
    ]);
    // Past the grace period (60 s), the queue starts again for them.
    const again = host.meeting.waitingList().find((p) => p.name === 'Gus')!;
    host.meeting.leaveWaiting(again.id);
    t.mock.timers.tick(61_000);
    await w.waits('Gus', { clientId: clientIdFor('gus') });
    assert.deepEqual(host.meeting.waitingList().map((p) => p.name), ['Gwen', 'Gus']);
  });

  test('when the last waiting guest leaves an empty meeting, it closes', async () => {
    const w = new World(WAITING_ROOM);
    const g = await w.waits('Gus');
    const meeting = g.meeting;
    meeting.leaveWaiting(g.waiterId);
    await flush();
    assert.equal(meeting.ended, true);
    assert.equal(w.registry.get(MEETING_ID), undefined);
  });

  test('the last participant leaving does not close a meeting where people still wait', async () => {
    const w = new World(WAITING_ROOM);
    const host = await w.join('Olive', OWNER_ID);
    const g = await w.waits('Gus');
    host.meeting.leave(host.participant);
    await flush();
    assert.equal(host.meeting.ended, false);
    assert.equal(w.registry.get(MEETING_ID), host.meeting);
    // The owner comes back and lets them in.
    const again = await w.join('Olive', OWNER_ID);
    assert.equal(again.meeting, host.meeting);
    assert.deepEqual(again.channel.last('joined').waiting.map((p) => p.id), [g.waiterId]);
    again.meeting.admit(again.participant, g.waiterId);
    assert.ok(g.member());
  });

  test('someone made co-host gets the waiting list at once', async () => {
    const w = new World(WAITING_ROOM);
    const host = await w.join('Olive', OWNER_ID);
    const pat = await w.join('Pat', 'user-pat');
    const g = await w.waits('Gus');
    assert.deepEqual(pat.channel.ofType('waiting-list'), []);
    host.meeting.moderation.setRole(host.participant, pat.participant.id, 'cohost');
    assert.deepEqual(pat.channel.last('waiting-list').waiting.map((p) => p.id), [g.waiterId]);
    // And, now a co-host, may let people in.
    pat.meeting.admit(pat.participant, g.waiterId);
    assert.ok(g.member());
  });
});

// What hosts and co-hosts do to a live meeting: mute, ask to unmute, stop a camera, roles,
// rename, lock, permissions, spotlight, hands — and that nobody else can.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { ClientMessageType } from '@amphi/protocol';
import type { LiveMeeting } from './LiveMeeting.ts';
import type { Participant } from './Participant.ts';
import { cleanUpWorlds, clientIdFor, failsWithCode, flush, OWNER_ID, rejectsWithCode, throwsWithCode, World, type Arrival, type Member } from './testing/fakes.ts';

afterEach(cleanUpWorlds);

/** Olive (owner, host), Cora (co-host), Bob and Cyd (participants), everyone live. */
async function liveMeeting(w: World): Promise<{ host: Member; cohost: Member; bob: Member; cyd: Member; all: Member[] }> {
  const host = await w.join('Olive', OWNER_ID);
  const cohost = await w.join('Cora', 'user-cora');
  const bob = await w.join('Bob', undefined, { clientId: clientIdFor('Bob') });
  const cyd = await w.join('Cyd');
  host.meeting.moderation.setRole(host.participant, cohost.participant.id, 'cohost');
  await flush();
  for (const m of [host, cohost, bob, cyd]) await w.goLive(m);
  return { host, cohost, bob, cyd, all: [host, cohost, bob, cyd] };
}

describe('mute and stop video', () => {
  test('a host mutes someone: their audio stops at the media server, they are told, everyone sees it', async () => {
    const w = new World();
    const { host, bob, all } = await liveMeeting(w);
    await host.meeting.moderation.mute(host.participant, bob.participant.id);
    assert.equal(bob.participant.audio, false);
    assert.deepEqual(w.peer(bob).callsOf('setSending'), [{ method: 'setSending', sending: { audio: false, video: true } }]);
    assert.deepEqual(bob.channel.ofType('moderated'), [{ type: 'moderated', action: 'muted', by: 'Olive' }]);
    for (const m of all) assert.deepEqual(m.channel.last('participant-updated').participant, bob.participant.info(), m.participant.name);
    for (const m of all) if (m !== bob) assert.deepEqual(m.channel.ofType('moderated'), [], `${m.participant.name} is not told they were muted`);
  });

  test('muting someone already muted does nothing', async () => {
    const w = new World();
    const { host, bob } = await liveMeeting(w);
    await bob.meeting.setMedia(bob.participant, { audio: false, video: true });
    const sent = bob.channel.sent.length;
    await host.meeting.moderation.mute(host.participant, bob.participant.id);
    assert.equal(bob.channel.sent.length, sent);
    assert.equal(w.peer(bob).callsOf('setSending').length, 1);
  });

  test('muting someone who is not in the meeting is meeting.not_participant', async () => {
    const w = new World();
    const { host } = await liveMeeting(w);
    await rejectsWithCode(host.meeting.moderation.mute(host.participant, 'nobody'), 'meeting.not_participant');
  });

  test('mute-all mutes every participant; hosts and co-hosts keep their microphones', async () => {
    const w = new World();
    const { host, cohost, bob, cyd, all } = await liveMeeting(w);
    await cohost.meeting.moderation.muteAll(cohost.participant, undefined);
    for (const m of [bob, cyd]) {
      assert.equal(m.participant.audio, false, m.participant.name);
      assert.deepEqual(w.peer(m).callsOf('setSending'), [{ method: 'setSending', sending: { audio: false, video: true } }]);
      assert.deepEqual(m.channel.ofType('moderated'), [{ type: 'moderated', action: 'muted', by: 'Cora' }]);
    }
    for (const m of [host, cohost]) {
      assert.equal(m.participant.audio, true, m.participant.name);
      assert.deepEqual(w.peer(m).callsOf('setSending'), []);
      assert.deepEqual(m.channel.ofType('moderated'), []);
    }
    // Without allowUnmute, what participants may do is unchanged and nobody gets meeting-state.
    assert.equal(host.meeting.state.permissions.allowUnmute, true);
    for (const m of all) assert.deepEqual(m.channel.ofType('meeting-state'), []);
    // And a participant may unmute again.
    await bob.meeting.setMedia(bob.participant, { audio: true, video: true });
    assert.equal(bob.participant.audio, true);
  });

  test('mute-all with allowUnmute=false: everyone gets meeting-state, and participants cannot unmute themselves', async () => {
    const w = new World();
    const { host, cohost, bob, all } = await liveMeeting(w);
    await host.meeting.moderation.muteAll(host.participant, false);
    for (const m of all) assert.equal(m.channel.last('meeting-state').state.permissions.allowUnmute, false, m.participant.name);
    await rejectsWithCode(bob.meeting.setMedia(bob.participant, { audio: true, video: true }), 'auth.forbidden');
    assert.equal(bob.participant.audio, false);
    assert.equal(w.peer(bob).callsOf('setSending').length, 1, 'only the mute reached the media server');
    // Turning the camera off is still fine while muted.
    await bob.meeting.setMedia(bob.participant, { audio: false, video: false });
    assert.equal(bob.participant.video, false);
    // Moderators may unmute themselves whatever the permissions say.
    await cohost.meeting.setMedia(cohost.participant, { audio: false, video: true });
    await cohost.meeting.setMedia(cohost.participant, { audio: true, video: true });
    assert.equal(cohost.participant.audio, true);

    await host.meeting.moderation.muteAll(host.participant, true);
    assert.equal(bob.channel.last('meeting-state').state.permissions.allowUnmute, true);
    await bob.meeting.setMedia(bob.participant, { audio: true, video: false });
    assert.equal(bob.participant.audio, true);
  });

  test('ask-unmute lets a participant unmute once when unmuting is not allowed, and never unmutes them itself', async () => {
    const w = new World({ settings: { allowUnmute: false } });
    const { host, bob, cyd } = await liveMeeting(w);
    await host.meeting.moderation.mute(host.participant, bob.participant.id);
    await rejectsWithCode(bob.meeting.setMedia(bob.participant, { audio: true, video: true }), 'auth.forbidden');

    host.meeting.moderation.askUnmute(host.participant, bob.participant.id);
    assert.deepEqual(bob.channel.last('moderated'), { type: 'moderated', action: 'unmute-requested', by: 'Olive' });
    assert.equal(bob.participant.audio, false, 'asking does not unmute');
    assert.deepEqual(cyd.channel.ofType('moderated'), []);
    await rejectsWithCode(cyd.meeting.setMedia(cyd.participant, { audio: false, video: true }).then(() => cyd.meeting.setMedia(cyd.participant, { audio: true, video: true })), 'auth.forbidden');

    await bob.meeting.setMedia(bob.participant, { audio: true, video: true });
    assert.equal(bob.participant.audio, true);
    assert.deepEqual(w.peer(bob).callsOf('setSending').at(-1), { method: 'setSending', sending: { audio: true, video: true } });

    // Once: muted again, they need to be asked again.
    await bob.meeting.setMedia(bob.participant, { audio: false, video: true });
    await rejectsWithCode(bob.meeting.setMedia(bob.participant, { audio: true, video: true }), 'auth.forbidden');
  });

  test('a host muting someone takes back an unused ask-unmute', async () => {
    const w = new World({ settings: { allowUnmute: false } });
    const { host, bob } = await liveMeeting(w);
    host.meeting.moderation.askUnmute(host.participant, bob.participant.id);
    await host.meeting.moderation.mute(host.participant, bob.participant.id);
    await rejectsWithCode(bob.meeting.setMedia(bob.participant, { audio: true, video: true }), 'auth.forbidden');
  });

  test('stop-video: their camera stops at the media server, they are told, and they may turn it on again', async () => {
    const w = new World();
    const { host, bob, cyd } = await liveMeeting(w);
    await host.meeting.moderation.stopVideo(host.participant, bob.participant.id);
    assert.equal(bob.participant.video, false);
    assert.deepEqual(w.peer(bob).callsOf('setSending'), [{ method: 'setSending', sending: { audio: true, video: false } }]);
    assert.deepEqual(bob.channel.ofType('moderated'), [{ type: 'moderated', action: 'video-stopped', by: 'Olive' }]);
    assert.equal(cyd.channel.last('participant-updated').participant.video, false);
    await bob.meeting.setMedia(bob.participant, { audio: true, video: true });
    assert.equal(bob.participant.video, true);
    // Stopping a camera that is off does nothing.
    await bob.meeting.setMedia(bob.participant, { audio: true, video: false });
    const sent = bob.channel.sent.length;
    await host.meeting.moderation.stopVideo(host.participant, bob.participant.id);
    assert.equal(bob.channel.sent.length, sent);
  });

  test('muteOnEntry: participants join muted, the owner does not', async () => {
    const w = new World({ settings: { muteOnEntry: true } });
    const host = await w.join('Olive', OWNER_ID);
    const bob = await w.join('Bob');
    const uma = await w.join('Uma', 'user-uma', { audio: true, video: false });
    assert.equal(host.participant.audio, true);
    assert.equal(host.channel.last('joined').self.audio, true);
    for (const m of [bob, uma]) {
      assert.equal(m.participant.audio, false, m.participant.name);
      assert.equal(m.channel.last('joined').self.audio, false);
    }
    assert.equal(host.channel.last('participant-joined').participant.audio, false);
    assert.equal(uma.participant.video, false, 'the camera is as they asked');
    await flush();
    await bob.meeting.publish(bob.participant, 'offer');
    assert.deepEqual(w.peer(bob).callsOf('publish')[0]!.sending, { audio: false, video: true });
    // Unmuting is theirs to do (allowUnmute is on by default).
    await bob.meeting.setMedia(bob.participant, { audio: true, video: true });
    assert.equal(bob.participant.audio, true);
  });

  test('muteOnEntry also applies to guests admitted from the waiting room', async () => {
    const w = new World({ settings: { muteOnEntry: true, waitingRoom: true } });
    const host = await w.join('Olive', OWNER_ID);
    const g = await w.waits('Gus', { audio: true });
    host.meeting.admit(host.participant, g.waiterId);
    assert.equal(g.member().participant.audio, false);
    assert.equal(g.channel.last('joined').self.audio, false);
  });
});

// ---------------------------------------------------------------------------
// Every host action, sent by someone who may not: refused, and nothing changes.

interface Ctx {
  meeting: LiveMeeting;
  by: Participant;
  host: Member;
  bob: Member;
  guest: Arrival;
}

/** One entry per host-only action of the protocol (and the host-only variants of rename/lower-hand). */
const HOST_ACTIONS = {
  admit: ({ meeting, by, guest }) => meeting.admit(by, guest.waiterId),
  'admit all': ({ meeting, by }) => meeting.admit(by, 'all'),
  deny: ({ meeting, by, guest }) => meeting.deny(by, guest.waiterId),
  'mute-participant': ({ meeting, by, bob }) => meeting.moderation.mute(by, bob.participant.id),
  'mute-all': ({ meeting, by }) => meeting.moderation.muteAll(by, false),
  'ask-unmute': ({ meeting, by, bob }) => meeting.moderation.askUnmute(by, bob.participant.id),
  'stop-video': ({ meeting, by, bob }) => meeting.moderation.stopVideo(by, bob.participant.id),
  'remove-participant': ({ meeting, by, bob }) => meeting.moderation.remove(by, bob.participant.id),
  'set-role': ({ meeting, by, bob }) => meeting.moderation.setRole(by, bob.participant.id, 'cohost'),
  'set-role (self to host)': ({ meeting, by }) => meeting.moderation.setRole(by, by.id, 'host'),
  'rename (someone else)': ({ meeting, by, bob }) => meeting.moderation.rename(by, bob.participant.id, 'Renamed'),
  'set-lock': ({ meeting, by }) => meeting.moderation.setLock(by, true),
  'set-permissions': ({ meeting, by }) => meeting.moderation.setPermissions(by, { allowChat: false }),
  'set-permissions (grant oneself)': ({ meeting, by }) => meeting.moderation.setPermissions(by, { allowUnmute: true, allowChat: true, allowShare: true, allowRename: true }),
  spotlight: ({ meeting, by, bob }) => meeting.moderation.spotlight(by, bob.participant.id),
  'spotlight off': ({ meeting, by }) => meeting.moderation.spotlight(by, null),
  'lower-hand (someone else)': ({ meeting, by, bob }) => meeting.moderation.lowerHand(by, bob.participant.id),
  'lower-all-hands': ({ meeting, by }) => meeting.moderation.lowerAllHands(by),
  'end-meeting': ({ meeting, by }) => meeting.end(by),
} satisfies Record<string, (ctx: Ctx) => unknown>;

/** The protocol's host actions; the table above must cover each. */
const HOST_MESSAGE_TYPES = [
  'admit',
  'deny',
  'mute-participant',
  'mute-all',
  'ask-unmute',
  'stop-video',
  'remove-participant',
  'set-role',
  'set-lock',
  'set-permissions',
  'spotlight',
  'lower-all-hands',
  'end-meeting',
] as const satisfies readonly ClientMessageType[];

/** Everything observable about the meeting, to compare before and after a refused action. */
function snapshot(w: World, ctx: Ctx, members: Member[]) {
  return JSON.stringify({
    state: ctx.meeting.state,
    ended: ctx.meeting.ended,
    participants: ctx.meeting.participants().map((p) => [p.info(), p.state, p.unmuteGranted]),
    waiting: ctx.meeting.waitingList(),
    sent: [...members.map((m) => m.channel.sent), ctx.guest.channel.sent],
    closes: [...members.map((m) => m.channel.closes), ctx.guest.channel.closes],
    media: w.media.allPeers().map((p) => p.calls),
    bans: w.directory.addBansCalls,
  });
}

describe('host actions by someone who may not', () => {
  test('the table covers every host action of the protocol', () => {
    for (const type of HOST_MESSAGE_TYPES) assert.ok(type in HOST_ACTIONS, type);
  });

  for (const [name, action] of Object.entries(HOST_ACTIONS)) {
    test(`${name} by a participant is auth.forbidden and changes nothing`, async () => {
      const w = new World({ settings: { waitingRoom: true, allowUnmute: false } });
      const host = await w.join('Olive', OWNER_ID);
      const bob = await w.join('Bob', 'user-bob', { clientId: clientIdFor('Bob') });
      const pat = await w.join('Pat', 'user-pat');
      const guest = await w.waits('Gus');
      await flush();
      await w.goLive(bob);
      host.meeting.moderation.raiseHand(bob.participant);
      await flush();
      const ctx: Ctx = { meeting: host.meeting, by: pat.participant, host, bob, guest };
      const before = snapshot(w, ctx, [host, bob, pat]);
      await failsWithCode(() => action(ctx), 'auth.forbidden');
      await flush();
      assert.equal(snapshot(w, ctx, [host, bob, pat]), before);
    });
  }
});

describe('roles', () => {
  test('a co-host cannot change roles', async () => {
    const w = new World();
    const { host, cohost, bob } = await liveMeeting(w);
    throwsWithCode(() => cohost.meeting.moderation.setRole(cohost.participant, bob.participant.id, 'cohost'), 'auth.forbidden');
    throwsWithCode(() => cohost.meeting.moderation.setRole(cohost.participant, cohost.participant.id, 'host'), 'auth.forbidden');
    throwsWithCode(() => cohost.meeting.moderation.setRole(cohost.participant, host.participant.id, 'participant'), 'auth.forbidden');
    assert.deepEqual([host, cohost, bob].map((m) => m.participant.role), ['host', 'cohost', 'participant']);
  });

  test('the host makes someone co-host and back; everyone sees it', async () => {
    const w = new World();
    const { host, bob, cyd } = await liveMeeting(w);
    host.meeting.moderation.setRole(host.participant, bob.participant.id, 'cohost');
    assert.equal(bob.participant.role, 'cohost');
    assert.equal(cyd.channel.last('participant-updated').participant.role, 'cohost');
    host.meeting.moderation.setRole(host.participant, bob.participant.id, 'participant');
    assert.equal(bob.participant.role, 'participant');
    assert.equal(cyd.channel.last('participant-updated').participant.role, 'participant');
    // Demoted, they lose the powers at once.
    await rejectsWithCode(bob.meeting.moderation.mute(bob.participant, cyd.participant.id), 'auth.forbidden');
  });

  test('the host hands over: the target becomes host, the old host co-host', async () => {
    const w = new World();
    const { host, bob, cyd } = await liveMeeting(w);
    host.meeting.moderation.setRole(host.participant, bob.participant.id, 'host');
    assert.equal(bob.participant.role, 'host');
    assert.equal(host.participant.role, 'cohost');
    assert.equal(host.meeting.participants().filter((p) => p.role === 'host').length, 1);
    const updates = cyd.channel.ofType('participant-updated').slice(-2).map((m) => [m.participant.id, m.participant.role]);
    assert.deepEqual(updates, [
      [host.participant.id, 'cohost'],
      [bob.participant.id, 'host'],
    ]);
    // The new host has the host's powers; the old one no longer hands out roles.
    throwsWithCode(() => host.meeting.moderation.setRole(host.participant, cyd.participant.id, 'cohost'), 'auth.forbidden');
    bob.meeting.moderation.setRole(bob.participant, cyd.participant.id, 'cohost');
    assert.equal(cyd.participant.role, 'cohost');
  });

  test('the host cannot change their own role', async () => {
    const w = new World();
    const { host } = await liveMeeting(w);
    throwsWithCode(() => host.meeting.moderation.setRole(host.participant, host.participant.id, 'participant'), 'auth.forbidden');
    assert.equal(host.participant.role, 'host');
  });

  test('when the host leaves, the longest-present co-host becomes host', async () => {
    const w = new World();
    const host = await w.join('Olive', OWNER_ID);
    const cyd = await w.join('Cyd');
    await new Promise((r) => setTimeout(r, 5)); // distinct arrival times
    const bob = await w.join('Bob');
    const pat = await w.join('Pat');
    // Promoted in the other order than they arrived: arrival decides, not promotion.
    host.meeting.moderation.setRole(host.participant, bob.participant.id, 'cohost');
    host.meeting.moderation.setRole(host.participant, cyd.participant.id, 'cohost');
    host.meeting.leave(host.participant);
    assert.equal(cyd.participant.role, 'host');
    assert.equal(bob.participant.role, 'cohost');
    assert.equal(pat.participant.role, 'participant');
    assert.deepEqual(pat.channel.last('participant-updated').participant, cyd.participant.info());
  });

  test('when the host leaves with no co-host, nobody is promoted', async () => {
    const w = new World();
    const host = await w.join('Olive', OWNER_ID);
    const bob = await w.join('Bob');
    host.meeting.leave(host.participant);
    assert.equal(bob.participant.role, 'participant');
  });

  test('the owner coming back takes the host role back', async () => {
    const w = new World();
    const host = await w.join('Olive', OWNER_ID);
    const cora = await w.join('Cora');
    const bob = await w.join('Bob');
    host.meeting.moderation.setRole(host.participant, cora.participant.id, 'cohost');
    host.meeting.leave(host.participant);
    assert.equal(cora.participant.role, 'host');

    const back = await w.join('Olive', OWNER_ID);
    assert.equal(back.participant.role, 'host');
    assert.equal(cora.participant.role, 'cohost');
    assert.equal(back.meeting.participants().filter((p) => p.role === 'host').length, 1);
    assert.deepEqual(bob.channel.last('participant-updated').participant, cora.participant.info());
    assert.equal(bob.channel.last('participant-joined').participant.role, 'host');
    assert.deepEqual(
      back.channel.last('joined').participants.map((p) => [p.name, p.role]),
      [
        ['Cora', 'cohost'],
        ['Bob', 'participant'],
      ],
    );
  });
});

describe('rename, permissions and spotlight', () => {
  test('participants rename themselves when allowed; hosts rename anyone', async () => {
    const w = new World();
    const { host, bob, cyd } = await liveMeeting(w);
    bob.meeting.moderation.rename(bob.participant, bob.participant.id, 'Robert');
    assert.equal(bob.participant.name, 'Robert');
    assert.equal(cyd.channel.last('participant-updated').participant.name, 'Robert');
    throwsWithCode(() => bob.meeting.moderation.rename(bob.participant, cyd.participant.id, 'Not Cyd'), 'auth.forbidden');
    assert.equal(cyd.participant.name, 'Cyd');
    host.meeting.moderation.rename(host.participant, cyd.participant.id, 'Cydney');
    assert.equal(cyd.participant.name, 'Cydney');

    host.meeting.moderation.setPermissions(host.participant, { allowRename: false });
    throwsWithCode(() => bob.meeting.moderation.rename(bob.participant, bob.participant.id, 'Bobby'), 'auth.forbidden');
    assert.equal(bob.participant.name, 'Robert');
    host.meeting.moderation.rename(host.participant, host.participant.id, 'Olive (host)');
    assert.equal(host.participant.name, 'Olive (host)');
  });

  test('set-permissions changes only what it names and everyone gets meeting-state', async () => {
    const w = new World();
    const { cohost, all } = await liveMeeting(w);
    cohost.meeting.moderation.setPermissions(cohost.participant, { allowShare: false });
    for (const m of all) {
      assert.deepEqual(m.channel.last('meeting-state').state, {
        locked: false,
        spotlight: null,
        presentation: null,
        recording: { active: false, startedAt: null, paused: false },
        permissions: { allowUnmute: true, allowChat: true, allowShare: false, allowRename: true, allowAnnotate: true, multiShare: false, allowLocalRecording: false },
      });
    }
  });

  test('live permission changes do not touch the stored settings of the next live meeting', async () => {
    const w = new World();
    const host = await w.join('Olive', OWNER_ID);
    host.meeting.moderation.setPermissions(host.participant, { allowChat: false });
    host.meeting.leave(host.participant);
    await flush();
    const again = await w.join('Olive', OWNER_ID);
    assert.notEqual(again.meeting, host.meeting);
    assert.equal(again.channel.last('joined').state.permissions.allowChat, true);
  });

  test('spotlight: everyone is told; an unknown participant is refused; leaving clears it', async () => {
    const w = new World();
    const { host, bob, cyd, all } = await liveMeeting(w);
    host.meeting.moderation.spotlight(host.participant, bob.participant.id);
    for (const m of all) assert.equal(m.channel.last('meeting-state').state.spotlight, bob.participant.id);
    throwsWithCode(() => host.meeting.moderation.spotlight(host.participant, 'nobody'), 'meeting.not_participant');
    assert.equal(host.meeting.state.spotlight, bob.participant.id);
    bob.meeting.leave(bob.participant);
    assert.equal(cyd.channel.last('meeting-state').state.spotlight, null);
    host.meeting.moderation.spotlight(host.participant, cyd.participant.id);
    host.meeting.moderation.spotlight(host.participant, null);
    assert.equal(cyd.channel.last('meeting-state').state.spotlight, null);
  });
});

describe('hands', () => {
  test('raised hands keep their order; lowering and raising again goes to the back', async () => {
    const w = new World();
    const { host, bob, cyd, cohost } = await liveMeeting(w);
    const m = host.meeting.moderation;
    m.raiseHand(cyd.participant);
    m.raiseHand(bob.participant);
    m.raiseHand(cohost.participant);
    const rank = (x: Member) => x.participant.hand!;
    assert.ok(rank(cyd) < rank(bob) && rank(bob) < rank(cohost), 'ranks increase in arrival order');
    assert.deepEqual(host.channel.last('participant-updated').participant, cohost.participant.info());

    // Raising again changes nothing.
    const before = rank(cyd);
    const sent = host.channel.sent.length;
    m.raiseHand(cyd.participant);
    assert.equal(rank(cyd), before);
    assert.equal(host.channel.sent.length, sent);

    m.lowerHand(cyd.participant, undefined);
    assert.equal(cyd.participant.hand, null);
    assert.equal(bob.channel.last('participant-updated').participant.hand, null);
    m.raiseHand(cyd.participant);
    assert.ok(rank(cyd) > rank(cohost), 'to the back of the queue');

    const queue = host.meeting
      .participants()
      .filter((p) => p.hand !== null)
      .sort((a, b) => a.hand! - b.hand!)
      .map((p) => p.name);
    assert.deepEqual(queue, ['Bob', 'Cora', 'Cyd']);
  });

  test("one's own hand can be lowered by id too; someone else's only by hosts and co-hosts", async () => {
    const w = new World();
    const { host, cohost, bob, cyd } = await liveMeeting(w);
    const m = host.meeting.moderation;
    m.raiseHand(bob.participant);
    m.raiseHand(cyd.participant);
    throwsWithCode(() => m.lowerHand(cyd.participant, bob.participant.id), 'auth.forbidden');
    assert.notEqual(bob.participant.hand, null);
    m.lowerHand(cyd.participant, cyd.participant.id);
    assert.equal(cyd.participant.hand, null);
    m.lowerHand(cohost.participant, bob.participant.id);
    assert.equal(bob.participant.hand, null);
    assert.equal(bob.channel.last('participant-updated').participant.hand, null);
  });

  test('lower-all-hands lowers every hand', async () => {
    const w = new World();
    const { host, cohost, bob, cyd } = await liveMeeting(w);
    const m = host.meeting.moderation;
    for (const x of [bob, cyd, host]) m.raiseHand(x.participant);
    m.lowerAllHands(cohost.participant);
    for (const x of [host, cohost, bob, cyd]) assert.equal(x.participant.hand, null, x.participant.name);
    assert.deepEqual(
      cyd.channel.ofType('participant-updated').slice(-3).map((u) => [u.participant.name, u.participant.hand]),
      [
        ['Olive', null],
        ['Bob', null],
        ['Cyd', null],
      ],
    );
  });

  test('a late joiner sees raised hands in joined', async () => {
    const w = new World();
    const host = await w.join('Olive', OWNER_ID);
    const bob = await w.join('Bob');
    host.meeting.moderation.raiseHand(bob.participant);
    const late = await w.join('Lou');
    assert.equal(late.channel.last('joined').participants.find((p) => p.id === bob.participant.id)?.hand, bob.participant.hand);
    assert.notEqual(bob.participant.hand, null);
  });
});

describe('options changed while the meeting runs', () => {
  test('the organiser turning chat off mid-meeting applies at once and everyone is told', async () => {
    const w = new World();
    const { host, bob, all } = await liveMeeting(w);
    host.meeting.applySettings({ ...host.meeting.state.permissions, waitingRoom: false, waitingRoomEveryone: false, cohosts: [], muteOnEntry: false, capacity: null, passcode: null, redirectUrl: null, allowChat: false });
    for (const m of all) assert.equal(m.channel.last('meeting-state').state.permissions.allowChat, false, m.participant.name);
    throwsWithCode(() => bob.meeting.chat.send(bob.participant, 'still there?', null), 'auth.forbidden');
  });

  test('lowering someone else\'s hand is refused before anything is looked up', () => {
    const w = new World();
    return (async () => {
      const { bob } = await liveMeeting(w);
      throwsWithCode(() => bob.meeting.moderation.lowerHand(bob.participant, 'nobody-with-this-id'), 'auth.forbidden');
    })();
  });
});

describe('active speaker', () => {
  test("the media server's talking events reach everyone; a muted microphone never lights up", async () => {
    const w = new World();
    const { bob, all } = await liveMeeting(w);
    w.peer(bob).emit('talking', true);
    for (const m of all) assert.deepEqual(m.channel.last('speaking'), { type: 'speaking', participantId: bob.participant.id, speaking: true }, m.participant.name);
    w.peer(bob).emit('talking', false);
    for (const m of all) assert.equal(m.channel.last('speaking').speaking, false);
    await bob.meeting.setMedia(bob.participant, { audio: false, video: true });
    const before = all[0]!.channel.ofType('speaking').length;
    w.peer(bob).emit('talking', true);
    assert.equal(all[0]!.channel.ofType('speaking').length, before, 'muted: no talking');
  });
});

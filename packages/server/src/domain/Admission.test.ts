// Who may come in: capacity, lock, passcode, and people a host removed (bans).
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { CLOSE_CODES } from '@amphi/protocol';
import { createLogger } from '../Logger.ts';
import { LiveMeeting } from './LiveMeeting.ts';
import type { AttendanceLog } from '../ports/AttendanceLog.ts';
import { MeetingRegistry, WRONG_PASSCODES_PER_ADDRESS, WRONG_PASSCODES_PER_MEETING } from './MeetingRegistry.ts';
import {
  cleanUpWorlds,
  clientIdFor,
  FakeChannel,
  FakeMediaBackend,
  failsWithCode,
  flush,
  joinInput,
  MEETING_ID,
  OWNER_ID,
  rejectsWithCode,
  TEST_SETTINGS,
  throwsWithCode,
  World,
} from './testing/fakes.ts';

afterEach(cleanUpWorlds);

describe('capacity', () => {
  test("the deployment's capacity: the next join gets meeting.full and changes nothing", async () => {
    const w = new World({ policy: { capacity: 3 } });
    const host = await w.join('Olive', OWNER_ID);
    await w.join('Bob');
    await w.join('Cyd');
    const before = host.channel.sent.length;
    await rejectsWithCode(w.arrive('Dan'), 'meeting.full');
    await rejectsWithCode(w.arrive('Uma', { userId: 'user-uma' }), 'meeting.full');
    assert.equal(host.meeting.size, 3);
    assert.equal(host.channel.sent.length, before, 'nobody was told about a refused join');
  });

  test("the meeting's own capacity, when smaller, wins", async () => {
    const w = new World({ policy: { capacity: 5 }, settings: { capacity: 2 } });
    const host = await w.join('Olive', OWNER_ID);
    await w.join('Bob');
    await rejectsWithCode(w.arrive('Cyd'), 'meeting.full');
    assert.equal(host.meeting.capacity, 2);
    assert.equal(host.meeting.size, 2);
  });

  test("the deployment's capacity, when smaller, wins over the meeting's", async () => {
    const w = new World({ policy: { capacity: 2 }, settings: { capacity: 10 } });
    const host = await w.join('Olive', OWNER_ID);
    await w.join('Bob');
    await rejectsWithCode(w.arrive('Cyd'), 'meeting.full');
    assert.equal(host.meeting.capacity, 2);
  });

  test('a full meeting refuses guests before they reach the waiting room', async () => {
    const w = new World({ settings: { capacity: 2, waitingRoom: true } });
    const host = await w.join('Olive', OWNER_ID);
    await w.join('Uma', 'user-uma');
    await rejectsWithCode(w.arrive('Gus'), 'meeting.full');
    assert.deepEqual(host.meeting.waitingList(), []);
    assert.deepEqual(host.channel.ofType('waiting-list'), []);
  });

  test('the owner still gets in when the meeting is full', async () => {
    const w = new World({ settings: { capacity: 2 } });
    const bob = await w.join('Bob');
    await w.join('Cyd');
    await rejectsWithCode(w.arrive('Dan'), 'meeting.full');
    const owner = await w.join('Olive', OWNER_ID);
    assert.equal(owner.participant.role, 'host');
    assert.equal(bob.meeting.size, 3);
  });

  test('an organiser whose host licence was revoked comes in as anyone else, not as host', async () => {
    const w = new World({ settings: { capacity: 2 } });
    await w.join('Bob');
    const owner = await w.join('Olive', OWNER_ID, { licensed: false });
    assert.equal(owner.participant.role, 'participant');
    await rejectsWithCode(w.arrive('Olive again', { userId: OWNER_ID, licensed: false }), 'meeting.full');
  });

  test('admitting into a full meeting is meeting.full; the guest keeps waiting', async () => {
    const w = new World({ settings: { capacity: 2, waitingRoom: true } });
    const host = await w.join('Olive', OWNER_ID);
    const g = await w.waits('Gus');
    await w.join('Uma', 'user-uma'); // takes the last place
    throwsWithCode(() => host.meeting.admit(host.participant, g.waiterId), 'meeting.full');
    assert.deepEqual(g.channel.types(), ['waiting']);
    assert.equal(g.participant, undefined);
    assert.deepEqual(host.meeting.waitingList().map((p) => p.id), [g.waiterId]);
    assert.equal(host.meeting.size, 2);
  });

  test("admit 'all' lets in as many as fit, says meeting.full, and the hosts' list shows who still waits", async () => {
    const w = new World({ settings: { capacity: 3, waitingRoom: true } });
    const host = await w.join('Olive', OWNER_ID);
    const g1 = await w.waits('Gus');
    const g2 = await w.waits('Gwen');
    const g3 = await w.waits('Gil');
    throwsWithCode(() => host.meeting.admit(host.participant, 'all'), 'meeting.full');
    assert.ok(g1.member());
    assert.ok(g2.member());
    assert.equal(g3.participant, undefined);
    assert.deepEqual(g3.channel.types(), ['waiting']);
    assert.equal(host.meeting.size, 3);
    assert.deepEqual(host.meeting.waitingList().map((p) => p.id), [g3.waiterId]);
    assert.deepEqual(host.channel.last('waiting-list').waiting.map((p) => p.id), [g3.waiterId], 'the waiting list the host sees is up to date');
  });
});

describe('lock', () => {
  test('a participant cannot lock the meeting', async () => {
    const w = new World();
    const host = await w.join('Olive', OWNER_ID);
    const bob = await w.join('Bob');
    throwsWithCode(() => bob.meeting.moderation.setLock(bob.participant, true), 'auth.forbidden');
    assert.equal(host.meeting.state.locked, false);
    assert.deepEqual([...host.channel.ofType('meeting-state'), ...bob.channel.ofType('meeting-state')], []);
    await w.join('Cyd');
  });

  test('locked: everyone is told, new joins get meeting.locked, the owner still gets in; unlocked: joins work again', async () => {
    const w = new World();
    const host = await w.join('Olive', OWNER_ID);
    const bob = await w.join('Bob');
    host.meeting.moderation.setPermissions(host.participant, { allowChat: false });
    host.meeting.moderation.setLock(host.participant, true);
    for (const m of [host, bob]) {
      assert.deepEqual(m.channel.last('meeting-state').state, {
        locked: true,
        spotlight: null,
        presentation: null,
        recording: { active: false, startedAt: null, paused: false },
        permissions: { allowUnmute: true, allowChat: false, allowShare: true, allowRename: true, allowAnnotate: true, multiShare: false, allowLocalRecording: false },
      });
    }
    await rejectsWithCode(w.arrive('Gus'), 'meeting.locked');
    await rejectsWithCode(w.arrive('Uma', { userId: 'user-uma' }), 'meeting.locked');
    assert.equal(host.meeting.size, 2);

    host.meeting.leave(host.participant);
    const owner = await w.join('Olive', OWNER_ID);
    assert.equal(owner.participant.role, 'host');
    assert.equal(owner.channel.last('joined').state.locked, true);

    owner.meeting.moderation.setLock(owner.participant, false);
    assert.equal(bob.channel.last('meeting-state').state.locked, false);
    await w.join('Gus');
  });

  test('a co-host may lock', async () => {
    const w = new World();
    const host = await w.join('Olive', OWNER_ID);
    const cora = await w.join('Cora');
    host.meeting.moderation.setRole(host.participant, cora.participant.id, 'cohost');
    cora.meeting.moderation.setLock(cora.participant, true);
    await rejectsWithCode(w.arrive('Gus'), 'meeting.locked');
  });
});

describe('passcode', () => {
  const PASSCODE = { settings: { passcode: 'S3cret42' } };

  test('missing → meeting.passcode_required, wrong → meeting.passcode_wrong, right → in', async () => {
    const w = new World(PASSCODE);
    const host = await w.join('Olive', OWNER_ID);
    await rejectsWithCode(w.arrive('Gus'), 'meeting.passcode_required');
    await rejectsWithCode(w.arrive('Gus', { passcode: '' }), 'meeting.passcode_required');
    await rejectsWithCode(w.arrive('Gus', { passcode: 'S3cret4' }), 'meeting.passcode_wrong');
    await rejectsWithCode(w.arrive('Gus', { passcode: 's3cret42' }), 'meeting.passcode_wrong');
    await rejectsWithCode(w.arrive('Gus', { passcode: 'S3cret42 ' }), 'meeting.passcode_wrong');
    assert.equal(host.meeting.size, 1);
    assert.deepEqual(host.channel.ofType('participant-joined'), []);
    await w.join('Gus', undefined, { passcode: 'S3cret42' });
    assert.equal(host.meeting.size, 2);
  });

  test('signed-in users need it too; the owner needs none', async () => {
    const w = new World(PASSCODE);
    await rejectsWithCode(w.arrive('Uma', { userId: 'user-uma' }), 'meeting.passcode_required');
    const owner = await w.join('Olive', OWNER_ID);
    assert.equal(owner.participant.role, 'host');
    await w.join('Uma', 'user-uma', { passcode: 'S3cret42' });
  });

  test('a guest with the right passcode still waits when the waiting room is on', async () => {
    const w = new World({ settings: { passcode: 'S3cret42', waitingRoom: true } });
    await w.join('Olive', OWNER_ID);
    await rejectsWithCode(w.arrive('Gus', { passcode: 'nope' }), 'meeting.passcode_wrong');
    await w.waits('Gus', { passcode: 'S3cret42' });
  });

  test('guessing: an address with 10 wrong passcodes is refused even with the right one; others are not', async () => {
    const w = new World(PASSCODE);
    await w.join('Olive', OWNER_ID);
    for (let i = 0; i < WRONG_PASSCODES_PER_ADDRESS; i++) await rejectsWithCode(w.arrive('Mallory', { passcode: `guess-${i}`, address: '203.0.113.9' }), 'meeting.passcode_wrong');
    await rejectsWithCode(w.arrive('Mallory', { passcode: 'S3cret42', address: '203.0.113.9' }), 'meeting.passcode_locked');
    await w.join('Gus', undefined, { passcode: 'S3cret42', address: '198.51.100.7' });
  });

  test('guessing from many addresses: once the meeting took 50 wrong ones, an address that was wrong is refused; a class with the right one still gets in', async () => {
    const w = new World(PASSCODE);
    const host = await w.join('Olive', OWNER_ID);
    for (let i = 0; i < WRONG_PASSCODES_PER_MEETING; i++) await rejectsWithCode(w.arrive('Bot', { passcode: `guess-${i}`, address: `10.0.${i >> 8}.${i & 255}` }), 'meeting.passcode_wrong');
    await rejectsWithCode(w.arrive('Bot', { passcode: 'S3cret42', address: '10.0.0.1' }), 'meeting.passcode_locked');
    // A new address gets one try; wrong, it is locked too.
    await rejectsWithCode(w.arrive('Bot', { passcode: 'another', address: '10.9.9.9' }), 'meeting.passcode_wrong');
    await rejectsWithCode(w.arrive('Bot', { passcode: 'S3cret42', address: '10.9.9.9' }), 'meeting.passcode_locked');
    for (let i = 0; i < 5; i++) await w.join(`Student ${i}`, undefined, { passcode: 'S3cret42', address: `192.0.2.${i + 1}` });
    assert.equal(host.meeting.size, 6);
  });

  test('a refused join leaves nothing live and no attendance session behind', async () => {
    const sessions: string[] = [];
    const attendance: AttendanceLog = {
      sessionStarted: async (_m, id) => void sessions.push(`started ${id}`),
      sessionEnded: async (id) => void sessions.push(`ended ${id}`),
      joined: async () => {},
      left: async () => {},
    };
    const w = new World(PASSCODE);
    (w as { registry: MeetingRegistry }).registry = new MeetingRegistry(w.media, w.directory, w.policy, w.iceServers, createLogger('silent'), attendance);
    await rejectsWithCode(w.arrive('Gus', { passcode: 'wrong' }), 'meeting.passcode_wrong');
    assert.equal(w.registry.get(MEETING_ID), undefined, 'the meeting is not left live with nobody in it');
    await flush();
    assert.deepEqual(sessions, [], 'nobody came: no session');
    const gus = await w.join('Gus', undefined, { passcode: 'S3cret42' });
    await flush();
    assert.deepEqual(sessions, [`started ${gus.meeting.sessionId}`]);
  });

  test('without a passcode set, one sent anyway is ignored', async () => {
    const w = new World();
    await w.join('Gus', undefined, { passcode: 'whatever' });
  });
});

describe('removal', () => {
  test('the removed participant gets removed and close 4004; the others get participant-left; the ban is stored', async () => {
    const w = new World();
    const host = await w.join('Olive', OWNER_ID);
    const bob = await w.join('Bob', 'user-bob', { clientId: clientIdFor('Bob'), browser: 'browser-bob' });
    const cyd = await w.join('Cyd');
    await flush();
    const bobPeer = w.peer(bob);

    host.meeting.moderation.remove(host.participant, bob.participant.id);
    await flush();
    assert.equal(bob.channel.last('removed').type, 'removed');
    assert.deepEqual(bob.channel.closes, [{ code: CLOSE_CODES.removed, reason: 'removed' }]);
    assert.equal(CLOSE_CODES.removed, 4004);
    assert.deepEqual(bob.channel.sentAfterClose, []);
    assert.equal(bob.participant.state, 'left');
    assert.deepEqual(bobPeer.callsOf('close').length, 1);
    for (const m of [host, cyd]) assert.deepEqual(m.channel.last('participant-left'), { type: 'participant-left', participantId: bob.participant.id });
    assert.equal(host.meeting.size, 2);
    assert.deepEqual(w.directory.addBansCalls, [{ meetingId: MEETING_ID, keys: ['browser:browser-bob', 'user:user-bob'] }], 'bound to what the server issued: the browser credential and the account');
  });

  test('rejoining with the same browser or the same account is meeting.removed; others still get in', async () => {
    const w = new World();
    const host = await w.join('Olive', OWNER_ID);
    const bob = await w.join('Bob', 'user-bob', { clientId: clientIdFor('Bob'), browser: 'browser-bob' });
    const gus = await w.join('Gus', undefined, { clientId: clientIdFor('Gus'), browser: 'browser-gus' });
    host.meeting.moderation.remove(host.participant, bob.participant.id);
    host.meeting.moderation.remove(host.participant, gus.participant.id);

    await rejectsWithCode(w.arrive('Bob again', { clientId: clientIdFor('Bob'), browser: 'browser-bob' }), 'meeting.removed');
    // The audit's attack: the same browser with another id of the page's own choosing.
    await rejectsWithCode(w.arrive('Bob again', { clientId: clientIdFor('Other'), browser: 'browser-bob' }), 'meeting.removed');
    await rejectsWithCode(w.arrive('Bob again', { userId: 'user-bob', clientId: clientIdFor('Other'), browser: 'browser-new' }), 'meeting.removed');
    await rejectsWithCode(w.arrive('Gus again', { clientId: clientIdFor('Gus 2'), userId: 'user-gus-signed-in', browser: 'browser-gus' }), 'meeting.removed');
    assert.deepEqual(w.directory.addBansCalls.at(-1), { meetingId: MEETING_ID, keys: ['browser:browser-gus'] });
    // Without the credential (a client that drops the cookie) nobody but the organiser gets in once someone was removed.
    await rejectsWithCode(w.arrive('Gus', { clientId: clientIdFor('Fresh') }), 'meeting.browser_unknown');
    await rejectsWithCode(w.arrive('Uma', { userId: 'user-uma' }), 'meeting.browser_unknown');
    await w.join('Cyd', undefined, { clientId: clientIdFor('Cyd'), browser: 'browser-cyd' });
    await w.join('Uma', 'user-uma', { browser: 'browser-uma' });
    await w.join('Olive', OWNER_ID);
  });

  test('a ban outlives the live meeting: the registry loads the banned keys for the next one', async () => {
    const w = new World();
    const host = await w.join('Olive', OWNER_ID);
    const bob = await w.join('Bob', undefined, { clientId: clientIdFor('Bob'), browser: 'browser-bob' });
    const first = host.meeting;
    first.moderation.remove(host.participant, bob.participant.id);
    first.leave(host.participant);
    await flush();
    assert.equal(w.registry.get(MEETING_ID), undefined, 'the first live meeting is over');

    await rejectsWithCode(w.arrive('Bob', { clientId: clientIdFor('Bob 2'), browser: 'browser-bob' }), 'meeting.removed');
    const again = await w.join('Olive', OWNER_ID);
    assert.notEqual(again.meeting, first, 'a new live meeting');
    await rejectsWithCode(w.arrive('Bob', { browser: 'browser-bob' }), 'meeting.removed');
  });

  test('keys stored before the meeting went live are refused (directory.bannedKeys)', async () => {
    // (client: keys are removals made before browser credentials: still honoured.)
    const w = new World({ banned: [`client:${clientIdFor('Bob')}`, 'user:user-eve'] });
    await rejectsWithCode(w.arrive('Bob', { clientId: clientIdFor('Bob'), browser: 'browser-bob' }), 'meeting.removed');
    await rejectsWithCode(w.arrive('Eve', { userId: 'user-eve', browser: 'browser-eve' }), 'meeting.removed');
    await w.join('Cyd', undefined, { clientId: clientIdFor('Cyd'), browser: 'browser-cyd' });
  });

  test('a LiveMeeting built with banned keys refuses them, but never its owner', () => {
    const bans: { meetingId: string; keys: string[] }[] = [];
    const closed: LiveMeeting[] = [];
    const meeting = new LiveMeeting(
      { id: MEETING_ID, title: 'T', ownerId: OWNER_ID, settings: TEST_SETTINGS },
      new FakeMediaBackend(),
      { capacity: 300, redirectUrl: null },
      [],
      [`client:${clientIdFor('Bob')}`, `user:${OWNER_ID}`],
      (meetingId, keys) => bans.push({ meetingId, keys }),
      createLogger('silent'),
      (m) => closed.push(m),
    );
    throwsWithCode(() => meeting.join(joinInput('Bob', { clientId: clientIdFor('Bob') })), 'meeting.removed');
    const owner = meeting.join(joinInput('Olive', { userId: OWNER_ID, clientId: clientIdFor('Bob') }));
    assert.equal(owner.kind, 'joined');
    meeting.terminate('server-shutdown');
    assert.deepEqual(closed, [meeting]);
    assert.deepEqual(bans, []);
  });

  test('a co-host may remove a participant; nobody may remove the host or themselves', async () => {
    const w = new World();
    const host = await w.join('Olive', OWNER_ID);
    const cora = await w.join('Cora');
    const bob = await w.join('Bob');
    host.meeting.moderation.setRole(host.participant, cora.participant.id, 'cohost');
    throwsWithCode(() => cora.meeting.moderation.remove(cora.participant, host.participant.id), 'auth.forbidden');
    throwsWithCode(() => cora.meeting.moderation.remove(cora.participant, cora.participant.id), 'auth.forbidden');
    throwsWithCode(() => host.meeting.moderation.remove(host.participant, host.participant.id), 'auth.forbidden');
    throwsWithCode(() => host.meeting.moderation.remove(host.participant, 'nobody'), 'meeting.not_participant');
    assert.equal(host.meeting.size, 3);
    assert.deepEqual(w.directory.addBansCalls, []);
    cora.meeting.moderation.remove(cora.participant, bob.participant.id);
    assert.deepEqual(bob.channel.closes, [{ code: CLOSE_CODES.removed, reason: 'removed' }]);
    assert.equal(host.meeting.size, 2);
  });

  test('removing someone from the meeting while they hold the spotlight clears it', async () => {
    const w = new World();
    const host = await w.join('Olive', OWNER_ID);
    const bob = await w.join('Bob');
    const cyd = await w.join('Cyd');
    host.meeting.moderation.spotlight(host.participant, bob.participant.id);
    host.meeting.moderation.remove(host.participant, bob.participant.id);
    assert.equal(host.meeting.state.spotlight, null);
    assert.equal(cyd.channel.last('meeting-state').state.spotlight, null);
  });

  test('a refused join (any reason) is typed and has no effect on the channel it came with', async () => {
    const w = new World({ settings: { capacity: 2 } });
    await w.join('Olive', OWNER_ID);
    await w.join('Bob');
    const channel = new FakeChannel();
    await failsWithCode(() => w.registry.join(MEETING_ID, joinInput('Cyd', { channel })), 'meeting.full');
    assert.deepEqual(channel.sent, []);
    assert.deepEqual(channel.closes, []);
  });
});

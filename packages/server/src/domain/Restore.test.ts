import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { createLogger } from '../Logger.ts';
import type { LiveMeetingStore, StoredLiveMeeting } from '../ports/LiveMeetingStore.ts';
import { AppError } from '../errors.ts';
import { keptLiveMeetings, MeetingRegistry, RESTART_CLOSE_CODE, SNAPSHOT_EVERY_MS } from './MeetingRegistry.ts';
import { cleanUpWorlds, clientIdFor, FakeChannel, FakeRecorder, flush, joinInput, MEETING_ID, OWNER_ID, World, type Member } from './testing/fakes.ts';
import { parseSnapshot } from './MeetingSnapshot.ts';

afterEach(cleanUpWorlds);

/** Storage as the registry sees it, in memory. */
class MemoryStore implements LiveMeetingStore {
  readonly rows = new Map<string, StoredLiveMeeting>();
  async save(meetingId: string, snapshot: string, at: Date) {
    this.rows.set(meetingId, { meetingId, snapshot, updatedAt: at });
  }
  async remove(meetingId: string) {
    this.rows.delete(meetingId);
  }
  async all() {
    return [...this.rows.values()];
  }
}

const log = createLogger('silent');

/** A World whose registry keeps snapshots in `store`. */
function worldWith(store: MemoryStore, grace = 60, recorder?: FakeRecorder): World {
  const w = new World({ policy: { resumeGraceSeconds: grace } });
  (w as { registry: MeetingRegistry }).registry = new MeetingRegistry(w.media, w.directory, w.policy, w.iceServers, log, undefined, undefined, recorder, store);
  return w;
}

/** A second process over the same storage and meeting records. */
async function restart(before: World, store: MemoryStore, recorder?: FakeRecorder): Promise<{ w: World; restored: number }> {
  const w = worldWith(store, before.policy.resumeGraceSeconds, recorder);
  for (const [id, record] of before.directory.meetings) w.directory.meetings.set(id, record);
  const kept = await keptLiveMeetings(store, before.policy.resumeGraceSeconds ?? 60, new Date(), log);
  return { w, restored: await w.registry.restore(kept) };
}

async function settleWrites(): Promise<void> {
  await new Promise((r) => setTimeout(r, SNAPSHOT_EVERY_MS + 50));
  await flush();
}

function resumeIn(w: World, m: Member, credential: string) {
  const sink = new FakeChannel();
  const result = w.registry.resume(MEETING_ID, { credential, clientId: m.participant.clientId!, lastSeq: m.participant.channel.lastSeq, sink, rid: 1 });
  return { sink, participant: result?.participant };
}

describe('a live meeting outlives the Amphi process', () => {
  test('its snapshot is written as it changes, and removed when it is no longer live', async () => {
    const store = new MemoryStore();
    const w = worldWith(store);
    const ada = await w.join('Ada', OWNER_ID, { clientId: clientIdFor('ada') });
    ada.meeting.chat.send(ada.participant, 'hello', null);
    await settleWrites();
    const row = store.rows.get(MEETING_ID);
    assert.ok(row, 'written');
    const snapshot = parseSnapshot(row.snapshot)!;
    assert.deepEqual(snapshot.participants.map((p) => p.name), ['Ada']);
    assert.equal(snapshot.chat[0]?.[1][0]?.text, 'hello');
    assert.ok(!row.snapshot.includes(ada.participant.resumeCredential), 'the resume credential itself is never stored');
    ada.meeting.leave(ada.participant);
    await settleWrites();
    assert.equal(store.rows.size, 0);
  });

  test('after a restart: same people and roles, reconnecting; chat, poll votes, the stage, hands and rooms as they were', async () => {
    const store = new MemoryStore();
    const before = worldWith(store);
    const ada = await before.join('Ada', OWNER_ID, { clientId: clientIdFor('ada') });
    const bob = await before.join('Bob', undefined, { clientId: clientIdFor('bob'), audio: false });
    const m = ada.meeting;
    m.moderation.setRole(ada.participant, bob.participant.id, 'cohost');
    m.chat.send(bob.participant, 'before the restart', null);
    const poll = m.polls.launch(ada.participant, { question: 'Ready?', kind: 'single', options: ['yes', 'no'], anonymous: false });
    m.polls.vote(bob.participant, poll.id, [0]);
    m.stage.present(ada.participant, { kind: 'whiteboard' });
    m.moderation.raiseHand(bob.participant);
    m.breakouts.setRooms(ada.participant, [{ name: 'Room A' }]);
    const bobCredential = bob.participant.resumeCredential;
    await settleWrites();

    const { w, restored } = await restart(before, store);
    assert.equal(restored, 1);
    const live = w.registry.get(MEETING_ID)!;
    assert.equal(live.sessionId, m.sessionId, 'the same session (one stay in the attendance report)');
    assert.deepEqual(live.participants().map((p) => [p.id, p.name, p.role, p.reconnecting, p.audio]), [
      [ada.participant.id, 'Ada', 'host', true, true],
      [bob.participant.id, 'Bob', 'cohost', true, false],
    ]);

    const { sink, participant } = resumeIn(w, bob, bobCredential);
    assert.equal(participant?.id, bob.participant.id);
    assert.ok(sink.sent[0]?.type === 'resumed' && sink.sent[0].snapshot === true, 'a new process has no replay: a snapshot');
    const joined = sink.last('joined');
    assert.equal(joined.self.role, 'cohost');
    assert.equal(joined.self.hand !== null, true, 'the raised hand is still up');
    assert.deepEqual(joined.chat.map((c) => c.text), ['before the restart']);
    assert.deepEqual(joined.polls.map((p) => [p.question, p.status]), [['Ready?', 'open']]);
    assert.equal(joined.state.presentation?.kind, 'whiteboard');
    assert.deepEqual(joined.breakouts.rooms.map((r) => r.name), ['Room A']);
    assert.equal(joined.participants[0]?.reconnecting, true, 'Ada has not come back yet');
    assert.throws(() => live.polls.vote(participant!, poll.id, [1]), (err: unknown) => err instanceof AppError && err.code === 'poll.already_voted', 'Bob’s vote was kept: no second one');
  });

  test('a cloud recording under way goes on into the same folder once people publish again; the downtime is left out', async () => {
    const store = new MemoryStore();
    const before = worldWith(store, 60, new FakeRecorder());
    const ada = await before.join('Ada', OWNER_ID, { clientId: clientIdFor('ada'), isStaff: true });
    await before.goLive(ada);
    await ada.meeting.recording.start(ada.participant);
    const adaFeed = String(ada.participant.peer!.feedId);
    const credential = ada.participant.resumeCredential;
    await settleWrites();

    // What the media server had written, as the new process finds it on disk.
    const recorder = new FakeRecorder();
    const mediaUntil = new Date(Date.now() - 2_000);
    recorder.onDisk.set('rec-1', { manifest: { feeds: { [adaFeed]: { name: 'Ada', screenMids: [] } }, pauses: [], speakers: [] }, mediaUntil });
    const { w } = await restart(before, store, recorder);
    const live = w.registry.get(MEETING_ID)!;
    assert.equal(live.state.recording.active, true, 'still recording: everyone resuming is told');
    const { participant } = resumeIn(w, ada, credential);
    await live.publish(participant!, 'offer after the restart');
    w.media.peerOf(participant!).up();
    await flush();
    await flush();
    const room = w.media.rooms.find((r) => r.recordingDir !== null);
    assert.equal(room?.recordingDir, '/recordings/rec-1', 'the same recording, on the new media room');
    const manifest = recorder.manifests.at(-1)!;
    assert.equal(manifest.pauses?.length, 1);
    assert.equal(manifest.pauses![0]!.from, mediaUntil.getTime(), 'the gap starts where the media server stopped writing');
    assert.ok(manifest.feeds[adaFeed] && manifest.feeds[String(participant!.peer!.feedId)], 'old and new feeds both named');
    await live.recording.stop(participant!);
    assert.deepEqual(recorder.ended, ['rec-1']);
  });

  test('a recording whose files are gone does not go on; the meeting does', async () => {
    const store = new MemoryStore();
    const before = worldWith(store, 60, new FakeRecorder());
    const ada = await before.join('Ada', OWNER_ID, { clientId: clientIdFor('ada'), isStaff: true });
    await before.goLive(ada);
    await ada.meeting.recording.start(ada.participant);
    await settleWrites();
    const { w, restored } = await restart(before, store, new FakeRecorder());
    assert.equal(restored, 1);
    assert.equal(w.registry.get(MEETING_ID)!.state.recording.active, false);
  });

  test('people who do not come back within the grace period leave; a stale snapshot is dropped', async () => {
    const store = new MemoryStore();
    const before = worldWith(store, 0.1);
    await before.join('Ada', OWNER_ID, { clientId: clientIdFor('ada') });
    await settleWrites();
    const { w } = await restart(before, store);
    assert.equal(w.registry.get(MEETING_ID)?.size, 1);
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(w.registry.get(MEETING_ID), undefined, 'nobody came back: the meeting closed');

    store.rows.set(MEETING_ID, { meetingId: MEETING_ID, snapshot: '{"version":1}', updatedAt: new Date() });
    assert.deepEqual(await keptLiveMeetings(store, 60, new Date(), log), [], 'unreadable');
    assert.equal(store.rows.size, 0, 'and removed');
  });

  test('SIGTERM: everyone is told Amphi restarts, the snapshot is written, connections close with 1012, nobody new gets in', async () => {
    const store = new MemoryStore();
    const w = worldWith(store);
    const ada = await w.join('Ada', OWNER_ID, { clientId: clientIdFor('ada') });
    await w.registry.suspend();
    assert.equal(ada.channel.last('restarting').type, 'restarting');
    assert.deepEqual(ada.channel.closes.map((c) => c.code), [RESTART_CLOSE_CODE]);
    assert.ok(store.rows.has(MEETING_ID), 'written before the connections close');
    assert.equal(ada.meeting.ended, false, 'the meeting is not ended');
    await assert.rejects(w.registry.join(MEETING_ID, joinInput('Late')), (err: unknown) => err instanceof AppError && err.code === 'server.restarting');
  });

  test('SIGTERM with people in the waiting room: told Amphi restarts and closed with 1012, to ask again once it is back, in the same order', async () => {
    const store = new MemoryStore();
    const w = worldWith(store);
    (w.directory.meetings.get(MEETING_ID)!.settings as { waitingRoom: boolean }).waitingRoom = true;
    await w.join('Ada', OWNER_ID, { clientId: clientIdFor('ada') });
    const gus = await w.waits('Gus', { clientId: clientIdFor('gus') });
    await new Promise((r) => setTimeout(r, 5));
    await w.waits('Gwen', { clientId: clientIdFor('gwen') });
    await w.registry.suspend();
    assert.equal(gus.channel.last('restarting').type, 'restarting');
    assert.deepEqual(gus.channel.closes.map((c) => c.code), [RESTART_CLOSE_CODE]);
    assert.equal(gus.channel.ofType('meeting-ended').length, 0, 'the meeting is not over for them');
    // Back after the restart, behind Gus whatever the order they reconnect in, Gwen waits after him.
    const { w: after } = await restart(w, store);
    (after.directory.meetings.get(MEETING_ID)!.settings as { waitingRoom: boolean }).waitingRoom = true;
    await after.waits('Gwen', { clientId: clientIdFor('gwen') });
    await after.waits('Gus', { clientId: clientIdFor('gus') });
    assert.deepEqual(after.registry.get(MEETING_ID)!.waitingList().map((p) => p.name), ['Gus', 'Gwen'], 'Gus keeps his place');
  });
});

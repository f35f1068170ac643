import assert from 'node:assert/strict';
import { afterEach, describe, mock, test } from 'node:test';
import { cleanUpWorlds, FakeRecorder, flush, OWNER_ID, rejectsWithCode, World } from './testing/fakes.ts';

afterEach(cleanUpWorlds);

/** A meeting whose host is staff, with Bob; both live. */
async function staffHostAndBob() {
  const recorder = new FakeRecorder();
  const w = new World({ recorder });
  const host = await w.join('Olive', OWNER_ID, { isStaff: true });
  const bob = await w.join('Bob');
  for (const m of [host, bob]) await w.goLive(m);
  return { recorder, w, host, bob };
}

describe('cloud recording', () => {
  test('a staff host records: the room records into the recording’s folder, everyone is told, stopping hands it to processing', async () => {
    const { recorder, w, host, bob } = await staffHostAndBob();
    await host.meeting.recording.start(host.participant);
    const room = w.media.rooms[0]!;
    assert.equal(room.recordingDir, '/recordings/rec-1');
    assert.deepEqual(recorder.begun, [{ id: 'rec-1', ownerId: OWNER_ID, title: 'Physics 101' }]);
    assert.equal(bob.channel.last('meeting-state').state.recording.active, true);
    assert.equal(Object.keys(recorder.manifests.at(-1)!.feeds).length, 2, 'the layout knows every feed');
    // Someone arriving now is told before anything else.
    const late = await w.join('Cleo');
    assert.equal(late.channel.last('joined').state.recording.active, true);
    await host.meeting.recording.start(host.participant);
    assert.equal(recorder.begun.length, 1, 'starting twice records once');
    // Paused: the room stops writing; resumed: it writes again into the same folder.
    await host.meeting.recording.pause(host.participant, true);
    assert.equal(room.recordingDir, null);
    assert.equal(bob.channel.last('meeting-state').state.recording.paused, true);
    await rejectsWithCode(Promise.resolve().then(() => bob.meeting.recording.pause(bob.participant, false)), 'auth.forbidden');
    await host.meeting.recording.pause(host.participant, false);
    assert.equal(room.recordingDir, '/recordings/rec-1');
    await host.meeting.recording.stop(host.participant);
    assert.equal(room.recordingDir, null);
    assert.equal(recorder.manifests.at(-1)!.pauses?.length, 1, 'the processor is told what to leave out');
    assert.deepEqual(recorder.ended, ['rec-1']);
    assert.equal(bob.channel.last('meeting-state').state.recording.active, false);
  });

  test('who talks is written down for the active speaker picture, not while paused; a pause is written before recording resumes', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    const { recorder, w, host, bob } = await staffHostAndBob();
    await host.meeting.recording.start(host.participant);
    const bobFeed = String(bob.participant.peer!.feedId);
    const hostFeed = String(host.participant.peer!.feedId);
    t.mock.timers.tick(1_000);
    w.peer(bob).emit('talking', true);
    w.peer(bob).emit('talking', true); // still Bob: once
    t.mock.timers.tick(500);
    w.peer(host).emit('talking', true);
    t.mock.timers.tick(2_000);
    await flush();
    assert.deepEqual(recorder.manifests.at(-1)!.speakers, [
      { feed: bobFeed, at: 1_001_000 },
      { feed: hostFeed, at: 1_001_500 },
    ]);
    await host.meeting.recording.pause(host.participant, true);
    w.peer(bob).emit('talking', true);
    t.mock.timers.tick(3_000);
    const room = w.media.rooms[0]!;
    const original = room.setRecording.bind(room);
    let pausesWhenResumed: number | undefined;
    room.setRecording = async (dir) => {
      pausesWhenResumed = recorder.manifests.at(-1)!.pauses?.length;
      return original(dir);
    };
    await host.meeting.recording.pause(host.participant, false);
    assert.equal(pausesWhenResumed, 1, 'the manifest has the pause before anything more is written');
    await host.meeting.recording.stop(host.participant);
    assert.equal(recorder.manifests.at(-1)!.speakers?.length, 2, 'nothing recorded while paused');
  });

  test('the deployment decides who records: staff hosts, any signed-in host, or nobody; at once', async () => {
    const recorder = new FakeRecorder();
    const w = new World({ recorder });
    const host = await w.join('Olive', OWNER_ID, { isStaff: false });
    assert.equal(host.channel.last('joined').staff, false, 'not staff: not offered');
    await rejectsWithCode(Promise.resolve().then(() => host.meeting.recording.start(host.participant)), 'auth.forbidden');
    w.policy.cloudRecording = 'hosts';
    await host.meeting.recording.start(host.participant);
    await host.meeting.recording.stop(host.participant);
    assert.deepEqual(recorder.ended, ['rec-1']);
    w.policy.cloudRecording = 'off';
    const staff = await w.join('Sam', 'user-sam', { isStaff: true });
    assert.equal(staff.channel.last('joined').staff, false, 'off: offered to nobody');
    await rejectsWithCode(Promise.resolve().then(() => host.meeting.recording.start(host.participant)), 'auth.forbidden');
  });

  test('only staff hosts start it; participants cannot stop it; the meeting ending ends it', async () => {
    const recorder = new FakeRecorder();
    const w = new World({ recorder });
    const host = await w.join('Olive', OWNER_ID, { isStaff: false });
    const staffParticipant = await w.join('Sam', 'user-sam', { isStaff: true });
    await rejectsWithCode(Promise.resolve().then(() => host.meeting.recording.start(host.participant)), 'auth.forbidden');
    await rejectsWithCode(Promise.resolve().then(() => staffParticipant.meeting.recording.start(staffParticipant.participant)), 'auth.forbidden');
    host.meeting.moderation.setRole(host.participant, staffParticipant.participant.id, 'cohost');
    await staffParticipant.meeting.recording.start(staffParticipant.participant);
    const bob = await w.join('Bob');
    await rejectsWithCode(Promise.resolve().then(() => bob.meeting.recording.stop(bob.participant)), 'auth.forbidden');
    host.meeting.end(host.participant);
    await flush();
    assert.deepEqual(recorder.ended, ['rec-1']);
  });

  test('recording in one’s own browser: hosts may, participants once allowed; everyone sees who', async () => {
    const w = new World();
    const host = await w.join('Olive', OWNER_ID);
    const bob = await w.join('Bob');
    assert.throws(() => bob.meeting.recording.setLocal(bob.participant, true), (err: { code?: string }) => err.code === 'auth.forbidden');
    host.meeting.recording.setLocal(host.participant, true);
    assert.equal(bob.channel.last('participant-updated').participant.recordingLocally, true);
    host.meeting.moderation.setPermissions(host.participant, { allowLocalRecording: true });
    bob.meeting.recording.setLocal(bob.participant, true);
    assert.equal(host.channel.last('participant-updated').participant.recordingLocally, true);
    bob.meeting.recording.setLocal(bob.participant, false);
    assert.equal(host.channel.last('participant-updated').participant.recordingLocally, false);
  });

  test('a full disk: recording cannot start, and one under way stops with a message to hosts; the meeting goes on', async () => {
    mock.timers.enable({ apis: ['setInterval'] });
    const recorder = new FakeRecorder();
    const w = new World({ recorder });
    const host = await w.join('Olive', OWNER_ID, { isStaff: true });
    const bob = await w.join('Bob');
    recorder.room = false;
    await rejectsWithCode(Promise.resolve().then(() => host.meeting.recording.start(host.participant)), 'recording.disk_full');
    recorder.room = true;
    await host.meeting.recording.start(host.participant);
    recorder.room = false;
    mock.timers.tick(5_000);
    await flush();
    assert.deepEqual(recorder.ended, ['rec-1'], 'what was recorded is kept and processed');
    assert.equal(host.channel.last('error').code, 'recording.disk_full');
    assert.equal(bob.channel.last('meeting-state').state.recording.active, false);
    assert.equal(host.meeting.ended, false);
    mock.timers.reset();
  });

  test('the media server restarts mid-recording: the recording goes on into the same folder once people publish again, the gap left out', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const { recorder, w, host, bob } = await staffHostAndBob();
    const hostFeed = String(host.participant.peer!.feedId);
    await host.meeting.recording.start(host.participant);
    t.mock.timers.tick(5_000);
    w.media.down();
    t.mock.timers.tick(3_000);
    w.media.reset();
    await flush();
    assert.deepEqual(recorder.ended, [], 'not cut short');
    assert.deepEqual(bob.channel.last('meeting-state').state.recording, { active: true, startedAt: new Date(1_000_000).toISOString(), paused: false }, 'people still see it recording');
    const fresh = w.media.rooms.at(-1)!;
    assert.notEqual(fresh, w.media.rooms[0]);
    assert.equal(fresh.recordingDir, null, 'nothing to write until someone publishes');
    t.mock.timers.tick(1_000);
    await w.goLive(bob);
    await flush();
    assert.equal(fresh.recordingDir, '/recordings/rec-1', 'the same recording, on the new room');
    const manifest = recorder.manifests.at(-1)!;
    assert.deepEqual(manifest.pauses, [{ from: 1_005_000, to: 1_009_000 }], 'from the loss to the first publisher: left out of the MP4');
    assert.ok(manifest.feeds[hostFeed], 'the feeds from before the restart keep their names');
    assert.ok(manifest.feeds[String(bob.participant.peer!.feedId)]);
    await host.meeting.recording.stop(host.participant);
    assert.deepEqual(recorder.ended, ['rec-1']);
  });

  test('a host pausing while the recording is interrupted keeps it paused once media is back', async () => {
    const { w, host, bob } = await staffHostAndBob();
    await host.meeting.recording.start(host.participant);
    w.media.down();
    w.media.reset();
    await flush();
    await host.meeting.recording.pause(host.participant, true);
    assert.equal(bob.channel.last('meeting-state').state.recording.paused, true);
    await w.goLive(bob);
    await flush();
    assert.equal(w.media.rooms.at(-1)!.recordingDir, null, 'still paused');
    await host.meeting.recording.pause(host.participant, false);
    assert.equal(w.media.rooms.at(-1)!.recordingDir, '/recordings/rec-1');
  });

  test('without a recorder the server says recording is unavailable', async () => {
    const w = new World();
    const host = await w.join('Olive', OWNER_ID, { isStaff: true });
    await rejectsWithCode(Promise.resolve().then(() => host.meeting.recording.start(host.participant)), 'media.unavailable');
  });
});

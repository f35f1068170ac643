import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startAmphi, type RunningAmphi } from './harness/amphiServer.ts';
import { createMeeting, signInCookie, WsClient } from './harness/wsClient.ts';

/*
 * Permissions at the protocol level, against the real server: a participant's client that
 * sends host actions anyway is refused every time, and someone in the waiting room hears
 * nothing of the meeting.
 */
describe('permissions at the protocol level', { timeout: 60_000 }, () => {
  let amphi: RunningAmphi;
  let cookie: string;

  before(async () => {
    amphi = await startAmphi();
    cookie = await signInCookie(amphi.url, amphi.admin);
  });
  after(async () => {
    await amphi?.stop();
  });

  test('every host action sent by a participant is refused with auth.forbidden', async () => {
    const meeting = await createMeeting(amphi.url, cookie, { title: 'Open seminar', settings: { waitingRoom: false } });
    const host = await WsClient.open(amphi.url, cookie);
    const hostJoined = await host.request({ type: 'join', meetingId: meeting.id, name: 'Host', audio: true, video: true });
    assert.equal(hostJoined.type, 'joined');
    assert.equal((hostJoined.self as { role: string }).role, 'host');
    const hostId = (hostJoined.self as { id: string }).id;

    const eve = await WsClient.open(amphi.url);
    const joined = await eve.request({ type: 'join', meetingId: meeting.id, name: 'Eve', audio: true, video: true, clientId: 'eve-browser-0123456789' });
    assert.equal(joined.type, 'joined');
    assert.equal((joined.self as { role: string }).role, 'participant');
    assert.deepEqual(joined.waiting, [], 'participants never see the waiting room');

    const actions: Record<string, unknown>[] = [
      { type: 'admit', participantId: 'all' },
      { type: 'deny', participantId: hostId },
      { type: 'mute-participant', participantId: hostId },
      { type: 'mute-all' },
      { type: 'ask-unmute', participantId: hostId },
      { type: 'stop-video', participantId: hostId },
      { type: 'remove-participant', participantId: hostId },
      { type: 'set-role', participantId: hostId, role: 'participant' },
      { type: 'rename', participantId: hostId, name: 'Hacked' },
      { type: 'set-lock', locked: true },
      { type: 'set-permissions', permissions: { allowChat: false } },
      { type: 'spotlight', participantId: hostId },
      { type: 'lower-hand', participantId: hostId },
      { type: 'lower-all-hands' },
      { type: 'end-meeting' },
    ];
    for (const action of actions) {
      const reply = await eve.request(action);
      assert.equal(reply.type, 'error', `${action.type} was not refused`);
      assert.equal(reply.code, 'auth.forbidden', `${action.type}: ${reply.code}`);
    }
    // Nothing changed: the host is still host, unrenamed, and the meeting is open.
    const check = await WsClient.open(amphi.url, cookie);
    const view = await check.request({ type: 'join', meetingId: meeting.id, name: 'Host again', audio: false, video: false });
    const hostNow = (view.participants as { id: string; name: string; role: string }[]).find((p) => p.id === hostId);
    assert.equal(hostNow?.name, 'Host');
    assert.equal((view.state as { locked: boolean }).locked, false);
    assert.equal((view.state as { permissions: { allowChat: boolean } }).permissions.allowChat, true);
    for (const c of [host, eve, check]) c.close();
  });

  test('someone in the waiting room receives nothing of the meeting until admitted', async () => {
    const meeting = await createMeeting(amphi.url, cookie, { title: 'Interviews' });
    const host = await WsClient.open(amphi.url, cookie);
    await host.request({ type: 'join', meetingId: meeting.id, name: 'Panel chair', audio: true, video: true });
    const candidate = await WsClient.open(amphi.url);
    const reply = await candidate.request({ type: 'join', meetingId: meeting.id, name: 'Candidate', audio: true, video: true });
    assert.deepEqual(Object.keys(reply).sort(), ['meeting', 'rid', 'type']);
    assert.equal(reply.type, 'waiting');
    const list = await host.waitFor((m) => m.type === 'waiting-list');
    const waiterId = (list.waiting as { id: string }[])[0]!.id;

    // The meeting goes on: chat, another person joins, a hand goes up, the state changes.
    const other = await WsClient.open(amphi.url, cookie);
    await other.request({ type: 'join', meetingId: meeting.id, name: 'Chair (second device)', audio: true, video: true });
    await host.request({ type: 'chat-send', text: 'confidential: the other candidate was better' });
    await host.request({ type: 'raise-hand' });
    await host.request({ type: 'set-lock', locked: false });
    // The waiting person may not act in the meeting either.
    assert.equal((await candidate.request({ type: 'chat-send', text: 'hello?' })).code, 'protocol.out_of_order');
    assert.equal((await candidate.request({ type: 'publish', sdp: 'v=0' })).code, 'protocol.out_of_order');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      candidate.received.map((m) => m.type),
      ['waiting', 'error', 'error'],
      'only its own replies reached the waiting room',
    );

    await host.request({ type: 'admit', participantId: waiterId });
    const joined = await candidate.waitFor((m) => m.type === 'joined');
    assert.equal((joined.chat as { text: string }[]).at(-1)?.text, 'confidential: the other candidate was better', 'history arrives once admitted');
    for (const c of [host, candidate, other]) c.close();
  });
});

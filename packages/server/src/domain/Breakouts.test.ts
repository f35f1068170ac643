import assert from 'node:assert/strict';
import { afterEach, describe, mock, test } from 'node:test';
import { cleanUpWorlds, flush, MEETING_ID, OWNER_ID, throwsWithCode, World, type Member } from './testing/fakes.ts';

afterEach(async () => {
  mock.timers.reset();
  await cleanUpWorlds();
});

const answered = new WeakMap<Member, Set<number>>();

/** Answers `m`'s subscription offers until none is left (offers a room change made stale are skipped). */
async function settle(m: Member): Promise<void> {
  const done = answered.get(m) ?? new Set<number>();
  answered.set(m, done);
  for (let i = 0; i < 20; i++) {
    await flush();
    const offer = m.channel.ofType('subscribe-offer').at(-1);
    if (!offer || done.has(offer.negotiationId)) return;
    done.add(offer.negotiationId);
    await m.meeting.answerSubscription(m.participant, offer.negotiationId, `answer to ${offer.sdp}`).catch(() => {});
  }
}

/** The people whose media `m` receives (by participant id), after its subscription settled. */
async function hears(w: World, m: Member, everyone: Member[]): Promise<string[]> {
  await settle(m);
  const feeds = new Set([...w.peer(m).subscribedStreams].map((k) => Number(k.split('/')[0])));
  return everyone.filter((o) => o !== m && feeds.has(w.peer(o).feedId!)).map((o) => o.participant.name).sort();
}

/** Brings a moved participant's new media up, as their browser would after `media-reset`. */
async function republish(w: World, m: Member): Promise<void> {
  await flush();
  await w.goLive(m);
}

async function classWithPlan(): Promise<{ w: World; host: Member; people: Member[] }> {
  const w = new World();
  w.directory.plans.set(MEETING_ID, {
    rooms: ['Room 1', 'Room 2'],
    assignments: [
      { name: 'Ana', email: null, room: 'Room 1', token: 'tok-ana-0000000000' },
      { name: 'Ben Martin', email: 'ben@univ.example', room: 'Room 1', token: 'tok-ben-0000000000' },
      { name: 'Cléo', email: 'cleo@guest.example', room: 'Room 2', token: 'tok-cleo-000000000' },
      { name: 'Dan', email: null, room: 'Room 2', token: 'tok-dan-0000000000' },
    ],
  });
  const host = await w.join('Teacher', OWNER_ID);
  const people = [
    await w.join('ana'), // by name, whatever the case: suggested, confirmed by the host below
    await w.join('B. Martin', 'user-ben', { email: 'BEN@univ.example' }), // by account email
    await w.join('Someone', undefined, { invite: 'tok-cleo-000000000' }), // by personal link
    await w.join('Dan'),
  ];
  for (const m of [host, ...people]) await w.goLive(m);
  // A name is only a suggestion: the host confirms Ana's and Dan's rooms.
  const suggested = host.channel.last('breakouts').state.suggestions;
  for (const m of [people[0]!, people[3]!]) host.meeting.breakouts.assign(host.participant, m.participant.id, suggested[m.participant.id]!);
  return { w, host, people };
}

describe('breakout rooms', () => {
  test('typing a planned person’s name does not put you in their room: it is suggested to the hosts, who confirm', async () => {
    const w = new World();
    w.directory.plans.set(MEETING_ID, { rooms: ['Jury'], assignments: [{ name: 'Ana Lima', email: 'ana@univ.example', room: 'Jury', token: 'tok-ana-0000000000' }] });
    const host = await w.join('Teacher', OWNER_ID);
    const impostor = await w.join('ana lima');
    const state = host.channel.last('breakouts').state;
    const jury = state.rooms[0]!.id;
    assert.deepEqual(state.assignments, {}, 'not assigned by a name');
    assert.deepEqual(state.suggestions, { [impostor.participant.id]: jury });
    host.meeting.breakouts.open(host.participant, null, false);
    assert.equal(impostor.participant.room, null, 'still in the main room');
    throwsWithCode(() => impostor.meeting.breakouts.enter(impostor.participant, jury), 'auth.forbidden');
    // The real Ana, by her personal link, goes straight in.
    const ana = await w.join('Ana', undefined, { invite: 'tok-ana-0000000000' });
    assert.equal(ana.participant.room, jury);
    // A host who confirms the suggestion makes it an assignment.
    host.meeting.breakouts.assign(host.participant, impostor.participant.id, jury);
    assert.equal(impostor.participant.room, jury);
    assert.deepEqual(host.channel.last('breakouts').state.suggestions, {});
  });

  test('the plan made before the meeting places people by link, email or name; opening moves them; each room hears only itself', async () => {
    const { w, host, people } = await classWithPlan();
    const [ana, ben, cleo, dan] = people as [Member, Member, Member, Member];
    const state = host.channel.last('breakouts').state;
    const [room1, room2] = state.rooms.map((r) => r.id) as [string, string];
    assert.deepEqual(state.rooms.map((r) => r.name), ['Room 1', 'Room 2']);
    assert.deepEqual(state.assignments, { [ana.participant.id]: room1, [ben.participant.id]: room1, [cleo.participant.id]: room2, [dan.participant.id]: room2 });

    host.meeting.breakouts.open(host.participant, null, false);
    assert.deepEqual(ana.channel.last('room-changed'), { type: 'room-changed', room: room1, chat: [] });
    const types = ana.channel.types();
    assert.equal(types[types.indexOf('room-changed') + 1], 'media-reset', 'the browser rebuilds its media after moving');
    for (const m of people) await republish(w, m);
    const all = [host, ...people];
    assert.deepEqual(await hears(w, ana, all), ['B. Martin']);
    assert.deepEqual(await hears(w, cleo, all), ['Dan']);
    assert.deepEqual(await hears(w, host, all), [], 'the host stays in the main room, alone');

    // Chat stays in the room; a broadcast reaches every room.
    ana.meeting.chat.send(ana.participant, 'hello room 1', null);
    assert.equal(ben.channel.last('chat').message.text, 'hello room 1');
    assert.equal(cleo.channel.ofType('chat').length, 0);
    throwsWithCode(() => ana.meeting.breakouts.broadcast(ana.participant, 'hi'), 'auth.forbidden');
    host.meeting.breakouts.broadcast(host.participant, 'Five minutes left');
    for (const m of people) assert.deepEqual(m.channel.last('breakout-message'), { type: 'breakout-message', from: 'Teacher', text: 'Five minutes left' });

    // Nobody enters a room they were not given; hosts visit any; people may go back.
    throwsWithCode(() => ana.meeting.breakouts.enter(ana.participant, room2), 'auth.forbidden');
    assert.equal(ana.participant.room, room1);
    host.meeting.breakouts.enter(host.participant, room2);
    assert.equal(host.participant.room, room2);
    await republish(w, host);
    assert.deepEqual(await hears(w, host, all), ['Dan', 'Someone']);
    ana.meeting.breakouts.enter(ana.participant, null);
    assert.equal(ana.participant.room, null);
  });

  test('help requests reach the hosts; the timer closes the rooms after a countdown; assignments stay for the next round', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    const { w, host, people } = await classWithPlan();
    const [ana, , , dan] = people as [Member, Member, Member, Member];
    host.meeting.breakouts.open(host.participant, 60, false);
    const open = host.channel.last('breakouts').state;
    assert.equal(open.status, 'open');
    assert.ok(open.endsAt);
    ana.meeting.breakouts.askForHelp(ana.participant);
    assert.deepEqual(host.channel.last('breakout-help'), { type: 'breakout-help', participantId: ana.participant.id, name: 'ana', roomId: ana.participant.room! });
    throwsWithCode(() => host.meeting.breakouts.askForHelp(host.participant), 'protocol.out_of_order');
    mock.timers.tick(60_000);
    assert.equal(dan.channel.last('breakouts').state.status, 'closing');
    mock.timers.tick(10_000);
    assert.equal(dan.channel.last('breakouts').state.status, 'idle');
    assert.equal(dan.participant.room, null);
    assert.equal(dan.channel.last('room-changed').room, null);
    assert.equal(Object.keys(dan.channel.last('breakouts').state.assignments).length, 4, 'kept for the next round');
    mock.timers.reset();
    for (const m of people) await republish(w, m);
    assert.deepEqual(await hears(w, dan, [host, ...people]), ['B. Martin', 'Someone', 'Teacher', 'ana']);
  });

  test('hosts create rooms, shuffle evenly, move people while open, and may let people choose', async () => {
    const w = new World();
    const host = await w.join('Teacher', OWNER_ID);
    const people = [await w.join('P1'), await w.join('P2'), await w.join('P3'), await w.join('P4'), await w.join('P5')];
    throwsWithCode(() => people[0]!.meeting.breakouts.setRooms(people[0]!.participant, [{ name: 'Mine' }]), 'auth.forbidden');
    throwsWithCode(() => host.meeting.breakouts.open(host.participant, null, false), 'protocol.out_of_order');
    host.meeting.breakouts.setRooms(host.participant, [{ name: 'A' }, { name: 'B' }]);
    throwsWithCode(() => host.meeting.breakouts.setRooms(host.participant, [{ name: 'A' }, { name: 'a' }]), 'protocol.invalid');
    host.meeting.breakouts.shuffle(host.participant);
    const state = host.channel.last('breakouts').state;
    const sizes = state.rooms.map((r) => Object.values(state.assignments).filter((id) => id === r.id).length).sort();
    assert.deepEqual(sizes, [2, 3]);
    assert.equal(state.assignments[host.participant.id], undefined, 'hosts are not shuffled');
    host.meeting.breakouts.open(host.participant, null, true);
    const [a, b] = state.rooms.map((r) => r.id) as [string, string];
    const p1 = people[0]!;
    const other = p1.participant.room === a ? b : a;
    p1.meeting.breakouts.enter(p1.participant, other);
    assert.equal(p1.participant.room, other, 'participants may choose when allowed');
    host.meeting.breakouts.assign(host.participant, p1.participant.id, p1.participant.room === a ? b : a);
    assert.notEqual(p1.participant.room, other, 'a host moves someone at once while open');
    throwsWithCode(() => host.meeting.breakouts.setRooms(host.participant, []), 'protocol.out_of_order');
    host.meeting.breakouts.close(host.participant, 0);
  });

  test('each room has its own whiteboard, drawn on and seen only there; documents stay in the main room', async () => {
    const { host, people } = await classWithPlan();
    const [ana, ben, cleo] = people as [Member, Member, Member, Member];
    host.meeting.breakouts.open(host.participant, null, false);
    throwsWithCode(() => ana.meeting.stage.present(ana.participant, { kind: 'document', documentId: 'd1' }), 'protocol.out_of_order');
    ana.meeting.stage.present(ana.participant, { kind: 'whiteboard' });
    const board = `board:${ana.participant.room}`;
    assert.deepEqual(ben.channel.last('breakouts').state.boards, [ana.participant.room]);
    assert.equal(ben.channel.last('annotations').surface, board);
    assert.equal(host.meeting.state.presentation, null, 'the main room’s stage is untouched');
    ana.meeting.annotations.annotate(ana.participant, board, { kind: 'put', stroke: { id: 's1', tool: 'pen', width: 0.004, points: [[0.5, 0.5]] } });
    assert.equal(ben.channel.last('annotation').surface, board);
    assert.equal(cleo.channel.ofType('annotation').length, 0, 'room 2 does not see room 1’s board');
    throwsWithCode(() => cleo.meeting.annotations.annotate(cleo.participant, board, { kind: 'undo' }), 'protocol.out_of_order');
    // A host visiting the room gets its board as it is.
    host.meeting.breakouts.enter(host.participant, ana.participant.room);
    assert.equal(host.channel.last('annotations').strokes.length, 1);
    ana.meeting.stage.stopPresenting(ana.participant);
    assert.deepEqual(ben.channel.last('breakouts').state.boards, []);
  });
});

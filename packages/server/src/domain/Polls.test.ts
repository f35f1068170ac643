// Polls: hosts launch, everyone votes once, results live for hosts and shared on demand; an
// anonymous poll never tells anyone who voted what.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { RESULTS_INTERVAL_MS } from './Polls.ts';
import { cleanUpWorlds, OWNER_ID, throwsWithCode, World, type Member } from './testing/fakes.ts';

const resultsSettle = () => new Promise((r) => setTimeout(r, RESULTS_INTERVAL_MS + 50));

afterEach(cleanUpWorlds);

const draft = { question: 'Which chapter next?', kind: 'single' as const, options: ['Groups', 'Rings', 'Fields'], anonymous: true };

test('an anonymous poll: hosts see counts live, nobody ever sees who voted what', async () => {
  const w = new World();
  const [host, bob, cyd] = [await w.join('Olive', OWNER_ID), await w.join('Bob'), await w.join('Cyd')];
  throwsWithCode(() => bob.meeting.polls.launch(bob.participant, draft), 'auth.forbidden');
  const poll = host.meeting.polls.launch(host.participant, draft);
  for (const m of [host, bob, cyd]) assert.deepEqual(m.channel.last('poll').poll, { ...draft, id: poll.id, status: 'open' });
  bob.meeting.polls.vote(bob.participant, poll.id, [1]);
  assert.deepEqual(host.channel.last('poll-results').results, { pollId: poll.id, counts: [0, 1, 0], voters: 1 }, 'the first vote shows at once');
  cyd.meeting.polls.vote(cyd.participant, poll.id, [1]);
  await resultsSettle();
  assert.deepEqual(host.channel.last('poll-results').results, { pollId: poll.id, counts: [0, 2, 0], voters: 2 });
  assert.equal(bob.channel.ofType('poll-results').length, 0, 'participants see nothing until shared');
  throwsWithCode(() => bob.meeting.polls.vote(bob.participant, poll.id, [0]), 'poll.already_voted');
  throwsWithCode(() => bob.meeting.polls.vote(host.participant, poll.id, [0, 1]), 'protocol.invalid');
  throwsWithCode(() => bob.meeting.polls.vote(host.participant, poll.id, [7]), 'protocol.invalid');
  host.meeting.polls.share(host.participant, poll.id);
  assert.deepEqual(bob.channel.last('poll-results').results, { pollId: poll.id, counts: [0, 2, 0], voters: 2 });
  host.meeting.polls.close(host.participant, poll.id);
  throwsWithCode(() => host.meeting.polls.vote(host.participant, poll.id, [0]), 'protocol.out_of_order');
  // Nothing sent to anyone, at any point, carries a voter's name or id with their choice.
  for (const m of [host, bob, cyd]) {
    const text = JSON.stringify(m.channel.ofType('poll-results'));
    assert.doesNotMatch(text, /Bob|Cyd|votes/);
    assert.ok(!text.includes(bob.participant.id) && !text.includes(cyd.participant.id));
  }
});

test('a named poll: hosts see who chose what; participants only the counts; late joiners see the poll', async () => {
  const w = new World();
  const [host, bob] = [await w.join('Olive', OWNER_ID), await w.join('Bob')];
  const poll = host.meeting.polls.launch(host.participant, { ...draft, kind: 'multiple', anonymous: false });
  bob.meeting.polls.vote(bob.participant, poll.id, [0, 2, 2]);
  assert.deepEqual(host.channel.last('poll-results').results, { pollId: poll.id, counts: [1, 0, 1], voters: 1, votes: [{ name: 'Bob', choices: [0, 2] }] });
  host.meeting.polls.share(host.participant, poll.id);
  assert.equal(bob.channel.last('poll-results').results.votes, undefined);
  const late = await w.join('Late');
  assert.deepEqual(late.channel.last('joined').polls.map((p) => p.id), [poll.id]);
});

test('one vote per account, else per browser, for the life of the poll: joining again gives no second vote (audit, hole 4)', async () => {
  const w = new World();
  const host = await w.join('Olive', OWNER_ID);
  const guest = await w.join('Guest', undefined, { browser: 'browser-1', clientId: 'tab-1' });
  const student = await w.join('Student', 'user-student', { browser: 'browser-2' });
  const poll = host.meeting.polls.launch(host.participant, draft);
  guest.meeting.polls.vote(guest.participant, poll.id, [0]);
  student.meeting.polls.vote(student.participant, poll.id, [0]);
  guest.meeting.leave(guest.participant);
  student.meeting.leave(student.participant);
  // The guest comes back from the same browser (another tab, a new participant id), the student from another browser.
  const guestAgain = await w.join('Guest (2)', undefined, { browser: 'browser-1', clientId: 'tab-2' });
  const studentAgain = await w.join('Student', 'user-student', { browser: 'browser-9' });
  assert.notEqual(guestAgain.participant.id, guest.participant.id);
  assert.deepEqual(guestAgain.channel.last('joined').voted, [poll.id], 'told at join: the page shows the vote as given');
  assert.deepEqual(studentAgain.channel.last('joined').voted, [poll.id]);
  throwsWithCode(() => guestAgain.meeting.polls.vote(guestAgain.participant, poll.id, [1]), 'poll.already_voted');
  throwsWithCode(() => studentAgain.meeting.polls.vote(studentAgain.participant, poll.id, [1]), 'poll.already_voted');
  // Someone else in another browser votes as usual; the counts hold two votes, not four.
  const other = await w.join('Other', undefined, { browser: 'browser-3' });
  assert.deepEqual(other.channel.last('joined').voted, []);
  other.meeting.polls.vote(other.participant, poll.id, [2]);
  host.meeting.polls.close(host.participant, poll.id);
  assert.deepEqual(host.channel.last('poll-results').results, { pollId: poll.id, counts: [2, 0, 1], voters: 3 });
  // Storage keeps the voters by account or browser, never a participant id that changes at each join.
  const stored = host.meeting.polls.snapshot()[0]!.voters.sort();
  assert.deepEqual(stored, ['browser:browser-1', 'browser:browser-3', 'user:user-student']);
});

test('300 votes in a burst: hosts get a handful of result messages, not one per vote; closing sends the final count', async () => {
  const w = new World({ policy: { capacity: 400, redirectUrl: null } });
  const host = await w.join('Olive', OWNER_ID);
  const voters: Member[] = [];
  for (let i = 0; i < 300; i++) voters.push(await w.join(`Student ${i}`));
  const poll = host.meeting.polls.launch(host.participant, { ...draft, anonymous: false });
  host.meeting.polls.share(host.participant, poll.id);
  const hostBefore = host.channel.ofType('poll-results').length;
  const studentBefore = voters[0]!.channel.ofType('poll-results').length;
  for (const [i, v] of voters.entries()) v.meeting.polls.vote(v.participant, poll.id, [i % 3]);
  const hostMessages = host.channel.ofType('poll-results').length - hostBefore;
  const studentMessages = voters[0]!.channel.ofType('poll-results').length - studentBefore;
  assert.equal(hostMessages, 1, 'the first vote at once; the other 299 held back');
  assert.equal(studentMessages, 1);
  host.meeting.polls.close(host.participant, poll.id);
  assert.deepEqual(host.channel.last('poll-results').results.counts, [100, 100, 100], 'closing sends what was held back');
  assert.equal(host.channel.last('poll-results').results.votes?.length, 300);
  assert.deepEqual(voters[299]!.channel.last('poll-results').results, { pollId: poll.id, counts: [100, 100, 100], voters: 300 });
  await resultsSettle();
  assert.equal(host.channel.ofType('poll-results').length - hostBefore, 2, 'nothing more after the close');
});

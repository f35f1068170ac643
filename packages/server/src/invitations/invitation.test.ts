import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invitationIcs, invitationSubject, invitationText, type InvitationInput } from './invitation.ts';

const input: InvitationInput = {
  meetingId: 'abc-defg-hjk',
  title: 'Jury de thèse',
  description: 'Salle virtuelle du jury',
  link: 'https://amphi.test/m/abc-defg-hjk',
  passcode: 'Secret42',
  schedule: { startsAt: '2027-01-12T14:30', timeZone: 'Europe/Paris', durationMinutes: 90, recurrence: { freq: 'weekly', until: '2027-02-02' } },
  organiser: { name: 'Ada Lovelace', email: 'ada@univ.example' },
  domain: 'amphi.test',
  now: new Date('2026-12-01T00:00:00Z'),
};

test('English and French invitations carry the link, the passcode and the time in the organiser\'s zone', () => {
  const en = invitationText(input, 'en');
  assert.match(en, /^Ada Lovelace invites you to an Amphi meeting\./);
  assert.match(en, /When: Tuesday,? 12 January 2027 at 14:30 \(Europe\/Paris\), 90 min, every week until 2 February 2027/);
  assert.match(en, /Join: https:\/\/amphi\.test\/m\/abc-defg-hjk\nPasscode: Secret42/);
  const fr = invitationText(input, 'fr');
  assert.match(fr, /^Ada Lovelace vous invite à une réunion Amphi\./);
  assert.match(fr, /mardi 12 janvier 2027 à 14:30 \(Europe\/Paris\), 90 min, toutes les semaines jusqu’au 2 février 2027/);
  assert.equal(invitationSubject(input, 'fr'), 'Invitation : Jury de thèse');
});

test('a meeting without a date has no calendar entry; its invitation says the link works any time', () => {
  const undated = { ...input, schedule: null, passcode: null };
  assert.equal(invitationIcs(undated, 'en'), undefined);
  assert.match(invitationText(undated, 'en'), /When: Any time/);
  assert.doesNotMatch(invitationText(undated, 'en'), /Passcode/);
  assert.match(invitationIcs(input, 'en') ?? '', /UID:abc-defg-hjk@amphi\.test/);
});

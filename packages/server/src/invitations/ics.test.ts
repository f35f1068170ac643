import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeText, fold, meetingIcs, vtimezone } from './ics.ts';

const event = {
  uid: 'abc-defg-hjk@amphi.test',
  title: 'Algèbre, groupe B; TD',
  description: 'Join: https://amphi.test/m/abc-defg-hjk\nPasscode: 1234',
  url: 'https://amphi.test/m/abc-defg-hjk',
  organiser: { name: 'Ada Lovelace', email: 'ada@univ.example' },
  schedule: { startsAt: '2026-10-19T10:00', timeZone: 'Europe/Paris', durationMinutes: 90, recurrence: { freq: 'weekly' as const, until: '2026-12-14' } },
  now: new Date('2026-10-01T08:00:00Z'),
};

test('a weekly meeting in Paris: local times with TZID, an RRULE, and the time zone rules', () => {
  const ics = meetingIcs(event);
  const unfolded = ics.replace(/\r\n /g, '');
  assert.match(unfolded, /^BEGIN:VCALENDAR\r\nVERSION:2\.0\r\n/);
  assert.match(unfolded, /\r\nDTSTART;TZID=Europe\/Paris:20261019T100000\r\n/);
  assert.match(unfolded, /\r\nDTEND;TZID=Europe\/Paris:20261019T113000\r\n/);
  assert.match(unfolded, /\r\nRRULE:FREQ=WEEKLY;UNTIL=20261214T090000Z\r\n/);
  assert.match(unfolded, /\r\nSUMMARY:Algèbre\\, groupe B\\; TD\r\n/);
  assert.match(unfolded, /\r\nDESCRIPTION:Join: https:\/\/amphi\.test\/m\/abc-defg-hjk\\nPasscode: 1234\r\n/);
  assert.match(unfolded, /\r\nUID:abc-defg-hjk@amphi\.test\r\n/);
  assert.ok(ics.endsWith('END:VCALENDAR\r\n'));
  for (const line of ics.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, `line too long: ${line}`);
});

test('VTIMEZONE for Paris: summer time from the last Sunday of March, winter time from the last Sunday of October', () => {
  const tz = vtimezone('Europe/Paris', 2026).join('\n');
  assert.match(tz, /BEGIN:DAYLIGHT\nDTSTART:20260329T020000\nTZOFFSETFROM:\+0100\nTZOFFSETTO:\+0200\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\nEND:DAYLIGHT/);
  assert.match(tz, /BEGIN:STANDARD\nDTSTART:20261025T030000\nTZOFFSETFROM:\+0200\nTZOFFSETTO:\+0100\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\nEND:STANDARD/);
  assert.match(vtimezone('America/New_York', 2026).join('\n'), /BYMONTH=3;BYDAY=2SU/);
  assert.match(vtimezone('Asia/Tokyo', 2026).join('\n'), /TZOFFSETFROM:\+0900\nTZOFFSETTO:\+0900/);
});

test('text escaping and folding', () => {
  assert.equal(escapeText('a,b;c\\d\ne'), 'a\\,b\\;c\\\\d\\ne');
  const folded = fold('DESCRIPTION:' + 'é'.repeat(60));
  for (const line of folded.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75);
  assert.equal(folded.replace(/\r\n /g, ''), 'DESCRIPTION:' + 'é'.repeat(60));
});

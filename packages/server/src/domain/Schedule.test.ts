import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTimeZone, localToUtc, nextOccurrence, occurrences, zoneOffsetMinutes } from './Schedule.ts';

test('local times convert to UTC across daylight-saving changes', () => {
  assert.equal(localToUtc('2026-12-01T10:00', 'Europe/Paris').toISOString(), '2026-12-01T09:00:00.000Z');
  assert.equal(localToUtc('2026-07-01T10:00', 'Europe/Paris').toISOString(), '2026-07-01T08:00:00.000Z');
  assert.equal(localToUtc('2026-07-01T10:00', 'America/Montreal').toISOString(), '2026-07-01T14:00:00.000Z');
  assert.equal(localToUtc('2026-07-01T10:00', 'UTC').toISOString(), '2026-07-01T10:00:00.000Z');
  assert.equal(zoneOffsetMinutes(new Date('2026-01-15T12:00:00Z'), 'Asia/Kolkata'), 330);
});

test('a weekly class keeps its wall-clock time when the clocks change', () => {
  const all = occurrences({ startsAt: '2026-10-19T10:00', timeZone: 'Europe/Paris', durationMinutes: 90, recurrence: { freq: 'weekly', until: '2026-11-09' } });
  assert.deepEqual(
    all.map((o) => o.start.toISOString()),
    ['2026-10-19T08:00:00.000Z', '2026-10-26T09:00:00.000Z', '2026-11-02T09:00:00.000Z', '2026-11-09T09:00:00.000Z'],
  );
  assert.equal(all[0]!.end.toISOString(), '2026-10-19T09:30:00.000Z');
});

test('daily recurrences stop at their last day; the next occurrence is the first not yet over', () => {
  const s = { startsAt: '2026-11-30T09:00', timeZone: 'UTC', durationMinutes: 60, recurrence: { freq: 'daily' as const, until: '2026-12-02' } };
  assert.equal(occurrences(s).length, 3);
  assert.equal(nextOccurrence(s, new Date('2026-12-01T09:30:00Z'))?.start.toISOString(), '2026-12-01T09:00:00.000Z');
  assert.equal(nextOccurrence(s, new Date('2026-12-01T10:00:01Z'))?.start.toISOString(), '2026-12-02T09:00:00.000Z');
  assert.equal(nextOccurrence(s, new Date('2026-12-03T00:00:00Z')), undefined);
});

test('time zones are checked', () => {
  assert.equal(isTimeZone('Europe/Paris'), true);
  assert.equal(isTimeZone('Mars/Olympus_Mons'), false);
});

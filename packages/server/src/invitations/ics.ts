import { occurrences, zoneOffsetMinutes, type Schedule } from '../domain/Schedule.ts';

/*
 * iCalendar (RFC 5545) for a meeting: one VEVENT in the organiser's time zone, with the
 * VTIMEZONE the standard requires, so calendars keep a weekly 10:00 class at 10:00 across
 * daylight-saving changes.
 */

export interface CalendarEvent {
  uid: string;
  title: string;
  description: string;
  url: string;
  organiser: { name: string; email: string };
  schedule: Schedule;
  now: Date;
}

/** Escapes a TEXT value (RFC 5545 §3.3.11). */
export function escapeText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** Folds a content line at 75 octets, never inside a UTF-8 sequence (RFC 5545 §3.1). */
export function fold(line: string): string {
  const out: string[] = [];
  let current = '';
  let bytes = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > (out.length === 0 ? 75 : 74)) {
      out.push(current);
      current = '';
      bytes = 0;
    }
    current += ch;
    bytes += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

const utcStamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const localStamp = (local: string) => local.replace(/[-:]/g, '') + '00';

function offset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

/** The zone's offset changes during `year`, found by scanning days then bisecting to the minute. */
function transitions(timeZone: string, year: number): { at: Date; from: number; to: number }[] {
  const found: { at: Date; from: number; to: number }[] = [];
  let t = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  let prev = zoneOffsetMinutes(new Date(t), timeZone);
  for (t += 86_400_000; t <= end; t += 86_400_000) {
    const off = zoneOffsetMinutes(new Date(t), timeZone);
    if (off !== prev) {
      let lo = t - 86_400_000;
      let hi = t;
      while (hi - lo > 60_000) {
        const mid = lo + Math.floor((hi - lo) / 2 / 60_000) * 60_000;
        if (zoneOffsetMinutes(new Date(mid), timeZone) === prev) lo = mid;
        else hi = mid;
      }
      found.push({ at: new Date(hi), from: prev, to: off });
      prev = off;
    }
  }
  return found;
}

/** A VTIMEZONE with yearly rules (e.g. "last Sunday of March") derived from this year's changes. */
export function vtimezone(timeZone: string, year: number): string[] {
  const changes = transitions(timeZone, year);
  const lines = ['BEGIN:VTIMEZONE', `TZID:${timeZone}`];
  if (changes.length === 0) {
    const off = offset(zoneOffsetMinutes(new Date(Date.UTC(year, 0, 1)), timeZone));
    lines.push('BEGIN:STANDARD', 'DTSTART:19700101T000000', `TZOFFSETFROM:${off}`, `TZOFFSETTO:${off}`, 'END:STANDARD');
  }
  for (const c of changes) {
    const kind = c.to > c.from ? 'DAYLIGHT' : 'STANDARD';
    // The change as the local clock showed it just before (in the "from" offset).
    const local = new Date(c.at.getTime() + c.from * 60_000);
    const day = local.getUTCDate();
    const daysInMonth = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 0)).getUTCDate();
    const nth = day > daysInMonth - 7 ? -1 : Math.ceil(day / 7);
    const weekday = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'][local.getUTCDay()];
    lines.push(
      `BEGIN:${kind}`,
      `DTSTART:${utcStamp(local).replace('Z', '')}`,
      `TZOFFSETFROM:${offset(c.from)}`,
      `TZOFFSETTO:${offset(c.to)}`,
      `RRULE:FREQ=YEARLY;BYMONTH=${local.getUTCMonth() + 1};BYDAY=${nth}${weekday}`,
      `END:${kind}`,
    );
  }
  lines.push('END:VTIMEZONE');
  return lines;
}

export function meetingIcs(event: CalendarEvent): string {
  const { schedule } = event;
  const all = occurrences(schedule);
  const endLocalMs = Date.UTC(
    Number(schedule.startsAt.slice(0, 4)),
    Number(schedule.startsAt.slice(5, 7)) - 1,
    Number(schedule.startsAt.slice(8, 10)),
    Number(schedule.startsAt.slice(11, 13)),
    Number(schedule.startsAt.slice(14, 16)) + schedule.durationMinutes,
  );
  const endLocal = new Date(endLocalMs).toISOString().slice(0, 16);
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Amphi//Amphi meetings//EN', 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH'];
  lines.push(...vtimezone(schedule.timeZone, Number(schedule.startsAt.slice(0, 4))));
  lines.push(
    'BEGIN:VEVENT',
    `UID:${event.uid}`,
    `DTSTAMP:${utcStamp(event.now)}`,
    `DTSTART;TZID=${schedule.timeZone}:${localStamp(schedule.startsAt)}`,
    `DTEND;TZID=${schedule.timeZone}:${localStamp(endLocal)}`,
  );
  if (schedule.recurrence) {
    const last = all[all.length - 1]!;
    lines.push(`RRULE:FREQ=${schedule.recurrence.freq.toUpperCase()};UNTIL=${utcStamp(last.start)}`);
  }
  lines.push(
    `SUMMARY:${escapeText(event.title)}`,
    `DESCRIPTION:${escapeText(event.description)}`,
    `URL:${event.url}`,
    `LOCATION:${escapeText(event.url)}`,
    `ORGANIZER;CN=${escapeText(event.organiser.name).replace(/[:;"]/g, '')}:mailto:${event.organiser.email}`,
    'END:VEVENT',
    'END:VCALENDAR',
  );
  return lines.map(fold).join('\r\n') + '\r\n';
}

/**
 * When a meeting happens: a local start time in an IANA time zone, a duration, and maybe a
 * daily or weekly recurrence until a date. Times are kept as the organiser's wall-clock time so
 * a weekly 10:00 class stays at 10:00 across daylight-saving changes.
 */
export interface Schedule {
  /** Local wall-clock start, "YYYY-MM-DDTHH:mm", in `timeZone`. */
  startsAt: string;
  timeZone: string;
  durationMinutes: number;
  recurrence: Recurrence | null;
}

export interface Recurrence {
  freq: 'daily' | 'weekly';
  /** Last day an occurrence may start on, "YYYY-MM-DD" (inclusive), in the meeting's time zone. */
  until: string;
}

export interface Occurrence {
  start: Date;
  end: Date;
}

/** Most occurrences a recurrence may have (a daily meeting for about two years). */
export const MAX_OCCURRENCES = 750;

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Offset of `timeZone` from UTC at `instant`, in minutes (Paris in winter: +60). */
export function zoneOffsetMinutes(instant: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/** The instant a local wall-clock time "YYYY-MM-DDTHH:mm" happens in `timeZone`. */
export function localToUtc(local: string, timeZone: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m) throw new Error(`not a local time: ${local}`);
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
  // Two passes settle the offset, including around daylight-saving changes.
  let utc = wall - zoneOffsetMinutes(new Date(wall), timeZone) * 60_000;
  utc = wall - zoneOffsetMinutes(new Date(utc), timeZone) * 60_000;
  return new Date(utc);
}

function addDays(local: string, days: number): string {
  const d = new Date(`${local.slice(0, 10)}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10) + local.slice(10);
}

/** Every occurrence, in order (at most MAX_OCCURRENCES). */
export function occurrences(schedule: Schedule): Occurrence[] {
  const step = schedule.recurrence ? (schedule.recurrence.freq === 'daily' ? 1 : 7) : 0;
  const result: Occurrence[] = [];
  let local = schedule.startsAt;
  for (let i = 0; i < MAX_OCCURRENCES; i++) {
    const start = localToUtc(local, schedule.timeZone);
    result.push({ start, end: new Date(start.getTime() + schedule.durationMinutes * 60_000) });
    if (!schedule.recurrence) break;
    local = addDays(local, step);
    if (local.slice(0, 10) > schedule.recurrence.until) break;
  }
  return result;
}

/** The first occurrence that has not ended at `now`, if any. */
export function nextOccurrence(schedule: Schedule, now: Date): Occurrence | undefined {
  return occurrences(schedule).find((o) => o.end > now);
}
